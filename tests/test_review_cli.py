"""`crb review` end to end through the real command: what reaches the review, what an action
answers, the `also` lines, meeting briefs, triage wording and plugins that fail."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from crb_tui import hookimpl
from crb_tui.testing import registered
from tests.conftest import Crb, write_mbox


def _calendar(folder: Path, *attendees: str) -> Path:
    """A calendar file with one meeting today (2026-11-23) at 15:00 UTC."""
    path = folder / "today.ics"
    people = "".join(f"ATTENDEE:mailto:{a}\r\n" for a in attendees)
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:plan-1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261123T150000Z\r\n"
        "DTEND:20261123T160000Z\r\nSUMMARY:Plan\r\nORGANIZER:mailto:me@example.com\r\n"
        f"{people}END:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    return path


def _people(crb: Crb, folder: Path) -> None:
    path = folder / "contacts.csv"
    path.write_text("Name,Email\nAnn Lee,ann@acme.com\nBo Chen,bo@beta.io\n", encoding="utf-8")
    crb("import", str(path))


def _review(crb: Crb) -> dict[str, dict]:
    return {i["person"]["name"]: i for i in crb.json("review")["items"]}


def test_a_key_person_never_touched_is_told_to_reach_out(crb: Crb, tmp_path: Path) -> None:
    _people(crb, tmp_path)
    crb("tier", "bo@beta.io", "key")
    crb.today = crb.today.replace(day=24)  # tomorrow: the tier itself was today's action
    item = _review(crb)["Bo Chen"]
    assert item["kind"] == "no_touch"
    assert item["reason"] == "No touch yet: reach out; you aim for every 14 days"
    assert "Bo Chen: No touch yet: reach out" in crb("review").stdout
    crb("log", "bo@beta.io", "--kind", "call")
    assert "Bo Chen" not in _review(crb)


def test_tier_and_promise_do_not_hide_a_commitment_due_today(crb: Crb, tmp_path: Path) -> None:
    _people(crb, tmp_path)
    crb.today = crb.today.replace(day=20)
    made = crb.json("promise", "ann@acme.com", "Send the deck", "--due", "2026-11-23")
    crb.today = crb.today.replace(day=23)
    crb("tier", "ann@acme.com", "key")
    crb("promise", "ann@acme.com", "Lunch", "--due", "+7d")
    crb("log", "ann@acme.com", "--kind", "call")
    item = _review(crb)["Ann Lee"]
    assert item["kind"] == "commitment" and "Send the deck" in item["reason"]
    assert item["also"] == []  # the touch answered "no touch yet"
    crb("done", str(made["commitment_id"]))
    assert "Ann Lee" not in _review(crb)
    # Snooze answers everything.
    crb("promise", "bo@beta.io", "Intro to Cy", "--due", "today")
    assert _review(crb)["Bo Chen"]["kind"] == "commitment"
    crb("snooze", "bo@beta.io", "1w")
    assert crb.json("review")["items"] == []


def test_plain_review_prints_the_also_lines_json_has(crb: Crb, tmp_path: Path) -> None:
    _people(crb, tmp_path)
    crb.today = crb.today.replace(day=20)
    crb("promise", "ann@acme.com", "Send the deck", "--due", "2026-11-23")
    crb.today = crb.today.replace(day=23)
    crb("import", str(_calendar(tmp_path, "ann@acme.com")))
    item = _review(crb)["Ann Lee"]
    assert item["also"] == ["Meeting today at 15:00 “Plan”"]
    out = crb("review").stdout
    assert "Ann Lee: You promised “Send the deck”, due today" in out
    assert "     also: Meeting today at 15:00 “Plan”" in out


def test_plain_review_prints_three_other_reasons_then_how_many_more(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 12: `crb review` printed every open promise of a person as an `also:` line (342
    of them), where the app's card shows three and "and N more"."""
    _people(crb, tmp_path)
    for n in range(6):
        crb("promise", "ann@acme.com", f"Thing {n}", "--due", "today")
    item = _review(crb)["Ann Lee"]
    assert len(item["also"]) == 5  # --json has them all
    out = crb("review").stdout
    assert out.count("     also: ") == 4
    assert "     also: and 2 more (crb show 1 lists them)" in out


