"""Scores worked out when they are read: the ``health`` view over ``health_params``.

A daily run that wrote everyone's scores would rewrite most of the table every day: Warmth
decays from the last two-way touch, Value's points decay, the trend looks back from a window
that moves, and the days past the cadence grow, for everyone, with nothing written. So the
health engine stores, per person, what those depend on (``health_params``): the dates Warmth
counts from, Trust (which changes only when a fact does), the points of Value as sums that decay
at one rate (and the series of time together past their first meeting, whose worth falls by a
fixed amount a day), the one-sided flag, and the first day on which any of it stops holding
(``due_jd``: a touch leaving the trend window, a commitment falling due, a consistency window
turning, a series falling to one meeting, an exchange week leaving the weeks counted, a
meeting starting...). The view ``health`` evaluates the gauges from them for the day of
``health_model`` (the day the store was last brought up to date), with the model's settings
stored there as well. A new day rescores only the people whose ``due_jd`` has come and moves
the day on. docs/health.md, "How it is computed", says the same in words.

The view is plain SQL (SQLite's math functions), so any tool that opens the file sees the
scores CRB shows.
"""

from __future__ import annotations

from typing import Any

MODEL_SETTINGS = (
    "lam", "grace", "half", "scale", "floor", "unknown", "xcap", "trend_days",
    "trend_threshold", "rel_recip", "rel_days", "rel_trust", "rel_value", "partner_days",
    "partner_trust", "partner_value",
)
"""The model's settings the view needs (the health run's parameters of the same names), stored
in ``health_model`` beside the day."""

PARAM_COLUMNS = (
    "person_id", "computed_on", "ref_jd", "due_jd", "last_touch", "last_two_way",
    "cadence_days", "wcad", "last_jd", "two_jd", "two_p_jd",
    "t_n0", "t_n1", "t_n2", "t_n3", "t_p0", "t_p1", "t_p2", "t_p3", "wn0", "wp0", "xw0",
    "recip", "span", "sig_w", "sig_v", "a_n", "b_n", "c_n", "a_p", "b_p", "c_p",
    "x_n0", "x_n1", "x_n2", "x_n3", "x_p0", "x_p1", "x_p2", "x_p3", "known_n", "known_p",
    "one_sided", "override",
)
"""The columns of ``health_params``, in the order the health run gives them."""

def _marks_due(*tables: str) -> tuple[str, ...]:
    """Triggers that mark the person of a row of each of ``tables`` inserted, deleted or
    updated to be scored again at the next read."""
    return tuple(
        f"create trigger health_params_{table}_{when} after {when} on {table} begin "
        f"update health_params set due_jd = 0 where person_id in ({who}); end"
        for table in tables
        for when, who in (("insert", "new.person_id"), ("delete", "old.person_id"),
                          ("update", "old.person_id, new.person_id")))


SCHEMA = (
    """create table health_params (
      person_id integer primary key references people(id),
      computed_on text,         -- the day these were computed for ('' : again at the next read)
      ref_jd real,              -- its julian day (midnight), the day the sums are as of
      due_jd real not null default 0,  -- the first day they may no longer hold
      last_touch text, last_two_way text, cadence_days integer, wcad integer,
      last_jd real, two_jd real, two_p_jd real,  -- days on the user's calendar
      -- Trust today and at the trend window's start, as of the consistency windows wn0 and
      -- wp0 and as of each of the next three to turn
      t_n0 real, t_n1 real, t_n2 real, t_n3 real, t_p0 real, t_p1 real, t_p2 real, t_p3 real,
      wn0 integer, wp0 integer, xw0 integer,  -- and the calendar week of the exchange points
      recip real, span real, sig_w real, sig_v real,
      a_n real, b_n real, c_n real, a_p real, b_p real, c_p real,  -- Value's points
      x_n0 real, x_n1 real, x_n2 real, x_n3 real,  -- exchange weeks', this week and the next
      x_p0 real, x_p1 real, x_p2 real, x_p3 real,  -- three (today's, the window start's)
      known_n integer, known_p integer,  -- whether anything says what Value is (else unknown)
      one_sided integer, override text)""",
    "create index idx_health_params_due on health_params (due_jd)",
    "create index idx_health_params_last_touch on health_params (last_touch, person_id)",
    # (as m017's: the write path gives a batch's new people their rows itself)
    "create trigger people_health_row after insert on people "
    "when not exists (select 1 from people_fts_later) begin "
    "insert or ignore into health_params (person_id) values (new.id); end",
    "insert or ignore into health_params (person_id) select id from people",
    # Whoever writes (CRB's write path scores the people it touches; another program, or SQL
    # by hand, does not), the people whose facts changed are scored again at the next read:
    # an interaction's insert, move or deletion drops its person's carried row
    # (crb_tui.store.health_basis), which happens once per person however many are written;
    # a tier, cadence or stage, a commitment or a value moment written mark them directly.
    "create trigger health_params_basis_dropped after delete on health_basis begin "
    "update health_params set due_jd = 0 where person_id = old.person_id; end",
    "create trigger health_params_person_changed after update of tier, cadence_days, "
    "stage_override on people begin "
    "update health_params set due_jd = 0 where person_id = new.id; end",
    *_marks_due("commitments", "value_moments"),
)
"""The stored parameters (migration m018)."""

