"""The plugin hook specifications: every hook a CRB plugin can implement, with its contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from crb_tui.query import Query
    from crb_tui.results import ReviewItem, Signal
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
def health_signals(
    person: dict[str, Any], history: dict[str, Any], query: Query, settings: dict[str, Any]
) -> list[Signal] | None:
    """Return extra signals for the health model of one person, or None.

    ``person`` is the person's row; ``history`` holds their ``interactions``, ``commitments``,
    ``value_moments`` (row dicts, timestamps as UTC ISO text) and ``today`` (a ``date``);
    ``query`` reads anything else (read-only, see :class:`crb_tui.Query`); ``settings`` are the
    plugin's own (its sources' ``[sources.NAME]``). Each signal is a :class:`crb_tui.Signal`
    (``gauge``: ``"trust"``, ``"value"`` or ``"warmth"``; ``points``, added to the gauge, negative
    to lower it; ``reason``, plain words shown in the explanation). A dict with those keys is
    still accepted (deprecated). Take only the arguments you need: a function naming fewer is
    called with those.
    """


@hookspec
def review_items(
    query: Query, today: dt.date, settings: dict[str, Any], store: Store
) -> list[ReviewItem] | None:
    """Return extra items for today's review, or None.

    ``query`` reads CRB's data (read-only, see :class:`crb_tui.Query`); ``today`` is the day of
    the review; ``settings`` are the plugin's own; ``store`` is the raw store, deprecated (its
    schema is private and may change). Each item is a :class:`crb_tui.ReviewItem` with
    ``person_id``, ``reason`` (plain words), ``action`` (what to do), ``priority`` (a number;
    higher comes first), ``kind`` (a short name of the plugin's choosing), ``label`` (the item's
    title on screen) and ``detail``. A dict with those keys is still accepted (deprecated). Each
    plugin is called on its own: one that raises or returns unusable items is reported, naming
    it, and the rest of the review stands.
    """
