"""The daily review's order and what it reports (found by a new-user trial): meetings today in
time order, plugin items for nobody reported, triage ranked as its words say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crb_tui import hookimpl
from crb_tui.testing import registered
from tests.conftest import Crb, write_mbox


def _ics(folder: Path, events: list[tuple[str, str, str, str]]) -> Path:
    """A calendar of (uid, DTSTART/DTEND lines, title, attendee) events."""
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n{when}\r\nSUMMARY:{title}\r\n"
        f"ORGANIZER:mailto:me@example.com\r\nATTENDEE;CN={title} Guest:mailto:{who}\r\n"
        "END:VEVENT\r\n" for uid, when, title, who in events)
    path = folder / "day.ics"
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + body
                    + "END:VCALENDAR\r\n", encoding="utf-8")
    return path


def test_meetings_today_are_in_time_order(crb: Crb, tmp_path: Path) -> None:
    """Trial 7 U12: two meetings today (same priority) were listed by name, 22:00 above 15:00."""
    crb("import", str(_ics(tmp_path, [
        ("late", "DTSTART:20261123T220000Z\r\nDTEND:20261123T230000Z", "Late", "aa@x.org"),
        ("early", "DTSTART:20261123T090000Z\r\nDTEND:20261123T100000Z", "Early", "zz@x.org"),
        ("noon", "DTSTART:20261123T120000Z\r\nDTEND:20261123T130000Z", "Noon", "mm@x.org"),
    ])))
    lines = [line for line in crb("review").stdout.splitlines() if "Meeting today" in line]
    assert [line.split("Meeting today at ")[1][:5] for line in lines] == [
        "09:00", "12:00", "22:00"]


@pytest.fixture
def ghost_plugin():
    class Ghost:
        @hookimpl
        def review_items(self, store, today):
            pid = store.resolve_person("ann@acme.com")
            return [{"person_id": 99999, "kind": "board", "reason": "ghost", "priority": 700},
                    {"person_id": 99998, "kind": "board", "reason": "ghost 2", "priority": 700},
                    {"person_id": pid, "kind": "board", "reason": "Board pack due",
                     "action": "Send it", "priority": 600}]

    with registered(Ghost(), "board-ghost"):
        yield


def test_a_plugin_item_for_nobody_is_reported_naming_the_plugin_and_the_id(
    crb: Crb, tmp_path: Path, ghost_plugin: None
) -> None:
    """Trial 7 U10: an item for a person id that does not exist was dropped without a word."""
    path = tmp_path / "contacts.csv"
    path.write_text("Name,Email\nAnn Lee,ann@acme.com\nBo Chen,bo@beta.io\n", encoding="utf-8")
    crb("import", str(path))
    crb("snooze", "bo@beta.io", "2026-12-01")
    result = crb("review")
    assert "Ann Lee: Board pack due" in result.stdout
    assert result.stderr.strip().splitlines() == [
        "crb: warning: plugin board-ghost: review_items gave items for people who do not exist "
        "(ids 99998, 99999); they are left out"]
    data = json.loads(crb("review", "--json").stdout)
    assert [i["reason"] for i in data["items"]] == ["Board pack due"]
    assert len(data["warnings"]) == 1 and "99999" in data["warnings"][0]


def _exchanges(who: str, days: list[str]) -> list[tuple[str, str, str]]:
    """One two-way exchange (the user writes, they answer) on each day (``D Mon YYYY``)."""
    return [mail for day in days for mail in (
        ("me@example.com", who, f"{day} 10:00:00 +0000"),
        (who, "me@example.com", f"{day} 11:00:00 +0000"))]


def test_equal_triage_evidence_is_broken_by_the_most_recent_last_touch(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 7 U9: with old mail (evidence faded to 0.0 for all), Göran (last touch 2016-09)
    and Andy (2016-04) came before Lucía (2016-11); the order follows what the words show."""
    crb.config.write_text(crb.config.read_text() + "\n[review]\ntriage_limit = 5\n")
    crb("import", str(write_mbox(tmp_path, [
        *_exchanges("Andy <andy@a.org>", ["Mon, 4 Apr 2016", "Tue, 5 Apr 2016",
                                          "Wed, 6 Apr 2016"]),
        *_exchanges("Goran <goran@g.org>", ["Mon, 5 Sep 2016", "Tue, 6 Sep 2016"]),
        *_exchanges("Lucia <lucia@l.org>", ["Mon, 7 Nov 2016"]),
    ])))
    items = [i for i in crb.json("review")["items"] if i["kind"] == "triage"]
    assert [i["person"]["name"] for i in items] == ["Lucia", "Goran", "Andy"]
    assert {i["detail"]["evidence"] for i in items} == {0.0}
    assert {i["priority"] for i in items} == {100.0}
    # Saturated evidence (more than 5 two-way touches, all recent) ties too: most recent first.
    crb.db.unlink()
    crb("import", str(write_mbox(tmp_path, [
        *_exchanges("Ten <ten@t.org>", [f"{d} Oct 2026" for d in range(1, 11)]),
        *_exchanges("Fourteen <f@t.org>", [f"{d} Oct 2026" for d in range(3, 17)]),
    ])))
    items = [i for i in crb.json("review")["items"] if i["kind"] == "triage"]
    assert [i["person"]["name"] for i in items] == ["Fourteen", "Ten"]
    assert "14 two-way touches" in items[0]["reason"]


def test_promises_overdue_past_the_lateness_cap_come_most_overdue_first(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 8 V8: past 60 days overdue the priority stops growing, and equal priorities went by
    name, putting the least overdue first."""
    import datetime as dt

    contacts = tmp_path / "c.csv"
    contacts.write_text("Name,Email\nAnn Able,ann@x.org\nMia Mole,mia@x.org\nZed Zane,zed@x.org\n",
                        encoding="utf-8")
    crb("import", str(contacts))
    real = crb.today
    crb.today = real - dt.timedelta(days=100)
    for who, late in (("ann@x.org", 70), ("mia@x.org", 80), ("zed@x.org", 90)):
        crb("promise", who, "Send the deck", "--due", (real - dt.timedelta(days=late)).isoformat())
    crb.today = real
    items = crb.json("review")["items"]  # type: ignore[index]
    order = [i["person"]["name"] for i in items if i["kind"] == "commitment"]
    assert order == ["Zed Zane", "Mia Mole", "Ann Able"]
