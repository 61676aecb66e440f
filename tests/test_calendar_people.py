"""Calendars make people only of people: group, room and resource addresses, placeholders and
invalid addresses are skipped with their reason, through the real ``crb import`` and ``crb sync``
commands; an attendee's own name wins over a bare address."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.google_server import ME, Env, FakeGoogle, ensure_plugin_importable

from .conftest import Crb

ensure_plugin_importable()


def people(db: Path) -> dict[str, list[str]]:
    """Every person's name -> their identities, from the real database file."""
    conn = sqlite3.connect(db)
    try:
        found: dict[str, list[str]] = {}
        for name, value in conn.execute(
            "select p.name, i.value from people p join identities i on i.person_id = p.id "
            "where p.merged_into is null order by p.name, i.value"
        ):
            found.setdefault(name, []).append(value)
        return found
    finally:
        conn.close()


def ics(*events: str) -> str:
    body = "".join(e.strip() + "\n" for e in events)
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + body + "END:VCALENDAR\n"
            ).replace("\n", "\r\n")


def vevent(uid: str, day: str, *lines: str) -> str:
    """An event on the user's own calendar: they are one of its attendees."""
    more = "".join(line + "\n" for line in (*lines, "ATTENDEE;CN=Me:mailto:me@example.com"))
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:{day}T090000Z\n"
            f"DTEND:{day}T100000Z\nSUMMARY:Meeting {uid}\n{more}END:VEVENT\n")


NOBODY = (
    "ATTENDEE;CN=Team calendar:mailto:c_abc123@group.calendar.google.com",
    "ATTENDEE;CUTYPE=ROOM;CN=Room 1:mailto:room1@acme.example",
    "ATTENDEE;CUTYPE=RESOURCE;CN=Projector:mailto:beamer@acme.example",
    "ATTENDEE:mailto:c_9f8e@resource.calendar.google.com",
    "ATTENDEE;CUTYPE=GROUP;CN=Sales:mailto:sales-team@acme.example",
    "ATTENDEE;CN=(omitted):mailto:omitted@acme.example",
    "ATTENDEE:mailto:redacted@acme.example",
    "ATTENDEE;CN=XXX:mailto:XXX@XXXX.XXX",
    "ATTENDEE;CN=Unknown:mailto:unknown@acme.example",
    "ATTENDEE:mailto:no-reply@acme.example",
    "ATTENDEE;CN=Laszlo:mailto:laszlo.@com",
    "ATTENDEE;CN=Laszlo:mailto:laszlo.@gmail.com",
    "ATTENDEE:mailto:admin@localhost",
)


def test_only_people_become_people_from_an_ics_file(crb: Crb, tmp_path: Path,
                                                    db_path: Path) -> None:
    path = tmp_path / "work.ics"
    path.write_text(ics(
        # The organizer without a name is also an attendee with one: the attendee's wins.
        vevent("kickoff", "20261001", "ORGANIZER:mailto:bob@acme.example",
               "ATTENDEE;CN=Bob Builder;PARTSTAT=ACCEPTED:mailto:bob@acme.example",
               "ATTENDEE;CN=(omitted):mailto:carol@acme.example",
               "ATTENDEE;CN=Dana Scully:mailto:dana@acme.example", *NOBODY),
        # Google's stand-in organizer; Erin known by her address alone, so far.
        vevent("review", "20261008",
               "ORGANIZER;CN=Unknown Organizer:mailto:unknownorganizer@calendar.google.com",
               "ATTENDEE:mailto:erin@acme.example",
               "ATTENDEE;CN=dana@acme.example:mailto:dana@acme.example"),
        # Erin's own name comes later: it names her.
        vevent("retro", "20261015", "ATTENDEE;CN=Erin Example:mailto:erin@acme.example",
               "ATTENDEE:mailto:bob@acme.example", "ATTENDEE:mailto:dana@acme.example"),
    ), encoding="utf-8")
    (out,) = crb.json("import", str(path))["sources"]
    assert out["ok"] and not out["rejected"]
    assert people(db_path) == {
        "Bob Builder": ["bob@acme.example"], "Dana Scully": ["dana@acme.example"],
        "Erin Example": ["erin@acme.example"], "carol@acme.example": ["carol@acme.example"],
    }
    assert out["skipped"] == {
        "group calendar": 2, "room or resource": 3, "placeholder address": 4,
        "no-reply address": 1, "invalid address": 3, "calendar address": 1,
    }
    assert out["imported"] == 3 + 2 + 3 and out["new_people"] == 4
    # Again: nothing new, no name changed back.
    (again,) = crb.json("import", str(path))["sources"]
    assert again["imported"] == 0 and again["new_people"] == 0
    assert sorted(people(db_path)) == [
        "Bob Builder", "Dana Scully", "Erin Example", "carol@acme.example"]
    assert "Bob Builder" in crb("show", "bob@acme.example").stdout


