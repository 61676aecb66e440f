"""``Gauge``: one 0-100 score as a labelled bar that fills the width it is given."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
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

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # A new width (a scroll bar beside it) needs no second layout of the screen: the bar
        # is drawn to the width it is given.
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def render(self) -> Content:
        width = max(3, self.size.width - 12)
        return gauge(self.label, self.value, width)
