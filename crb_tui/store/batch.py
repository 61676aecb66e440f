"""One batch of what sources yield, written in the write transaction open on the store: by
``Store.write_batch`` (in a transaction of its own) and by the sync runner (in the runner's,
with the source's state, and no savepoint of the batch's own: a savepoint over a batch cost a
third of its time, every page it changed copied aside first)."""

from __future__ import annotations

from collections.abc import Sequence

from crb_tui import records as r
from crb_tui.clock import now_utc
from crb_tui.store.write_result import WriteResult, WriteTarget, iso
from crb_tui.store.writer import _BatchWriter


def write_records(
    store: WriteTarget, batch: Sequence[r.Record], source: str,
    card_keys: dict[tuple[str, str], int] | None = None,
) -> WriteResult:
    """Store one batch in the transaction open on ``store``, which must roll back whole if this
    raises; every record counted once in the result. ``card_keys``, the same dict for every
    batch of a run, carries what one batch's contacts told the next (see ``_BatchWriter``)."""
    if not store.conn.in_transaction:
        raise RuntimeError("write_records outside a transaction")
    result = WriteResult()
    writer = _BatchWriter(store, source, iso(now_utc()), result, card_keys)
    try:
        writer.prefetch(batch)
        for record in batch:
            result.seen += 1
            writer.write(record)
        writer.flush()
    finally:
        writer.new_people.catch_up()  # whatever happened: no one left unindexed
    return result
