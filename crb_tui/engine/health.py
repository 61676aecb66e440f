"""Relationship health: Warmth, Trust, Value, Health, trend, stage and the one-sided flag.

Scores are computed in bulk from a handful of SQL aggregates grouped by person (``compute_all``,
which fills the ``health`` cache table) and explained for one person part by part, with the
events behind every number (``explain``, ``describe``). Both paths run the same statements, so
they always agree. The model and its defaults: docs/health.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from crb_tui.clock import user_tz
from crb_tui.config import Config, HealthConfig
from crb_tui.engine import health_carry, plugin_calls
from crb_tui.engine.health_explain import _Explainer, describe
from crb_tui.engine.health_model import (
    _RESULT,
    _ROWS,
    _SCOPE,
    HEALTH_COLUMNS,
    _Run,
)
from crb_tui.engine.plugin_calls import PluginCalls
from crb_tui.engine.scores import EXPLAINED, SIGNAL_GAUGES, Health, Part
from crb_tui.errors import CrbError
from crb_tui.records import STAGES
from crb_tui.store import Store, person_rows
from crb_tui.store.signals import set_signal_sums
from crb_tui.text import plain

__all__ = ["EXPLAINED", "SIGNAL_GAUGES", "Health", "HealthConfig", "Part", "bring_up_to_date",
           "compute_all", "describe", "explain", "model_key", "stale_people"]

log = logging.getLogger(__name__)


# -- plugin signals ------------------------------------------------------------------------


def _plugins_active() -> bool:
    from crb_tui.hooks import pm

    return bool(pm.hook.health_signals.get_hookimpls())


def _history(store: Store, person_id: int, clock: _Run) -> dict[str, Any]:
    return {**person_rows.history(store, person_id, clock.cut), "today": clock.today}


def _signals(
    calls: PluginCalls, person: dict[str, Any], history: dict[str, Any]
) -> list[tuple[str, float, str, str]]:
    """Signals from every plugin implementing ``health_signals``, each plugin isolated: one that
    raises or returns something malformed is logged and skipped, never stops the others."""
    from crb_tui.hooks import pm

    found: list[tuple[str, float, str, str]] = []
    for impl in pm.hook.health_signals.get_hookimpls():
        name = pm.get_name(impl.plugin) or "plugin"
        try:
            result: Any = calls.call(impl, name, person=dict(person), history=history)
        except Exception:
            log.debug("health_signals of plugin %s failed", name, exc_info=True)
            log.warning("plugin %s: health_signals failed; its signals are left out", name)
            continue
        good, problems = plugin_calls.signals(result, name)
        for problem in problems:
            log.warning("plugin %s returned a malformed health signal: %s", name, problem)
        for signal in good:
            reason = plain(signal.reason or "no reason given", one_line=True)
            found.append((signal.gauge, signal.points, reason, name))
    return found



# -- the public API ------------------------------------------------------------------------


def _as_date(today: dt.date) -> dt.date:
    if isinstance(today, dt.datetime):
        return today.date()
    if not isinstance(today, dt.date):
        raise CrbError(f"health: today must be a date, not {today!r}")
    return today


def _ensure_math(conn: Any) -> None:
    """The model needs exp, pow, sqrt and ln; SQLite built without its math functions gets them
    from Python (slower, same numbers)."""
    try:
        conn.execute("select exp(0.0), pow(2.0, 1.0), sqrt(4.0), ln(1.0)").fetchone()
    except sqlite3.OperationalError:  # "no such function"
        conn.create_function("ln", 1, math.log, deterministic=True)
        conn.create_function("exp", 1, math.exp, deterministic=True)
        conn.create_function("pow", 2, math.pow, deterministic=True)
        conn.create_function("sqrt", 1, math.sqrt, deterministic=True)


def _suspend_foreign_keys(conn: Any) -> bool:
    """Switch foreign key checks off if they are on and can be; True if they were."""
    if conn.in_transaction or not conn.execute("pragma foreign_keys").fetchone()[0]:
        return False
    conn.execute("pragma foreign_keys = off")
    return True


def _set_signals(store: Store, rows: list[tuple[float, float, float, int]]) -> None:
    set_signal_sums(store, _SCOPE, rows)


def _signal_sums(signals: Sequence[tuple[str, float, str, str]]) -> tuple[float, float, float]:
    sums = dict.fromkeys(SIGNAL_GAUGES, 0.0)
    for gauge, points, _reason, _plugin in signals:
        sums[gauge] += points
    return sums["warmth"], sums["trust"], sums["value"]


def compute_all(
    store: Store, config: Config, today: dt.date, person_ids: Iterable[int] | None = None
) -> int:
    """Recompute and store the scores of every live person, or only of ``person_ids``.

    Bulk: one statement of a few aggregate queries grouped by person, evaluated and upserted by
    SQLite. Rows of people merged away (or gone) among those asked for are removed. Plugins'
    ``health_signals`` are asked person by person, and only when a plugin implements the hook.
    Returns the number of people scored.
    """
    today = _as_date(today)
    ids = None if person_ids is None else sorted({int(i) for i in person_ids})
    if ids is not None and not ids:
        return 0
    # Its temp tables and its switching of foreign keys span several statements: no other
    # thread uses the connection meanwhile (the store's turn, see crb_tui.store).
    with store.turn:
        return _compute(store, config, today, ids)


def _compute(store: Store, config: Config, today: dt.date, ids: list[int] | None) -> int:
    run = _Run(config, today)
    key = model_key(config)
    conn = store.db.conn
    _ensure_math(conn)
    run.register(conn)
    carried = ids is None and run.can_carry
    run.fill_scope(store, ids, scans=not carried)
    try:
        scope = [row[0] for row in conn.execute(f"select person_id from {_SCOPE}")]
        if scope and _plugins_active():
            calls = PluginCalls(store, config, today)
            sums = []
            for pid in scope:
                signals = _signals(calls, store.person(pid), _history(store, pid, run))
                if signals:
                    sums.append((*_signal_sums(signals), pid))
            _set_signals(store, sums)
        if scope:
            run.aggregate(store, whole=ids is None, carry=(
                (lambda: health_carry.carry(run, store, key)) if carried else None))
            # The model is evaluated before the write lock is taken, so a second process
            # waits only for the rows to be copied in.
            with store.snapshot():
                conn.execute(f"create temp table {_OUT} as {run.sql()} {_ROWS}", run.params)
        # Every row written belongs to a live person read in this same run, so the foreign key
        # check (half the cost of the write) is switched off for it when no transaction is
        # open (the pragma cannot change inside one).
        checks = _suspend_foreign_keys(conn)
        try:
            with store.transaction():
                if ids is None:
                    _replace_all(conn, bool(scope))
                    conn.execute("insert or replace into health_model (id, key) values (1, ?)",
                                 [key])
                else:
                    conn.execute(
                        "delete from health where person_id in (select value from json_each(?))",
                        [json.dumps(ids)],
                    )
                    if scope:
                        conn.execute(
                            f"insert into health ({HEALTH_COLUMNS}) select * from {_OUT}")
                # Everyone listed keeps a row, scored or not: the people list sorts from
                # this table.
                conn.execute(
                    "insert or ignore into health (person_id) select id from people "
                    "where merged_into is null"
                    + ("" if ids is None else " and id in (select value from json_each(?))"),
                    [] if ids is None else [json.dumps(ids)],
                )
        finally:
            if checks:
                conn.execute("pragma foreign_keys = on")
    finally:
        run.clear(store)
        with store.snapshot():
            conn.execute(f"drop table if exists {_OUT}")
    return len(scope)


_OUT = "temp._crb_health_out"
"""The scores of one run, computed before they are written."""


def _replace_all(conn: Any, scored: bool) -> None:
    """Everyone's scores at once: the table's indexes are dropped and built again afterwards
    (sorting 100,000 rows once costs half of keeping four indexes up to date row by row). The
    indexes are read back from the schema, so the migrations stay the one place that defines
    them; inside the transaction, a failure puts them back."""
    indexes = [sql for (sql,) in conn.execute(
        "select sql from sqlite_master where type = 'index' and tbl_name = 'health'"
        " and sql is not null")]
    names = [name for (name,) in conn.execute(
        "select name from sqlite_master where type = 'index' and tbl_name = 'health'"
        " and sql is not null")]
    for name in names:
        conn.execute(f'drop index "{name}"')
    conn.execute("delete from health")
    if scored:
        conn.execute(f"insert into health ({HEALTH_COLUMNS}) select * from {_OUT}")
    for sql in indexes:
        conn.execute(sql)


_DAY_PARAMS = frozenset(
    {"cut", "pcut", "cjd", "today", "pday", "day_n", "day_p", "xweek", "xlo"})
"""The model's parameters that name the day it looks from (the rest are its settings)."""


