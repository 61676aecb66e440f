"""The dialogs that record something that happened with a person, each returning what to
store: a touch (:class:`LogTouchDialog`), a promise (:class:`PromiseDialog`), value given or
received (:class:`ValueDialog`), their goals (:class:`GoalDialog`) and a note
(:class:`NoteDialog`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Checkbox, Input, RadioSet, Static

from crb_tui import clock
from crb_tui.clock import parse_date, parse_datetime
from crb_tui.errors import CrbError
from crb_tui.quantities import parse_amount
from crb_tui.records import VALUE_KINDS
from crb_tui.store.actions import DEFAULT_DIRECTION
from crb_tui.tui.display import ago, safe
from crb_tui.tui.screens.dialogs_form import (
    Choices,
    Dialog,
    chosen,
    field,
    radio,
    text_input,
    text_of,
    titled,
)

TOUCH_KINDS = ("call", "meeting", "message", "email", "note")
TOUCH_DIRECTIONS = (("out", "by you"), ("in", "by them"), ("mutual", "together"))


@dataclass(frozen=True)
class LogTouch:
    kind: str
    direction: str
    note: str | None
    at: dt.datetime | None = None
    """When it happened; None: now."""


def when_it_happened(text: str, today: dt.date) -> dt.datetime | None:
    """A touch's moment in the forms `crb log --at` takes (``2026-12-01``, ``yesterday``,
    ``-3d``, ``monday``: a day, at noon; ``2026-12-01T14:30``: a moment) in the user's time
    zone; ``None`` (now) for nothing or today; never later than now."""
    raw = text.strip()
    if not raw:
        return None
    tz = clock.user_tz()
    at = parse_datetime(raw, tz, what="when")
    if ":" not in raw:  # a day ("2026-12-01" would be its midnight)
        day = at.astimezone(tz).date()
        if day == today:
            return None
        if day > today:
            raise CrbError(f"when: {raw!r} is {day}, after today; log what has happened")
        return dt.datetime.combine(day, dt.time(12, 0), tzinfo=tz)
    if at > clock.now():
        raise CrbError(f"when: {raw!r} is {at:%Y-%m-%d %H:%M}, later than now; "
                       "log what has happened")
    return at


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


class LogTouchDialog(Dialog[LogTouch]):
    """A call, meeting, message, e-mail or note, who started it, what was said and when
    (now unless told: Enter saves from the note, Tab goes on to When)."""

    SAVES_FROM = "note"
    HINT = "Enter: next; on Note, save · Tab: next field (When) · Esc: cancel"

    def __init__(self, name: str, today: dt.date | None = None) -> None:
        super().__init__(titled("Log a touch with", name))
        self.today = today or clock.today()

    def fields(self) -> ComposeResult:
        yield from radio("Kind", [(k, k) for k in TOUCH_KINDS], "call", id="kind")
        yield from radio("Direction", list(TOUCH_DIRECTIONS), DEFAULT_DIRECTION["call"],
                          id="direction")
        yield from field("Note", text_input("what you talked about (optional)", "note"))
        yield from field("When", text_input(
            "now, or: yesterday 14:00, friday, -3d, 2026-12-01 14:30", "at"))

    def picked(self, choices: RadioSet, name: str) -> None:
        if choices.id == "kind":
            self.query_one("#direction", Choices).choose(DEFAULT_DIRECTION.get(name, "out"))

    @on(RadioSet.Changed, "#kind")
    def _kind_clicked(self, event: RadioSet.Changed) -> None:
        self.picked(event.radio_set, event.pressed.name or "call")

    def result(self) -> LogTouch:
        return LogTouch(chosen(self, "kind"), chosen(self, "direction"),
                        text_of(self, "note") or None,
                        when_it_happened(text_of(self, "at"), self.today))


class PromiseDialog(Dialog[NewPromise]):
    """A commitment with a due date, made by the user or by them."""

    def __init__(self, name: str, today: dt.date) -> None:
        super().__init__(titled("A promise with", name))
        self.today = today

    def fields(self) -> ComposeResult:
        yield from field("Promise", text_input("send the proposal", "text"))
        yield from field("Due", text_input("YYYY-MM-DD, tomorrow, friday, next week, +2w", "due"))
        yield from radio("Who", [("out", "I promise"), ("in", "they promised")], "out",
                          id="direction")

    def result(self) -> NewPromise:
        text = text_of(self, "text")
        if not text:
            raise CrbError("say what is promised")
        due_text = text_of(self, "due")
        if not due_text:
            raise CrbError("give a due date (a date, tomorrow, friday, next week, +3d, +2w)")
        due = parse_date(due_text, what="due", base=self.today)
        if due < self.today:
            raise CrbError(f"{due} is in the past; a new promise is due today or later")
        return NewPromise(text, due, chosen(self, "direction"))


class ValueDialog(Dialog[NewValue]):
    """Value given or received: an intro, advice, a resource, a referral, a deal."""

    def __init__(self, name: str) -> None:
        super().__init__(titled("Value with", name))

    def fields(self) -> ComposeResult:
        yield from radio("Kind", [(k, k) for k in VALUE_KINDS], "intro", id="kind")
        yield from radio("Direction", [("given", "given"), ("received", "received")], "given",
                          id="direction")
        yield from field("Note", text_input("introduced them to …", "note"))
        yield from field("Amount", text_input("for a deal (optional): 12000, 12k, 1.5k", "amount"))

    def result(self) -> NewValue:
        amount_text = text_of(self, "amount")
        amount = parse_amount(amount_text) if amount_text else None
        return NewValue(chosen(self, "kind"), chosen(self, "direction"),
                        text_of(self, "note") or None, amount)


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
        yield from field("New goal", Input(compact=True,
            placeholder="empty + Enter: the goals above are still right", id="text"))
        yield Checkbox("replaces the goals above", id="replace", compact=True)

    def action_enter(self) -> None:
        box = self.query_one("#text", Input)
        if self.focused is not box:
            super().action_enter()
            return

        # As the box says: Enter on an empty goal confirms the goals shown (there is nothing
        # to replace them with); on a goal, it goes on to "replaces". Read once the keys typed
        # before Enter have reached the box.
        def go_on() -> None:
            if text_of(self, "text"):
                self.set_focus(self.query_one("#replace", Checkbox))
            else:
                self.action_save()

        box.call_later(go_on)

    def result(self) -> GoalUpdate:
        text = text_of(self, "text")
        if not text and not self.goals:
            raise CrbError("there are no goals to confirm; type what they are working towards")
        return GoalUpdate(text or None, self.query_one("#replace", Checkbox).value)


class NoteDialog(Dialog[NewNote]):
    """A note, marked as their own words (a request, feedback, a need) or not."""

    def __init__(self, name: str) -> None:
        super().__init__(titled("A note about", name))

    def fields(self) -> ComposeResult:
        yield from field("Note", text_input("what they said or what to remember", "text"))
        yield Checkbox("their own words", id="their-words", compact=True)

    def result(self) -> NewNote:
        text = text_of(self, "text")
        if not text:
            raise CrbError("a note needs some text")
        return NewNote(text, self.query_one("#their-words", Checkbox).value)