MORE_TRIGGERS = (
    # a series of meetings is its title: renamed, its worth is another
    "create trigger health_params_interaction_renamed after update of subject on interactions"
    " begin update health_params set due_jd = 0 where person_id in (old.person_id,"
    " new.person_id); end",
    # any field of a person (a plugin's signals may read any), their goals and notes
    "create trigger health_params_person_changed after update on people begin "
    "update health_params set due_jd = 0 where person_id = new.id; end",
    "create trigger health_params_person_gone after delete on people begin "
    "delete from health_params where person_id = old.id; end",
    *_marks_due("goals", "notes"),
)
"""Triggers for writers m018's missed (migration m019)."""

# Per day x (n: today, p: the trend window's start, trend_days earlier), from the parameters
# (h), the day (d) and the model's settings (``{lam}``...: literals, or the columns of
# health_model joined in); d - ref_jd: the days since the sums were computed. Each gauge as the
# health model computes it (crb_tui.store.health_sql, _FORMULAS), the points of Value decayed by
# those days: a series past one meeting is worth p * (1 + ln n), and n decays by
# exp(-lam * days), so its worth falls by p * lam a day (b_x: the sum of those p); the rest
# decays as a whole.
_WARMTH = """max(0.0, min(100.0, case when {two} is null then 0.0
        else 100.0 * pow(2.0, -max(0.0, {at} - {two} - {grace} * h.wcad)
          / ({half} * h.wcad)) end + h.sig_w))"""
_POINTS = """(h.a_{x} - {lam} * (h.d - h.ref_jd) * h.b_{x}
        + h.c_{x} * exp(-{lam} * (h.d - h.ref_jd))
        + min({xcap}, {week} * exp(-{lam} * (h.d - h.ref_jd))))"""
_TRUST = """case cast(({at} + 0.5) / h.wcad as integer) - h.{w}0
        when 0 then h.t_{x}0 when 1 then h.t_{x}1 when 2 then h.t_{x}2 else h.t_{x}3 end"""
# Value is known while any of its points is above 0 (the model's ``known``: the points are
# sums of parts that are never negative), or a plugin's signal says something: an exchange week
# leaving the weeks counted can take the last of them (trial 11 T8).
_VALUE = """case when h.known_{x} and (h.a_{x} > 0.0 or h.c_{x} > 0.0 or h.sig_v <> 0.0
          or {xcap} > 0.0 and {week} > 0.0)
        then max(0.0, min(100.0, 100.0 * (1.0 - exp(-{points} / {scale})) + h.sig_v)) end"""
_WEEK = """case cast((h.d + 0.5) / 7 as integer) - h.xw0
            when 0 then h.x_{x}0 when 1 then h.x_{x}1 when 2 then h.x_{x}2 else h.x_{x}3 end"""
_HEALTH = """cast(sqrt(trust_{x} * max(coalesce(value_{x}, 0.0), {unknown}))
      * ({floor} + (1.0 - {floor}) * warmth_{x} / 100.0) + 0.5 as integer)"""

_OUTER = ("unknown", "floor", "trend_threshold", "rel_recip", "rel_days", "rel_trust",
          "rel_value", "partner_days", "partner_trust", "partner_value", "day", "day_jd")
"""The settings the outer layers of the view read (the inner one reads the rest)."""


