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
  event is stored at 00:00 UTC of its date, with no duration.
- Keys: ``ics:<UID>|<instance>|<attendee e-mail>``, the instance being the RECURRENCE-ID (or
  DTSTART) in UTC as ``YYYYMMDDTHHMMSSZ``, or ``YYYYMMDD`` for an all-day event, so that the
  same occurrence from any calendar source is stored once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from crb_tui.identity import is_placeholder, normalise_email, not_a_person
from crb_tui.records import Identity, Interaction, Record, Reject, Skip
from crb_tui.text import one_line

MAX_SUMMARY = 500


# -- meetings -----------------------------------------------------------------------------


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
    """Aware; all-day events at 00:00 UTC of their date."""
    all_day: bool = False
    duration_minutes: int | None = None
    summary: str | None = None
    status: str = ""
    organizer: Attendee | None = None
    attendees: list[Attendee] = field(default_factory=list)


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


def instance_key(value: dt.date | dt.datetime) -> str:
    """``YYYYMMDD`` for a date, ``YYYYMMDDTHHMMSSZ`` (UTC) for an aware datetime."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def meeting_key(uid: str, instance: str, email: str) -> str:
    return f"ics:{uid}|{instance}|{email}"


def clean_text(value: Any, limit: int = MAX_SUMMARY) -> str | None:
    """One line of text: white space collapsed, control characters removed (crb_tui.text)."""
    return one_line(value, limit)


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


def meeting_records(
    meeting: Meeting,
    *,
    me: Iterable[str],
    where: str,
    max_attendees: int = 25,
    skip_declined: bool = True,
) -> list[Record]:
    """One ``meeting`` interaction per participant other than the user, or the skips that say
    why there is none (cancelled, no attendees, too many, declined by the user...) and why a
    participant is nobody (see :func:`not_a_participant`)."""
    mine = {e for e in (normalise_email(x) for x in me) if e}
    key = f"{where} event {meeting.uid}"
    if meeting.status == "CANCELLED":
        return [Skip("cancelled event", key)]
    if not meeting.attendees:
        return [Skip("no attendees", key)]
    if max_attendees and len(meeting.attendees) > max_attendees:
        return [Skip("too many attendees", key)]
    if skip_declined and any(
        a.email in mine and a.partstat == "DECLINED" for a in meeting.attendees
    ):
        return [Skip("declined by you", key)]
    out: list[Record] = []
    seen: set[str] = set()
    for person in _participants(meeting):
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
                kind="meeting", direction="mutual", at=meeting.start,
                with_=Identity("email", email), name=person.name, subject=meeting.summary,
                thread=f"ics:{meeting.uid}", duration_minutes=meeting.duration_minutes,
            ))
    if not any(isinstance(r, Interaction) for r in out):
        out.append(Skip("no counterpart", key))
    return out


# -- iCalendar text -----------------------------------------------------------------------


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def looks_like_icalendar(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:64].upper()
    return head.startswith(("BEGIN:VCALENDAR", "BEGIN:VEVENT", "BEGIN:VTIMEZONE",
                            "BEGIN:VTODO", "BEGIN:VJOURNAL"))


_BEGIN = re.compile(r"^BEGIN:([A-Za-z-]+)\s*$", re.IGNORECASE)
_END = re.compile(r"^END:([A-Za-z-]+)\s*$", re.IGNORECASE)
_UID = re.compile(r"^UID[;:](?:.*?:)?(.*)$", re.IGNORECASE)
_TOP = ("VEVENT", "VTODO", "VJOURNAL", "VTIMEZONE", "VFREEBUSY")


@dataclass
class _Block:
    name: str
    line: int
    lines: list[str]
    closed: bool = False

    def uid(self) -> str | None:
        for line in self.lines:
            m = _UID.match(line)
            if m and m.group(1).strip():
                return m.group(1).strip()
        return None

    def text(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"


def _blocks(text: str) -> list[_Block]:
    """Top-level components with their first line, alarms dropped (CRB never needs them and
    broken VALARMs are common), whether or not the file parses as a whole."""
    blocks: list[_Block] = []
    current: _Block | None = None
    depth = 0
    in_alarm = 0
    for number, line in enumerate(text.splitlines(), 1):
        begin = _BEGIN.match(line)
        end = _END.match(line)
        if in_alarm:
            if begin and begin.group(1).upper() == "VALARM":
                in_alarm += 1
            elif end and end.group(1).upper() == "VALARM":
                in_alarm -= 1
            continue
        if current is not None and begin and begin.group(1).upper() == "VALARM":
            in_alarm = 1
            continue
        if begin and current is None and begin.group(1).upper() in _TOP:
            current, depth = _Block(begin.group(1).upper(), number, [line]), 1
            continue
        if current is None:
            continue
        if begin and begin.group(1).upper() in (*_TOP, "VCALENDAR") and depth == 1:
            # A new component starts before this one ended: it was never closed.
            blocks.append(current)
            current, depth = (
                (_Block(begin.group(1).upper(), number, [line]), 1)
                if begin.group(1).upper() in _TOP else (None, 0)
            )
            continue
        current.lines.append(line)
        if begin:
            depth += 1
        elif end:
            depth -= 1
            if depth == 0:
                current.closed = end.group(1).upper() == current.name
                blocks.append(current)
                current = None
    if current is not None:
        blocks.append(current)
    return blocks


class _Parsed:
    def __init__(self) -> None:
        self.events: list[tuple[Any, str]] = []
        """(VEVENT component, where) pairs."""
        self.timezones: list[Any] = []
        self.problems: list[Record] = []
        self.other: list[tuple[str, str]] = []
        """(component name, where) of components that are not events."""
        self.cancel_all = False


def _parse(text: str, where: str) -> _Parsed:
    import icalendar

    out = _Parsed()
    if "BEGIN:VCALENDAR" not in text.upper():
        text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{text.strip()}\r\nEND:VCALENDAR\r\n"
    try:
        cals = icalendar.Calendar.from_ical(text, multiple=True)
        if not cals:
            raise ValueError("no calendar in the file")
        for cal in cals:
            if str(cal.get("METHOD", "")).strip().upper() == "CANCEL":
                out.cancel_all = True
            for comp in cal.subcomponents:
                name = comp.name.upper()
                if name == "VEVENT":
                    out.events.append((comp, where))
                elif name == "VTIMEZONE":
                    out.timezones.append(comp)
                elif name != "VALARM":
                    out.other.append((name, where))
        return out
    except Exception:  # noqa: BLE001 - then read it component by component
        out = _Parsed()
    blocks = _blocks(text)
    for block in blocks:
        if block.name != "VTIMEZONE":
            continue
        try:
            if not block.closed:
                raise ValueError("no END:VTIMEZONE")
            out.timezones.append(icalendar.Timezone.from_ical(block.text()))
        except Exception as exc:  # noqa: BLE001
            # A cut file can end inside the TZID line itself: "TZID" with no value.
            tzid = next((ln.partition(":")[2].strip() or "?" for ln in block.lines
                         if ln.upper().startswith("TZID")), "?")
            out.problems.append(Reject(
                f"broken VTIMEZONE {tzid!r}: {_reason(exc)}; its events use the zone's name",
                f"{where}:{block.line}",
            ))
    tz_text = "".join(tz.to_ical().decode("utf-8", "replace") for tz in out.timezones)
    for block in blocks:
        if block.name == "VTIMEZONE":
            continue
        place = f"{where}:{block.line}"
        if block.name != "VEVENT":
            out.other.append((block.name, place))
            continue
        uid = block.uid()
        label = f"{where} event {uid}" if uid else place
        if not block.closed:
            out.problems.append(Reject(f"event not closed (no END:VEVENT), line {block.line}",
                                       label))
            continue
        try:
            cal = icalendar.Calendar.from_ical(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + tz_text + block.text() + "END:VCALENDAR\r\n"
            )
            found = [c for c in cal.subcomponents if c.name.upper() == "VEVENT"]
            if not found:
                raise ValueError("no event in it")
            out.events.extend((c, place) for c in found)
        except Exception as exc:  # noqa: BLE001
            out.problems.append(Reject(f"broken event, line {block.line}: {_reason(exc)}",
                                       label))
    return out


def _reason(exc: BaseException) -> str:
    text = clean_text(str(exc), 200) or ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- times --------------------------------------------------------------------------------


class _Zones:
    """Resolves a TZID the parser left unresolved (a naive time that names a zone)."""

    def __init__(self, timezones: Iterable[Any], default: dt.tzinfo):
        self.default = default
        self.known: dict[str, dt.tzinfo] = {}
        for tz in timezones:
            try:
                tzid = str(tz.get("TZID", "")).strip()
                if tzid and tzid not in self.known:
                    self.known[tzid] = tz.to_tz()
            except Exception:  # noqa: BLE001 - a VTIMEZONE that cannot be built is ignored
                continue

    def get(self, tzid: str | None) -> dt.tzinfo:
        if not tzid:
            return self.default
        name = str(tzid).strip().strip('"').strip()
        if name in self.known:
            return self.known[name]
        try:
            from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
        except ImportError:  # pragma: no cover - older icalendar
            WINDOWS_TO_OLSON = {}  # noqa: N806
        for candidate in (WINDOWS_TO_OLSON.get(name), name, name.strip("/"),
                          name.replace("_", "/")):
            if not candidate:
                continue
            try:
                tz = zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
                continue
            self.known[name] = tz
            return tz
        self.known[name] = self.default
        return self.default


def _value(comp: Any, name: str) -> tuple[Any, str | None]:
    prop = comp.get(name)
    if prop is None:
        return None, None
    if isinstance(prop, list):
        prop = prop[0] if prop else None
        if prop is None:
            return None, None
    params = getattr(prop, "params", {}) or {}
    return getattr(prop, "dt", prop), params.get("TZID")


def _aware(value: Any, tzid: str | None, zones: _Zones) -> tuple[dt.datetime, bool]:
    """(aware UTC datetime, all_day)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zones.get(tzid))
        return value.astimezone(dt.UTC), False
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC), True
    raise ValueError(f"not a date or time: {value!r}")


