"""The Google Calendar source against a real HTTP server on 127.0.0.1 (tests/google_server.py)
speaking the Calendar v3 shapes: full and incremental syncs, 410, cancelled events, faults;
the store checked afterwards (no duplicate, no loss, cursor advanced)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crb_tui import clock
from tests.google_server import (
    ME,
    Env,
    FakeGoogle,
    ensure_plugin_importable,
    write_old_side_file,
)

ensure_plugin_importable()

SOURCE = "google_calendar"


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        server.populate_calendar(60)
        yield server


@pytest.fixture
def env(google: FakeGoogle, tmp_path: Path) -> Env:
    return Env(google, tmp_path)


def assert_store_matches(env: Env, also: set[str] | None = None) -> None:
    """What is stored is what the calendar holds, and the cancelled (or deleted: ``also``)
    meetings that had begun when it was last read (they took place)."""
    env.assert_keys(env.google.expected_meeting_keys(held_before=clock.now_utc())
                    | (also or set()), SOURCE)


def events_calls(google: FakeGoogle) -> list:
    return google.calls("/calendar/v3/calendars/primary/events")


def stored_event(google: FakeGoogle, env: Env, *, recurring: bool = False,
                 future: bool | None = None) -> dict:
    """An event (or an instance of a series) that CRB holds meetings for (``future``: one
    that begins after now, or one that began before)."""
    from tests.google_server import _start_of

    keys = env.keys(SOURCE)
    for ev in google.events["primary"].values():
        if bool(ev.get("recurringEventId")) != recurring or ev.get("status") == "cancelled":
            continue
        if future is not None and (_start_of(ev) > clock.now_utc()) != future:
            continue
        if any(k.startswith(f"ics:{ev['iCalUID']}|") for k in keys):
            return ev
    raise AssertionError("no stored event")


def test_full_sync_stores_every_attendee_but_me_and_rooms(env: Env, google: FakeGoogle) -> None:
    summary = env.sync(SOURCE)
    assert_store_matches(env)
    rows = env.query("select kind, direction, count(*) from interactions group by 1, 2")
    assert rows == [("meeting", "mutual", len(google.expected_meeting_keys()))]
    assert not [k for k in env.keys(SOURCE) if ME in k or "resource.calendar" in k]
    calls = events_calls(google)
    assert len(calls) >= 4  # 60 events and the series' instances, 20 a page
    for call in calls:
        assert call.query["singleEvents"] == ["true"]
        assert call.query["showDeleted"] == ["true"]
        assert "timeMin" in call.query and "syncToken" not in call.query
    assert summary.skipped["room or resource"] > 0
    assert summary.skipped["birthday event"] > 0
    cursor = env.cursor(SOURCE)["calendars"]["primary"]
    assert cursor["mode"] == "incremental" and cursor["sync_token"].startswith("sync-")
    # Durations and subjects came along.
    row = env.query("select subject, duration_minutes from interactions "
                    "where subject like 'Meeting %' and duration_minutes is not null limit 1")
    assert row and row[0][1] == 30


def test_incremental_sync_follows_changes_and_removes_cancelled_meetings(
        env: Env, google: FakeGoogle) -> None:
    env.sync(SOURCE)
    token = env.cursor(SOURCE)["calendars"]["primary"]["sync_token"]
    soon = clock.now_utc() + dt.timedelta(days=2)  # CRB's now, as the calendar's is
    google.add_event(event_id="newone", start=soon, attendees=[
        {"email": ME, "self": True, "responseStatus": "accepted"},
        {"email": "steve@avengers.example", "displayName": "Steve R",
         "responseStatus": "accepted"}])
    single = stored_event(google, env, future=True)
    google.cancel_event("primary", single["id"])
    held = stored_event(google, env, future=False)  # (deleted after it took place: kept)
    google.cancel_event("primary", held["id"])
    instance = stored_event(google, env, recurring=True, future=False)
    google.cancel_event("primary", instance["id"])
    others = [ev for ev in google.events["primary"].values()
              if ev.get("status") != "cancelled" and not ev.get("recurringEventId")
              and ev["id"] not in (single["id"], "newone")
              and len([a for a in ev["attendees"] if not a.get("self")
                       and not a.get("resource")]) >= 2
              and ev["eventType"] == "default"]
    shrunk, moved, declined = others[0], others[1], others[2]
    people = [a for a in shrunk["attendees"] if not a.get("self") and not a.get("resource")]
    google.update_event("primary", shrunk["id"],
                        attendees=[a for a in shrunk["attendees"] if a is not people[0]])
    new_start = soon + dt.timedelta(days=1)
    google.update_event("primary", moved["id"], start={"dateTime": new_start.isoformat()},
                        end={"dateTime": (new_start + dt.timedelta(hours=1)).isoformat()})
    google.update_event("primary", declined["id"], attendees=[
        {**a, "responseStatus": "declined"} if a.get("self") else a
        for a in declined["attendees"]])
    before = len(events_calls(google))

    summary = env.sync(SOURCE)
    assert_store_matches(env)
    new_calls = events_calls(google)[before:]
    assert new_calls and all(c.query.get("syncToken") == [token] for c in new_calls[:1])
    assert all("timeMin" not in c.query for c in new_calls)
    assert "ics:newone@google.com|" in " ".join(env.keys(SOURCE))
    assert not [k for k in env.keys(SOURCE) if k.startswith(f"ics:{single['iCalUID']}|")]
    assert [k for k in env.keys(SOURCE) if k.startswith(f"ics:{held['iCalUID']}|")]
    assert summary.removed["cancelled in Google Calendar"] >= 1
    assert summary.removed["attendee left the event"] == 1
    assert summary.removed["event moved"] >= 1
    assert summary.removed["now declined by you"] >= 1
    assert env.cursor(SOURCE)["calendars"]["primary"]["sync_token"] != token


def test_the_map_of_an_old_side_file_is_copied_in_so_changes_still_match(
        env: Env, google: FakeGoogle) -> None:
    """A database from before ``ctx.state``: an attendee who left an event is removed only if
    CRB knows which keys the event gave, which the old side file says."""
    env.sync(SOURCE)
    side = Path(env.calendar["index_file"])
    assert write_old_side_file(side, env.state_rows(SOURCE), "gcal") > 0
    env.query_write("delete from source_state")
    shrunk = next(ev for ev in google.events["primary"].values()
                  if ev.get("status") != "cancelled" and not ev.get("recurringEventId")
                  and ev["eventType"] == "default"
                  and len([a for a in ev["attendees"] if not a.get("self")
                           and not a.get("resource")]) >= 2)
    gone = next(a for a in shrunk["attendees"] if not a.get("self") and not a.get("resource"))
    google.update_event("primary", shrunk["id"],
                        attendees=[a for a in shrunk["attendees"] if a is not gone])
    summary = env.sync(SOURCE)
    assert summary.removed["attendee left the event"] == 1
    assert_store_matches(env)
    assert json.loads(dict((k, v) for ns, k, v in env.state_rows(SOURCE) if not ns)[
        "side file imported"]) == str(side)


def test_a_series_ended_by_deleting_it_keeps_the_meetings_that_took_place(
        env: Env, google: FakeGoogle) -> None:
    """Trial 14 F15: a weekly 1:1 ended by deleting the series (Google's default "All events")
    removed every meeting of it, the eight that had taken place too, and the relationship's
    history and scores with them. What had begun when the calendar was last read stays; the
    meetings to come are removed."""
    now = clock.now_utc()
    for k in range(-3, 3):
        at = now + dt.timedelta(days=7 * k, hours=1)
        google.add_event(event_id=f"oneonone_{at:%Y%m%dT%H%M%SZ}", start=at,
                         uid="oneonone@google.com", recurring=("oneonone", at),
                         summary="Weekly 1:1",
                         attendees=[{"email": ME, "self": True, "responseStatus": "accepted"},
                                    {"email": "ann@x.example", "responseStatus": "accepted"}])
    env.sync(SOURCE)
    assert len([k for k in env.keys(SOURCE) if k.startswith("ics:oneonone@")]) == 6
    series = stored_event(google, env, recurring=True)["recurringEventId"]
    for ev in list(google.events["primary"].values()):
        if ev.get("recurringEventId") in (series, "oneonone"):
            google.cancel_event("primary", ev["id"])
    summary = env.sync(SOURCE)
    assert_store_matches(env)
    kept = sorted(k for k in env.keys(SOURCE) if k.startswith("ics:oneonone@"))
    assert [k.split("|")[1][:8] for k in kept] == [
        f"{now + dt.timedelta(days=7 * k):%Y%m%d}" for k in (-3, -2, -1)]
    from tests.google_server import _start_of

    to_come = [ev for ev in google.events["primary"].values() if ev.get("status") == "cancelled"
               and _start_of(ev["_full"]) >= now]
    assert len(to_come) >= 3  # the three 1:1s to come (and one of the series, at 09:00 now)
    assert summary.removed["cancelled in Google Calendar"] == len(to_come)
    assert [k for k in env.keys(SOURCE) if k.startswith(f"ics:{series}@")]  # (all past)


def test_410_sync_token_expiry_falls_back_to_a_full_sync(env: Env, google: FakeGoogle) -> None:
    env.sync(SOURCE)
    ids_before = dict(env.query("select source_key, id from interactions"))
    gone = stored_event(google, env, future=True)
    past = stored_event(google, env, future=False)
    held = {k for k in env.keys(SOURCE) if k.startswith(f"ics:{past['iCalUID']}|")}
    with google.lock:  # deleted outright while the token was dead: only a full sync can tell
        del google.events["primary"][gone["id"]]
        del google.events["primary"][past["id"]]  # (after it took place: kept)
    google.add_event(event_id="after410", start=clock.now_utc(),
                     attendees=[{"email": "bucky@avengers.example", "responseStatus": "accepted"}])
    google.expire_sync_tokens()
    summary = env.sync(SOURCE)
    assert any(c.status == 410 for c in events_calls(google))
    assert_store_matches(env, also=held)
    assert summary.removed.get("no longer in the calendar", 0) >= 1
    after = dict(env.query("select source_key, id from interactions"))
    assert all(after[k] == v for k, v in ids_before.items() if k in after)
    assert env.cursor(SOURCE)["calendars"]["primary"]["mode"] == "incremental"


def test_faults_during_a_calendar_sync(env: Env, google: FakeGoogle) -> None:
    env.calendar["max_retries"] = 6  # the default; the faults below hit one request 5 times
    path = "/calendar/v3/calendars/primary/events"
    google.fault(path, "expire_token", after=1)
    google.fault(path, status=429, reason="rateLimitExceeded", retry_after="0", after=2)
    google.fault(path, status=403, reason="userRateLimitExceeded", after=2)
    google.fault(path, status=500, after=3)
    google.fault(path, "drop", after=4)
    google.fault(path, "reset", after=5)
    env.sync(SOURCE)
    assert_store_matches(env)
    assert google.refreshes == 1
    assert sum(1 for r in google.requests if r.fault) == 6


def test_a_calendar_sync_interrupted_between_pages_resumes(env: Env, google: FakeGoogle) -> None:
    env.calendar["max_retries"] = 0
    google.fault("/events", status=503, after=2, times=-1)
    (first,) = env.run(SOURCE)
    assert not first.ok and "HTTP 503" in first.errors[0]
    state = env.cursor(SOURCE)["calendars"]["primary"]
    assert state["mode"] == "full" and state["page_token"]
    google.clear_faults()
    page_tokens = [c.query.get("pageToken") for c in events_calls(google)]
    env.sync(SOURCE)
    assert_store_matches(env)
    resumed = events_calls(google)[len(page_tokens)]
    assert resumed.query.get("pageToken") == [state["page_token"]]


def test_a_periodic_full_sync_runs_after_resync_days(env: Env, google: FakeGoogle) -> None:
    env.sync(SOURCE)
    from crb_tui.store import Store

    store = Store.open(env.db)
    cursor = store.get_cursor(SOURCE)
    cursor["calendars"]["primary"]["last_full"] = "2020-01-01T00:00:00+00:00"
    store.set_cursor(SOURCE, cursor)
    store.close()
    before = len(events_calls(google))
    env.sync(SOURCE)
    assert all("timeMin" in c.query for c in events_calls(google)[before:])
    assert_store_matches(env)



def test_meetings_the_full_sync_window_has_passed_stay(env: Env, google: FakeGoogle) -> None:
    """The weekly full sync reads `past_days` back: a meeting older than that, stored when it
    was within, was not listed, so it was removed as "no longer in the calendar" (a year of
    use lost the history beyond the window, week by week). It took place: it stays."""
    env.calendar["past_days"] = 300
    env.sync(SOURCE)
    old = {k for k in env.keys(SOURCE)
           if k.split("|")[1][:8] < f"{clock.now_utc() - dt.timedelta(days=100):%Y%m%d}"}
    assert old
    env.calendar["past_days"] = 100  # (as a year later: those meetings are out of the window)
    from crb_tui.store import Store

    store = Store.open(env.db)
    cursor = store.get_cursor(SOURCE)
    cursor["calendars"]["primary"]["last_full"] = "2020-01-01T00:00:00+00:00"
    store.set_cursor(SOURCE, cursor)
    store.close()
    summary = env.sync(SOURCE)
    assert old <= set(env.keys(SOURCE))
    assert summary.removed.get("no longer in the calendar", 0) == 0


def test_the_same_occurrence_from_an_ics_file_and_from_google_is_one_meeting(
        env: Env, google: FakeGoogle) -> None:
    """Keys are crb_tui.sdk.calendars' own: an .ics export of the same event dedupes."""
    from crb_google._calendar import to_meeting

    from crb_tui.sdk.calendars import CalendarOptions, calendar_records, meeting_records

    start = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    series_start = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    google_event = {
        "id": "abc_20260309T093000Z", "iCalUID": "weekly-123@example.com",
        "status": "confirmed", "summary": "Weekly sync",
        "start": {"dateTime": "2026-03-09T10:30:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-03-09T11:00:00+01:00", "timeZone": "Europe/Paris"},
        "recurringEventId": "abc",
        "originalStartTime": {"dateTime": "2026-03-09T10:30:00+01:00",
                              "timeZone": "Europe/Paris"},
        "organizer": {"email": ME, "self": True},
        "attendees": [{"email": ME, "self": True, "responseStatus": "accepted"},
                      {"email": "Tony@Stark.example", "responseStatus": "accepted"}],
    }
    meeting, mine = to_meeting(google_event)
    from_google = meeting_records(meeting, me={ME} | mine, where="g")
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:weekly-123@example.com\r\n"
        f"DTSTART:{series_start.strftime('%Y%m%dT%H%M%SZ')}\r\nDURATION:PT30M\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Weekly sync\r\n"
        f"ORGANIZER:mailto:{ME}\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:tony@stark.example\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n")
    options = CalendarOptions(window_start=start.date() - dt.timedelta(days=1),
                              window_end=start.date() + dt.timedelta(days=30))
    from_ics = [r for r in calendar_records(ics, where="f.ics", me=[ME], options=options)
                if hasattr(r, "source_key")]
    assert [r.source_key for r in from_google] == [
        "ics:weekly-123@example.com|20260309T093000Z|tony@stark.example"]
    assert from_google[0].source_key in {r.source_key for r in from_ics}
    assert json.dumps(from_google[0].at.isoformat()) == json.dumps(
        next(r.at.isoformat() for r in from_ics if r.source_key == from_google[0].source_key))


