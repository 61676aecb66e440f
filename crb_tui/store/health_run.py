"""Running the health model (``health_sql``): a ``Run`` holds one evaluation's parameters (the
days it looks from, the settings of ``[health]`` and ``[cadence]``) and fills its temp tables
(the people in scope, the aggregates); ``compute`` evaluates it for everyone or a few people and
writes the ``health`` table, ``explain_row`` evaluates it for one person with every
intermediate number, ``stale_people`` finds the stored scores that are not as of a day.
``crb_tui.engine.health`` calls these (with the plugins' signals) and owns the public API."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from crb_tui import clock
from crb_tui.config import Config, HealthConfig
from crb_tui.records import INTERACTION_KINDS, TIERS
from crb_tui.store import Store, health_basis, health_view
from crb_tui.store.health_functions import (
    EXCHANGE_WEEKS,
    ensure_math,
    jd,
    register_exchange,
    register_local_days,
    stamp,
    week_of,
    week_start,
    week_weights,
)
from crb_tui.store.health_sql import (
    _EXCH,
    _RESULT,
    _SCOPE,
    _TEMP,
    PARAMS,
    SERIES_KINDS,
    XWEEKS,
    _aggregates,
    _exchange_sql,
    _model_sql,
    _points_case,
    _popcount,
    _touches,
    _window_start,
)
from crb_tui.store.signals import set_signal_sums

SignalSums = Callable[[list[int]], tuple[list[tuple[float, float, float, int]], list[int]]]
"""Given the ids of the people in scope, the plugins' signals of those who have any, as
(warmth, trust, value, person id) sums, and the ids of those for whom a plugin failed (their
rows are stored as not up to date, so the next read scores them again)."""


def _cut(today: dt.date) -> str:
    """What has happened by ``today`` (``clock.happened_before``): on the clock's own today
    only what has started by now; a meeting later today or in the weeks ahead is no touch."""
    return clock.happened_before(today).isoformat()


class Run:
    """One evaluation of the model: the days it looks from, its parameters and its scope."""

    def __init__(self, config: Config, today: dt.date) -> None:
        hc = config.health
        self.config = config
        self.today = today
        self.past = today - dt.timedelta(days=max(0, hc.trend_window_days))
        one = dt.timedelta(days=1)
        self.cut = _cut(today)
        """Data strictly before this is what exists today (see ``_cut``)."""
        self.pcut = stamp(self.past + one)
        self.lam = math.log(2) / max(1e-9, hc.value_half_life_days)
        self.windows = min(24, max(1, hc.trust_consistency_windows))
        cjd, pjd = jd(today + one), jd(self.past + one)
        self.params: dict[str, Any] = {
            "cut": self.cut, "pcut": self.pcut, "cjd": cjd, "lam": self.lam,
            "factor": math.exp(self.lam * (cjd - pjd)),
            "today": today.isoformat(), "pday": self.past.isoformat(),
            "day_n": jd(today), "day_p": jd(self.past),
            "windows": self.windows, "window_bits": (1 << self.windows) - 1,
            "uncadenced": max(1, hc.uncadenced_days),
            "grace": max(0.0, hc.warmth_grace_cadences),
            "half": max(1e-9, hc.warmth_half_life_cadences),
            "prior": max(0.0, hc.trust_prior), "prior_mean": _unit(hc.trust_prior_mean),
            "late": _unit(hc.trust_late_credit), "overdue": _unit(hc.trust_overdue_credit),
            "cons_prior": max(0.0, hc.trust_consistency_prior),
            "scale": max(1e-9, hc.value_scale), "floor": _unit(hc.health_warmth_floor),
            "rel_recip": hc.relationship_reciprocity, "rel_days": hc.relationship_days,
            "rel_trust": hc.relationship_trust, "rel_value": hc.relationship_value,
            "partner_days": hc.partner_days, "partner_trust": hc.partner_trust,
            "partner_value": hc.partner_value, "sided_min": max(1, hc.one_sided_messages),
            "sided_ratio": max(1.0, hc.one_sided_ratio),
            "sided_since": stamp(today - dt.timedelta(days=max(0, hc.one_sided_days))),
            "trend_threshold": hc.trend_threshold,
            "trend_days": max(0, hc.trend_window_days),
            "trend_shift": f"+{max(0, hc.trend_window_days)} days",
            "sided_days": max(0, hc.one_sided_days),
        }
        for tier in TIERS:
            self.params[f"cad_{tier}"] = max(0, config.cadence_for(tier))
        self.params.update(_trust_weights(hc))
        together, kinds = _points_case(
            "i.kind", hc.value_points, INTERACTION_KINDS, "t", self.params
        )
        moments, _ = _points_case(
            "v.kind", hc.value_points, [k for k in hc.value_points if k not in INTERACTION_KINDS],
            "v", self.params,
        )
        # weeks in which both wrote: the kinds that earn points, and the weeks the masks hold
        self.exchange = {
            k: float(p) for k, p in hc.exchange_points.items() if k in INTERACTION_KINDS and p > 0
        }
        week = week_of(today)
        oldest = week_start(week - EXCHANGE_WEEKS + 1)
        self.params.update(
            {f"xk{n}": kind for n, kind in enumerate(self.exchange)},
            xweek=week, xlo=stamp(oldest), xcap=max(0.0, hc.exchange_cap),
            unknown=min(100.0, max(0.0, hc.value_unknown)),
            **{f"xt{w}": (1 << (EXCHANGE_WEEKS - w)) - 1 for w in XWEEKS},
        )
        self.weights = week_weights(today, self.lam, cjd)
        indexed = {k for k in INTERACTION_KINDS if k in hc.value_points} <= set(
            SERIES_KINDS)
        self._parts = (together, kinds, moments, len(self.exchange), indexed)

    def sql(self, *, explain: bool = False, stored: bool = False) -> str:
        return _model_sql(len(self.exchange), explain=explain, stored=stored)

    def register(self, conn: Any) -> None:
        """The model's own SQL functions (``health_functions``), for this evaluation."""
        register_exchange(conn, list(self.exchange.values()), self.weights)
        register_local_days(conn)

    def fill_scope(self, store: Store, person_ids: Sequence[int] | None,
                   scans: bool = True) -> None:
        """The people to score, each with their cadence and, for the scans of the interactions
        (``scans``; a carried recompute has its own), where they start and today's window."""
        params = dict(self.params)
        only = ""
        if person_ids is not None:
            only = " and id in (select value from json_each(:ids))"
            params["ids"] = json.dumps(list(person_ids))
        conn = store.db.conn
        with store.snapshot():
            conn.execute(
                f"create temp table if not exists {_SCOPE[5:]} (person_id integer primary key,"
                " cad integer not null, wcad integer not null, override text, wn integer,"
                " wp integer, wstart text, lo text not null,"
                " sig_w real not null default 0,"
                " sig_t real not null default 0, sig_v real not null default 0)"
            )
            conn.execute(f"delete from {_SCOPE}")
            # Consistency windows sit on a calendar grid of ``wcad`` days (the cadence, or
            # ``uncadenced_days`` without one): window w holds the days whose julian day number
            # (at midnight, + 0.5) divided by wcad rounds down to w. wn and wp are the windows
            # holding today and the trend window's start; only whole windows count.
            conn.execute(
                f"""insert into {_SCOPE} (person_id, cad, wcad, override, wn, wp, wstart, lo)
                select id, cad, wcad, stage_override, wn, wp,
                  {_window_start('wn') if scans else 'null'},
                  {_window_start('wp - :windows') if scans else ':pcut'}
                from (select id, stage_override, cad, wcad,
                    cast((:day_n + 0.5) / wcad as integer) as wn,
                    cast((:day_p + 0.5) / wcad as integer) as wp
                  from (select id, stage_override, cad,
                      case when cad > 0 then cad else :uncadenced end as wcad
                    from (select id, stage_override,
                        case when cadence_days is not null then max(cadence_days, 0)
                          else case tier when 'key' then :cad_key when 'active' then :cad_active
                            when 'network' then :cad_network else :cad_none end end as cad
                      from people where merged_into is null{only})))""",
                params,
            )
            if person_ids is not None:
                # Tell the planner the scope is small (a temp table has no statistics), or it
                # builds Bloom filters over whole tables to join a handful of people.
                conn.execute(f"analyze {_SCOPE}")

    @property
    def can_carry(self) -> bool:
        """Whether the facts before the trend window may come from the carried basis: only
        when the trend window starts before now (it does unless it is 0 days long)."""
        return self.pcut <= self.cut

    def columns(self) -> str:
        """The exchange-mask columns of the aggregates' temp tables."""
        return "".join(f", xi{n} integer, xo{n} integer" for n in range(len(self.exchange)))

    def aggregate(self, store: Store, whole: bool,
                  carry: Callable[[], None] | None = None) -> None:
        """Run the aggregate queries into their temp tables. ``carry`` (the whole store only):
        fills the ``old`` and ``new`` ones instead of their scans (``_carry``)."""
        conn = store.db.conn
        carried = carry is not None
        with store.snapshot():
            columns = self.columns()
            for name, query in _aggregates(whole, self.windows, *self._parts).items():
                conn.execute(
                    f"create temp table if not exists _crb_health_{name} "
                    f"(person_id integer primary key, {_TEMP[name].format(exchange=columns)})"
                )
                conn.execute(f"delete from temp._crb_health_{name}")
                if carried and name in ("old", "new"):
                    continue
                conn.execute(f"insert into temp._crb_health_{name} {query}", self.params)
        if carry is not None:
            carry()
        with store.snapshot():
            conn.execute(f"create temp table if not exists {_EXCH[5:]} (person_id integer"
                         " primary key, n real, p real, m integer, n1 real, n2 real, n3 real,"
                         " p1 real, p2 real, p3 real)")
            conn.execute(f"delete from {_EXCH}")
            if self.exchange:
                conn.execute(f"insert into {_EXCH} {_exchange_sql(len(self.exchange))}",
                             self.params)

    def clear(self, store: Store) -> None:
        """Drop the temp tables (and with them any statistics about them)."""
        with store.snapshot():
            store.db.conn.execute(f"drop table if exists {_SCOPE}")
            store.db.conn.execute(f"drop table if exists {_EXCH}")
            for name in _TEMP:
                store.db.conn.execute(f"drop table if exists temp._crb_health_{name}")


