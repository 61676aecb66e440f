"""The TUI's door to the database: one lock that serialises every worker on the shared
connection, and the read-side views the screens show (built on ``crb_tui.queries`` and
``crb_tui.review``; the aggregates for the dashboard are plain reads of the store)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from crb_tui.app_context import AppContext
from crb_tui.clock import happened_before
from crb_tui.queries import person_detail
from crb_tui.review import review_with_progress

T = TypeVar("T")

ACTIVITY_WEEKS = 52
"""Weeks of history the dashboard's activity chart covers (it shows as many as fit)."""

_LIVE = "p.merged_into is null and p.archived = 0"


SCORES_NOTICE_AT = 2_000
"""From this many people with scores not as of today, the app says that it is bringing them
up to date (a second or so at 100,000 people) instead of doing it unannounced."""


class Gateway:
    """Runs database work on worker threads, one call at a time. Before the first call of each
    day it brings the stored scores up to that day, so every screen reads today's scores
    (the app's first screen paints before that, showing that it is loading)."""

    def __init__(
        self, context: AppContext, *, notice: Callable[[str], None] | None = None
    ) -> None:
        self.context = context
        self._lock = threading.RLock()
        self._scores_day: dt.date | None = None
        self.notice = notice
        """Called (from the worker thread) with a line to show before a long re-scoring."""

    def scores_are_today(self, day: dt.date) -> None:
        """Say that the scores are known to be as of ``day`` (the app checked before start)."""
        self._scores_day = day

    def run(self, fn: Callable[[AppContext], T]) -> T:
        """Call ``fn(context)`` holding the lock. Only ever from a worker thread."""
        with self._lock:
            self._bring_scores_up_to_date()
            return fn(self.context)

    def _bring_scores_up_to_date(self) -> None:
        today = self.context.today()
        if self._scores_day == today:
            return
        stale = self.context.stale_scores()
        if stale >= SCORES_NOTICE_AT and self.notice is not None:
            self.notice(f"Bringing {stale:,} people's scores up to {today.isoformat()}…")
        self.context.bring_scores_up_to_date()
        self._scores_day = today


# -- review --------------------------------------------------------------------------------


def review_queue(ctx: AppContext) -> tuple[list[Any], int, int, bool, list[str]]:
    """Today's queue, (done, total), whether the store holds no one at all yet, and what went
    wrong with plugins' review items."""
    warnings: list[str] = []
    items, done, total = review_with_progress(ctx.store, ctx.config, ctx.today(),
                                              warnings=warnings)
    empty = not items and ctx.store.db.execute("select 1 from people limit 1").fetchone() is None
    return items, done, total, empty, warnings


def health_row(ctx: AppContext, person_id: int) -> dict[str, Any] | None:
    rows = list(ctx.store.db.query(
        "select * from health where person_id = ? and computed_on is not null", [person_id]
    ))
    return rows[0] if rows else None


def explanation(ctx: AppContext, person_id: int) -> dict[str, Any] | None:
    """What made each gauge, from the health model (``None`` if it cannot say)."""
    try:
        from crb_tui import health
    except ImportError:
        return None
    explain = getattr(health, "explain", None)
    describe = getattr(health, "describe", None)
    if explain is None:
        return None
    result = explain(ctx.store, ctx.config, person_id, ctx.today())
    return {
        "text": describe(result) if describe is not None else "",
        "data": result.as_dict() if hasattr(result, "as_dict") else {},
    }


def person_page(ctx: AppContext, person_id: int, *, timeline_limit: int = 50) -> dict[str, Any]:
    """Everything the person screen (and the review card) shows about one person."""
    detail = person_detail(ctx.store, person_id, timeline_limit=timeline_limit)
    return {
        "detail": detail,
        "health": health_row(ctx, person_id),
        "explanation": explanation(ctx, person_id),
        "today": ctx.today(),
        "default_cadence": ctx.config.cadence_for(detail["tier"]),
        "stale_goal_days": ctx.config.review.stale_goal_days,
    }


