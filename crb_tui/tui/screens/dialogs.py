"""Small modal forms for the actions on a person: each returns a typed result, or ``None``
when cancelled. Enter moves to the next field and saves from the last; Esc cancels.

Keys typed fast (a paste, tmux send-keys) come in before the ones ahead of them are handled.
Textual hands a key to the widget focused when it arrives, and runs a (non-priority) binding
only once the key has bubbled back up, for whatever has the focus by then. So the keys that
move the focus (Tab, Shift+Tab, Enter) and Space on a box are priority bindings here, run in
order as the keys arrive, and the radio groups take their arrows themselves: each key reaches
the field that has the focus after the keys before it. Keys typed with the one that opened the
dialog come to it too (see type_ahead.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
)
from textual.widgets.option_list import Option

from crb_tui.clock import parse_date
from crb_tui.errors import CrbError
from crb_tui.quantities import parse_amount, parse_birthday, parse_days
from crb_tui.records import STAGES, TIERS, VALUE_KINDS
from crb_tui.store.actions import DEFAULT_DIRECTION
from crb_tui.tui.display import ago, safe, until
from crb_tui.tui.screens.dialog_css import DIALOG_CSS
from crb_tui.tui.screens.type_ahead import TypeAhead

R = TypeVar("R")

FIELD_KEYS = [
    Binding("tab", "app.focus_next", "Next", id="dialog.next", show=False, priority=True,
            tooltip="Go to the next field (what is typed next goes there)"),
    Binding("shift+tab", "app.focus_previous", "Back", id="dialog.previous",
            show=False, priority=True, tooltip="Go back to the previous field"),
]

TOUCH_KINDS = ("call", "meeting", "message", "email", "note")
TOUCH_DIRECTIONS = (("out", "by you"), ("in", "by them"), ("mutual", "together"))


@dataclass(frozen=True)
class LogTouch:
    kind: str
    direction: str
    note: str | None


@dataclass(frozen=True)
class NewPromise:
    text: str
    due: dt.date
    direction: str


@dataclass(frozen=True)
class NewValue:
    kind: str
    direction: str
    note: str | None
    amount: float | None


@dataclass(frozen=True)
class GoalUpdate:
    text: str | None
    """None: the current goals are confirmed as still right."""
    replace: bool


@dataclass(frozen=True)
class NewNote:
    text: str
    their_words: bool


@dataclass(frozen=True)
class Cadence:
    days: int | None
    """None: back to the tier's default."""


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
                Content("Enter: next / save · Tab: next field · Esc: cancel"),
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
        field = self.focused
        if isinstance(field, Input):
            inputs = list(self.query(Input))
            following = inputs[inputs.index(field) + 1:]
        elif isinstance(field, Choices):
            # Picked after the arrows already sent to it; the focus moves on at once.
            field.call_later(field.pick)
            fields = list(self.query("Input, Choices"))
            following = fields[fields.index(field) + 1:]
        elif isinstance(field, Checkbox):
            following = []
        else:
            raise SkipAction()  # a button or a list: Enter is theirs
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
        button = self._nodes[self._selected]
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


def _radio(name: str, options: list[tuple[str, str]], selected: str, *, id: str) -> ComposeResult:
    with Horizontal(classes="field"):
        yield Label(name, classes="field-label")
        with Choices(id=id, classes="choices", compact=True):
            for value, label in options:
                yield RadioButton(label, value=value == selected, name=value, compact=True)


def _field(name: str, widget: Any) -> ComposeResult:
    with Horizontal(classes="field"):
        yield Label(name, classes="field-label")
        yield widget


def _input(placeholder: str, id: str, **kwargs: Any) -> Input:
    return Input(placeholder=placeholder, id=id, compact=True, **kwargs)


def _chosen(dialog: Dialog[Any], id: str) -> str:
    button = dialog.query_one(f"#{id}", RadioSet).pressed_button
    if button is None or button.name is None:
        raise CrbError("choose one of the options")
    return button.name


