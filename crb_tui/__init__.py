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

The API is loaded on first use (``from crb_tui import Source`` loads ``crb_tui.sources``):
importing the package itself loads nothing, so ``crb`` (``crb_tui.console``) catches a Ctrl-C
before any of CRB's imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    import pluggy

    from crb_tui.query import Query
    from crb_tui.records import (
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
    from crb_tui.results import ReviewItem, Signal
    from crb_tui.sources import Source, SyncContext
    from crb_tui.state import State

    hookimpl: pluggy.HookimplMarker
    """Marker for plugin hook implementations: ``from crb_tui import hookimpl``."""

_HOME = {
    "Query": "query",
    **dict.fromkeys(("Commitment", "Delete", "Goal", "Identity", "Interaction", "Note", "Person",
                     "Reject", "Skip", "ValueMoment"), "records"),
    "ReviewItem": "results",
    "Signal": "results",
    "Source": "sources",
    "SyncContext": "sources",
    "State": "state",
}
"""Each name of the API, by the module of ``crb_tui`` that defines it."""


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        import pluggy

        value: Any = pluggy.HookimplMarker("crb_tui")
    elif name in _HOME:
        value = getattr(importlib.import_module(f"crb_tui.{_HOME[name]}"), name)
    else:
        raise AttributeError(f"module 'crb_tui' has no attribute {name!r}")
    globals()[name] = value  # loaded once
    return value


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
