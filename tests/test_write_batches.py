"""The sync runner writes each batch of records, with the source's state, in one transaction and
no savepoint of the batch's own (a savepoint over a batch copied every page it changed aside
first: a third of the batch's time); a batch that fails still leaves nothing of itself, nor of
the state saved with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from crb_tui import records as r
from crb_tui.sources import Source, SyncContext
from crb_tui.store import Store
from crb_tui.store.batch import write_records
from crb_tui.testing import run_source, temporary_store

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def mails(n: int) -> Iterator[r.Interaction]:
    for i in range(n):
        yield r.Interaction(f"m{i}", "email", "out", T0, r.Identity("email", f"p{i % 9}@x.com"),
                            subject=f"note {i}")


def source(records: Any, fail_after: int | None = None) -> Source:
    def sync(ctx: SyncContext) -> Iterator[r.Record]:
        for n, record in enumerate(records):
            if n % 500 == 0:
                ctx.state.namespace("seen").set(f"at{n}", n)
            if n == fail_after:
                raise RuntimeError("the server went away")
            yield record

    return Source(name="fake", sync=sync, description="test source")


def test_batches_are_written_without_a_savepoint_of_their_own() -> None:
    with temporary_store() as store:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        run = run_source(source(mails(1200)), store=store)
        store.conn.set_trace_callback(None)
        assert run.summary.ok and run.summary.imported == 1200
        assert statements.count("begin immediate") >= 3  # a transaction a batch, others get in
        assert not [s for s in statements if s.lower().startswith("savepoint")]
        assert store.conn.execute("select count(*) from interactions").fetchone() == (1200,)


def test_a_batch_that_fails_leaves_nothing_of_itself_nor_its_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = Store.write_batch

    def fails_second(self: Store, batch: Any, source: str, **kw: Any) -> Any:
        if any(getattr(rec, "source_key", "") == "m700" for rec in batch):
            self.conn.execute("insert into ignored (kind, value) values ('email', 'x@y.z')")
            raise RuntimeError("disk full")
        return real(self, batch, source, **kw)

    monkeypatch.setattr(Store, "write_batch", fails_second)
    with temporary_store() as store:
        run = run_source(source(mails(1200)), store=store)
        assert not run.summary.ok
        keys = {row[0] for row in store.conn.execute("select source_key from interactions")}
        assert keys == {f"m{i}" for i in range(500)}
        assert store.conn.execute("select count(*) from ignored").fetchone() == (0,)
        saved = {row[0] for row in store.conn.execute(
            "select key from source_state where source = 'fake'")}
        assert saved == {"at0"}  # the second batch's state went with its records


def test_writing_records_outside_a_transaction_is_refused() -> None:
    with temporary_store() as store, pytest.raises(RuntimeError, match="outside a transaction"):
        write_records(store, list(mails(1)), "t")
