"""``Query``: the read-only view of CRB's data that the ``health_signals`` and ``review_items``
hooks (and plugin commands) read through, instead of the store and its private schema.

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

_PERSON_SQL = (
    "select p.id, p.name, o.name as org, p.title, p.tier, p.cadence_days, p.birthday, "
    "p.details, p.triage, p.archived, p.snoozed_until, p.source, p.created, p.updated "
    "from people p left join organizations o on o.id = p.org_id where p.merged_into is null"
)


class Query:
    """Read-only questions about CRB's data, as of ``today``."""

    def __init__(self, store: Store, today: dt.date) -> None:
        self._store = store
        self.today = today
        """The day the review or the scores are for (CRB's one clock, ``CRB_TODAY`` honoured)."""

    def _rows(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._store.db.query(sql, list(args))]

    def people(self, *, tier: str | None = None, include_archived: bool = False,
               include_triage: bool = True) -> list[dict[str, Any]]:
        """Every person (merged-away duplicates never), by id; only those of ``tier``
        (``key``, ``active``, ``network``, ``none``) when given."""
        sql, args = _PERSON_SQL, []
        if tier is not None:
            sql += " and p.tier = ?"
            args.append(tier)
        if not include_archived:
            sql += " and not p.archived"
        if not include_triage:
            sql += " and not p.triage"
        return self._rows(sql + " order by p.id", args)

    def person(self, person_id: int) -> dict[str, Any] | None:
        """One person, or None when there is nobody with that id (or they were merged away)."""
        rows = self._rows(_PERSON_SQL + " and p.id = ?", [person_id])
        return rows[0] if rows else None

    def find_person(self, kind: str, value: str) -> int | None:
        """The id of the person an identity (``"email"``, ``"phone"``, ``"url"``, ``"handle"``)
        belongs to, the value normalised as the store does; None when nobody has it."""
        norm = normalise(kind, value, self._store.phone_region)
        if norm is None:
            return None
        rows = self._rows(
            "select p.id from identities i join people p on p.id = i.person_id "
            "where i.kind = ? and i.value = ?", [kind, norm])
        if not rows:
            return None
        pid = int(rows[0]["id"])
        # A merged-away person stands for the one they were merged into.
        for _ in range(50):
            row = self._rows("select merged_into from people where id = ?", [pid])
            if not row or row[0]["merged_into"] is None:
                break
            pid = int(row[0]["merged_into"])
        return pid

    def identities(self, person_id: int) -> list[dict[str, Any]]:
        """The person's identities: ``kind``, ``value`` (normalised), ``display_name``,
        ``source``."""
        return self._rows("select kind, value, display_name, source from identities "
                          "where person_id = ? order by id", [person_id])

    def interactions(self, person_id: int, *, since: dt.date | None = None,
                     source: str | None = None) -> list[dict[str, Any]]:
        """The person's interactions that have happened (as of ``today``: a meeting later today
        or next week has not), oldest
        first: ``kind``, ``direction``, ``at``, ``subject``, ``thread``, ``duration_minutes``,
        ``source``, ``source_key``; only from ``since`` on, or from one ``source``, when given."""
        sql = ("select id, kind, direction, at, subject, thread, duration_minutes, source, "
               "source_key from interactions where person_id = ? and at < ?")
        args: list[Any] = [person_id, happened_before(self.today).isoformat()]
        if since is not None:
            sql += " and at >= ?"
            args.append(since.isoformat())
        if source is not None:
            sql += " and source = ?"
            args.append(source)
        return self._rows(sql + " order by at, id", args)

    def commitments(self, person_id: int, *, status: str | None = None) -> list[dict[str, Any]]:
        """The person's commitments by due date: ``text``, ``due``, ``status`` (``open``,
        ``kept``, ``broken``), ``direction`` (``out``: yours, ``in``: theirs), ``created``,
        ``closed_at``."""
        sql = ("select id, text, due, status, direction, created, closed_at from commitments "
               "where person_id = ?")
        args: list[Any] = [person_id]
        if status is not None:
            sql += " and status = ?"
            args.append(status)
        return self._rows(sql + " order by due, id", args)

    def value_moments(self, person_id: int) -> list[dict[str, Any]]:
        """The person's value moments, oldest first: ``kind``, ``direction`` (``given``,
        ``received``), ``at``, ``note``, ``amount``."""
        return self._rows("select id, kind, direction, at, note, amount from value_moments "
                          "where person_id = ? order by at, id", [person_id])

    def goals(self, person_id: int) -> list[dict[str, Any]]:
        """The person's current goals: ``text``, ``confirmed_at``."""
        return self._rows("select id, text, confirmed_at from goals where person_id = ? "
                          "and active order by confirmed_at, id", [person_id])

    def notes(self, person_id: int) -> list[dict[str, Any]]:
        """The person's notes, oldest first: ``at``, ``text``, ``their_words`` (0 or 1)."""
        return self._rows("select id, at, text, their_words from notes where person_id = ? "
                          "order by at, id", [person_id])
