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
        conn.execute("update health set computed_on = null, health = 0, warmth = 0 "
                     "where person_id in (select id from people limit 5)")
    rows = crb.json("people", "--all")["people"]  # type: ignore[index]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from health where computed_on is null "
                            "or computed_on != ?", [TODAY.isoformat()]).fetchone()[0] == 0
    assert all(p["warmth"] is not None for p in rows)
