"""CRB: Customer Relationship Building. The package root re-exports the plugin API.

The parts, one folder each (docs/architecture.md draws them): ``store`` (the SQLite file and
every SQL statement), ``engine`` (health and the daily review), ``host`` (plugins, the sync
runner, imports, doctor and the ``AppContext``), ``sdk`` (what a source may use), and the
Face: ``cli`` (``crb``) and ``tui`` (the app). Beside them, the kernel: modules every part may
use, one job each: ``records`` (what sources yield), ``sources`` and ``state`` (a source and
its ``ctx.state``), ``results`` (signals, review items), ``query`` (the plugins' read-only
``Query``), ``hooks`` and ``hookspecs`` (the plugin manager and its hooks), ``clock`` (the one
clock), ``config`` and ``config_example``, ``errors``, ``identity`` (normalising identities),
``text`` (the one control-character rule: what may reach a screen), ``limits`` and
``quantities`` (ranges of what users type), ``files`` (private files), and ``testing`` (for
plugins' tests).

Owns: the plugin API (``__all__``: records, ``Source``, ``SyncContext``, ``State``, ``Query``,
``ReviewItem``, ``Signal``, ``hookimpl``), documented in docs/plugins.md.
May import: the kernel modules import the standard library, third-party libraries and each
other; ``query`` and ``hookspecs`` also the store's API, ``testing`` the host and the CLI. None
but ``testing`` loads Textual (import-linter holds this).
"""

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
