"""The carried basis of the daily full health recompute: per person, the aggregates of their
interactions before a cut-off, so that a new day reads one stored row per person instead of
scanning every interaction again (docs/health.md, "How it is computed").

A row holds what the health model's scan of the interactions before the trend window finds (the
last touch, when they last spoke and when you did, the packed counts, the first touch, the
exchange-week masks) and the consistency windows touched, as of ``health_basis_state.cut``
(the start of the trend window of the day it was built on). Nothing in a row depends on the day
it is read on: the masks carry their own reference (``wref``: the consistency window of bit 0,
``xref``: the week of bit 0), and the reader shifts them to its own day. Everyone has
consistency windows: of the cadence's length, or ``uncadenced_days`` without a cadence (the
scope's ``wcad``; a row's ``cad`` is the length its windows were built with).

A row is right as long as the person's interactions before the cut-off are the ones it was
built from, with windows of the same length. The triggers below drop a person's row in the same
transaction as any insert, move or deletion of one of their interactions; a changed window
length (a cadence set, changed or dropped) is seen by comparing ``cad`` with ``wcad``; when
the cut-off moves forward, the people with interactions between the old and the new one are
found by the day's own scan. Missing rows are built again from the
interactions themselves, with the same statement a from-scratch build uses.

The column fragments of the aggregates are the health model's (``health_sql``);
this module owns the table and the statements that read and write it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from crb_tui.records import INTERACTION_KINDS

MASK_PAIRS = len(INTERACTION_KINDS)
"""Exchange-week mask columns: one pair (from them, from you) per kind that may earn points."""

_MASK_COLUMNS = "".join(f", xi{n} integer, xo{n} integer" for n in range(MASK_PAIRS))

SCHEMA = (
    "create table if not exists health_basis (person_id integer primary key,"
    " cad integer not null, wref integer, xref integer not null, first text, last text,"
    " heard text, spoke text, packed integer not null default 0, mask integer not null"
    f" default 0{_MASK_COLUMNS})",
    "create table if not exists health_basis_state (id integer primary key check (id = 1),"
    " key text not null, cut text not null)",
    "create trigger if not exists health_basis_interaction_added after insert on interactions"
    " begin delete from health_basis where person_id = new.person_id; end",
    "create trigger if not exists health_basis_interaction_changed after update of person_id,"
    " at, kind, direction on interactions begin delete from health_basis where person_id in"
    " (old.person_id, new.person_id); end",
    "create trigger if not exists health_basis_interaction_removed after delete on interactions"
    " begin delete from health_basis where person_id = old.person_id; end",
)
"""The table, its state (the model key and cut-off it was built for) and the triggers that
drop a row whenever the person's interactions change (migration m012)."""


def state(conn: Any) -> tuple[str, str] | None:
    """The model key and cut-off the stored rows were built for (None: never built)."""
    row = conn.execute("select key, cut from health_basis_state where id = 1").fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def forget(conn: Any) -> None:
    """Drop every row: the next build starts from scratch."""
    conn.execute("delete from health_basis")
    conn.execute("delete from health_basis_state")


def forget_people_of_new_interactions(conn: Any, after_rowid: int) -> None:
    """Drop the rows of the people of every interaction above ``after_rowid``: what the
    triggers do, for a bulk load that runs without them."""
    conn.execute("delete from health_basis where person_id in (select person_id from"
                 " interactions where rowid > ?)", [after_rowid])
    # (and what trigger health_params_basis_dropped does: scored again at the next read)
    conn.execute("update health_params set due_jd = 0 where person_id in (select person_id"
                 " from interactions where rowid > ?)", [after_rowid])


def set_state(conn: Any, key: str, cut: str) -> None:
    conn.execute("insert or replace into health_basis_state (id, key, cut) values (1, ?, ?)",
                 [key, cut])


