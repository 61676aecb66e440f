"""Relationship health: Warmth, Trust, Value, Health, trend, stage and the one-sided flag.

Scores are computed in bulk from a handful of SQL aggregates grouped by person (``compute_all``,
which fills the ``health`` cache table) and explained for one person part by part, with the
events behind every number (``explain``, ``describe``). Both paths run the same statements, so
they always agree. The statements are the store's (``crb_tui.store.health_sql``, run by
``crb_tui.store.health_run``); this module adds the plugins' signals and owns the public API.
The model and its defaults: docs/health.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from crb_tui.clock import today as clock_today
from crb_tui.clock import user_tz
from crb_tui.config import Config, HealthConfig
from crb_tui.engine import plugin_calls
from crb_tui.engine.health_explain import _Explainer, describe
from crb_tui.engine.plugin_calls import PluginCalls
from crb_tui.engine.scores import EXPLAINED, SIGNAL_GAUGES, Health, Part
from crb_tui.errors import CrbError, user_message
from crb_tui.records import STAGES
from crb_tui.store import Store, health_run, person_rows
from crb_tui.store.health_functions import jd
from crb_tui.store.health_run import Run
from crb_tui.text import plain

__all__ = ["EXPLAINED", "SIGNAL_GAUGES", "Health", "HealthConfig", "Part", "bring_up_to_date",
           "compute_all", "describe", "explain", "model_key", "stale_people"]

log = logging.getLogger(__name__)


# -- plugin signals ------------------------------------------------------------------------


def _plugins_active() -> bool:
    from crb_tui.hooks import pm

    return bool(pm.hook.health_signals.get_hookimpls())


def _signals_change_daily() -> bool:
    """Whether a plugin says its signals may change from one day to the next with nothing of
    the person written (``signals_change_daily = True`` on the plugin: its module or object):
    then a new day asks it for everyone, else only for the people scored again."""
    from crb_tui.hooks import pm

    return any(getattr(impl.plugin, "signals_change_daily", False) is True
               for impl in pm.hook.health_signals.get_hookimpls())


def _history(store: Store, person_id: int, clock: Run) -> dict[str, Any]:
    return {**person_rows.history(store, person_id, clock.cut), "today": clock.today}


_CHUNK = 500
"""People read at once for the plugins' signals: one query per chunk, not per person."""


def _chunks(store: Store, scope: list[int]) -> Iterator[dict[str, Any]]:
    """The people rows of ``scope``, read a chunk at a time."""
    for start in range(0, len(scope), _CHUNK):
        yield from person_rows.rows_of(store, scope[start:start + _CHUNK])


class _History(Mapping[str, Any]):
    """A person's ``history`` for ``health_signals``, read from the store the first time a
    plugin looks into it: most signals decide from the person alone, and reading every
    person's interactions costs several times the whole recompute (trial 8 V13)."""

    def __init__(self, store: Store, person_id: int, clock: Run) -> None:
        self._store, self._person_id, self._clock = store, person_id, clock
        self._rows: dict[str, Any] | None = None

    def _read(self) -> dict[str, Any]:
        if self._rows is None:
            self._rows = _history(self._store, self._person_id, self._clock)
        return self._rows

    def __getitem__(self, key: str) -> Any:
        return self._clock.today if key == "today" else self._read()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(("interactions", "commitments", "value_moments", "today"))

    def __len__(self) -> int:
        return 4


