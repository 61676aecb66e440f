"""The CalDAV source against a real Radicale server on 127.0.0.1 (tests/radicale_server.py):
full and incremental syncs by sync-token and by ctag/ETag, removals, a second calendar, a
moving window, bad passwords and a server that is down; the store checked afterwards (no
duplicate, no loss, cursor advanced)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui import clock
from tests.conftest import ROOT
from tests.radicale_server import USERS, Radicale
from tests.source_env import StoredSync

pytest.importorskip("caldav")
pytest.importorskip("radicale")



def _load_plugin() -> Any:
    """``crb_caldav`` as installed; until the package is reinstalled with it (an editable install
    made before the folder existed sees only a namespace), straight from ``plugins/``."""
    try:
        import crb_caldav as module
    except ImportError:
        module = None
    if module is not None and hasattr(module, "register_sources"):
        return module
    import importlib.util

    folder = ROOT / "plugins" / "crb_caldav"
    spec = importlib.util.spec_from_file_location(
        "crb_caldav", folder / "__init__.py", submodule_search_locations=[str(folder)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crb_caldav"] = module
    spec.loader.exec_module(module)
    return module


crb_caldav = _load_plugin()

ME = "alice@example.com"
TODAY = dt.date(2026, 11, 23)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SOURCE = "caldav"
CHANGED = crb_caldav.REMOVED_CHANGED
DELETED = crb_caldav.REMOVED_DELETED


# -- iCalendar text -------------------------------------------------------------------------


def event(uid: str, start: str, *, people: tuple[str, ...] = (), end: str | None = None,
          summary: str = "Meeting", extra: tuple[str, ...] = ()) -> str:
    """A VCALENDAR with one VEVENT; ``start``/``end`` are whole property lines' values, e.g.
    ``:20261110T100000Z`` or ``;TZID=Europe/Berlin:20261005T090000``."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CRB tests//EN", "BEGIN:VEVENT",
             f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART{start}"]
    if end:
        lines.append(f"DTEND{end}")
    lines += [f"SUMMARY:{summary}", f"ORGANIZER;CN=Alice:mailto:{ME}",
              f"ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:{ME}"]
    lines += [f"ATTENDEE;CN={p.split('@')[0].title()};PARTSTAT=ACCEPTED:mailto:{p}"
              for p in people]
    lines += list(extra) + ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


KICKOFF = event("kickoff@crb.test", ":20261110T100000Z", end=":20261110T110000Z",
                people=("bob@example.com", "carol@example.com"), summary="Kickoff")
WEEKLY = event("weekly@crb.test", ";TZID=Europe/Berlin:20261005T090000",
               end=";TZID=Europe/Berlin:20261005T093000", people=("dave@example.com",),
               summary="1:1 Dave",
               extra=("RRULE:FREQ=WEEKLY", "EXDATE;TZID=Europe/Berlin:20261019T090000"))
ALLDAY = event("allday@crb.test", ";VALUE=DATE:20261120", end=";VALUE=DATE:20261121",
               people=("erin@example.com",), summary="Offsite")
WINDOWS = event("windows@crb.test", ";TZID=W. Europe Standard Time:20261112T140000",
                end=";TZID=W. Europe Standard Time:20261112T150000",
                people=("frank@example.com",), summary="Outlook meeting")
SOLO = event("solo@crb.test", ":20261113T100000Z", summary="Focus time")
SOON = event("soon@crb.test", ":20261201T100000Z", end=":20261201T110000Z",
             people=("ivan@example.com",), summary="Planning")
"""A meeting to come (the tests' today is 2026-11-23): deleted, it goes (a past one stays)."""
SOON_KEY = "ics:soon@crb.test|20261201T100000Z|ivan@example.com"


def weekly_keys(window_end: dt.date, exdates: tuple[dt.date, ...] = (dt.date(2026, 10, 19),)
                ) -> set[str]:
    keys, day = set(), dt.date(2026, 10, 5)
    while day <= window_end:
        if day not in exdates:
            at = dt.datetime.combine(day, dt.time(9), BERLIN).astimezone(dt.UTC)
            keys.add(f"ics:weekly@crb.test|{at:%Y%m%dT%H%M%SZ}|dave@example.com")
        day += dt.timedelta(days=7)
    return keys