def test_meeting_brief_shows_for_people_snoozed_or_acted_on(crb: Crb, tmp_path: Path) -> None:
    _people(crb, tmp_path)
    crb.today = crb.today.replace(day=20)
    for who in ("ann@acme.com", "bo@beta.io"):
        crb("tier", who, "key")
    crb.today = crb.today.replace(day=23)
    crb("import", str(_calendar(tmp_path, "ann@acme.com", "bo@beta.io")))
    crb("snooze", "ann@acme.com", "1w")
    crb("log", "bo@beta.io", "--kind", "call")
    items = _review(crb)
    assert {n: i["kind"] for n, i in items.items()} == {"Ann Lee": "meeting", "Bo Chen": "meeting"}
    assert items["Ann Lee"]["reason"] == "Meeting today at 15:00 “Plan”"


def test_triage_words_fit_a_file_import(crb: Crb, tmp_path: Path) -> None:
    crb("import", str(write_mbox(tmp_path, [
        ("me@example.com", "Otto <x@one.org>", "Mon, 2 Nov 2026 10:00:00 +0000"),
        ("me@example.com", "Zoe <zoe@two.org>", "Fri, 20 Nov 2026 10:00:00 +0000"),
        ("Zoe <zoe@two.org>", "me@example.com", "Sat, 21 Nov 2026 10:00:00 +0000"),
    ])))
    items = [i for i in crb.json("review")["items"] if i["kind"] == "triage"]
    assert [i["person"]["name"] for i in items] == ["Zoe", "Otto"]
    assert items[0]["reason"].startswith("New from your mbox import (zoe@two.org), "
                                         "1 two-way touch, last touch 2 days ago")
    assert all("sync" not in i["reason"] for i in items)


@pytest.fixture
def two_review_plugins():
    class Broken:
        @hookimpl
        def review_items(self, store, today):
            raise RuntimeError("database of boards unreachable")

    class Fine:
        @hookimpl
        def review_items(self, store, today):
            pid = store.resolve_person("ann@acme.com")
            return [{"person_id": pid, "kind": "board", "reason": "Board pack due",
                     "action": "Send it", "priority": 600}, "not an item"]

    with registered(Broken(), "boards-broken"), registered(Fine(), "boards-fine"):
        yield


def test_a_failing_review_plugin_is_reported_once_and_the_rest_stands(
    crb: Crb, tmp_path: Path, two_review_plugins: None
) -> None:
    _people(crb, tmp_path)
    crb.today = crb.today.replace(day=20)
    crb("promise", "bo@beta.io", "Call back", "--due", "2026-11-23")
    crb.today = crb.today.replace(day=23)
    result = crb("review")
    assert "Bo Chen: You promised “Call back”, due today" in result.stdout
    assert "Ann Lee: Board pack due" in result.stdout
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        "crb: warning: plugin boards-broken: review_items failed (database of boards "
        "unreachable); its items are left out",
        "crb: warning: plugin boards-fine: review_items gave 1 item CRB cannot use (each needs a "
        "person_id and a numeric priority)",
    ]
    data = json.loads(crb("review", "--json").stdout)
    assert [i["kind"] for i in data["items"]] == ["commitment", "board"]
    assert len(data["warnings"]) == 2 and "boards-broken" in data["warnings"][0]


def test_triage_limit_is_validated(crb: Crb) -> None:
    crb.config.write_text(crb.config.read_text() + "\n[review]\ntriage_limit = -1\n")
    result = crb("review", ok=False)
    assert result.exit_code != 0
    assert f"{crb.config}: review.triage_limit should be 0 or more, not -1" in result.output


def test_review_of_another_day_is_that_days_review_and_changes_nothing(
    crb: Crb, db_path: Path
) -> None:
    import datetime as dt
    import sqlite3

    crb("demo", "--people", "40")
    later = crb.today + dt.timedelta(days=40)
    asked = crb.json("review", "--date", later.isoformat(), "--limit", "100")
    days = sqlite3.connect(db_path).execute(
        "select distinct computed_on from health where computed_on is not null").fetchall()
    assert days == [(crb.today.isoformat(),)]  # what is stored stays today's
    crb.today = later
    assert crb.json("review", "--limit", "100") == asked