# -- dashboard -----------------------------------------------------------------------------


def dashboard(ctx: AppContext) -> dict[str, Any]:
    db = ctx.store.db
    today = ctx.today()
    live = f"{_LIVE} and p.triage = 0"
    trends = {
        row[0]: row[1]
        for row in db.execute(
            f"select coalesce(h.trend, 'unknown'), count(*) from people p "
            f"left join health h on h.person_id = p.id where {live} group by 1"
        )
    }
    stages = {
        row[0]: row[1]
        for row in db.execute(
            f"select coalesce(p.stage_override, h.stage, 'contact'), count(*) from people p "
            f"left join health h on h.person_id = p.id where {live} group by 1"
        )
    }
    cold = list(db.query(
        f"""select p.id, p.name, h.last_touch, h.overdue, h.cadence_days, h.health, h.trend
            from people p join health h on h.person_id = p.id
            where p.tier = 'key' and {live} and (h.overdue > 0 or h.trend = 'fading')
            order by h.overdue desc, p.name limit 10"""
    ))
    week_end = (today + dt.timedelta(days=7)).isoformat()
    due = list(db.query(
        f"""select c.id, c.text, c.due, c.direction, p.id as person_id, p.name
            from commitments c join people p on p.id = c.person_id
            where c.status = 'open' and c.due <= ? and {_LIVE}
            order by c.due, p.name limit 12""",
        [week_end],
    ))
    one_sided = list(db.query(
        f"""select p.id, p.name, h.trust, h.value, h.health from health h
            join people p on p.id = h.person_id
            where h.one_sided = 1 and {live} order by h.health, p.name limit 10"""
    ))
    start = today - dt.timedelta(days=7 * ACTIVITY_WEEKS - 1)
    weeks = [0] * ACTIVITY_WEEKS
    for ago, count in db.execute(
        "select cast((julianday(?) - julianday(substr(at, 1, 10))) / 7 as integer), count(*) "
        "from interactions where at >= ? and at < ? and person_id is not null group by 1",
        [today.isoformat(), start.isoformat(), happened_before(today).isoformat()],
    ):
        if 0 <= ago < ACTIVITY_WEEKS:
            weeks[ACTIVITY_WEEKS - 1 - ago] = count
    customers, kept = db.execute(
        f"""select count(*), coalesce(sum(coalesce(h.overdue, 1) <= 0), 0) from people p
            left join health h on h.person_id = p.id
            where {_LIVE} and p.id in (select person_id from value_moments where kind = 'deal')"""
    ).fetchone()
    counts = ctx.store.counts()
    key_people = db.execute(f"select count(*) from people p where p.tier = 'key' and {live}"
                            ).fetchone()[0]
    return {
        "key_people": key_people,
        "today": today,
        "trends": trends,
        "stages": stages,
        "cold": cold,
        "due": due,
        "one_sided": one_sided,
        "activity": weeks,
        "activity_start": start,
        "customers": customers,
        "customers_in_touch": kept,
        "people": counts["people"],
        "interactions": counts["interactions"],
    }


# -- sync ----------------------------------------------------------------------------------


def sync_overview(ctx: AppContext) -> list[dict[str, Any]]:
    """Every known source, with its last run from ``sync_state``."""
    sources = ctx.sources()
    states = {row["source"]: row for row in ctx.store.sync_states()}
    rows = []
    for name in sorted(set(sources) | set(states)):
        source = sources.get(name)
        state = states.get(name, {})
        try:
            counts = json.loads(state.get("counts") or "{}")
        except ValueError:
            counts = {}
        rows.append({
            "name": name,
            "description": source.description if source else "(no plugin offers it now)",
            "available": source is not None,
            "file_importer": bool(source and source.formats),
            "configured": name in ctx.config.sources,
            "last_run": state.get("last_run"),
            "last_ok": state.get("last_ok"),
            "last_error": state.get("last_error"),
            "counts": counts,
        })
    return rows
