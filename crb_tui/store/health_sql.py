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

_SCORED = ("warmth_n", "trust_n", "value_n", "warmth_p", "trust_p", "value_p", "recip_n")
"""Computed once per person; everything after works from these (and from ``last_jd``, the
julian day of the last touch on the user's calendar; the span of the stage is worked out only
for the people whose stage depends on it: ``_SPAN``)."""
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
        "ser": series_sql(source, group, together, together_kinds, indexed),
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
    {_columns(_SCORED)},
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
  coalesce(w_n > 0 and ((t_n >= :sided_high and v_n <= :sided_low)
    or (v_n >= :sided_high and t_n <= :sided_low)), 0) as one_sided,
  case when h_n - h_p >= :trend_threshold then 'growing'
    when h_p - h_n >= :trend_threshold then 'fading' else 'steady' end as trend,
  case when cad > 0 and last_n is not null
    then round((:day_n - last_jd - cad) * 1.0 / cad, 4) end
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


SERIES_KINDS = ("meeting", "call")
"""The kinds ``idx_interactions_series`` (a partial index) holds."""


def week_sql(week_param: str) -> str:
    """SQL: how many weeks before week ``:week_param`` the interaction ``i`` falls."""
    return f"(:{week_param} - cast((julianday(i.at) + 0.5) / 7 as integer))"


def series_sql(source: str, group: str, points: str, kinds: str, indexed: bool) -> str:
    """Per person, the worth of time together today and at the trend window's start: each
    series' decayed count ``n`` (and ``q``, of the occurrences before the window) grouped by
    kind and title, worth ``points * series(n)`` (``crb_tui.engine.health_value.series``);
    untitled ones, each a series of its own, are summed as they are. ``indexed``: the kinds are
    among ``SERIES_KINDS``, so the query reads the partial index ``idx_interactions_series``
    alone (its condition must appear as such)."""
    wanted = f"i.kind in ({kinds})"
    if indexed:  # every kind asked for is in the index
        wanted = f"i.kind in ({', '.join(repr(k) for k in SERIES_KINDS)}) and {wanted}"
    decay = "exp(:lam * (julianday(i.at) - :cjd))"
    return f"""
  select person_id,
    sum(p * case when untitled or n <= 1.0 then n else 1.0 + ln(n) end),
    sum(case when untitled or q * :factor <= 1.0 then p * q * :factor
      else p * (1.0 + ln(q * :factor)) end)
  from (
    select {group} as person_id, {points} as p, coalesce(i.subject, '') = '' as untitled,
      sum({decay}) as n, coalesce(sum({decay}) filter (where i.at < :pcut), 0.0) as q
    from {source}
    where {wanted} and i.at < :cut
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
