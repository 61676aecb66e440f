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


def carry(run: _Run, store: Store, key: str) -> None:
    """Fill the ``old`` and ``new`` aggregates of ``run`` (everyone in its scope) from the
    basis and one scan of the interactions since its cut-off, the basis brought up to date
    first for the start of the trend window (``key``: the model's; another one starts it
    again)."""
    exchanges = len(run.exchange)
    start = run.past + dt.timedelta(days=1)
    week = health_value.week_of(start)
    params = dict(run.params)
    params.update(
        bcut=run.pcut, bjd=_jd(start), bweek=week,
        xbits=(1 << health_value.EXCHANGE_WEEKS) - 1,
        bxlo=_stamp(health_value.week_start(week - health_value.EXCHANGE_WEEKS + 1)),
    )
    model = health_basis.Model(
        window=_touches("filter (where i.at >= :pcut)", "i.at >= :pcut and ", exchanges),
        before=_touches("", "", exchanges, "bweek", "bxlo"),
        exchanges=exchanges,
        popcount=lambda mask, shift: _popcount(f"({mask} >> {shift})", run.windows),
    )
    health_basis.carry(store, key, _SCOPE, "temp._crb_health_old", "temp._crb_health_new",
                       model, params)
