"""Numbers as people type them: a cadence (``14``, ``2w``, ``3m``, ``1y``), an amount (``12k``,
``1.5k``, ``12,000``). What cannot be read exactly is refused with a message saying what would
be, never taken in part (``2w`` is never 2 days, ``12k EUR`` never 12)."""

from __future__ import annotations

import math
import re

from crb_tui.errors import CrbError

MAX_CADENCE_DAYS = 3650
"""Ten years: more than that is no cadence."""

MAX_AMOUNT = 1e12

_UNIT_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "week": 7, "weeks": 7,
              "m": 30, "mo": 30, "month": 30, "months": 30, "y": 365, "yr": 365, "year": 365,
              "years": 365}
_DAYS = re.compile(r"(?:every\s+)?(\d{1,6})\s*([a-z]*)")


def parse_days(text: str, *, what: str = "cadence") -> int:
    """Whole days from ``14``, ``14d``, ``2w``, ``3m`` (30 days), ``1y``, ``2 weeks``."""
    raw = str(text).strip().lower()
    found = _DAYS.fullmatch(raw)
    if not found or found.group(2) not in ("", *_UNIT_DAYS):
        raise CrbError(f"{what}: {text!r} is not a number of days "
                       "(write 14, 14d, 2w, 3m or 1y)")
    days = int(found.group(1)) * _UNIT_DAYS.get(found.group(2), 1)
    if not 1 <= days <= MAX_CADENCE_DAYS:
        raise CrbError(f"{what}: {text!r} is {days} days; give 1 to {MAX_CADENCE_DAYS} days")
    return days


_AMOUNT = re.compile(r"(\d[\d,_ ]*(?:\.\d+)?|\.\d+)\s*([km]?)")
_SCALE = {"": 1, "k": 1e3, "m": 1e6}


def parse_amount(text: str, *, what: str = "amount") -> float:
    """A positive amount from ``12000``, ``12,000``, ``12k``, ``1.5k``, ``2m``."""
    raw = str(text).strip().lower()
    found = _AMOUNT.fullmatch(raw)
    if not found:
        hint = ""
        if re.search(r"[a-z$€£¥]", raw.rstrip("km")):
            hint = "; amounts are plain numbers in your own currency, with no currency name"
        raise CrbError(f"{what}: {text!r} is not an amount (write 12000, 12,000, 12k or "
                       f"1.5k){hint}")
    digits = found.group(1).replace(",", "").replace("_", "").replace(" ", "")
    value = float(digits) * _SCALE[found.group(2)]
    if not math.isfinite(value) or not 0 < value <= MAX_AMOUNT:
        raise CrbError(f"{what}: {text!r} is out of range (more than 0, at most 1,000 billion)")
    return value