def model_key(config: Config) -> str:
    """A key of the model that computes the scores: its code (the engine's health modules),
    its settings (``[health]``, ``[cadence]``) and the plugins that add signals (each one's
    name, hook code and settings). Scores stored under another key are out of date, whatever
    their day."""
    import hashlib
    import inspect

    from crb_tui.hooks import plugin_settings, pm

    run = _Run(config, dt.date(2000, 1, 3))
    parts: list[Any] = [
        {k: v for k, v in sorted(run.params.items()) if k not in _DAY_PARAMS},
        sorted(run.exchange.items()),
        _engine_code(),
        # days are counted on the user's calendar: another zone dates touches differently
        str(user_tz(config.me.timezone)),
    ]
    for impl in pm.hook.health_signals.get_hookimpls():
        try:
            code = inspect.getsource(impl.function)
        except (OSError, TypeError):
            code = repr(impl.function)
        name = pm.get_name(impl.plugin) or ""
        try:
            settings: Any = plugin_settings(config, name) if "settings" in impl.argnames else {}
        except CrbError as exc:  # wrong settings: the signals' call reports it
            settings = str(exc)
        parts.append([name, code, settings])
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@functools.cache
def _engine_code() -> str:
    """A digest of the health engine's own code (the model, its parts, its explanation, the
    plugin calls and the carried basis), read once per process: it cannot change while the
    process runs."""
    import hashlib
    from pathlib import Path

    from crb_tui.engine import health_explain, health_model, health_value
    from crb_tui.store import health_basis

    digest = hashlib.sha256()
    for module in (health_model, health_value, health_explain, plugin_calls, health_carry,
                   health_basis):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _stored_key(store: Store) -> str | None:
    row = store.conn.execute("select key from health_model where id = 1").fetchone()
    return None if row is None else str(row[0])


