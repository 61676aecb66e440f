"""Read-side queries shared by the CLI and the TUI: the people list (searched, sorted, paged in
SQL) and everything about one person."""

from __future__ import annotations

import json
import re
from typing import Any

from crb_tui.errors import CrbError
from crb_tui.store import Store

SORTS = {
    "name": "p.name collate nocase asc, p.id",
    "health": "coalesce(h.health, -1) asc, p.name collate nocase, p.id",
    "-health": "coalesce(h.health, -1) desc, p.name collate nocase, p.id",
    "last_touch": "coalesce(h.last_touch, '') desc, p.id",
    "overdue": "coalesce(h.overdue, -1e9) desc, p.id",
    "created": "p.id desc",
}

# What a row of the people list holds: the same for a page by offset and for a slice of ids.
_LIST_ROWS = """
        select p.id, p.name, o.name as organization, p.title, p.tier, p.cadence_days,
          p.triage, p.archived, p.snoozed_until,
          h.stage, h.health, h.trust, h.value, h.warmth, h.trend, h.one_sided,
          h.last_touch, h.overdue, h.cadence_days as effective_cadence
        from people p
        left join organizations o on o.id = p.org_id
        left join health h on h.person_id = p.id"""

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """Turn what a person types into a safe FTS5 prefix query (every word must match)."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens)


def _search_clause(search: str | None) -> tuple[str, list[Any]]:
    if not search or not search.strip():
        return "", []
    match = fts_query(search)
    like = (
        "%"
        + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        + "%"
    )
    parts = ["p.id in (select person_id from identities where value like ? escape '\\')"]
    params: list[Any] = [like]
    if match:
        parts += [
            "p.id in (select rowid from people_fts where people_fts match ?)",
            "p.org_id in (select rowid from organizations_fts where organizations_fts match ?)",
            "p.id in (select n.person_id from notes n join notes_fts f on f.rowid = n.id "
            "where notes_fts match ?)",
        ]
        params += [match, match, match]
    return " and (" + " or ".join(parts) + ")", params


def list_people(
    store: Store,
    *,
    search: str | None = None,
    sort: str = "name",
    limit: int | None = None,
    offset: int = 0,
    include_archived: bool = False,
    include_triage: bool = True,
) -> list[dict[str, Any]]:
    if sort not in SORTS:
        raise CrbError(f"unknown sort {sort!r} (use {', '.join(SORTS)})")
    where, params = _search_clause(search)
    if not include_archived:
        where += " and p.archived = 0"
    if not include_triage:
        where += " and p.triage = 0"
    paging = ""
    if limit is not None:
        paging = " limit ? offset ?"
        params += [limit, offset]
    sql = f"""{_LIST_ROWS}
        where p.merged_into is null {where}
        order by {SORTS[sort]}{paging}
    """
    return list(store.db.query(sql, params))


def people_ids(
    store: Store,
    *,
    search: str | None = None,
    sort: str = "name",
    include_archived: bool = False,
) -> list[int]:
    """Every matching person's id in list order: one query, then any page is cheap to fetch
    with :func:`people_rows` (an OFFSET deep into 100,000 rows re-sorts them all each time)."""
    if sort not in SORTS:
        raise CrbError(f"unknown sort {sort!r} (use {', '.join(SORTS)})")
    where, params = _search_clause(search)
    if not include_archived:
        where += " and p.archived = 0"
    join = "left join health h on h.person_id = p.id" if "h." in SORTS[sort] else ""
    sql = (
        f"select p.id from people p {join} where p.merged_into is null {where} "
        f"order by {SORTS[sort]}"
    )
    return [row[0] for row in store.db.execute(sql, params)]


def people_rows(store: Store, ids: list[int]) -> list[dict[str, Any]]:
    """The list rows of these people, in the order given."""
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    sql = f"{_LIST_ROWS} where p.id in ({marks})"
    by_id = {row["id"]: row for row in store.db.query(sql, ids)}
    return [by_id[i] for i in ids if i in by_id]


def count_people(store: Store, *, search: str | None = None, include_archived: bool = False) -> int:
    where, params = _search_clause(search)
    if not include_archived:
        where += " and p.archived = 0"
    sql = f"select count(*) from people p where p.merged_into is null {where}"
    return int(store.db.execute(sql, params).fetchone()[0])


def person_detail(store: Store, person_id: int, *, timeline_limit: int = 50) -> dict[str, Any]:
    """Everything about one person, their own words first among the notes."""
    person = store.person(person_id)
    org = None
    if person["org_id"]:
        rows = list(store.db.query("select * from organizations where id = ?", [person["org_id"]]))
        org = rows[0] if rows else None
    q = store.db.query
    return {
        "id": person["id"],
        "name": person["name"],
        "organization": org["name"] if org else None,
        "title": person["title"],
        "tier": person["tier"],
        "cadence_days": person["cadence_days"],
        "stage_override": person["stage_override"],
        "archived": bool(person["archived"]),
        "triage": bool(person["triage"]),
        "snoozed_until": person["snoozed_until"],
        "birthday": person["birthday"],
        "merged_into": person["merged_into"],
        "details": json.loads(person["details"] or "{}"),
        "identities": list(
            q(
                "select kind, value, source from identities where person_id = ? "
                "order by kind, value",
                [person_id],
            )
        ),
        "interactions": list(
            q(
                "select id, kind, direction, at, subject, source from interactions "
                "where person_id = ? order by at desc, id desc limit ?",
                [person_id, timeline_limit],
            )
        ),
        "interaction_count": store.db.execute(
            "select count(*) from interactions where person_id = ?", [person_id]
        ).fetchone()[0],
        "commitments": list(
            q(
                "select id, text, due, status, direction, created, closed_at from commitments "
                "where person_id = ? order by status = 'open' desc, due",
                [person_id],
            )
        ),
        "value_moments": list(
            q(
                "select id, kind, direction, at, note, amount from value_moments "
                "where person_id = ? order by at desc",
                [person_id],
            )
        ),
        "goals": list(
            q(
                "select id, text, confirmed_at, active from goals where person_id = ? "
                "order by active desc, confirmed_at desc",
                [person_id],
            )
        ),
        "notes": [
            {**n, "their_words": bool(n["their_words"])}
            for n in q(
                "select id, at, text, their_words from notes where person_id = ? "
                "order by their_words desc, at desc",
                [person_id],
            )
        ],
    }