def _text(dialog: Dialog[Any], id: str) -> str:
    return dialog.query_one(f"#{id}", Input).value.strip()


class LogTouchDialog(Dialog[LogTouch]):
    """A call, meeting, message, e-mail or note, who started it, and what was said."""

    def __init__(self, name: str) -> None:
        super().__init__(titled("Log a touch with", name))

    def fields(self) -> ComposeResult:
        yield from _radio("Kind", [(k, k) for k in TOUCH_KINDS], "call", id="kind")
        yield from _radio("Direction", list(TOUCH_DIRECTIONS), DEFAULT_DIRECTION["call"],
                          id="direction")
        yield from _field("Note", _input("what you talked about (optional)", "note"))

    def picked(self, choices: RadioSet, name: str) -> None:
        if choices.id == "kind":
            self.query_one("#direction", Choices).choose(DEFAULT_DIRECTION.get(name, "out"))

    @on(RadioSet.Changed, "#kind")
    def _kind_clicked(self, event: RadioSet.Changed) -> None:
        self.picked(event.radio_set, event.pressed.name or "call")

    def result(self) -> LogTouch:
        return LogTouch(_chosen(self, "kind"), _chosen(self, "direction"),
                        _text(self, "note") or None)


class PromiseDialog(Dialog[NewPromise]):
    """A commitment with a due date, made by the user or by them."""

    def __init__(self, name: str, today: dt.date) -> None:
        super().__init__(titled("A promise with", name))
        self.today = today

    def fields(self) -> ComposeResult:
        yield from _field("Promise", _input("send the proposal", "text"))
        yield from _field("Due", _input("YYYY-MM-DD, tomorrow, friday, next week, +2w", "due"))
        yield from _radio("Who", [("out", "I promise"), ("in", "they promised")], "out",
                          id="direction")

    def result(self) -> NewPromise:
        text = _text(self, "text")
        if not text:
            raise CrbError("say what is promised")
        due_text = _text(self, "due")
        if not due_text:
            raise CrbError("give a due date (a date, tomorrow, friday, next week, +3d, +2w)")
        due = parse_date(due_text, what="due", base=self.today)
        if due < self.today:
            raise CrbError(f"{due} is in the past; a new promise is due today or later")
        return NewPromise(text, due, _chosen(self, "direction"))


class ValueDialog(Dialog[NewValue]):
    """Value given or received: an intro, advice, a resource, a referral, a deal."""

    def __init__(self, name: str) -> None:
        super().__init__(titled("Value with", name))

    def fields(self) -> ComposeResult:
        yield from _radio("Kind", [(k, k) for k in VALUE_KINDS], "intro", id="kind")
        yield from _radio("Direction", [("given", "given"), ("received", "received")], "given",
                          id="direction")
        yield from _field("Note", _input("introduced them to …", "note"))
        yield from _field("Amount", _input("for a deal (optional): 12000, 12k, 1.5k", "amount"))

    def result(self) -> NewValue:
        amount_text = _text(self, "amount")
        amount = parse_amount(amount_text) if amount_text else None
        return NewValue(_chosen(self, "kind"), _chosen(self, "direction"),
                        _text(self, "note") or None, amount)


