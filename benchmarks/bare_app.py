"""A bare Textual app: one line of text and a footer. ``tui_bench.py`` times its first paint as
the baseline for CRB's own (the same interpreter, the same terminal, the same run)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static


class BareApp(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("A bare Textual app.")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