def _trust_weights(hc: HealthConfig) -> dict[str, float]:
    """The parts of Trust in points per unit of share (``k_*``): the weights scaled to 100."""
    commit = max(0.0, hc.trust_weight_commitments)
    cons = max(0.0, hc.trust_weight_consistency)
    recip = max(0.0, hc.trust_weight_reciprocity)
    total = commit + cons + recip
    k = 100.0 / total if total > 0 else 0.0
    return {"k_commit": commit * k, "k_cons": cons * k, "k_recip": recip * k}


def _unit(x: float) -> float:
    return min(1.0, max(0.0, float(x)))




def _carry(run: Run, store: Store, key: str, whole: bool) -> None:
    """Fill the ``old`` and ``new`` aggregates of ``run`` (everyone in its scope) from the
    carried basis and one scan of the interactions since its cut-off, the basis brought up to
    date first for the start of the trend window (``key``: the model's; another one starts it
    again; ``whole``: the scope is everyone). The few-people path and ``explain_row`` scan the
    interactions themselves."""
    exchanges = len(run.exchange)
    start = run.past + dt.timedelta(days=1)
    week = week_of(start)
    params = dict(run.params)
    params.update(
        bcut=run.pcut, bjd=jd(start), bweek=week,
        xbits=(1 << EXCHANGE_WEEKS) - 1,
        bxlo=stamp(week_start(week - EXCHANGE_WEEKS + 1)),
    )
    model = health_basis.Model(
        window=_touches("filter (where i.at >= :pcut)", "i.at >= :pcut and ", exchanges),
        before=_touches("", "", exchanges, "bweek", "bxlo"),
        exchanges=exchanges,
        popcount=lambda mask, shift: _popcount(f"({mask} >> {shift})", run.windows),
    )
    health_basis.carry(store, key, _SCOPE, "temp._crb_health_old", "temp._crb_health_new",
                       model, params, whole)