def mark_stale(conn: Any, scope: str, stage: str, whole: bool = True) -> None:
    """Drop the rows that no longer hold: their windows' length changed since they were
    built (a cadence set, changed or dropped), the person has interactions between the old
    cut-off and the new one (``stage.adv``), or, when ``scope`` is everyone (``whole``), is
    not in it (merged away: nobody looks at their row, so nobody keeps it right)."""
    if whole:
        conn.execute(
            f"delete from health_basis where person_id not in (select person_id from {scope})")
    conn.execute(
        f"delete from health_basis where person_id in (select s.person_id from {scope} s"
        f" join health_basis h on h.person_id = s.person_id where h.cad is not s.wcad)")
    conn.execute(
        f"delete from health_basis where person_id in (select person_id from {stage}"
        " where adv > 0)")


def build_missing(conn: Any, scope: str, columns: str, exchanges: int,
                  params: dict[str, Any]) -> int:
    """Build the row of every person in ``scope`` who has none, from their interactions before
    ``:bcut`` (``columns``: the model's aggregates over ``i``, ending in the exchange masks of
    ``exchanges`` kinds; ``:bjd`` is the cut-off's julian day, ``:bweek`` its week). The
    number of rows built."""
    masks = "".join(f", xi{n}, xo{n}" for n in range(exchanges))
    # consistency windows numbered as the model numbers them (julian day + 0.5, over wcad)
    window = "cast((julianday(i.at) + 0.5) / r.cad as integer)"
    cur = conn.execute(
        f"""insert into health_basis (person_id, cad, wref, xref, first, last, heard, spoke,
          packed, mask{masks})
        select person_id, cad, wref, :bweek, first, last, heard, spoke, coalesce(packed, 0),
          coalesce(mask, 0){masks}
        from (
          select r.person_id, r.cad, r.wref, min(i.at) as first, {columns},
            sum(distinct 1 << (r.wref - {window})) as mask
          from (select person_id, wcad as cad, cast((:bjd + 0.5) / wcad as integer) as wref
                from {scope} where person_id not in (select person_id from health_basis)) r
          left join interactions i on i.person_id = r.person_id and i.at < :bcut
          group by r.person_id)""",
        params,
    )
    return int(cur.rowcount)


def read_old(conn: Any, table: str, scope: str, exchanges: int, params: dict[str, Any]) -> None:
    """Fill ``table`` with the facts before the trend window, from the rows, the exchange-week
    masks moved to the week ``:xweek`` (weeks older than the masks hold drop out)."""
    names = "".join(f", xi{n}, xo{n}" for n in range(exchanges))
    masks = "".join(
        f", (h.xi{n} << (:xweek - h.xref)) & :xbits, (h.xo{n} << (:xweek - h.xref)) & :xbits"
        for n in range(exchanges))
    conn.execute(
        f"""insert into {table} (person_id, first, last, heard, spoke, packed{names})
        select s.person_id, h.first, h.last, h.heard, h.spoke, h.packed{masks}
        from {scope} s join health_basis h on h.person_id = s.person_id""",
        params,
    )


def read_new(conn: Any, table: str, scope: str, stage: str, exchanges: int,
             popcount: Callable[[str, str], str],
             params: dict[str, Any]) -> None:
    """Fill ``table`` with the facts of the trend window (from the day's scan, ``stage``) and
    the consistency windows touched: the rows' masks moved to today's window (bit ``b`` is window
    ``wn - 1 - b``) or'ed with the day's own (``stage.nmask``), and how many of the last
    windows before today and before the trend window's start had a touch (``popcount(mask,
    shift)``: SQL counting the bits of ``mask >> shift``)."""
    names = "".join(f", xi{n}, xo{n}" for n in range(exchanges))
    cur = "".join(f", n.xi{n}, n.xo{n}" for n in range(exchanges))
    conn.execute(
        f"""insert into {table} (person_id, first, last, heard, spoke, packed{names}, mask,
          hits_n, hits_p)
        with joined as materialized (
          select s.person_id, s.wn - s.wp as back, n.first, n.last, n.heard, n.spoke,
            n.packed{cur},
            coalesce(h.mask << (s.wn - 1 - h.wref), 0) | coalesce(n.nmask, 0) as mask
          from {scope} s left join {stage} n on n.person_id = s.person_id
          left join health_basis h on h.person_id = s.person_id)
        select person_id, first, last, heard, spoke, packed{names}, mask,
          {popcount("mask", "0")}, {popcount("mask", "back")}
        from joined where last is not null or mask <> 0""",
        params,
    )


