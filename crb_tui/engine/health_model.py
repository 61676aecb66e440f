"""The health model in SQL: the per-person aggregates (one scan of the interactions, grouped by
person, into temp tables), the formulas (one per line, inlined into one statement per day) and
``_Run``, which holds a run's parameters and scope. ``crb_tui.engine.health`` runs it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from crb_tui import clock
from crb_tui.config import Config, HealthConfig
from crb_tui.engine import health_value
from crb_tui.records import INTERACTION_KINDS, TIERS
from crb_tui.store import Store

log = logging.getLogger(__name__)

_JD_OFFSET = 1721424.5
"""``date.toordinal() + _JD_OFFSET`` is SQLite's ``julianday()`` of that date at midnight."""



# -- the model, in SQL ---------------------------------------------------------------------------
#
# Four aggregate queries (``_aggregates``) fill temp tables keyed by person; one statement
# (``_model_sql``) evaluates every formula over them. compute_all inserts its rows into the
# ``health`` table; explain runs the same statements for one person and also reads the
# intermediate numbers. The model is written once and evaluated by SQLite in bulk: a Python loop
# over 100,000 people costs more than the aggregate queries themselves.
#
# Columns ending in ``_n`` are as of today, in ``_p`` as of the start of the trend window, from
# the data that existed then. docs/health.md has every formula in plain words.

_SCOPE = "temp._crb_health_scope"

_TOUCHES = """
  max(i.at) {f} as last,
  max(i.at) filter (where {w}(i.kind in ('meeting', 'call')
    or i.kind in ('email', 'message') and i.direction <> 'out')) as heard,
  max(i.at) filter (where {w}(i.kind in ('meeting', 'call')
    or i.kind in ('email', 'message') and i.direction <> 'in')) as spoke,
  -- counts of messages in, out and of times together, packed into one integer sum
  -- (in + out << 20 + together << 40): one aggregate instead of three on the largest table
  sum(case i.kind
    when 'email' then case i.direction when 'in' then 1 when 'out' then 1048576
      else 1099511627776 end
    when 'message' then case i.direction when 'in' then 1 when 'out' then 1048576
      else 1099511627776 end
    when 'meeting' then 1099511627776 when 'call' then 1099511627776
    else 0 end) {f} as packed{exchange}
"""
"""Per person: the last touch of any kind; when they last spoke to you (a message from them, or
time together: a meeting, a call, a message marked mutual) and when you last spoke to them
(likewise); the packed counts; for each kind of ``exchange_points``, the weeks (of the last
``EXCHANGE_WEEKS``, as bit masks) with a message from them and with one from you. Notes and
connections are touches, never conversation."""

_EXCHANGE = """,
  sum(distinct 1 << {week}) filter (where {w}i.kind = :xk{n} and i.direction <> 'out'
    and i.at >= :{lo}) as xi{n},
  sum(distinct 1 << {week}) filter (where {w}i.kind = :xk{n} and i.direction <> 'in'
    and i.at >= :{lo}) as xo{n}"""
"""The two week masks of exchange kind ``n`` (sum of distinct powers of two: a bitwise or)."""

