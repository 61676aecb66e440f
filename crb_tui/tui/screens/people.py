"""Every relationship in one list: type to filter, cycle the sort, Enter opens a person."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static

from crb_tui.tui.screens.base import CrbScreen
from crb_tui.tui.widgets.people_list import (
    SORT_CYCLE,
    SORT_LABELS,
    PeopleHeader,
    PeopleList,
)


class FilterBox(Input):
    """The filter. ``?`` is always the app's key (Help, as it says: "Everywhere"); with nothing
    typed yet, ``/`` (go to the filter) types nothing, and the digits the app binds (1-4: the
    screens) and q (Quit) are the app's, as the README
    says: they are text once something is typed (a phone number, a name with a q in it). The
    footer shows q Quit while the box is empty (the screen refreshes the keys when the box
    becomes empty or not, never on the letters in between)."""

    def _leaves_to_app(self, key: str, character: str | None) -> bool:
        if character is None or key not in self.app._bindings.key_to_bindings:
            return False
        return character == "?" or (
            not self.value and (character.isdigit() or character == "q"))

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Textual leaves out of the binding chain any key the focused widget would consume.
        if self._leaves_to_app(key, character):
            return False
        return super().check_consume_key(key, character)

    async def on_key(self, event: events.Key) -> None:
        # Runs before the box's own key handler, which the key goes on to unless it was the
        # app's.
        if event.character == "/" and not self.value:
            # "/" goes to the filter (Help's key, as in less and vim): it is here already, so
            # it types nothing (once something is typed, it is text).
            event.stop()
            event.prevent_default()
            return
        if (self._leaves_to_app(event.key, event.character)
                and await self.app._check_bindings(event.key)):
            # The binding ran (Textual would only look for it after the box took the key).
            event.stop()
            event.prevent_default()


class PeopleScreen(CrbScreen):
    """The filter box on top, the virtual list below."""

    # Loaded with the screen, not with the app: start-up parses only the first screen's CSS.
    # As default CSS (ID selectors, which beat the widgets' own rules): a screen's CSS would
    # have Textual parse every stylesheet again when the screen is first shown.
    SCOPED_CSS = False
    DEFAULT_CSS = """
        #people-filter { padding: 0 1; width: 64; }
        #people-summary { height: 1; padding: 0 1; color: $text-muted; }
        #people-list { height: 1fr; }
    """

    MODE = "people"

    BINDINGS = [
        Binding("ctrl+s", "cycle_sort", "Sort", id="people.sort",
                tooltip="Sort by health, last touch, name or overdue"),
        Binding("slash", "focus_filter", "Filter", id="people.filter",
                tooltip="Go to the filter box (typing does too): name, organisation, e-mail, note"),
        Binding("ctrl+u", "clear_filter", "Clear", id="people.clear", show=False,
                tooltip="Clear the filter and show everyone"),
        Binding("ctrl+r", "refresh", "Refresh", id="people.refresh",
                tooltip="Read the list again (it also does by itself when the data changes)"),
        Binding("escape", "escape", "List", id="people.list", show=False,
                tooltip="Leave the filter (Esc again clears it)"),
        Binding("down", "move(1)", "Down", show=False, id="people.filter_down",
                tooltip="Move down the list while typing"),
        Binding("up", "move(-1)", "Up", show=False, id="people.filter_up",
                tooltip="Move up the list while typing"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="people.filter_page_down",
                tooltip="Page down the list while typing"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="people.filter_page_up",
                tooltip="Page up the list while typing"),
        # Priority: the filter box would take Home and End for its text cursor (Ctrl+A and
        # Ctrl+E still move that).
        Binding("home,ctrl+home", "jump(0)", "First", show=False, id="people.filter_first",
                priority=True, tooltip="Go to the first person (also while typing)"),
        Binding("end,ctrl+end", "jump(-1)", "Last", show=False, id="people.filter_last",
                priority=True, tooltip="Go to the last person (also while typing)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "health"
        self._shown: tuple[str, str] | None = None

    def body(self) -> ComposeResult:
        # select_on_focus off: a letter typed on the list moves here and must not be replaced
        # by the next one.
        yield FilterBox(placeholder="type to filter: name, organisation, e-mail, note text",
                    select_on_focus=False,
                    id="people-filter", compact=True)
        yield Static("", id="people-summary", markup=False)
        yield PeopleHeader(id="people-header")
        yield PeopleList(self.gateway, id="people-list")

    @property
    def people(self) -> PeopleList:
        return self.query_one(PeopleList)

    @property
    def filter_text(self) -> str:
        return self.query_one("#people-filter", Input).value.strip()

    def on_mount(self) -> None:
        self.query_one("#people-filter", Input).focus()
        self.watch(self.people, "counted", self._show_count, init=False)
        self.watch(self.people, "cursor", self._show_place, init=False)
        first = self.crb.first_looks.pop("people", None)
        if first is not None:
            self.people.start_with(*first)
        self._run()
        self.watch_store()

    def store_changed(self) -> bool:
        """Another program or the app's sync wrote: the list is read again in the background
        and shown again where it was (not more often than the list allows)."""
        return self.people.reread()

    def action_refresh(self) -> None:
        self.people.reread(now=True)

    def on_screen_resume(self) -> None:
        # Back from a person (who may have changed): read again, keeping the place. Then the
        # list has the focus, so the screen keys (1-4, ?, q) work at once; letters still filter.
        if self._suspended:
            self._suspended = False
            self._run(keep_place=True)
        if self._opened_person:
            self._opened_person = False
            self.people.focus()

    def on_key(self, event: events.Key) -> None:
        box = self.query_one("#people-filter", Input)
        if box.has_focus or not event.character or not event.is_printable:
            return
        # On the list: a letter starts (or goes on with) the filter, and so does a space when
        # there is something to go on from; digits stay the screen keys and q quits (a q
        # typed in the box after another letter is text).
        char = event.character
        if (char.isalpha() and char != "q") or (char == " " and box.value):
            box.focus()
            box.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def _run(self, *, keep_place: bool = False) -> None:
        self._shown = (self.filter_text, self.sort)
        self.query_one(PeopleHeader).sort = self.sort
        self.people.show(self.filter_text, self.sort, today=self.crb.today,
                         keep_place=keep_place)

    def on_input_changed(self, event: Input.Changed) -> None:
        # Every keystroke queries at once: the list cancels the query for the one before.
        if self._shown != (self.filter_text, self.sort):
            self._run()
        if bool(event.value) != self._filter_typed:
            # ? and q are the app's keys again (or text now): the footer says which.
            self._filter_typed = bool(event.value)
            self.refresh_bindings()

    _filter_typed = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.people.action_choose()

    def _show_count(self, total: int) -> None:
        what = Content.assemble(
            (f"{total:,}", "bold"),
            " people" if total != 1 else " person",
            f" matching \u201c{self.filter_text}\u201d" if self.filter_text else "",
            (f" · sorted by {SORT_LABELS[self.sort]} (^s)", "$foreground-muted"),
        )
        self.query_one("#people-summary", Static).update(what, layout=False)
        self._show_place(self.people.cursor)

    def _show_place(self, cursor: int) -> None:
        """Where the cursor is in the list (it has no scrollbar: see PeopleList)."""
        total = self.people.total
        self.set_status(f"{cursor + 1:,} of {total:,}" if total else "")

    _opened_person = False
    _suspended = False

    def on_screen_suspend(self) -> None:
        self._suspended = True

    def on_people_list_chosen(self, event: PeopleList.Chosen) -> None:
        self._opened_person = True
        self.crb.open_person(event.person_id)

    def action_cycle_sort(self) -> None:
        self.sort = SORT_CYCLE[(SORT_CYCLE.index(self.sort) + 1) % len(SORT_CYCLE)]
        self._run()

    def action_focus_filter(self) -> None:
        self.query_one("#people-filter", Input).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#people-filter", Input)
        box.value = ""
        box.focus()

    def action_escape(self) -> None:
        box = self.query_one("#people-filter", Input)
        if box.has_focus:
            self.people.focus()
        elif box.value:
            box.value = ""
            box.focus()

    def action_move(self, delta: int) -> None:
        self.people.move(delta)

    def action_page(self, direction: int) -> None:
        self.people.action_page(direction)

    def action_jump(self, where: int) -> None:
        self.people.action_jump(where)
