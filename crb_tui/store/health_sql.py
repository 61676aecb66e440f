"""The health model in SQL: the per-person aggregates (one scan of the interactions, grouped by
person, into temp tables), the formulas (one per line, inlined into one statement per day), the
series of time together, and the rows of the ``health`` table. ``health_run`` runs them with a
run's parameters and scope; ``crb_tui.engine.health`` asks it to. docs/health.md has every rule
in words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

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
    # Trust, part 2: whole windows with a touch, of the last N since the first touch; the
    # windows are the cadence's, or ``uncadenced_days`` long without one (``wcad``).
    "hitmask": "(mask >> ({shift})) & :window_bits",
    "since": """case when first_{x} is not null
        then min(:windows, max(0, {w} - cast((julianday(first_{x}) + 0.5) / wcad as integer)))
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
    # scaled to 100; the same three for everyone, with a cadence or without.
    "tc": ":k_commit * {commit}",
    "ts": ":k_cons * {cons}",
    "tr": ":k_recip * {recip}",
    "trust0": "{tc} + {ts} + {tr}",
    # Value: decayed points of value moments, time together (series with diminishing returns)
    # and weeks in which both wrote (capped), saturating; unknown with no evidence at all.
    # (a: series past one meeting, c: what decays as a whole: the same sums, in the order the
    # view ``health`` adds them, crb_tui.store.health_view)
    "points": "a_{x} + c_{x} + exch_{x}",
    "value0": "100.0 * (1.0 - exp(-({points}) / :scale))",
    "known": "({points}) > 0.0 or sig_v <> 0.0",
    # The gauges, with plugin signals, kept within 0-100.
    "warmth": "max(0.0, min(100.0, {warmth0} + sig_w))",
    "trust": "max(0.0, min(100.0, {trust0} + sig_t))",
    "value": "case when {known} then max(0.0, min(100.0, {value0} + sig_v)) end",
    # One-sided: 1 when you carry the relationship, 2 when they do, else 0. One side wrote at
    # least ``sided_min`` messages and ``sided_ratio`` times as many as the other (time together
    # counts for both sides), and spoke last on or after ``sided_since``.
    "sided": """case
        when {out} >= :sided_min and {out} + {mut} >= :sided_ratio * ({in} + {mut})
          and spoke_{x} >= :sided_since then 1
        when {in} >= :sided_min and {in} + {mut} >= :sided_ratio * ({out} + {mut})
          and heard_{x} >= :sided_since then 2
        else 0 end""",
    # Stage looks at how long you have known each other.
    "span": """coalesce(
        crb_local_jd(last_{x}) - crb_local_jd(first_{x}), 0)""",
}

_SCORED = ("warmth_n", "trust_n", "value_n", "warmth_p", "trust_p", "value_p", "recip_n",
           "sided_n")
"""Computed once per person; everything after works from these (and from ``last_jd``, the
julian day of the last touch on the user's calendar; the span of the stage is worked out only
for the people whose stage depends on it: ``_SPAN``)."""
_STORED = ("recip_n", "sided_n", "tc_n", "tr_n", "tc_p", "tr_p", "known_n", "known_p")
"""What ``PARAMS`` needs of ``_SCORED`` (it reads ``scored``)."""
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
    "val": "old real, new real, win text, fut text",
    "ser": "a_n real, b_n real, c_n real, a_p real, b_p real, c_p real, ln_n real, ln_p real",
    "com": "kept_n integer, late_n integer, broken_n integer, over_n integer, kept_p integer, "
    "late_p integer, broken_p integer, over_p integer, ev text",
}
"""Per-person aggregates, each in its own temp table keyed by person (joined by rowid)."""


def _popcount(mask: str, bits: int) -> str:
    """How many of the low ``bits`` bits of ``mask`` are set."""
    return "coalesce(" + " + ".join(f"(({mask} >> {b}) & 1)" for b in range(bits)) + ", 0)"