# The formulas, one per line, for one day ``{x}`` (``n`` today, ``p`` the trend window's start).
# ``{name}`` inlines another formula, so SQLite evaluates each where it is needed, with no layer
# of intermediate rows; docs/health.md says the same in words.
_FORMULAS: dict[str, str] = {
    # Warmth: days since the last two-way touch, against the cadence.
    "days": ":day_{x} - crb_local_jd(two_{x})",
    "warmth0": """case when two_{x} is null then 0.0
        else 100.0 * pow(2.0, -max(0.0, {days} - :grace * wcad) / (:half * wcad)) end""",
    # Trust, part 1: commitments kept on time / late / broken / open past due, with a prior
    # (x / 0 is null in SQL: no prior and no commitments gives the prior's mean).
    "promises": "kept_{x} + late_{x} + broken_{x} + over_{x}",
    "commit": """coalesce(
        (:prior * :prior_mean + kept_{x} + :late * late_{x} + :overdue * over_{x})
          / (:prior + {promises}), :prior_mean)""",
    # Trust, part 2: whole cadence windows with a touch, of the last N since the first touch.
    "hitmask": "(mask >> ({shift})) & :window_bits",
    "since": """case when first_{x} is not null
        then min(:windows, max(0, {w} - cast((julianday(first_{x}) + 0.5) / cad as integer)))
        else 0 end""",
    "windows": "max({since}, hits_{x})",
    "cons": "coalesce((hits_{x} + 0.5 * :cons_prior) / ({windows} + :cons_prior), 0.5)",
    # Trust, part 3: reciprocity from the counts of messages in, out and of times together.
    "in": "packed_{x} & 1048575",
    "out": "(packed_{x} >> 20) & 1048575",
    "mut": "packed_{x} >> 40",
    "recip": """coalesce(
        ({mut} + 2.0 * min({in}, {out})) / nullif({in} + {out} + {mut}, 0), 0.0)""",
    # The three parts of Trust in points: each part's share (0-1) times its weight, the weights
    # scaled to 100 (without consistency for people who have no cadence).
    "tc": "case when cad > 0 then :k_commit else :j_commit end * {commit}",
    "ts": "case when cad > 0 then :k_cons * {cons} else 0.0 end",
    "tr": "case when cad > 0 then :k_recip else :j_recip end * {recip}",
    "trust0": """case when cad > 0
        then :k_commit * {commit} + :k_cons * {cons} + :k_recip * {recip}
        else :j_commit * {commit} + :j_recip * {recip} end""",
    # Value: decayed points of value moments, time together (series with diminishing returns)
    # and weeks in which both wrote (capped), saturating; unknown with no evidence at all.
    "points": "tog_{x} + mom_{x} + exch_{x}",
    "value0": "100.0 * (1.0 - exp(-({points}) / :scale))",
    "known": "({points}) > 0.0 or sig_v <> 0.0",
    # The gauges, with plugin signals, kept within 0-100.
    "warmth": "max(0.0, min(100.0, {warmth0} + sig_w))",
    "trust": "max(0.0, min(100.0, {trust0} + sig_t))",
    "value": "case when {known} then max(0.0, min(100.0, {value0} + sig_v)) end",
    # Stage looks at how long you have known each other.
    "span": """coalesce(
        crb_local_jd(last_{x}) - crb_local_jd(first_{x}), 0)""",
}

_SCORED = ("warmth_n", "trust_n", "value_n", "warmth_p", "trust_p", "value_p", "recip_n", "span_n")
"""Computed once per person; everything after works from these."""
_EXPLAINED = tuple(
    f"{name}_{x}"
    for x in ("n", "p")
    for name in (
        "days", "warmth0", "promises", "commit", "hitmask", "since", "windows", "cons", "in",
        "out", "mut", "recip", "tc", "ts", "tr", "trust0", "points", "value0",
    )
)
"""The intermediate numbers explain reads (the same formulas, evaluated for one person)."""

_DAYS = {"n": ("wn", "0"), "p": ("wp", "wn - wp")}
_REF = re.compile(r"\{(\w+)\}")


