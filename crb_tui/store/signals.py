"""Where plugins' health signals are written: each scored person's sums of the points the
``health_signals`` hooks gave, per gauge, on the health run's own table of the people it
scores (a ``temp`` table of the health engine's, which names it)."""

from __future__ import annotations

from collections.abc import Iterable

from crb_tui.store import Store

__all__ = ["set_signal_sums"]


def set_signal_sums(store: Store, scope: str,
                    sums: Iterable[tuple[float, float, float, int]]) -> None:
    """Set (warmth, trust, value, person id) on the run's table ``scope``: its columns
    ``sig_w``, ``sig_t``, ``sig_v`` of that person's row. A temp table: written in a read
    transaction, no write lock taken."""
    with store.snapshot():
        store.conn.executemany(
            f"update {scope} set sig_w = ?, sig_t = ?, sig_v = ? where person_id = ?", sums)
