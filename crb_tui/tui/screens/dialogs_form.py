"""The frame every dialog form shares: :class:`Dialog` (a centred form with Save and Cancel,
Enter to the next field and saving from the last, Esc to cancel), :class:`Choices` (a radio
group that picks as the arrows move), and the helpers that lay out a labelled field and read
what was typed or chosen. The forms themselves are in ``dialogs_log`` and ``dialogs_person``;
the pickers in ``dialogs_choice``.

Keys typed fast (a paste, tmux send-keys) come in before the ones ahead of them are handled.
Textual hands a key to the widget focused when it arrives, and runs a (non-priority) binding
only once the key has bubbled back up, for whatever has the focus by then. So the keys that
move the focus (Tab, Shift+Tab, Enter) and Space on a box are priority bindings here, run in
order as the keys arrive, and the radio groups take their arrows themselves: each key reaches
the field that has the focus after the keys before it. Keys typed with the one that opened the
dialog come to it too (see type_ahead.py)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from crb_tui.errors import CrbError
from crb_tui.tui.display import safe
from crb_tui.tui.screens.dialog_css import DIALOG_CSS
from crb_tui.tui.screens.type_ahead import TypeAhead

R = TypeVar("R")

FIELD_KEYS = [
    Binding("tab", "app.focus_next", "Next", id="dialog.next", show=False, priority=True,
            tooltip="Go to the next field (what is typed next goes there)"),
    Binding("shift+tab", "app.focus_previous", "Back", id="dialog.previous",
            show=False, priority=True, tooltip="Go back to the previous field"),
]


def titled(verb: str, name: str) -> Content:
    return Content.assemble((verb, "bold"), " ", (safe(name), "bold $accent"))


class Dialog(TypeAhead, ModalScreen[R | None], Generic[R]):
    """A centred form; subclasses compose the fields and build the result in ``result()``."""

    SCOPED_CSS = False
    CSS = DIALOG_CSS

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel",
                tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Save and close"),
        *FIELD_KEYS,
        Binding("enter", "enter", "Next/save", id="dialog.enter", show=False, priority=True,
                tooltip="Next field (on a choice: pick it, then the next field); "
                        "saves from the last one"),
        Binding("space", "tick", "Tick", id="dialog.tick", show=False, priority=True,
                tooltip="Tick or untick the box with the focus"),
    ]

    SAVES_FROM: str | None = None
    """The id of a text box from which Enter saves, though optional fields follow it (they
    are reached with Tab)."""
    HINT = "Enter: next / save · Tab: next field · Esc: cancel"
    """The keys, under the buttons (a dialog with ``SAVES_FROM`` says where Enter saves)."""

    def __init__(self, title: Content) -> None:
        super().__init__()
        self.dialog_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.dialog_title, classes="dialog-title")
            yield from self.fields()
            yield Static("", id="dialog-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
            yield Static(
                Content(self.HINT),
                classes="dialog-hint",
            )

    def fields(self) -> ComposeResult:
        yield from ()

    def picked(self, choices: RadioSet, name: str) -> None:
        """A choice was made with the keys (or a click) in the radio group ``choices``."""

    def result(self) -> R:
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(Content(text))
        error.display = bool(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        try:
            value = self.result()
        except CrbError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(value)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_tick(self) -> None:
        # As the key comes: a Tab typed right after it must not take it to the next field.
        if not isinstance(self.focused, Checkbox):
            raise SkipAction()  # text, a choice or a button: the space is theirs
        self.focused.toggle()

    def action_enter(self) -> None:
        """To the next field of any kind (text, choice, tick box); saves from the last one."""
        field = self.focused
        if isinstance(field, Choices):
            # Picked after the arrows already sent to it; the focus moves on at once.
            field.call_later(field.pick)
        elif not isinstance(field, Input | Checkbox):
            raise SkipAction()  # a button or a list: Enter is theirs
        fields: list[Widget] = [f for f in self.query("Input, Choices, Checkbox") if f.focusable]
        following = fields[fields.index(field) + 1:] if field in fields else []
        if self.SAVES_FROM is not None and field.id == self.SAVES_FROM:
            following = []
        if following:
            self.set_focus(following[0])
        else:
            # Saved once the keys typed before Enter have reached the field.
            field.call_later(self.action_save)


class Choices(RadioSet):
    """A radio set whose choice follows the arrow keys (no Space needed to pick). It takes the
    arrows itself, not through bindings, so they reach it even when a Tab typed right after
    them has already moved the focus on."""

    def on_key(self, event: Key) -> None:
        step = {"right": 1, "down": 1, "left": -1, "up": -1}.get(event.key)
        if step is None and event.key != "space":
            return
        event.stop()
        event.prevent_default()
        if step == 1:
            self.action_next_button()
        elif step == -1:
            self.action_previous_button()
        self.pick()

    def on_focus(self) -> None:
        # Start the arrows from the choice already made, not from the first one.
        if self.pressed_index >= 0:
            self._selected = self.pressed_index

    def pick(self) -> None:
        """Choose the highlighted option now (not when a message comes back), and say so."""
        if self._selected is None:
            return
        button = self.children[self._selected]
        if isinstance(button, RadioButton) and button.name and button is not self.pressed_button:
            self.choose(button.name)
            # At once, not by a message: the next field's keys may already be on their way.
            if isinstance(self.screen, Dialog):
                self.screen.picked(self, button.name)

    def choose(self, name: str) -> None:
        """Make the button called ``name`` the chosen one, without a Changed message."""
        with self.prevent(RadioButton.Changed):
            for index, button in enumerate(self.query(RadioButton)):
                button.value = button.name == name
                if button.value:
                    self._pressed_button = button
                    self._selected = index


def radio(name: str, options: list[tuple[str, str]], selected: str, *, id: str) -> ComposeResult:
    """A field of options to choose one from, ``selected`` chosen."""
    with Horizontal(classes="field"):
        yield Label(name, classes="field-label")
        with Choices(id=id, classes="choices", compact=True):
            for value, label in options:
                yield RadioButton(label, value=value == selected, name=value, compact=True)


def field(name: str, widget: Any) -> ComposeResult:
    """A field: its label, then ``widget``."""
    with Horizontal(classes="field"):
        yield Label(name, classes="field-label")
        yield widget


def text_input(placeholder: str, id: str, **kwargs: Any) -> Input:
    """A one-line text box."""
    return Input(placeholder=placeholder, id=id, compact=True, **kwargs)


def chosen(dialog: Dialog[Any], id: str) -> str:
    """The name of the option chosen in the radio group ``id``."""
    button = dialog.query_one(f"#{id}", RadioSet).pressed_button
    if button is None or button.name is None:
        raise CrbError("choose one of the options")
    return button.name


def text_of(dialog: Dialog[Any], id: str) -> str:
    """What is typed in the box ``id``, stripped."""
    return dialog.query_one(f"#{id}", Input).value.strip()