class GoalDialog(Dialog[GoalUpdate]):
    """Their current goals: add one, or confirm the ones shown are still right."""

    def __init__(self, name: str, goals: list[dict[str, Any]], today: dt.date) -> None:
        super().__init__(titled("Goals of", name))
        self.goals = [g for g in goals if g.get("active", 1)]
        self.today = today

    def fields(self) -> ComposeResult:
        if self.goals:
            lines = [
                Content.assemble("• ", safe(g["text"]),
                                 (f"  confirmed {ago(g['confirmed_at'], self.today)}",
                                  "$foreground-muted"))
                for g in self.goals
            ]
            yield Static(Content("\n").join(lines), classes="dialog-list")
        else:
            yield Static(Content("No goals known yet."), classes="dialog-list")
        yield from _field("New goal", Input(compact=True,
            placeholder="empty + Enter: the goals above are still right", id="text"))
        yield Checkbox("replaces the goals above", id="replace", compact=True)

    def result(self) -> GoalUpdate:
        text = _text(self, "text")
        if not text and not self.goals:
            raise CrbError("there are no goals to confirm; type what they are working towards")
        return GoalUpdate(text or None, self.query_one("#replace", Checkbox).value)


class NoteDialog(Dialog[NewNote]):
    """A note, marked as their own words (a request, feedback, a need) or not."""

    def __init__(self, name: str) -> None:
        super().__init__(titled("A note about", name))

    def fields(self) -> ComposeResult:
        yield from _field("Note", _input("what they said or what to remember", "text"))
        yield Checkbox("their own words", id="their-words", compact=True)

    def result(self) -> NewNote:
        text = _text(self, "text")
        if not text:
            raise CrbError("a note needs some text")
        return NewNote(text, self.query_one("#their-words", Checkbox).value)


@dataclass
class DetailsUpdate:
    birthday: str | None
    """As typed; "" forgets it; None leaves it as it is."""
    detail: tuple[str, str | None] | None
    """(name, value) to remember, (name, None) to forget, None for no change."""


class DetailsDialog(Dialog[DetailsUpdate]):
    """Personal details worth remembering: a birthday, and details by name (family, coffee)."""

    def __init__(self, name: str, birthday: str | None, details: dict[str, Any]) -> None:
        super().__init__(titled("Details of", name))
        self.birthday = birthday
        self.details = details

    def fields(self) -> ComposeResult:
        from crb_tui.quantities import describe_birthday

        shown = describe_birthday(self.birthday) if self.birthday else ""
        yield from _field("Birthday", Input(
            value=shown, placeholder="12 April 1985, or 12 April", id="birthday", compact=True))
        if self.details:
            yield Static(Content("\n").join(
                Content.assemble("• ", (safe(k), "bold"), ": ", safe(str(v)))
                for k, v in self.details.items()), classes="dialog-list")
        yield from _field("Detail", _input("family: two kids, Mia and Leo", "detail"))
        yield Static(Content("Write name: value; a name with nothing after the colon forgets "
                             "it."), classes="dialog-list")

    def result(self) -> DetailsUpdate:
        from crb_tui.quantities import describe_birthday

        typed = _text(self, "birthday")
        shown = describe_birthday(self.birthday) if self.birthday else ""
        birthday = None if typed == shown else typed
        if birthday:
            parse_birthday(birthday, today=self.app.context.today())  # type: ignore[attr-defined]
        line = _text(self, "detail")
        detail: tuple[str, str | None] | None = None
        if line:
            key, colon, value = line.partition(":")
            if not colon or not key.strip():
                raise CrbError("write a detail as name: value (family: two kids)")
            detail = (key.strip(), value.strip() or None)
            if detail[1] is None and detail[0] not in self.details:
                raise CrbError(f"there is no detail {detail[0]!r} to forget")
        if birthday is None and detail is None:
            raise CrbError("nothing changed (Esc closes)")
        return DetailsUpdate(birthday, detail)


