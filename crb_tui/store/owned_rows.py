"""The row a person-owned record (commitment, value moment, goal, note) is stored as, checked
field by field: what the write path (``store.writer``) inserts or updates for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crb_tui import records as r
from crb_tui.store import tables
from crb_tui.store.write_result import iso


class Rejected(Exception):
    """A record the write path cannot store: the message is the reason given for it."""


def owned_row(
    rec: r.Commitment | r.ValueMoment | r.Goal | r.Note, person_id: int, stamp: str | None
) -> tuple[str, dict[str, Any]]:
    if isinstance(rec, r.Commitment):
        if rec.status not in ("open", "kept", "broken"):
            raise Rejected(f"unknown commitment status {rec.status!r}")
        if rec.direction not in ("out", "in"):
            raise Rejected(f"commitment direction must be out or in, not {rec.direction!r}")
        if not isinstance(rec.due, dt.date):
            raise Rejected(f"due is not a date: {rec.due!r}")
        return tables.COMMITMENTS, {
            "person_id": person_id,
            "text": rec.text,
            "due": _date(rec.due),
            "status": rec.status,
            "direction": rec.direction,
            "created": iso(rec.created) or stamp,
            "closed_at": iso(rec.closed_at),
            "source_key": rec.source_key,
        }
    if isinstance(rec, r.ValueMoment):
        if rec.kind not in r.VALUE_KINDS:
            raise Rejected(f"unknown value kind {rec.kind!r}")
        if rec.direction not in ("given", "received"):
            raise Rejected(f"value direction must be given or received, not {rec.direction!r}")
        return tables.VALUE_MOMENTS, {
            "person_id": person_id,
            "kind": rec.kind,
            "direction": rec.direction,
            "at": iso(rec.at),
            "note": rec.note,
            "amount": rec.amount,
            "source_key": rec.source_key,
        }
    if isinstance(rec, r.Goal):
        return tables.GOALS, {
            "person_id": person_id,
            "text": rec.text,
            "confirmed_at": iso(rec.confirmed_at),
            "created": stamp,
            "active": 1,
            "source_key": rec.source_key,
        }
    return tables.NOTES, {
        "person_id": person_id,
        "at": iso(rec.at),
        "text": rec.text,
        "their_words": int(rec.their_words),
        "source_key": rec.source_key,
    }


def _date(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()
