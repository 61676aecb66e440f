"""Numbers as people type them: a cadence (``14``, ``2w``, ``3m``, ``1y``), an amount (``12k``,
``1.5k``, ``12,000``). What cannot be read exactly is refused with a message saying what would
be, never taken in part (``2w`` is never 2 days, ``12k EUR`` never 12)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from crb_tui.errors import CrbError
from crb_tui.limits import MAX_CADENCE_DAYS

MAX_AMOUNT = 1e12

_UNIT_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "week": 7, "weeks": 7,
              "m": 30, "mo": 30, "month": 30, "months": 30, "y": 365, "yr": 365, "year": 365,
              "years": 365}
_DAYS = re.compile(r"(?:every\s+)?(\d+)\s*([a-z]*)")


def parse_days(text: str, *, what: str = "cadence") -> int:
    """Whole days from ``14``, ``14d``, ``2w``, ``3m`` (30 days), ``1y``, ``2 weeks``."""
    raw = str(text).strip().lower()
    found = _DAYS.fullmatch(raw)
    if found and found.group(2) in ("", *_UNIT_DAYS) and len(found.group(1)) <= 9:
        days = int(found.group(1)) * _UNIT_DAYS.get(found.group(2), 1)
        if 1 <= days <= MAX_CADENCE_DAYS:
            return days
    raise CrbError(f"{what} must be a positive number of days up to {MAX_CADENCE_DAYS}, "
                   f"not {text} (write 14, 14d, 2w, 3m or 1y)")


_AMOUNT = re.compile(r"((?:\d{1,3}(?:[,_ ]\d{3})+|\d+)(?:\.\d+)?|\.\d+)\s*([km]?)")
"""A separator (``,``, ``_`` or a space) only between groups of three digits: ``12,000``;
``1,5k`` or ``12,00`` (a decimal comma) is refused, never read as 15,000 or 1,200."""
_SCALE = {"": 1, "k": 1e3, "m": 1e6}


def parse_amount(text: str, *, what: str = "amount") -> float:
    """A positive amount from ``12000``, ``12,000``, ``12k``, ``1.5k``, ``2m``."""
    raw = str(text).strip().lower()
    found = _AMOUNT.fullmatch(raw)
    if not found:
        hint = ""
        if re.search(r"[a-z$€£¥]", raw.rstrip("km")):
            hint = "; amounts are plain numbers in your own currency, with no currency name"
        elif "," in raw:
            hint = "; a comma only groups thousands (12,000): write a decimal point, 1.5k"
        raise CrbError(f"{what}: {text!r} is not an amount (write 12000, 12,000, 12k or "
                       f"1.5k){hint}")
    digits = found.group(1).replace(",", "").replace("_", "").replace(" ", "")
    value = float(digits) * _SCALE[found.group(2)]
    if not math.isfinite(value) or not 0 < value <= MAX_AMOUNT:
        raise CrbError(f"{what}: {text!r} is out of range (more than 0, at most 1,000 billion)")
    return value


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def _month(word: str) -> int | None:
    if len(word) >= 3:
        for number, name in enumerate(_MONTHS, start=1):
            if name.startswith(word):
                return number
    return None


def parse_birthday(text: str, *, today: dt.date) -> str:
    """A birthday as stored (vCard's forms): ``1985-04-12``, or ``--04-12`` when the year is not
    known. Takes ``1985-04-12``, ``04-12``, ``--04-12``, ``12 April``, ``April 12``,
    ``12 April 1985``."""
    raw = " ".join(str(text).strip().lower().replace(",", " ").split())
    year: int | None = None
    month = day = None
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw)
    short = re.fullmatch(r"(?:--)?(\d{1,2})-(\d{1,2})", raw)
    words = raw.split()
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif short:
        month, day = int(short.group(1)), int(short.group(2))
    elif 2 <= len(words) <= 3:
        if words[0].isdigit() and _month(words[1]):
            day, month = int(words[0]), _month(words[1])
        elif _month(words[0]) and words[1].isdigit():
            month, day = _month(words[0]), int(words[1])
        if len(words) == 3 and month:
            year = int(words[2]) if words[2].isdigit() and len(words[2]) == 4 else None
            if year is None:
                month = None
    if month is None or day is None:
        raise CrbError(f"birthday: {text!r} is not a date (write 1985-04-12, 12 April or "
                       "04-12 when the year is not known)")
    try:
        born = dt.date(year or 2000, month, day)  # 2000: a leap year, 29 February exists
    except ValueError:
        raise CrbError(f"birthday: {text!r} is not a day of the year") from None
    if year is not None and not (today.year - 130 <= year and born <= today):
        raise CrbError(f"birthday: {text!r} is not a birth date (in the future, or 130 "
                       "years ago or more)")
    return born.isoformat() if year is not None else f"--{month:02d}-{day:02d}"


def describe_birthday(value: str) -> str:
    """``--03-30`` (year unknown) as "30 March", ``1990-03-30`` as "30 March 1990"."""
    try:
        if value.startswith("--"):
            return dt.date(2000, int(value[2:4]), int(value[5:7])).strftime("%-d %B")
        return dt.date.fromisoformat(value).strftime("%-d %B %Y")
    except ValueError:
        return value


def days_late(row: dict[str, Any]) -> int | None:
    """Days past the cadence (negative: days left) from a health row's overdue ratio and
    cadence, counted from the last touch's date on the user's calendar (``[me] timezone``);
    None without a cadence or without a touch."""
    cadence = row.get("effective_cadence", row.get("cadence_days"))
    overdue = row.get("overdue")
    if not cadence or overdue is None:
        return None
    return round(overdue * cadence)


def cadence_status(row: dict[str, Any]) -> tuple[str, str]:
    """("12d late" | "ok 3d" | "every 60d" | "—", level): :func:`days_late` as the People list
    shows it; someone with a cadence and no touch yet shows the cadence."""
    late = days_late(row)
    if late is None:
        cadence = row.get("effective_cadence", row.get("cadence_days"))
        return (f"every {cadence}d", "muted") if cadence else ("—", "muted")
    if late > 0:
        return f"{late}d late", "bad"
    return f"ok {-late}d", "good"