def _touches(f: str, w: str, exchanges: int, week: str = "xweek", lo: str = "xlo") -> str:
    """The aggregates of ``_TOUCHES`` over the interactions ``i`` (``f``: a filter clause for
    each, ``w``: the same condition as a prefix), with the exchange masks of ``exchanges``
    kinds relative to the week ``:week``, counting the weeks from ``:lo`` on."""
    bit = week_sql(week)
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
    mask = """(sum(distinct 1 << (s.wn - 1 - cast((julianday(i.at) + 0.5) / s.wcad as integer)))
      filter (where i.at < s.wstart))"""
    return {
        # interactions before the trend window: the facts as they were then (the big scan)
        "old": f"""
  select {group}, {old}, min(i.at) filter (where i.at < :cut) as first
  from {source}
  where +i.at < :pcut{known}
  group by {group}
  order by {group} desc""",
        # the trend window, added to the old facts for today; and which consistency windows (on
        # a calendar grid of `wcad` days) had a touch, as a bit mask: bit b = window wn - 1 - b
        "new": f"""
  select s.person_id, {new}, {mask} as mask,
    {_popcount(mask, windows)} as hits_n,
    {_popcount(f"({mask} >> (s.wn - s.wp))", windows)} as hits_p,
    min(i.at) filter (where i.at >= :pcut) as first
  from {_SCOPE} s cross join interactions i on i.person_id = s.person_id
  where i.at >= s.lo and i.at < :cut
  group by s.person_id""",
        # time together, series by series: today and at the start of the trend window
        "ser": series_sql(source, group, together, together_kinds, indexed, known),
        # (and the first moment in the trend window, and the first yet to come: the days the
        # sums stop holding)
        "val": f"""
  select s.person_id,
    sum({moments} * exp(:lam * (julianday(v.at) - :cjd))) filter (where v.at < :pcut),
    sum({moments} * exp(:lam * (julianday(v.at) - :cjd)))
      filter (where v.at >= :pcut and v.at < :cut),
    min(v.at) filter (where v.at >= :pcut and v.at < :cut),
    min(v.at) filter (where v.at >= :cut)
  from {_SCOPE} s {join} value_moments v on v.person_id = s.person_id
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
    sum(made <= :pday and (status = 'open' or closed > :pday) and due < :pday),
    -- the first day one of these counts changes with nothing written
    nullif(min(min(
      coalesce(case when status = 'open' and due >= :today then date(due, '+1 day') end, '9'),
      coalesce(case when made > :pday then date(made, :trend_shift) end, '9'),
      coalesce(case when status <> 'open' and closed > :pday
        then date(closed, :trend_shift) end, '9'),
      coalesce(case when (status = 'open' or closed > :pday) and due >= :pday
        then date(due, :trend_shift, '+1 day') end, '9'))), '9')
  from c
  group by person_id""",
    }


XWEEKS = (0, 1, 2, 3)
"""The weeks on (from the day of a run) for which the exchange points are stored: a week leaving
the masks then is taken into account without scoring the person again."""

TURNS = (0, 1, 2, 3)
"""The consistency windows on (from the day of a run) for which Trust is stored: a window
turning then is taken into account without scoring the person again."""

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
    # every week with a message either way: the oldest one leaving the masks is the first
    # week the points stop decaying as one sum
    seen = " | ".join(f"{heard} | {spoke}" for heard, spoke in pairs)
    # and as they will be 1, 2 and 3 weeks on, with nothing written: the weeks that will have
    # left the masks by then left out (``:xt1``..., and ``health_view``'s x_n1...)
    # (worked out only when a week leaves by then: null, the same as this week's, if not)
    later = ", ".join(
        f"case when ({seen}) > :xt{w} then crb_exchange("
        + ", ".join(f"{heard} & :xt{w}, {spoke} & :xt{w}" for heard, spoke in pairs) + ") end"
        for w in XWEEKS[1:])
    later_p = ", ".join(
        f"case when ({seen}) > :xt{w} then crb_exchange("
        + ", ".join(f"a.xi{n} & :xt{w}, a.xo{n} & :xt{w}" for n in range(exchanges)) + ") end"
        for w in XWEEKS[1:])
    return f"""
  select s.person_id, crb_exchange({now}), crb_exchange({past}), {seen}, {later}, {later_p}
  from {_SCOPE} s
  left join temp._crb_health_old a on a.person_id = s.person_id
  left join temp._crb_health_new b on b.person_id = s.person_id
  where {both}"""