def test_a_calendar_that_is_gone_is_one_rejected_line_and_the_others_sync(
    env: Env, google: FakeGoogle
) -> None:
    """Trial 14 F12: a calendar deleted by its owner or unsubscribed from (404 notFound)
    failed the whole source, every run, and the calendars after it were never read."""
    start = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    google.add_event("team@example.com", event_id="team1", start=start,
                     attendees=[{"email": "boss@x.example", "responseStatus": "accepted"},
                                {"email": ME, "self": True, "responseStatus": "accepted"}])
    env.calendar["calendars"] = ["primary", "gone@group.calendar.google.com", "team@example.com"]
    (summary,) = env.run(SOURCE)
    assert summary.ok and not summary.errors
    assert summary.rejected == [{
        "where": "google calendar gone@group.calendar.google.com",
        "reason": "calendar gone@group.calendar.google.com not found (deleted, or no longer "
                  "shared with you?): take it out of calendars in the config"}]
    assert env.query("select count(*) from interactions i join identities d "
                     "on d.id = i.identity_id where d.value = 'boss@x.example'") == [(1,)]
    assert google.calls("/calendar/v3/calendars/team@example.com/events")
    (again,) = env.run(SOURCE)  # (and so every run, the next ones incremental)
    assert again.ok and len(again.rejected) == 1
