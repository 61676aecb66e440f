"""Typed messages that carry results from database workers back to the screens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from crb_tui.engine.review_item import ReviewItem
from crb_tui.tui.undo import UndoStep


@dataclass
class ReviewLoaded(Message):
    """Today's queue and how far through it the user is."""

    items: list[ReviewItem]
    done: int
    total: int
    focus_person: int | None = None
    empty_store: bool = False
    """No people at all yet: the screen says how to bring some in."""
    warnings: list[str] = field(default_factory=list)
    """What went wrong with plugins' review items (the rest of the review stands)."""
    day: Any = None
    """The day the queue is for (a new day orders it afresh)."""
    why: str = "own"
    """What read it again: ``own`` (the app's own action, or coming back to the screen),
    ``others`` (another program wrote), ``refresh`` (the user asked: ordered afresh)."""


@dataclass
class CardLoaded(Message):
    """Everything the review card shows about one person."""

    person_id: int
    card: dict[str, Any]
    token: Any = None
    """The gateway's change token as the card was read (a card read before a later write is
    not shown: see ``review_cards``)."""
    ahead: bool = False
    """Read ahead, before the user moved to it."""


@dataclass
class PersonLoaded(Message):
    """Everything the person screen shows."""

    person_id: int
    page: dict[str, Any]


@dataclass
class ActionDone(Message):
    """An action was stored; ``step`` can undo it."""

    step: UndoStep
    message: str
    answers_all: bool = False
    """The action takes the person out of today's review (a snooze, an archive)."""
    after: Any = None
    """What the screen read again in the action's own worker (see
    ``ActingScreen.after_action``), or ``None``."""
    tokens: Any = None
    """The gateway's change token just before the action and just after it (``None``: not
    known), which tells the screen whether anyone else wrote meanwhile."""


@dataclass
class Undone(Message):
    """The last action was undone."""

    step: UndoStep


@dataclass
class Merged(Message):
    """``merged_id`` now lives on as ``kept_id``."""

    merged_id: int
    kept_id: int


@dataclass
class PeopleQueried(Message):
    """A new search or sort: how many match and the rows of one page (``page``, the first
    unless the list keeps its place). ``ids`` are everyone matching in list order (``None``
    in the quick first look at the whole list, which comes before them)."""

    generation: int
    total: int
    first_page: Sequence[dict[str, Any] | None]
    ids: Sequence[int] | None = None
    page: int = 0


@dataclass
class PeoplePageLoaded(Message):
    """One page of the people list (``None`` for anyone gone since the list was read)."""

    generation: int
    page: int
    rows: list[dict[str, Any] | None]


@dataclass
class DashboardLoaded(Message):
    """The portfolio at a glance."""

    data: dict[str, Any]


@dataclass
class SyncOverviewLoaded(Message):
    """Every source with its last run."""

    sources: list[dict[str, Any]]


@dataclass
class SyncProgress(Message):
    """A source reported progress."""

    source: str
    done: int
    total: int | None
    message: str


@dataclass
class SyncFinished(Message):
    """A sync run ended (finished, failed or cancelled)."""

    summaries: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