def _people(comp: Any) -> tuple[Attendee | None, list[Attendee]]:
    def one(prop: Any) -> Attendee:
        raw = str(prop)
        params = getattr(prop, "params", {}) or {}
        return Attendee(
            # Addresses hold no spaces: some writers fold lines with two (one is left behind).
            email=normalise_email("".join(raw.split())),
            raw=raw,
            name=person_name(str(params.get("CN", ""))),
            partstat=str(params.get("PARTSTAT", "")).upper(),
            role=str(params.get("ROLE", "")).upper(),
            cutype=str(params.get("CUTYPE", "")).upper(),
        )

    organizer = comp.get("ORGANIZER")
    if isinstance(organizer, list):
        organizer = organizer[0] if organizer else None
    attendees = comp.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    return (one(organizer) if organizer is not None else None), [one(a) for a in attendees]


def _meeting(comp: Any, uid: str, zones: _Zones, tzid_fallback: str | None) -> Meeting:
    start_value, tzid = _value(comp, "DTSTART")
    if start_value is None:
        raise ValueError("no DTSTART")
    start, all_day = _aware(start_value, tzid or tzid_fallback, zones)
    rid_value, rid_tzid = _value(comp, "RECURRENCE-ID")
    if rid_value is not None:
        rid, rid_all_day = _aware(rid_value, rid_tzid or tzid or tzid_fallback, zones)
        instance = instance_key(rid.date() if rid_all_day else rid)
    else:
        instance = instance_key(start.date() if all_day else start)
    duration = None
    if not all_day:
        try:
            end_value, end_tzid = _value(comp, "DTEND")
            if end_value is not None:
                end, _ = _aware(end_value, end_tzid or tzid or tzid_fallback, zones)
                delta = end - start
            else:
                delta = _value(comp, "DURATION")[0]
            if isinstance(delta, dt.timedelta) and dt.timedelta(0) < delta <= dt.timedelta(days=7):
                duration = int(delta.total_seconds() // 60)
        except Exception:  # noqa: BLE001 - a broken end never loses the meeting
            duration = None
    organizer, attendees = _people(comp)
    return Meeting(
        uid=uid,
        instance=instance,
        start=start,
        all_day=all_day,
        duration_minutes=duration,
        summary=clean_text(comp.get("SUMMARY")),
        status=str(comp.get("STATUS", "")).strip().upper(),
        organizer=organizer,
        attendees=attendees,
    )


TOO_FREQUENT = frozenset({"SECONDLY", "MINUTELY", "HOURLY"})


class _TooFrequent(Exception):
    pass


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _uid(comp: Any) -> str:
    uid = clean_text(comp.get("UID"), 1000)
    if uid:
        return uid
    # No UID (RFC 5545 requires one): a stable stand-in from what the event says.
    basis = "\0".join(str(comp.get(k, "")) for k in ("DTSTART", "SUMMARY", "ORGANIZER"))
    return "no-uid-" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()[:24]


# -- the whole file -----------------------------------------------------------------------


def calendar_records(
    data: bytes | str,
    *,
    where: str,
    me: Iterable[str],
    options: CalendarOptions,
) -> Iterator[Record]:
    """Every record of one iCalendar document (a file, a URL's body, a CalDAV object).

    The same occurrence twice in one document is counted as a ``duplicate event`` skip; across
    documents the store's upsert keeps one (the last one read wins).
    """
    import icalendar
    import recurring_ical_events

    me = tuple(me)
    seen: set[str] = set()
    text = decode(data)
    if not looks_like_icalendar(text):
        yield Reject("not an iCalendar file (no BEGIN:VCALENDAR)", where)
        return
    parsed = _parse(text, where)
    yield from parsed.problems
    for name, place in parsed.other:
        yield Skip("not an event", f"{place} {name}")
    if not parsed.events:
        if not parsed.problems and not parsed.other:
            yield Skip("no events", where)
        return
    zones = _Zones(parsed.timezones, options.default_tz)
    groups: dict[str, list[tuple[Any, str]]] = {}
    for comp, place in parsed.events:
        try:
            uid = _uid(comp)
        except Exception as exc:  # noqa: BLE001
            yield Reject(f"broken event: {_reason(exc)}", place)
            continue
        groups.setdefault(uid, []).append((comp, place))
    last_day = options.window_end
    for uid, members in groups.items():
        label = f"{where} event {uid}"
        if not any(comp.get("ATTENDEE") for comp, _ in members):
            # Checked before expanding: a daily series with nobody in it is one skip, not 700.
            yield Skip("no attendees", label)
            continue
        try:
            meetings = list(_expand(uid, members, parsed.timezones, zones, options,
                                    icalendar, recurring_ical_events))
        except _TooFrequent as exc:
            yield Skip("recurs more often than daily", f"{label} ({exc})")
            continue
        except Exception as exc:  # noqa: BLE001 - one broken event never stops the file
            yield Reject(f"broken event: {_reason(exc)}", label)
            continue
        if not meetings:
            yield Skip("outside window", label)
            continue
        for meeting in meetings:
            if meeting.start.date() > last_day:
                yield Skip("outside window", label)
                continue
            if parsed.cancel_all:
                meeting.status = "CANCELLED"
            instance = f"{meeting.uid}|{meeting.instance}"
            if instance in seen:
                yield Skip("duplicate event", label)
                continue
            seen.add(instance)
            yield from meeting_records(meeting, me=me, where=where,
                                       max_attendees=options.max_attendees,
                                       skip_declined=options.skip_declined)


def _expand(
    uid: str,
    members: list[tuple[Any, str]],
    timezones: list[Any],
    zones: _Zones,
    options: CalendarOptions,
    icalendar: Any,
    recurring_ical_events: Any,
) -> Iterator[Meeting]:
    masters = [c for c, _ in members if c.get("RECURRENCE-ID") is None]
    recurring = any(c.get("RRULE") is not None or c.get("RDATE") is not None for c in masters)
    master_tzid = _value(masters[0], "DTSTART")[1] if masters else None
    if not recurring:
        for comp, _ in members:
            yield _meeting(comp, uid, zones, master_tzid)
        return
    for comp in masters:
        for rule in comp.get("RRULE") and _as_list(comp.get("RRULE")) or ():
            freq = str((rule.get("FREQ") or [""])[0]).upper()
            per_day = 1
            for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
                per_day *= max(1, len(rule.get(part) or ()))
            if freq in TOO_FREQUENT or per_day > 24:
                # Expanding an every-second rule from its start would take hours.
                raise _TooFrequent(freq if freq in TOO_FREQUENT else f"{per_day} a day")
    mini = icalendar.Calendar()
    mini.add("VERSION", "2.0")
    for tz in timezones:
        mini.add_component(tz)
    for comp, _ in members:
        mini.add_component(comp)
    query = recurring_ical_events.of(mini, components=["VEVENT"])
    end = options.window_end + dt.timedelta(days=1)
    for occurrence in query.between(options.window_start, end):
        yield _meeting(occurrence, uid, zones, master_tzid)
