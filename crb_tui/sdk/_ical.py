"""iCalendar text -> :class:`~crb_tui.sdk.calendars.Meeting` occurrences: decoding a document,
reading it whole or, when it is broken, component by component (each broken event a reject with
its UID and line), resolving time zones (VTIMEZONE, IANA and Windows names, the configured zone
for floating times), reading one event's times and people, and expanding a recurring event
inside the window.

Part of :mod:`crb_tui.sdk.calendars`, which plugins import it from."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crb_tui.identity import normalise_email
from crb_tui.records import Record, Reject
from crb_tui.sdk._meetings import (
    Attendee,
    CalendarOptions,
    Meeting,
    clean_text,
    instance_key,
    person_name,
)


def decode(data: bytes | str) -> str:
    """iCalendar bytes as text: UTF-8 (a BOM dropped), else Windows-1252; text as it is."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def looks_like_icalendar(text: str) -> bool:
    """Whether ``text`` starts as iCalendar does (``BEGIN:VCALENDAR``, ``BEGIN:VEVENT``...)."""
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
        self.warnings: list[str] = []
        """What was read around (a broken VTIMEZONE whose events use the zone's name): the
        summary's warning lines, never rejected records (nothing was left out)."""
        self.other: list[tuple[str, str]] = []
        """(component name, where) of components that are not events."""
        self.cancel_all = False


def parse_icalendar(text: str, where: str) -> _Parsed:
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
                name = (comp.name or "").upper()  # a parsed component always has its name
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
            reason = f"broken VTIMEZONE {tzid!r}: {error_reason(exc)}"
            if block.closed:  # read round: a warning, the events are all there
                out.warnings.append(f"{where}:{block.line}: {reason}; its events use the "
                                    "zone's name")
            else:  # a cut file: what came after the cut is lost
                out.problems.append(Reject(reason, f"{where}:{block.line}"))
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
            found = [c for c in cal.subcomponents if (c.name or "").upper() == "VEVENT"]
            if not found:
                raise ValueError("no event in it")
            out.events.extend((c, place) for c in found)
        except Exception as exc:  # noqa: BLE001
            out.problems.append(Reject(f"broken event, line {block.line}: {error_reason(exc)}",
                                       label))
    return out


_BROKEN = re.compile(r"broken property '([\w-]+)' \(expected '(\w+)'\).*Got: '(.*)'", re.DOTALL)


def error_reason(exc: BaseException) -> str:
    """What was wrong, in the words of the file (never the parser's class names): a property
    the parser could not read is ``DTSTART 2026-13-45T99 is not a date``."""
    text = str(exc)
    broken = _BROKEN.search(text)
    if broken:
        name, expected, value = broken.groups()
        what = "a date" if expected.startswith(("vDDD", "vDate", "vPeriod")) else "valid"
        return f"{name} {clean_text(value, 40)} is not {what}"
    return clean_text(text, 200) or "it cannot be read"


# -- times --------------------------------------------------------------------------------


class Zones:
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


def _aware(value: Any, tzid: str | None, zones: Zones) -> tuple[dt.datetime, bool]:
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


def _meeting(comp: Any, uid: str, zones: Zones, tzid_fallback: str | None) -> Meeting:
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


class TooFrequent(Exception):
    pass


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def uid_of(comp: Any) -> str:
    uid = clean_text(comp.get("UID"), 1000)
    if uid:
        return uid
    # No UID (RFC 5545 requires one): a stable stand-in from what the event says.
    basis = "\0".join(str(comp.get(k, "")) for k in ("DTSTART", "SUMMARY", "ORGANIZER"))
    return "no-uid-" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()[:24]


def expand(
    uid: str,
    members: list[tuple[Any, str]],
    timezones: list[Any],
    zones: Zones,
    options: CalendarOptions,
    icalendar: Any,
    recurring_ical_events: Any,
) -> Iterator[Meeting]:
    masters = [c for c, _ in members if c.get("RECURRENCE-ID") is None]
    recurring = any(c.get("RRULE") is not None or c.get("RDATE") is not None for c in masters)
    master_tzid = _value(masters[0], "DTSTART")[1] if masters else None
    if not recurring:
        for comp, _ in members:
            meeting = _meeting(comp, uid, zones, master_tzid)
            # An override whose series is not in this document is still one occurrence.
            meeting.recurring = comp.get("RECURRENCE-ID") is not None
            yield meeting
        return
    for comp in masters:
        for rule in comp.get("RRULE") and _as_list(comp.get("RRULE")) or ():
            freq = str((rule.get("FREQ") or [""])[0]).upper()
            per_day = 1
            for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
                per_day *= max(1, len(rule.get(part) or ()))
            if freq in TOO_FREQUENT or per_day > 24:
                # Expanding an every-second rule from its start would take hours.
                raise TooFrequent(freq if freq in TOO_FREQUENT else f"{per_day} a day")
    query = _series(members, timezones, icalendar, recurring_ical_events)
    end = options.window_end + dt.timedelta(days=1)
    for occurrence in query.between(options.window_start, end):
        meeting = _meeting(occurrence, uid, zones, master_tzid)
        meeting.recurring = True
        yield meeting


