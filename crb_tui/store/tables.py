"""CRB's tables, listed once: what each holds for the parts that go over several of them
(export, merge, the counts, undo). The schema itself is ``migrations``."""

from __future__ import annotations

from typing import NamedTuple


class Table(NamedTuple):
    name: str
    person_owned: bool
    """Its rows belong to a person (``person_id``) and move with a merge."""
    counted: bool
    """Shown in the store's counts (``crb doctor``, the demo's summary, the dashboard)."""


TABLES = (
    Table("organizations", person_owned=False, counted=True),
    Table("people", person_owned=False, counted=True),
    Table("identities", person_owned=True, counted=True),
    Table("interactions", person_owned=True, counted=True),
    Table("commitments", person_owned=True, counted=True),
    Table("value_moments", person_owned=True, counted=True),
    Table("goals", person_owned=True, counted=True),
    Table("notes", person_owned=True, counted=True),
    Table("ignored", person_owned=False, counted=False),
    Table("merges", person_owned=False, counted=False),
    Table("review_history", person_owned=True, counted=False),
    Table("sync_state", person_owned=False, counted=False),
)
"""Every table that holds what the user has, in an order that loads (a row's references come
first). Derived tables (full-text index, health cache) are rebuilt, not listed, nor is the
sources' own state (``source_state``: what they know of their accounts, not the user's data)."""

EXPORTED = tuple(t.name for t in TABLES)
PERSON_OWNED = tuple(t.name for t in TABLES if t.person_owned)
COUNTED = ("people", *(t.name for t in TABLES if t.counted and t.name != "people"))
"""Counted tables, people first (as summaries say them)."""
