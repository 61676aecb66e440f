"""Reading back what a sync stored in a CRB database, for the tests that run a source against a
server of their own (fake Google and Graph, Radicale, Dovecot)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


class StoredSync:
    """Reading back what a sync stored in the CRB database ``db``, with plain SQL; ``source``
    is the one ``keys()`` and ``cursor()`` read unless told."""

    db: Path
    source: str

    def query(self, sql: str, args: Any = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db)
        try:
            return list(conn.execute(sql, args))
        finally:
            conn.close()

    def keys(self, source: str = "") -> list[str]:
        """The source keys of the interactions stored, in order."""
        return [r[0] for r in self.query(
            "select source_key from interactions where source = ? order by 1",
            [source or self.source])]

    def cursor(self, source: str = "") -> Any:
        rows = self.query("select cursor from sync_state where source = ?",
                          [source or self.source])
        return json.loads(rows[0][0]) if rows and rows[0][0] else None
