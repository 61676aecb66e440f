"""A large demo data set commits chunk by chunk: another process writes between two chunks
without waiting for the whole load, and what it wrote is kept, indexed and not clashed with."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from crb_tui.store import Store, demo

TODAY = dt.date(2025, 6, 18)


def test_others_write_between_two_chunks_of_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "CHUNK_PEOPLE", 20)
    path = tmp_path / "crb.db"
    store = Store.open(path)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)  # no waiting at all
    seen: list[tuple[int, int]] = []

    def between(done: int, total: int) -> None:
        other.execute("begin immediate")  # fails at once while the demo holds the lock
        pid = other.execute(
            "insert into people (name, created) values (?, 'x')", [f"Outsider {done}"]
        ).lastrowid
        other.execute(
            "insert into interactions (person_id, kind, direction, at, subject, source, "
            "source_key) values (?, 'email', 'out', '2025-06-01T09:00:00+00:00', "
            "'zanzibar plans', 'other', ?)",
            [pid, f"other:{done}"],
        )
        other.execute("commit")
        demo_people = other.execute(
            "select count(*) from people where source = 'demo'").fetchone()[0]
        seen.append((done, demo_people))

    try:
        counts = demo.generate(store, people=60, seed=7, today=TODAY, progress=between)
    finally:
        other.close()
    # Each chunk was committed (and seen by the other process) before the next began.
    assert seen == [(20, 20), (40, 40), (60, 60)]
    assert counts["people"] == 60
    assert store.conn.execute(
        "select count(*) from people where source = 'demo'").fetchone()[0] == 60
    assert store.conn.execute(
        "select count(*) from people where name like 'Outsider %'").fetchone()[0] == 3
    # The outsiders' interactions kept their people; the demo numbered its rows after them.
    assert store.conn.execute(
        "select count(*) from interactions i join people p on p.id = i.person_id "
        "where i.source = 'other' and p.name like 'Outsider %'").fetchone()[0] == 3
    # Everything is searchable: the outsiders' rows and every chunk of the demo's.
    assert store.conn.execute(
        "select count(*) from interactions_fts where interactions_fts match 'zanzibar'"
    ).fetchone()[0] == 3
    indexed = store.conn.execute("select count(*) from people_fts").fetchone()[0]
    assert indexed == store.conn.execute("select count(*) from people").fetchone()[0]
    assert store.conn.execute("select count(*) from health").fetchone()[0] == 63
    assert store.conn.execute("pragma foreign_key_check").fetchall() == []
    store.close()


def test_a_chunk_that_fails_leaves_the_chunks_before_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "CHUNK_PEOPLE", 20)
    store = Store.open(tmp_path / "crb.db")
    triggers = store.conn.execute(
        "select count(*) from sqlite_master where type = 'trigger'").fetchone()[0]

    def stop(done: int, total: int) -> None:
        if done == 40:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        demo.generate(store, people=60, seed=7, today=TODAY, progress=stop)
    assert store.counts()["people"] == 40
    assert store.conn.execute("select count(*) from people_fts").fetchone()[0] == 40
    assert store.conn.execute(
        "select count(*) from sqlite_master where type = 'trigger'").fetchone()[0] == triggers
    store.close()
