"""`crb sync --status` in plain text: every count `--json` has (they add up), and the times in
the user's time zone, as they read them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import Crb


def test_status_counts_add_up_and_times_are_local(
    crb: Crb, corpus: Path, config_file: Path, db_path: Path
) -> None:
    config_file.write_text('[me]\nemails = ["me@example.com"]\ntimezone = "America/New_York"\n',
                           encoding="utf-8")
    crb("import", str(corpus / "mbox" / "perceval"))
    (run,) = crb.json("sync", "--status", "mbox")["sources"]
    counts = run["counts"]
    skipped = sum(counts["skipped"].values())
    assert skipped > 0
    text = crb("sync", "--status").stdout
    assert (f"  seen {counts['seen']}, imported {counts['imported']}, updated "
            f"{counts['updated']}, merged {counts['merged']}, unchanged {counts['unchanged']}, "
            f"skipped {skipped}, rejected {counts['rejected_count']}, new people "
            f"{counts['new_people']}") in text
    assert counts["seen"] == sum(counts[k] for k in (
        "imported", "updated", "merged", "unchanged", "rejected_count")) + skipped
    for reason, count in counts["skipped"].items():
        assert f"{reason} {count}" in text
    # The stored stamp is UTC; the line shows it in New York, without an ISO offset.
    (stamp,) = sqlite3.connect(db_path).execute(
        "select last_run from sync_state where source = 'mbox'").fetchone()
    local = dt.datetime.fromisoformat(stamp).astimezone(ZoneInfo("America/New_York"))
    assert text.startswith(f"mbox: ok, last run {local:%Y-%m-%d %H:%M}\n"), text
    assert "+00:00" not in text and "T" not in text.splitlines()[0]


def test_status_of_a_misspelt_source_is_an_error_and_of_one_never_run_says_so(
    crb: Crb, corpus: Path
) -> None:
    """Trial 14 F16: `crb sync --status gmial` said "No source has run yet." with status 0 (a
    cron check of a misspelt name passed), and so did a source that never ran while others
    had."""
    crb("import", str(corpus / "mbox" / "perceval"))
    typo = crb("sync", "--status", "gmial", ok=False)
    assert typo.exit_code == 1
    assert typo.stderr.startswith("crb: error: unknown source gmial (available: caldav, csv,")
    assert crb("sync", "--status", "caldav").stdout == "caldav: never run, last ok never\n"
    both = crb("sync", "--status", "caldav", "mbox").stdout.splitlines()
    assert both[0].startswith("mbox: ok, last run ") and "caldav: never run, last ok never" in both
    (run,) = crb.json("sync", "--status", "caldav")["sources"]
    assert run == {"source": "caldav", "last_run": None, "last_ok": None, "status": "never run",
                   "counts": {}, "error": None}
