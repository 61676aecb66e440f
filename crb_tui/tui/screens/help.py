"""The keys screen (``?``): every binding of every screen, with the id to remap it by."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from crb_tui.tui.app_base import CrbAppBase
from crb_tui.tui.screen_list import SCREENS
from crb_tui.tui.screens.dialog_css import DIALOG_CSS


def bindings_of(node_type: type[DOMNode]) -> list[Binding]:
    """The bindings a class declares, its bases' included, in declaration order."""
    found: list[Binding] = []
    for base in reversed(node_type.__mro__):
        if isinstance(base, type) and issubclass(base, DOMNode) and "BINDINGS" in base.__dict__:
            for item in base.__dict__["BINDINGS"]:
                if isinstance(item, Binding):
                    found.append(item)
    return found


def keys_for(binding: Binding, keymap: dict[str, str]) -> str:
    keys = keymap.get(binding.id or "", binding.key)
    return ", ".join(k.strip() for k in keys.split(","))


def sections() -> list[tuple[str, list[Binding]]]:
    from crb_tui.tui.screens.dashboard import DashboardScreen
    from crb_tui.tui.screens.dialogs import Dialog
    from crb_tui.tui.screens.people import PeopleScreen
    from crb_tui.tui.screens.person import PersonScreen
    from crb_tui.tui.screens.review import ReviewScreen
    from crb_tui.tui.screens.sync import SyncScreen
    from crb_tui.tui.widgets.people_list import PeopleList

    title = {entry.name: entry.title for entry in SCREENS}  # the screens' names, as listed
    return [
        ("Everywhere", [b for b in CrbAppBase.BINDINGS if isinstance(b, Binding) and b.id]),
        ("Review and person: actions", _acting()),
        (title[ReviewScreen.MODE], list(ReviewScreen.__dict__["BINDINGS"])),
        ("Person", list(PersonScreen.__dict__["BINDINGS"])),
        (title[PeopleScreen.MODE], list(PeopleScreen.BINDINGS) + list(PeopleList.BINDINGS)),
        (title[DashboardScreen.MODE], list(DashboardScreen.BINDINGS)),
        (title[SyncScreen.MODE], list(SyncScreen.BINDINGS)),
        ("Dialogs", list(Dialog.BINDINGS)),
    ]


def _acting() -> list[Binding]:
    from crb_tui.tui.screens.acting import ACTION_BINDINGS

    return list(ACTION_BINDINGS)


def help_rows(app: App[object], keymap: dict[str, str]) -> Iterable[tuple[Text, ...]]:
    """(keys, action, id, what it does) for every binding, a heading row per section."""
    for title, bindings in sections():
        yield (Text(title, style="bold"), Text(""), Text(""), Text(""))
        for b in bindings:
            keys = [k.strip() for k in keys_for(b, keymap).split(",")]
            shown = ", ".join(app.get_key_display(b.with_key(k)) for k in keys)
            yield (Text("  " + shown), Text(b.description or b.action), Text(b.id or "",
                   style="dim"), Text(b.tooltip))


KEYS_WIDTH = 14
"""The keys column's widest."""
HELP_MAX_WIDTH = 150
"""The keys dialog's widest (``.dialog.help`` max-width in dialog_css)."""
HELP_FRAME = 4
"""Its border and padding, both sides."""
NARROW = 100
"""Below this many cells of table, the ids leave their column for the line below it."""
CLOSING = "Esc or ? closes"


class HelpScreen(ModalScreen[None]):
    """Every key, grouped by screen; remap any of them under [keymap] in config.toml."""

    SCOPED_CSS = False
    CSS = DIALOG_CSS

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close",
                tooltip="Close the keys screen"),
        # Priority: the table would take Home and End for its (hidden) cursor's column.
        Binding("home", "top", "Top", id="help.top", show=False, priority=True,
                tooltip="Go to the top of the list of keys"),
        Binding("end", "bottom", "Bottom", id="help.bottom", show=False, priority=True,
                tooltip="Go to the end of the list of keys"),
    ]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap
        self.ids: list[str] = []
        """Each row's binding id (empty for a section's heading)."""
        self.narrow = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(Content.assemble(
                ("Keys", "bold"),
                ("  · remap any of them by id in config.toml, e.g. ", "$foreground-muted"),
                ('[keymap] "person.log" = "L"', "$accent"),
                ("  · Ctrl+P: every command", "$foreground-muted"),
            ), classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", show_cursor=False)
            yield Static(Content(CLOSING), classes="dialog-hint", id="help-hint")

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.focus()
        # Filled before the first paint (no empty frame first), to the width the dialog will
        # have: the screen's, up to its CSS max-width, less its border and padding.
        self._fill(min(self.app.size.width, HELP_MAX_WIDTH) - HELP_FRAME)

    def _fill(self, width: int) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        rows = list(help_rows(self.app, self.keymap))
        self.ids = [r[2].plain for r in rows]
        # Room for two keys of one binding on one line ("home, ^home": split over two, the
        # second read as a binding of its own).
        widths = [min(KEYS_WIDTH, max(len(r[0].plain) for r in rows[1:])),
                  min(12, max(len(r[1].plain) for r in rows)),
                  max(len(r[2].plain) for r in rows)]
        labels = ["Keys", "Action", "Id (for [keymap])", "What it does"]
        self.narrow = width < NARROW
        if self.narrow:
            # No room for the ids beside the words (the words would wrap into three lines):
            # the highlighted row's id is said below the table instead.
            del widths[2], labels[2]
            rows = [(r[0], r[1], r[3]) for r in rows]
            table.show_cursor = True
        padding = 2 * table.cell_padding * len(labels) + table.styles.scrollbar_size_vertical + 1
        rest = max(16, width - sum(widths) - padding)
        # Text labels: a plain string would be read as markup ("[keymap]" would vanish).
        for label, column_width in zip(labels, [*widths, rest], strict=True):
            table.add_column(Text(label), width=column_width)
        for row in rows:
            if not row[-1].plain:  # a section's title: where it has room for one line
                row = (*(Text("") for _ in row[:-1]), row[0])
            table.add_row(*row, height=None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not self.narrow:
            return
        binding_id = self.ids[event.cursor_row] if event.cursor_row < len(self.ids) else ""
        self.query_one("#help-hint", Static).update(
            Content.assemble(("Id (for [keymap]): ", "$foreground-muted"), (binding_id, "bold"),
                             ("  ·  ", "$foreground-muted"), CLOSING) if binding_id
            else Content(CLOSING))

    def action_top(self) -> None:
        table = self.query_one(DataTable)
        table.scroll_home(animate=False)
        if self.narrow:
            table.move_cursor(row=0, scroll=False)

    def action_bottom(self) -> None:
        table = self.query_one(DataTable)
        table.scroll_end(animate=False)
        if self.narrow:
            table.move_cursor(row=table.row_count - 1, scroll=False)

    def action_close(self) -> None:
        self.dismiss(None)
