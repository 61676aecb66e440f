"""`crb import` over many inputs: files, folders and globs; one bad input is one rejected record;
the exit status says whether everything was read; every record lands in exactly one count."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crb, interrupt_at_batch, rows

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def counted(summary: dict[str, Any]) -> int:
    return (
        summary["imported"] + summary["updated"] + summary["merged"] + summary["unchanged"]
        + sum(summary["skipped"].values()) + len(summary["rejected"])
    )


def test_a_folder_with_an_unknown_file_imports_the_rest(
    crb: Crb, corpus: Path, tmp_path: Path, db_path: Path
) -> None:
    cals = tmp_path / "cals"
    shutil.copytree(corpus / "ics" / "khal", cals / "khal")
    shutil.copytree(corpus / "ics" / "biweekly", cals / "deeper" / "biweekly")
    (cals / "deeper" / "photo.png").write_bytes(PNG)
    (cals / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: not an input
    crb.config.write_text('[me]\ntimezone = "UTC"\n', encoding="utf-8")  # (the corpus's user)
    result = crb("import", str(cals), "--json", "--rejects", str(tmp_path / "r.jsonl"), status=3)
    by_source = {s["source"]: s for s in json.loads(result.stdout)["sources"]}
    assert by_source["import"]["rejected"] == [{
        "where": str(cals / "deeper" / "photo.png"),
        "reason": "cannot tell what format this is; give --format (crb-json, csv, eml, "
                  "google-csv, ics, linkedin, mbox, outlook-csv, vcard)",
    }]
    ics = by_source["ics"]
    assert ics["ok"] and ics["imported"] > 0 and ics["seen"] == counted(ics)
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert {"source": "import", "where": str(cals / "deeper" / "photo.png")}.items() <= lines[
        0].items()
    assert rows(db_path, "select count(*) from interactions")[0][0] == ics["imported"]
    # The same folder named by a quoted glob finds the same files (and nothing new; nothing
    # rejected either: khal's broken VTIMEZONE is a warning, its events read).
    again = crb("import", f"{cals}/**/*.ics", "--json")
    (summary,) = json.loads(again.stdout)["sources"]
    assert summary["source"] == "ics" and summary["imported"] == 0
    assert summary["seen"] == ics["seen"]


def test_the_text_summary_is_printed_and_the_exit_status_is_3(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    result = crb("import", str(corpus / "ics" / "khal" / "event_dt_simple.ics"),
                 str(tmp_path / "nope.ics"), f"{tmp_path}/*.vcf", status=3)
    # Never "ok" beside a rejected file.
    assert "import: nothing imported, 2 rejected\n  seen 2," in result.stdout
    assert f"    {tmp_path / 'nope.ics'}: no such file or folder" in result.stdout
    assert f"    {tmp_path}/*.vcf: no file matches this pattern" in result.stdout
    assert "ics: ok" in result.stdout
    assert result.stderr == ""


def test_headers_say_what_was_rejected_and_which_files_were_read(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    out = crb("import", str(empty), str(tmp_path / "nonexistent.mbox"), status=3).stdout
    assert out.startswith("import: nothing imported, 2 rejected\n")
    assert f"{empty}: empty file: nothing to import" in out
    assert "cannot tell what format" not in out
    # .eml files are read by the mbox source, and the header says so.
    out = crb("import", str(corpus / "eml"), status=3).stdout
    assert out.startswith("mbox (eml): ok, 33 rejected\n")  # (4 undated: dated by their files)
    out = crb("import", str(corpus / "mbox" / "perceval")).stdout
    assert out.startswith("mbox: ok\n")


def test_everything_read_exits_0(crb: Crb, corpus: Path) -> None:
    result = crb("import", str(corpus / "vcf" / "ez-vcard" / "John_Doe_GMAIL.vcf"))
    assert "vcard: ok" in result.stdout


@pytest.mark.parametrize("case", ["png as vcard", "unreachable url", "unknown column"])
def test_nothing_importable_exits_3_with_the_summary(
    crb: Crb, corpus: Path, tmp_path: Path, db_path: Path, case: str
) -> None:
    png = tmp_path / "photo.png"
    png.write_bytes(PNG)
    args = {
        "png as vcard": ["--format", "vcard", str(png)],
        "unreachable url": ["http://127.0.0.1:9/cal.ics"],
        "unknown column": ["--map", "email=NoSuchColumn",
                           str(corpus / "csv" / "thunderbird" / "export.csv")],
    }[case]
    result = crb("import", *args, status=3)
    assert "rejected 1:" in result.stdout
    assert rows(db_path, "select count(*) from people") == [(0,)]


def test_a_mapped_column_missing_is_cut_short_in_the_message(crb: Crb, tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    header = ",".join(f"Column number {i}" for i in range(10_000))
    wide.write_text(header + "\n" + ",".join("x" for _ in range(10_000)) + "\n")
    result = crb("import", "--map", "email=NoSuchColumn", str(wide), status=3)
    assert max(len(line) for line in result.stdout.splitlines()) <= 400
    assert "'Column number 7', ... 10000 columns" in result.stdout


def test_a_vcard_changing_a_known_person_is_counted_once_as_updated(
    crb: Crb, corpus: Path
) -> None:
    crb("import", str(corpus / "vcf" / "ez-vcard" / "John_Doe_GMAIL.vcf"))
    (summary,) = crb.json("import", str(corpus / "vcf" / "ez-vcard" / "John_Doe_LOTUS_NOTES.vcf"))[
        "sources"]
    # The card shares john.doe@ibm.com with the first one, a card of the same source (vCard):
    # the person gains identities, and what the earlier card gave (name, title, birthday) is
    # the newer card's now: one count, updated.
    assert (summary["seen"], summary["updated"], summary["merged"],
            summary["new_people"]) == (2, 1, 0, 0)
    assert summary["seen"] == counted(summary)


def test_ctrl_c_stores_what_was_read_and_exits_130(
    crb: Crb, corpus: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crb_tui.host import sync
    from crb_tui.store import Store

    monkeypatch.setattr(sync, "FLUSH_EVERY", 10)
    real = Store.write_batch
    interrupt_at_batch(monkeypatch, 3)
    files = sorted(str(p) for p in (corpus / "vcf").rglob("*.vcf"))
    result = crb("import", *files, str(corpus / "ics" / "khal"), status=130)
    assert "vcard: interrupted\n  seen 20," in result.stdout
    assert "ics" not in result.stdout  # the calendars, next in line, are not begun
    assert "Interrupted" in result.stderr
    monkeypatch.setattr(Store, "write_batch", real)
    (state,) = rows(db_path, "select counts, last_ok from sync_state where source = 'vcard'")
    counts = json.loads(state[0])
    assert counts["status"] == "interrupted" and counts["seen"] == 20 and state[1] is None
    stored = rows(db_path, "select count(*) from people")[0][0]
    assert stored == counts["new_people"] > 0
    status = crb("sync", "--status").stdout
    assert status.startswith("vcard: interrupted, last run 2026-")
    assert ", last ok never\n" in status and "None" not in status  # words, not Python's None
    assert "  seen 20, imported " in status
    (run,) = crb.json("sync", "--status", "vcard")["sources"]
    assert run["status"] == "interrupted" and run["last_ok"] is None


def lightning_calendar(path: Path) -> Path:
    """An event in a Mozilla Lightning style globally unique TZID: icalendar guesses the zone
    and warns (once per TZID per process, so each call makes a new one)."""
    tzid = f"/mozilla.org/{uuid.uuid4().hex}/America/New_York"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"
        f"\r\nBEGIN:VEVENT\r\nUID:a1\r\nDTSTART;TZID={tzid}:20260301T090000\r\n"
        f"DTEND;TZID={tzid}:20260301T100000\r\n"
        "SUMMARY:Plan\r\nORGANIZER:mailto:me@example.com\r\nATTENDEE:mailto:ann@example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", newline="")
    return path


def test_a_library_warning_is_in_the_summary_not_on_stderr(crb: Crb, tmp_path: Path) -> None:
    path = lightning_calendar(tmp_path / "lightning.ics")
    result = crb("import", str(path))
    assert result.stderr == ""
    assert "  warning: Timezone '/mozilla.org/" in result.stdout
    assert "site-packages" not in result.stdout
    (summary,) = crb.json("import", str(lightning_calendar(path)))["sources"]
    assert summary["warnings"][0].startswith("Timezone '/mozilla.org/")


def test_a_record_in_no_count_fails_the_tests_and_warns_otherwise(
    crb: Crb, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crb_tui.store import Store

    real = Store.write_batch

    def loses_a_count(self: Store, batch: Any, source: str, **kw: Any) -> Any:
        result = real(self, batch, source, **kw)
        result.imported -= 1  # a write path that forgot one record
        return result

    monkeypatch.setattr(Store, "write_batch", loses_a_count)
    card = str(corpus / "vcf" / "ez-vcard" / "John_Doe_GMAIL.vcf")
    # The suite runs with CRB_STRICT_COUNTS: the source fails, naming the bug.
    result = crb("import", card, ok=False)
    assert result.exit_code == 1
    assert "vcard: FAILED" in result.stdout
    assert "crb: error: vcard: 2 records seen but 1 counted (a CRB bug)" in result.stderr
    # A user's run goes on and says so in the summary.
    monkeypatch.delenv("CRB_STRICT_COUNTS")
    result = crb("import", card)
    assert "  warning: vcard: 2 records seen but 1 counted (a CRB bug)" in result.stdout


def test_ctrl_c_before_any_source_runs_exits_130(
    crb: Crb, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crb_tui.host import importing

    def interrupted(*_args: Any) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(importing, "read_head", interrupted)
    result = crb("import", str(corpus / "ics" / "khal"), status=130)
    assert result.stderr.strip() == "crb: interrupted"


def test_a_pipe_in_a_folder_is_rejected_not_waited_on(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(corpus / "vcf" / "ez-vcard" / "John_Doe_GMAIL.vcf", folder)
    os.mkfifo(folder / "pipe.vcf")
    (summary, cards) = crb.json("import", str(folder), status=3)["sources"]
    assert summary["rejected"] == [{"where": str(folder / "pipe.vcf"),
                                    "reason": "not a regular file"}]
    assert cards["source"] == "vcard" and cards["new_people"] == 1


def test_sync_exits_3_when_a_source_rejected_something(
    crb: Crb, corpus: Path, config_file: Path
) -> None:
    unparsable = corpus / "vcf" / "khard" / "unparsable.vcf"
    good = corpus / "vcf" / "ez-vcard" / "John_Doe_GMAIL.vcf"
    config_file.write_text(config_file.read_text()
                           + f'\n[sources.vcard]\npaths = ["{good}"]\n')
    assert "vcard: ok" in crb("sync").stdout
    text = config_file.read_text()
    config_file.write_text(text.replace(f'"{good}"', f'"{good}", "{unparsable}"'))
    result = crb("sync", status=3)
    assert f"{unparsable} card 1: the file ends before END:VCARD" in result.stdout


def test_a_huge_value_in_a_rejection_is_cut_to_a_line(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "long.ics"
    path.write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{'X' * 20_000}\r\n"
                    "DTSTART:20260301T090000Z\r\nATTENDEE:mailto:a@example.org\r\nEND:VCALENDAR\r\n")
    result = crb("import", str(path), status=3)
    assert max(len(line) for line in result.stdout.splitlines()) < 400
    (summary,) = json.loads(crb("import", str(path), "--json", status=3).stdout)["sources"]
    (reject,) = summary["rejected"]
    assert len(reject["where"]) == 300 and reject["where"].endswith("X…")
    assert reject["reason"] == "event not closed (no END:VEVENT), line 3"


def test_a_run_that_imported_nothing_or_was_cancelled_is_no_success(
    crb: Crb, config_file: Path, tmp_path: Path, db_path: Path
) -> None:
    """Trial 8 V9, V18: a sync whose only file is missing (rejected, exit 3) and a first run
    cancelled are no "last ok"."""
    from crb_tui.host.app_context import AppContext

    config_file.write_text(config_file.read_text() + f'[sources.vcard]\npaths = '
                           f'["{tmp_path / "nope.vcf"}"]\n', encoding="utf-8")
    crb("sync", status=3)
    status = crb("sync", "--status").stdout
    assert status.startswith("vcard: rejected, last run 2026-11-23 09:00, last ok never")
    (run,) = crb.json("sync", "--status")["sources"]
    assert run["status"] == "rejected" and run["last_ok"] is None
    card = tmp_path / "one.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEMAIL:ann@x.org\r\nEND:VCARD\r\n")
    app = AppContext(db_path=db_path, config_path=config_file)
    try:
        (summary,) = app.sync(["vcard"], paths=[card], cancelled=lambda: True)
    finally:
        app.close()
    assert summary.status == "cancelled"
    (run,) = crb.json("sync", "--status")["sources"]
    assert run["status"] == "cancelled" and run["last_ok"] is None


def test_sync_status_heads_a_run_with_rejects_as_the_run_did(
    crb: Crb, tmp_path: Path, config_file: Path
) -> None:
    """Trial 12: `crb sync --status` headed a run that rejected 2 records `ok`, where the run's
    own summary said `ok, 2 rejected`."""
    cards = tmp_path / "cards.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEMAIL:ann@x.org\r\nEND:VCARD\r\n"
                     "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nobody\r\nEND:VCARD\r\n",
                     encoding="utf-8")
    config_file.write_text(config_file.read_text() + f'[sources.vcard]\npaths = ["{cards}"]\n',
                           encoding="utf-8")
    assert crb("sync", status=3).stdout.startswith("vcard: ok, 1 rejected\n")
    assert crb("sync", "--status").stdout.startswith("vcard: ok, 1 rejected, last run 2026-")
    (run,) = crb.json("sync", "--status")["sources"]
    assert run["status"] == "ok" and run["counts"]["rejected_count"] == 1
