"""The end of a run's count of touches kept for addresses that were nobody's when they were
written (``records.NOBODY_YET``): an address that became a person later in the same run (a
message to them further down the mailbox, their contact card in the same import) has its
touches counted as what they are now, imported or unchanged, and only the addresses still
nobody's are left in the skipped count and the summary's note."""

from __future__ import annotations

from typing import Any

from crb_tui import records as r

CHUNK = 500


def settle(conn: Any, result: Any) -> None:
    """Move ``result.held`` touches whose identity is someone's now out of the ``NOBODY_YET``
    skip into the count they belong to, and set ``result.waiting`` to the new touches still
    kept for no one. ``result`` is a ``WriteResult`` (or a run's summary)."""
    if not result.held:
        return
    ids = sorted({ident for ident, _ in result.held})
    owned: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        marks = ",".join("?" * len(chunk))
        owned.update(row[0] for row in conn.execute(
            f"select id from identities where person_id is not null and id in ({marks})", chunk))
    waiting = 0
    for (ident, name), n in result.held.items():
        if ident in owned:
            result.skipped[r.NOBODY_YET] -= n
            setattr(result, name, getattr(result, name) + n)
        elif name == "imported":
            waiting += n
    if result.skipped[r.NOBODY_YET] <= 0:
        del result.skipped[r.NOBODY_YET]
    result.waiting = waiting
    result.held.clear()
