"""Days pass with nothing written: every place that shows a score shows today's."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from tests.conftest import TODAY, Crb


def _scores(crb: Crb) -> dict[int, tuple]:
    people = crb.json("people", "--all")["people"]  # type: ignore[index]
    return {p["id"]: (p["warmth"], p["trust"], p["value"], p["health"], p["trend"], p["overdue"])
            for p in people}


def test_scores_follow_the_day_everywhere_with_nothing_written(crb: Crb) -> None:
    crb.today = TODAY - dt.timedelta(days=75)
    crb("demo")
    before = _scores(crb)
    crb.today = TODAY
    after = _scores(crb)
    # Time passing cools relationships: the stored scores of 75 days ago would not.
    assert sum(a[0] for a in after.values()) < sum(b[0] for b in before.values())
    for pid in list(after)[:15]:
        shown = crb.json("show", str(pid))["health"]  # type: ignore[index]
        assert after[pid][:5] == (shown["warmth"], shown["trust"], shown["value"],
                                  shown["health"], shown["trend"]), pid
    # The review sees the people going cold: past cadence items appear once the day's
    # commitments and dates have their places.
    review = crb.json("review", "--limit", "200")
    kinds = {item["kind"] for item in review["items"]}  # type: ignore[index]
    assert "past_cadence" in kinds, kinds


def test_people_a_stopped_write_left_unscored_are_scored_by_the_next_command(
    crb: Crb, db_path: Path
) -> None:
    crb("demo")
    with sqlite3.connect(db_path) as conn:
        # (as the trigger leaves a new person's row: nothing scored, due at once)
        conn.execute("update health_params set computed_on = null, ref_jd = null, due_jd = 0,"
                     " t_n0 = 0, two_jd = null where person_id in (select id from people"
                     " limit 5)")
    rows = crb.json("people", "--all")["people"]  # type: ignore[index]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from health where computed_on is null "
                            "or computed_on != ?", [TODAY.isoformat()]).fetchone()[0] == 0
    assert all(p["warmth"] is not None for p in rows)


def test_scores_follow_an_edit_of_the_health_settings_the_same_day(
    crb: Crb, config_file: Path
) -> None:
    """The list shows what `crb show` explains: editing [health] mid-day, or upgrading to a
    CRB whose model changed, recomputes the scores stored earlier that day."""
    crb("demo")
    first = crb.json("people", "--all")["people"]  # type: ignore[index]
    pid = next(p["id"] for p in first if p["value"] is None)
    assert next(p["health"] for p in first if p["id"] == pid) is not None
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + "\n[health]\nvalue_unknown = 60\n", encoding="utf-8")
    listed = {p["id"]: p for p in crb.json("people", "--all")["people"]}  # type: ignore[index]
    shown = crb.json("show", str(pid))["health"]  # type: ignore[index]
    assert listed[pid]["health"] == shown["health"]
    assert listed[pid]["health"] > next(p["health"] for p in first if p["id"] == pid)


def test_scores_stored_by_another_model_are_recomputed(crb: Crb, db_path: Path) -> None:
    crb("demo")
    with sqlite3.connect(db_path) as conn:
        # as an older CRB left them: computed today, by another model, with other numbers
        conn.execute("update health_model set key = 'an older model'")
        conn.execute("update health_params set t_n0 = 0, two_jd = null")
    rows = crb.json("people", "--all")["people"]  # type: ignore[index]
    assert sum(p["warmth"] or 0 for p in rows) > 0
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select key from health_model").fetchone()[0] != "an older model"


def test_new_people_stop_being_new_when_their_triage_days_are_over(crb: Crb) -> None:
    """review.md: new people wait for triage [review] new_people_days (14). Past that, with no
    decision, they are plain contacts: not "new" in the list or the dashboard forever."""
    crb("demo")
    new = [p["id"] for p in crb.json("people", "--all")["people"]  # type: ignore[index]
           if p["triage"]]
    assert new
    crb.today = TODAY + dt.timedelta(days=1)
    assert all(p["triage"] for p in crb.json("people", "--all")["people"]  # type: ignore[index]
               if p["id"] in new)
    crb.today = TODAY + dt.timedelta(days=400)
    listed = crb.json("people", "--all")["people"]  # type: ignore[index]
    assert not any(p["triage"] for p in listed)
    assert "[new]" not in crb("people", "--all").stdout


def test_another_program_reads_the_scores_crb_shows(crb: Crb, db_path: Path) -> None:
    """The scores are a view in plain SQL over what is stored, with the store's day written
    in: a program that opens the file without CRB reads what `crb people` shows, on a new day
    too."""
    crb("demo")
    for later in (0, 19):
        crb.today = TODAY + dt.timedelta(days=later)
        listed = {p["id"]: (p["warmth"], p["trust"], p["value"], p["health"], p["overdue"])
                  for p in crb.json("people", "--all")["people"]}  # type: ignore[index]
        with sqlite3.connect(db_path) as conn:
            read = {row[0]: tuple(row[1:]) for row in conn.execute(
                "select person_id, warmth, trust, value, health, overdue from health")}
            stored_day = conn.execute("select day from health_model").fetchone()[0]
        assert {pid: read[pid] for pid in listed} == listed
        assert stored_day == crb.today.isoformat()
