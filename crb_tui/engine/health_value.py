"""The parts of Value beyond value moments: exchange weeks of mail and messages, and the
diminishing returns of a recurring series of meetings. docs/health.md has the rules in words.

- **Exchange weeks.** The aggregate scans build, per person and per kind in
  ``exchange_points``, two bit masks over the last ``EXCHANGE_WEEKS`` calendar weeks (bit ``b``:
  the week ``b`` weeks before the current one): the weeks with a message from them (``in`` or
  ``mutual``) and those with one from you (``out`` or ``mutual``). A week is an exchange when
  one side wrote in it and the other wrote in it or in the week before (an answer);
  ``crb_exchange``, a SQLite function registered for one evaluation of the model
  (``crb_tui.store.health_functions``), weighs each such week by its points and its age, as
  value moments are.
- **Series.** Meetings and calls of the same kind and the same title are one series
  (``crb_tui.store.health_sql.series_sql``, reading the partial index
  ``idx_interactions_series``): its decayed count
  ``c`` (each occurrence ``2 ** (-age / half_life)``) counts ``c`` while ``c <= 1`` and
  ``1 + ln c`` beyond, so one meeting is worth what it always was and 104 weekly stand-ups about
  as much as four or five. A meeting without a title is a series of its own.

The model computes them in SQL (``crb_tui.store.health_sql``); the helpers here list the same
facts from one person's history for the explanation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from crb_tui.store.health_functions import EXCHANGE_WEEKS, week_of, week_start
from crb_tui.text import plural

__all__ = ["EXCHANGE_WEEKS", "UNKNOWN", "exchange_detail", "exchange_weeks", "series",
           "series_key", "series_of", "together_detail"]


def series(value: float) -> float:
    """What a series of decayed count ``value`` is worth, in occurrences: ``value`` up to 1,
    then ``1 + ln(value)`` (continuous, increasing, and slower and slower)."""
    return value if value <= 1.0 else 1.0 + math.log(value)


def series_key(kind: str, title: str | None, row_id: int) -> tuple[str, str | int]:
    """Which series a meeting belongs to: its kind and title; untitled, a series of its own."""
    return (kind, title or row_id)


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
    text = ", ".join(plural(n, kind) for kind, n in sorted(counts.items()))
    events = []
    for kind, _title, rows in found:
        if len(rows) < 2:
            break
        count = sum(math.exp(-lam * age(r["at"])) for r in rows)
        subject = rows[-1].get("subject") or ""
        now, alone = f"{points[kind] * series(count):.1f}", f"{points[kind] * count:.1f}"
        # Once what is left of the series counts as one meeting or less, it costs nothing.
        worth = f"worth {now} points now" + (f" instead of {alone}" if now != alone else "")
        events.append(
            f"{plural(len(rows), kind)} \u201c{subject}\u201d (last {rows[-1]['at'][:10]}): a "
            f"series, {worth}"
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
    text = ", ".join(f"{plural(len(ws), 'week')} of {k} both ways" for k, ws in found)
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
