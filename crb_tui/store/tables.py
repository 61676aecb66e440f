"""CRB's tables, listed once: each name (what every part that names a table uses: the writer,
undo, the app's undo steps, export, merge, the counts) and what each holds for the parts that go
over several of them. The schema itself is ``migrations``."""

from __future__ import annotations

from typing import NamedTuple

ORGANIZATIONS = "organizations"
PEOPLE = "people"
IDENTITIES = "identities"
INTERACTIONS = "interactions"
COMMITMENTS = "commitments"
VALUE_MOMENTS = "value_moments"
GOALS = "goals"
NOTES = "notes"
IGNORED = "ignored"
"""Addresses and domains the user ignores (``crb ignore``): never made people again."""
MERGES = "merges"
REVIEW_HISTORY = "review_history"
"""What the user did in the review, day by day."""
REVIEW_QUEUE = "review_queue"
"""Who each of the last days' review showed (kept a week)."""
SYNC_STATE = "sync_state"
SOURCE_STATE = "source_state"
"""The sources' own key-value state (``ctx.state``)."""
HEALTH = "health_params"
"""What the scores are worked out from when read (the view ``health``), a cache of the health
engine's."""
HEALTH_MODEL = "health_model"
"""Which model (settings and code) the cached scores were computed with."""
HEALTH_BASIS = "health_basis"
"""Per person, the aggregates of their interactions before a cut-off, carried from day to day
by the health recompute (``crb_tui.store.health_basis``)."""
HEALTH_BASIS_STATE = "health_basis_state"
"""Which model and cut-off the carried aggregates are of."""


class Table(NamedTuple):
    name: str
    person_owned: bool
    """Its rows belong to a person (``person_id``) and move with a merge."""
    counted: bool
    """Shown in the store's counts (``crb doctor``, the demo's summary, the dashboard)."""


TABLES = (
    Table(ORGANIZATIONS, person_owned=False, counted=True),
    Table(PEOPLE, person_owned=False, counted=True),
    Table(IDENTITIES, person_owned=True, counted=True),
    Table(INTERACTIONS, person_owned=True, counted=True),
    Table(COMMITMENTS, person_owned=True, counted=True),
    Table(VALUE_MOMENTS, person_owned=True, counted=True),
    Table(GOALS, person_owned=True, counted=True),
    Table(NOTES, person_owned=True, counted=True),
    Table(IGNORED, person_owned=False, counted=False),
    Table(MERGES, person_owned=False, counted=False),
    Table(REVIEW_HISTORY, person_owned=True, counted=False),
    Table(SYNC_STATE, person_owned=False, counted=False),
    Table(SOURCE_STATE, person_owned=False, counted=False),
)
"""Every table that holds what the user has, in an order that loads (a row's references come
first), with what the sources learned (``source_state``: mailing lists, calendar events'
versions, checkpoints), so that a restored store goes on as the old one would. Derived tables
(full-text index, health cache, the review's recent queues) are rebuilt, not listed."""

EXPORTED = tuple(t.name for t in TABLES)
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {PEOPLE: ("name_key",)}
"""Columns of those tables made from the others on every write (a name folded for the order of
names, ``crb_tui.store.name_key``): not exported, nor among the rows a plugin's test gets; a
restore makes them again."""
PERSON_OWNED = tuple(t.name for t in TABLES if t.person_owned)
COUNTED = (PEOPLE, *(t.name for t in TABLES if t.counted and t.name != PEOPLE))
"""Counted tables, people first (as summaries say them)."""
NOT_LISTED = {
    HEALTH: "derived: rebuilt by the health engine",
    HEALTH_MODEL: "derived: says which model the health cache is of",
    HEALTH_BASIS: "derived: the health recompute's carried aggregates, rebuilt from the "
    "interactions",
    HEALTH_BASIS_STATE: "derived: says which model and cut-off the carried aggregates are of",
    REVIEW_QUEUE: "derived: the review's queue of the last days, shown again",
}
"""The other tables of the schema (besides the full-text indexes, ``<table>_fts``), and why
they are not in :data:`TABLES`: a table added to the schema goes in one or the other (a test
holds this)."""
PEOPLES_OWN = (PEOPLE, *(t for t in PERSON_OWNED if t != REVIEW_HISTORY))
"""People and what the user has of them, as sources write it: the rows ``crb_tui.testing``'s
``run_source`` returns."""
