"""``NavBar``: the top line of every screen: where you are, where you can go, and a status."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from crb_tui.tui.screen_list import SCREENS


def tabs(current: str) -> Content:
    parts: list[Content] = [Content.styled(" CRB ", "bold $foreground on $primary")]
    for mode, key, label, _ in SCREENS:
        style = "bold reverse" if mode == current else ""
        parts.append(Content(" "))
        parts.append(
            Content.assemble((key, "$accent"), (f" {label} ", style)).stylize(
                f"@click=app.switch_mode('{mode}')"
            )
        )
    return Content("").join(parts)


STATUS_WIDTH = 33
"""Cells of the status on the right of the top line (what fits beside the tabs at 80)."""


class NavBar(Horizontal):
    """Mode tabs on the left, a status (progress, counts) on the right."""

    DEFAULT_CSS = """
    NavBar { height: 1; dock: top; background: $panel; }
    NavBar > #nav-tabs { width: auto; }
    NavBar > #nav-gap { width: 1fr; }
    NavBar > #nav-status { width: """ + str(STATUS_WIDTH) + """; content-align: right middle;
        color: $text-muted; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        yield Static(tabs(self.current), id="nav-tabs")
        # The status is narrow, so that a change repaints little (it changes with every move
        # in the people list); the gap between is never repainted.
        yield Static("", id="nav-gap")
        yield Static("", id="nav-status", markup=False)

    def set_status(self, status: Content | str) -> None:
        # One line whose size never changes: no layout needed (a layout repaints the screen).
        self.query_one("#nav-status", Static).update(
            status if isinstance(status, Content) else Content(status), layout=False
        )
