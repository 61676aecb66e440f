"""A batch's new people indexed for name search (``people_fts``) and given their health rows
with one statement each, not row by row through the insert triggers.

Through the triggers, a person's insert was a statement of its own that FTS5 wrote out as an
index segment of its own (merged again and again), and a health row inserted alone: together
half of what making a person cost in an import. The triggers stay for every other writer; they
skip the rows inserted while ``people_fts_later`` has a row, which only this transaction ever
sees (migration ``m017_imp_people_index_batches``). What was inserted is caught up before
anything may change or read it as indexed: before the write path updates a person, and at the
end of the batch, whatever happens (the flag never outlives the batch)."""

from __future__ import annotations

import sqlite3


class NewPeople:
    """The people inserted since :meth:`pause`, indexed by :meth:`catch_up`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._after: int | None = None
        """The highest person id before the first insert not indexed yet (None: none)."""

    def pause(self) -> None:
        """Call before inserting a person: the triggers leave them to :meth:`catch_up`."""
        if self._after is not None:
            return
        (after,) = self.conn.execute("select coalesce(max(id), 0) from people").fetchone()
        self.conn.execute("insert into people_fts_later values (1)")
        self._after = after

    def catch_up(self) -> None:
        """Index the people inserted since :meth:`pause` and give them health rows, as the
        triggers would have; the triggers serve every insert again."""
        if self._after is None:
            return
        after, self._after = self._after, None
        self.conn.execute("delete from people_fts_later")
        self.conn.execute(
            "insert into people_fts (rowid, name) select id, name from people where id > ?",
            [after])
        self.conn.execute(
            "insert or ignore into health_params (person_id) select id from people where id > ?",
            [after])