def view_sql(model: dict[str, Any] | None = None) -> str:
    """The ``health`` view: with the model's day and settings (``model``: ``day``,
    ``day_jd`` and ``MODEL_SETTINGS``) written in as literals (what a run that moves the day or
    the settings creates: SQLite then folds them, and reads no other table per row), or, without,
    reading them from ``health_model`` (what the migration creates, before any run)."""
    if model is None:
        inner = {k: f"h.{k}" for k in (*MODEL_SETTINGS, "day", "day_jd")}
        outer = {k: k for k in _OUTER}
        source = ("select h.*, m.*, max(m.day_jd, h.ref_jd) as d\n"
                  "      from health_params h left join health_model m on m.id = 1")
        passed = "".join(f", h.{k}" for k in _OUTER)
    else:
        inner = {k: _literal(model[k]) for k in (*MODEL_SETTINGS, "day", "day_jd")}
        outer = {k: inner[k] for k in _OUTER}
        source = f"select h.*, max({inner['day_jd']}, h.ref_jd) as d from health_params h"
        passed = ""

    def warmth(two: str, at: str) -> str:
        return _WARMTH.format(two=two, at=at, **inner)

    def value(x: str) -> str:
        week = _WEEK.format(x=x)
        return _VALUE.format(x=x, week=week, points=_POINTS.format(x=x, week=week, **inner),
                             **inner)

    start = f"(h.d - {inner['trend_days']})"
    tt = outer["trend_threshold"]
    return f"""create view health as
select person_id,
  w_n as warmth, t_n as trust, v_n as value, h_n as health, h_p as health_past,
  -- (the difference written once: SQLite works it out at each use)
  case min(max(h_n - h_p, -{tt}), {tt})
    when {tt} then 'growing' when -{tt} then 'fading'
    else case when ref_jd is not null then 'steady' end end as trend,
  case when ref_jd is null then null
    when override is not null then override
    when two_jd is null then 'contact'
    when recip >= {outer['rel_recip']} and t_n >= {outer['partner_trust']}
      and v_n >= {outer['partner_value']} and span >= {outer['partner_days']} then 'partner'
    when recip >= {outer['rel_recip']} and t_n >= {outer['rel_trust']}
      and v_n >= {outer['rel_value']} and span >= {outer['rel_days']} then 'relationship'
    else 'transaction' end as stage,
  one_sided, last_touch, last_two_way, cadence_days,
  case when cadence_days > 0 and last_touch is not null
    then round((d - last_jd - cadence_days) * 1.0 / cadence_days, 4) end as overdue,
  case when computed_on is null or computed_on = '' or ref_jd > {outer['day_jd']}
    then computed_on else {outer['day']} end as computed_on
from (
  select *,
    cast(warmth_n + 0.5 as integer) as w_n, cast(trust_n + 0.5 as integer) as t_n,
    cast(value_n + 0.5 as integer) as v_n,
    {_HEALTH.format(x='n', unknown=outer['unknown'], floor=outer['floor'])} as h_n,
    {_HEALTH.format(x='p', unknown=outer['unknown'], floor=outer['floor'])} as h_p
  from (
    select h.person_id, h.computed_on, h.ref_jd, h.d, h.last_touch, h.last_two_way,
      h.cadence_days, h.last_jd, h.two_jd, h.recip, h.span, h.one_sided, h.override{passed},
      {_TRUST.format(at='h.d', w='wn', x='n')} as trust_n,
      {_TRUST.format(at=start, w='wp', x='p')} as trust_p,
      {warmth('h.two_jd', 'h.d')} as warmth_n,
      {warmth('h.two_p_jd', start)} as warmth_p,
      {value('n')} as value_n,
      {value('p')} as value_p
    -- (the model's day, or the row's own when later; null for a row not scored yet)
    from ({source}) h))"""


def _literal(value: Any) -> str:
    """A setting or the day as SQL: a quoted date, a number in full (repr keeps every bit)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    # (in brackets: a negative one after a minus sign would read as a comment, "--")
    return f"({float(value)!r})" if isinstance(value, float) else f"({int(value)})"


VIEW = view_sql()
"""The view as the migration creates it: reading the day and settings from ``health_model``."""


def refresh(conn: Any) -> None:
    """Create the view again with ``health_model``'s day and settings written in (the join
    form while there is no model row). In the caller's transaction."""
    cur = conn.execute(
        f"select day, day_jd, {', '.join(MODEL_SETTINGS)} from health_model where id = 1")
    row = cur.fetchone()
    model = None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))
    conn.execute("drop view if exists health")
    conn.execute(view_sql(model))
