"""The TUI's door to the database: one lock that serialises every worker on the shared
connection, and the read-side views the screens show (built on ``crb_tui.store.queries`` and
``crb_tui.engine.review``; the aggregates for the dashboard are plain reads of the store)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from crb_tui.engine.review import review_with_progress
from crb_tui.host.app_context import AppContext
from crb_tui.store import queries, store_errors
from crb_tui.store.queries import person_detail

T = TypeVar("T")

ACTIVITY_WEEKS = 52
"""Weeks of history the dashboard's activity chart covers (it shows as many as fit)."""

SCORES_NOTICE_AT = 2_000
"""From this many people with scores not as of today, the app says that it is bringing them
up to date (a second or so at 100,000 people) instead of doing it unannounced."""


class Gateway:
    """Runs database work on worker threads, one call at a time: the store's writer connection
    is used by one thread at a time (the store's concurrency model, ``crb_tui.store``); a long
    read takes a reader of its own (``Store.reader()``) instead of holding the others up.
    Before the first call of each day it brings the stored scores up to that day, so every
    screen reads today's scores (the app's first screen paints before that, showing that it
    is loading)."""

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
        """Call ``fn(context)`` holding the lock. Only ever from a worker thread. The database's
        errors come out as CRB's own (:class:`crb_tui.errors.StoreBusy`,
        :class:`crb_tui.errors.StoreUnavailable`)."""
        with self._lock, store_errors():
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
    empty = not items and not queries.has_people(ctx.store)
    return items, done, total, empty, warnings


def health_row(ctx: AppContext, person_id: int) -> dict[str, Any] | None:
    """The person's stored scores, once scored (see :func:`crb_tui.store.queries.scored_health`)."""
    return queries.scored_health(ctx.store, person_id)


def explanation(ctx: AppContext, person_id: int) -> dict[str, Any] | None:
    """What made each gauge, from the health model (``None`` if it cannot say)."""
    try:
        from crb_tui.engine import health
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
    """What the dashboard shows, as of today (see :func:`crb_tui.store.queries.dashboard`)."""
    return queries.dashboard(ctx.store, ctx.today(), weeks=ACTIVITY_WEEKS)


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
        paths = (ctx.config.sources.get(name) or {}).get("paths") or []
        paths = [str(p) for p in paths] if isinstance(paths, list) else [str(paths)]
        rows.append({
            "name": name,
            "description": source.description if source else "(no plugin offers it now)",
            "available": source is not None,
            # A file importer with ``paths`` configured syncs those files, as `crb sync` does.
            "file_importer": bool(source and source.formats) and not paths,
            "configured": name in ctx.config.sources,
            "paths": paths,
            "needs_config": bool(source and source.config_schema),
            "last_run": state.get("last_run"),
            "last_ok": state.get("last_ok"),
            "last_error": state.get("last_error"),
            "counts": counts,
        })
    return rows
