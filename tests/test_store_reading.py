"""The store's doors for the Face: a reader connection of its own, reads that stop once unwanted,
SQLite's errors as CRB's own, and undo's rows named only from one list."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from crb_tui import records as r
from crb_tui.errors import CrbError, QueryCancelled, StoreBusy, StoreUnavailable
from crb_tui.store import Reader, Store, actions, as_store_error, escape_like, store_errors
from crb_tui.store import undo as undo_rows
from crb_tui.store.queries import people_ids

TODAY = dt.date(2026, 11, 23)


def _with_ann(db_path: Path) -> tuple[Store, int]:
    store = Store.open(db_path)
    store.write([r.Person(name="Ann Lee", identities=[r.Identity("email", "ann@x.org")])],
                "test")
    return store, store.resolve_person("Ann Lee")


def test_sqlite_errors_become_crb_errors() -> None:
    busy = as_store_error(sqlite3.OperationalError("database is locked"))
    assert isinstance(busy, StoreBusy) and isinstance(busy, CrbError)
    damaged = as_store_error(sqlite3.DatabaseError("database disk image is malformed"))
    assert isinstance(damaged, StoreUnavailable) and not isinstance(damaged, StoreBusy)
    assert "malformed" in str(damaged)
    other = ValueError("not the database's")
    assert as_store_error(other) is other
    with pytest.raises(StoreUnavailable) as raised, store_errors():
        sqlite3.connect(":memory:").execute("select * from no_such_table")
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)


def test_a_reader_reads_the_same_file_and_writes_nothing(db_path: Path) -> None:
    store, ann = _with_ann(db_path)
    reader = Reader.of(store)
    assert reader is not None
    with reader:
        assert people_ids(reader, sort="name") == [ann]
        with pytest.raises(StoreUnavailable), store_errors():
            reader.conn.execute("delete from people")
    assert store.person(ann)["name"] == "Ann Lee"
    assert Reader.of(Store.open(None)) is None


def test_an_unwanted_read_stops_and_the_store_reads_on(db_path: Path) -> None:
    store, ann = _with_ann(db_path)
    endless = ("with recursive n(i) as (select 1 union all select i + 1 from n) "
               "select count(*) from n")
    with pytest.raises(QueryCancelled), store.interruptible(lambda: False):
        store.conn.execute(endless).fetchone()
    with store.interruptible(lambda: True):
        assert people_ids(store, sort="name") == [ann]


def test_undo_names_tables_and_columns_only_from_its_list(db_path: Path) -> None:
    store, ann = _with_ann(db_path)
    before = undo_rows.snapshot(store, "people", "id", ann)
    assert before == [("people", ann, {c: store.person(ann)[c]
                                       for c in undo_rows.UNDOABLE_COLUMNS["people"]})]
    with pytest.raises(ValueError):
        undo_rows.snapshot(store, "people; drop table people", "id", ann)
    with pytest.raises(ValueError):
        undo_rows.snapshot(store, "people", "name = name or id", ann)
    with pytest.raises(ValueError):
        undo_rows.take_back(store, [], [("people", ann, {"name = 'x', tier": "key"})], [])
    with pytest.raises(ValueError):
        undo_rows.take_back(store, [("people", ann)], [], [])
    assert store.person(ann)["name"] == "Ann Lee"
    # What an action changed goes back as it was.
    actions.archive(store, ann, today=TODAY)
    undo_rows.take_back(store, [], before, [])
    assert store.person(ann)["archived"] == 0


def test_escape_like_matches_only_itself() -> None:
    conn = sqlite3.connect(":memory:")
    def like(value: str, text: str) -> bool:
        pattern = "%" + escape_like(text) + "%"
        return bool(conn.execute(r"select ? like ? escape '\'", [value, pattern]).fetchone()[0])
    assert like("a_b@x.com", "a_b") and not like("axb@x.com", "a_b")
    assert like("50%off", "50%") and not like("500ff", "50%")
    assert like(r"a\b", "a\\b")
