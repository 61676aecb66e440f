"""What the screens, the dialogs and the command palette know of the app: ``CrbAppBase``, with
the keys that work everywhere (one per listed screen, Help, the command palette, Quit) and what
a screen reaches through the app (the context, the gateway to the store, the undo stack, what
the first screen shows first, today, opening a person).

``app.CrbApp`` is the app itself, which loads the screens; they import this module, never that
one, so that no import goes round in a circle.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding

from crb_tui.tui.screen_list import SCREENS

if TYPE_CHECKING:
    from crb_tui.host.app_context import AppContext
    from crb_tui.tui.data import Gateway
    from crb_tui.tui.undo import UndoStep


class CrbAppBase(App[None]):
    """The app as its screens see it (``CrbScreen.crb``); ``CrbApp`` fills it in."""

    BINDINGS: ClassVar = [
        *(Binding(entry.key, f"switch_mode('{entry.name}')", entry.title, id=f"app.{entry.name}",
                  show=False, tooltip=entry.about) for entry in SCREENS),
        Binding("question_mark", "help", "Keys", id="app.help", key_display="?",
                tooltip="Every key binding, and how to remap them"),
        Binding("ctrl+p", "command_palette", "Commands", id="app.commands", show=False,
                priority=True, tooltip="Search every command, or a person to open"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit CRB"),
    ]

    context: AppContext
    gateway: Gateway
    """The one way to the store, on a worker thread."""
    undo_stack: list[UndoStep]
    first_looks: dict[str, Any]
    """What the first screen shows first, by mode (taken by the screen)."""

    @property
    def today(self) -> dt.date:
        return self.context.today()

    def open_person(self, person_id: int) -> None:
        """Push the person's page onto the mode on show."""
        raise NotImplementedError