def _model_sql(exchanges: int, *, explain: bool = False, stored: bool = False) -> str:
    """The model over the aggregates, as a ``with`` clause ending in ``final``: one row per
    person in scope, every gauge for today (``_n``) and the trend window's start (``_p``);
    ``stored``: only what ``PARAMS`` stores is worked out (the gauges are the view's)."""
    keep = ("person_id, cad, wcad, wn, wp, override, first_n, first_p, last_n, two_n, two_p, "
            "heard_n, spoke_n, packed_n, sig_w, sig_t, sig_v, mask, hits_n, hits_p, a_n, b_n, c_n, "
            "a_p, b_p, c_p, "
            "x_n0, x_n1, x_n2, x_n3, x_p0, x_p1, x_p2, x_p3, win, vwin, vfut, cev, ln_n, ln_p, xm, "
            "fut")
    extra = ""
    if explain:
        # recip_n twice: same value
        keep, extra = "*", f",\n    {_columns((*_EXPLAINED, 'span_n'))}"
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
    coalesce(b.heard, a.heard) as heard_n, coalesce(b.spoke, a.spoke) as spoke_n,
    coalesce(a.packed, 0) + coalesce(b.packed, 0) as packed_n,
    coalesce(a.packed, 0) as packed_p,
    coalesce(g.a_n + g.c_n, 0.0) as tog_n, coalesce(g.a_p + g.c_p, 0.0) as tog_p,
    min(:xcap, coalesce(e.n, 0.0)) as exch_n,
    min(:xcap, :factor * coalesce(e.p, 0.0)) as exch_p,
    coalesce(v.old, 0.0) + coalesce(v.new, 0.0) as mom_n,
    coalesce(v.old, 0.0) * :factor as mom_p,
    coalesce(g.a_n, 0.0) as a_n, coalesce(g.b_n, 0.0) as b_n, coalesce(g.a_p, 0.0) as a_p,
    coalesce(g.b_p, 0.0) as b_p,
    coalesce(g.c_n, 0.0) + coalesce(v.old, 0.0) + coalesce(v.new, 0.0) as c_n,
    coalesce(g.c_p, 0.0) + coalesce(v.old, 0.0) * :factor as c_p,
    coalesce(e.n, 0.0) as x_n0, coalesce(e.n1, e.n, 0.0) as x_n1,
    coalesce(e.n2, e.n, 0.0) as x_n2, coalesce(e.n3, e.n, 0.0) as x_n3,
    :factor * coalesce(e.p, 0.0) as x_p0, :factor * coalesce(e.p1, e.p, 0.0) as x_p1,
    :factor * coalesce(e.p2, e.p, 0.0) as x_p2, :factor * coalesce(e.p3, e.p, 0.0) as x_p3,
    -- what the first day the above stop holding is worked out from (_DUE)
    b.first as win, v.win as vwin, v.fut as vfut, c.ev as cev, g.ln_n, g.ln_p, e.m as xm,
    (select min(f.at) from interactions f where f.person_id = s.person_id and f.at >= :cut)
      as fut,
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
    {_columns(_STORED if stored else _SCORED)},
    crb_local_jd(last_n) as last_jd{extra}
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


_SPAN = "coalesce(last_jd - crb_local_jd(first_n), 0)"
"""The formula ``span`` for today, from ``last_jd`` (the same number)."""

_STAGE = f"""case when two_n is null then 'contact'
      when recip_n >= :rel_recip and t_n >= :partner_trust and v_n >= :partner_value
        and {_SPAN} >= :partner_days then 'partner'
      when recip_n >= :rel_recip and t_n >= :rel_trust and v_n >= :rel_value
        and {_SPAN} >= :rel_days then 'relationship'
      else 'transaction' end"""

_RESULT = f"""
select *, {_STAGE} as stage_derived,
  sided_n as one_sided,
  case when h_n - h_p >= :trend_threshold then 'growing'
    when h_p - h_n >= :trend_threshold then 'fading' else 'steady' end as trend,
  case when cad > 0 and last_n is not null
    then round((:day_n - last_jd - cad) * 1.0 / cad, 4) end
    as overdue
from final
"""
"""Stage, one-sided, trend and how far past the cadence, from the rounded gauges."""