def compute(store: Store, run: Run, ids: list[int] | None, key: str,
            signal_sums: SignalSums | None, *, daily_signals: bool = False) -> int:
    """Bring everyone's scores to ``run``'s day (``ids`` None; the model's ``key`` stored with
    them) or score the people ``ids`` (rows of people merged away or gone removed), with the
    plugins' signals (``signal_sums``, None when no plugin gives any). Everyone live among them
    keeps a row, scored or not. Everyone: when the stored parameters are this model's, of an
    earlier day, and no plugin says its signals change daily (``daily_signals``), only the
    people whose parameters stop holding by the day are scored again (``health_view``; the
    plugins asked for them alone); the others' scores move on with the day.
    The number of people whose scores are now as of the day."""
    # Its temp tables and its switching of foreign keys span several statements: no other
    # thread uses the connection meanwhile (the store's turn, see crb_tui.store).
    with store.turn:
        due = None
        if ids is None and run.can_carry:
            due = _due(store, run, key, signal_sums is not None and daily_signals)
        if due is None:
            return _compute(store, run, ids, key, signal_sums)
        moved = _stored_day(store) != run.params["day_n"]
        scored = _compute(store, run, due, key, signal_sums, whole=True)
        if not moved:
            return scored
        return int(store.conn.execute("select count(*) from health_params").fetchone()[0])


