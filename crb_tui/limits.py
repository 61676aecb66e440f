"""The ranges of the numbers a user gives: ids, cadences, amounts, counts. One clear line for
anything outside them, instead of an overflow deep in SQLite or date arithmetic (dates have
theirs in :mod:`crb_tui.clock`)."""

from __future__ import annotations

import math
import re
from typing import SupportsFloat, SupportsIndex

from crb_tui.errors import CrbError

MAX_ID = 2**63 - 1
"""The largest id SQLite can store."""
MAX_CADENCE_DAYS = 3650
"""A cadence is at most ten years."""
MAX_AMOUNT = 1e12
MAX_COUNT = 1_000_000
"""The most people a ``--limit`` or ``demo --people`` asks for."""

_WHOLE = re.compile(r"[+-]?\d+")


def whole_number(value: object, lo: int, hi: int, what: str) -> int:
    """``value`` (an int or its text) as an int from ``lo`` to ``hi``, else a CrbError."""
    where = f"{what}: " if what else ""
    if isinstance(value, bool):
        raise CrbError(f"{where}{value!r} is not a whole number")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not _WHOLE.fullmatch(text):
            raise CrbError(f"{where}{text!r} is not a whole number")
        if len(text.lstrip("+-").lstrip("0")) > 19:
            raise CrbError(f"{where}{text} is out of range (from {lo} to {hi})")
        number = int(text)
    if not lo <= number <= hi:
        raise CrbError(f"{where}{number} is out of range (from {lo} to {hi})")
    return number


def cadence_days(value: object) -> int:
    """Days between touches: a whole number from 1 to :data:`MAX_CADENCE_DAYS`."""
    try:
        return whole_number(value, 1, MAX_CADENCE_DAYS, "")
    except CrbError:
        raise CrbError(
            f"cadence must be a positive number of days up to {MAX_CADENCE_DAYS}, not {value}"
        ) from None


_FLOATABLE = str | SupportsFloat | SupportsIndex
"""What ``float()`` takes (a text to parse, or anything with ``__float__`` or ``__index__``)."""


def amount(value: object, what: str = "amount") -> float:
    """A finite amount from 0 to :data:`MAX_AMOUNT` (``inf`` and ``nan`` are not amounts)."""
    where = f"{what}: " if what else ""
    if isinstance(value, bool) or not isinstance(value, _FLOATABLE):
        raise CrbError(f"{where}{value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CrbError(f"{where}{value!r} is not a number") from None
    if not math.isfinite(number):
        raise CrbError(f"{where}{value} is not a finite number")
    if not 0 <= number <= MAX_AMOUNT:
        raise CrbError(f"{where}{value} is out of range (from 0 to {MAX_AMOUNT:,.0f})")
    return number
