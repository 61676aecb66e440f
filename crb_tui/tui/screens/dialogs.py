"""Small modal forms for the actions on a person: each returns a typed result, or ``None``
when cancelled. Enter moves to the next field and saves from the last; Esc cancels.

One module per family, all importable from here: the frame every form shares and its fields
(``dialogs_form``), the forms that record what happened (``dialogs_log``: a touch, a promise,
value, goals, a note), the forms that change what is known about the person
(``dialogs_person``: details, cadence, merge) and the pickers (``dialogs_choice``: tier,
stage, snooze, which commitment)."""

from __future__ import annotations

from crb_tui.tui.screens.dialogs_choice import (
    ChoiceDialog,
    CommitmentPicker,
    SnoozeDialog,
    stage_dialog,
    tier_dialog,
)
from crb_tui.tui.screens.dialogs_form import (
    FIELD_KEYS,
    Choices,
    Dialog,
    titled,
)
from crb_tui.tui.screens.dialogs_log import (
    TOUCH_DIRECTIONS,
    TOUCH_KINDS,
    GoalDialog,
    GoalUpdate,
    LogTouch,
    LogTouchDialog,
    NewNote,
    NewPromise,
    NewValue,
    NoteDialog,
    PromiseDialog,
    ValueDialog,
)
from crb_tui.tui.screens.dialogs_person import (
    Cadence,
    CadenceDialog,
    DetailsDialog,
    DetailsUpdate,
    MergeDialog,
    MergeInto,
)

__all__ = [
    "FIELD_KEYS",
    "TOUCH_DIRECTIONS",
    "TOUCH_KINDS",
    "Cadence",
    "CadenceDialog",
    "ChoiceDialog",
    "Choices",
    "CommitmentPicker",
    "DetailsDialog",
    "DetailsUpdate",
    "Dialog",
    "GoalDialog",
    "GoalUpdate",
    "LogTouch",
    "LogTouchDialog",
    "MergeDialog",
    "MergeInto",
    "NewNote",
    "NewPromise",
    "NewValue",
    "NoteDialog",
    "PromiseDialog",
    "SnoozeDialog",
    "ValueDialog",
    "stage_dialog",
    "tier_dialog",
    "titled",
]