WINDOW_END = TODAY + dt.timedelta(days=60)
WORK_KEYS = {
    "ics:kickoff@crb.test|20261110T100000Z|bob@example.com",
    "ics:kickoff@crb.test|20261110T100000Z|carol@example.com",
    "ics:allday@crb.test|20261120|erin@example.com",
    # W. Europe Standard Time is Europe/Berlin: 14:00 CET is 13:00 UTC.
    "ics:windows@crb.test|20261112T130000Z|frank@example.com",
} | weekly_keys(WINDOW_END)


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may reach the internet: any name other than the loopback is refused."""
    import socket

    real = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", b"127.0.0.1", None):
            raise AssertionError(f"a test tried to resolve {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture
def plugin() -> Iterator[Any]:
    from crb_tui.testing import registered

    # (registered loads the built-in plugins first: registering CalDAV before they load would
    # make the loader skip it, and unregistering it after would leave later tests without it)
    with registered(crb_caldav, "caldav"):
        yield crb_caldav


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Radicale]:
    radicale = Radicale(tmp_path / "radicale").start()
    try:
        yield radicale
    finally:
        radicale.stop()


@pytest.fixture
def work(server: Radicale) -> Any:
    cal = server.make_calendar("Work", "work")
    for text in (KICKOFF, WEEKLY, ALLDAY, WINDOWS, SOLO):
        cal.add_event(text)
    return cal


class Env(StoredSync):
    """A CRB database and config.toml wired to the Radicale server, run like ``crb sync``."""

    def __init__(self, server: Radicale, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.tmp = tmp
        self.db = tmp / "crb.db"
        self.source = SOURCE
        self.monkeypatch = monkeypatch
        self.settings: dict[str, Any] = {
            "url": server.url, "username": "alice",
            "password": {"$env": "CALDAV_PASSWORD"}, "timeout": 5.0, "batch_size": 3,
        }
        monkeypatch.setenv("CALDAV_PASSWORD", USERS["alice"])
        self.today(TODAY)

    def today(self, day: dt.date) -> None:
        self.monkeypatch.setenv("CRB_TODAY", day.isoformat())

    def config_path(self, extra_sources: dict[str, Any] | None = None) -> Path:
        import tomli_w

        path = self.tmp / "config.toml"
        data = {"me": {"emails": [ME], "timezone": "UTC"},
                "sources": {SOURCE: self.settings, **(extra_sources or {})}}
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return path

    def run(self, *names: str, ok: bool = True, extra_sources: dict[str, Any] | None = None,
            cancelled: Any = None) -> list[Any]:
        from crb_tui.host.app_context import AppContext

        app = AppContext(db_path=self.db, config_path=self.config_path(extra_sources))
        try:
            summaries = app.sync(list(names) or [SOURCE], cancelled=cancelled)
        finally:
            app.close()
        if ok:
            for summary in summaries:
                assert summary.ok, (summary.source, summary.errors)
        return summaries

    def sync(self) -> Any:
        (summary,) = self.run()
        return summary


    def calendar_cursor(self, path: str = "/alice/work/") -> dict[str, Any]:
        return self.cursor()["calendars"][path]


@pytest.fixture
def env(plugin: Any, server: Radicale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    return Env(server, tmp_path, monkeypatch)


def assert_keys(env: Env, expected: set[str]) -> None:
    keys = env.keys()
    assert len(keys) == len(set(keys)), "duplicate meetings"
    missing, extra = expected - set(keys), set(keys) - expected
    assert not missing and not extra, (sorted(missing), sorted(extra))


def multigets(requests: list[Any]) -> list[Any]:
    return [r for r in requests if r.method == "REPORT" and "calendar-multiget" in r.body]


def sync_reports(requests: list[Any]) -> list[Any]:
    return [r for r in requests if r.method == "REPORT" and "sync-collection" in r.body]


def etag_listings(requests: list[Any], path: str = "/alice/work/") -> list[Any]:
    return [r for r in requests if r.method == "PROPFIND" and r.path == path
            and r.depth == "1" and "getetag" in r.body]


# -- tests ----------------------------------------------------------------------------------


def test_full_sync_stores_every_meeting_once(env: Env, server: Radicale, work: Any) -> None:
    mark = server.mark()
    summary = env.sync()
    assert_keys(env, WORK_KEYS)
    assert summary.imported == len(WORK_KEYS)
    assert summary.skipped == {"no counterpart": 1}  # the event with only the user in it
    assert not summary.rejected
    # Attendee names, subjects, durations and the all-day date came along; never the user.
    rows = dict(env.query("select source_key, subject from interactions"))
    assert rows["ics:kickoff@crb.test|20261110T100000Z|bob@example.com"] == "Kickoff"
    assert not [k for k in env.keys() if ME in k]
    (at, minutes), = env.query(
        "select at, duration_minutes from interactions where source_key like 'ics:windows%'")
    assert at.startswith("2026-11-12T13:00") and minutes == 60
    (at,), = env.query("select at from interactions where source_key like 'ics:allday%'")
    assert at.startswith("2026-11-20")
    names = {r[0] for r in env.query("select name from people")}
    assert {"Bob", "Carol", "Dave", "Erin", "Frank"} <= names
    # One listing, the objects fetched in calendar-multiget batches of 3 (no GET each).
    requests = server.since(mark)
    assert len(sync_reports(requests)) == 1
    assert sum(r.hrefs() for r in multigets(requests)) == 5
    assert not [r for r in requests if r.method == "GET"]
    cursor = env.calendar_cursor()
    assert cursor["token"] and cursor["name"] == "Work"
    assert len(cursor["items"]) == 5


def test_incremental_sync_fetches_only_changes_and_removes_what_went(
        env: Env, server: Radicale, work: Any) -> None:
    env.sync()
    token = env.calendar_cursor()["token"]
    # Added, moved (and an attendee dropped), an instance excluded, deleted.
    work.add_event(event("new@crb.test", ":20261125T150000Z", people=("heidi@example.com",)))
    work.add_event(event("kickoff@crb.test", ":20261111T100000Z", end=":20261111T110000Z",
                         people=("bob@example.com",), summary="Kickoff (moved)"))
    work.add_event(WEEKLY.replace("EXDATE;TZID=Europe/Berlin:20261019T090000",
                                  "EXDATE;TZID=Europe/Berlin:20261019T090000,20261130T090000"))
    work.get_event_by_uid("allday@crb.test").delete()
    mark = server.mark()

    summary = env.sync()
    expected = (WORK_KEYS - {
        "ics:kickoff@crb.test|20261110T100000Z|bob@example.com",
        "ics:kickoff@crb.test|20261110T100000Z|carol@example.com",
        "ics:weekly@crb.test|20261130T080000Z|dave@example.com",
    }) | {"ics:new@crb.test|20261125T150000Z|heidi@example.com",
          "ics:kickoff@crb.test|20261111T100000Z|bob@example.com"}
    assert_keys(env, expected)
    # The moved kickoff keeps Bob's meeting (updated, re-keyed), Carol's goes; the excluded
    # weekly occurrence is a cancelled one; the offsite, deleted after it took place, stays.
    assert summary.removed == {CHANGED: 1, "cancelled event": 1}
    assert (summary.imported, summary.updated) == (1, 1)
    # Only what changed was asked for: one sync-collection from the old token, the three
    # changed objects in one multiget, no listing of the whole calendar, no GET.
    requests = server.since(mark)
    (report,) = sync_reports(requests)
    assert token in report.body
    assert [r.hrefs() for r in multigets(requests)] == [3]
    assert not etag_listings(requests)
    assert not [r for r in requests if r.method == "GET"]
    cursor = env.calendar_cursor()
    assert cursor["token"] != token and len(cursor["items"]) == 5

    # Idempotent: nothing changed, nothing fetched, nothing added.
    mark = server.mark()
    again = env.sync()
    assert (again.imported, again.updated, again.removed) == (0, 0, {})
    assert_keys(env, expected)
    assert not multigets(server.since(mark))



def test_a_series_deleted_keeps_the_meetings_that_took_place(env: Env, work: Any) -> None:
    """Trial 14 F15: ending a weekly 1:1 by deleting it removed every meeting of it, the past
    ones too. What had begun when the calendar was last read stays; the rest goes."""
    env.sync()
    work.get_event_by_uid("weekly@crb.test").delete()
    summary = env.sync()
    now = clock.now_utc()
    held = {k for k in weekly_keys(WINDOW_END)
            if dt.datetime.strptime(k.split("|")[1], "%Y%m%dT%H%M%SZ").replace(
                tzinfo=dt.UTC) < now}
    assert held and len(held) < len(weekly_keys(WINDOW_END))
    assert_keys(env, (WORK_KEYS - weekly_keys(WINDOW_END)) | held)
    assert summary.removed == {DELETED: len(weekly_keys(WINDOW_END)) - len(held)}


def test_cancelled_event_and_declined_invitation_remove_their_meetings(
        env: Env, work: Any) -> None:
    env.sync()
    work.add_event(WINDOWS.replace("SUMMARY:", "STATUS:CANCELLED\r\nSUMMARY:"))
    work.add_event(KICKOFF.replace(f"PARTSTAT=ACCEPTED:mailto:{ME}",
                                   f"PARTSTAT=DECLINED:mailto:{ME}"))
    summary = env.sync()
    assert_keys(env, {k for k in WORK_KEYS if not k.startswith(("ics:windows@",
                                                                  "ics:kickoff@"))})
    assert summary.removed == {CHANGED: 2, "cancelled event": 1}
    assert summary.skipped["cancelled event"] == 1
    assert summary.skipped["declined by you"] == 1


def test_ctag_and_etag_sync_without_sync_tokens(env: Env, server: Radicale, work: Any) -> None:
    env.settings["sync_tokens"] = False
    work.add_event(SOON)
    mark = server.mark()
    env.sync()
    assert_keys(env, WORK_KEYS | {SOON_KEY})
    assert not sync_reports(server.since(mark))
    assert len(etag_listings(server.since(mark))) == 1

    work.add_event(event("new@crb.test", ":20261125T150000Z", people=("heidi@example.com",)))
    work.get_event_by_uid("soon@crb.test").delete()
    mark = server.mark()
    summary = env.sync()
    requests = server.since(mark)
    assert not sync_reports(requests) and len(etag_listings(requests)) == 1
    assert [r.hrefs() for r in multigets(requests)] == [1]
    assert summary.removed == {DELETED: 1}
    expected = WORK_KEYS | {"ics:new@crb.test|20261125T150000Z|heidi@example.com"}
    assert_keys(env, expected)

    # The calendar's tag has not moved: not even a listing.
    mark = server.mark()
    again = env.sync()
    assert again.imported == 0 and not etag_listings(server.since(mark))
    assert_keys(env, expected)


def test_expired_sync_token_falls_back_to_etags_without_duplicates(
        env: Env, server: Radicale, work: Any) -> None:
    env.sync()
    state = env.cursor()
    state["calendars"]["/alice/work/"]["token"] = "http://radicale.org/ns/sync/" + "0" * 64
    conn = sqlite3.connect(env.db)
    conn.execute("update sync_state set cursor = ? where source = ?",
                 [json.dumps(state), SOURCE])
    conn.commit()
    conn.close()
    work.add_event(event("new@crb.test", ":20261125T150000Z", people=("heidi@example.com",)))
    mark = server.mark()
    summary = env.sync()
    assert_keys(env, WORK_KEYS | {"ics:new@crb.test|20261125T150000Z|heidi@example.com"})
    assert summary.imported == 1
    # Two sync-collections (the refused token, then a fresh one); only the new object fetched.
    assert len(sync_reports(server.since(mark))) == 2
    assert [r.hrefs() for r in multigets(server.since(mark))] == [1]
    assert env.calendar_cursor()["token"].startswith("http://radicale.org/ns/sync/")
    assert not env.calendar_cursor()["token"].endswith("0" * 64)


def test_a_moving_window_brings_new_instances_of_a_series(
        env: Env, server: Radicale, work: Any) -> None:
    env.sync()
    later = TODAY + dt.timedelta(days=14)
    env.today(later)
    mark = server.mark()
    summary = env.sync()
    # Nobody touched the series, yet its next two weeks arrived; nothing was removed.
    assert_keys(env, WORK_KEYS | weekly_keys(later + dt.timedelta(days=60)))
    assert summary.imported == 2 and not summary.removed
    assert [r.hrefs() for r in multigets(server.since(mark))] == [1]


def test_a_second_calendar_and_the_same_invitation_in_both(
        env: Env, server: Radicale, work: Any) -> None:
    personal = server.make_calendar("Personal", "personal")
    personal.add_event(event("lunch@crb.test", ":20261115T120000Z",
                             people=("grace@example.com",)))
    personal.add_event(SOON)  # the same invitation, in both calendars
    work.add_event(SOON)
    server.make_calendar("Tasks", "tasks", components=["VTODO"])
    summary = env.sync()
    lunch = "ics:lunch@crb.test|20261115T120000Z|grace@example.com"
    assert_keys(env, WORK_KEYS | {lunch, SOON_KEY})
    assert summary.skipped["calendar without events"] == 1
    assert set(env.cursor()["calendars"]) == {"/alice/work/", "/alice/personal/"}

    # Gone from one calendar, still in the other: the meeting stays.
    work.get_event_by_uid("soon@crb.test").delete()
    summary = env.sync()
    assert_keys(env, WORK_KEYS | {lunch, SOON_KEY})
    assert not summary.removed
    # Gone from both: it goes.
    personal.get_event_by_uid("soon@crb.test").delete()
    summary = env.sync()
    assert_keys(env, WORK_KEYS | {lunch})
    assert summary.removed == {DELETED: 1}

    # Only the calendars asked for; one unknown or out of reach is reported, not ignored.
    server.make_calendar("Bob's", "private", user="bob")
    env.settings["calendars"] = ["personal", "Holidays", f"{server.url}bob/private/"]
    mark = server.mark()
    summary = env.sync()
    assert not [r for r in server.since(mark) if r.path == "/alice/work/" and r.method == "REPORT"]
    assert summary.rejected == [
        {"where": "sources.caldav.calendars: Holidays",
         "reason": "no such calendar (found: Personal, Work)"},
        {"where": f"{server.url}bob/private/",
         "reason": "cannot read this calendar: access refused (HTTP 403 Forbidden)"}]
    assert_keys(env, WORK_KEYS | {lunch})  # (a calendar no longer asked for: kept as it was)


def test_a_calendar_given_by_url_needs_no_discovery(
        env: Env, server: Radicale, work: Any) -> None:
    env.settings["calendars"] = [f"{server.url}alice/work/"]
    mark = server.mark()
    env.sync()
    assert_keys(env, WORK_KEYS)
    assert not [r for r in server.since(mark) if r.path == "/"]  # no principal lookup


def test_one_failing_calendar_never_stops_the_others(
        env: Env, server: Radicale, work: Any) -> None:
    personal = server.make_calendar("Personal", "personal")
    personal.add_event(event("lunch@crb.test", ":20261115T120000Z",
                             people=("grace@example.com",)))
    lunch = "ics:lunch@crb.test|20261115T120000Z|grace@example.com"
    server.faults[("REPORT", "/alice/work/")] = 500
    summary = env.sync()
    assert summary.ok and env.keys() == [lunch]
    (rejected,) = summary.rejected
    assert rejected["where"] == "Work" and "HTTP 500" in rejected["reason"]
    assert "/alice/work/" not in env.cursor()["calendars"] or not env.calendar_cursor()["token"]
    # The server is fine again: the calendar arrives whole, by sync-token as before.
    server.faults.clear()
    summary = env.sync()
    assert_keys(env, WORK_KEYS | {lunch})
    assert env.calendar_cursor()["mode"] == "sync" and env.calendar_cursor()["token"]


def test_an_interrupted_sync_resumes_without_loss_or_duplicates(
        env: Env, server: Radicale, work: Any) -> None:
    seen = {"n": 0}

    def cancelled() -> bool:
        seen["n"] += 1
        return seen["n"] > 6  # stops within the second batch of three objects

    (summary,) = env.run(cancelled=cancelled)
    assert summary.cancelled
    stored = set(env.keys())
    assert stored and stored < WORK_KEYS
    assert len(env.calendar_cursor()["items"]) == 3 and not env.calendar_cursor()["token"]
    mark = server.mark()
    summary = env.sync()
    assert_keys(env, WORK_KEYS)
    # Only the objects the first run had not finished were fetched again.
    assert sum(r.hrefs() for r in multigets(server.since(mark))) == 2


def test_wrong_password_fails_clearly_and_the_other_sources_still_run(
        env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ics = tmp_path / "team.ics"
    ics.write_text(KICKOFF, encoding="utf-8")
    monkeypatch.setenv("CALDAV_PASSWORD", "not-the-password")
    caldav, other = env.run(SOURCE, "ics", ok=False,
                            extra_sources={"ics": {"paths": [str(ics)]}})
    assert not caldav.ok and other.ok and other.imported == 2
    (error,) = caldav.errors
    assert "refused the login of user 'alice'" in error and env.server.url in error
    assert "not-the-password" not in error
    assert env.cursor() is None and env.keys() == []


def test_server_down_fails_clearly(env: Env, server: Radicale) -> None:
    url = server.url
    server.stop()
    (summary,) = env.run(ok=False)
    assert not summary.ok
    assert summary.errors == [f"cannot reach the CalDAV server at {url}: "
                              "connection refused"]


def test_settings_are_checked_before_anything_is_asked(env: Env, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from crb_tui.errors import CrbError

    monkeypatch.delenv("CALDAV_PASSWORD")
    (summary,) = env.run(ok=False)
    assert "gives no value" in summary.errors[0] and "CALDAV_PASSWORD" in summary.errors[0]
    # A password written in config.toml is refused by the config loader itself.
    env.settings["password"] = "wonderland"
    with pytest.raises(CrbError, match="plain text"):
        env.run()


def test_crb_sync_command(env: Env, work: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import Crb

    crb = Crb(env.db, env.config_path())
    dry = crb.json("sync", SOURCE, "--dry-run")
    assert dry["dry_run"] and dry["sources"][0]["imported"] == len(WORK_KEYS)
    assert env.keys() == [] and env.cursor() is None  # a dry run writes nothing
    (summary,) = crb.json("sync", SOURCE)["sources"]
    assert summary["source"] == SOURCE and summary["ok"]
    assert summary["imported"] == len(WORK_KEYS) and summary["skipped"] == {"no counterpart": 1}
    assert_keys(env, WORK_KEYS)
    monkeypatch.setenv("CALDAV_PASSWORD", "nope")
    failed = crb("sync", SOURCE, ok=False)
    assert failed.exit_code == 1
    assert "caldav: FAILED" in failed.stdout
    assert "refused the login of user 'alice'" in failed.stderr


def test_crb_sync_makes_people_only_of_people(env: Env, server: Radicale) -> None:
    """The calendar rules every calendar source shares, through CalDAV: rooms, groups,
    placeholders and invalid addresses are skipped with their reason."""
    from tests.conftest import Crb

    cal = server.make_calendar("Team", "team")
    cal.add_event(event("allhands@crb.test", ":20261112T100000Z", people=("erin@example.com",),
                        extra=(
        "ATTENDEE;CUTYPE=ROOM;CN=Board room:mailto:board@example.com",
        "ATTENDEE;CUTYPE=GROUP;CN=Everyone:mailto:everyone@example.com",
        "ATTENDEE:mailto:c_77@group.calendar.google.com",
        "ATTENDEE;CN=REDACTED:mailto:REDACTED@REDACTED",
        "ATTENDEE;CN=(omitted):mailto:frank@example.com",
        "ATTENDEE;CN=Laszlo:mailto:laszlo.@com")))
    crb = Crb(env.db, env.config_path())
    (summary,) = crb.json("sync", SOURCE)["sources"]
    assert summary["ok"] and summary["imported"] == 2
    assert summary["skipped"] == {"room or resource": 1, "group calendar": 2,
                                  "placeholder address": 1, "invalid address": 1}
    assert sorted(env.query("select name from people")) == [("Erin",), ("frank@example.com",)]
