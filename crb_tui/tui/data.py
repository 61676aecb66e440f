"""The TUI's door to the database (:class:`Gateway`): reads on a small pool of read-only
connections, writes on the store's one writer, taking turns on it with the sync runner; and the
read-side views the screens show (built on ``crb_tui.store.queries`` and
``crb_tui.engine.review``; the aggregates for the dashboard are plain reads of the store)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

from crb_tui.config import Config
from crb_tui.engine.review import review_with_progress
from crb_tui.host.app_context import AppContext
from crb_tui.sources import ProgressCallback, Source
from crb_tui.store import ReadPool, Store, queries, store_errors
from crb_tui.store.locking import BUSY_TIMEOUT_MS
from crb_tui.store.queries import person_detail
from crb_tui.store.resolving import live_id

T = TypeVar("T")
Token = tuple[int, tuple[int, int]]
"""What :meth:`Gateway.change_token` gives: (the app's own writes, everyone's)."""

ACTIVITY_WEEKS = 52
"""Weeks of history the dashboard's activity chart covers (it shows as many as fit)."""

SCORES_NOTICE_AT = 2_000
"""From this many people with scores not as of today, the app says that it is bringing them
up to date (a second or so at 100,000 people) instead of doing it unannounced."""


class Context(Protocol):
    """What a call through the gateway is given: the store (the writer for :meth:`Gateway.run`,
    a read-only reader for :meth:`Gateway.read`), the config, today and the sources."""

    @property
    def store(self) -> Store: ...
    @property
    def config(self) -> Config: ...
    def today(self) -> dt.date: ...
    def sources(self) -> dict[str, Source]: ...


class Reading:
    """A read's :class:`Context`: the app's, with a reader of the pool for its store, and the
    gateway's :meth:`~Gateway.change_token` as the read started (``token``)."""

    def __init__(self, context: AppContext, store: Store, token: Token) -> None:
        self._context = context
        self.store = store
        self.token = token

    @property
    def config(self) -> Config:
        return self._context.config

    def today(self) -> dt.date:
        return self._context.today()

    def sources(self) -> dict[str, Source]:
        return self._context.sources()


class Gateway:
    """Runs database work on worker threads, in the store's concurrency model
    (``crb_tui.store``): :meth:`read` on a reader lent by a small pool (reads run side by side,
    and beside a write: each sees the last commit), :meth:`run` on the store's one writer,
    one thread at a time (it holds the writer's turn for the whole call), and :meth:`sync`, the
    app's sync, on that same writer, taking its turn per batch (an action waits at most for one
    batch's commit). Before the first call of each day it brings the stored scores up to that
    day, so every screen reads today's scores (the app's first screen paints before that,
    showing that it is loading)."""

    def __init__(
        self, context: AppContext, *, notice: Callable[[str], None] | None = None
    ) -> None:
        self.context = context
        self.syncing = 0
        """How many syncs run now (the app's end after a stop signal waits for them)."""
        self._scores_day: dt.date | None = None
        self._scored_version: int | None = None
        """The store's data version (what other connections committed) when the scores were
        last brought up to date: another program's write marks people to score again."""
        self._opening = threading.Lock()
        self._pool: ReadPool | None = None
        self._own = 0
        """Changes the app's own calls to :meth:`run` made (see :meth:`change_token`)."""
        self._token: Token | None = None
        self.notice = notice
        """Called (from the worker thread) with a line to show before a long re-scoring."""

    def scores_are_today(self, day: dt.date) -> None:
        """Say that the scores are known to be as of ``day`` (the app checked before start)."""
        self._scores_day = day

    def run(self, fn: Callable[[AppContext], T]) -> T:
        """Call ``fn(context)`` on the writer, holding its turn: for writes (and reads that
        must see them in the same call). Only ever from a worker thread. The database's errors
        come out as CRB's own (:class:`crb_tui.errors.StoreBusy`,
        :class:`crb_tui.errors.StoreUnavailable`)."""
        with store_errors():
            store = self._writer()
            with self._own_turn(store):
                if self.notice is not None and store.held_elsewhere():
                    # (else the app would show nothing for as long as it waits)
                    self.notice(f"Waiting for the database: another program is writing to "
                                f"it (up to {BUSY_TIMEOUT_MS // 1000} s)…")
                self._bring_scores_up_to_date()
                return fn(self.context)

    def read(self, fn: Callable[[Reading], T]) -> T:
        """Call ``fn(context)`` with a reader of the pool for ``context.store``, in one read
        transaction: it waits for no write, and sees the last commit whole (one as new as
        ``context.token`` at least). Only from a worker thread; errors as :meth:`run`'s. (An
        in-memory store has no readers: its writer then, holding its turn.)"""
        with store_errors():
            store = self._writer()
            token = self.change_token()
            if self._scores_day != self.context.today():
                with self._own_turn(store):
                    self._bring_scores_up_to_date()
                token = self.change_token()
            elif token[1][1] != self._scored_version:
                # another program wrote: the people it changed are scored again (what that
                # writes counts as a change made elsewhere: the screens read again)
                with store.turn:
                    self._bring_scores_up_to_date()
            pool = self._readers(store.path)
            if pool is None:
                with store.turn:
                    return fn(Reading(self.context, store, token))
            with pool.reader() as reader:
                return fn(Reading(self.context, reader, token))

    def sync(self, names: Iterable[str], *, progress: ProgressCallback | None = None,
             cancelled: Callable[[], bool] | None = None) -> list[Any]:
        """Run the sources ``names`` on the writer (see :meth:`AppContext.sync`): each batch
        it writes takes the writer's turn for its transaction only, so the app's own calls
        go on between two batches, and reads meanwhile see each batch once it is committed."""
        with store_errors():
            self._writer()
            self.syncing += 1
            try:
                return self.context.sync(names, progress=progress, cancelled=cancelled)
            finally:
                self.syncing -= 1

    def change_token(self) -> Token:
        """``(own, others)``: ``own`` changes once the app's own calls (:meth:`run`) wrote;
        ``others`` once anything else was written since: the app's sync (or a re-scoring for
        a new day) on the writer, or another process (see
        :meth:`crb_tui.store.Store.change_token`). It never waits for a write: while the
        writer is busy (a sync's batch, an action), it is what it was before that write began
        (the write is then seen by the next one)."""
        with store_errors():
            store = self._writer()
            if not store.turn.acquire(blocking=self._token is None):
                return self._token  # type: ignore[return-value]  # (not None: see blocking)
            try:
                changes, version = store.change_token()
                self._token = (self._own, (changes - self._own, version))
            finally:
                store.turn.release()
            return self._token

    @property
    def readers_open(self) -> int:
        """How many read connections the pool has open."""
        return 0 if self._pool is None else self._pool.open

    def close(self) -> None:
        """Close the read connections (a read still running closes its own as it ends; the
        writer is the context's to close). Reads after this fail."""
        with self._opening:
            if self._pool is None:
                self._pool = ReadPool(Path(), size=1)
            self._pool.close()

    @contextlib.contextmanager
    def _own_turn(self, store: Store) -> Iterator[None]:
        """The writer's turn, for the app's own writes: what they change counts as ``own``
        in :meth:`change_token` (the screens that wrote read again by themselves)."""
        with store.turn:
            before = store.change_token()[0]
            try:
                yield
            finally:
                changes, version = store.change_token()
                self._own += changes - before
                self._token = (self._own, (changes - self._own, version))

    def _writer(self) -> Store:
        with self._opening:  # the first call opens it (the app has, before it starts)
            return self.context.store

    def _readers(self, path: Path | None) -> ReadPool | None:
        if path is None:
            return None
        with self._opening:
            if self._pool is None:
                self._pool = ReadPool(path)
            return self._pool

    def _bring_scores_up_to_date(self) -> None:
        """Bring the scores up to today, once a day, and again whenever another program wrote
        (it marked the people it changed: trial 11 T4); the writer's turn held."""
        today = self.context.today()
        version = self.context.store.change_token()[1]
        if self._scores_day == today and version == self._scored_version:
            return
        if version != self._scored_version:
            # Another program wrote: a newer CRB may have upgraded the database meanwhile.
            self.context.store.check_schema()
        if self._scores_day != today:
            stale = self.context.stale_scores()
            if stale >= SCORES_NOTICE_AT and self.notice is not None:
                self.notice(f"Bringing {stale:,} people's scores up to {today.isoformat()}…")
        self.context.bring_scores_up_to_date()
        self._scores_day = today
        self._scored_version = self.context.store.change_token()[1]