class _Said:
    """What has been said today about plugins whose ``health_signals`` fails, so each is said
    once a day in a process: once per ``crb`` command (one process), however many people it
    scores and whether it recomputes, explains or both; in the app, left open for days, again
    on a later day (a plugin still failing tomorrow is said tomorrow, never silenced for good).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # (the app scores in worker threads)
        self._day: dt.date | None = None
        self._said: set[tuple[str, str]] = set()

    def first_today(self, plugin: str, what: str) -> bool:
        """Whether ``what`` of ``plugin`` is yet to be said today; it counts as said from now."""
        today = clock_today()
        with self._lock:
            if today != self._day:
                self._day, self._said = today, set()
            if (plugin, what) in self._said:
                return False
            self._said.add((plugin, what))
            return True


_SAID = _Said()


def _signals(
    calls: PluginCalls, person: dict[str, Any], history: Mapping[str, Any]
) -> tuple[list[tuple[str, float, str, str]], bool]:
    """Signals from every plugin implementing ``health_signals``, each plugin isolated: one that
    raises or returns something malformed is skipped, never stops the others, and is logged
    once a day (:class:`_Said`). Also whether a plugin raised for this person (its signals are
    missing, not absent)."""
    from crb_tui.hooks import pm

    found: list[tuple[str, float, str, str]] = []
    missing = False
    for impl in pm.hook.health_signals.get_hookimpls():
        name = pm.get_name(impl.plugin) or "plugin"
        try:
            result: Any = calls.call(impl, name, person=dict(person), history=history)
        except Exception as exc:
            missing = True
            log.debug("health_signals of plugin %s failed", name, exc_info=True)
            if _SAID.first_today(name, "failed"):
                log.warning("plugin %s: health_signals failed (%s); its signals are "
                            "left out", name, user_message(exc))
            continue
        good, problems = plugin_calls.signals(result, name)
        if problems and _SAID.first_today(name, "malformed"):
            log.warning("plugin %s: health_signals returned a malformed signal (%s); it is "
                        "left out", name, problems[0])
        for signal in good:
            reason = plain(signal.reason or "no reason given", one_line=True)
            found.append((signal.gauge, signal.points, reason, name))
    return found, missing



# -- the public API ------------------------------------------------------------------------


def _as_date(today: dt.date) -> dt.date:
    if isinstance(today, dt.datetime):
        return today.date()
    if not isinstance(today, dt.date):
        raise CrbError(f"health: today must be a date, not {today!r}")
    return today


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
    run = Run(config, today)

    def signal_sums(scope: list[int]) -> tuple[list[tuple[float, float, float, int]], list[int]]:
        calls = PluginCalls(store, config, today)
        sums, missing = [], []
        for person in _chunks(store, scope):
            pid = person["id"]
            signals, failing = _signals(calls, person, _History(store, pid, run))
            if signals:
                sums.append((*_signal_sums(signals), pid))
            if failing:
                missing.append(pid)
        return sums, missing

    return health_run.compute(store, run, ids, model_key(config),
                              signal_sums if _plugins_active() else None,
                              daily_signals=_signals_change_daily())


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

    run = Run(config, dt.date(2000, 1, 3))
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
    plugin calls, the carried basis and the view that works the scores out), read once per
    process: it cannot change while the process runs."""
    import hashlib
    from pathlib import Path

    from crb_tui.engine import health_explain, health_value
    from crb_tui.store import health_basis, health_functions, health_sql, health_view

    digest = hashlib.sha256()
    for module in (health_sql, health_run, health_functions, health_value, health_explain,
                   plugin_calls, health_basis, health_view):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def stale_people(store: Store, today: dt.date, key: str | None = None) -> tuple[int, list[int]]:
    """How many people have a stored score, and the ids of those whose score is not as of
    ``today`` (a new day has come: everyone's; or their parameters no longer hold, or a write
    stored them and was stopped before scoring), or, ``key`` given, was computed by another
    model (``model_key``): then everyone's is."""
    day = _as_date(today)
    if key is not None and health_run.stored_key(store) != key:
        every = health_run.scored_people(store)
        return len(every), every
    return health_run.people_not_scored_on(store, day.isoformat(), jd(day))


def bring_up_to_date(store: Store, config: Config, today: dt.date) -> int:
    """Make every score as of ``today``: what each command and the app do before they read
    scores, so that time passing changes Warmth, overdue and trend everywhere the same way
    ``explain`` does, with nothing written in between. Nothing to do (two index lookups) when
    the scores are already today's; on a new day, only the people whose facts change are
    scored again (the others' scores are worked out from what is stored: the view ``health``).
    The number of people whose scores were brought to ``today``."""
    today = _as_date(today)
    if not needs_update(store, config, today):
        return 0
    return compute_all(store, config, today)


def needs_update(store: Store, config: Config, today: dt.date) -> bool:
    """Whether anyone's stored scores are not as of ``today`` (two index lookups)."""
    return health_run.needs_run(store, jd(_as_date(today)), model_key(config))


def explain(store: Store, config: Config, person_id: int, today: dt.date) -> Health:
    """One person's scores, the same numbers ``compute_all`` stores, with every part explained
    and the events behind it (plugin signals included)."""
    today = _as_date(today)
    person = store.person(person_id)
    if person["merged_into"] is not None:
        raise CrbError(
            f"{person['name']} (id {person_id}) was merged into id {person['merged_into']}"
        )
    run = Run(config, today)
    history = _history(store, person_id, run)
    signals, _failing = _signals(PluginCalls(store, config, today), person, history)
    row = health_run.explain_row(store, run, person_id,
                                 _signal_sums(signals) if signals else None)
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