class MergeDialog(Dialog[int]):
    """Who this person really is: type part of a name, an e-mail or an id, pick from the people
    that match (the same look-up as the command palette: case and accents do not matter)."""

    def __init__(self, name: str, person_id: int) -> None:
        super().__init__(titled("Merge", name))
        self.person_id = person_id
        self.candidates: list[dict[str, Any]] = []
        self._looked_up = ""

    def fields(self) -> ComposeResult:
        yield Static(Content(
            "Everything they have (identities, touches, notes, commitments) moves to the "
            "person you pick here; u undoes it."), classes="dialog-list")
        yield from _field("Into", _input("part of a name, an e-mail or an id", "into"))
        yield OptionList(id="merge-candidates", compact=True)

    def on_mount(self) -> None:
        self.query_one("#merge-candidates", OptionList).display = False

    @on(Input.Changed, "#into")
    def _typed(self, event: Input.Changed) -> None:
        self._look_up(event.value.strip())

    @work(thread=True, exclusive=True, group="merge-look-up", exit_on_error=False)
    def _look_up(self, text: str) -> None:
        from crb_tui.store.queries import merge_candidates

        gateway = self.app.gateway  # type: ignore[attr-defined]
        found = gateway.run(lambda ctx: merge_candidates(ctx.store, text, self.person_id))
        self.app.call_from_thread(self._show, text, found)

    def _show(self, text: str, found: list[dict[str, Any]]) -> None:
        self.candidates, self._looked_up = found, text
        box = self.query_one("#merge-candidates", OptionList)
        box.clear_options()
        box.add_options([
            Option(Content.assemble(
                (safe(row["name"]), "bold"), (f"  id {row['id']}", "$foreground-muted"),
                *((f" · {safe(row['organization'])}", "$foreground-muted"),)
                if row.get("organization") else (),
                *((f" · {safe(row['identity'])}", "$foreground-muted"),)
                if row.get("identity") else (),
            ), id=str(row["id"])) for row in found])
        box.display = bool(found)
        if found:
            box.highlighted = 0
        self.show_error("" if found or not text else f"no one else matches \u201c{text}\u201d")
        if self._save_when_found and text == _text(self, "into"):
            self._save_when_found = False
            self.action_save()

    def on_key(self, event: Key) -> None:
        # Up and down pick among the people found while the cursor stays in the box.
        box = self.query_one("#merge-candidates", OptionList)
        if event.key in ("up", "down") and self.candidates and not box.has_focus:
            event.stop()
            box.action_cursor_up() if event.key == "up" else box.action_cursor_down()

    _save_when_found = False

    def action_save(self) -> None:
        # Enter typed faster than the look-up: save as soon as it has answered.
        if _text(self, "into") and _text(self, "into") != self._looked_up:
            self._save_when_found = True
            return
        super().action_save()

    @on(OptionList.OptionSelected, "#merge-candidates")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def result(self) -> int:
        text = _text(self, "into")
        if not text:
            raise CrbError("name the person to merge into")
        if not self.candidates:
            raise CrbError(f"no one else matches \u201c{text}\u201d: try part of a name, "
                           "an e-mail or an id")
        box = self.query_one("#merge-candidates", OptionList)
        return int(self.candidates[box.highlighted or 0]["id"])


class CadenceDialog(Dialog[Cadence]):
    """How often to be in touch, in days; empty goes back to the tier's default."""

    def __init__(self, name: str, current: int | None, default: int) -> None:
        super().__init__(titled("Cadence for", name))
        self.current = current
        self.default = default

    def fields(self) -> ComposeResult:
        default = f"{self.default} days" if self.default else "none"
        yield from _field("Every", Input(compact=True,
            value=str(self.current or ""),
            placeholder=f"14, 2w, 3m (empty: tier default, {default})", id="days"))

    def result(self) -> Cadence:
        text = _text(self, "days")
        if not text:
            return Cadence(None)
        return Cadence(parse_days(text))


