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
from crb_tui.store import Store
from crb_tui.store.merge import undo_last_merge

# The columns each kind of action may change, per table (never the whole row: a sync running at
# the same time may have filled in other columns, which undo must keep).
PERSON_COLUMNS = ("tier", "triage", "cadence_days", "archived", "snoozed_until", "stage_override",
                  "birthday", "details", "updated")
GOAL_COLUMNS = ("active", "confirmed_at")
COMMITMENT_COLUMNS = ("status", "closed_at")


@dataclass(frozen=True)
class Snapshot:
    """Rows of ``table`` matching ``where`` whose ``columns`` are kept to be put back."""

    table: str
    columns: tuple[str, ...]
    where: str
    params: tuple[Any, ...]


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
    return Snapshot("people", PERSON_COLUMNS, "id = ?", (person_id,))


def goals_snapshot(person_id: int) -> Snapshot:
    return Snapshot("goals", GOAL_COLUMNS, "person_id = ?", (person_id,))


def commitment_snapshot(commitment_id: int) -> Snapshot:
    return Snapshot("commitments", COMMITMENT_COLUMNS, "id = ?", (commitment_id,))


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
    db = store.db
    with store.transaction():  # no other process writes between the snapshot and the action
        last_history = db.execute(
            "select coalesce(max(id), 0) from review_history").fetchone()[0]
        before: list[tuple[str, int, dict[str, Any]]] = []
        for snap in snapshots:
            cols = ", ".join(snap.columns)
            for row in db.execute(
                f"select id, {cols} from [{snap.table}] where {snap.where}", snap.params
            ):
                before.append((snap.table, row[0], dict(zip(snap.columns, row[1:], strict=True))))
        result = call()
        step = UndoStep(label=label, person_id=person_id, restore=before)
        if creates and isinstance(result, int) and not isinstance(result, bool) and result:
            step.inserted.append((creates, result))
        elif creates and isinstance(result, list):
            step.inserted.extend((creates, row_id) for row_id in result)
        step.history_ids = [
            row[0]
            for row in db.execute(
                "select id from review_history where id > ? and person_id = ?",
                [last_history, person_id],
            )
        ]
    return result, step


def undo(store: Store, step: UndoStep) -> None:
    """Take back ``step`` in one transaction."""
    db = store.db
    with store.transaction():
        if step.merge_id is not None:
            last = db.execute(
                "select max(id) from merges where undone_at is null").fetchone()[0]
            if last != step.merge_id:
                raise CrbError("a later merge must be undone first (crb merge --undo)")
            undo_last_merge(store)
            return
        for table, row_id in step.inserted:
            db.execute(f"delete from [{table}] where id = ?", [row_id])
        for table, row_id, values in step.restore:
            sets = ", ".join(f"{col} = ?" for col in values)
            db.execute(f"update [{table}] set {sets} where id = ?", [*values.values(), row_id])
        for history_id in step.history_ids:
            db.execute("delete from review_history where id = ?", [history_id])
    if any(table == "ignored" for table, _ in step.inserted):
        store.reload_ignored()
