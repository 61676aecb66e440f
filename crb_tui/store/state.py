"""Sources' own state (``ctx.state``, :class:`crb_tui.state.State`): the ``source_state``
table, one row per (source, namespace, key) with a JSON text value.

Reads go straight to the table; writes come in sets of changes that the sync runner applies in
the transaction of the records they go with (:meth:`SourceStateTable.apply`). Also here, for a
source's one-time upgrade, the rows of a SQLite file it kept by itself before (read only).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crb_tui.errors import CrbError


class SourceStateTable:
    """One source's rows of ``source_state`` (a source never sees another's)."""

    def __init__(self, conn: sqlite3.Connection, source: str,
                 turn: contextlib.AbstractContextManager[Any] | None = None) -> None:
        self.conn = conn
        self.source = source
        self.turn = turn or contextlib.nullcontext()
        """The connection's turn (``Store.turn``), held by each read: another thread may be
        in the middle of a transaction on it."""

    def get(self, ns: str, key: str) -> str | None:
        with self.turn:
            row = self.conn.execute(
                "select value from source_state where source = ? and ns = ? and key = ?",
                [self.source, ns, key],
            ).fetchone()
        return None if row is None else str(row[0])

    def scan(self, ns: str, low: str, high: str | None, after: str | None,
             limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` (key, value) of namespace ``ns`` in key order, with ``low <= key <
        high`` (no upper bound when ``high`` is None) and ``key > after`` when given."""
        sql = "select key, value from source_state where source = ? and ns = ? and key >= ?"
        args: list[Any] = [self.source, ns, low]
        if after is not None:
            sql += " and key > ?"
            args.append(after)
        if high is not None:
            sql += " and key < ?"
            args.append(high)
        sql += " order by key limit ?"
        args.append(limit)
        with self.turn:
            return [(str(k), str(v)) for k, v in self.conn.execute(sql, args)]

    def apply(self, changes: Mapping[tuple[str, str], str | None]) -> None:
        """Write ``(ns, key) -> JSON text`` (``None``: delete), inside the caller's transaction."""
        sets = [(self.source, ns, key, value) for (ns, key), value in changes.items()
                if value is not None]
        drops = [(self.source, ns, key) for (ns, key), value in changes.items() if value is None]
        if sets:
            self.conn.executemany(
                "insert into source_state (source, ns, key, value) values (?, ?, ?, ?) "
                "on conflict (source, ns, key) do update set value = excluded.value", sets)
        if drops:
            self.conn.executemany(
                "delete from source_state where source = ? and ns = ? and key = ?", drops)


def side_file_rows(path: Path, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` in the SQLite file at ``path`` (opened read only), each a dict;
    ``[]`` when the file or the table is not there. A file that is not SQLite is a
    :class:`CrbError` naming it."""
    path = Path(path).expanduser()
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CrbError(f"{path}: cannot open: {exc}") from exc
    try:
        known = {row[0] for row in conn.execute(
            "select name from sqlite_master where type = 'table'")}
        if table not in known:
            return []
        quoted = table.replace('"', '""')  # a name the file itself lists
        cursor = conn.execute(f'select * from "{quoted}"')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]
    except sqlite3.Error as exc:
        raise CrbError(f"{path}: not a readable SQLite file: {exc}") from exc
    finally:
        conn.close()
