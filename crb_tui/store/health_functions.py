"""The health model's calendar and the SQL functions it registers on the connection for one
evaluation: ``crb_exchange`` (the exchange weeks of mail and messages, weighed), and
``crb_local_jd`` / ``crb_local_day`` (a stamp's date on the user's calendar), with exp, pow,
sqrt and ln for a SQLite built without its math functions. docs/health.md has the rules.

Exchange weeks: the aggregate scans build, per person and per kind in ``exchange_points``, two
bit masks over the last ``EXCHANGE_WEEKS`` calendar weeks (bit ``b``: the week ``b`` weeks
before the current one): the weeks with a message from them (``in`` or ``mutual``) and those
with one from you (``out`` or ``mutual``). A week is an exchange when one side wrote in it and
the other wrote in it or in the week before (an answer); ``crb_exchange`` weighs each such
week by its points and its age, as value moments are.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from crb_tui import clock

EXCHANGE_WEEKS = 60
"""Weeks of history the exchange masks hold (bits of a 64-bit integer; older weeks, worth less
than a quarter of a fresh one with the default half-life, are not counted)."""

_JDN_TO_ORDINAL = 1721425
"""``date.fromordinal(jdn - _JDN_TO_ORDINAL)`` is the day of julian day number ``jdn``."""

_JD_OFFSET = 1721424.5
"""``date.toordinal() + _JD_OFFSET`` is SQLite's ``julianday()`` of that date at midnight."""


def week_of(day: dt.date) -> int:
    """The calendar week holding ``day``: weeks start on Monday (julian day number / 7)."""
    return (day.toordinal() + _JDN_TO_ORDINAL) // 7


def week_start(week: int) -> dt.date:
    return dt.date.fromordinal(7 * week - _JDN_TO_ORDINAL)


def jd(day: dt.date) -> float:
    """SQLite's ``julianday()`` of ``day`` at midnight UTC."""
    return day.toordinal() + _JD_OFFSET


def stamp(day: dt.date) -> str:
    """The stored timestamp of ``day``'s midnight UTC."""
    return f"{day.isoformat()}T00:00:00+00:00"


def _bit_tables(weights: Sequence[float]) -> list[list[float]]:
    """For each byte of a mask, the summed weights of every value that byte can take."""
    tables = []
    for chunk in range(0, len(weights), 8):
        part = list(weights[chunk:chunk + 8])
        part += [0.0] * (8 - len(part))
        table = [0.0] * 256
        for byte in range(1, 256):
            low = byte & -byte
            table[byte] = table[byte ^ low] + part[low.bit_length() - 1]
        tables.append(table)
    return tables


def exchange_function(points: Sequence[float], weights: Sequence[float]) -> Callable[..., float]:
    """``crb_exchange(in_1, out_1, in_2, out_2, ...)``: for each kind's pair of week masks, the
    exchange weeks weighed by the kind's points and the week's decay (``weights[b]`` for bit
    ``b``). Called twice per person by a full recompute, so kept lean: one table lookup per
    byte of the mask, nothing at all for a kind written one way only."""
    t0, t1, t2, t3, t4, t5, t6, t7 = _bit_tables(list(weights) + [0.0] * (64 - len(weights)))
    pairs = [(2 * k, 2 * k + 1, float(p)) for k, p in enumerate(points)]

    def exchange(*masks: int | None) -> float:
        total = 0.0
        for i, o, pts in pairs:
            heard, spoke = masks[i], masks[o]
            if not heard or not spoke:
                continue
            # bit b is the week b weeks ago, so ``m >> 1`` moves each week on by one: a week
            # counts when one side wrote and the other wrote that week or the week before
            both = heard & (spoke | spoke >> 1) | spoke & (heard >> 1)
            total += pts * (
                t0[both & 255] + t1[both >> 8 & 255] + t2[both >> 16 & 255]
                + t3[both >> 24 & 255] + t4[both >> 32 & 255] + t5[both >> 40 & 255]
                + t6[both >> 48 & 255] + t7[both >> 56 & 255]
            )
        return total

    return exchange


def week_weights(today: dt.date, lam: float, cjd: float) -> list[float]:
    """The decay of each week of the masks, from its first day to ``cjd`` (the end of today)."""
    current = week_of(today)
    return [
        math.exp(lam * (7 * (current - b) - 0.5 - cjd)) for b in range(EXCHANGE_WEEKS)
    ]


def register_exchange(conn: Any, points: Sequence[float], weights: Sequence[float]) -> None:
    """Register ``crb_exchange`` for one evaluation of the model."""
    conn.create_function("crb_exchange", 2 * len(points), exchange_function(points, weights),
                         deterministic=True)


def register_local_days(conn: Any) -> None:
    """``crb_local_jd(stamp)``: the julian day (at midnight) of a stamp's date in ``[me]
    timezone`` (``clock.local_date``), ``crb_local_day(stamp)``: that date as text. Applied to
    each person's aggregates and each commitment's dates, never per interaction."""
    tz = clock.user_tz()
    conn.create_function("crb_local_jd", 1, clock.local_dates(
        tz, lambda d: d.toordinal() + _JD_OFFSET), deterministic=True)
    conn.create_function("crb_local_day", 1, clock.local_dates(tz, dt.date.isoformat),
                         deterministic=True)


def ensure_math(conn: Any) -> None:
    """The model needs exp, pow, sqrt and ln; SQLite built without its math functions gets them
    from Python (slower, same numbers)."""
    try:
        conn.execute("select exp(0.0), pow(2.0, 1.0), sqrt(4.0), ln(1.0)").fetchone()
    except sqlite3.OperationalError:  # "no such function"
        conn.create_function("ln", 1, math.log, deterministic=True)
        conn.create_function("exp", 1, math.exp, deterministic=True)
        conn.create_function("pow", 2, math.pow, deterministic=True)
        conn.create_function("sqrt", 1, math.sqrt, deterministic=True)
