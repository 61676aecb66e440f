"""A person's scores as the engine gives them: ``Health`` (the gauges, trend, stage and flags)
and each gauge's explanation as ``Part``s."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from crb_tui.results import GAUGES

SIGNAL_GAUGES: tuple[str, ...] = GAUGES
"""The gauges a plugin's ``health_signals`` may move (``crb_tui.results.GAUGES``)."""
EXPLAINED: tuple[str, ...] = ("warmth", "trust", "value", "health", "trend", "stage")
"""What an explanation has parts for, in order."""


@dataclass
class Part:
    """One part of a score: what it adds (``value``), in plain words, and the events behind it."""

    gauge: str
    label: str
    value: float | None
    """Points this part adds to the gauge; for Health a number described in ``detail``."""
    detail: str
    events: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Health:
    """One person's scores, as ``compute_all`` stores them, with their explanation."""

    person_id: int
    warmth: int
    trust: int
    value: int | None
    """None when nothing is known about value (docs/health.md)."""
    health: int
    trend: str
    health_past: int
    stage: str
    stage_derived: str
    one_sided: bool
    last_touch: str | None
    last_two_way: str | None
    cadence_days: int
    overdue: float | None
    explanation: dict[str, list[Part]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A stable JSON shape: every field, and the explanation as gauge -> list of parts."""
        return {
            "person_id": self.person_id,
            "warmth": self.warmth,
            "trust": self.trust,
            "value": self.value,
            "health": self.health,
            "trend": self.trend,
            "health_past": self.health_past,
            "stage": self.stage,
            "stage_derived": self.stage_derived,
            "one_sided": self.one_sided,
            "last_touch": self.last_touch,
            "last_two_way": self.last_two_way,
            "cadence_days": self.cadence_days,
            "overdue": self.overdue,
            "explanation": {
                gauge: [part.as_dict() for part in self.explanation.get(gauge, [])]
                for gauge in EXPLAINED
            },
        }