def _stored_day(store: Store) -> float | None:
    """The julian day the stored scores are as of (None: none yet)."""
    row = store.conn.execute("select day_jd from health_model where id = 1").fetchone()
    return None if row is None else row[0]


WHOLE_SHARE = 0.5
"""From this share of the people due on, a new day rescores everyone in one pass (cheaper per
person than rescoring some)."""


def _due(store: Store, run: Run, key: str, signals: bool) -> list[int] | None:
    """The people whose stored parameters do not hold on ``run``'s day: their first day of
    change has come, a write left them unscored, or they were never scored. None when everyone
    must be scored: another model, a day earlier than one already stored, no carried basis of
    this model, so many people that one pass over everyone costs less, or a new day with a
    plugin whose signals change daily (``signals``)."""
    conn = store.conn
    row = conn.execute("select key, day_jd, latest from health_model where id = 1").fetchone()
    day = run.params["day_n"]
    if row is None or row[0] != key or row[1] is None or row[1] > day or (row[2] or 0) > day:
        return None
    if signals and row[1] != day:
        return None
    found = health_basis.state(conn)
    if found is None or found[0] != key:
        return None
    due = [r[0] for r in conn.execute(
        "select person_id from health_params where due_jd <= ?", [day])]
    total = conn.execute("select count(*) from health_params").fetchone()[0]
    return None if len(due) >= WHOLE_SHARE * total else due


def needs_run(store: Store, day_jd: float, key: str) -> bool:
    """Whether anyone's scores are not as of the day ``day_jd``: another model's, another day's,
    or someone's parameters no longer hold (an index lookup when nothing is to do)."""
    conn = store.conn
    row = conn.execute("select key, day_jd, latest from health_model where id = 1").fetchone()
    if row is None or row[0] != key or row[1] != day_jd or (row[2] or 0) > day_jd:
        return True
    return conn.execute("select 1 from health_params where due_jd <= ? limit 1",
                        [day_jd]).fetchone() is not None


