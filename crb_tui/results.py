"""What the ``health_signals`` and ``review_items`` hooks return: ``Signal`` and ``ReviewItem``.

Each checks its fields when it is made, so a plugin's mistake is a ``TypeError`` or
``ValueError`` in the plugin's own code (and its own tests), not an item CRB drops later. Dicts
with the same keys are still accepted from plugins written before these existed; that is
deprecated (see docs/plugins.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["GAUGES", "ReviewItem", "Signal", "from_dict"]

GAUGES: tuple[str, ...] = ("warmth", "trust", "value")
"""The gauges a signal may move."""


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return float(value)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text, not {type(value).__name__} {value!r}")
    return value


@dataclass(frozen=True)
class Signal:
    """One extra signal for a person's health: ``points`` added to ``gauge`` (negative to
    lower it), with the ``reason`` shown in the explanation of the score."""

    gauge: str
    """``"warmth"``, ``"trust"`` or ``"value"``."""
    points: float
    """Added to the gauge (0-100), negative to lower it; the gauge stays within 0-100, so
    points beyond -100 and 100 are taken as -100 and 100."""
    reason: str
    """Plain words, shown in ``crb show`` and the app's explanation of the score."""

    def __post_init__(self) -> None:
        if self.gauge not in GAUGES:
            raise ValueError(f"gauge must be one of {', '.join(GAUGES)}, not {self.gauge!r}")
        points = _number(self.points, "points")
        object.__setattr__(self, "points", max(-100.0, min(100.0, points)))
        _text(self.reason, "reason")


@dataclass(frozen=True)
class ReviewItem:
    """One extra item for today's review, about one person."""

    person_id: int
    """The person's id (``query.people()`` rows have it as ``id``)."""
    reason: str
    """Why this person needs the user today, in plain words."""
    action: str = ""
    """What to do about it (shown after an arrow)."""
    priority: float = 0
    """Higher comes first: CRB's own commitments start at 10000, theirs at 9000, people past
    cadence at 500, new people to triage at 100 (see docs/review.md)."""
    kind: str = "plugin"
    """A short name of the plugin's choosing; acting on an item of this kind answers it."""
    label: str = ""
    """The item's title in the app and in ``crb review`` (e.g. "Board meeting"); the kind when
    empty."""
    detail: dict[str, Any] = field(default_factory=dict)
    """Anything more, as JSON-able values: shown by ``crb review --json``."""

    def __post_init__(self) -> None:
        if isinstance(self.person_id, bool) or not isinstance(self.person_id, int):
            raise TypeError(f"person_id must be an integer, not {self.person_id!r}")
        object.__setattr__(self, "priority", _number(self.priority, "priority"))
        for name in ("reason", "action", "kind", "label"):
            _text(getattr(self, name), name)
        if not isinstance(self.detail, dict):
            raise TypeError(f"detail must be a dict, not {type(self.detail).__name__}")


def from_dict(cls: type[Signal] | type[ReviewItem], raw: dict[str, Any]) -> Any:
    """A result from a dict (the deprecated form): known keys only, unknown ones named in a
    ``ValueError``, like a missing one."""
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValueError(f"unknown key {', '.join(map(repr, unknown))}")
    try:
        return cls(**raw)
    except TypeError as exc:
        if "missing" in str(exc):
            missing = [n for n in names if n not in raw]
            raise ValueError(f"missing {', '.join(sorted(missing))}") from exc
        raise
