"""Only meetings that have started count as touches. A meeting still to come is the person's
next meeting (``crb show``, the person page, the review card), never a "last touch": it does not
warm health and does not answer "past cadence". Imported with the real ``crb import``, read with
``CRB_TODAY`` before and after the meeting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from crb_tui.host.app_context import AppContext

from .conftest import Crb
from .test_tui import opened, screen_text, settle


def vevent(uid: str, start: str, who: str, name: str, summary: str) -> str:
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:{start}\n"
            f"DURATION:PT30M\nSUMMARY:{summary}\nORGANIZER:mailto:me@example.com\n"
            f"ATTENDEE;CN={name};PARTSTAT=ACCEPTED:mailto:{who}\nEND:VEVENT\n")


CALENDAR = "".join((
    vevent("coffee", "20261102T100000Z", "ann@acme.example", "Ann Archer", "Coffee"),
    vevent("planning", "20261210T100000Z", "ann@acme.example", "Ann Archer", "Planning"),
    vevent("intro", "20261201T150000Z", "bob@acme.example", "Bob Baker", "Intro call"),
    # Today (CRB_TODAY is 2026-11-23, "now" 09:00 UTC), later in the day.
    vevent("standup", "20261123T140000Z", "cleo@acme.example", "Cleo Cole", "Standup"),
))


@pytest.fixture
def new(crb: Crb, tmp_path: Path) -> Crb:
    """The calendar imported: three new people to triage."""
    path = tmp_path / "cal.ics"
    path.write_text(("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n" + CALENDAR
                     + "END:VCALENDAR\n").replace("\n", "\r\n"), encoding="utf-8")
    (out,) = crb.json("import", str(path))["sources"]
    assert out["imported"] == 4 and out["new_people"] == 3
    return crb


@pytest.fixture
def imported(new: Crb) -> Crb:
    """The same, everyone a key person."""
    crb = new
    crb("tier", "Ann Archer", "key")
    crb("tier", "Bob Baker", "key")
    crb("tier", "Cleo Cole", "key")
    return crb


def show(crb: Crb, who: str) -> dict[str, Any]:
    return crb.json("show", who)  # type: ignore[return-value]


def review(crb: Crb) -> dict[str, dict[str, Any]]:
    items = crb.json("review")["items"]  # type: ignore[index]
    return {i["person"]["name"]: i for i in items}


def test_a_meeting_to_come_is_the_next_meeting_not_a_touch(imported: Crb) -> None:
    crb = imported
    ann = show(crb, "Ann Archer")
    assert [i["subject"] for i in ann["interactions"]] == ["Coffee"]
    assert ann["interaction_count"] == 1
    assert ann["next_meeting"]["subject"] == "Planning"
    assert ann["next_meeting"]["at"] == "2026-12-10T10:00:00+00:00"
    assert ann["health"]["last_touch"] == "2026-11-02T10:00:00+00:00"
    text = crb("show", "Ann Archer").stdout
    assert "Next meeting: 2026-12-10 10:00 Planning" in text
    assert "Last touches (1 in all):" in text and "2026-12-10 meeting" not in text

    bob = show(crb, "Bob Baker")
    assert bob["interactions"] == [] and bob["next_meeting"]["subject"] == "Intro call"
    assert bob["health"]["last_touch"] is None and bob["health"]["warmth"] == 0
    assert "Last touches" not in crb("show", "Bob Baker").stdout

    listed = {p["name"]: p for p in crb.json("people")["people"]}  # type: ignore[index]
    assert listed["Ann Archer"]["last_touch"] == "2026-11-02T10:00:00+00:00"
    assert listed["Bob Baker"]["last_touch"] is None
    assert listed["Bob Baker"]["warmth"] == 0

    items = review(crb)
    # 21 days since the coffee, past the 14-day cadence of a key person: the planning
    # meeting in December does not answer it.
    assert items["Ann Archer"]["kind"] == "past_cadence"
    assert "last touch 21 days ago" in items["Ann Archer"]["reason"]
    assert items["Bob Baker"]["kind"] == "no_touch"
    # A meeting later today has not started: it is today's meeting with its brief, no touch.
    assert items["Cleo Cole"]["kind"] == "meeting"
    assert "Meeting today at 14:00" in items["Cleo Cole"]["reason"]
    cleo = show(crb, "Cleo Cole")
    assert cleo["interactions"] == [] and cleo["next_meeting"]["subject"] == "Standup"
    assert cleo["health"]["last_touch"] is None


def test_once_the_day_has_come_the_meeting_is_a_touch(imported: Crb) -> None:
    crb = imported
    before = show(crb, "Bob Baker")["health"]
    crb.today = dt.date(2026, 12, 2)
    bob = show(crb, "Bob Baker")
    assert [i["subject"] for i in bob["interactions"]] == ["Intro call"]
    assert bob["next_meeting"] is None
    assert bob["health"]["last_touch"] == "2026-12-01T15:00:00+00:00"
    assert bob["health"]["warmth"] > before["warmth"] == 0
    ann = show(crb, "Ann Archer")
    assert ann["next_meeting"]["subject"] == "Planning"
    assert "Bob Baker" not in review(crb)

    crb.today = dt.date(2026, 12, 11)
    ann = show(crb, "Ann Archer")
    assert [i["subject"] for i in ann["interactions"]] == ["Planning", "Coffee"]
    assert ann["next_meeting"] is None
    assert ann["health"]["last_touch"] == "2026-12-10T10:00:00+00:00"
    listed = {p["name"]: p for p in crb.json("people")["people"]}  # type: ignore[index]
    assert listed["Ann Archer"]["last_touch"] == "2026-12-10T10:00:00+00:00"
    assert "Ann Archer" not in review(crb)
    assert "Next meeting" not in crb("show", "Ann Archer").stdout


def test_triage_evidence_counts_only_what_has_happened(new: Crb) -> None:
    items = review(new)
    # Cleo's meeting this afternoon: today's meeting first, and no evidence yet.
    assert items["Cleo Cole"]["kind"] == "meeting"
    assert any("no touches yet" in a for a in items["Cleo Cole"]["also"])
    assert not any("last touch today" in a for a in items["Cleo Cole"]["also"])
    new.today = dt.date(2026, 11, 24)
    reason = review(new)["Cleo Cole"]["reason"]
    assert "1 meeting, last touch 1 day ago" in reason and "two-way" not in reason


def test_a_meeting_to_come_does_not_stand_in_for_after_care(imported: Crb) -> None:
    crb = imported
    crb("value", "Bob Baker", "--kind", "deal", "--given", "--note", "licence")
    # A week after the deal, before the intro call of 2026-12-01: the 7-day after-care is due.
    crb.today = dt.date(2026, 11, 30)
    bob = review(crb)["Bob Baker"]
    assert any("7-day after-care for the deal of 2026-11-23" in a
               for a in [bob["reason"], *bob["also"]]), bob


def test_a_meeting_today_counts_from_the_next_day(imported: Crb) -> None:
    crb = imported
    crb.today = dt.date(2026, 11, 24)
    cleo = show(crb, "Cleo Cole")
    assert [i["subject"] for i in cleo["interactions"]] == ["Standup"]
    assert cleo["health"]["last_touch"] == "2026-11-23T14:00:00+00:00"
    assert "Cleo Cole" not in review(crb)


def test_a_meeting_that_starts_later_today_counts_once_it_has_started(
        imported: Crb, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored scores of the day were computed this morning: a meeting that has started
    since brings its person's score up to date, so the list and ``show`` agree."""
    from crb_tui import clock

    crb = imported
    cleo = {p["name"]: p for p in crb.json("people")["people"]}["Cleo Cole"]  # type: ignore[index]
    assert cleo["last_touch"] is None
    afternoon = dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda tz_name=None: afternoon)
    listed = {p["name"]: p for p in crb.json("people")["people"]}  # type: ignore[index]
    shown = show(crb, "Cleo Cole")
    assert listed["Cleo Cole"]["last_touch"] == "2026-11-23T14:00:00+00:00"
    assert shown["health"]["last_touch"] == listed["Cleo Cole"]["last_touch"]
    assert shown["health"]["warmth"] == listed["Cleo Cole"]["warmth"] > 0
    assert [i["subject"] for i in shown["interactions"]] == ["Standup"]
    assert shown["next_meeting"] is None
    # Once brought up to date, there is nothing left to do until the next meeting starts.
    from crb_tui.store import Store
    from crb_tui.store.queries import meetings_started_since_scored

    store = Store.open(crb.db)
    try:
        assert meetings_started_since_scored(store, crb.today) == []
    finally:
        store.close()


pytestmark = pytest.mark.anyio


async def test_the_app_shows_the_next_meeting_on_the_person_page_and_the_card(
        imported: Crb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRB_TODAY", imported.today.isoformat())
    ctx = AppContext(db_path=imported.db, config_path=imported.config)
    try:
        ann = json.loads(imported("show", "Ann Archer", "--json").stdout)["id"]
        async with opened(ctx, size=(120, 40)) as (app, pilot):
            # The review opens on a card: Ann's (past cadence) shows her next meeting above
            # her last touches.
            while "Ann Archer" not in screen_text(app):
                await pilot.press("right")
                await settle(pilot)
            text = screen_text(app)
            assert "Next meeting: 2026-12-10 10:00 Planning (in 17d)" in text
            assert text.index("Next meeting") < text.index("Last touches")
            app.open_person(ann)
            await settle(pilot)
            text = screen_text(app)
            assert "Next meeting: 2026-12-10 10:00 Planning" in text
            assert "Timeline (1 touches)" in text
    finally:
        ctx.close()