# -- review --------------------------------------------------------------------------------


def review_queue(ctx: Context) -> tuple[list[Any], int, int, bool, list[str]]:
    """Today's queue, (done, total), whether the store holds no one at all yet, and what went
    wrong with plugins' review items. It writes (the day's queue is remembered): through
    :meth:`Gateway.run`."""
    warnings: list[str] = []
    items, done, total = review_with_progress(ctx.store, ctx.config, ctx.today(),
                                              warnings=warnings)
    empty = not items and not queries.has_people(ctx.store)
    return items, done, total, empty, warnings


def health_row(ctx: Context, person_id: int) -> dict[str, Any] | None:
    """The person's stored scores, once scored (see :func:`crb_tui.store.queries.scored_health`)."""
    return queries.scored_health(ctx.store, person_id)


def explanation(ctx: Context, person_id: int) -> dict[str, Any] | None:
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


def person_page(ctx: Context, person_id: int, *, timeline_limit: int = 50) -> dict[str, Any]:
    """Everything the person screen (and the review card) shows about one person. Someone
    merged into another (by another program, while their page was open) is shown as the
    person they live on as, with ``merged_from`` saying who was asked for."""
    merged_from = None
    now = live_id(ctx.store, person_id)
    if now != person_id:
        merged_from = {"id": person_id, "name": ctx.store.person(person_id)["name"]}
        person_id = now
    detail = person_detail(ctx.store, person_id, timeline_limit=timeline_limit)
    return {
        "merged_from": merged_from,
        "detail": detail,
        "health": health_row(ctx, person_id),
        "explanation": explanation(ctx, person_id),
        "today": ctx.today(),
        "default_cadence": ctx.config.cadence_for(detail["tier"]),
        "stale_goal_days": ctx.config.review.stale_goal_days,
    }


# -- dashboard -----------------------------------------------------------------------------


def dashboard(ctx: Context) -> dict[str, Any]:
    """What the dashboard shows, as of today (see :func:`crb_tui.store.queries.dashboard`)."""
    return queries.dashboard(ctx.store, ctx.today(), weeks=ACTIVITY_WEEKS)


# -- sync ----------------------------------------------------------------------------------


def sync_overview(ctx: Context) -> list[dict[str, Any]]:
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
