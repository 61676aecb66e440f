"""What the health engine warns of (a plugin's ``health_signals`` failing, a malformed signal),
shown as notices in the app: on the command line it goes to standard error, which Textual
takes over, so in the app it would be said nowhere. Warnings logged before the app runs (its
first screen's scores are brought up to date before it starts) wait for it."""

from __future__ import annotations

import logging
import threading
from typing import Any

from textual.app import App

from crb_tui.text import plain

WATCHED = "crb_tui.engine.health"
"""The logger whose warnings become notices (each said once a day by the engine itself)."""


class Notices(logging.Handler):
    """A logging handler that hands warnings to the app as notices."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._app: App[Any] | None = None
        self._waiting: list[str] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = plain(record.getMessage(), one_line=True)
        with self._lock:
            app = self._app
            if app is None:
                self._waiting.append(text)
                return
        if app._thread_id == threading.get_ident():
            _say(app, text)
        else:
            app.call_from_thread(_say, app, text)

    def attach(self, app: App[Any]) -> None:
        """The app runs: say what waited, and what comes from now on."""
        with self._lock:
            self._app = app
            waiting, self._waiting = self._waiting, []
        for text in waiting:
            _say(app, text)


def _say(app: App[Any], text: str) -> None:
    app.notify(text, title="Plugin", severity="warning", markup=False, timeout=10)


def install() -> Notices:
    handler = Notices()
    logging.getLogger(WATCHED).addHandler(handler)
    return handler


def uninstall(handler: Notices) -> None:
    logging.getLogger(WATCHED).removeHandler(handler)