def _sided_ends(count: str, side: str) -> str:
    """The day a one-sided flag carried by ``side`` (the stamp of that side's last word) ends
    with nothing written: ``one_sided_days`` after it, if the counts make it one-sided."""
    return (f"case when {count} and {side} >= :sided_since"
            f" then julianday(substr({side}, 1, 10)) + :sided_days + 1 else 1e9 end")


_DUE = f"""min(
    -- (a meeting later today: counted once it has started: meetings_started_since_scored)
    coalesce(max(crb_local_jd(fut), :day_n + 1), 1e9),
    coalesce(julianday(substr(win, 1, 10)) + :trend_days, 1e9),
    coalesce(julianday(substr(vwin, 1, 10)) + :trend_days, 1e9),
    coalesce(crb_local_jd(vfut), 1e9),
    coalesce(julianday(cev), 1e9),
    case when first_n is not null then (wn + {len(TURNS)}) * wcad - 0.5 else 1e9 end,
    case when first_n is not null then (wp + {len(TURNS)}) * wcad - 0.5 + :trend_days
      else 1e9 end,
    case when xm > 0 then 7 * (:xweek + max({len(XWEEKS)},
      60 - cast(ln(xm) / ln(2.0) + 1e-9 as integer))) - 0.5 else 1e9 end,
    coalesce(:day_n + max(1, cast(ln_n / :lam as integer)), 1e9),
    coalesce(:day_n + max(1, cast(ln_p / :lam as integer)), 1e9),
    {_sided_ends(f"{_formula('out', 'n')} >= :sided_min and {_formula('out', 'n')} + "
                 f"{_formula('mut', 'n')} >= :sided_ratio * ({_formula('in', 'n')} + "
                 f"{_formula('mut', 'n')})", "spoke_n")},
    {_sided_ends(f"{_formula('in', 'n')} >= :sided_min and {_formula('in', 'n')} + "
                 f"{_formula('mut', 'n')} >= :sided_ratio * ({_formula('out', 'n')} + "
                 f"{_formula('mut', 'n')})", "heard_n")})"""
"""The first day (julian, at midnight) the stored parameters may no longer hold with nothing
written: an interaction or value moment yet to start, or one in the trend window leaving it; a
commitment falling due (today, or at the trend window's start), or made or closed before it; a
consistency window turning past those Trust is stored for (``TURNS``: today's or the
window start's, once there is a touch); an exchange week leaving the weeks counted past those
stored (``XWEEKS``); a series falling to one meeting (today's, or the window
start's); a one-sided flag ending. Never earlier than needed; sometimes a day or a week early,
which only costs a rescoring."""

def _turn_hits(x: str, k: int) -> str:
    """How many of the last ``:windows`` whole consistency windows (today's, or the trend
    window start's) will have had a touch once ``k`` more windows have turned, with nothing
    written: from the count now (``hits_x``), a window's touch leaving or entering at each
    turn. (A negative shift in SQLite shifts the other way: a bit before the first is 0.)"""
    if k == 0:
        return f"hits_{x}"
    if x == "n":
        # the windows move back one each turn; the one just ended enters (``cur``: the last
        # touch is in it), then windows with no touch
        out = " - ".join(f"((mask >> (:windows - {j})) & 1)" for j in range(1, k + 1))
        return f"(hits_n - {out} + cur * ({k} - 1 < :windows))"
    # bit b of ((mask << 1) | cur): window wn - b; the trend window start's windows end
    # before window wp + k
    full = "((mask << 1) | cur)"
    moves = " + ".join(
        f"(({full} >> (wn - wp - {j} + 1)) & 1) - (({full} >> (wn - wp - {j} + 1 + :windows)) & 1)"
        for j in range(1, k + 1))
    return f"(hits_p + {moves})"


def _turn_trust(x: str, k: int) -> str:
    """Trust (today's, or at the trend window's start) once ``k`` more consistency windows have
    turned, with nothing written: the windows since the first touch grow, the windows with a
    touch are ``_turn_hits``. The model's formulas for Trust's consistency (``_FORMULAS``) on
    those numbers."""
    w, first = ("wn", "first_n") if x == "n" else ("wp", "first_p")
    since = (f"case when {first} is not null then min(:windows, max(0, {w} + {k} - "
             f"cast((julianday({first}) + 0.5) / wcad as integer))) else 0 end")
    hits = _turn_hits(x, k)
    cons = (f"coalesce(({hits} + 0.5 * :cons_prior) / (max({since}, {hits}) + :cons_prior),"
            " 0.5)")
    # (added in the order the model adds them: the same number to the last bit)
    return f"max(0.0, min(100.0, tc_{x} + :k_cons * {cons} + tr_{x} + sig_t))"


