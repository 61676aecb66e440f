"""The review's backlogs: the kinds of item that can hold thousands of people at once (late
relationships, fading ones, stale goals). Each is a query of the store's with its priority in
SQL (``crb_tui.store.review_queries.backlog_rows``), so that only the people today's queue can
show are read (see ``backlog_items``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from crb_tui.config import Config
from crb_tui.engine.review_item import (
    BASE,
    TIER_WEIGHT,
    ReviewItem,
    _date,
    _days,
    ago_or_today,
)
from crb_tui.store import Store
from crb_tui.store.review_queries import backlog_rows
from crb_tui.text import plural

__all__ = ["backlog_items"]

def _past_cadence_item(row: dict[str, Any], today: dt.date, config: Config) -> ReviewItem:
    last = _date(row["last_touch"])
    since = f"last touch {ago_or_today(_days(today, last))}" if last else "no touch yet"
    return ReviewItem(
        "past_cadence",
        row["pid"],
        row["name"],
        f"{since}; you aim for every {plural(row['cadence_days'], 'day')}",
        "Reach out with something useful to them",
        BASE["past_cadence"] + 100 * min(row["overdue"], 5.0) * TIER_WEIGHT.get(row["tier"], 0.5),
        {"overdue": round(row["overdue"], 2), "last_touch": row["last_touch"]},
    )


def _fading_item(row: dict[str, Any], today: dt.date, config: Config) -> ReviewItem:
    drop = (row["health_past"] or 0) - (row["health"] or 0)
    return ReviewItem(
        "fading",
        row["pid"],
        row["name"],
        f"Fading: health {row['health']} from {row['health_past']} a month ago",
        "Plan something together; bring what you know of their goals",
        BASE["fading"] + drop * TIER_WEIGHT.get(row["tier"], 0.5),
        {"health": row["health"], "health_past": row["health_past"]},
    )


def _stale_goal_item(row: dict[str, Any], today: dt.date, config: Config) -> ReviewItem:
    confirmed = _date(row["confirmed_at"]) or today
    return ReviewItem(
        "stale_goal",
        row["pid"],
        row["name"],
        f"Their goal \u201c{row['text']}\u201d was last confirmed "
        f"{ago_or_today(_days(today, confirmed))}",
        "Ask what has changed before offering ideas",
        BASE["stale_goal"] + TIER_WEIGHT.get(row["tier"], 0.5) * 10,
        {"goal_id": row["id"], "confirmed_at": row["confirmed_at"]},
    )


_ITEMS: dict[str, Callable[[dict[str, Any], dt.date, Config], ReviewItem]] = {
    "past_cadence": _past_cadence_item,
    "fading": _fading_item,
    "stale_goal": _stale_goal_item,
}
"""kind -> the item of one of its rows (``review_queries.backlog_rows``): its priority is the
one that query ranks the rows by."""


def backlog_items(
    store: Store, config: Config, today: dt.date, room: int | None, others: set[int],
) -> list[ReviewItem]:
    """The backlog kinds' items: all of them, or (``room`` given) those of the ``room`` most
    pressing people of each kind and of everyone else in the list (``others``, whose other
    items they join as "also"). Someone left out of a kind has ``room`` people ahead of them
    there, each with an item at least as pressing, so could not be shown today anyway."""
    found = backlog_rows(
        store, day=today.isoformat(),
        stale=(today - dt.timedelta(days=config.review.stale_goal_days)).isoformat(),
        base=BASE, tier_weight=TIER_WEIGHT, room=room, others=others)
    return [_ITEMS[kind](row, today, config) for kind, rows in found.items() for row in rows]
