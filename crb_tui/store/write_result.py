"""What the one write path shares with those who call it, in a module of its own so that the
batch writer (``batch``, ``writer``) and the ``Store`` both depend on it and not on each other:
the result of a write (``WriteResult``), the stored form of a timestamp (``iso``), the size of
a batch, and what the batch writer needs of a store (``WriteTarget``: the ``Store`` is one; the
writer is handed it and never imports the ``Store``)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from crb_tui import records as r
from crb_tui.identity import NoiseRules

if TYPE_CHECKING:
    from sqlite_utils import Database

BATCH_SIZE = 500
"""How many records one transaction of the write path stores."""

LINKEDIN_KEY = "linkedin:"
"""The ``source_key`` of a LinkedIn connection: ``linkedin:<day connected>:<name>``."""


class WriteTarget(Protocol):
    """What the batch writer uses of the store it writes to (the ``Store`` is one)."""

    conn: sqlite3.Connection
    noise: NoiseRules
    create_people_from: str

    @property
    def db(self) -> Database: ...

    def norm(self, identity: r.Identity) -> tuple[str, str] | None: ...

    def local_phone(self, identity: r.Identity) -> tuple[str, str] | None: ...

    def org_id(self, name: str | None, stamp: str | None = None) -> int | None: ...


def iso(value: dt.datetime | dt.date | str | None) -> str | None:
    """Timestamps are stored as UTC ``YYYY-MM-DDTHH:MM:SS+00:00`` so they sort as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is dt.UTC and not value.microsecond:
            return value.isoformat()  # already as stored (most of what sources yield)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    return value.isoformat()



@dataclass
class WriteResult:
    """What the write path did with each record it was given. Nothing goes uncounted."""

    seen: int = 0
    imported: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, str]] = field(default_factory=list)
    touched_people: set[int] = field(default_factory=set)
    new_people: int = 0
    waiting: int = 0
    """New interactions stored for an address that is no one's (yet): see
    ``identity.create_people_from``. Not a count of its own: they are among ``imported``."""
    held: Counter[tuple[int, str]] = field(default_factory=Counter)  # see store/held.py

    def add(self, other: WriteResult) -> None:
        self.seen += other.seen
        self.imported += other.imported
        self.updated += other.updated
        self.merged += other.merged
        self.unchanged += other.unchanged
        self.skipped.update(other.skipped)
        self.removed.update(other.removed)
        self.rejected.extend(other.rejected)
        self.touched_people |= other.touched_people
        self.new_people += other.new_people
        self.waiting += other.waiting
        self.held.update(other.held)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "imported": self.imported,
            "updated": self.updated,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "skipped": dict(sorted(self.skipped.items())),
            "removed": dict(sorted(self.removed.items())),
            "rejected": list(self.rejected),
            "new_people": self.new_people,
        }
