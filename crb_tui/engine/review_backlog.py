"""The review's backlogs: the kinds of item that can hold thousands of people at once (late
relationships, fading ones, stale goals). Each is a query with its priority in SQL, so that only
the people today's queue can show are read (see ``backlog_items``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crb_tui.config import Config
from crb_tui.engine.review_item import (
    BASE,
    TIER_WEIGHT,
    ReviewItem,
    _date,
    _days,
    _plural,
    ago_or_today,
)
from crb_tui.store import Store

__all__ = ["backlog_items"]

_TIER_CASE = "case p.tier " + " ".join(
    f"when '{tier}' then {weight}" for tier, weight in TIER_WEIGHT.items()) + " else 0.5 end"


@dataclass(frozen=True)
class _Backlog:
    """A kind of item that can hold thousands of people: its rows (``{eligible}`` and ``:day``
    to fill in, a ``pid`` and a ``name`` column), its priority in SQL (the same number
    ``item`` gives, so a query can find the most pressing ones) and the item of one row."""

    query: str
    priority: str
    item: Callable[[dict[str, Any], dt.date, Config], ReviewItem]


def _past_cadence_item(row: dict[str, Any], today: dt.date, config: Config) -> ReviewItem:
    last = _date(row["last_touch"])
    since = f"last touch {ago_or_today(_days(today, last))}" if last else "no touch yet"
    return ReviewItem(
        "past_cadence",
        row["pid"],
        row["name"],
        f"{since}; you aim for every {_plural(row['cadence_days'], 'day')}",
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


_BACKLOGS = (
    # Relationships past their cadence, by how far past and by tier.
    _Backlog(
        """select p.id as pid, p.name, p.tier, h.overdue, h.last_touch, h.cadence_days
            from health h join people p on p.id = h.person_id
            where h.overdue > 0 and h.cadence_days > 0 and p.triage = 0 and {eligible}""",
        f"{BASE['past_cadence']} + 100 * min(h.overdue, 5.0) * {_TIER_CASE}",
        _past_cadence_item,
    ),
    # Fading relationships (health falling against 30 days ago).
    _Backlog(
        """select p.id as pid, p.name, p.tier, h.health, h.health_past from health h
            join people p on p.id = h.person_id
            where h.trend = 'fading' and p.tier != 'none' and p.triage = 0 and {eligible}""",
        f"{BASE['fading']} + (coalesce(h.health_past, 0) - coalesce(h.health, 0)) * {_TIER_CASE}",
        _fading_item,
    ),
    # Stale goals: ask what has changed.
    _Backlog(
        """select g.id, g.text, g.confirmed_at, p.id as pid, p.name, p.tier from goals g
            join people p on p.id = g.person_id
            where g.active = 1 and g.confirmed_at < :stale and p.tier in ('key', 'active')
            and {eligible}""",
        f"{BASE['stale_goal']} + {_TIER_CASE} * 10",
        _stale_goal_item,
    ),
)


def backlog_items(
    store: Store, config: Config, today: dt.date, eligible: str, room: int | None,
    others: set[int],
) -> list[ReviewItem]:
    """The backlog kinds' items: all of them, or (``room`` given) those of the ``room`` most
    pressing people of each kind and of everyone else in the list (``others``, whose other
    items they join as "also"). Someone left out of a kind has ``room`` people ahead of them
    there, each with an item at least as pressing, so could not be shown today anyway."""
    params = {
        "day": today.isoformat(),
        "stale": (today - dt.timedelta(days=config.review.stale_goal_days)).isoformat(),
    }
    where = eligible.replace("?", ":day")
    if room is not None:
        wanted = set(others)
        for kind in _BACKLOGS:
            wanted.update(pid for (pid,) in store.conn.execute(
                f"""select pid from ({kind.query.format(eligible=where)
                    .replace("select ", f"select {kind.priority} as priority, ", 1)})
                group by pid order by max(priority) desc, lower(name), pid limit :room""",
                {**params, "room": room}))
        params["ids"] = json.dumps(sorted(wanted))
        where += " and p.id in (select value from json_each(:ids))"
    items = []
    for kind in _BACKLOGS:
        for row in store.rows(kind.query.format(eligible=where), params):
            items.append(kind.item(row, today, config))
    return items
