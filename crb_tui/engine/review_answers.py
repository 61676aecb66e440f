"""Which of today's actions answer which review items.

An action clears a review item only when it answers that item's reason: logging a touch answers
"past cadence" and "no touch yet", keeping a commitment closes that commitment (it leaves the
queue by itself), snoozing and archiving answer everything. Setting a tier on someone whose
promise is due today answers the triage question, not the promise. A meeting brief is never
answered: it shows on the day of the meeting whatever was done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crb_tui.store import Store
from crb_tui.store.review_queries import actions_on

BUILTIN_KINDS = frozenset({
    "commitment", "their_commitment", "meeting", "past_cadence", "no_touch", "aftercare",
    "anniversary", "fading", "stale_goal", "triage",
})

ANSWERS: dict[str, frozenset[str]] = {
    # A touch is what "reach out" asks for; it also answers a birthday note, a fading
    # relationship and an after-care check-in.
    "log": frozenset({"past_cadence", "no_touch", "fading", "aftercare", "anniversary"}),
    # A new cadence says how often the user means to be in touch: the lateness is re-judged.
    "cadence": frozenset({"past_cadence", "no_touch"}),
    "goal": frozenset({"stale_goal"}),
    "value": frozenset({"fading", "aftercare"}),
    # Accepting someone new with a tier is the triage answer (``set_tier`` clears the flag).
    "tier": frozenset({"triage"}),
    # Keeping or breaking closes that one commitment, which then leaves the queue by itself;
    # another commitment of theirs due today stays.
    "done": frozenset(),
}
ANSWERS_ALL = frozenset({"snooze", "archive"})
"""Actions that take the person out of today's review altogether."""
NEVER_ANSWERED = frozenset({"meeting"})
"""Items no action clears: a meeting brief shows on the day of the meeting."""


@dataclass
class Answered:
    """What the user did today, person by person."""

    actions: dict[int, set[str]] = field(default_factory=dict)
    """person id -> the actions taken on them today."""
    on_items: dict[int, set[str]] = field(default_factory=dict)
    """person id -> the kinds of the review items those actions were taken on."""

    def clears(self, person_id: int, kind: str) -> bool:
        """Whether something done today answers this person's item of this kind."""
        if kind in NEVER_ANSWERED:
            return False
        done = self.actions.get(person_id, set())
        if done & ANSWERS_ALL:
            return True
        if kind not in BUILTIN_KINDS:
            # A plugin's item: answered by any action taken on that item.
            return kind in self.on_items.get(person_id, set())
        return any(kind in ANSWERS.get(action, ()) for action in done)

    def worked_on(self) -> set[int]:
        """People on whom the user did review work today (a note or a stage alone is not)."""
        counted = set(ANSWERS) | ANSWERS_ALL
        return {
            pid for pid, done in self.actions.items()
            if done & counted or self.on_items.get(pid, set()) - BUILTIN_KINDS
        }

    def triaged(self) -> set[int]:
        """The people acted on from a triage card today."""
        return {pid for pid, kinds in self.on_items.items() if "triage" in kinds}


def answered_today(store: Store, today: dt.date) -> Answered:
    result = Answered()
    for pid, action, kind in actions_on(store, today.isoformat()):
        if action == "unsnooze":
            # A snooze ended early: it no longer answers that person's items today.
            result.actions.setdefault(pid, set()).discard("snooze")
            continue
        result.actions.setdefault(pid, set()).add(action)
        if kind:
            result.on_items.setdefault(pid, set()).add(kind)
    return result
