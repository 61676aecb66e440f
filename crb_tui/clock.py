"""The one clock: what "now" and "today" are for the user, in their time zone from config (or
the system's). Every "now" and "today" in CRB comes from here.

``CRB_TODAY=YYYY-MM-DD`` pins the date (for demos, tests and snapshots): "now" is then 09:00 of
that day in the user's time zone, and every stamp CRB writes (a logged call, a kept promise,
a row's ``created``) is taken at that moment, so nothing written is ever "in the future" of
the pinned day; so are OAuth tokens' expiry times (written and checked on this clock). Only
what must follow the real world (a server's ``Retry-After``) reads the wall clock, through
:func:`wall_time`; a file's time (the machine's clock) is read through :func:`file_time`, which
never gives a moment after now. Nothing else in CRB reads the wall clock (tests/test_lines.py
holds this); timers (``time.monotonic``) are not clocks.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import zoneinfo
from collections.abc import Callable
from typing import Any

from crb_tui.errors import CrbError

_configured_tz = ""
"""The ``[me] timezone`` of the config in use (set once the config is read)."""


def configure(tz_name: str) -> None:
    """Use the time zone ``tz_name`` (``[me] timezone``; empty: the system's) for every "now"
    that is not given one explicitly."""
    global _configured_tz
    user_tz(tz_name)  # refuse an unknown zone now, not at the first stamp
    _configured_tz = tz_name


def user_tz(name: str | None = None) -> dt.tzinfo:
    if name is None:
        name = _configured_tz
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CrbError(f"unknown time zone {name!r} in [me] timezone") from exc
    tz = dt.datetime.now().astimezone().tzinfo
    return tz or dt.UTC


def now(tz_name: str | None = None) -> dt.datetime:
    """Now, in the user's time zone, to the second (09:00 of the pinned day under ``CRB_TODAY``)."""
    tz = user_tz(tz_name)
    pinned = os.environ.get("CRB_TODAY")
    if pinned:
        found = _PINNED.get((pinned, tz))
        if found is None:
            # (relative pins such as "+3d" count from the real date: not remembered)
            day = parse_date(pinned, what="CRB_TODAY", base=dt.datetime.now(tz).date())
            found = dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
            if _ISO_DAY.fullmatch(pinned) and len(_PINNED) < 64:
                _PINNED[(pinned, tz)] = found
        return found
    return dt.datetime.now(tz).replace(microsecond=0)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PINNED: dict[tuple[str, dt.tzinfo], dt.datetime] = {}
"""``CRB_TODAY`` values already read (an import asks for now once a message)."""


def wall_time() -> float:
    """Seconds since the epoch by the machine's real clock, never pinned by ``CRB_TODAY``: only
    for what must follow the real world (a server's ``Retry-After`` date)."""
    return time.time()


def today(tz_name: str | None = None) -> dt.date:
    """Today for the user (:func:`now`'s date; the pinned day under ``CRB_TODAY``)."""
    return now(tz_name).date()


def now_utc() -> dt.datetime:
    """Now in UTC, to the second: what stored stamps are made of."""
    return now().astimezone(dt.UTC)


def happened_before(day: dt.date | None = None) -> dt.datetime:
    """What has happened is what started strictly before this moment (UTC): on the clock's own
    today (``day`` None or today) the next second after now, so that a meeting later today or
    next month is not a touch yet; for any other day, the end of that day (UTC), as if it had
    come."""
    if day is None or day == today():
        return now_utc() + dt.timedelta(seconds=1)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``day`` and of the day after, in the user's time zone, in UTC: the
    stamps of what happens on that day as the user lives it."""
    tz = user_tz()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def local_time(stamp: str) -> dt.datetime:
    """A stored stamp (ISO 8601 with its offset) in the user's time zone."""
    return dt.datetime.fromisoformat(stamp).astimezone(user_tz())


DATE_STAMPS = ("T00:00:00+00:00", "T12:00:00+00:00")
"""How a date with no time of day is stored as a stamp (an all-day event, a LinkedIn connection's
day, a vCard's date): at noon UTC of that date (midnight UTC before 2026-12)."""


def local_date(value: str, tz: dt.tzinfo | None = None) -> dt.date:
    """The user's date of a stored value: a stamp (ISO 8601 with its offset) on the day it was
    in ``[me] timezone`` (or ``tz``; a call at 02:30 UTC was the evening before in New York); a
    bare date (a due date) or a date stored as a stamp (:data:`DATE_STAMPS`) as it is, wherever
    the user is. ``ValueError`` for what is neither."""
    text = str(value)
    if len(text) <= 10 or text.endswith(DATE_STAMPS):
        return dt.date.fromisoformat(text[:10])
    at = dt.datetime.fromisoformat(text)
    return at.date() if at.tzinfo is None else at.astimezone(tz or user_tz()).date()


def local_day(value: str) -> str:
    """:func:`local_date` as ``YYYY-MM-DD`` for showing (what is not a date: its first ten
    characters, as stored)."""
    try:
        return local_date(value).isoformat()
    except ValueError:
        return str(value)[:10]


_DATE_TAILS = frozenset(DATE_STAMPS)


def local_dates(tz: dt.tzinfo, convert: Callable[[dt.date], Any]) -> Callable[[Any], Any]:
    """A function giving ``convert`` of :func:`local_date` in ``tz`` (None for None or what is
    not a date), for many stamps (the health model's SQL): a UTC stamp (as CRB stores them) on
    a UTC day with no change of offset in ``tz`` takes that day's answers, kept: the local date
    before and from the moment it changes (2x faster than reading each stamp)."""
    days: dict[str, tuple[str, Any, Any] | None] = {}

    def slow(text: str) -> Any:
        try:
            return convert(local_date(text, tz))
        except ValueError:
            return None

    def day_answers(day: str) -> tuple[str, Any, Any] | None:
        try:
            start = dt.datetime.fromisoformat(f"{day}T00:00:00+00:00").astimezone(tz)
            end = dt.datetime.fromisoformat(f"{day}T23:59:59+00:00").astimezone(tz)
        except ValueError:
            return None
        if start.utcoffset() != end.utcoffset():
            return None
        if start.date() == end.date():
            return "99", convert(start.date()), None
        flip = dt.datetime.combine(end.date(), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
        return flip.strftime("%H:%M:%S"), convert(start.date()), convert(end.date())

    def local(value: Any) -> Any:
        if value is None:
            return None
        text = str(value)
        if len(text) != 25 or text[19:] != "+00:00" or text[10:] in _DATE_TAILS:
            return slow(text)
        day = text[:10]
        try:
            answers = days[day]
        except KeyError:
            answers = days[day] = day_answers(day)
        if answers is None:
            return slow(text)
        return answers[2] if text[11:19] >= answers[0] else answers[1]

    return local


def file_time(path: str | os.PathLike[str]) -> dt.datetime:
    """When a file was last written (UTC, to the second), as the file system says, but never
    later than :func:`now_utc`: the file system keeps the machine's real clock, so a file
    written today is in the future of a pinned ``CRB_TODAY``, and a file can carry a skewed time.
    The epoch when the time cannot be read."""
    try:
        at = dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.UTC).replace(microsecond=0)
    except (OSError, ValueError, OverflowError):
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return min(at, now_utc())


_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2200, 12, 31)
"""Dates a user gives (``--due``, ``--at``, ``--date``, a snooze, ``CRB_TODAY``) lie between
these: anything else is a typo, and dates near the calendar's ends overflow date arithmetic."""

