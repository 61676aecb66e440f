"""Earlier versions of a touch stored under another key (``Interaction.replaces``): a single
calendar event that moved is keyed on its old start time (``ics:<UID>|<old start>|<email>``).
Before the write path upserts a batch, the stored row of such a touch is re-keyed to the new
key, so the record updates it (``updated``) instead of adding a second meeting; copies beyond
one (left by imports before this existed) are removed and counted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crb_tui import records as r

MOVED = "moved event (older copy)"
"""Why a stored copy of a moved event is removed: another row already holds the event."""


def take_over(
    db: Any,
    source: str,
    pending: Iterable[tuple[r.Interaction, int, int | None]],
    removed: Any,
) -> set[int]:
    """Re-key the stored earlier version of each pending record that names ``replaces``
    (matched by key prefix and counterpart identity) to the record's key, and remove further
    copies written by ``source``; ``removed`` is the run's Counter of removals. Returns the
    people whose rows were removed."""
    people: set[int] = set()
    done: set[str] = set()
    for rec, ident_id, _ in pending:
        prefix = rec.replaces
        if not prefix or rec.source_key in done or not rec.source_key.startswith(prefix):
            continue
        done.add(rec.source_key)
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = db.execute(
            "select id, source_key, source, person_id from interactions "
            "where source_key >= ? and source_key < ? and identity_id = ? order by id",
            [prefix, end, ident_id],
        ).fetchall()
        if not rows or (len(rows) == 1 and rows[0][1] == rec.source_key):
            continue
        keep = next((row for row in rows if row[1] == rec.source_key), rows[-1])
        extra = [row for row in rows if row is not keep and row[2] == source]
        for row in extra:
            db.execute("delete from interactions where id = ?", [row[0]])
            if row[3] is not None:
                people.add(row[3])
        if extra:
            removed[MOVED] += len(extra)
        if keep[1] != rec.source_key:
            db.execute("update interactions set source_key = ? where id = ?",
                       [rec.source_key, keep[0]])
    return people
