"""The app's screens, listed once: the CLI's ``--screen``, the nav bar's tabs, the mode keys
(``1``-``4``, in Help and the footer) and the command palette's "Go to" entries all read this.

No Textual here: the CLI reads it without loading the app."""

from __future__ import annotations

from typing import NamedTuple


class ScreenEntry(NamedTuple):
    name: str
    """The mode's name (``crb --screen NAME``)."""
    key: str
    """The key that switches to it, from any screen."""
    title: str
    about: str
    """What it shows, in Help and the command palette."""


SCREENS = (
    ScreenEntry("review", "1", "Review", "Today's review"),
    ScreenEntry("people", "2", "People", "Everyone, searchable and sortable"),
    ScreenEntry("dashboard", "3", "Dashboard", "The portfolio at a glance"),
    ScreenEntry("sync", "4", "Sync", "Sources, their last runs, and running them"),
)
NAMES = tuple(entry.name for entry in SCREENS)
