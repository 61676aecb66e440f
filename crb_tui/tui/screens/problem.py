"""``ProblemScreen``: what to do when CRB cannot start (a bad config, an unusable database)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from crb_tui.text import plain
from crb_tui.tui.screens.dialog_css import DIALOG_CSS


class ProblemScreen(Screen[None]):
    """The problem in words, and what to do about it."""

    SCOPED_CSS = False
    CSS = DIALOG_CSS

    BINDINGS = [
        Binding("q,escape", "app.quit", "Quit", id="problem.quit", tooltip="Quit CRB"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.problem_title = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog problem"):
            yield Static(Content.styled(plain(self.problem_title), "bold $error"),
                         classes="dialog-title")
            yield Static(Content(plain(self.message, one_line=False)), id="problem-message")
            yield Static(Content(
                "Fix it and start CRB again (`crb doctor` checks the setup). Press q to quit."
            ), classes="dialog-hint")
