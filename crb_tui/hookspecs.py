"""The plugin hook specifications: every hook a CRB plugin can implement, with its contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from crb_tui.sources import Source
    from crb_tui.store import Store

hookspec = pluggy.HookspecMarker("crb_tui")


@hookspec
def register_sources(register: Callable[[Source], None]) -> None:
    """Offer data sources: call ``register(Source(...))`` once for each source the plugin has.

    The host runs every source inside its own ``try``, so a source that raises is reported with
    its name and never stops the others.
    """


@hookspec
def register_commands(register: Callable[[click.Command], None]) -> None:
    """Add subcommands to the ``crb`` command line: call ``register(command)`` with a
    ``click.Command`` (or ``click.Group``) for each."""


@hookspec
def health_signals(person: dict[str, Any], history: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Return extra signals for the health model of one person, or None.

    ``person`` is the person's row; ``history`` holds their ``interactions``, ``commitments``,
    ``value_moments`` and ``today``. Each signal is a dict with ``gauge`` (``"trust"``,
    ``"value"`` or ``"warmth"``), ``points`` (added to the gauge, negative to lower it) and
    ``reason`` (plain words shown in the explanation).
    """


@hookspec
def review_items(store: Store, today: dt.date) -> list[dict[str, Any]] | None:
    """Return extra items for today's review, or None.

    Each item is a dict with ``person_id``, ``kind`` (a short name of the plugin's choosing),
    ``reason`` (plain words) and ``priority`` (a number; higher comes first). Each plugin is
    called on its own: one that raises or returns unusable items is reported, naming it, and
    the rest of the review stands.
    """
