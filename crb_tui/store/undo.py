"""The rows undo reads and writes: which columns an action may change (one list, per table),
their values before it, and putting them back. Table and column names only ever come from
:data:`UNDOABLE_COLUMNS` and :data:`UNDOABLE_INSERTS`, never from the caller's text."""

from __future__ import annotations

from typing import Any

from crb_tui.store import tables
from crb_tui.store.store import Store

UNDOABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    # Never the whole row: a sync running at the same time may have filled in other columns,
    # which undo must keep.
    tables.PEOPLE: ("name", "tier", "triage", "cadence_days", "archived", "snoozed_until",
                    "stage_override", "birthday", "details", "updated"),
    tables.GOALS: ("active", "confirmed_at"),
    tables.COMMITMENTS: ("status", "closed_at"),
}
"""The columns each kind of action may change, per table: what undo captures and puts back."""

UNDOABLE_INSERTS = (tables.INTERACTIONS, tables.COMMITMENTS, tables.VALUE_MOMENTS, tables.GOALS,
                    tables.NOTES, tables.IGNORED)
"""The tables an action may insert a row into (undo deletes it)."""

SNAPSHOT_KEYS = ("id", "person_id")
"""The columns a snapshot may pick its rows by."""


def _checked_table(table: str, allowed: Any) -> str:
    if table not in allowed:
        raise ValueError(f"undo does not handle the table {table!r}")
    return table


def last_history_id(store: Store) -> int:
    """The id of the newest review-history row (0 if none): the rows after it are an action's."""
    return int(store.conn.execute("select coalesce(max(id), 0) from review_history")
               .fetchone()[0])


def history_since(store: Store, after_id: int, person_id: int) -> list[int]:
    """The ids of ``person_id``'s review-history rows newer than ``after_id``."""
    return [row[0] for row in store.conn.execute(
        "select id from review_history where id > ? and person_id = ?", [after_id, person_id])]


def snapshot(
    store: Store, table: str, key: str, value: int
) -> list[tuple[str, int, dict[str, Any]]]:
    """The undoable columns (:data:`UNDOABLE_COLUMNS`) of the rows of ``table`` whose ``key``
    column (``id`` or ``person_id``) is ``value``, as ``(table, id, {column: value})``."""
    columns = UNDOABLE_COLUMNS[_checked_table(table, UNDOABLE_COLUMNS)]
    if key not in SNAPSHOT_KEYS:
        raise ValueError(f"undo does not pick rows by {key!r}")
    cursor = store.conn.execute(
        f"select id, {', '.join(columns)} from [{table}] where {key} = ?", [value])
    return [(table, row[0], dict(zip(columns, row[1:], strict=True))) for row in cursor]


def last_open_merge(store: Store) -> int | None:
    """The id of the latest merge not undone yet (``None`` if there is none)."""
    row = store.conn.execute("select max(id) from merges where undone_at is null").fetchone()
    return row[0] if row else None


def take_back(
    store: Store,
    inserted: list[tuple[str, int]],
    restore: list[tuple[str, int, dict[str, Any]]],
    history_ids: list[int],
) -> None:
    """Delete the rows an action ``inserted``, put back the columns it changed as ``restore``
    has them, and delete its review-history rows, in one transaction."""
    with store.transaction():
        for table, row_id in inserted:
            store.conn.execute(
                f"delete from [{_checked_table(table, UNDOABLE_INSERTS)}] where id = ?",
                [row_id])
        for table, row_id, values in restore:
            allowed = UNDOABLE_COLUMNS[_checked_table(table, UNDOABLE_COLUMNS)]
            unknown = set(values) - set(allowed)
            if unknown:
                raise ValueError(f"undo does not handle {table}.{sorted(unknown)[0]}")
            columns = [c for c in allowed if c in values]
            sets = ", ".join(f"{c} = ?" for c in columns)
            store.conn.execute(f"update [{table}] set {sets} where id = ?",
                               [*(values[c] for c in columns), row_id])
        for history_id in history_ids:
            store.conn.execute("delete from review_history where id = ?", [history_id])
