"""Dates as contact exports write them.

LinkedIn writes ``09 Oct 2024`` (``9-Oct-24`` once Excel has re-saved the file, or a locale's
``10/9/2024``); Google writes ``1980-03-22`` or ``--03-22``; Outlook writes ``3/22/1980`` and
``0/0/00`` for none; vCard writes ``19800322``, ``1980-03-22``, ``--0322``, ``--03-22``, and Apple
uses the year 1604 to mean "no year".
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

NO_YEAR = {0, 1, 1604, 1900}
"""Years exporters write when they know only the day: 0000, 0001, Apple's 1604, and 1900 (older
Outlook and Excel)."""

_ISO = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$")
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})$")
_DAY_MON_YEAR = re.compile(r"^(\d{1,2})[\s\-./]+([A-Za-z]{3,9})\.?[\s\-./,]+(\d{2}|\d{4})$")
_MON_DAY_YEAR = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years from Excel: 00-68 is 2000-2068, the rest 1969-1999 (as strptime's %y).
        year += 2000 if year < 69 else 1900
    return year


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def numeric_order(values: list[str]) -> str:
    """``"mdy"`` or ``"dmy"`` for a file's ``a/b/yyyy`` dates: day first when any first number is
    over 12, month first otherwise (the US default of Excel and Outlook)."""
    for value in values:
        m = _NUMERIC.match(value.strip())
        if m and len(m.group(1)) <= 2:
            if int(m.group(1)) > 12:
                return "dmy"
            if int(m.group(2)) > 12:
                return "mdy"
    return "mdy"


def parse_date(text: str | None, order: str = "mdy") -> dt.date | None:
    """A calendar date from the forms above, or None. ``order`` settles ``a/b/yyyy``."""
    value = (text or "").strip()
    if not value:
        return None
    m = _ISO.match(value)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DAY_MON_YEAR.match(value)
    if m and m.group(2).lower() in MONTHS:
        return _make(_year(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    m = _MON_DAY_YEAR.match(value)
    if m and m.group(1).lower() in MONTHS:
        return _make(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    m = _NUMERIC.match(value)
    if m:
        a, b, c = m.groups()
        if len(a) == 4:
            return _make(int(a), int(b), int(c))
        if len(c) not in (2, 4):
            return None
        year = _year(c)
        if order == "dmy" or "." in value:
            return _make(year, int(b), int(a))
        return _make(year, int(a), int(b))
    return None


_BLANK = re.compile(r"^[0\s/.\-]*$")


def is_blank(text: str) -> bool:
    """True for the "no date" exporters write (Outlook's ``0/0/00``, ``0000-00-00``)."""
    return bool(_BLANK.match(text))


def birthday(text: str | None, order: str = "mdy") -> str | None:
    """A birthday as CRB keeps it: ``YYYY-MM-DD``, or ``--MM-DD`` when the year is unknown."""
    value = (text or "").strip()
    if not value:
        return None
    m = _NO_YEAR.match(value)
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        return f"--{month:02d}-{day:02d}" if _make(2000, month, day) else None
    m = _ISO.match(value)
    if m and int(m.group(1)) in NO_YEAR:
        month, day = int(m.group(2)), int(m.group(3))
        return f"--{month:02d}-{day:02d}" if _make(2000, month, day) else None
    m = _NUMERIC.match(value)
    if m and len(m.group(3)) == 4 and int(m.group(3)) in NO_YEAR:
        a, b = int(m.group(1)), int(m.group(2))
        month, day = (b, a) if order == "dmy" or "." in value else (a, b)
        return f"--{month:02d}-{day:02d}" if _make(2000, month, day) else None
    date = parse_date(value, order)
    if date is None:
        return None
    if date.year in NO_YEAR:
        return f"--{date.month:02d}-{date.day:02d}"
    return date.isoformat()