def test_no_reply_is_nobody_even_when_role_addresses_are_people(
        crb: Crb, tmp_path: Path, config_file: Path, db_path: Path) -> None:
    config_file.write_text(
        config_file.read_text() + "\n[identity]\nignore_role_addresses = false\n",
        encoding="utf-8")
    path = tmp_path / "c.ics"
    path.write_text(ics(vevent("x", "20261001", "ATTENDEE:mailto:noreply@acme.example",
                               "ATTENDEE:mailto:info@acme.example")), encoding="utf-8")
    (out,) = crb.json("import", str(path))["sources"]
    assert out["skipped"] == {"no-reply address": 1}
    assert people(db_path) == {"info@acme.example": ["info@acme.example"]}


def test_the_shared_corpus_makes_people_only_of_people(crb: Crb, corpus: Path,
                                                      db_path: Path) -> None:
    files = sorted(str(p) for p in (corpus / "ics").rglob("*") if p.is_file())
    # The corpus's user is unknown (with [me] emails given, none of its events is theirs).
    crb.config.write_text('[me]\ntimezone = "UTC"\n', encoding="utf-8")
    # Some files are broken on purpose (radicale/broken-vevent*.ics): rejected, exit 3.
    (out,) = crb.json("import", *files, status=3)["sources"]
    assert out["ok"] and out["rejected"]
    # radicale/event_issue2151.ics is masked (XX@XXXXXXX.XXX, "XXXXXXXX XXXXX"), issue2172's
    # people are REDACTED@REDACTED and "mailto:REDACTED", biweekly's rfc5545-example2 invites
    # a CUTYPE=GROUP: none of them is anyone.
    assert out["skipped"]["placeholder address"] == 27 * 4 + 2
    assert out["skipped"]["group calendar"] == 1
    assert people(db_path) == {
        "Corentin": ["corentin.jeanne@algoo.fr"],
        "Doe, Jane": ["janedoe@example.com"],
        "Doe, John": ["johndoe@example.com"],
        "Henry Cabot": ["hcabot@example.com"],
        # Organizer without a name in rfc5545-example3.ics, attendee "Jane Doe" in khal's
        # event_dt_partstat.ics: her own name wins.
        "Jane Doe": ["jdoe@example.com"],
        "Sigma": ["lambda@lambda.lambda"],
        "Smith, Bob": ["bobsmith@example.com"],
        "jqpublic@example.com": ["jqpublic@example.com"],
        "jsmith@example.com": ["jsmith@example.com"],
        "mrbig@example.com": ["mrbig@example.com"],
        "tent@example.com": ["tent@example.com"],
        "unclesam@example.com": ["unclesam@example.com"],
    }


# -- Google Calendar ----------------------------------------------------------------------


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        yield server


def test_google_calendar_makes_people_only_of_people(
        google: FakeGoogle, tmp_path: Path, crb: Crb, db_path: Path,
        google_plugin: object) -> None:
    env = Env(google, tmp_path)
    env.config_toml(crb.config)
    me: dict[str, Any] = {"email": ME, "self": True, "responseStatus": "accepted"}
    day = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    google.add_event(event_id="team", start=day, organizer={
        "email": "c_team42@group.calendar.google.com", "displayName": "Team"}, attendees=[
        me, {"email": "zed@acme.example", "displayName": "Zed Zulu",
             "responseStatus": "accepted"},
        {"email": "c_room@resource.calendar.google.com", "displayName": "Room 2",
         "resource": True, "responseStatus": "accepted"},
        {"email": "yan@acme.example", "displayName": "(omitted)"},
        {"email": "laszlo.@com", "displayName": "Laszlo"},
        {"email": "XXXX@XXXXX.XXX", "displayName": "XXXX"},
    ])
    google.add_event(event_id="imported", start=day + dt.timedelta(days=7), organizer={
        "email": "unknownorganizer@calendar.google.com"}, attendees=[
        me, {"email": "wu@acme.example", "responseStatus": "accepted"}])
    # The organizer's entry has no name; their attendee entry has one.
    google.add_event(event_id="one2one", start=day + dt.timedelta(days=14),
                     organizer={"email": "wu@acme.example"}, attendees=[
        me, {"email": "wu@acme.example", "displayName": "Wu Li", "responseStatus": "accepted",
             "organizer": True}])
    (out,) = json.loads(crb("sync", "google_calendar", "--json").stdout)["sources"]
    assert out["ok"], out
    assert people(db_path) == {
        "Wu Li": ["wu@acme.example"], "Zed Zulu": ["zed@acme.example"],
        "yan@acme.example": ["yan@acme.example"],
    }
    assert out["skipped"] == {"group calendar": 1, "room or resource": 1,
                              "invalid address": 1, "placeholder address": 1,
                              "calendar address": 1}
