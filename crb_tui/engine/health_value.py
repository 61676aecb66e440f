"""The parts of Value beyond value moments: exchange weeks of mail and messages, and the
diminishing returns of a recurring series of meetings. docs/health.md has the rules in words.

- **Exchange weeks.** The aggregate scans build, per person and per kind in
  ``exchange_points``, two bit masks over the last ``EXCHANGE_WEEKS`` calendar weeks (bit ``b``:
  the week ``b`` weeks before the current one): the weeks with a message from them (``in`` or
  ``mutual``) and those with one from you (``out`` or ``mutual``). A week is an exchange when
  one side wrote in it and the other wrote in it or in the week before (an answer);
  ``crb_exchange``, a SQLite function registered for one evaluation of the model, weighs each
  such week by its points and its age, as value moments are.
- **Series.** Meetings and calls of the same kind and the same title are one series
  (``series_sql``, reading the partial index ``idx_interactions_series``): its decayed count
  ``c`` (each occurrence ``2 ** (-age / half_life)``) counts ``c`` while ``c <= 1`` and
  ``1 + ln c`` beyond, so one meeting is worth what it always was and 104 weekly stand-ups about
  as much as four or five. A meeting without a title is a series of its own.

The helpers at the end list the same facts from one person's history for the explanation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

EXCHANGE_WEEKS = 60
"""Weeks of history the exchange masks hold (bits of a 64-bit integer; older weeks, worth less
than a quarter of a fresh one with the default half-life, are not counted)."""

_JDN_TO_ORDINAL = 1721425
"""``date.fromordinal(jdn - _JDN_TO_ORDINAL)`` is the day of julian day number ``jdn``."""


def week_of(day: dt.date) -> int:
    """The calendar week holding ``day``: weeks start on Monday (julian day number / 7)."""
    return (day.toordinal() + _JDN_TO_ORDINAL) // 7


def week_start(week: int) -> dt.date:
    return dt.date.fromordinal(7 * week - _JDN_TO_ORDINAL)


def week_sql(week_param: str) -> str:
    """SQL: how many weeks before week ``:week_param`` the interaction ``i`` falls."""
    return f"(:{week_param} - cast((julianday(i.at) + 0.5) / 7 as integer))"


def series(value: float) -> float:
    """What a series of decayed count ``value`` is worth, in occurrences: ``value`` up to 1,
    then ``1 + ln(value)`` (continuous, increasing, and slower and slower)."""
    return value if value <= 1.0 else 1.0 + math.log(value)


def series_key(kind: str, title: str | None, row_id: int) -> tuple[str, str | int]:
    """Which series a meeting belongs to: its kind and title; untitled, a series of its own."""
    return (kind, title or row_id)


SERIES_KINDS = ("meeting", "call")
"""The kinds ``idx_interactions_series`` (a partial index) holds."""


def series_sql(source: str, group: str, points: str, kinds: str, indexed: bool) -> str:
    """Per person, the worth of time together today and at the trend window's start: each
    series' decayed count ``n`` (and ``q``, of the occurrences before the window) grouped by
    kind and title, worth ``points * series(n)``; untitled ones, each a series of its own, are
    summed as they are. ``indexed``: the kinds are among ``SERIES_KINDS``, so the query reads
    the partial index ``idx_interactions_series`` alone (its condition must appear as such)."""
    wanted = f"i.kind in ({kinds})"
    if indexed:  # every kind asked for is in the index
        wanted = f"i.kind in ({', '.join(repr(k) for k in SERIES_KINDS)}) and {wanted}"
    decay = "exp(:lam * (julianday(i.at) - :cjd))"
    return f"""
  select person_id,
    sum(p * case when untitled or n <= 1.0 then n else 1.0 + ln(n) end),
    sum(case when untitled or q * :factor <= 1.0 then p * q * :factor
      else p * (1.0 + ln(q * :factor)) end)
  from (
    select {group} as person_id, {points} as p, coalesce(i.subject, '') = '' as untitled,
      sum({decay}) as n, coalesce(sum({decay}) filter (where i.at < :pcut), 0.0) as q
    from {source}
    where {wanted} and i.at < :cut
    group by {group}, i.kind, i.subject)
  group by person_id"""


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


def register(conn: Any, points: Sequence[float], weights: Sequence[float]) -> None:
    """Register ``crb_exchange`` for one evaluation of the model."""
    conn.create_function("crb_exchange", 2 * len(points), exchange_function(points, weights),
                         deterministic=True)


# -- the same facts from one person's history, for the explanation ------------------------


def exchange_weeks(
    interactions: Iterable[dict[str, Any]], kinds: Iterable[str], today: dt.date
) -> dict[str, list[int]]:
    """By kind, the weeks (newest first) of the last ``EXCHANGE_WEEKS`` that count as an
    exchange: one side wrote and the other wrote that week or the week before."""
    current = week_of(today)
    oldest = current - EXCHANGE_WEEKS + 1
    wanted = set(kinds)
    heard: dict[str, set[int]] = {k: set() for k in wanted}
    spoke: dict[str, set[int]] = {k: set() for k in wanted}
    for row in interactions:
        if row["kind"] not in wanted:
            continue
        week = week_of(dt.date.fromisoformat(row["at"][:10]))
        if week < oldest or week > current:
            continue
        if row["direction"] != "out":
            heard[row["kind"]].add(week)
        if row["direction"] != "in":
            spoke[row["kind"]].add(week)
    return {
        k: sorted(
            {w for w in heard[k] if w in spoke[k] or w - 1 in spoke[k]}
            | {w for w in spoke[k] if w - 1 in heard[k]},
            reverse=True,
        )
        for k in wanted
    }


def series_of(
    interactions: Iterable[dict[str, Any]], points: dict[str, float]
) -> list[tuple[str, str | int, list[dict[str, Any]]]]:
    """The series of time together: (kind, title, occurrences oldest first), largest first; an
    untitled one is keyed by its row's id (``series_key``)."""
    found: dict[tuple[str, str | int], list[dict[str, Any]]] = {}
    for row in interactions:
        if points.get(row["kind"]):
            found.setdefault(series_key(row["kind"], row.get("subject"), row["id"]), []).append(row)
    return sorted(
        ((kind, title, rows) for (kind, title), rows in found.items()),
        key=lambda s: -len(s[2]),
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def together_detail(
    interactions: Iterable[dict[str, Any]], points: dict[str, float], age: Callable[[str], float],
    lam: float,
) -> tuple[str, list[str]]:
    """Time together in words: the meetings and calls counted, and each repeated series with
    what it is worth now (``age(at)``: its age in days)."""
    found = series_of(interactions, points)
    if not found:
        return "no meetings or calls", []
    counts: dict[str, int] = {}
    for kind, _title, rows in found:
        counts[kind] = counts.get(kind, 0) + len(rows)
    text = ", ".join(_plural(n, kind) for kind, n in sorted(counts.items()))
    events = []
    for kind, _title, rows in found:
        if len(rows) < 2:
            break
        count = sum(math.exp(-lam * age(r["at"])) for r in rows)
        subject = rows[-1].get("subject") or ""
        events.append(
            f"{_plural(len(rows), kind)} \u201c{subject}\u201d (last {rows[-1]['at'][:10]}): a "
            f"series, worth {points[kind] * series(count):.1f} points now instead of "
            f"{points[kind] * count:.1f}"
        )
    if events:
        text += " (a series of the same title counts less and less: 1 + ln of its count)"
    return text, events[:5]


def exchange_detail(
    interactions: Iterable[dict[str, Any]], points: dict[str, float], today: dt.date,
    weights: Sequence[float], cap: float,
) -> tuple[str, list[str]]:
    """The exchange weeks, by kind, in words, with the newest of them."""
    weeks = exchange_weeks(interactions, points, today)
    current = week_of(today)
    raw = sum(points[k] * weights[current - w] for k, ws in weeks.items() for w in ws)
    found = [(k, ws) for k, ws in sorted(weeks.items()) if ws]
    if not found:
        text = (f"no exchange week in the last {EXCHANGE_WEEKS} (one of you writing, the other "
                f"answering that week or the next, by {' or '.join(sorted(points)) or 'nothing'})")
        return text, []
    text = ", ".join(f"{_plural(len(ws), 'week')} of {k} both ways" for k, ws in found)
    text += " (one of you wrote, the other that week or the week before)"
    text += f", in the last {EXCHANGE_WEEKS} weeks: {raw:.1f} points after decay"
    if raw > cap:
        text += f", counted {cap:g} at most"
    events = [
        f"week of {week_start(w)}: {k} both ways"
        for w, k in sorted(((w, k) for k, ws in found for w in ws), reverse=True)[:5]
    ]
    return text, events


UNKNOWN = (
    "nothing is known about value yet: no value moment, no meeting or call, and no exchange "
    "of messages (one of you writing, the other answering). Log a meeting or a value moment "
    "(`crb log`, `crb value`) to raise it; until then Health counts Value as {stand_in:g}"
)