def _formula(name: str, x: str) -> str:
    """One formula for day ``x``, with every formula it uses inlined."""
    w, shift = _DAYS[x]

    def expand(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "x":
            return x
        if key == "w":
            return w
        if key == "shift":
            return shift
        return f"({_formula(key, x)})"

    return _REF.sub(expand, _FORMULAS[name])


def _columns(names: Iterable[str]) -> str:
    """``formula as name_x`` for each ``name_x``."""
    return ",\n    ".join(f"{_formula(n[:-2], n[-1])} as {n}" for n in names)


_TEMP = {
    "old": "last text, heard text, spoke text, packed integer{exchange}, first text",
    "new": "last text, heard text, spoke text, packed integer{exchange}, mask integer, "
    "hits_n integer, hits_p integer, first text",
    "val": "old real, new real",
    "ser": "tog_n real, tog_p real",
    "com": "kept_n integer, late_n integer, broken_n integer, over_n integer, kept_p integer, "
    "late_p integer, broken_p integer, over_p integer",
}
"""Per-person aggregates, each in its own temp table keyed by person (joined by rowid)."""


def _popcount(mask: str, bits: int) -> str:
    """How many of the low ``bits`` bits of ``mask`` are set."""
    return "coalesce(" + " + ".join(f"(({mask} >> {b}) & 1)" for b in range(bits)) + ", 0)"


def _touches(f: str, w: str, exchanges: int, week: str = "xweek", lo: str = "xlo") -> str:
    """The aggregates of ``_TOUCHES`` over the interactions ``i`` (``f``: a filter clause for
    each, ``w``: the same condition as a prefix), with the exchange masks of ``exchanges``
    kinds relative to the week ``:week``, counting the weeks from ``:lo`` on."""
    bit = health_value.week_sql(week)
    exchange = "".join(_EXCHANGE.format(week=bit, w=w, n=n, lo=lo) for n in range(exchanges))
    return _TOUCHES.format(f=f, w=w, exchange=exchange)


def _aggregates(
    whole: bool, windows: int, together: str, together_kinds: str, moments: str, exchanges: int,
    indexed: bool,
) -> dict[str, str]:
    """The aggregate queries, each filling one of the ``_TEMP`` tables."""
    # The whole store reads the index once, newest first per person (so each max() is settled
    # by the first matching row); a few people read their own index ranges.
    # (cross join: SQLite keeps that order, the people in scope outside.)
    # (A touch nobody is known for, e.g. a message from someone never made a person, would
    # form a group of its own; in a temp table keyed by person, its null key becomes the next
    # free id: someone else's.)
    source, group, known = "interactions i", "i.person_id", " and i.person_id is not null"
    if not whole:
        known = ""
        source = f"{_SCOPE} s cross join interactions i on i.person_id = s.person_id"
        group = "s.person_id"
    old = _touches("", "", exchanges)
    new = _touches("filter (where i.at >= :pcut)", "i.at >= :pcut and ", exchanges)
    # The whole store reads these small tables through once; a few people look theirs up.
    join = "join" if whole else "cross join"
    mask = """(sum(distinct 1 << (s.wn - 1 - cast((julianday(i.at) + 0.5) / s.cad as integer)))
      filter (where s.cad > 0 and i.at < s.wstart))"""
    return {
        # interactions before the trend window: the facts as they were then (the big scan)
        "old": f"""
  select {group}, {old}, min(i.at) filter (where i.at < :cut) as first
  from {source}
  where +i.at < :pcut{known}
  group by {group}
  order by {group} desc""",
        # the trend window, added to the old facts for today; and which cadence windows (on a
        # calendar grid of `cadence` days) had a touch, as a bit mask: bit b = window wn - 1 - b
        "new": f"""
  select s.person_id, {new}, {mask} as mask,
    {_popcount(mask, windows)} as hits_n,
    {_popcount(f"({mask} >> (s.wn - s.wp))", windows)} as hits_p,
    min(i.at) filter (where i.at >= :pcut) as first
  from {_SCOPE} s cross join interactions i on i.person_id = s.person_id
  where i.at >= s.lo and i.at < :cut
  group by s.person_id""",
        # time together, series by series: today and at the start of the trend window
        "ser": health_value.series_sql(source, group, together, together_kinds, indexed),
        "val": f"""
  select s.person_id,
    sum({moments} * exp(:lam * (julianday(v.at) - :cjd))) filter (where v.at < :pcut),
    sum({moments} * exp(:lam * (julianday(v.at) - :cjd))) filter (where v.at >= :pcut)
  from {_SCOPE} s {join} value_moments v on v.person_id = s.person_id
  where v.at < :cut
  group by s.person_id""",
        # commitments; as of the trend window's start each one has the status it had then
        # (their dates on the user's calendar, taken once per commitment: materialized, or
        # SQLite would take them again at each use)
        "com": f"""
  with c as materialized (
    select s.person_id, c.status, c.due,
      coalesce(crb_local_day(c.closed_at), c.due) as closed,
      coalesce(crb_local_day(c.created), '') as made
    from {_SCOPE} s {join} commitments c on c.person_id = s.person_id
  )
  select person_id,
    sum(status = 'kept' and closed <= due),
    sum(status = 'kept' and closed > due),
    sum(status = 'broken'),
    sum(status = 'open' and due < :today),
    sum(made <= :pday and status = 'kept' and closed <= :pday and closed <= due),
    sum(made <= :pday and status = 'kept' and closed <= :pday and closed > due),
    sum(made <= :pday and status = 'broken' and closed <= :pday),
    sum(made <= :pday and (status = 'open' or closed > :pday) and due < :pday)
  from c
  group by person_id""",
    }


_EXCH = "temp._crb_health_exch"
"""The raw exchange points of the people who have any, today (``n``) and at the trend
window's start (``p``): ``crb_exchange`` is called once per person and day, and only for those."""


def _exchange_sql(exchanges: int) -> str:
    """Fill ``_EXCH``: the decayed points of the weeks in which both wrote, today (the masks of
    both scans or'ed) and at the trend window's start (the old scan's), via ``crb_exchange``,
    for the people with a kind written both ways (for anyone else it is 0)."""
    pairs = [(f"(coalesce(a.xi{n}, 0) | coalesce(b.xi{n}, 0))",
              f"(coalesce(a.xo{n}, 0) | coalesce(b.xo{n}, 0))") for n in range(exchanges)]
    now = ", ".join(f"{heard}, {spoke}" for heard, spoke in pairs)
    past = ", ".join(f"a.xi{n}, a.xo{n}" for n in range(exchanges))
    both = " or ".join(f"({heard} <> 0 and {spoke} <> 0)" for heard, spoke in pairs)
    return f"""
  select s.person_id, crb_exchange({now}), crb_exchange({past})
  from {_SCOPE} s
  left join temp._crb_health_old a on a.person_id = s.person_id
  left join temp._crb_health_new b on b.person_id = s.person_id
  where {both}"""


def _model_sql(exchanges: int, *, explain: bool = False) -> str:
    """The model over the aggregates, as a ``with`` clause ending in ``final``: one row per
    person in scope, every gauge for today (``_n``) and the trend window's start (``_p``)."""
    keep = "person_id, cad, override, first_n, last_n, two_n"
    extra = ""
    if explain:
        keep, extra = "*", f",\n    {_columns(_EXPLAINED)}"  # recip_n twice: same value
    return f"""
with
facts as (
  select s.person_id, s.cad, s.wcad, s.override, s.wn, s.wp, s.sig_w, s.sig_t, s.sig_v,
    coalesce(a.first, b.first) as first_n, a.first as first_p,
    coalesce(b.last, a.last) as last_n, a.last as last_p,
    -- the last two-way touch: the earlier of "they last spoke" and "you last spoke", which is
    -- max(last time together, min(last message in, last message out))
    min(coalesce(b.heard, a.heard), coalesce(b.spoke, a.spoke)) as two_n,
    min(a.heard, a.spoke) as two_p,
    coalesce(a.packed, 0) + coalesce(b.packed, 0) as packed_n,
    coalesce(a.packed, 0) as packed_p,
    coalesce(g.tog_n, 0.0) as tog_n, coalesce(g.tog_p, 0.0) as tog_p,
    min(:xcap, coalesce(e.n, 0.0)) as exch_n,
    min(:xcap, :factor * coalesce(e.p, 0.0)) as exch_p,
    coalesce(v.old, 0.0) + coalesce(v.new, 0.0) as mom_n,
    coalesce(v.old, 0.0) * :factor as mom_p,
    coalesce(b.mask, 0) as mask, coalesce(b.hits_n, 0) as hits_n,
    coalesce(b.hits_p, 0) as hits_p,
    coalesce(c.kept_n, 0) as kept_n, coalesce(c.late_n, 0) as late_n,
    coalesce(c.broken_n, 0) as broken_n, coalesce(c.over_n, 0) as over_n,
    coalesce(c.kept_p, 0) as kept_p, coalesce(c.late_p, 0) as late_p,
    coalesce(c.broken_p, 0) as broken_p, coalesce(c.over_p, 0) as over_p
  from {_SCOPE} s
  left join temp._crb_health_old a on a.person_id = s.person_id
  left join temp._crb_health_new b on b.person_id = s.person_id
  left join temp._crb_health_val v on v.person_id = s.person_id
  left join temp._crb_health_ser g on g.person_id = s.person_id
  left join temp._crb_health_com c on c.person_id = s.person_id
  left join {_EXCH} e on e.person_id = s.person_id
),
scored as materialized (
  select {keep},
    {_columns(_SCORED)}{extra}
  from facts
),
final as (
  select *,
    cast(warmth_n + 0.5 as integer) as w_n, cast(warmth_p + 0.5 as integer) as w_p,
    cast(trust_n + 0.5 as integer) as t_n, cast(trust_p + 0.5 as integer) as t_p,
    cast(value_n + 0.5 as integer) as v_n, cast(value_p + 0.5 as integer) as v_p,
    -- Value counts at least what knowing nothing counts: evidence that has decayed away
    -- (a meeting years ago) never scores below none at all
    cast(sqrt(trust_n * max(coalesce(value_n, 0.0), :unknown))
      * (:floor + (1.0 - :floor) * warmth_n / 100.0) + 0.5 as integer) as h_n,
    cast(sqrt(trust_p * max(coalesce(value_p, 0.0), :unknown))
      * (:floor + (1.0 - :floor) * warmth_p / 100.0) + 0.5 as integer) as h_p
  from scored
)"""


_STAGE = """case when two_n is null then 'contact'
      when recip_n >= :rel_recip and span_n >= :partner_days and t_n >= :partner_trust
        and v_n >= :partner_value then 'partner'
      when recip_n >= :rel_recip and span_n >= :rel_days and t_n >= :rel_trust
        and v_n >= :rel_value then 'relationship'
      else 'transaction' end"""

_RESULT = f"""
select *, {_STAGE} as stage_derived,
  coalesce((t_n >= :sided_high and v_n <= :sided_low)
    or (v_n >= :sided_high and t_n <= :sided_low), 0) as one_sided,
  case when h_n - h_p >= :trend_threshold then 'growing'
    when h_p - h_n >= :trend_threshold then 'fading' else 'steady' end as trend,
  case when cad > 0 and last_n is not null
    then round((:day_n - crb_local_jd(last_n) - cad) * 1.0 / cad, 4) end
    as overdue
from final
"""
"""Stage, one-sided, trend and how far past the cadence, from the rounded gauges."""

HEALTH_COLUMNS = (
    "person_id, warmth, trust, value, health, health_past, trend, stage, one_sided, last_touch,"
    " last_two_way, cadence_days, overdue, computed_on"
)
"""The ``health`` table's columns, in the order ``_ROWS`` gives them."""

_ROWS = f"""
select person_id, w_n, t_n, v_n, h_n, h_p, trend,
  case when override in ('contact', 'transaction', 'relationship', 'partner') then override
    else stage_derived end,
  one_sided, last_n, two_n, cad, overdue, :today
from ({_RESULT})
"""
"""The rows of the ``health`` table, one per person in scope."""


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+00:00"


def _cut(today: dt.date) -> str:
    """What has happened by ``today`` (``clock.happened_before``): on the clock's own today
    only what has started by now; a meeting later today or in the weeks ahead is no touch."""
    from crb_tui.clock import happened_before

    return happened_before(today).isoformat()


def _jd(day: dt.date) -> float:
    """SQLite's ``julianday()`` of ``day`` at midnight UTC."""
    return day.toordinal() + _JD_OFFSET


def _points_case(
    column: str, points: dict[str, float], kinds: Iterable[str], prefix: str,
    params: dict[str, Any],
) -> tuple[str, str]:
    """``case kind when ... then points end`` and the list of those kinds, as bound parameters."""
    whens, names = [], []
    for n, kind in enumerate(k for k in kinds if k in points):
        params[f"{prefix}k{n}"] = kind
        params[f"{prefix}p{n}"] = float(points[kind])
        whens.append(f"when :{prefix}k{n} then :{prefix}p{n}")
        names.append(f":{prefix}k{n}")
    if not whens:
        return "0.0", "null"
    return f"(case {column} {' '.join(whens)} else 0.0 end)", ", ".join(names)


class _Run:
    """One evaluation of the model: the days it looks from, its parameters and its scope."""

    def __init__(self, config: Config, today: dt.date) -> None:
        hc = config.health
        self.config = config
        self.today = today
        self.past = today - dt.timedelta(days=max(0, hc.trend_window_days))
        one = dt.timedelta(days=1)
        self.cut = _cut(today)
        """Data strictly before this is what exists today (see ``_cut``)."""
        self.pcut = _stamp(self.past + one)
        self.lam = math.log(2) / max(1e-9, hc.value_half_life_days)
        self.windows = min(24, max(1, hc.trust_consistency_windows))
        cjd, pjd = _jd(today + one), _jd(self.past + one)
        self.params: dict[str, Any] = {
            "cut": self.cut, "pcut": self.pcut, "cjd": cjd, "lam": self.lam,
            "factor": math.exp(self.lam * (cjd - pjd)),
            "today": today.isoformat(), "pday": self.past.isoformat(),
            "day_n": _jd(today), "day_p": _jd(self.past),
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
            "partner_value": hc.partner_value, "sided_high": hc.one_sided_high,
            "sided_low": hc.one_sided_low, "trend_threshold": hc.trend_threshold,
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
        week = health_value.week_of(today)
        oldest = health_value.week_start(week - health_value.EXCHANGE_WEEKS + 1)
        self.params.update(
            {f"xk{n}": kind for n, kind in enumerate(self.exchange)},
            xweek=week, xlo=_stamp(oldest), xcap=max(0.0, hc.exchange_cap),
            unknown=min(100.0, max(0.0, hc.value_unknown)),
        )
        self.weights = health_value.week_weights(today, self.lam, cjd)
        indexed = {k for k in INTERACTION_KINDS if k in hc.value_points} <= set(
            health_value.SERIES_KINDS)
        self._parts = (together, kinds, moments, len(self.exchange), indexed)

    def sql(self, *, explain: bool = False) -> str:
        return _model_sql(len(self.exchange), explain=explain)

    def register(self, conn: Any) -> None:
        """The model's own SQL functions (health_value), for this evaluation."""
        health_value.register(conn, list(self.exchange.values()), self.weights)
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
            # Cadence windows sit on a calendar grid: window w holds the days whose julian day
            # number (at midnight, + 0.5) divided by the cadence rounds down to w. wn and wp are
            # the windows holding today and the trend window's start; only whole windows count.
            conn.execute(
                f"""insert into {_SCOPE} (person_id, cad, wcad, override, wn, wp, wstart, lo)
                select id, cad, case when cad > 0 then cad else :uncadenced end, stage_override,
                  wn, wp, {_window_start('wn') if scans else 'null'},
                  {f"coalesce({_window_start('wp - :windows')}, :pcut)" if scans else ':pcut'}
                from (select id, stage_override, cad,
                    case when cad > 0 then cast((:day_n + 0.5) / cad as integer) end as wn,
                    case when cad > 0 then cast((:day_p + 0.5) / cad as integer) end as wp
                  from (select id, stage_override,
                      case when cadence_days is not null then max(cadence_days, 0)
                        else case tier when 'key' then :cad_key when 'active' then :cad_active
                          when 'network' then :cad_network else :cad_none end end as cad
                    from people where merged_into is null{only})) q""",
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
        fills the ``old`` and ``new`` ones instead of their scans (``health_carry``)."""
        conn = store.db.conn
        carried = whole and carry is not None
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
        if carry is not None and carried:
            carry()
        with store.snapshot():
            conn.execute(f"create temp table if not exists {_EXCH[5:]} (person_id integer"
                         " primary key, n real, p real)")
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


def register_local_days(conn: Any) -> None:
    """``crb_local_jd(stamp)``: the julian day (at midnight) of a stamp's date in ``[me]
    timezone`` (``clock.local_date``), ``crb_local_day(stamp)``: that date as text. Applied to
    each person's aggregates and each commitment's dates, never per interaction."""
    tz = clock.user_tz()
    conn.create_function("crb_local_jd", 1, clock.local_dates(
        tz, lambda d: d.toordinal() + _JD_OFFSET), deterministic=True)
    conn.create_function("crb_local_day", 1, clock.local_dates(tz, dt.date.isoformat),
                         deterministic=True)


def _trust_weights(hc: HealthConfig) -> dict[str, float]:
    """The parts of Trust in points per unit of share: ``k_*`` with a cadence (three parts),
    ``j_*`` without one (consistency dropped, the other two rescaled to 100)."""
    commit = max(0.0, hc.trust_weight_commitments)
    cons = max(0.0, hc.trust_weight_consistency)
    recip = max(0.0, hc.trust_weight_reciprocity)
    with_cadence = commit + cons + recip
    without = commit + recip
    k = 100.0 / with_cadence if with_cadence > 0 else 0.0
    j = 100.0 / without if without > 0 else 0.0
    return {
        "k_commit": commit * k, "k_cons": cons * k, "k_recip": recip * k,
        "j_commit": commit * j, "j_recip": recip * j,
    }


def _window_start(window: str) -> str:
    """The first moment of a cadence window, as a stored timestamp."""
    return (
        f"case when cad > 0 then strftime('%Y-%m-%dT%H:%M:%S', ({window}) * cad - 0.5)"
        " || '+00:00' end"
    )


def _unit(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


