"""Merging two people into one, keeping everything of both, and undoing the last merge."""

from __future__ import annotations

import json
from typing import Any

from crb_tui.clock import now_utc
from crb_tui.errors import CrbError
from crb_tui.store import tables
from crb_tui.store.store import Store
from crb_tui.store.write_result import iso

# Every table whose rows belong to a person and move with a merge.
OWNED_TABLES = tables.PERSON_OWNED
_FILLABLE = ("org_id", "title", "birthday", "cadence_days", "stage_override", "snoozed_until")
_TIER_RANK = {"key": 3, "active": 2, "network": 1, "none": 0}


def merge_people(store: Store, keep_id: int, other_id: int) -> dict[str, Any]:
    """Move everything of ``other_id`` to ``keep_id``; ``other_id`` stays as a merged-away row."""
    if keep_id == other_id:
        raise CrbError("cannot merge a person into themselves")
    with store.transaction():  # what is read below cannot change before it is written
        return _merge(store, keep_id, other_id)


def _merge(store: Store, keep_id: int, other_id: int) -> dict[str, Any]:
    keep = store.person(keep_id)
    other = store.person(other_id)
    for row in (keep, other):
        if row["merged_into"] is not None:
            raise CrbError(
                f"{row['name']} (id {row['id']}) was already merged into {row['merged_into']}"
            )
    db = store.db
    moved: dict[str, list[int]] = {}
    for table in OWNED_TABLES:
        ids = [
            row[0]
            for row in db.execute(f"select id from [{table}] where person_id = ?", [other_id])
        ]
        moved[table] = ids
        db.execute(
            f"update [{table}] set person_id = ? where person_id = ?", [keep_id, other_id]
        )
    updates: dict[str, Any] = {}
    for col in _FILLABLE:
        if keep[col] is None and other[col] is not None:
            updates[col] = other[col]
    if _TIER_RANK.get(other["tier"] or "none", 0) > _TIER_RANK.get(keep["tier"] or "none", 0):
        updates["tier"] = other["tier"]
    details = json.loads(keep["details"] or "{}")
    extra = {k: v for k, v in json.loads(other["details"] or "{}").items() if k not in details}
    if extra:
        details.update(extra)
        updates["details"] = json.dumps(details, sort_keys=True)
    if keep["triage"] and not other["triage"]:
        updates["triage"] = 0
    stamp = iso(now_utc())
    updates["updated"] = stamp
    sets = ", ".join(f"{k} = ?" for k in updates)
    db.execute(f"update people set {sets} where id = ?", [*updates.values(), keep_id])
    db.execute(
        "update people set merged_into = ?, updated = ? where id = ?",
        [keep_id, stamp, other_id],
    )
    _forget_health(db, [keep_id, other_id], keep=[keep_id])
    snapshot = {"keep": keep, "other": other, "moved": moved}
    cur = db.execute(
        "insert into merges (at, kept_id, merged_id, snapshot) values (?, ?, ?, ?)",
        [stamp, keep_id, other_id, json.dumps(snapshot)],
    )
    return {
        "merge_id": cur.lastrowid,
        "kept": {"id": keep_id, "name": keep["name"]},
        "merged": {"id": other_id, "name": other["name"]},
        "moved": {t: len(ids) for t, ids in moved.items()},
    }


def undo_last_merge(store: Store) -> dict[str, Any]:
    """Reverse the most recent merge that has not been undone yet."""
    with store.transaction():
        return _undo_last_merge(store)


def _undo_last_merge(store: Store) -> dict[str, Any]:
    db = store.db
    rows = list(db.query("select * from merges where undone_at is null order by id desc limit 1"))
    if not rows:
        raise CrbError("there is no merge to undo")
    merge = rows[0]
    snapshot = json.loads(merge["snapshot"])
    keep, other = snapshot["keep"], snapshot["other"]
    for table, ids in snapshot["moved"].items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            db.execute(
                f"update [{table}] set person_id = ? where id in ({marks})",
                [other["id"], *chunk],
            )
    # What arrived for their addresses while the two were one goes back with the addresses.
    db.execute(
        "update interactions set person_id = ? where person_id = ? and identity_id in "
        "(select id from identities where person_id = ?)",
        [other["id"], keep["id"], other["id"]],
    )
    restore = {k: keep[k] for k in (*_FILLABLE, "tier", "details", "triage")}
    sets = ", ".join(f"{k} = ?" for k in restore)
    db.execute(f"update people set {sets} where id = ?", [*restore.values(), keep["id"]])
    db.execute("update people set merged_into = null where id = ?", [other["id"]])
    _forget_health(db, [keep["id"], other["id"]], keep=[keep["id"], other["id"]])
    db.execute("update merges set undone_at = ? where id = ?", [iso(now_utc()), merge["id"]])
    return {
        "merge_id": merge["id"],
        "kept": {"id": keep["id"], "name": keep["name"]},
        "restored": {"id": other["id"], "name": other["name"]},
    }


def _forget_health(db: Any, person_ids: list[int], *, keep: list[int]) -> None:
    """Their scores are stale until the health engine runs again; the people still listed
    (``keep``) get an empty row, as the people list sorts from the health cache."""
    marks = ",".join("?" for _ in person_ids)
    db.execute(f"delete from health_params where person_id in ({marks})", person_ids)
    db.execute(
        f"insert into health_params (person_id) values {','.join('(?)' for _ in keep)}", keep
    )
