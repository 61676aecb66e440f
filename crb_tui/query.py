"""``Query``: the read-only view of CRB's data that the ``health_signals`` and ``review_items``
hooks (and plugin commands) read through, instead of the store and its private schema (the
statements are the store's: ``crb_tui.store.person_rows``).

Every method returns plain values: rows as new dicts (changing one changes nothing stored),
timestamps as UTC ISO text (``2026-05-01T09:30:00+00:00``, sortable as text), dates as
``YYYY-MM-DD``. Methods and row fields are listed in docs/plugins.md ("The query object").
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crb_tui.clock import happened_before
from crb_tui.identity import normalise

if TYPE_CHECKING:
    from crb_tui.store import Store

__all__ = ["PERSON_FIELDS", "Query"]

PERSON_FIELDS = (
    "id", "name", "org", "title", "tier", "cadence_days", "birthday", "details", "triage",
    "archived", "snoozed_until", "source", "created", "updated",
)
"""The fields of a person row from ``Query.person`` / ``Query.people``."""


class Query:
    """Read-only questions about CRB's data, as of ``today``."""

    def __init__(self, store: Store, today: dt.date) -> None:
        # (loaded here, not with ``crb_tui``: a plugin's import need not load the store)
        from crb_tui.store import person_rows

        self._rows = person_rows
        self._store = store
        self.today = today
        """The day the review or the scores are for (CRB's one clock, ``CRB_TODAY`` honoured)."""

    def people(self, *, tier: str | None = None, include_archived: bool = False,
               include_triage: bool = True) -> list[dict[str, Any]]:
        """Every person (merged-away duplicates never), by id; only those of ``tier``
        (``key``, ``active``, ``network``, ``none``) when given."""
        return self._rows.people(self._store, tier=tier, include_archived=include_archived,
                                  include_triage=include_triage)

    def person(self, person_id: int) -> dict[str, Any] | None:
        """One person, or None when there is nobody with that id (or they were merged away)."""
        rows = self._rows.people(self._store, person_id=person_id)
        return rows[0] if rows else None

    def find_person(self, kind: str, value: str) -> int | None:
        """The id of the person an identity (``"email"``, ``"phone"``, ``"url"``, ``"handle"``)
        belongs to, the value normalised as the store does; None when nobody has it."""
        norm = normalise(kind, value, self._store.phone_region)
        if norm is None:
            return None
        return self._rows.identity_owner(self._store, kind, norm)

    def identities(self, person_id: int) -> list[dict[str, Any]]:
        """The person's identities: ``kind``, ``value`` (normalised), ``display_name``,
        ``source``."""
        return self._rows.identities(self._store, person_id)

    def interactions(self, person_id: int, *, since: dt.date | None = None,
                     source: str | None = None) -> list[dict[str, Any]]:
        """The person's interactions that have happened (as of ``today``: a meeting later today
        or next week has not), oldest
        first: ``kind``, ``direction``, ``at``, ``subject``, ``thread``, ``duration_minutes``,
        ``source``, ``source_key``; only from ``since`` on, or from one ``source``, when given."""
        return self._rows.interactions(
            self._store, person_id, before=happened_before(self.today).isoformat(),
            since=None if since is None else since.isoformat(), source=source)

    def latest_interactions(self, *, source: str | None = None, kind: str | None = None,
                            direction: str | None = None, include_archived: bool = False
                            ) -> dict[int, dict[str, Any]]:
        """Everyone's latest interaction that has happened (as of ``today``), by person id, in
        one query: only those of ``source``, ``kind`` (``email``, ``meeting``...) and
        ``direction`` (``in``, ``out``, ``mutual``) when given; people with none are left out,
        and so are archived people unless ``include_archived``. The rows are those of
        :meth:`interactions`. For a question about everyone (who has gone quiet on a channel),
        this instead of :meth:`interactions` person by person, a query each."""
        return self._rows.latest_interactions(
            self._store, before=happened_before(self.today).isoformat(), source=source,
            kind=kind, direction=direction, include_archived=include_archived)

    def commitments(self, person_id: int, *, status: str | None = None) -> list[dict[str, Any]]:
        """The person's commitments by due date: ``text``, ``due``, ``status`` (``open``,
        ``kept``, ``broken``), ``direction`` (``out``: yours, ``in``: theirs), ``created``,
        ``closed_at``."""
        return self._rows.commitments(self._store, person_id, status=status)

    def value_moments(self, person_id: int) -> list[dict[str, Any]]:
        """The person's value moments, oldest first: ``kind``, ``direction`` (``given``,
        ``received``), ``at``, ``note``, ``amount``."""
        return self._rows.value_moments(self._store, person_id)

    def goals(self, person_id: int) -> list[dict[str, Any]]:
        """The person's current goals: ``text``, ``confirmed_at``."""
        return self._rows.goals(self._store, person_id)

    def notes(self, person_id: int) -> list[dict[str, Any]]:
        """The person's notes, oldest first: ``at``, ``text``, ``their_words`` (0 or 1)."""
        return self._rows.notes(self._store, person_id)