def _compute(store: Store, run: Run, ids: list[int] | None, key: str,
             signal_sums: SignalSums | None, whole: bool | None = None) -> int:
    """Score ``ids`` (None: everyone) and write their parameters; ``whole``: the run brings the
    whole store to its day (the people of ``ids`` being all that must be scored)."""
    conn = store.db.conn
    ensure_math(conn)
    run.register(conn)
    everyone = ids is None
    if whole is None:
        whole = everyone
    # the whole store's run reads the carried basis, for everyone or for the people due
    carried = whole and run.can_carry
    run.fill_scope(store, ids, scans=not carried)
    try:
        scope = [row[0] for row in conn.execute(f"select person_id from {_SCOPE}")]
        missing: list[int] = []
        if scope and signal_sums is not None:
            sums, missing = signal_sums(scope)
            set_signal_sums(store, _SCOPE, sums)
        if scope:
            run.aggregate(store, whole=everyone, carry=(
                (lambda: _carry(run, store, key, everyone)) if carried else None))
            # The model is evaluated before the write lock is taken, so a second process
            # waits only for the rows to be copied in.
            with store.snapshot():
                conn.execute(f"create temp table {_OUT} as {run.sql(stored=True)} {PARAMS}",
                             run.params)
        # Every row written belongs to a live person read in this same run, so the foreign key
        # check (half the cost of the write) is switched off for it when no transaction is
        # open (the pragma cannot change inside one).
        checks = _suspend_foreign_keys(conn)
        try:
            with store.transaction():
                _write(conn, run, ids, bool(scope), key if whole else None)
                # A plugin that failed left its signals out of these rows: they are kept (shown)
                # but dated no day (''), so the next read scores them again, as ``explain``
                # would then.
                if missing:
                    conn.execute("update health_params set computed_on = '', due_jd = 0 "
                                 "where person_id in (select value from json_each(?))",
                                 [json.dumps(missing)])
        finally:
            if checks:
                conn.execute("pragma foreign_keys = on")
    finally:
        run.clear(store)
        with store.snapshot():
            conn.execute(f"drop table if exists {_OUT}")
    return len(scope)


_OUT = "temp._crb_health_out"
"""The parameters of one run, computed before they are written."""


def _write(conn: Any, run: Run, ids: list[int] | None, scored: bool, key: str | None) -> None:
    """Store the run's parameters (``ids`` None: everyone's) and the model's day and settings:
    with ``key``, the run brought the whole store to its day; without, it scored some people
    (and the stored day stays, with a note of the latest day any row is of)."""
    columns = ", ".join(health_view.PARAM_COLUMNS)
    if ids is None:
        _replace_all(conn, columns, scored)
    else:
        conn.execute(
            "delete from health_params where person_id in (select value from json_each(?))",
            [json.dumps(ids)])
        if scored:
            conn.execute(f"insert into health_params ({columns}) select * from {_OUT}")
    # Everyone listed keeps a row, scored or not: the people list reads this table.
    conn.execute(
        "insert or ignore into health_params (person_id) select id from people "
        "where merged_into is null"
        + ("" if ids is None else " and id in (select value from json_each(?))"),
        [] if ids is None else [json.dumps(ids)],
    )
    if ids is None:
        conn.execute("delete from health_params where person_id not in"
                     " (select id from people where merged_into is null)")
    settings = health_view.MODEL_SETTINGS
    values = {name: run.params[name] for name in settings}
    values.update(key=key or "", day=run.params["today"], day_jd=run.params["day_n"])
    names = ("key", "day", "day_jd", *settings)
    marks = ", ".join(f":{n}" for n in names)
    stored = conn.execute(
        f"select {', '.join(settings)} from health_model where id = 1").fetchone()
    if key is not None or stored is None:
        conn.execute(f"insert or replace into health_model (id, {', '.join(names)}, latest)"
                     f" values (1, {marks}, :day_jd)", values)
        health_view.refresh(conn)
        return
    if tuple(stored) != tuple(values[name] for name in settings):
        # Scored with other settings than the rest: the view reads these people's with the
        # new ones, and everyone is scored again at the next read (no model's key).
        conn.execute(f"update health_model set key = '', "
                     f"{', '.join(f'{n} = :{n}' for n in settings)} where id = 1", values)
        health_view.refresh(conn)
    conn.execute("update health_model set latest = max(coalesce(latest, 0), ?)",
                 [run.params["day_n"]])