class Model(NamedTuple):
    """What the health model's SQL gives the statements here (``health_run``
    builds it): its aggregates over the interactions ``i`` of the trend window and before the
    cut-off, the number of exchange kinds, and a count of bits in SQL."""

    window: str
    """The trend window's aggregates (each filtered to ``i.at >= :pcut``), exchange masks last."""
    before: str
    """The same, unfiltered, the masks relative to the week ``:bweek``, from ``:bxlo`` on."""
    exchanges: int
    popcount: Callable[[str, str], str]
    """``popcount(mask, shift)``: SQL counting the consistency windows' bits of
    ``mask >> shift``."""


_DAY = "temp._crb_health_day"
"""The day's scan: the trend window, and what came before it since the cut-off."""


def _day_scan(scope: str, window: str) -> str:
    """One scan of each person's interactions from the cut-off (``:scanlo``) to now: the trend
    window's facts, the consistency windows it touched before today's (``nmask``; the rows have the
    earlier ones), and how many interactions fell between the old cut-off and the new one
    (``adv``: those people's rows are built again)."""
    return f"""
  select s.person_id, {window}, min(i.at) filter (where i.at >= :pcut),
    sum(distinct 1 << (s.wn - 1 - cast((julianday(i.at) + 0.5) / s.wcad as integer)))
      filter (where i.at >= :pcut
        and cast((julianday(i.at) + 0.5) / s.wcad as integer) < s.wn),
    count(*) filter (where i.at < :pcut)
  from {scope} s cross join interactions i on i.person_id = s.person_id
  where i.at >= :scanlo and i.at < :cut
  group by s.person_id"""


def carry(store: Any, key: str, scope: str, old: str, new: str, model: Model,
          params: dict[str, Any], whole: bool = True) -> None:
    """Fill the model's ``old`` and ``new`` aggregate tables for everyone in ``scope`` from the
    rows, brought up to date first for the cut-off ``:bcut`` (``key``: the model's; another
    one, or a cut-off earlier than the rows', starts them again). In one write transaction of
    ``store``: the rows built are of the interactions as they are while they are stored.

    ``scope`` may be some people only (``whole`` False): those whose scores a new day changes
    other than by time alone. Everyone with an interaction between the old cut-off and the new
    one is among them (it left the trend window: the health run's ``_DUE``), so the rows of
    the others still hold for the new cut-off."""
    conn = store.conn
    params = dict(params)
    masks = "".join(f", xi{n} integer, xo{n} integer" for n in range(model.exchanges))
    with store.transaction():
        found = state(conn)
        if found is None or found[0] != key or found[1] > params["bcut"]:
            forget(conn)
            params["scanlo"] = params["bcut"]
        else:
            params["scanlo"] = found[1]
        conn.execute(
            f"create temp table if not exists {_DAY[5:]} (person_id integer primary key,"
            f" last text, heard text, spoke text, packed integer{masks}, first text,"
            " nmask integer, adv integer)")
        conn.execute(f"delete from {_DAY}")
        conn.execute(f"insert into {_DAY} {_day_scan(scope, model.window)}", params)
        mark_stale(conn, scope, _DAY, whole)
        build_missing(conn, scope, model.before, model.exchanges, params)
        set_state(conn, key, params["bcut"])
        read_old(conn, old, scope, model.exchanges, params)
        read_new(conn, new, scope, _DAY, model.exchanges, model.popcount, params)
        conn.execute(f"drop table {_DAY}")