@pytest.mark.parametrize(("zone", "expected"), [
    # 21:00 in Los Angeles on the 23rd is 05:00 UTC on the 24th: tonight's dinner is today's
    ("America/Los_Angeles", {"Dinner Guest": "Meeting today at 21:00 “Dinner”",
                             "Bo Chen": "Meeting today at 07:00 “Plan”",
                             "Ann Lee": "Meeting today (all day) “Offsite”"}),
    # in Tokyo, 15:00 UTC on the 23rd is already the 24th: not today
    ("Asia/Tokyo", {"Ann Lee": "Meeting today (all day) “Offsite”"}),
    ("UTC", {"Bo Chen": "Meeting today at 15:00 “Plan”",
             "Ann Lee": "Meeting today (all day) “Offsite”"}),
])
def test_todays_meetings_are_those_of_the_users_day(
    crb: Crb, config_file: Path, tmp_path: Path, zone: str, expected: dict[str, str]
) -> None:
    config_file.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "{zone}"\n',
                           encoding="utf-8")
    events = [
        ("plan", "DTSTART:20261123T150000Z\r\nDTEND:20261123T160000Z", "Plan", "bo@beta.io"),
        ("dinner", "DTSTART;TZID=America/Los_Angeles:20261123T210000\r\n"
         "DTEND;TZID=America/Los_Angeles:20261123T230000", "Dinner", "eve@night.example"),
        ("offsite", "DTSTART;VALUE=DATE:20261123\r\nDTEND;VALUE=DATE:20261124", "Offsite",
         "ann@acme.com"),
        ("tomorrow", "DTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261125", "Later",
         "cy@gamma.example"),
    ]
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n{when}\r\nSUMMARY:{title}\r\n"
        f"ORGANIZER:mailto:me@example.com\r\nATTENDEE;CN={title} Guest:mailto:{who}\r\n"
        "END:VEVENT\r\n" for uid, when, title, who in events)
    path = tmp_path / "week.ics"
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + body
                    + "END:VCALENDAR\r\n", encoding="utf-8")
    _people(crb, tmp_path)
    crb("import", str(path))
    crb("tier", "eve@night.example", "active")
    crb("tier", "cy@gamma.example", "active")
    items = crb.json("review", "--limit", "50")["items"]  # type: ignore[index]
    meetings = {
        i["person"]["name"]: reason
        for i in items
        for reason in [i["reason"], *i["also"]]
        if reason.startswith("Meeting today")
    }
    assert meetings == expected


def test_an_all_day_event_is_no_touch_the_evening_before_west_of_utc(
    crb: Crb, config_file: Path, tmp_path: Path
) -> None:
    """At 20:00 in Los Angeles on the 22nd (04:00 UTC on the 23rd), tomorrow's all-day event
    has not happened: no "last touch -1 days ago", no last touch dated tomorrow."""
    config_file.write_text('[me]\nemails = ["me@example.com"]\ntimezone = "America/Los_Angeles"\n',
                           encoding="utf-8")
    path = tmp_path / "offsite.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:offsite\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261123\r\n"
        "DTEND;VALUE=DATE:20261124\r\nSUMMARY:Offsite\r\nORGANIZER:mailto:me@example.com\r\n"
        "ATTENDEE;CN=Eve Day:mailto:eve@day.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8")
    crb("import", str(path))
    with sqlite3.connect(crb.db) as conn:
        (at,) = conn.execute("select at from interactions").fetchone()
    assert at == "2026-11-23T12:00:00+00:00"
    # 2026-11-23T04:00 UTC is the evening of the 22nd in Los Angeles
    import datetime as dt

    crb.today = dt.date(2026, 11, 22)
    show = crb.json("show", "eve@day.example")
    assert show["health"]["last_touch"] is None  # type: ignore[index]
    crb.today = dt.date(2026, 11, 23)
    show = crb.json("show", "eve@day.example")
    assert show["health"]["last_touch"] == at  # type: ignore[index]