class ChoiceDialog(TypeAhead, ModalScreen[str | None]):
    """Pick one option with its key (or the arrows and Enter); Esc cancels."""

    SCOPED_CSS = False
    CSS = DIALOG_CSS

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without choosing"),
        *FIELD_KEYS,
    ]

    def __init__(
        self, title: Content, choices: list[tuple[str, str, str]], *, current: str | None = None,
        note: str = "",
    ) -> None:
        super().__init__()
        self.dialog_title = title
        self.choices = choices
        self.current = current
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.dialog_title, classes="dialog-title")
            if self.note:
                yield Static(Content(self.note), classes="dialog-list")
            with Horizontal(classes="dialog-choices"):
                for key, label, value in self.choices:
                    mark = " •" if value == self.current else ""
                    yield Button(Content.assemble((key, "bold underline"), f" {label}{mark}"),
                                 name=value, compact=True)
            yield from self.extra()
            yield Static("", id="dialog-error", classes="dialog-error")
            yield Static(Content("Press a key, or arrows and Enter · Esc: cancel"),
                         classes="dialog-hint")

    def extra(self) -> ComposeResult:
        yield from ()

    def on_key(self, event: Key) -> None:
        if isinstance(self.focused, Input):
            return
        for key, _, value in self.choices:
            if event.key == key:
                event.stop()
                self.choose(value)
                return
        if event.key in ("left", "right"):
            event.stop()
            self.focus_next() if event.key == "right" else self.focus_previous()

    def choose(self, value: str) -> None:
        self.dismiss(value)

    def show_error(self, text: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(Content(text))
        error.display = bool(text)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.name:
            self.choose(event.button.name)

    def action_cancel(self) -> None:
        self.dismiss(None)


def tier_dialog(name: str, current: str | None) -> ChoiceDialog:
    keys = {"key": "k", "active": "a", "network": "n", "none": "x"}
    return ChoiceDialog(
        titled("Tier for", name), [(keys[t], t, t) for t in TIERS], current=current,
        note="The tier sets the default cadence and how much the review weighs them.",
    )


def stage_dialog(name: str, current: str | None) -> ChoiceDialog:
    keys = {"contact": "c", "transaction": "t", "relationship": "r", "partner": "p"}
    choices = [(keys[s], s, s) for s in STAGES] + [("d", "derive from data", "auto")]
    return ChoiceDialog(titled("Stage of", name), choices, current=current or "auto",
                        note="Normally derived from reciprocity, history, trust and value.")


class SnoozeDialog(ChoiceDialog):
    """Out of the review for a day, a week, a month, or until a date."""

    def __init__(self, name: str, today: dt.date) -> None:
        super().__init__(
            titled("Snooze", name),
            [("d", "1 day", "+1d"), ("w", "1 week", "+1w"), ("m", "1 month", "+1m")],
        )
        self.today = today

    def extra(self) -> ComposeResult:
        yield from _field("or until", _input("YYYY-MM-DD or +10d", "until"))

    def choose(self, value: str) -> None:
        try:
            until_day = parse_date(value, what="snooze until", base=self.today)
        except CrbError as exc:
            self.show_error(str(exc))
            return
        if until_day <= self.today:
            self.show_error("pick a date after today")
            return
        self.dismiss(until_day.isoformat())

    @on(Input.Submitted, "#until")
    def _until(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.choose(event.value.strip())


class CommitmentPicker(TypeAhead, ModalScreen[int | None]):
    """Which open commitment to close."""

    SCOPED_CSS = False
    CSS = DIALOG_CSS

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without choosing"),
    ]

    def __init__(self, title: Content, commitments: list[dict[str, Any]], today: dt.date) -> None:
        super().__init__()
        self.dialog_title = title
        self.commitments = commitments
        self.today = today

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Content.assemble(
                    ("You: " if c.get("direction", "out") == "out" else "They: ", "bold"),
                    safe(c["text"]),
                    (f"  due {c['due']} ({until(c['due'], self.today)})", "$foreground-muted"),
                ),
                id=str(c["id"]),
            )
            for c in self.commitments
        ]
        with Vertical(classes="dialog"):
            yield Static(self.dialog_title, classes="dialog-title")
            yield OptionList(*options, id="commitments", compact=True)
            yield Static(Content("Enter chooses · Esc: cancel"), classes="dialog-hint")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
