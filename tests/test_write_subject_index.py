"""The write path indexes the subjects of a batch's new interactions for full-text search with
one statement, not row by row through the insert trigger (which stays for every other writer);
the index stays exactly the table's, whatever the batch does after the insert (a person claims
the rows, a later copy changes the subject, a delete)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from crb_tui import records as r
from crb_tui.store import Store

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def mail(key: str, who: str, direction: str = "out", subject: str = "hello") -> r.Interaction:
    return r.Interaction(key, "email", direction, T0, r.Identity("email", who), subject=subject)


def matches(store: Store, word: str) -> list[str]:
    return [row[0] for row in store.conn.execute(
        "select i.source_key from interactions_fts f join interactions i on i.id = f.rowid "
        "where interactions_fts match ? order by i.source_key", [word])]


def intact(store: Store) -> None:
    # FTS5 compares its index with the table it indexes, row by row, term by term.
    store.conn.execute(
        "insert into interactions_fts (interactions_fts) values ('integrity-check')")
    assert store.conn.execute("select count(*) from interactions_fts_later").fetchone() == (0,)


def triggers_run(store: Store, fn: object) -> list[str]:
    ran: list[str] = []
    store.conn.set_trace_callback(lambda sql: ran.append(sql) if "TRIGGER" in sql else None)
    try:
        fn()  # type: ignore[operator]
    finally:
        store.conn.set_trace_callback(None)
    return ran


def test_a_batch_is_indexed_without_the_row_trigger(store: Store) -> None:
    batch = [mail(f"m{i}", f"p{i % 7}@x.com", subject=f"roadmap {i}") for i in range(60)]
    ran = triggers_run(store, lambda: store.write(batch, "t"))
    assert not [sql for sql in ran if "interactions_ai" in sql]
    assert len(matches(store, "roadmap")) == 60
    intact(store)


def test_what_the_batch_does_after_the_insert_keeps_the_index_whole(store: Store) -> None:
    store.write([mail("old", "ann@x.com", subject="budget draft")], "t")
    # In one batch: mail from an address no one has yet (kept for no one), then mail to it
    # (a person now: the waiting rows are claimed), a new subject for a stored row, a delete.
    store.write_batch([
        mail("in1", "bo@x.com", "in", subject="pricing question"),
        mail("out1", "bo@x.com", subject="pricing answer"),
        mail("old", "ann@x.com", subject="budget final"),
        r.Delete(source_key="out1", reason="gone"),
        mail("in2", "cy@x.com", "in", subject="pricing later"),
    ], "t")
    intact(store)
    assert matches(store, "pricing") == ["in1", "in2"]
    assert matches(store, "final") == ["old"] and matches(store, "draft") == []
    rows = store.conn.execute(
        "select source_key, person_id is not null from interactions order by source_key")
    assert rows.fetchall() == [("in1", 1), ("in2", 0), ("old", 1)]


def test_a_change_of_person_leaves_the_index_alone(store: Store) -> None:
    store.write([mail("m1", "ann@x.com", subject="coffee"), mail("m2", "bo@x.com")], "t")
    ran = triggers_run(store, lambda: store.conn.execute(
        "update interactions set person_id = 2 where source_key = 'm1'"))
    assert ran == []
    assert matches(store, "coffee") == ["m1"]
    intact(store)


def test_other_writers_are_indexed_by_the_trigger(db_path: Path) -> None:
    store = Store.open(db_path)
    store.write([mail("m1", "ann@x.com")], "t")
    other = sqlite3.connect(db_path)  # another program, or CRB's own single inserts
    with other:
        other.execute(
            "insert into interactions (person_id, kind, direction, at, subject, source, "
            "source_key) values (1, 'call', 'out', '2026-03-02T10:00:00+00:00', "
            "'zanzibar trip', 'manual', 'c1')")
        other.execute("update interactions set subject = 'zanzibar return' where source_key = 'c1'")
    other.close()
    try:
        assert matches(store, "zanzibar") == ["c1"] and matches(store, "return") == ["c1"]
        intact(store)
    finally:
        store.close()


def test_a_batch_longer_than_one_statement_is_stored_whole_and_in_order(store: Store) -> None:
    # 90 rows an insert statement: 200 new rows are three statements, every row stored in
    # the order given, every subject indexed.
    batch = [mail(f"m{n:03}", f"p{n}@x.com", subject=f"topic{n % 7} memo") for n in range(200)]
    result = store.write_batch(batch, "t")
    assert result.imported == 200 and not result.rejected
    keys = [row[0] for row in store.conn.execute("select source_key from interactions order by id")]
    assert keys == [f"m{n:03}" for n in range(200)]
    assert len(matches(store, "memo")) == 200
    assert matches(store, "topic3") == [f"m{n:03}" for n in range(200) if n % 7 == 3]
    intact(store)
