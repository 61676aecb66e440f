"""The write path indexes the names of a batch's new people for search, and gives them their
health rows, with one statement each at the end of the batch (or before anything updates one
of them), not row by row through the insert triggers, which stay for every other writer."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from crb_tui import records as r
from crb_tui.store import Store, writer
from tests.test_write_subject_index import triggers_run

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def mail(key: str, who: str, name: str | None = None) -> r.Interaction:
    return r.Interaction(key, "email", "out", T0, r.Identity("email", who), name=name,
                         subject="hello")


def found(store: Store, word: str) -> list[str]:
    return [row[0] for row in store.conn.execute(
        "select p.name from people_fts f join people p on p.id = f.rowid "
        "where people_fts match ? order by p.name", [word])]


def intact(store: Store) -> None:
    # FTS5 compares its index with the table it indexes, row by row, term by term.
    store.conn.execute("insert into people_fts (people_fts) values ('integrity-check')")
    assert store.conn.execute("select count(*) from people_fts_later").fetchone() == (0,)
    without = store.conn.execute(
        "select count(*) from people where id not in (select person_id from health)")
    assert without.fetchone() == (0,)


def test_a_batch_of_new_people_is_indexed_without_the_row_triggers(store: Store) -> None:
    batch = [mail(f"m{i}", f"p{i}@x.com", f"Zelda Number{i}") for i in range(40)]
    ran = triggers_run(store, lambda: store.write(batch, "t"))
    assert not [sql for sql in ran if "people_ai" in sql or "people_health_row" in sql]
    assert len(found(store, "zelda")) == 40
    assert found(store, "number7") == ["Zelda Number7"]
    intact(store)


def test_a_new_person_named_later_in_the_same_batch_is_found_by_the_name(store: Store) -> None:
    # Mail to a bare address makes a person named by it; the next message names them: the
    # name is updated in the same batch, after the person was indexed.
    store.write_batch([
        mail("m1", "quill@x.com"),
        mail("m2", "other@x.com", "Ottilie Other"),
        mail("m3", "quill@x.com", "Quentin Quill"),
        mail("m4", "late@x.com", "Lara Late"),
    ], "t")
    intact(store)
    assert found(store, "quentin") == ["Quentin Quill"]
    assert found(store, "ottilie") == ["Ottilie Other"] and found(store, "lara") == ["Lara Late"]
    assert found(store, "quill") == ["Quentin Quill"]  # (the old name, quill@x.com, is gone)


def test_a_person_record_filling_in_a_new_person_keeps_the_index_whole(store: Store) -> None:
    store.write_batch([
        mail("m1", "vera@x.com"),
        r.Person(name="Vera Vance", identities=[r.Identity("email", "vera@x.com")],
                 title="Pilot"),
        mail("m2", "wim@x.com", "Wim Wolf"),
    ], "t")
    intact(store)
    assert found(store, "vance") == ["Vera Vance"] and found(store, "wolf") == ["Wim Wolf"]


def test_other_writers_are_indexed_by_the_triggers(db_path: Path) -> None:
    store = Store.open(db_path)
    store.write([mail("m1", "ann@x.com", "Ann Able")], "t")
    other = sqlite3.connect(db_path)  # another program, or CRB's own single inserts
    with other:
        other.execute("insert into people (name, triage, created, updated, source, details) "
                      "values ('Xaver Xylo', 0, 'x', 'x', 'manual', '{}')")
    other.close()
    try:
        assert found(store, "xylo") == ["Xaver Xylo"] and found(store, "able") == ["Ann Able"]
        intact(store)
    finally:
        store.close()


def test_a_batch_that_fails_leaves_the_triggers_serving_every_writer(
    store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = {"n": 0}
    real = writer._BatchWriter._interaction

    def failing(self: writer._BatchWriter, rec: r.Interaction) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        real(self, rec)

    monkeypatch.setattr(writer._BatchWriter, "_interaction", failing)
    # A caller that catches the failure and commits what its transaction holds.
    with store.transaction():
        with pytest.raises(RuntimeError):
            store.write_batch([mail(f"m{i}", f"f{i}@x.com", f"Fay Fail{i}") for i in range(5)],
                              "t", in_caller_transaction=True)
    monkeypatch.undo()
    assert found(store, "fay") == ["Fay Fail0", "Fay Fail1"]  # (stored before the failure)
    with store.transaction():
        store.conn.execute("insert into people (name, triage, created, updated, source, "
                           "details) values ('Yusuf Yonder', 0, 'x', 'x', 'manual', '{}')")
    assert found(store, "yonder") == ["Yusuf Yonder"]
    intact(store)
