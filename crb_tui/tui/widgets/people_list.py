"""``PeopleList``: every person in one scrolling list that draws only the rows on screen
(Textual's Line API) and pages them from SQL, so 100,000 people cost no more than 100.

Rows come from :func:`crb_tui.queries.list_people` a page at a time on a worker thread and are
kept in a small cache; a row not loaded yet draws as a placeholder until its page arrives.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from crb_tui.queries import count_people, list_people
from crb_tui.tui.data import Gateway
from crb_tui.tui.display import (
    STAGE_SHORT,
    TREND_ARROWS,
    ago,
    bar,
    cadence_status,
    fit,
    level,
    safe,
)
from crb_tui.tui.messages import PeoplePageLoaded, PeopleQueried
from crb_tui.tui.problems import report

PAGE_SIZE = 100
"""Rows fetched per query."""
CACHED_PAGES = 24
"""Pages kept in memory; the least recently drawn page goes first."""

SORT_LABELS = {
    "health": "health (weakest first)",
    "last_touch": "last touch (latest first)",
    "name": "name",
    "overdue": "overdue (most first)",
}
SORT_CYCLE = ("health", "last_touch", "name", "overdue")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    right: bool = False


def layout(width: int) -> list[Column]:
    """Columns for a list ``width`` cells wide: the fixed ones first, the rest to name and org."""
    wide = width >= 110
    fixed = [
        Column("stage", "Stage", 12 if wide else 8),
        Column("health", "Health", 14 if wide else 10),
        Column("trust", "Trust", 5, right=True),
        Column("value", "Value", 5, right=True),
        Column("last", "Last touch" if wide else "Last", 10 if wide else 7),
        Column("cadence", "Cadence", 9 if wide else 8),
    ]
    gaps = 7
    left = max(10, width - sum(c.width for c in fixed) - gaps)
    name_width = max(6, (left * 3 + 4) // 5)
    org_width = max(4, left - name_width)
    return [Column("name", "Name", name_width), Column("org", "Organisation", org_width), *fixed]


def header(width: int, sort: str) -> Content:
    """The column titles, with the sort column marked."""
    marks = {"health": "health", "last_touch": "last", "name": "name", "overdue": "cadence"}
    parts: list[Content] = []
    for col in layout(width):
        title = col.title + (" ▲" if marks.get(sort) == col.key else "")
        text = fit(title, col.width) if not col.right else fit(title, col.width).rjust(col.width)
        parts.append(Content.styled(text, "bold"))
    return Content(" ").join(parts)


class PeopleList(ScrollView, can_focus=True):
    """The virtual list. ``show(search, sort)`` starts a query; Enter posts ``Chosen``."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="people.up",
                tooltip="Move to the person above"),
        Binding("down", "cursor(1)", "Down", show=False, id="people.down",
                tooltip="Move to the person below"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="people.page_up",
                tooltip="Move up one screen"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="people.page_down",
                tooltip="Move down one screen"),
        Binding("home", "jump(0)", "First", show=False, id="people.first",
                tooltip="Go to the first person"),
        Binding("end", "jump(-1)", "Last", show=False, id="people.last",
                tooltip="Go to the last person"),
        Binding("enter", "choose", "Open", id="people.open",
                tooltip="Open the highlighted person"),
    ]

    COMPONENT_CLASSES = {
        "people-list--cursor",
        "people-list--good",
        "people-list--fair",
        "people-list--bad",
        "people-list--muted",
    }

    DEFAULT_CSS = """
    PeopleList {
        width: 1fr; height: 1fr; scrollbar-size-vertical: 1; scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    PeopleList > .people-list--cursor { background: $block-cursor-blurred-background; }
    PeopleList:focus > .people-list--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    PeopleList > .people-list--good { color: $success; }
    PeopleList > .people-list--fair { color: $warning; }
    PeopleList > .people-list--bad { color: $error; }
    PeopleList > .people-list--muted { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Chosen(Message):
        """The user opened a person from the list."""

        def __init__(self, person_id: int) -> None:
            super().__init__()
            self.person_id = person_id

    class Counted(Message):
        """A query finished: how many people match."""

        def __init__(self, total: int) -> None:
            super().__init__()
            self.total = total

    def __init__(self, gateway: Gateway, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.gateway = gateway
        self.search = ""
        self.sort = "health"
        self.total = 0
        self.loaded = False
        self.generation = 0
        self._pages: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._pending: set[int] = set()
        self._wanted: set[int] = set()
        self._today = dt.date.today()
        self._keep_place = False

    # -- queries -----------------------------------------------------------------------------

    def show(self, search: str, sort: str, *, today: dt.date, keep_place: bool = False) -> None:
        """Start a query for ``search`` in ``sort`` order; rows appear when it returns.

        ``keep_place`` (the same query again, e.g. back from a person) keeps the cursor and
        the scroll where they were instead of going back to the top.
        """
        self._keep_place = keep_place and (search, sort) == (self.search, self.sort)
        self.search = search
        self.sort = sort
        self._today = today
        self.generation += 1
        self._query(self.generation, search, sort)

    @work(thread=True, exit_on_error=False, group="people-query", exclusive=True)
    def _query(self, generation: int, search: str, sort: str) -> None:
        def fetch(ctx: Any) -> tuple[int, list[dict[str, Any]]]:
            if get_current_worker().is_cancelled:
                return -1, []
            total = count_people(ctx.store, search=search or None)
            rows = list_people(ctx.store, search=search or None, sort=sort, limit=PAGE_SIZE)
            return total, rows

        total, rows = self.gateway.run(fetch)
        if total >= 0 and not get_current_worker().is_cancelled:
            self.post_message(PeopleQueried(generation, total, rows))

    def on_people_queried(self, message: PeopleQueried) -> None:
        message.stop()
        if message.generation != self.generation:
            return
        self.total = message.total
        self.loaded = True
        self._pages.clear()
        self._pending.clear()
        self._pages[0] = message.first_page
        self.virtual_size = Size(0, self.total)
        if self._keep_place and self.total:
            self.cursor = min(self.cursor, self.total - 1)
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.cursor = 0
        self.refresh()
        self.post_message(self.Counted(self.total))

    def _request_pages(self) -> None:
        wanted, self._wanted = self._wanted, set()
        for page in sorted(wanted):
            if page not in self._pages and page not in self._pending:
                self._pending.add(page)
                self._load_page(self.generation, page, self.search, self.sort)

    @work(thread=True, exit_on_error=False, group="people-page")
    def _load_page(self, generation: int, page: int, search: str, sort: str) -> None:
        def fetch(ctx: Any) -> list[dict[str, Any]]:
            if generation != self.generation:
                return []
            return list_people(
                ctx.store, search=search or None, sort=sort, limit=PAGE_SIZE,
                offset=page * PAGE_SIZE,
            )

        rows = self.gateway.run(fetch)
        self.post_message(PeoplePageLoaded(generation, page, rows))

    def on_people_page_loaded(self, message: PeoplePageLoaded) -> None:
        message.stop()
        self._pending.discard(message.page)
        if message.generation != self.generation:
            return
        self._pages[message.page] = message.rows
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        self.refresh()

    def row(self, index: int) -> dict[str, Any] | None:
        """The row at ``index`` if its page is loaded (asks for the page if not)."""
        if not 0 <= index < self.total:
            return None
        page, offset = divmod(index, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            if not self._wanted:
                self.call_later(self._request_pages)
            self._wanted.add(page)
            return None
        self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    @property
    def highlighted(self) -> dict[str, Any] | None:
        return self.row(self.cursor) if self.total else None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report(self, event.worker, event.state)

    # -- drawing -----------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.virtual_size = Size(0, self.total)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        if index >= self.total:
            if index == 0 and self.loaded:
                style = self.get_component_rich_style("people-list--muted")
                text = "No one matches." if self.search else "No people yet: try `crb import`."
                return Strip([Segment(fit(" " + text, width), style)], width)
            return Strip.blank(width, self.rich_style)
        row = self.row(index)
        is_cursor = index == self.cursor
        cursor = self.get_component_rich_style("people-list--cursor") if is_cursor else None
        if row is None:
            segments = [Segment(fit("  …", width), self._style("muted", cursor))]
            return Strip(segments, width)
        segments = self._row_segments(row, width, cursor)
        return Strip(segments, width).simplify() if cursor is None else Strip(segments, width)

    def _style(self, name: str | None, cursor: Style | None) -> Style:
        style = self.get_component_rich_style(f"people-list--{name}") if name else Style()
        if cursor is not None:
            style = style + Style(bgcolor=cursor.bgcolor)
            if name is None:
                style = cursor
        return style

    def _row_segments(
        self, row: dict[str, Any], width: int, cursor: Style | None
    ) -> list[Segment]:
        segments: list[Segment] = []
        gap = Segment(" ", self._style(None, cursor))
        for n, col in enumerate(layout(width)):
            if n:
                segments.append(gap)
            segments.extend(self._cell(col, row, cursor))
        return segments

    def _cell(self, col: Column, row: dict[str, Any], cursor: Style | None) -> list[Segment]:
        plain_style = self._style(None, cursor)
        w = col.width
        if col.key == "name":
            return [Segment(fit(safe(row["name"]), w), plain_style)]
        if col.key == "org":
            return [Segment(fit(safe(row.get("organization") or ""), w), plain_style)]
        if col.key == "stage":
            if row.get("triage"):
                return [Segment(fit("new", w), self._style("fair", cursor))]
            stage = row.get("stage") or ""
            label = stage if w >= 12 else STAGE_SHORT.get(stage, stage)
            return [Segment(fit(label, w), plain_style)]
        if col.key == "health":
            value = row.get("health")
            arrow = TREND_ARROWS.get(row.get("trend") or "", " ")
            number = "  —" if value is None else f"{value:>3}"
            filled, empty = bar(value, w - 5)
            lvl = level(value)
            return [
                Segment(filled, self._style(lvl, cursor)),
                Segment(empty, self._style("muted", cursor)),
                Segment(" " + number, self._style(lvl, cursor)),
                Segment(arrow, self._style("bad" if arrow == "↓" else None, cursor)),
            ]
        if col.key in ("trust", "value"):
            value = row.get(col.key)
            text = "—" if value is None else str(value)
            return [Segment(text.rjust(w), self._style(level(value), cursor))]
        if col.key == "last":
            return [Segment(fit(ago(row.get("last_touch"), self._today), w), plain_style)]
        text, lvl = cadence_status(row)
        return [Segment(fit(text, w), self._style(lvl if lvl != "good" else None, cursor))]

    # -- moving ------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        height = self.scrollable_content_region.height
        top = round(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif height and new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        self.refresh()

    def move(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_cursor(self, delta: int) -> None:
        self.move(delta)

    def action_page(self, direction: int) -> None:
        self.move(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, where: int) -> None:
        if self.total:
            self.cursor = self.total - 1 if where < 0 else 0

    def action_choose(self) -> None:
        row = self.highlighted
        if row is not None:
            self.post_message(self.Chosen(row["id"]))

    def on_click(self, event: Click) -> None:
        index = round(self.scroll_offset.y) + event.y
        if 0 <= index < self.total:
            if index == self.cursor and event.chain >= 2:
                self.action_choose()
            self.cursor = index


class PeopleHeader(Widget):
    """The column titles above a ``PeopleList``, laid out to match it."""

    DEFAULT_CSS = """
    PeopleHeader { height: 1; background: $panel; }
    """

    sort: reactive[str] = reactive("health")

    def render(self) -> Content:
        return header(max(1, self.size.width - 1), self.sort)
