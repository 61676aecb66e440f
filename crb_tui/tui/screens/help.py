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

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(Content.assemble(
                ("Keys", "bold"),
                ("  · remap any of them by id in config.toml, e.g. ", "$foreground-muted"),
                ('[keymap] "person.log" = "L"', "$accent"),
                ("  · Ctrl+P: every command", "$foreground-muted"),
            ), classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="row", show_cursor=False)
            yield Static(Content("Esc or ? closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.focus()
        # Once the table has its width: the last column takes the rest and wraps in it.
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        rows = list(help_rows(self.app, self.keymap))
        widths = [min(12, max(len(r[0].plain) for r in rows[1:])),
                  min(12, max(len(r[1].plain) for r in rows)),
                  max(len(r[2].plain) for r in rows)]
        padding = 2 * table.cell_padding * 4 + table.styles.scrollbar_size_vertical + 1
        rest = max(16, table.size.width - sum(widths) - padding)
        # Text labels: a plain string would be read as markup ("[keymap]" would vanish).
        for label, width in zip(
            ("Keys", "Action", "Id (for [keymap])", "What it does"), [*widths, rest], strict=True
        ):
            table.add_column(Text(label), width=width)
        for row in rows:
            table.add_row(*row, height=None)

    def action_top(self) -> None:
        self.query_one(DataTable).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one(DataTable).scroll_end(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
