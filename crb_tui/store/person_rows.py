"""One person's rows, plain, for what plugins read: the read-only ``crb_tui.query.Query`` of the
``health_signals`` and ``review_items`` hooks, and the history a ``health_signals`` hook is
given. Every row is a new dict; timestamps are UTC ISO text, dates ``YYYY-MM-DD``."""

from __future__ import annotations

import json
from typing import Any

from crb_tui.store import Store
from crb_tui.store.resolving import follow_merges

__all__ = [
    "commitments", "goals", "history", "identities", "identity_owner", "interactions",
    "latest_interactions", "notes", "people", "rows_of", "value_moments",
]

_PERSON_SQL = (
    "select p.id, p.name, o.name as org, p.title, p.tier, p.cadence_days, p.birthday, "
    "p.details, p.triage, p.archived, p.snoozed_until, p.source, p.created, p.updated "
    "from people p left join organizations o on o.id = p.org_id where p.merged_into is null"
)


def people(store: Store, *, person_id: int | None = None, tier: str | None = None,
           include_archived: bool = True, include_triage: bool = True) -> list[dict[str, Any]]:
    """People not merged away, by id (with their organization's name as ``org``): one, when
    ``person_id`` is given, or those of ``tier``."""
    sql, args = _PERSON_SQL, list[Any]()
    if person_id is not None:
        sql += " and p.id = ?"
        args.append(person_id)
    if tier is not None:
        sql += " and p.tier = ?"
        args.append(tier)
    if not include_archived:
        sql += " and not p.archived"
    if not include_triage:
        sql += " and not p.triage"
    return store.rows(sql + " order by p.id", args)


def identity_owner(store: Store, kind: str, value: str) -> int | None:
    """The id of the person the (normalised) identity belongs to, a merged-away person stood
    for by the one they were merged into; None when nobody has it."""
    row = store.conn.execute("select p.id from identities i join people p on p.id = i.person_id "
                             "where i.kind = ? and i.value = ?", [kind, value]).fetchone()
    if row is None:
        return None
    return follow_merges(store.conn, int(row[0]))


def identities(store: Store, person_id: int) -> list[dict[str, Any]]:
    """``kind``, ``value`` (normalised), ``display_name``, ``source``, by id."""
    return store.rows("select kind, value, display_name, source from identities "
                      "where person_id = ? order by id", [person_id])


def interactions(store: Store, person_id: int, *, before: str, since: str | None = None,
                 source: str | None = None) -> list[dict[str, Any]]:
    """Interactions before ``before`` (from ``since`` on, of ``source``, when given), oldest
    first."""
    sql = ("select id, kind, direction, at, subject, thread, duration_minutes, source, "
           "source_key from interactions where person_id = ? and at < ?")
    args: list[Any] = [person_id, before]
    if since is not None:
        sql += " and at >= ?"
        args.append(since)
    if source is not None:
        sql += " and source = ?"
        args.append(source)
    return store.rows(sql + " order by at, id", args)


def latest_interactions(store: Store, *, before: str, source: str | None = None,
                        kind: str | None = None, direction: str | None = None,
                        include_archived: bool = False) -> dict[int, dict[str, Any]]:
    """Each person's latest interaction before ``before`` (of ``source``, ``kind`` and
    ``direction``, when given), by person id: one pass over the interactions for everyone,
    where asking person by person costs a query each (seconds at 100,000 people)."""
    sql = ("select i.person_id, i.id, i.kind, i.direction, max(i.at) as at, i.subject, "
           "i.thread, i.duration_minutes, i.source, i.source_key "
           "from interactions i join people p on p.id = i.person_id "
           "where p.merged_into is null and i.at < ?")
    args: list[Any] = [before]
    for column, value in (("source", source), ("kind", kind), ("direction", direction)):
        if value is not None:
            sql += f" and i.{column} = ?"
            args.append(value)
    if not include_archived:
        sql += " and not p.archived"
    # (SQLite gives the other columns of the row whose ``at`` is the group's max)
    return {row.pop("person_id"): row for row in store.rows(sql + " group by i.person_id", args)}


def commitments(store: Store, person_id: int, *, status: str | None = None
                ) -> list[dict[str, Any]]:
    """Commitments (of ``status``, when given) by due date."""
    sql = ("select id, text, due, status, direction, created, closed_at from commitments "
           "where person_id = ?")
    args: list[Any] = [person_id]
    if status is not None:
        sql += " and status = ?"
        args.append(status)
    return store.rows(sql + " order by due, id", args)


def value_moments(store: Store, person_id: int) -> list[dict[str, Any]]:
    """Value moments, oldest first."""
    return store.rows("select id, kind, direction, at, note, amount from value_moments "
                      "where person_id = ? order by at, id", [person_id])


def goals(store: Store, person_id: int) -> list[dict[str, Any]]:
    """Current goals, by when last confirmed."""
    return store.rows("select id, text, confirmed_at from goals where person_id = ? "
                      "and active order by confirmed_at, id", [person_id])


def notes(store: Store, person_id: int) -> list[dict[str, Any]]:
    """Notes, oldest first."""
    return store.rows("select id, at, text, their_words from notes where person_id = ? "
                      "order by at, id", [person_id])


def rows_of(store: Store, person_ids: list[int]) -> list[dict[str, Any]]:
    """The ``people`` rows (every column) of ``person_ids``, by id: what ``health_signals`` is
    given as ``person``, for many people in one query."""
    return store.rows(
        "select * from people where id in (select value from json_each(?)) order by id",
        [json.dumps(person_ids)])


def history(store: Store, person_id: int, cut: str) -> dict[str, list[dict[str, Any]]]:
    """Every column of the person's ``interactions`` and ``value_moments`` before ``cut`` and
    of all their ``commitments``: what a ``health_signals`` hook is given."""
    return {
        "interactions": store.rows(
            "select * from interactions where person_id = ? and at < ? order by at, id",
            [person_id, cut]),
        "commitments": store.rows(
            "select * from commitments where person_id = ? order by due, id", [person_id]),
        "value_moments": store.rows(
            "select * from value_moments where person_id = ? and at < ? order by at, id",
            [person_id, cut]),
    }