_TRUSTS = ", ".join(_turn_trust(x, k) for x in ("n", "p") for k in TURNS)

PARAMS = f"""
select person_id, :today, :day_n, {_DUE}, last_n, two_n, cad, wcad, last_jd,
  crb_local_jd(two_n), crb_local_jd(two_p), {_TRUSTS}, wn, wp, :xweek,
  recip_n, {_SPAN}, sig_w, sig_v, a_n, b_n, c_n, a_p, b_p, c_p,
  x_n0, x_n1, x_n2, x_n3, x_p0, x_p1, x_p2, x_p3, known_n, known_p, sided_n,
  case when override in ('contact', 'transaction', 'relationship', 'partner') then override end
from (
  select *, case when last_n is not null
      and cast((julianday(last_n) + 0.5) / wcad as integer) >= wn then 1 else 0 end as cur
  from scored)
"""
"""The rows of ``health_params`` (``health_view.PARAM_COLUMNS``), one per person in scope."""


SERIES_KINDS = ("meeting", "call")
"""The kinds ``idx_interactions_series`` (a partial index) holds."""


def week_sql(week_param: str) -> str:
    """SQL: how many weeks before week ``:week_param`` the interaction ``i`` falls."""
    return f"(:{week_param} - cast((julianday(i.at) + 0.5) / 7 as integer))"


def series_sql(source: str, group: str, points: str, kinds: str, indexed: bool,
               known: str = "") -> str:
    """Per person, the worth of time together today and at the trend window's start: each
    series' decayed count ``n`` (and ``q``, of the occurrences before the window) grouped by
    kind and title, worth ``points * series(n)`` (``crb_tui.engine.health_value.series``);
    untitled ones, each a series of its own, are summed as they are. ``indexed``: the kinds are
    among ``SERIES_KINDS``, so the query reads the partial index ``idx_interactions_series``
    alone (its condition must appear as such). ``known``: the condition that leaves out the
    touches nobody is known for (see ``_aggregates``), for the whole store."""
    wanted = f"i.kind in ({kinds})"
    if indexed:  # every kind asked for is in the index
        wanted = f"i.kind in ({', '.join(repr(k) for k in SERIES_KINDS)}) and {wanted}"
    decay = "exp(:lam * (julianday(i.at) - :cjd))"
    # Each series' worth split by how it moves with time: past one meeting p * (1 + ln n),
    # which falls by p * lam a day (a: the worth, b: the sum of p), else p * n, which decays
    # (c); and the smallest ln n of the former (the day it falls to one meeting comes first).
    return f"""
  select person_id,
    sum(case when not untitled and n > 1.0 then p * (1.0 + ln(n)) else 0.0 end),
    sum(case when not untitled and n > 1.0 then p else 0.0 end),
    sum(case when not untitled and n > 1.0 then 0.0 else p * n end),
    sum(case when not untitled and q * :factor > 1.0 then p * (1.0 + ln(q * :factor))
      else 0.0 end),
    sum(case when not untitled and q * :factor > 1.0 then p else 0.0 end),
    sum(case when not untitled and q * :factor > 1.0 then 0.0 else p * q * :factor end),
    min(case when not untitled and n > 1.0 and p > 0.0 then ln(n) end),
    min(case when not untitled and q * :factor > 1.0 and p > 0.0 then ln(q * :factor) end)
  from (
    select {group} as person_id, {points} as p, coalesce(i.subject, '') = '' as untitled,
      sum({decay}) as n, coalesce(sum({decay}) filter (where i.at < :pcut), 0.0) as q
    from {source}
    where {wanted} and i.at < :cut{known}
    group by {group}, i.kind, i.subject)
  group by person_id"""


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


def _window_start(window: str) -> str:
    """The first moment of a consistency window (``wcad`` days long), as a stored timestamp."""
    return f"strftime('%Y-%m-%dT%H:%M:%S', ({window}) * wcad - 0.5) || '+00:00'"
