"""Undo for the review's one-key actions: what an action inserted is deleted, what it changed is
put back as it was, and its review-history row goes, so the person returns to today's queue.

The core actions return the id of the row they insert; before an action runs, the columns it may
change are captured. That is all undo needs, and it never guesses from the history text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crb_tui.errors import CrbError
from crb_tui.store import Store, tables
from crb_tui.store import undo as rows
from crb_tui.store.merge import undo_last_merge


@dataclass(frozen=True)
class Snapshot:
    """The rows of ``table`` whose ``key`` column is ``value``: their columns an action may
    change (:data:`crb_tui.store.undo.UNDOABLE_COLUMNS`) are kept to be put back."""

    table: str
    key: str
    value: int


@dataclass
class UndoStep:
    """How to take back one action."""

    label: str
    person_id: int
    inserted: list[tuple[str, int]] = field(default_factory=list)
    restore: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    history_ids: list[int] = field(default_factory=list)
    merge_id: int | None = None
    """Set when the action was a merge: undone with the store's own ``undo_last_merge``."""
    also_recompute: list[int] = field(default_factory=list)


def person_snapshot(person_id: int) -> Snapshot:
    return Snapshot(tables.PEOPLE, "id", person_id)


def goals_snapshot(person_id: int) -> Snapshot:
    return Snapshot(tables.GOALS, "person_id", person_id)


def commitment_snapshot(commitment_id: int) -> Snapshot:
    return Snapshot(tables.COMMITMENTS, "id", commitment_id)


def tracked(
    store: Store,
    person_id: int,
    label: str,
    call: Callable[[], Any],
    *,
    creates: str | None = None,
    snapshots: tuple[Snapshot, ...] = (),
) -> tuple[Any, UndoStep]:
    """Run ``call`` (one core action) and return its result with the step that undoes it.

    ``creates`` names the table the action inserts into (it returns the new row's id).
    The reads and the call are one transaction, so nothing writes between them.
    """
    with store.transaction():  # no other process writes between the snapshot and the action
        last_history = rows.last_history_id(store)
        before: list[tuple[str, int, dict[str, Any]]] = []
        for snap in snapshots:
            before.extend(rows.snapshot(store, snap.table, snap.key, snap.value))
        result = call()
        step = UndoStep(label=label, person_id=person_id, restore=before)
        if creates and isinstance(result, int) and not isinstance(result, bool) and result:
            step.inserted.append((creates, result))
        elif creates and isinstance(result, list):
            step.inserted.extend((creates, row_id) for row_id in result)
        step.history_ids = rows.history_since(store, last_history, person_id)
    return result, step


def undo(store: Store, step: UndoStep) -> None:
    """Take back ``step`` in one transaction."""
    if step.merge_id is not None:
        with store.transaction():
            if rows.last_open_merge(store) != step.merge_id:
                raise CrbError("a later merge must be undone first (crb merge --undo)")
            undo_last_merge(store)
        return
    rows.take_back(store, step.inserted, step.restore, step.history_ids)
    if any(table == tables.IGNORED for table, _ in step.inserted):
        store.reload_ignored()
