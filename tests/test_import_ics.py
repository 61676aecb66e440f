"""The iCalendar importer (plugins/crb_ics and crb_tui.sdk.calendars): files and URLs."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import crb_ics
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crb_tui.records import Delete, Interaction, Reject, Skip
from crb_tui.sdk.calendars import (
    NOT_YOURS,
    Attendee,
    CalendarOptions,
    Meeting,
    calendar_records,
    meeting_records,
)
from crb_tui.testing import sync_context

from .conftest import Crb, rows

ME = ("me@example.com",)
FIXTURE = HealthCheck.function_scoped_fixture
TODAY = dt.date(2026, 11, 23)  # CRB_TODAY in the crb fixture


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


CORPUS_ME: tuple[str, ...] = ()
"""The user of the corpus's files, which nobody here wrote: their addresses unknown, so every
event is taken as theirs (with addresses given, an event none of them is in is "not yours":
see ``test_an_event_the_user_is_not_in_is_not_theirs``)."""


def run_source(paths: list[Any], me: tuple[str, ...] = CORPUS_ME, **config: Any) -> list[Any]:
    found: list[Any] = []
    crb_ics.register_sources(found.append)
    (source,) = found
    ctx = sync_context(source, config=config, paths=paths, me=me)
    return list(source.sync(ctx))


def options(**kw: Any) -> CalendarOptions:
    base = {"window_start": TODAY - dt.timedelta(days=730),
            "window_end": TODAY + dt.timedelta(days=60)}
    return CalendarOptions(**{**base, **kw})


def records(text: str, **kw: Any) -> list[Any]:
    return list(calendar_records(text.encode(), where="cal.ics", me=ME, options=options(**kw)))


def kinds(recs: list[Any]) -> Counter[str]:
    return Counter("meeting" if isinstance(r, Interaction) else f"{type(r).__name__}:{r.reason}"
                   for r in recs)


def vcal(*events: str, extra: str = "") -> str:
    body = "".join(e.strip() + "\n" for e in events)
    return (f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{extra.strip()}\n{body}"
            "END:VCALENDAR\n").replace("\n\n", "\n").replace("\n", "\r\n")


def event(uid: str, start: str, *lines: str, attendees: tuple[str, ...] = ("ann@example.org",),
          end: str | None = None, mine: bool = True) -> str:
    """An event on the user's calendar: organised by them (``mine``) unless ``lines`` name
    another organizer."""
    people = "".join(f"ATTENDEE;CN={a.split('@')[0].title()};PARTSTAT=ACCEPTED:mailto:{a}\n"
                     for a in attendees)
    if mine and not any(line.startswith("ORGANIZER") for line in lines):
        people = f"ORGANIZER:mailto:{ME[0]}\n" + people
    end_line = f"DTEND{end}\n" if end else ""
    more = "".join(line + "\n" for line in lines)
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART{start}\n{end_line}"
            f"SUMMARY:Meeting {uid}\n{people}{more}END:VEVENT\n")


def corpus_files(corpus: Path, folder: str) -> list[Path]:
    return sorted(p for p in (corpus / folder).rglob("*") if p.is_file())


# -- detection ----------------------------------------------------------------------------


def test_detection_on_every_corpus_file(corpus: Path) -> None:
    for path in corpus_files(corpus, "ics"):
        assert crb_ics.detect(path, path.read_bytes()[:65536]) == "ics", path
    for folder in ("mbox", "eml", "vcf", "csv", "google_api"):
        for path in corpus_files(corpus, folder):
            assert crb_ics.detect(path, path.read_bytes()[:65536]) is None, path


def test_detection_of_urls_and_look_alikes() -> None:
    url = "https://calendar.google.com/calendar/ical/x%40gmail.com/private-abc/basic.ics"
    assert crb_ics.detect(Path(url), b"") == "ics"
    assert crb_ics.detect(Path("https://outlook.office365.com/owa/calendar/a/b/reachcalendar"),
                          b"") == "ics"
    assert crb_ics.detect(Path("https://example.com/contacts.csv"), b"") is None
    assert crb_ics.detect(Path("cal.ics"), b"") is None
    assert crb_ics.detect(Path("a.vcf"), b"BEGIN:VCARD\r\nVERSION:3.0\r\n") is None
    assert crb_ics.detect(Path("a.txt"), b"\xef\xbb\xbf\r\nbegin:vcalendar\r\n") == "ics"
    assert crb_ics.shown(url) == "https://calendar.google.com/…/basic.ics"


# -- every corpus file --------------------------------------------------------------------


def test_every_corpus_file_reads_without_a_traceback(corpus: Path) -> None:
    for path in corpus_files(corpus, "ics"):
        recs = run_source([path])
        assert recs, path
        for r in recs:
            assert isinstance(r, Interaction | Skip | Reject | Delete), (path, r)
            if isinstance(r, Reject):
                assert r.where.startswith(str(path)) and r.reason


def test_whole_corpus_through_the_cli(crb: Crb, corpus: Path, db_path: Path) -> None:
    files = [str(p) for p in corpus_files(corpus, "ics")]
    # With the user's addresses given, none of the corpus's events is theirs (trial 12 T9):
    # others' meetings are no time together with anyone.
    (mine,) = crb.json("import", "--dry-run", *files, status=3)["sources"]
    assert mine["imported"] == 0 and mine["skipped"][NOT_YOURS] == 35
    # With none given, every event is taken as the user's.
    crb.config.write_text('[me]\ntimezone = "UTC"\n', encoding="utf-8")
    (out,) = crb.json("import", *files, status=3)["sources"]
    assert out["ok"] and not out["errors"]
    # 15 meetings; 3 more are the same meetings again in another file (radicale's
    # event1_modified.ics, a later copy of event1.ics), stored once. radicale's three other
    # copies of event1, with the same SEQUENCE, are older (DTSTAMP): skipped, whatever the order.
    # The masked series (XX@XXXXXXX.XXX, 27 weeks of four people), REDACTED@REDACTED and its
    # organizer "mailto:REDACTED" are placeholders; a CUTYPE=GROUP attendee is a group: none of
    # them is a person.
    assert (out["seen"], out["imported"], out["updated"], out["unchanged"]) == (325, 15, 0, 3)
    skipped = {
        "attendee declined": 1, "cancelled event": 1, "group calendar": 1,
        "no attendees": 135, "no counterpart": 28, "no events": 5, "non-participant": 1,
        "not an event": 20, "outside window": 1, "placeholder address": 27 * 4 + 2,
    }
    assert out["skipped"] == {**skipped, "older copy of the event": 3}
    assert sorted(r["reason"].split(":")[0] for r in out["rejected"]) == [
        "event not closed (no END"]
    # A broken VTIMEZONE whose events are read with the zone's name is a warning, not a reject.
    assert [w for w in out["warnings"] if "broken VTIMEZONE 'Europe/Berlin'" in w]
    assert all(r["where"].startswith("/") for r in out["rejected"])
    again = crb.json("import", *files, status=3)["sources"][0]
    # Nothing new: nothing updated (the copies of event1 overwrote each other, 6 updated), and
    # event1.ics, read before event1_modified.ics, is an older copy now too.
    assert (again["seen"], again["imported"], again["updated"], again["unchanged"]) == (
        323, 0, 0, 15)
    assert again["skipped"] == {**skipped, "older copy of the event": 4}
    assert rows(db_path, "select count(*) from interactions") == [(15,)]


def test_outlook_invitation_with_windows_zone(corpus: Path) -> None:
    recs = run_source([corpus / "ics" / "biweekly" / "outlook-2010.ics"])
    assert [(r.with_.value, r.name) for r in recs] == [
        ("bobsmith@example.com", "Smith, Bob"), ("johndoe@example.com", "Doe, John"),
        ("janedoe@example.com", "Doe, Jane")]
    first = recs[0]
    assert first.at == utc(2013, 6, 10, 16)  # 12:00 "Eastern Standard Time" in June (EDT)
    assert (first.kind, first.direction, first.duration_minutes) == ("meeting", "mutual", 60)
    assert first.subject == "Team Meeting"
    assert first.source_key == (
        "ics:040000009200E00074C5B7101A82E00800000000C0383BE68041CE010000000000000000100000"
        "0070D00A2F625AC34BB6542DE0D19E67E1|20130610T160000Z|bobsmith@example.com")


def test_exchange_series_with_override_and_exdate(corpus: Path, tmp_path: Path) -> None:
    original = corpus / "ics" / "radicale" / "event_issue2151.ics"
    # Its addresses are masked (XX@XXXXXXX.XXX): nobody to meet, each one counted.
    # Its EXDATE removes what an earlier import may have stored for that day.
    assert kinds(run_source([original])) == {
        "Skip:placeholder address": 27 * 4, "Skip:no counterpart": 27,
        "Delete:cancelled event": 1}
    # The same series with real addresses in their place.
    text = re.sub(r"\r?\n[ \t]", "", original.read_text(encoding="utf-8"))
    unmasked = tmp_path / "unmasked.ics"
    unmasked.write_text(re.sub(r"(?i)mailto:(X+)@X+\.X+",
                               lambda m: f"mailto:p{len(m.group(1))}@example.org", text),
                        encoding="utf-8")
    recs = [r for r in run_source([unmasked]) if not isinstance(r, Delete)]
    # Weekly on Fridays 2026-01-23 .. 2026-07-31 = 28, minus EXDATE 2026-04-03: 27 meetings,
    # each with the organizer and three attendees.
    assert kinds(recs) == {"meeting": 27 * 4}
    starts = sorted({r.at for r in recs})
    assert len(starts) == 27 and utc(2026, 4, 3, 9) not in starts
    assert starts[0] == utc(2026, 1, 23, 10)  # 11:00 "W. Europe Standard Time"
    moved = [r for r in recs if "|20260130T100000Z|" in r.source_key]
    assert len(moved) == 4 and {r.at for r in moved} == {utc(2026, 1, 30, 9, 30)}
    assert {r.thread for r in recs} == {"ics:" + "X" * 92}


def test_attendee_status_and_roles(corpus: Path) -> None:
    recs = run_source([corpus / "ics" / "khal" / "event_dt_partstat.ics"])
    assert kinds(recs) == {"meeting": 4, "Skip:non-participant": 1, "Skip:attendee declined": 1}
    assert [(r.with_.value, r.name) for r in recs if isinstance(r, Interaction)] == [
        ("hcabot@example.com", "Henry Cabot"), ("jdoe@example.com", "Jane Doe"),
        ("jqpublic@example.com", None), ("tent@example.com", None)]
    assert recs[0].at == utc(2014, 4, 9, 7, 30)


def test_broken_corpus_files_are_rejected_event_by_event(corpus: Path) -> None:
    (reject,) = run_source([corpus / "ics" / "radicale" / "broken-vevent.ics"])
    assert isinstance(reject, Reject) and "not closed" in reject.reason
    assert reject.where.endswith("broken-vevent.ics event 040000008200E00074C5B7101A82E00800000000")
    # A VTIMEZONE with a +5328 offset: a warning naming line 3 (not a rejected record), its
    # event still read.
    path = corpus / "ics" / "khal" / "invalid_tzoffset.ics"
    tz = run_source([path])
    assert tz == [Skip("no attendees", f"{path} event 1234567890DC8-468D-B140-D2B41B1013E9")]
    assert kinds(run_source([corpus / "ics" / "khal" / "non_dst_error.ics"])) == {
        "Skip:no attendees": 2}


# -- built calendars ----------------------------------------------------------------------


def test_recurrences_exdate_overrides_and_cancelled_instances() -> None:
    text = vcal(
        event("series", ";TZID=Europe/Berlin:20260907T100000",
              "RRULE:FREQ=WEEKLY;COUNT=10", "EXDATE;TZID=Europe/Berlin:20260921T100000",
              "ORGANIZER;CN=Me:mailto:me@example.com",
              attendees=("ann@example.org", "bob@example.org", "me@example.com"),
              end=";TZID=Europe/Berlin:20260907T110000"),
        event("series", ";TZID=Europe/Berlin:20260928T140000",
              "RECURRENCE-ID;TZID=Europe/Berlin:20260928T100000",
              attendees=("ann@example.org", "bob@example.org", "carol@example.org"),
              end=";TZID=Europe/Berlin:20260928T143000"),
        event("series", ";TZID=Europe/Berlin:20261005T100000",
              "RECURRENCE-ID;TZID=Europe/Berlin:20261005T100000", "STATUS:CANCELLED",
              attendees=("ann@example.org", "bob@example.org")),
    )
    recs = records(text)
    # The cancelled occurrence and the EXDATE'd one remove what an earlier import stored.
    assert kinds(recs) == {"meeting": 7 * 2 + 3, "Skip:cancelled event": 1,
                           "Delete:cancelled event": 2}
    assert {r.prefix for r in recs if isinstance(r, Delete)} == {
        "ics:series|20260921T080000Z|", "ics:series|20261005T080000Z|"}
    meetings = [r for r in recs if isinstance(r, Interaction)]
    assert all(r.with_.value != "me@example.com" for r in meetings)
    moved = [r for r in meetings if r.at == utc(2026, 9, 28, 12)]
    assert [r.source_key for r in moved] == [
        f"ics:series|20260928T080000Z|{who}@example.org" for who in ("ann", "bob", "carol")]
    assert moved[0].duration_minutes == 30
    days = sorted({r.at.date() for r in meetings})
    assert dt.date(2026, 9, 21) not in days and dt.date(2026, 10, 5) not in days
    assert days[0] == dt.date(2026, 9, 7) and len(days) == 8
    assert meetings[0].at == utc(2026, 9, 7, 8) and meetings[0].duration_minutes == 60


def test_window_bounds_recurrences_and_future_events() -> None:
    text = vcal(
        event("daily", ":20200101T090000Z", "RRULE:FREQ=DAILY"),
        event("far", ":20300101T090000Z"),
        event("old", ":20010911T090000Z"),
    )
    recs = records(text, window_start=TODAY - dt.timedelta(days=10),
                   window_end=TODAY + dt.timedelta(days=5))
    daily = [r for r in recs if isinstance(r, Interaction) and r.thread == "ics:daily"]
    assert len(daily) == 16
    assert min(r.at for r in daily) == utc(2026, 11, 13, 9)
    assert max(r.at for r in daily) == utc(2026, 11, 28, 9)
    assert Skip("outside window", "cal.ics event far") in recs
    # Rules no meeting follows would take hours to expand from their start: skipped.
    hourly = records(vcal(
        event("sec", ":20200101T090000Z", "RRULE:FREQ=SECONDLY"),
        event("min", ":20200101T090000Z", "RRULE:FREQ=DAILY;BYMINUTE=0,10,20,30,40,50;"
                                          "BYHOUR=8,9,10,11,12"),
    ))
    assert kinds(hourly) == {"Skip:recurs more often than daily": 2}
    assert any(isinstance(r, Interaction) and r.at == utc(2001, 9, 11, 9) for r in recs)


def test_time_zones_windows_missing_unknown_and_floating() -> None:
    text = vcal(
        event("win", ";TZID=W. Europe Standard Time:20260601T100000"),
        event("est", ";TZID=\"Eastern Standard Time\":20260115T090000"),
        event("iana", ";TZID=America/Bogota:20260115T090000"),
        event("odd", ";TZID=Mitteleuropäische Zeit :20260701T170000"),
        event("foo", ";TZID=FOO:20260310T100000"),
        event("floating", ":20260310T100000"),
        event("allday", ";VALUE=DATE:20260310", end=";VALUE=DATE:20260311"),
        extra="""
