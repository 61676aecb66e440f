"""``PeopleList``: every person in one scrolling list that draws only the rows on screen
(Textual's Line API) and pages them from SQL, so 100,000 people cost no more than 100.

The first page of a sort comes from a query that walks the sort's index and stops there; then,
on a worker thread, everyone's id in that order (:func:`crb_tui.store.queries.people_ids`, a newer
keystroke cancels it, even mid-query). The rows of the pages on screen, and of a screen either
side, come from a slice of those ids (:func:`crb_tui.store.queries.people_rows`), so a page
deep in the list costs what the first one does. A row not loaded yet draws as a placeholder
until its page arrives.

Searching is done in memory (:class:`crb_tui.store.search.SearchIndex`, read in the background once
the list is shown): a keystroke scans everyone's text, or only the matches of the search before
when it narrows it, and a search typed before (backspacing over it) costs nothing. What is kept
(each sort's order, the index) is read again once anything in the store has changed.

The widget is this module; what it keeps and how it pages is ``people_model``; what a row
looks like is ``people_columns``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.content import Content
from textual.events import Click, MouseScrollDown, MouseScrollUp
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from crb_tui import clock
from crb_tui.errors import QueryCancelled, StoreUnavailable
from crb_tui.store.queries import count_people, list_people
from crb_tui.tui.data import Gateway
from crb_tui.tui.display import fit
from crb_tui.tui.messages import PeoplePageLoaded, PeopleQueried
from crb_tui.tui.problems import report
from crb_tui.tui.widgets.people_columns import header, row_segments
from crb_tui.tui.widgets.people_model import (
    CACHED_PAGES,
    PAGE_SIZE,
    WARM_AFTER,
    Kept,
    page_rows,
)

SORT_LABELS = {
    "health": "health (weakest first)",
    "last_touch": "last touch (latest first)",
    "name": "name",
    "overdue": "overdue, in cadences (most first)",
}
SORT_CYCLE = ("health", "last_touch", "name", "overdue")


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
        width: 1fr; height: 1fr; overflow: hidden hidden; background: ansi_default;
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
        self._kept = Kept()
        self._pages: OrderedDict[int, Sequence[dict[str, Any] | None]] = OrderedDict()
        self._pending: set[int] = set()
        self._wanted: set[int] = set()
        self._choose_when_shown = -1
        self._today = clock.today()
        self._keep_place = False
        self._first_look: tuple[int, list[dict[str, Any]]] | None = None
        self._palettes: dict[tuple[bool, bool], dict[str | None, Style]] = {}

    # -- queries -----------------------------------------------------------------------------

    def start_with(self, count: int, rows: list[dict[str, Any]]) -> None:
        """The first look at the whole list in its first sort, read before the list was shown
        (so the screen paints once, with its rows): used by the first ``show``."""
        self._first_look = (count, rows)

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
        page = round(self.scroll_offset.y) // PAGE_SIZE if self._keep_place else 0
        first, self._first_look = self._first_look, None
        if first is not None and not search and page == 0:
            self.on_people_queried(PeopleQueried(self.generation, first[0], first[1]))
            # Everyone's id after the first screen is painted, not while it is.
            self.call_after_refresh(self._query, self.generation, search, sort, page, True)
            return
        self._query(self.generation, search, sort, page, False)

    @work(thread=True, exit_on_error=False, group="people-query", exclusive=True,
          description="people query")
    def _query(self, generation: int, search: str, sort: str, page: int, looked: bool) -> None:
        worker = get_current_worker()
        kept = self._kept

        def wanted() -> bool:
            return not worker.is_cancelled and generation == self.generation

        stale = [False]

        def fetch(ctx: Any) -> None:
            store = ctx.store
            with kept.lock:
                with store.interruptible(wanted):
                    stale[0] = kept.check(ctx.token)
                    if not (looked or search or page or sort in kept.orders):
                        # A quick first look (count and first page) before everyone's id.
                        rows = list_people(store, sort=sort, limit=PAGE_SIZE)
                        self.post_message(PeopleQueried(generation, count_people(store), rows))
                    order = kept.order(store, sort)
                ids = kept.index(store, order).find(search) if search else order
            if not wanted():
                return
            with store.interruptible(wanted):
                shown = page_rows(store, ids, page)
            self.post_message(PeopleQueried(generation, len(ids), shown, ids=ids, page=page))

        try:
            self.gateway.read(fetch)
        except (QueryCancelled, StoreUnavailable):
            if wanted():
                raise
        if stale[0] and wanted():
            kept.refreshing = True
            self.app.call_from_thread(self._refresh, sort)
        elif not search and kept.searchable is None and wanted():
            self.app.call_from_thread(self.set_timer, WARM_AFTER, lambda: self._warm(sort))

    @work(thread=True, exit_on_error=False, group="people-warm", exclusive=True,
          description="people search index")
    def _warm(self, sort: str) -> None:
        """Read everyone's searchable text after the list is shown, on a reader of its own
        (pages keep loading meanwhile, on the others), ready for the first letter typed."""
        self._kept.warm(self.gateway, sort)

    def reread(self, *, now: bool = False) -> bool:
        """Read the list again in the background and show it again keeping the place (after
        another program's writes); ``False`` when one such re-read is running or ran less than
        ``Kept.REFRESH_EVERY`` seconds ago (unless ``now``)."""
        kept = self._kept
        if kept.refreshing or (not now and time.monotonic() - kept.refreshed_at
                                < kept.REFRESH_EVERY):
            return False
        kept.refreshing = True
        self._refresh(self.sort)
        return True

    @work(thread=True, exit_on_error=False, group="people-refresh",
          description="people list re-read")
    def _refresh(self, sort: str) -> None:
        """Another program changed the store: read the list again in the background, then
        show the same query again from it (keeping the place)."""
        if self._kept.refresh(self.gateway, sort) and self.is_attached:
            self.app.call_from_thread(
                lambda: self.show(self.search, self.sort, today=self._today, keep_place=True))

    def on_people_queried(self, message: PeopleQueried) -> None:
        message.stop()
        if message.generation != self.generation:
            return
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
            self._scroll_top(0)
            self.cursor = 0
        self.counted = self.total
        self.refresh_rows()
        self._prefetch()
        if self._choose_when_shown == self.generation:
            self.action_choose()

    def _more(self, message: PeopleQueried) -> None:
        """The same query again with everyone's id in it, after the first look (or the same
        query re-read on coming back, with people changed or not)."""
        if message.ids is None:
            return
        self._ids = message.ids
        old = self._pages.get(message.page)
        self._pages = OrderedDict({message.page: message.first_page})
        if message.total != self.total:
            self.total = message.total
            self._set_length()
            self.cursor = min(self.cursor, max(0, self.total - 1))
            self.counted = self.total
            self.refresh_rows()
        elif old is None or old != message.first_page:
            self.refresh_rows()
        self._prefetch()
        self._request_pages()

    def _prefetch(self) -> None:
        """Ask for the rows a screen above and below the visible ones, so that a page move
        finds them loaded."""
        if not self.total:
            return
        height = max(1, self.size.height)
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

        rows = self.gateway.read(fetch)
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
        height = self.size.height
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
    #
    # What a repaint sends matters over SSH: at 160x50 a screen of rows is 45 lines of 160
    # characters, and each run of colour costs its escape codes on top. So rows are drawn in
    # the terminal's own colours, with colour only where it means something (the health gauge,
    # a low score, a late cadence): no background of their own (the list's background is the
    # terminal's, see DEFAULT_CSS) and no scrollbar beside them (the screen shows the place as
    # "row N of M").

    def on_resize(self) -> None:
        self._set_length()

    def _set_length(self) -> None:
        self.virtual_size = Size(0, self.total)

    def _scroll_top(self, y: float) -> None:
        # Forced: the list has no scrollbar, which Textual otherwise takes for "not scrollable".
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def refresh_rows(self, y: int = 0, count: int | None = None) -> None:
        """Repaint ``count`` rows on screen from row ``y`` (all by default)."""
        height = self.size.height if count is None else count
        self.refresh(Region(0, y, self.size.width, height))

    def watch_scroll_y(self, old: float, new: float) -> None:
        if round(old) != round(new):
            self.refresh_rows()
            self._prefetch()

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        event.stop()
        self._scroll_top(self.scroll_y + 3)

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        event.stop()
        self._scroll_top(self.scroll_y - 3)

    def _palette(self, cursor: bool) -> dict[str | None, Style]:
        """The styles of one row: colours only, on the cursor's background in its row."""
        key = (cursor, self.has_focus)
        cached = self._palettes.get(key)
        if cached is None:
            back = self.get_component_rich_style("people-list--cursor") if cursor else None
            cached = {}
            for name in (None, "good", "fair", "bad", "muted"):
                color = self.get_component_rich_style(f"people-list--{name}").color if name \
                    else None
                if back is not None:
                    cached[name] = Style(color=color or back.color, bgcolor=back.bgcolor)
                else:
                    cached[name] = Style(color=color) if color else Style()
            self._palettes[key] = cached
        return cached

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palettes = {}

    def on_focus(self) -> None:
        self._refresh_row(self.cursor)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor)

    def _refresh_row(self, index: int) -> None:
        """Repaint the row of person ``index`` if it is on screen."""
        top = round(self.scroll_offset.y)
        if top <= index < top + self.size.height:
            self.refresh_rows(index - top, 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = round(self.scroll_offset.y) + y
        if index >= self.total:
            if index == 0 and self.loaded:
                text = "No one matches." if self.search else "No people yet: try `crb import`."
                return Strip([Segment(fit(" " + text, width), self._palette(False)["muted"])],
                             width)
            return Strip([Segment(" " * width)], width)
        row = self.row(index)
        palette = self._palette(index == self.cursor)
        if row is None:
            return Strip([Segment(fit("  …", width), palette["muted"])], width)
        return Strip(row_segments(row, width, palette, self._today), width).simplify()

    # -- moving ------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        height = self.size.height
        top = round(self.scroll_offset.y)
        if new < top:
            self._scroll_top(new)
        elif height and new >= top + height:
            self._scroll_top(new - height + 1)
        # Scrolling repaints the whole list; a move within the screen repaints two lines (a
        # whole list is some 11 KB to send at 160x50, two lines well under 1 KB).
        for index in {old, new}:
            self._refresh_row(index)

    def move(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_cursor(self, delta: int) -> None:
        self.move(delta)

    def action_page(self, direction: int) -> None:
        self.move(direction * max(1, self.size.height - 1))

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
        return header(max(1, self.size.width), self.sort)
