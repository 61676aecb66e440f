"""A message's date, from the headers real mail carries: RFC 5322 dates and the broken ones
(comments, named zones such as ``MET``, junk around the date, ISO 8601), the mbox ``From_``
line's date and the ``Received`` chain, each as an aware UTC datetime or None.

Part of :mod:`crb_tui.sdk.mail`, which plugins import it from."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_tz

from crb_tui.sdk._mail_headers import COMMENT, MailHeaders

_NUMERIC_ZONE = re.compile(r"(?<![\d:])[+-]\d{4}\b")

# Zone abbreviations seen in old mail (RFC 822 named only the US ones; `MET` is everywhere in
# 1990s European mail). Minutes east of UTC.
ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 60, "WEST": 60,
    "CET": 60, "MET": 60, "MEZ": 60, "CEST": 120, "MEST": 120, "MESZ": 120, "METDST": 120,
    "EET": 120, "EEST": 180, "MSK": 180, "IST": 330, "SGT": 480, "HKT": 480, "AWST": 480,
    "JST": 540, "KST": 540, "ACST": 570, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
}
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_LOOSE_DATE = re.compile(
    r"(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*([+-]\d{4}|[A-Za-z]{1,5})\b)?"
)
_ASCTIME = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+([A-Za-z]{3})[a-z]*\s+(\d{1,2})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([A-Za-z]{1,5}|[+-]\d{4})\s+)?(\d{4})"
    r"(?:\s+([+-]\d{4}))?",
    re.IGNORECASE,
)
_RFC5322_DATE = re.compile(
    r"\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]\d{3}) "
    r"(\d\d):(\d\d)(?::(\d\d))? ([+-]\d{4})\s*$"
)
"""``Mon, 20 Nov 2023 01:53:20 +0000``: a date :func:`parse_date` reads without the general
parser (which gives the same for it)."""
_FROM_LINE_DATE = re.compile(
    r"From \S+ (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]?\d) (\d\d):(\d\d):(\d\d) "
    r"(?:([+-]\d{4}) )?(\d{4})"
)
"""``From x Wed Dec  1 08:26:40 2010``, Takeout's ``From 1790...@xxx Mon Jan 01 00:00:00 +0000
2026``: a From_ line :func:`parse_from_line_date` reads without the general pattern (which
gives the same for it: the sender, one word, cannot start a date)."""
MIN_YEAR = 1971
MAX_YEAR = 2200


def _aware(year: int, month: int, day: int, hh: int, mm: int, ss: int,
           offset_minutes: int) -> dt.datetime | None:
    if year < 100:
        year += 2000 if year < 50 else 1900
    if not MIN_YEAR <= year <= MAX_YEAR or abs(offset_minutes) >= 24 * 60:
        return None
    zone = _ZONES.get(offset_minutes)
    if zone is None:
        zone = _ZONES[offset_minutes] = dt.timezone(dt.timedelta(minutes=offset_minutes))
    try:
        local = dt.datetime(year, month, day, hh, mm, min(ss, 59), tzinfo=zone)
    except ValueError:
        return None
    return local if zone is dt.UTC else local.astimezone(dt.UTC)


_ZONES: dict[int, dt.tzinfo] = {0: dt.UTC}


def _zone_minutes(token: str | None) -> int:
    if not token:
        return 0
    found = _ZONE_MINUTES.get(token)
    if found is None:
        if token[0] in "+-" and token[1:].isdigit():
            sign = -1 if token[0] == "-" else 1
            found = sign * (int(token[1:3]) * 60 + int(token[3:5]))
        else:
            found = ZONES.get(token.upper(), 0)
        if len(_ZONE_MINUTES) < 4096:
            _ZONE_MINUTES[token] = found
    return found


_ZONE_MINUTES: dict[str, int] = {}
"""Zones as written (``+0100``, ``EST``) -> minutes east of UTC (a mailbox has a few dozen)."""


_PADDED_YEAR = re.compile(r"(?<![\d:+-])0\d{3}(?![\d:])")
"""A year written with four digits below 1000 (``Date: Mon, 01 Jan 0001``): the general parser
would read ``0001`` as the two-digit year ``01``, 2001."""
_FULL_YEAR = re.compile(r"(?<![\d:+-])\d{4}(?![\d:])")


def year_out_of_range(value: str | None) -> int | None:
    """The year a ``Date`` header :func:`parse_date` found unusable spells out in full, when it
    is outside ``MIN_YEAR``..``MAX_YEAR`` (``0001``, ``1900``): what a reject line names."""
    for found in _FULL_YEAR.findall(COMMENT.sub(" ", value or "")):
        if not MIN_YEAR <= int(found) <= MAX_YEAR:
            return int(found)
    return None


def parse_date(value: str | None) -> dt.datetime | None:
    """An RFC 5322 date (and the broken ones real mail carries) as an aware UTC datetime.

    Comments like ``(MET DST)`` are ignored, named zones (``MET``, ``EST``...) are known,
    junk around the date is tolerated (``RANDOM_Wed, 21 Sep 2016 22:42:07 +0300``), ISO 8601
    is accepted; a date without a zone is taken as UTC. None when nothing usable is there.
    """
    if not value or not value.strip():
        return None
    m = _RFC5322_DATE.match(value)
    if m:
        # The form nearly every message has: read directly, as the general path below would.
        day, month, year, hh, mm, ss, zone = m.groups()
        found = _aware(int(year), _MONTHS[month.lower()], int(day), int(hh), int(mm),
                       int(ss or 0), _zone_minutes(zone))
        if found is not None:
            return found
    text = COMMENT.sub(" ", value).strip()
    if _PADDED_YEAR.search(text):
        return None  # year 0001 is no date mail was sent on (and never 2001)
    try:
        parsed = parsedate_tz(text)
    except Exception:  # noqa: BLE001 - the stdlib date parser raises on some garbage
        parsed = None
    if parsed is not None and parsed[0] is not None:
        year, month, day, hh, mm, ss = parsed[:6]
        if _NUMERIC_ZONE.search(text):
            offset = (parsed[9] or 0) // 60
        else:
            words = re.findall(r"\b([A-Za-z]{1,5})\s*$", text)
            offset = _zone_minutes(words[0]) if words else 0
        found = _aware(year, month, day, hh, mm, ss, offset)
        if found is not None:
            return found
    m = _LOOSE_DATE.search(text)
    if m and m.group(2).lower() in _MONTHS:
        found = _aware(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)),
                       int(m.group(4)), int(m.group(5)), int(m.group(6) or 0),
                       _zone_minutes(m.group(7)))
        if found is not None:
            return found
    asc = parse_from_line_date(text)
    if asc is not None:
        return asc
    try:
        iso = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if iso.tzinfo is None:
        iso = iso.replace(tzinfo=dt.UTC)
    return iso.astimezone(dt.UTC) if MIN_YEAR <= iso.year <= MAX_YEAR else None


def parse_from_line_date(line: str | bytes | None) -> dt.datetime | None:
    """The date of an mbox ``From_`` line (``From x Wed Dec  1 08:26:40 2010``, Takeout's
    ``From 1790...@xxx Mon Jan 01 00:00:00 +0000 2026``, ``Wed Feb  9 22:02 MET 2000``)."""
    if not line:
        return None
    if isinstance(line, bytes):
        line = line.decode("latin-1")
    fast = _FROM_LINE_DATE.fullmatch(line)
    if fast:
        # The shape nearly every mbox has, read directly (as the general pattern reads it).
        month, day, hh, mm, ss, zone, year = fast.groups()
        return _aware(int(year), _MONTHS[month.lower()], int(day), int(hh), int(mm), int(ss),
                      _zone_minutes(zone))
    m = _ASCTIME.search(line)
    if not m or m.group(1).lower() not in _MONTHS:
        return None
    zone = m.group(6) or m.group(8)
    return _aware(int(m.group(7)), _MONTHS[m.group(1).lower()], int(m.group(2)),
                  int(m.group(3)), int(m.group(4)), int(m.group(5) or 0), _zone_minutes(zone))


def received_date(headers: MailHeaders) -> dt.datetime | None:
    """The date of the first ``Received`` header that has one (the last hop)."""
    for value in headers.get_all("received"):
        if ";" in value:
            found = parse_date(value.rsplit(";", 1)[1])
            if found is not None:
                return found
    return None