def _suspend_foreign_keys(conn: Any) -> bool:
    """Switch foreign key checks off if they are on and can be; True if they were."""
    if conn.in_transaction or not conn.execute("pragma foreign_keys").fetchone()[0]:
        return False
    conn.execute("pragma foreign_keys = off")
    return True


def _replace_all(conn: Any, columns: str, scored: bool) -> None:
    """Everyone's parameters at once: the table's indexes are dropped and built again
    afterwards (sorting 100,000 rows once costs less than keeping them up to date row by
    row). The indexes are read back from the schema, so the migrations stay the one place that
    defines them; inside the transaction, a failure puts them back."""
    found = conn.execute(
        "select name, sql from sqlite_master where type = 'index' and tbl_name = "
        "'health_params' and sql is not null").fetchall()
    for name, _sql in found:
        conn.execute(f'drop index "{name}"')
    conn.execute("delete from health_params")
    if scored:
        conn.execute(f"insert into health_params ({columns}) select * from {_OUT}")
    for _name, sql in found:
        conn.execute(sql)


def explain_row(store: Store, run: Run, person_id: int,
                signals: tuple[float, float, float] | None) -> dict[str, Any]:
    """One person's evaluation with every intermediate number (the columns of
    ``health_sql._model_sql(explain=True)`` and ``_RESULT``): the statements ``compute`` runs,
    for them alone, from a scan of their own interactions; ``signals``: the plugins' sums
    (warmth, trust, value), None when there are none."""
    with store.turn:
        conn = store.db.conn
        ensure_math(conn)
        run.register(conn)
        run.fill_scope(store, [person_id])
        try:
            if signals:
                set_signal_sums(store, _SCOPE, [(*signals, person_id)])
            run.aggregate(store, whole=False)
            cur = conn.execute(run.sql(explain=True) + _RESULT, run.params)
            names = [d[0] for d in cur.description]
            return dict(zip(names, cur.fetchone(), strict=True))
        finally:
            run.clear(store)


def stored_key(store: Store) -> str | None:
    """The key of the model that computed the stored scores (None: none stored yet)."""
    row = store.conn.execute("select key from health_model where id = 1").fetchone()
    return None if row is None else str(row[0])


def scored_people(store: Store) -> list[int]:
    """Everyone with a row of parameters."""
    return [row[0] for row in store.conn.execute(
        "select person_id from health_params order by person_id")]


def people_not_scored_on(store: Store, day: str, day_jd: float) -> tuple[int, list[int]]:
    """The ids of the people whose scores ``day`` (an ISO date; ``day_jd`` its julian day)
    scores again: those whose parameters no longer hold by then (the others' scores move on
    with the day, worked out when read), or everyone's when the store is of a later day (or
    has none); and, when there are any, how many rows there are ((0, []) when none)."""
    conn = store.conn
    row = conn.execute("select day_jd, latest from health_model where id = 1").fetchone()
    if row is None or row[0] is None or row[0] > day_jd or (row[1] or 0) > day_jd:
        stale = scored_people(store)
    else:
        stale = [r[0] for r in conn.execute(
            "select person_id from health_params where due_jd <= ?", [day_jd])]
    if not stale:
        return 0, []
    total = conn.execute("select count(*) from health_params").fetchone()[0]
    return total, stale
