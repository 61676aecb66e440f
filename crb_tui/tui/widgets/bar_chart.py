"""``BarChart``: a column chart drawn with block characters, newest column on the right."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from crb_tui.tui.display import MUTED

_LEVELS = " ▁▂▃▄▅▆▇█"


class BarChart(Widget):
    """Columns of counts scaled to the tallest; shows as many of the newest as fit."""

    DEFAULT_CSS = """
    BarChart { height: 8; width: 1fr; }
    """

    values: reactive[tuple[int, ...]] = reactive(tuple, layout=False)

    def __init__(self, *, caption: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.caption = caption

    def render(self) -> Content:
        width, height = self.size.width, self.size.height
        rows = max(1, height - 1)
        axis = 5
        room = max(1, width - axis)
        values = list(self.values)
        if not values:
            return Content("no activity yet")
        column = 2 if len(values) * 2 <= room else 1
        shown = values[-(room // column):]
        peak = max(shown) or 1
        lines: list[Content] = []
        for row in range(rows - 1, -1, -1):
            cells = []
            for value in shown:
                eighths = round(value * rows * 8 / peak) - row * 8
                char = _LEVELS[max(0, min(8, eighths))]
                cells.append(char if column == 1 else char + " ")
            label = f"{peak:>4} " if row == rows - 1 else ("   0 " if row == 0 else "     ")
            lines.append(Content.assemble((label, MUTED), ("".join(cells), "$accent")))
        caption = self.caption.format(weeks=len(shown))
        lines.append(Content.assemble(("     ", ""), (caption, MUTED)))
        return Content("\n").join(lines)
