"""The dialogs that pick one of a few things: :class:`ChoiceDialog` (one option by its key:
the tier, the stage), :class:`SnoozeDialog` (a day, a week, a month or a date) and
:class:`CommitmentPicker` (which open commitment to close)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from crb_tui.clock import parse_date
from crb_tui.errors import CrbError
from crb_tui.records import STAGES, TIERS
from crb_tui.tui.display import safe, until
from crb_tui.tui.screens.dialog_css import DIALOG_CSS
from crb_tui.tui.screens.dialogs_form import FIELD_KEYS, field, text_input, titled
from crb_tui.tui.screens.type_ahead import TypeAhead


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
    """Out of the review for a day, a week, a month, or until a date; for someone snoozed, also
    ``e``: end the snooze now (:attr:`END`)."""

    END = "end"

    def __init__(self, name: str, today: dt.date, snoozed_until: str | None = None) -> None:
        snoozed = bool(snoozed_until) and str(snoozed_until) > today.isoformat()
        super().__init__(
            titled("Snooze", name),
            [("d", "1 day", "+1d"), ("w", "1 week", "+1w"), ("m", "1 month", "+1m"),
             *([("e", "end the snooze", self.END)] if snoozed else [])],
            note=f"Snoozed until {snoozed_until}." if snoozed else "",
        )
        self.today = today

    def extra(self) -> ComposeResult:
        yield from field("or until", text_input("YYYY-MM-DD or +10d", "until"))

    def on_key(self, event: Key) -> None:
        """A digit or a sign typed at the dialog starts a date ("2026-12-20", "+10d"): it goes
        to the "or until" field, which takes the keys after it (trial: the digits were dropped
        and the "d" of "+10d" picked one day)."""
        if isinstance(self.focused, Input):
            return
        box = self.query_one("#until", Input)
        if box.value and event.key == "enter":  # the date typed, before its field had the focus
            event.stop()
            event.prevent_default()
            self.choose(box.value.strip())
            return
        if not event.is_printable or not event.character:
            return
        # Once a date is begun, its letters ("d" of "+10d") are its own, even before the focus
        # (which Textual moves after the keys already queued) has reached the field.
        if box.value or event.character.isdigit() or event.character in "+-":
            event.stop()
            event.prevent_default()  # (ChoiceDialog.on_key, called next by Textual, stays out)
            box.focus()
            box.insert_text_at_cursor(event.character)

    def choose(self, value: str) -> None:
        if value == self.END and any(v == self.END for _, _, v in self.choices):
            self.dismiss(value)
            return
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
