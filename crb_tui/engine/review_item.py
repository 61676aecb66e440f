"""One item of the daily review (``ReviewItem``), the priorities items are ranked by (``BASE``,
``TIER_WEIGHT``) and the small date helpers the review's builders share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crb_tui.clock import local_date
from crb_tui.text import plural

__all__ = ["BASE", "TIER_WEIGHT", "ReviewItem"]

TIER_WEIGHT = {"key": 3.0, "active": 2.0, "network": 1.0, "none": 0.5}

# Base priorities: commitments first (nothing else can outrank them), then what cannot wait
# (today's meetings, a birthday), then people past cadence (500 + 100 * min(ratio, 5) * tier
# weight, so at most 2000) and key or active people never touched yet (ranked as one cadence
# late), after-care, fading, stale goals and new people to triage (100 plus their evidence,
# under 200).
BASE = {
    "commitment": 10_000,
    "their_commitment": 9_000,
    "meeting": 3_000,
    "past_cadence": 500,
    "no_touch": 500,
    "aftercare": 450,
    "anniversary": 2_500,
    "fading": 300,
    "stale_goal": 200,
    "triage": 100,
}


@dataclass
class ReviewItem:
    kind: str
    person_id: int
    person_name: str
    reason: str
    action: str
    priority: float
    detail: dict[str, Any] = field(default_factory=dict)
    also: list[str] = field(default_factory=list)
    label: str = ""
    """A plugin's title for its item; CRB's own items are titled by their kind."""
    also_today: bool = False
    """One of the reasons folded into ``also`` is time-bound (a meeting or a birthday today):
    the item keeps a place of its own in a busy day's review."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "person": {"id": self.person_id, "name": self.person_name},
            "reason": self.reason,
            "action": self.action,
            "priority": round(self.priority, 2),
            "detail": self.detail,
            "also": self.also,
            **({"label": self.label} if self.label else {}),
        }


def _days(a: dt.date, b: dt.date) -> int:
    return (a - b).days


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return local_date(text)  # a stamp's date in [me] timezone
    except ValueError:
        return None



def ago_or_today(days: int) -> str:
    """``today``, or how long ago ("3 days ago", "7 months ago"): never "0 days ago"."""
    return "today" if days == 0 else f"{ago(days)} ago"


def ago(days: int) -> str:
    """How long ago, in the unit a person would say: days up to two months, then months, then
    years ("45 days", "7 months", "26 years")."""
    if days < 60:
        return plural(days, "day")
    if days < 730:
        return plural(round(days / 30.44), "month")
    return plural(round(days / 365.25), "year")
