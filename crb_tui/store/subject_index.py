"""New interactions stored a batch at a time, their subjects indexed for full-text search
(``interactions_fts``) with one statement after the batch's insert.

Row by row, through the insert trigger, that index was half of what storing a row cost: FTS5
writes out what it holds at every statement of a transaction that touched it, so each row became
an index segment of its own, merged again and again. The trigger stays for every other writer
(the CLI's single touches, other programs); it skips the rows inserted while
``interactions_fts_later`` has a row, which only this transaction ever sees (see migration
``m013_writespeed_subject_index_batches``)."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from itertools import chain
from typing import Any

COLUMNS = ("person_id, kind, direction, at, subject, thread, duration_minutes, identity_id, "
           "source, source_key")
INSERT = f"insert into interactions ({COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
ROWS_A_STATEMENT = 90
"""Rows inserted by one statement (900 values: under SQLite's oldest limit of 999). Each
statement journals the pages it changes once, and an interaction's insert fires triggers, so
that a statement a row journalled the same index pages row after row."""


def insert_interactions(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (the columns of :data:`INSERT`) inside the caller's write transaction,
    :data:`ROWS_A_STATEMENT` at a time, then index their subjects in one statement."""
    (last,) = conn.execute("select coalesce(max(rowid), 0) from interactions").fetchone()
    conn.execute("insert into interactions_fts_later values (1)")
    try:
        for start in range(0, len(rows), ROWS_A_STATEMENT):
            chunk = rows[start : start + ROWS_A_STATEMENT]
            conn.execute(_insert_rows(len(chunk)), list(chain.from_iterable(chunk)))
    finally:
        # Whatever was inserted is indexed before anything else can change it (an update of
        # its subject deletes what the index holds for it).
        conn.execute("delete from interactions_fts_later")
        conn.execute(
            "insert into interactions_fts (rowid, subject) "
            "select rowid, subject from interactions where rowid > ?",
            [last],
        )


@functools.lru_cache(maxsize=8)
def _insert_rows(count: int) -> str:
    """The insert of ``count`` rows in one statement."""
    return f"insert into interactions ({COLUMNS}) values " + ", ".join(
        ["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * count)