def stale_people(store: Store, today: dt.date, key: str | None = None) -> tuple[int, list[int]]:
    """How many people have a stored score, and the ids of those whose score is not as of
    ``today`` (a new day has come, or a write stored them and was stopped before scoring), or,
    ``key`` given, was computed by another model (``model_key``): then everyone's is."""
    day = _as_date(today).isoformat()
    conn = store.conn
    if key is not None and _stored_key(store) != key:
        every = [row[0] for row in conn.execute("select person_id from health")]
        return len(every), every
    stale = [row[0] for row in conn.execute(
        "select person_id from health where computed_on is null or computed_on < ? "
        "or computed_on > ?", [day, day])]
    if not stale:
        return 0, []
    total = conn.execute("select count(*) from health").fetchone()[0]
    return total, stale


def bring_up_to_date(store: Store, config: Config, today: dt.date) -> int:
    """Make every stored score as of ``today``: what each command and the app do before they
    read scores, so that time passing changes Warmth, overdue and trend everywhere the same
    way ``explain`` does, with nothing written in between. Nothing to do (one index lookup)
    when the scores are already today's. The number of people scored."""
    total, stale = stale_people(store, today, model_key(config))
    if not stale:
        return 0
    # The whole store in one pass is cheaper than looking up most of it person by person.
    ids = None if len(stale) * 4 >= total else stale
    return compute_all(store, config, today, ids)


def explain(store: Store, config: Config, person_id: int, today: dt.date) -> Health:
    """One person's scores, the same numbers ``compute_all`` stores, with every part explained
    and the events behind it (plugin signals included)."""
    today = _as_date(today)
    person = store.person(person_id)
    if person["merged_into"] is not None:
        raise CrbError(
            f"{person['name']} (id {person_id}) was merged into id {person['merged_into']}"
        )
    run = _Run(config, today)
    conn = store.db.conn
    _ensure_math(conn)
    run.register(conn)
    history = _history(store, person_id, run)
    signals = _signals(PluginCalls(store, config, today), person, history)
    run.fill_scope(store, [person_id])
    try:
        if signals:
            _set_signals(store, [(*_signal_sums(signals), person_id)])
        run.aggregate(store, whole=False)
        cur = conn.execute(run.sql(explain=True) + _RESULT, run.params)
        names = [d[0] for d in cur.description]
        row = dict(zip(names, cur.fetchone(), strict=True))
    finally:
        run.clear(store)
    override = row["override"] if row["override"] in STAGES else None
    health = Health(
        person_id=person_id,
        warmth=row["w_n"],
        trust=row["t_n"],
        value=row["v_n"],
        health=row["h_n"],
        trend=row["trend"],
        health_past=row["h_p"],
        stage=override or row["stage_derived"],
        stage_derived=row["stage_derived"],
        one_sided=bool(row["one_sided"]),
        last_touch=row["last_n"],
        last_two_way=row["two_n"],
        cadence_days=row["cad"],
        overdue=row["overdue"],
    )
    health.explanation = _Explainer(run, row, history, signals, override).parts()
    return health