_HOW = "use YYYY-MM-DD, today, tomorrow, +3d/+2w/+1m, a weekday, next week or next month"


def _in_range(day: dt.date, text: str, what: str) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CrbError(
            f"{what}: {text!r} is out of range (dates from {FIRST_DAY} to {LAST_DAY})"
        )
    return day


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPANS = {"d": 1, "day": 1, "days": 1, "w": 7, "week": 7, "weeks": 7, "m": 30, "month": 30,
          "months": 30}
_OFFSET = re.compile(r"(?:in\s+)?([+-]?)(\d+)\s*([a-z]+)")


def _weekday(word: str) -> int | None:
    """0-6 for a weekday name or its first three letters or more (``fri``, ``thurs``)."""
    if len(word) < 3:
        return None
    for number, name in enumerate(_WEEKDAYS):
        if name.startswith(word):
            return number
    return None


def _named_day(raw: str, base: dt.date) -> dt.date | None:
    """``friday`` (the coming one, today if today is Friday), ``next friday`` (a week after
    that), ``next week`` (Monday of next week), ``next month`` (the 1st of next month)."""
    words = raw.split()
    if words == ["next", "week"]:
        return base + dt.timedelta(days=7 - base.weekday())
    if words == ["next", "month"]:
        return (base.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    later = 0
    if len(words) == 2 and words[0] in ("next", "this"):
        later = 7 if words[0] == "next" else 0
        words = words[1:]
    if len(words) != 1:
        return None
    day = _weekday(words[0])
    if day is None:
        return None
    return base + dt.timedelta(days=(day - base.weekday()) % 7 + later)


def parse_date(
    text: str, *, what: str = "date", base: dt.date | None = None, how: str = _HOW
) -> dt.date:
    """A date as the user types it: ``2026-03-01``, ``today``, ``tomorrow``, ``+3d``, ``-1m``,
    ``3d``/``2w``/``in 2 weeks``, ``friday``, ``next friday``, ``next week``, ``next month``;
    between :data:`FIRST_DAY` and :data:`LAST_DAY`."""
    raw = " ".join(str(text).strip().lower().split())
    base = base or today()
    if raw in _RELATIVE:
        return _in_range(base + dt.timedelta(days=_RELATIVE[raw]), text, what)
    offset = _OFFSET.fullmatch(raw)
    if offset and offset.group(3) in _SPANS:
        digits = offset.group(2)
        days = int(digits) * _SPANS[offset.group(3)] if len(digits) <= 9 else None
        if days is None or days > (LAST_DAY - FIRST_DAY).days:
            raise CrbError(f"{what}: {text!r} is too far off (dates from {FIRST_DAY} to "
                           f"{LAST_DAY})")
        days = -days if offset.group(1) == "-" else days
        return _in_range(base + dt.timedelta(days=days), text, what)
    named = _named_day(raw, base)
    if named is not None:
        return _in_range(named, text, what)
    try:
        return _in_range(dt.date.fromisoformat(raw), text, what)
    except ValueError:
        pass
    try:
        return _in_range(dt.datetime.fromisoformat(raw).date(), text, what)
    except ValueError:
        raise CrbError(f"{what}: {text!r} is not a date ({how})") from None


def parse_datetime(text: str, tz: dt.tzinfo, *, what: str = "date") -> dt.datetime:
    """When something happened, as the user types it: ``2026-03-01T14:30``, ``2026-03-01
    14:30``, any date :func:`parse_date` reads (at noon) or one with a time (``yesterday
    14:00``, ``friday 9:30``, ``14:30`` for today); a weekday is the last one (today's if it is
    that day; ``last friday`` the one before today). Between :data:`FIRST_DAY` and
    :data:`LAST_DAY`."""
    raw = str(text).strip()
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        base = now(tz_name=None).astimezone(tz).date()
        at = dt.time(12, 0)
        timed = _WITH_TIME.fullmatch(raw.lower())
        if timed and int(timed.group(2)) < 24 and int(timed.group(3)) < 60:
            raw = timed.group(1).strip() or "today"
            at = dt.time(int(timed.group(2)), int(timed.group(3)))
        day = _last_weekday(raw, base) or parse_date(raw, what=what, base=base, how=_HOW_PAST)
        return dt.datetime.combine(day, at, tzinfo=tz)
    _in_range(value.date(), text, what)
    return value if value.tzinfo else value.replace(tzinfo=tz)


_WITH_TIME = re.compile(r"(.*?)\s*(?:\bat\s+)?(\d{1,2}):(\d{2})")
_HOW_PAST = ("use YYYY-MM-DD, YYYY-MM-DD HH:MM, today, yesterday, -3d/-2w, a weekday (the last "
             "one), each with a time if you like: yesterday 14:00")


def _last_weekday(raw: str, base: dt.date) -> dt.date | None:
    """``friday``: the last Friday (today if today is one); ``last friday``: the one before
    today."""
    words = " ".join(raw.lower().split()).split()
    before = len(words) == 2 and words[0] == "last"
    if before:
        words = words[1:]
    day = _weekday(words[0]) if len(words) == 1 else None
    if day is None:
        return None
    back = (base.weekday() - day) % 7
    return base - dt.timedelta(days=7 if before and back == 0 else back)