def test_a_promise_falling_due_comes_up_while_its_person_is_snoozed(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 12 T7: a month's snooze hid the user's promise due two days later until the
    snooze ended ("29 days overdue"), and theirs too. A snooze keeps the nudges away, not a
    promise falling due; it answers only what is in the queue on the day it is taken."""
    _people(crb, tmp_path)
    crb("tier", "bo@beta.io", "key")
    crb("promise", "bo@beta.io", "Send the signed contract", "--due", "+2d")
    crb("promise", "ann@acme.com", "Ann sends the deck", "--due", "+1d", "--theirs")
    crb("promise", "ann@acme.com", "Lunch booked", "--due", "today")
    crb("snooze", "bo@beta.io", "1m")
    crb("snooze", "ann@acme.com", "1w")
    assert _review(crb) == {}  # today's promise is answered by today's snooze
    crb.today = crb.today.replace(day=24)
    # Yesterday's promise, answered by yesterday's snooze, is still open: it is back, with
    # theirs falling due today.
    item = _review(crb)["Ann Lee"]
    assert item["reason"] == "You promised “Lunch booked”, 1 day overdue"
    assert item["also"] == ["They promised “Ann sends the deck”, due today"]
    assert "Bo Chen" not in _review(crb)
    crb.today = crb.today.replace(day=25)
    review = _review(crb)
    assert review["Bo Chen"]["kind"] == "commitment"
    assert review["Bo Chen"]["reason"] == "You promised “Send the signed contract”, due today"
    assert review["Bo Chen"]["also"] == []  # "no touch yet" stays snoozed
    crb.today = crb.today.replace(day=28)
    assert "3 days overdue" in _review(crb)["Bo Chen"]["reason"]
    crb("done", str(crb.json("show", "bo@beta.io")["commitments"][0]["id"]))
    assert "Bo Chen" not in _review(crb)
    # Archived: nothing comes up.
    crb("archive", "ann@acme.com")
    crb.today = crb.today.replace(day=29)
    assert "Ann Lee" not in _review(crb)



def test_a_birthday_comes_up_on_the_day_while_its_person_is_snoozed(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 14 F18: `s` `w` on a "Birthday in 2 days" card (remind me later) hid the birthday
    itself: the day came and went with no item. The heads-up stays snoozed; the day is not."""
    _people(crb, tmp_path)
    day = crb.today + dt.timedelta(days=2)
    crb("birthday", "bo@beta.io", f"1990-{day:%m-%d}")
    assert _review(crb)["Bo Chen"]["reason"] == "Birthday in 2 days"
    crb("snooze", "bo@beta.io", "1w")
    crb.today = crb.today + dt.timedelta(days=1)
    assert "Bo Chen" not in _review(crb)  # (the heads-up: snoozed)
    crb.today = day
    assert _review(crb)["Bo Chen"]["reason"] == "Birthday today"


def test_a_promise_a_month_late_asks_to_keep_it_or_call_it_off(crb: Crb, tmp_path: Path) -> None:
    """Trial 13 U10: a year later the review still said "or say honestly it will be late"."""
    _people(crb, tmp_path)
    crb("promise", "bo@beta.io", "Review the PR", "--due", "today")
    assert _review(crb)["Bo Chen"]["action"] == (
        "Deliver it and mark it kept (or say honestly it will be late)")
    crb.today = crb.today + dt.timedelta(days=30)
    assert "(or say honestly it will be late)" in _review(crb)["Bo Chen"]["action"]
    crb.today = crb.today + dt.timedelta(days=1)
    item = _review(crb)["Bo Chen"]
    assert item["reason"] == "You promised “Review the PR”, 31 days overdue"
    assert item["action"] == "Keep it now, or mark it broken and tell them so"


def test_a_snooze_can_be_ended_early_and_the_person_is_back_that_day(
    crb: Crb, tmp_path: Path
) -> None:
    _people(crb, tmp_path)
    crb("tier", "bo@beta.io", "key")  # a key person never touched: "no touch yet"
    crb("snooze", "bo@beta.io", "1w")
    crb.today = crb.today.replace(day=25)  # the snooze hides them
    assert "Bo Chen" not in _review(crb)
    assert crb("snooze", "bo@beta.io", "--clear").stdout == "Bo Chen is back in the review.\n"
    assert _review(crb)["Bo Chen"]["kind"] == "no_touch"
    assert crb.json("show", "bo@beta.io")["snoozed_until"] is None
    assert crb("snooze", "bo@beta.io", "--clear").stdout == "Bo Chen was not snoozed.\n"
    # Snoozed and ended the same day: today's review has them again (the snooze answers
    # nothing once ended), and snoozing again hides them again.
    crb("snooze", "bo@beta.io", "1w")
    assert "Bo Chen" not in _review(crb)
    assert crb.json("snooze", "bo@beta.io", "--clear") == {
        "ok": True, "person_id": 2, "snoozed_until": None}
    assert _review(crb)["Bo Chen"]["kind"] == "no_touch"
    crb("snooze", "bo@beta.io", "2026-12-01")
    assert "Bo Chen" not in _review(crb)
    result = crb("snooze", "bo@beta.io", ok=False)
    assert result.exit_code == 1 and "give UNTIL, or --clear" in result.stderr
    result = crb("snooze", "bo@beta.io", "1d", "--clear", ok=False)
    assert result.exit_code == 1 and "give UNTIL, or --clear" in result.stderr
