"""CRB: Customer Relationship Building. The package root re-exports the plugin API."""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("crb_tui")
"""Marker for plugin hook implementations: ``from crb_tui import hookimpl``."""

from crb_tui.query import Query  # noqa: E402
from crb_tui.records import (  # noqa: E402
    Commitment,
    Delete,
    Goal,
    Identity,
    Interaction,
    Note,
    Person,
    Reject,
    Skip,
    ValueMoment,
)
from crb_tui.results import ReviewItem, Signal  # noqa: E402
from crb_tui.sources import Source, SyncContext  # noqa: E402
from crb_tui.state import State  # noqa: E402

__all__ = [
    "Commitment",
    "Delete",
    "Goal",
    "Identity",
    "Interaction",
    "Note",
    "Person",
    "Query",
    "Reject",
    "ReviewItem",
    "Signal",
    "Skip",
    "Source",
    "State",
    "SyncContext",
    "ValueMoment",
    "__version__",
    "hookimpl",
]
