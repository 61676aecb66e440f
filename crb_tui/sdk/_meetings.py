"""Meetings -> records, whatever calendar they came from: :class:`Meeting` (one occurrence of
an event) and its :class:`Attendee` people, the :class:`CalendarOptions` every calendar source
reads its events with, the keys a meeting is stored under (:func:`instance_key`,
:func:`meeting_key`), and who in a meeting is a participant (:func:`not_a_participant`: no
rooms, resources, groups, placeholders or invalid addresses; :func:`meeting_records`: one
``meeting`` interaction per participant other than the user, or the skips saying why not).

Part of :mod:`crb_tui.sdk.calendars`, which plugins import it from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from crb_tui.config import check_range
from crb_tui.errors import CrbError
from crb_tui.identity import is_placeholder, normalise_email, not_a_person
from crb_tui.records import Delete, Identity, Interaction, Record, Skip
from crb_tui.text import MAX_LINE, one_line

MAX_SUMMARY = MAX_LINE
clean_text = one_line
"""One line of text as stored (crb_tui.text's one rule, exported by the SDK)."""
CANCELLED = "cancelled event"
"""Why a meeting stored before is removed: its event, or this occurrence, was cancelled."""


@dataclass
class Attendee:
    """An attendee or organizer: ``email`` normalised (None when there is none), ``raw`` as
    written; ``partstat``, ``role`` and ``cutype`` upper-cased iCalendar values."""

    email: str | None
    raw: str = ""
    name: str | None = None
    partstat: str = ""
    role: str = ""
    cutype: str = ""


@dataclass
class Meeting:
    """One occurrence of a calendar event."""

    uid: str
    instance: str
    """The occurrence's key: see :func:`instance_key`."""
    start: dt.datetime
    """Aware; all-day events at 00:00 UTC of their date (stored as touches at noon UTC)."""
    all_day: bool = False
    duration_minutes: int | None = None
    summary: str | None = None
    status: str = ""
    organizer: Attendee | None = None
    attendees: list[Attendee] = field(default_factory=list)
    recurring: bool | None = None
    """False for a single event: one meeting per UID, whatever its time, so a moved event
    updates what was stored (:func:`meeting_records` sets ``replaces``). True for an occurrence
    of a series, None when the source does not say (each occurrence keyed on its own)."""


@dataclass
class CalendarOptions:
    """How events are read: the window for recurrences, and the noise rules."""

    window_start: dt.date
    """Recurring events are expanded from this date..."""
    window_end: dt.date
    """...up to this one; no event after it is imported (single ones included)."""
    default_tz: dt.tzinfo = dt.UTC
    """For floating times and zones nobody knows."""
    max_attendees: int = 25
    """Events with more attendees are skipped (all-hands, webinars); 0 means no limit."""
    skip_declined: bool = True
    """Skip events the user declined."""


def options_from_settings(cfg: dict[str, Any], today: dt.date) -> CalendarOptions:
    """Options from a calendar source's settings (``past_days``, ``future_days``, ``timezone``,
    ``max_attendees``, ``skip_declined``), shared by every calendar source."""
    from crb_tui.clock import user_tz

    return CalendarOptions(
        window_start=today - dt.timedelta(days=max(0, int(cfg.get("past_days", 730)))),
        window_end=today + dt.timedelta(days=max(0, int(cfg.get("future_days", 60)))),
        default_tz=user_tz(str(cfg.get("timezone", ""))),
        max_attendees=max(0, int(cfg.get("max_attendees", 25))),
        skip_declined=bool(cfg.get("skip_declined", True)),
    )


def check_calendar_settings(source: str, cfg: dict[str, Any]) -> None:
    """The settings :func:`options_from_settings` reads, checked for a ``Source.check``:
    counts of days and attendees not below 0, a ``timezone`` that is one."""
    import zoneinfo

    for key in ("past_days", "future_days", "max_attendees"):
        if key in cfg:
            check_range(source, cfg, key, 0)
    name = str(cfg.get("timezone") or "").strip()
    if name:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CrbError(f"sources.{source}.timezone = {name!r} is not a time zone (use a "
                           "name such as \"Europe/Berlin\")") from None


def instance_key(value: dt.date | dt.datetime) -> str:
    """``YYYYMMDD`` for a date, ``YYYYMMDDTHHMMSSZ`` (UTC) for an aware datetime."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def meeting_key(uid: str, instance: str, email: str) -> str:
    """The ``source_key`` of one participant's meeting: ``ics:<UID>|<instance>|<e-mail>``."""
    return f"ics:{uid}|{instance}|{email}"


def event_prefix(meeting: Meeting) -> str:
    """The key prefix of everything stored for ``meeting``: the whole event (``ics:<UID>|``)
    for a single event, the one occurrence for a series or when unknown."""
    if meeting.recurring is False:
        return f"ics:{meeting.uid}|"
    return f"ics:{meeting.uid}|{meeting.instance}|"


def person_name(value: Any) -> str | None:
    """An attendee's or organizer's name (``CN``, ``displayName``) as one line, or None when
    there is none or it only stands in for one (``(omitted)``, ``XXX``, ``redacted``)."""
    name = clean_text(value, 200)
    if name:
        name = name.strip("'\" ").strip() or None
    return None if not name or is_placeholder(name) or "@" in name else name


def not_a_participant(person: Attendee) -> str | None:
    """Why an attendee or organizer is nobody to meet, or None: a room, resource or group
    (``CUTYPE``, or Google Calendar's own addresses), a placeholder, an address that is not
    one (``laszlo.@com``), none at all."""
    if person.cutype in ("ROOM", "RESOURCE"):
        return "room or resource"
    if person.cutype == "GROUP":
        return "group calendar"
    if person.email is None:
        raw = "".join(person.raw.split())
        if raw.lower().startswith("mailto:"):
            raw = raw[7:]
        if not raw or "@" not in raw:
            return "placeholder address" if raw and is_placeholder(raw) else (
                "attendee without e-mail")
        local = raw.rpartition("@")[0]
        return "placeholder address" if is_placeholder(local) else "invalid address"
    return not_a_person(person.email)


def _participants(meeting: Meeting) -> list[Attendee]:
    """The organizer (first) and the attendees, one entry per address: an organizer who is
    also listed as an attendee keeps the attendee's answer and own name (``CN``), the
    organizer's name only filling a gap."""
    people = list(meeting.attendees)
    org = meeting.organizer
    if org is None:
        return people
    listed = next((a for a in people if org.email and a.email == org.email), None)
    if listed is None:
        return [org, *people]
    people.remove(listed)
    return [replace(listed, name=listed.name or org.name), *people]


NOT_YOURS = "not yours (none of [me] emails is its organizer or an attendee)"
"""The skip of an event the user is not in, when their addresses are known."""


def meeting_records(
    meeting: Meeting,
    *,
    me: Iterable[str],
    where: str,
    max_attendees: int = 25,
    skip_declined: bool = True,
) -> list[Record]:
    """One ``meeting`` interaction per participant other than the user, or the skips that say
    why there is none (cancelled, no attendees, too many, declined by the user, the user not
    in it when ``me`` is given...) and why a
    participant is nobody (see :func:`not_a_participant`). A cancelled event (or occurrence)
    is counted as skipped and removes what an earlier import stored for it (a ``Delete``)."""
    mine = {e for e in (normalise_email(x) for x in me) if e}
    key = f"{where} event {meeting.uid}"
    if meeting.status == "CANCELLED":
        return [Skip("cancelled event", key),
                Delete(prefix=event_prefix(meeting), reason=CANCELLED)]
    if not meeting.attendees:
        return [Skip("no attendees", key)]
    if max_attendees and len(meeting.attendees) > max_attendees:
        return [Skip("too many attendees", key)]
    if skip_declined and any(
        a.email in mine and a.partstat == "DECLINED" for a in meeting.attendees
    ):
        return [Skip("declined by you", key)]
    participants = _participants(meeting)
    if mine and not any(person.email in mine for person in participants):
        # A shared or team calendar's event, a forwarded invitation: others met, not the user
        # (who is known: with no address of theirs given, every event is taken as theirs).
        return [Skip(NOT_YOURS, key)]
    out: list[Record] = []
    seen: set[str] = set()
    for person in participants:
        email = person.email
        if email is not None and (email in mine or email in seen):
            continue
        if email is not None:
            seen.add(email)
        nobody = not_a_participant(person)
        if nobody is not None:
            out.append(Skip(nobody, key))
        elif person.role == "NON-PARTICIPANT":
            out.append(Skip("non-participant", key))
        elif person.partstat == "DECLINED":
            out.append(Skip("attendee declined", key))
        elif person.partstat == "DELEGATED":
            out.append(Skip("attendee delegated", key))
        elif email is not None:
            out.append(Interaction(
                source_key=meeting_key(meeting.uid, meeting.instance, email),
                kind="meeting", direction="mutual", at=_touch_time(meeting),
                with_=Identity("email", email), name=person.name, subject=meeting.summary,
                thread=f"ics:{meeting.uid}", duration_minutes=meeting.duration_minutes,
                replaces=f"ics:{meeting.uid}|" if meeting.recurring is False else None,
            ))
    if not any(isinstance(r, Interaction) for r in out):
        out.append(Skip("no counterpart", key))
    return out


def _touch_time(meeting: Meeting) -> dt.datetime:
    """When a meeting counts as a touch: its start; an all-day event at noon UTC of its date,
    which falls on that date for everyone from UTC-12 to UTC+11 (at 00:00 UTC it would be the
    evening before west of Greenwich, a touch "-1 days ago")."""
    if meeting.all_day:
        return meeting.start.replace(hour=12, minute=0, second=0, microsecond=0)
    return meeting.start