BEGIN:VTIMEZONE
TZID:Mitteleuropäische Zeit\x20
BEGIN:STANDARD
DTSTART:20001025T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20000329T010000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE""",
    )
    paris = __import__("zoneinfo").ZoneInfo("Europe/Paris")
    recs = {r.thread[4:]: r for r in records(text, default_tz=paris)}
    assert recs["win"].at == utc(2026, 6, 1, 8)
    assert recs["est"].at == utc(2026, 1, 15, 14)
    assert recs["iana"].at == utc(2026, 1, 15, 14)
    assert recs["odd"].at == utc(2026, 7, 1, 15)
    assert recs["foo"].at == recs["floating"].at == utc(2026, 3, 10, 9)
    allday = recs["allday"]
    # an all-day event touches at noon UTC of its date: on that date in every zone but the
    # farthest east (at 00:00 UTC it was the evening before west of Greenwich)
    assert allday.at == utc(2026, 3, 10, 12) and allday.duration_minutes is None
    assert allday.source_key == "ics:allday|20260310|ann@example.org"


def test_people_rules() -> None:
    text = vcal(
        event("mine", ":20260301T090000Z", "ORGANIZER:mailto:ME@example.com",
              attendees=("me@example.com", "bo@example.org")),
        event("theirs", ":20260302T090000Z", "ORGANIZER;CN=Org:mailto:org@example.org",
              attendees=("me@example.com",)),
        event("declined", ":20260303T090000Z",
              "ATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com"),
        event("room", ":20260304T090000Z",
              "ATTENDEE;CUTYPE=ROOM;CN=Room 1:mailto:room1@example.org",
              "ATTENDEE:mailto:c_123@resource.calendar.google.com"),
        event("crowd", ":20260305T090000Z",
              attendees=tuple(f"p{i}@example.org" for i in range(30))),
        event("cancelled", ":20260306T090000Z", "STATUS:CANCELLED"),
        event("alone", ":20260307T090000Z", attendees=()),
        event("self", ":20260308T090000Z", attendees=("me@example.com",)),
        event("noaddr", ":20260309T090000Z", "ATTENDEE;CN=Someone:urn:uuid:1234"),
    )
    recs = [r for r in records(text) if not isinstance(r, Delete)]
    got = Counter((r.thread[4:] if isinstance(r, Interaction) else r.key.split()[-1],
                   "meeting" if isinstance(r, Interaction) else r.reason) for r in recs)
    assert got == {
        ("mine", "meeting"): 1, ("theirs", "meeting"): 1, ("declined", "declined by you"): 1,
        ("room", "meeting"): 1, ("room", "room or resource"): 2,
        ("crowd", "too many attendees"): 1, ("cancelled", "cancelled event"): 1,
        ("alone", "no attendees"): 1, ("self", "no counterpart"): 1,
        ("noaddr", "meeting"): 1, ("noaddr", "attendee without e-mail"): 1,
    }
    theirs = next(r for r in recs if isinstance(r, Interaction) and r.thread == "ics:theirs")
    assert (theirs.with_.value, theirs.name) == ("org@example.org", "Org")
    relaxed = records(text, max_attendees=0, skip_declined=False)
    assert kinds(relaxed)["meeting"] == 1 + 1 + 1 + 1 + 30 + 1
    cancel_all = records(vcal(event("x", ":20260301T090000Z"), extra="METHOD:CANCEL"))
    assert cancel_all == [Skip("cancelled event", "cal.ics event x"),
                          Delete(prefix="ics:x|", reason="cancelled event")]


def test_broken_events_are_rejected_one_by_one() -> None:
    text = vcal(
        event("good", ":20260301T090000Z", "BEGIN:VALARM", "TRIGGER:PT-2H", "ACTION:DISPLAY",
              "END:VALARM"),
        event("bad", ":2026-13-45T99"),
        event("worse", ":20260302T090000Z", "RRULE:FREQ=SOMETIMES"),
    )
    recs = records(text)
    assert kinds(recs)["meeting"] == 1
    rejected = {r.where: r.reason for r in recs if isinstance(r, Reject)}
    assert set(rejected) == {"cal.ics event bad", "cal.ics event worse"}
    duplicate = records(vcal(event("d", ":20260301T090000Z"), event("d", ":20260301T090000Z")))
    assert kinds(duplicate) == {"meeting": 1, "Skip:duplicate event": 1}


def test_what_is_not_a_calendar() -> None:
    assert records("BEGIN:VCARD\r\nFN:Ann\r\nEND:VCARD\r\n") == [
        Reject("not an iCalendar file (no BEGIN:VCALENDAR)", "cal.ics")]
    assert records(vcal()) == [Skip("no events", "cal.ics")]
    todo = vcal("BEGIN:VTODO\nUID:t\nSUMMARY:do it\nEND:VTODO")
    assert kinds(records(todo)) == {"Skip:not an event": 1}


def test_meeting_records_for_other_calendar_sources() -> None:
    """The same rules for a meeting a CalDAV or Google Calendar source builds itself."""
    meeting = Meeting(
        uid="abc@google.com", instance="20260301T090000Z", start=utc(2026, 3, 1, 9),
        duration_minutes=30, summary="Sync", organizer=Attendee("me@example.com"),
        attendees=[Attendee("me@example.com", partstat="ACCEPTED"),
                   Attendee("zoe@example.org", name="Zoë", partstat="NEEDS-ACTION")],
    )
    (rec,) = meeting_records(meeting, me=ME, where="google")
    assert rec.source_key == "ics:abc@google.com|20260301T090000Z|zoe@example.org"
    assert (rec.name, rec.duration_minutes, rec.direction) == ("Zoë", 30, "mutual")


# -- through the CLI ----------------------------------------------------------------------


def test_import_twice_and_dry_run(crb: Crb, tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "team.ics"
    path.write_text(vcal(event("weekly", ":20261005T090000Z", "RRULE:FREQ=WEEKLY;COUNT=4",
                               attendees=("ann@example.org", "bo@example.org"))))
    dry = crb.json("import", str(path), "--dry-run")["sources"][0]
    assert dry["imported"] == 8 and rows(db_path, "select count(*) from interactions") == [(0,)]
    first = crb.json("import", str(path))["sources"][0]
    assert (first["imported"], first["new_people"]) == (8, 2)  # meetings are two-way
    again = crb.json("import", str(path))["sources"][0]
    assert (again["imported"], again["unchanged"], again["new_people"]) == (0, 8, 0)
    copy = tmp_path / "copy.ics"
    copy.write_text(path.read_text())
    assert crb.json("import", str(copy))["sources"][0]["imported"] == 0


def test_settings_reach_the_source(crb: Crb, tmp_path: Path, config_file: Path) -> None:
    with open(config_file, "a", encoding="utf-8") as fh:
        fh.write('\n[sources.ics]\npast_days = 7\nfuture_days = 0\ntimezone = "Asia/Tokyo"\n')
    path = tmp_path / "daily.ics"
    path.write_text(vcal(event("d", ":20260101T090000", "RRULE:FREQ=DAILY")))
    out = crb.json("import", str(path))["sources"][0]
    assert out["imported"] == 8  # 2026-11-16 .. 2026-11-23
    assert rows(crb.db, "select min(at) from interactions") == [("2026-11-16T00:00:00+00:00",)]


def test_unreadable_input_changes_nothing(crb: Crb, tmp_path: Path, db_path: Path) -> None:
    good = tmp_path / "good.ics"
    good.write_text(vcal(event("g", ":20260301T090000Z")))
    crb("import", str(good))
    before = rows(db_path, "select * from interactions")
    bad = tmp_path / "bad.ics"
    bad.write_bytes(b"\x00\xff" * 500)
    out = crb.json("import", "--format", "ics", str(bad), status=3)["sources"][0]
    assert out["ok"] and out["rejected"] == [
        {"where": str(bad), "reason": "not an iCalendar file (no BEGIN:VCALENDAR)"}]
    assert rows(db_path, "select * from interactions") == before
    missing = tmp_path / "gone.ics"
    assert run_source([missing]) == [Reject("cannot read: No such file or directory",
                                            str(missing))]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_calendar_url(crb: Crb, served: tuple[str, Path], db_path: Path) -> None:
    base, root = served
    (root / "private-s3cret").mkdir()
    (root / "private-s3cret" / "basic.ics").write_text(
        vcal(event("u", ":20260301T090000Z", attendees=("ann@example.org", "bo@example.org"))))
    url = f"{base}/private-s3cret/basic.ics"
    out = crb.json("import", url)["sources"][0]
    assert out["ok"] and out["imported"] == 2
    missing = crb.json(
        "import", f"{base}/private-s3cret/other.ics", status=3)["sources"][0]
    assert missing["ok"] and missing["imported"] == 0
    (reject,) = missing["rejected"]
    assert reject["reason"] == "cannot fetch: HTTP 404"
    assert "s3cret" not in reject["where"] and reject["where"].endswith("/…/other.ics")
    assert rows(db_path, "select count(*) from interactions") == [(2,)]
    (down,) = run_source(["http://127.0.0.1:9/cal.ics"])
    assert isinstance(down, Reject) and down.reason == "cannot fetch: Connection refused"


# -- never a traceback --------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_clear_reject(data: bytes) -> None:
    for r in calendar_records(data, where="f.ics", me=ME, options=options()):
        assert isinstance(r, Interaction | Skip | Reject)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VTIMEZONE", "END:VTIMEZONE", "BEGIN:VALARM",
    "END:VALARM", "UID:x", "DTSTART:20260101T100000Z", "DTSTART;TZID=Nowhere:2026",
    "DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=DAILY;COUNT=3", "RRULE:FREQ=", "EXDATE:x",
    "RECURRENCE-ID:20260102T100000Z", "ATTENDEE:mailto:a@b.org", "ORGANIZER:mailto:me@example.com",
    "STATUS:CANCELLED", "DTEND:20251231T000000Z", "DURATION:PT-1H", "TZOFFSETTO:+9999",
    " folded", "", "garbage",
]), max_size=40))
def test_arbitrary_component_soup(lines: list[str]) -> None:
    text = "BEGIN:VCALENDAR\r\n" + "\r\n".join(lines) + "\r\nEND:VCALENDAR\r\n"
    for r in calendar_records(text, where="f.ics", me=ME, options=options()):
        assert isinstance(r, Interaction | Skip | Reject)


def _cuts(data: bytes) -> list[int]:
    """Where a file is cut: at nine tenths of it, and at every line's end and middle in a file
    with a cancelled event (where a cut decides whether the cancellation was read)."""
    cuts = {len(data) * k // 10 for k in range(1, 10)}
    if b"CANCELLED" in data:
        start = 0
        for end in (m.end() for m in re.finditer(rb"\n", data)):
            cuts.update({end, (start + end) // 2})
            start = end
    return sorted(cuts)


def test_truncated_corpus_files(corpus: Path) -> None:
    """A file cut anywhere yields only records, never a crash, and never removes what the whole
    file does not: a Delete (a cancelled event, an occurrence taken out of its series) comes
    only from an event read to its END:VEVENT, so the whole file yields the same Delete. The
    window holds every corpus event (1997-2026), so their cancellations are read."""
    wide = options(window_start=dt.date(1990, 1, 1))
    deleted = 0
    for path in corpus_files(corpus, "ics"):
        data = path.read_bytes()
        whole = {r.prefix for r in calendar_records(data, where="t.ics", me=ME, options=wide)
                 if isinstance(r, Delete)}
        for cut in _cuts(data):
            for r in calendar_records(data[:cut], where="t.ics", me=ME, options=wide):
                assert isinstance(r, Interaction | Skip | Reject | Delete), (path, cut)
                if isinstance(r, Delete):
                    assert r.prefix in whole, (path, cut, r)
                    deleted += 1
    assert deleted  # the corpus's cancelled events were read from cut files too


def test_a_file_cut_inside_a_timezone_name_is_rejected_not_a_crash() -> None:
    # Found by test_truncated_corpus_files: the cut fell right after "TZID" (no colon).
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID")
    records = list(calendar_records(data, where="t.ics", me=ME, options=options()))
    assert [type(r) for r in records] == [Reject]
    assert "broken VTIMEZONE '?'" in records[0].reason


def test_a_broken_vtimezone_whose_events_were_read_is_a_warning_not_a_reject(
    crb: Crb, corpus: Path
) -> None:
    """Its events are imported with the zone's name: nothing was left out, so no rejected
    record and no exit 3, but a warning line naming the file and line."""
    path = corpus / "ics" / "khal" / "invalid_tzoffset.ics"
    out = crb("import", str(path)).stdout  # exit 0
    assert out.startswith("ics: ok\n") and "rejected" not in out
    assert (f"  warning: {path}:3: broken VTIMEZONE 'Europe/Berlin': Offset must be less than "
            "24 hours, was +5328; its events use the zone's name") in out
    (source,) = crb.json("import", str(path))["sources"]
    assert source["rejected"] == [] and source["seen"] == 1


def test_an_event_the_user_is_not_in_is_not_theirs(crb: Crb, tmp_path: Path) -> None:
    """Trial 12 T9: an event none of [me] emails is in (a shared or team calendar, a forwarded
    invitation) made a meeting with everyone in it: "time together" with a key person the
    user had not seen for two months took her out of the review. With the user's addresses
    known such an event is skipped as not theirs; organised by them, or with them among the
    attendees (in any case of the address), it is theirs."""
    others = event("others", ":20261120T130000Z", "ORGANIZER:mailto:alice@otherco.example",
                   attendees=("carol@client.example",))
    recs = records(vcal(others))
    assert kinds(recs) == Counter({f"Skip:{NOT_YOURS}": 1})
    mine = event("mine", ":20261121T130000Z", "ORGANIZER:mailto:alice@otherco.example",
                 attendees=("carol@client.example", "ME@Example.com"))
    assert [r.with_.value for r in records(vcal(mine)) if isinstance(r, Interaction)] == [
        "alice@otherco.example", "carol@client.example"]
    # Nobody known as the user: every event is taken as theirs.
    unknown = list(calendar_records(vcal(others).encode(), where="c.ics", me=(),
                                    options=options()))
    assert sorted(r.with_.value for r in unknown if isinstance(r, Interaction)) == [
        "alice@otherco.example", "carol@client.example"]
    # Through the CLI: Carol's last touch stays the meeting the user logged.
    cards = tmp_path / "carol.csv"
    cards.write_text("Name,Email\nCarol Key,carol@client.example\n", encoding="utf-8")
    crb("import", str(cards))
    crb("log", "carol@client.example", "--kind", "meeting", "--at", "2026-10-01")
    path = tmp_path / "shared.ics"
    path.write_text(vcal(others), encoding="utf-8")
    (out,) = crb.json("import", str(path))["sources"]
    assert out["skipped"] == {NOT_YOURS: 1} and out["imported"] == 0
    assert crb.json("show", "carol@client.example")["health"]["last_touch"].startswith(
        "2026-10-01")


def test_occurrences_after_the_window_are_said_once(crb: Crb, tmp_path: Path) -> None:
    # Today 2026-11-23, future_days 60: the window ends on 2027-01-22.
    first = tmp_path / "bo.ics"
    first.write_text(vcal(event("weekly", ":20261205T100000Z", "RRULE:FREQ=WEEKLY;COUNT=20")))
    second = tmp_path / "team.ics"
    second.write_text(vcal(event("monthly", ":20261201T100000Z", "RRULE:FREQ=MONTHLY;COUNT=4",
                                 attendees=("bo@example.org",))))
    out = crb.json("import", str(first), str(second))["sources"][0]
    assert out["imported"] == 7 + 2  # Dec 5 .. Jan 16 weekly; Dec 1, Jan 1 monthly
    assert out["skipped"] == {}
    assert out["notes"] == [
        "ics: 15 occurrences of recurring events after 2027-01-22 are not stored yet: a calendar "
        "source reads 60 days ahead (future_days); import the calendar again later, or sync it "
        "(CalDAV/Google/Outlook) to keep up"]
    text = crb("import", str(first))
    assert text.output.count("13 occurrences of recurring events after 2027-01-22") == 1
