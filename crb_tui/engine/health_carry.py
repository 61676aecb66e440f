"""The daily full recompute's carried facts: the facts of everyone's interactions before the
trend window read from the stored basis (``crb_tui.store.health_basis``) instead of a scan of
every interaction, the basis brought up to date first. ``crb_tui.engine.health`` runs it for
a recompute of everyone; the few-people path and ``explain`` scan the interactions themselves
(docs/health.md, "How it is computed")."""

from __future__ import annotations

import datetime as dt

from crb_tui.engine import health_value
from crb_tui.engine.health_model import _SCOPE, _jd, _popcount, _Run, _stamp, _touches
from crb_tui.store import Store, health_basis

_DAY = "temp._crb_health_day"
"""The day's scan: the trend window, and what came before it since the basis' cut-off."""


def _day_scan(exchanges: int) -> str:
    """A carried recompute's one scan of the interactions, from the basis' cut-off
    (``:scanlo``) to now: the trend window's facts (as the ``new`` aggregate has them), the
    cadence windows it touched before today's (``nmask``; the basis has the earlier ones), and
    how many interactions fell between the old cut-off and the new one (``adv``: the basis of
    those people is built again)."""
    new = _touches("filter (where i.at >= :pcut)", "i.at >= :pcut and ", exchanges)
    return f"""
  select s.person_id, {new}, min(i.at) filter (where i.at >= :pcut),
    sum(distinct 1 << (s.wn - 1 - cast((julianday(i.at) + 0.5) / s.cad as integer)))
      filter (where s.cad > 0 and i.at >= :pcut
        and cast((julianday(i.at) + 0.5) / s.cad as integer) < s.wn),
    count(*) filter (where i.at < :pcut)
  from {_SCOPE} s cross join interactions i on i.person_id = s.person_id
  where i.at >= :scanlo and i.at < :cut
  group by s.person_id"""


def carry(run: _Run, store: Store, key: str) -> None:
    """Fill the ``old`` and ``new`` aggregates of ``run`` (everyone in its scope) from the
    basis and one scan of the interactions since the basis' cut-off, the basis brought up to
    date first (``key``: the model's; another one starts it again). In one write transaction:
    the rows built are of the interactions as they are while they are stored."""
    conn = store.db.conn
    exchanges = len(run.exchange)
    start = run.past + dt.timedelta(days=1)
    week = health_value.week_of(start)
    params = dict(run.params)
    params.update(
        bcut=run.pcut, bjd=_jd(start), bweek=week,
        xbits=(1 << health_value.EXCHANGE_WEEKS) - 1,
        bxlo=_stamp(health_value.week_start(week - health_value.EXCHANGE_WEEKS + 1)),
    )
    with store.transaction():
        found = health_basis.state(conn)
        if found is None or found[0] != key or found[1] > run.pcut:
            health_basis.forget(conn)  # another model, or an earlier day: from scratch
            params["scanlo"] = run.pcut
        else:
            params["scanlo"] = found[1]
        conn.execute(
            f"create temp table if not exists {_DAY[5:]} (person_id integer primary key,"
            f" last text, heard text, spoke text, packed integer{run.columns()}, first text,"
            " nmask integer, adv integer)")
        conn.execute(f"delete from {_DAY}")
        conn.execute(f"insert into {_DAY} {_day_scan(exchanges)}", params)
        health_basis.mark_stale(conn, _SCOPE, _DAY)
        health_basis.build_missing(
            conn, _SCOPE, _touches("", "", exchanges, "bweek", "bxlo"), exchanges, params)
        health_basis.set_state(conn, key, run.pcut)
        health_basis.read_old(conn, "temp._crb_health_old", _SCOPE, exchanges, params)
        health_basis.read_new(
            conn, "temp._crb_health_new", _SCOPE, _DAY, exchanges,
            lambda mask, shift: _popcount(f"({mask} >> {shift})", run.windows), params)
        conn.execute(f"drop table {_DAY}")
