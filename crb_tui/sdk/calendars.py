"""Calendar events -> CRB records: the logic every calendar source shares (``.ics`` files and
URLs today, CalDAV and the Google Calendar API later).

- :class:`Meeting` is one occurrence of an event, source-agnostic; :func:`meeting_records`
  turns it into one ``meeting`` interaction (direction ``mutual``) per participant: every
  attendee and the organizer, never the user (``[me] emails``), never rooms, resources or
  groups, placeholders (``redacted``, ``XXX``) or invalid addresses (each skipped with its
  reason), never people who declined or only received a delegation. An organizer listed as an
  attendee too is one participant, named by their own ``CN``.
- :func:`calendar_records` reads iCalendar text: recurring events are expanded with
  recurring-ical-events inside a window (EXDATE, RECURRENCE-ID overrides and cancelled
  instances honoured); a broken file is read event by event and each broken event is rejected
  with its UID and line.
- Times: Windows zone names ("W. Europe Standard Time") and IANA names resolve without a
  VTIMEZONE; an unknown zone or a floating time uses the configured time zone. An all-day
  event starts at 00:00 UTC of its date and is stored as a touch at noon UTC of that date
  (on that date in nearly every zone), with no duration.
- Keys: ``ics:<UID>|<instance>|<attendee e-mail>``, the instance being the RECURRENCE-ID (or
  DTSTART) in UTC as ``YYYYMMDDTHHMMSSZ``, or ``YYYYMMDD`` for an all-day event, so that the
  same occurrence from any calendar source is stored once. A single (non-recurring) event is
  one meeting per UID and attendee: moved, its stored meeting is re-keyed and updated
  (``Interaction.replaces``). A cancelled event or occurrence (``STATUS:CANCELLED``, an
  ``EXDATE``) is counted as skipped and removes what was stored for it (``Delete``).

Import everything from here. The parts: ``_meetings`` (meetings, their people and keys, and who
is a participant) and ``_ical`` (iCalendar text, time zones and recurrence); this module reads a
whole document with them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from crb_tui.clock import FIRST_DAY, LAST_DAY
from crb_tui.records import Delete, Record, Reject, Skip
from crb_tui.sdk._ical import (
    TOO_FREQUENT,
    TooFrequent,
    Zones,
    decode,
    digest_of,
    error_reason,
    excluded,
    expand,
    later_occurrences,
    latest_version,
    looks_like_icalendar,
    parse_icalendar,
    uid_of,
    version_of,
)
from crb_tui.sdk._meetings import (
    CANCELLED,
    MAX_SUMMARY,
    NOT_YOURS,
    Attendee,
    CalendarOptions,
    Meeting,
    check_calendar_settings,
    clean_text,
    event_prefix,
    instance_key,
    meeting_key,
    meeting_records,
    not_a_participant,
    options_from_settings,
    person_name,
)

__all__ = [
    "MAX_SUMMARY",
    "NOT_YOURS",
    "TOO_FREQUENT",
    "Attendee",
    "CalendarOptions",
    "Meeting",
    "calendar_records",
    "clean_text",
    "decode",
    "event_prefix",
    "instance_key",
    "later_note",
    "looks_like_icalendar",
    "meeting_key",
    "meeting_records",
    "not_a_participant",
    "check_calendar_settings",
    "options_from_settings",
    "person_name",
]


OLDER = "older version of the event"
"""Why an event is skipped: a higher ``SEQUENCE`` of it was imported before (another file)."""
OLDER_COPY = "older copy of the event"
"""Why an event is skipped: a copy of it with the same ``SEQUENCE`` but a later
``LAST-MODIFIED`` (else ``DTSTAMP``) was imported before (another file)."""
DUPLICATE = "duplicate event"
"""Why an event is skipped: the same occurrence twice in a document, or another file's copy of
it with the same version but other contents won (the same one whatever the files' order)."""
SHORTENED = "occurrence no longer in its series"
"""Why a stored meeting is removed: its series was shortened (``COUNT``/``UNTIL``) or moved."""


def calendar_records(
    data: bytes | str,
    *,
    where: str,
    me: Iterable[str],
    options: CalendarOptions,
    state: Any = None,
    this_run: set[str] | None = None,
    later: list[int] | None = None,
) -> Iterator[Record]:
    """Every record of one iCalendar document (a file, a URL's body, a CalDAV object).

    The same occurrence twice in one document is counted as a ``duplicate event`` skip; across
    documents without ``state`` the store's upsert keeps one (the last one read wins). With
    ``state`` (a namespace of the source's ``ctx.state``, for sources that read whole calendars
    again, such as exported files) each event's version and the occurrences stored for it are
    remembered: a copy with a lower ``SEQUENCE`` than one imported before (an older export
    read after a newer one) is skipped as ``older version of the event``, one with the same
    ``SEQUENCE`` and an earlier ``LAST-MODIFIED`` (else ``DTSTAMP``) as ``older copy of the
    event``, one of the same version but other contents read before as ``duplicate event``
    (see :func:`_lost_to`); and occurrences of a series that a later version no longer has
    (``COUNT`` or ``UNTIL`` reduced, the series moved) are removed. So a folder read again with
    nothing new in it updates nothing, and which copy is kept does not depend on the files'
    order. ``this_run``, a set the source keeps for one run and passes to every call, tells
    copies read in the same run (the one with the higher digest of its properties is kept)
    from a copy read in a later run (read as news, as a file edited in place is). ``later``,
    a list the caller keeps, gets the number of each series' occurrences in the year after the
    window (``future_days``): not read by this run, worth a note (see :func:`later_note`).
    """
    import icalendar
    import recurring_ical_events

    me = tuple(me)
    seen: set[str] = set()
    text = decode(data)
    if not looks_like_icalendar(text):
        yield Reject("not an iCalendar file (no BEGIN:VCALENDAR)", where)
        return
    parsed = parse_icalendar(text, where)
    for warning in parsed.warnings:  # a warning line of the summary (see library_output)
        logging.getLogger(__name__).warning("%s", warning)
    yield from parsed.problems
    for name, place in parsed.other:
        yield Skip("not an event", f"{place} {name}")
    if not parsed.events:
        if not parsed.problems and not parsed.other:
            yield Skip("no events", where)
        return
    zones = Zones(parsed.timezones, options.default_tz)
    groups: dict[str, list[tuple[Any, str]]] = {}
    for comp, place in parsed.events:
        try:
            uid = uid_of(comp)
        except Exception as exc:  # noqa: BLE001
            yield Reject(f"broken event: {error_reason(exc)}", place)
            continue
        groups.setdefault(uid, []).append((comp, place))
    last_day = options.window_end
    for uid, members in groups.items():
        label = f"{where} event {uid}"
        if not any(comp.get("ATTENDEE") for comp, _ in members):
            # Checked before expanding: a daily series with nobody in it is one skip, not 700.
            yield Skip("no attendees", label)
            continue
        latest = latest_version(members)
        if latest is not None:  # versions of one event: the latest is the event
            for _ in range(len(members) - 1):
                yield Skip(DUPLICATE, label)
            members = [latest]
        # Only a document with the event itself (not just an override of one occurrence, as an
        # invitation update carries) says which version it is and which occurrences it has.
        masters = [comp for comp, _ in members if comp.get("RECURRENCE-ID") is None]
        version = max((version_of(comp) for comp in masters), default=(0, "", ""))
        digest = digest_of(members) if state is not None else ""
        before = state.get(uid) if state is not None and masters else None
        old: dict[str, Any] = before if isinstance(before, dict) else {}
        lost = _lost_to(before, version, digest, this_run is not None and uid in this_run)
        if lost:
            if lost[0] == DUPLICATE and digest not in (old.get("copies") or ()):
                # remembered: the next run skips it at once
                state.set(uid, {**old, "copies": _copies(old, version, digest)})
            yield Skip(lost[0], f"{label} ({lost[1]})")
            continue
        try:
            meetings = list(expand(uid, members, parsed.timezones, zones, options,
                                   icalendar, recurring_ical_events))
        except TooFrequent as exc:
            yield Skip("recurs more often than daily", f"{label} ({exc})")
            continue
        except Exception as exc:  # noqa: BLE001 - one broken event never stops the file
            yield Reject(f"broken event: {error_reason(exc)}", label)
            continue
        if later is not None:
            later.append(later_occurrences(members, parsed.timezones, options, icalendar,
                                           recurring_ical_events))
        if not meetings:
            yield Skip("outside window", label)
            continue
        for meeting in meetings:
            if meeting.start.date() > last_day:
                yield Skip("outside window", label)
                continue
            if meeting.start.date() < FIRST_DAY:  # year 0001: no meeting, a broken clock
                yield Reject(f"event date {meeting.start.date()} is out of range (dates from "
                             f"{FIRST_DAY} to {LAST_DAY})", label)
                continue
            if parsed.cancel_all:
                meeting.status = "CANCELLED"
            instance = f"{meeting.uid}|{meeting.instance}"
            if instance in seen:
                yield Skip(DUPLICATE, label)
                continue
            seen.add(instance)
            yield from meeting_records(meeting, me=me, where=where,
                                       max_attendees=options.max_attendees,
                                       skip_declined=options.skip_declined)
        produced = {meeting.instance for meeting in meetings}
        for instance in excluded(members, zones):
            if instance not in produced:  # an occurrence taken out of the series (EXDATE)
                yield Delete(prefix=f"ics:{uid}|{instance}|", reason=CANCELLED)
        if state is not None and masters:
            kept = {"version": list(version), "digest": digest, "file": where,
                    "copies": _copies(old, version, str(old.get("digest", "")), digest)}
            if this_run is not None and (old.get("version"), old.get("digest")) != (
                    kept["version"], digest):  # news: another copy in this run is compared
                this_run.add(uid)
            yield from _remember(state, uid, kept, before, meetings, options)


def later_note(source: str, count: int, options: CalendarOptions, days: int) -> str | None:
    """The summary's note on the occurrences of series after the window (``later`` of
    :func:`calendar_records`; ``days``: the ``future_days`` setting), or None when none."""
    if count <= 0:
        return None
    return (f"{source}: {count} occurrence{'s' if count != 1 else ''} of recurring events after "
            f"{options.window_end} {'is' if count == 1 else 'are'} not stored yet: a calendar "
            f"source reads {days} days ahead (future_days); import the calendar "
            "again later, or sync it (CalDAV/Google/Outlook) to keep up")


MAX_COPIES = 50
"""Digests of other copies of an event's version remembered (see :func:`_copies`)."""


def _lost_to(before: Any, version: tuple[int, str, str], digest: str,
             fresh: bool) -> tuple[str, str] | None:
    """Why a copy of an event is skipped, given what :func:`_remember` kept of the copy read
    before (``None``: it is the event, or as new). Of two copies with the same ``SEQUENCE``,
    the later ``LAST-MODIFIED`` (else ``DTSTAMP``) is the event. Of two with the same version
    but other contents, one read before (and not kept) is skipped, and of two read in the same
    run (``fresh``) the one with the higher digest is kept, so that the files' order never
    decides; a copy first read in a later run is news (a file edited in place). A copy is read
    whenever either has no ``LAST-MODIFIED`` or ``DTSTAMP`` (nothing tells the two apart: the
    last one read is the event, as without ``state``)."""
    if not isinstance(before, dict):
        return None
    sequence, old_sequence = version[0], int(before.get("sequence", 0))
    if sequence != old_sequence:
        return (OLDER, f"SEQUENCE {sequence}, {old_sequence} imported") if (
            sequence < old_sequence) else None
    old = before.get("version")
    if not isinstance(old, list) or len(old) != 3:  # kept before versions were: as new
        return None
    mine, theirs = list(version[1:]), [str(v) for v in old[1:]]
    if not mine[0] or not theirs[0]:  # a copy without LAST-MODIFIED or DTSTAMP: as new
        return None
    if mine != theirs:
        which = ("modified", 0) if mine[0] != theirs[0] else ("DTSTAMP", 1)
        return (OLDER_COPY, f"{which[0]} {mine[which[1]]}, {theirs[which[1]]} imported") if (
            mine < theirs) else None
    kept = str(before.get("digest", ""))
    if digest != kept and (digest in (before.get("copies") or ()) or (fresh and digest < kept)):
        return DUPLICATE, f"the same version as the copy kept, from {before.get('file')}"
    return None


def _copies(before: Any, version: tuple[int, str, str], add: str, drop: str = "") -> list[str]:
    """The digests of the copies of ``version`` read and not kept (the last
    :data:`MAX_COPIES`), with ``add`` and without ``drop`` (the copy kept now)."""
    if not isinstance(before, dict) or before.get("version") != list(version):
        return []
    copies = [c for c in map(str, before.get("copies") or ()) if c not in (add, drop)]
    return ([*copies, add] if add != drop else copies)[-MAX_COPIES:]


def _remember(
    state: Any, uid: str, kept: dict[str, Any], before: Any, meetings: list[Meeting],
    options: CalendarOptions,
) -> Iterator[Record]:
    """Remember the event's version (``SEQUENCE``, ``LAST-MODIFIED``, ``DTSTAMP``), a digest
    of its properties, the file it came from, the other copies of that version read and the
    occurrences of its series stored now; remove what an earlier version stored for
    occurrences the series no longer has. Occurrences outside the window (with a day's margin
    for time zones) are left alone: they are not read again, not gone."""
    recurring = any(meeting.recurring for meeting in meetings)
    last_day = options.window_end
    stored = sorted({m.instance for m in meetings if m.start.date() <= last_day
                     and m.status != "CANCELLED"}) if recurring else []
    if isinstance(before, dict) and recurring:
        day = dt.timedelta(days=1)
        first = (options.window_start + day).strftime("%Y%m%d")
        last = (options.window_end - day).strftime("%Y%m%d")
        now = {m.instance for m in meetings}
        for instance in before.get("instances") or ():
            if instance not in now and first <= str(instance)[:8] <= last:
                yield Delete(prefix=f"ics:{uid}|{instance}|", reason=SHORTENED)
    state.set(uid, {"sequence": kept["version"][0], **kept, "instances": stored})
