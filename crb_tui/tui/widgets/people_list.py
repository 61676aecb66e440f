"""``PeopleList``: every person in one scrolling list that draws only the rows on screen
(Textual's Line API) and pages them from SQL, so 100,000 people cost no more than 100.

A search or sort reads every matching person's id in list order, once, on a worker thread
(:func:`crb_tui.queries.people_ids`; a newer keystroke cancels it, even mid-query); the rows of the
pages on screen, and of a screen either side, then come from a slice of those ids
(:func:`crb_tui.queries.people_rows`), so a page deep in the list costs what the first one does.
A row not loaded yet draws as a placeholder until its page arrives.

While the screen stays open each sort's whole order is kept: a search then only asks SQL which
people match and keeps them in that order, and a search typed before (backspacing over it) comes
back without a query. Nothing is kept once the screen is left, as people may change meanwhile.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from math import ceil
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from crb_tui.queries import count_people, list_people, people_ids, people_rows
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
CACHED_SEARCHES = 12
"""Searches whose ids are kept while the screen is open (typing back over one costs no query)."""
CHECK_EVERY = 10_000
"""SQLite steps between two checks that a query is still wanted."""

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


def page_rows(store: Any, ids: Sequence[int], page: int) -> list[dict[str, Any] | None]:
    """The rows of page ``page`` of ``ids``, in order (``None`` for anyone gone since)."""
    chunk = list(ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE])
    by_id = {row["id"]: row for row in people_rows(store, chunk)}
    return [by_id.get(i) for i in chunk]


def ids_of(rows: list[dict[str, Any] | None]) -> list[int | None]:
    return [row["id"] if row else None for row in rows]


def thumb(size: int, virtual: float, window: float, position: float) -> tuple[int, int] | None:
    """Where a vertical scrollbar ``size`` cells high draws its thumb, in eighths of a cell
    (the arithmetic of Textual's ``ScrollBarRender.render_bar``)."""
    virtual, window = ceil(virtual), ceil(window if window < virtual else 0)
    if not (window and size and virtual and size != virtual):
        return None
    thumb_size = max(1, window / (virtual / size))
    start = int((size - thumb_size) * position / (virtual - window) * 8)
    return start, start + ceil(thumb_size * 8)


@contextmanager
def interrupted_unless(conn: sqlite3.Connection, wanted: Callable[[], bool]) -> Iterator[None]:
    """Stop the statement running on ``conn`` (``OperationalError``) once it is no longer
    ``wanted``: a query for a keystroke the user has typed past."""
    conn.set_progress_handler(lambda: 0 if wanted() else 1, CHECK_EVERY)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


class PeopleList(ScrollView, can_focus=True):
    """The virtual list. ``show(search, sort)`` starts a query; ``counted`` changes as its
    rows come; Enter posts ``Chosen``."""

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

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)
    counted: var[int] = var(-1, always_update=True)
    """How many people the latest query found, set as its rows are shown (watch it to show
    the count: a watcher runs at once, so the count is painted with the rows, not after)."""

    class Chosen(Message):
        """The user opened a person from the list."""

        def __init__(self, person_id: int) -> None:
            super().__init__()
            self.person_id = person_id

    def __init__(self, gateway: Gateway, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.gateway = gateway
        self.search = ""
        self.sort = "health"
        self.total = 0
        self.loaded = False
        self.generation = 0
        self._shown = -1
        """The generation whose count the list shows."""
        self._ids: Sequence[int] | None = None
        """Everyone in the list, in order (``None`` during the first look)."""
        self._orders: dict[str, Sequence[int]] = {}
        """Everyone's id in each sort read since the screen was opened."""
        self._searches: OrderedDict[tuple[str, str], Sequence[int]] = OrderedDict()
        """The ids matching the latest searches, by (search, sort)."""
        self._pages: OrderedDict[int, list[dict[str, Any] | None]] = OrderedDict()
        self._pending: set[int] = set()
        self._wanted: set[int] = set()
        self._choose_when_shown = -1
        self._sizes: tuple[Size, Size, Size] | None = None
        self._today = dt.date.today()
        self._keep_place = False

    # -- queries -----------------------------------------------------------------------------

    def show(self, search: str, sort: str, *, today: dt.date, keep_place: bool = False) -> None:
        """Start a query for ``search`` in ``sort`` order; rows appear when it returns.

        ``keep_place`` (the same query again, e.g. back from a person) keeps the cursor and
        the scroll where they were instead of going back to the top; it also forgets what was
        kept from earlier queries, as people may have changed since.
        """
        self._keep_place = keep_place and (search, sort) == (self.search, self.sort)
        if keep_place:
            self._orders.clear()
            self._searches.clear()
        self.search = search
        self.sort = sort
        self._today = today
        self.generation += 1
        ids = self._searches.get((search, sort)) if search else self._orders.get(sort)
        if search and ids is not None:
            self._searches.move_to_end((search, sort))
        page = round(self.scroll_offset.y) // PAGE_SIZE if self._keep_place else 0
        self._query(self.generation, search, sort, ids, self._orders.get(sort), page)

    @work(thread=True, exit_on_error=False, group="people-query", exclusive=True,
          description="people query")
    def _query(
        self, generation: int, search: str, sort: str, ids: Sequence[int] | None,
        order: Sequence[int] | None, page: int,
    ) -> None:
        worker = get_current_worker()

        def wanted() -> bool:
            return not worker.is_cancelled and generation == self.generation

        def fetch(ctx: Any) -> None:
            store = ctx.store
            with interrupted_unless(store.db.conn, wanted):
                if ids is None and order is None and not search and page == 0:
                    # A quick first look (count and first page) before everyone's id.
                    rows = list_people(store, sort=sort, limit=PAGE_SIZE)
                    self.post_message(PeopleQueried(generation, count_people(store), rows))
                if ids is not None:
                    found, whole = ids, order
                elif order is not None:
                    # Only which people match; the order is known already.
                    matching = set(people_ids(store, search=search, sort="created"))
                    found, whole = array("q", [i for i in order if i in matching]), order
                elif search:
                    found, whole = array("q", people_ids(store, search=search, sort=sort)), None
                else:
                    found = whole = array("q", people_ids(store, sort=sort))
                rows = page_rows(store, found, page)
                self.post_message(
                    PeopleQueried(generation, len(found), rows, ids=found, page=page, order=whole)
                )
                if whole is None and wanted():
                    # Read the whole order too, for the next keystroke.
                    whole = array("q", people_ids(store, sort=sort))
                    self.post_message(PeopleQueried(
                        generation, len(found), rows, ids=found, page=page, order=whole))

        try:
            self.gateway.run(fetch)
        except sqlite3.OperationalError:
            if wanted():
                raise

    def on_people_queried(self, message: PeopleQueried) -> None:
        message.stop()
        if message.generation != self.generation:
            return
        if message.order is not None:
            self._orders[self.sort] = message.order
        if message.ids is not None and self.search:
            self._searches[(self.search, self.sort)] = message.ids
            self._searches.move_to_end((self.search, self.sort))
            while len(self._searches) > CACHED_SEARCHES:
                self._searches.popitem(last=False)
        if self._shown == self.generation:
            self._more(message)
            return
        self._shown = self.generation
        self._ids = message.ids
        self.total = message.total
        self.loaded = True
        self._pages.clear()
        self._pending.clear()
        self._wanted.clear()
        self._pages[message.page] = message.first_page
        self._set_length()
        if self._keep_place and self.total:
            self.cursor = min(self.cursor, self.total - 1)
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.cursor = 0
        self.counted = self.total
        self.refresh_rows()
        self._prefetch()
        if self._choose_when_shown == self.generation:
            self.action_choose()

    def _more(self, message: PeopleQueried) -> None:
        """The same query again with more in it: the ids after the first look, or the order."""
        if message.ids is None or self._ids is not None:
            return
        self._ids = message.ids
        old = self._pages.get(message.page)
        self._pages[message.page] = message.first_page
        if message.total != self.total:
            self.total = message.total
            self._set_length()
            self.cursor = min(self.cursor, max(0, self.total - 1))
            self.counted = self.total
            self.refresh_rows()
        elif old is None or ids_of(old) != ids_of(message.first_page):
            self.refresh_rows()
        self._prefetch()
        self._request_pages()

    def _prefetch(self) -> None:
        """Ask for the rows a screen above and below the visible ones, so that a page move
        finds them loaded."""
        if not self.total:
            return
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_offset.y)
        first = max(0, top - height) // PAGE_SIZE
        last = min(self.total - 1, top + 2 * height) // PAGE_SIZE
        wanted = {p for p in range(first, last + 1) if p not in self._pages}
        if wanted:
            self._wanted |= wanted
            self._request_pages()

    def _request_pages(self) -> None:
        ids = self._ids
        if ids is None:
            return  # asked again when the ids come
        wanted, self._wanted = self._wanted, set()
        for page in sorted(wanted):
            if page not in self._pages and page not in self._pending:
                self._pending.add(page)
                self._load_page(
                    self.generation, page, ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE])

    @work(thread=True, exit_on_error=False, group="people-page", description="people page")
    def _load_page(self, generation: int, page: int, ids: Sequence[int]) -> None:
        def fetch(ctx: Any) -> list[dict[str, Any] | None]:
            if generation != self.generation:
                return []
            return page_rows(ctx.store, ids, 0)

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
        top = round(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        start = message.page * PAGE_SIZE
        if start < top + height and start + PAGE_SIZE > top:
            self.refresh_rows()

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

    def _set_length(self) -> None:
        """Make the list ``total`` rows long (the scrollbar learns it first, quietly if its
        thumb stays where it is)."""
        self._scrollbar_quietly(window_virtual_size=self.total)
        self.virtual_size = Size(0, self.total)

    def refresh_rows(self, y: int = 0, count: int | None = None) -> None:
        """Repaint ``count`` rows on screen from row ``y`` (all by default), but not the
        scrollbar beside them, which repaints itself when it changes."""
        height = self.size.height if count is None else count
        self.refresh(Region(0, y, self.scrollable_content_region.width, height))

    # -- the scrollbar: repainted only when it looks different -------------------------------
    #
    # Repainting the scrollbar sends 1.5 KB at 160x50, and Textual repaints it on every layout
    # of the screen (each keystroke in the filter, each new count) and on every scroll, though
    # at 100,000 rows its one-cell thumb hardly ever moves. These two hooks into ScrollView (a
    # private method and a watcher; Textual is pinned, see pyproject) let it be repainted only
    # when the list's sizes change and the thumb would be drawn elsewhere.

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # ScrollView compares the arranged viewport with the virtual size, which never match
        # for a Line API list; what matters is whether the list's own sizes changed.
        sizes = (size, container_size, self.virtual_size)
        old, self._sizes = self._sizes, sizes
        if sizes == old:
            return False
        if old is not None and old[:2] == sizes[:2] and self._scrollbar_quietly(
            window_virtual_size=self.virtual_size.height
        ):
            self.scroll_y = self.validate_scroll_y(self.scroll_y)
            return False
        return super()._size_updated(size, virtual_size, container_size, layout)

    def watch_scroll_y(self, old: float, new: float) -> None:
        if self.show_vertical_scrollbar and not self._scrollbar_quietly(position=new):
            self.vertical_scrollbar.position = new
        if round(old) != round(new):
            self.refresh_rows()
            self._prefetch()

    def _scrollbar_quietly(self, **values: float) -> bool:
        """Give the vertical scrollbar these values without a repaint if it would look the
        same with them (and it is shown before and after); ``False`` if it needs one."""
        bar = self.vertical_scrollbar
        window = self.container_size.height
        now = (bar.window_virtual_size, bar.window_size, bar.position)
        then = (
            values.get("window_virtual_size", now[0]),
            now[1],
            int(values.get("position", now[2]) * 8) / 8,  # as ScrollBar.validate_position
        )
        if not (self.show_vertical_scrollbar and now[0] > window and then[0] > window):
            return False
        if thumb(bar.size.height, *now) != thumb(bar.size.height, *then):
            return False
        bar.set_reactive(ScrollBar.window_virtual_size, then[0])
        bar.set_reactive(ScrollBar.position, then[2])
        return True

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
        return Strip(segments, width).simplify()

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
        # Scrolling repaints the whole list; a move within the screen repaints two lines (a
        # whole list is some 15 KB to send at 160x50, two lines well under 1 KB).
        top = round(self.scroll_offset.y)
        for index in {old, new}:
            if top <= index < top + height:
                self.refresh_rows(index - top, 1)

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
        if self._shown != self.generation:
            self._choose_when_shown = self.generation  # Enter typed ahead of the results
            return
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
