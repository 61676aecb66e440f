"""``Gauge``: one 0-100 score as a labelled bar that fills the width it is given."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from crb_tui.tui.display import gauge


class Gauge(Widget):
    """``Trust  ███████░░░  72``: the bar takes whatever width is left over."""

    DEFAULT_CSS = """
    Gauge { height: 1; width: 1fr; }
    """

    value: reactive[int | None] = reactive(None)

    def __init__(self, label: str, value: int | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.set_reactive(Gauge.value, value)

    def render(self) -> Content:
        width = max(3, self.size.width - 12)
        return gauge(self.label, self.value, width)