def _series(members: list[tuple[Any, str]], timezones: list[Any], icalendar: Any,
            recurring_ical_events: Any) -> Any:
    """A recurring-ical-events query over one event's components (and the zones they use)."""
    mini = icalendar.Calendar()
    mini.add("VERSION", "2.0")
    for tz in timezones:
        mini.add_component(tz)
    for comp, _ in members:
        mini.add_component(comp)
    return recurring_ical_events.of(mini, components=["VEVENT"])


LATER_DAYS = 366
"""How far after the window :func:`later_occurrences` counts (a series may never end)."""


def later_occurrences(members: list[tuple[Any, str]], timezones: list[Any],
                      options: CalendarOptions, icalendar: Any,
                      recurring_ical_events: Any) -> int:
    """How many occurrences of a recurring event fall in the year after the window's end (not
    read yet: a later run reads them); 0 for a single event."""
    if not any(c.get("RECURRENCE-ID") is None
               and (c.get("RRULE") is not None or c.get("RDATE") is not None)
               for c, _ in members):
        return 0
    query = _series(members, timezones, icalendar, recurring_ical_events)
    start = options.window_end + dt.timedelta(days=1)
    return sum(1 for occurrence in query.between(start, start + dt.timedelta(days=LATER_DAYS))
               if str(occurrence.get("STATUS", "")).upper() != "CANCELLED")


def latest_version(members: list[tuple[Any, str]]) -> tuple[Any, str] | None:
    """The one version that counts of a single event written more than once in a document
    (an invitation and its update): the latest by :func:`version_of`, else the last one; None
    when ``members`` is not several versions of a single event."""
    if len(members) < 2 or any(c.get("RECURRENCE-ID") is not None or c.get("RRULE") is not None
                               or c.get("RDATE") is not None for c, _ in members):
        return None
    return max(enumerate(members), key=lambda m: (version_of(m[1][0]), m[0]))[1]


def sequence_of(comp: Any) -> int:
    """An event's ``SEQUENCE`` (its revision: 0 when it has none or it is not a number)."""
    try:
        return int(str(comp.get("SEQUENCE", 0)))
    except ValueError:
        return 0


def _stamp(comp: Any, name: str) -> str:
    """A UTC date-time property (``LAST-MODIFIED``, ``DTSTAMP``) as ``YYYYMMDDTHHMMSSZ``, which
    sorts as time does; "" when it is missing or unreadable (a time without a zone is UTC)."""
    value = getattr(comp.get(name), "dt", None)
    if not isinstance(value, dt.datetime):
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y%m%dT%H%M%SZ")


def version_of(comp: Any) -> tuple[int, str, str]:
    """Which of two copies of one event is the later: the higher ``SEQUENCE``, then the later
    ``LAST-MODIFIED`` (``DTSTAMP`` when it has none), then the later ``DTSTAMP``."""
    dtstamp = _stamp(comp, "DTSTAMP")
    return sequence_of(comp), _stamp(comp, "LAST-MODIFIED") or dtstamp, dtstamp


def digest_of(members: Iterable[tuple[Any, str]]) -> str:
    """A short fingerprint of an event's properties (with their parameters): two copies with
    the same version but other contents are told apart by it, the same way in every run.
    Made of the values' ``repr`` (a tenth of the time ``to_ical`` takes on a large calendar),
    or their text for a value whose ``repr`` is not the same from one run to the next."""
    sha = hashlib.sha256()
    for comp, _ in members:
        for name, value in comp.items():
            for one in value if isinstance(value, list) else [value]:
                text = f"{name};{getattr(one, 'params', None)!r}:{one!r}"
                if " at 0x" in text:
                    text = f"{name}:{one.to_ical()!r}"
                sha.update(text.encode("utf-8", "replace") + b"\n")
    return sha.hexdigest()[:16]


def excluded(members: list[tuple[Any, str]], zones: Zones) -> list[str]:
    """The instance keys a series' ``EXDATE`` takes out (a cancelled occurrence), so that what
    an earlier import stored for them is removed; an unreadable EXDATE is left alone."""
    out: list[str] = []
    for comp, _ in members:
        if comp.get("RECURRENCE-ID") is not None or comp.get("RRULE") is None:
            continue
        for prop in _as_list(comp.get("EXDATE") or []):
            tzid = (getattr(prop, "params", {}) or {}).get("TZID")
            for value in getattr(prop, "dts", ()):
                try:
                    moment, all_day = _aware(value.dt, tzid, zones)
                except (ValueError, TypeError, AttributeError):
                    continue
                out.append(instance_key(moment.date() if all_day else moment))
    return out
