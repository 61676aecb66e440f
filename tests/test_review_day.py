"""One day's review stays the day's review (found by a new-user trial): working on new people
never pulls more new people in, and the day's total does not move with single actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from crb_tui.host.app_context import AppContext
from tests.conftest import Crb
from tests.test_review_order import _exchanges, _mbox
from tests.test_tui import TODAY, make_app, press, review, settle

NEW = ["Six", "Five", "Four", "Three", "Two", "One"]
"""New people from the mbox, the best evidence first (Six: six exchanges ... One: one)."""


def _six_new_people(folder: Path) -> Path:
    days = [f"{d} Nov 2026" for d in range(10, 16)]
    return _mbox(folder, [mail for n, name in enumerate(reversed(NEW), 1)
                          for mail in _exchanges(f"{name} <{name.lower()}@x.org>", days[:n])])


def _triage(crb: Crb) -> list[str]:
    return [i["person"]["name"] for i in crb.json("review")["items"]  # type: ignore[index]
            if i["kind"] == "triage"]


def test_logging_a_touch_with_someone_new_pulls_no_one_else_in(crb: Crb, tmp_path: Path) -> None:
    """Trial 7 U5: each `crb log` with a new person let one more new person in (3 -> 4 -> 5
    with triage_limit 3); a log does not answer triage, so the person stays, in their place."""
    crb("import", str(_six_new_people(tmp_path)))
    assert _triage(crb) == ["Six", "Five", "Four"]
    crb("log", "six@x.org", "--kind", "call")
    assert _triage(crb) == ["Six", "Five", "Four"]
    crb("log", "five@x.org", "--kind", "call")
    assert _triage(crb) == ["Six", "Five", "Four"]
    assert "Review for 2026-11-23: 3 items" in crb("review").stdout
    # Accepting one takes that one out, and no one else.
    crb("tier", "four@x.org", "network")
    assert _triage(crb) == ["Six", "Five"]
    # Tomorrow is a new day: the next new people come in.
    crb.today = crb.today.replace(day=24)
    assert _triage(crb) == ["Six", "Five", "Three"]


@pytest.mark.anyio
async def test_the_days_total_stays_while_new_people_are_worked_on(
    crb: Crb, tmp_path: Path, config_file: Path, monkeypatch
) -> None:
    """Trial 7 U5 in the app: "3 / 6 done" became "3 / 7" after a log on a triage card, and
    accepting one removed an unrelated one ("2 / 6 done", item 1 of 4); `u` gave "1 / 7"."""
    crb("import", str(_six_new_people(tmp_path)))
    monkeypatch.setenv("CRB_TODAY", TODAY.isoformat())
    context = AppContext(db_path=crb.db, config_path=config_file)
    try:
        app = make_app(context)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = review(app)
            names = [i.person_name for i in screen.items]
            assert names == ["Six", "Five", "Four"]
            assert (screen.done, screen.total) == (0, 3)
            await press(pilot, "l", "tab", "tab", "c", "enter")  # a call with Six
            assert [i.person_name for i in screen.items] == names
            assert (screen.done, screen.total) == (0, 3)
            await press(pilot, "right")
            assert screen.current is not None and screen.current.person_name == "Five"
            await press(pilot, "t", "n")  # accept Five as network
            assert [i.person_name for i in screen.items] == ["Six", "Four"]
            assert (screen.done, screen.total) == (1, 3)
            await press(pilot, "u")
            assert [i.person_name for i in screen.items] == names
            assert (screen.done, screen.total) == (0, 3)
    finally:
        context.close()


def test_a_run_on_a_later_day_does_not_end_triage_for_the_real_day(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 7 U2: one `crb review` with CRB_TODAY a month ahead (its new_people_days over)
    settled the new people for good: back on the real day they were gone from the review and
    lost [new]. A decision taken on the later day stays taken."""
    import datetime as dt

    crb("import", str(_six_new_people(tmp_path)))
    assert _triage(crb) == ["Six", "Five", "Four"]
    real = crb.today
    crb.today = real + dt.timedelta(days=40)
    crb("tier", "one@x.org", "key")  # decided on the later day
    assert _triage(crb) == []
    assert "[new]" not in crb("people", "--all").stdout
    crb.today = real
    assert _triage(crb) == ["Six", "Five", "Four"]
    listed = crb("people", "--all").stdout
    assert listed.count("[new]") == 5 and "One [new]" not in listed
    crb.today = real + dt.timedelta(days=3)
    assert _triage(crb) == ["Six", "Five", "Four"]
    crb.today = real + dt.timedelta(days=40)
    assert _triage(crb) == [] and "[new]" not in crb("people", "--all").stdout
    crb.today = real + dt.timedelta(days=1)
    assert crb("people", "--all").stdout.count("[new]") == 5
