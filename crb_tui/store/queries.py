"""Read-side queries shared by the CLI and the TUI: the people list (searched, sorted, paged in
SQL) and everything about one person."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from crb_tui.clock import happened_before
from crb_tui.errors import CrbError
from crb_tui.limits import MAX_ID
from crb_tui.store import Store, escape_like, iso
from crb_tui.store.search import matching, terms

SORTS = {
    # By name and by id: an index walk. The scores are worked out when read (the view
    # ``health``, crb_tui.store.health_view), so their orders are a sort of everyone listed.
    "name": "p.name_key, p.id",  # names folded as search folds them (m015)
    "health": "h.health, h.overdue desc, h.person_id",
    "-health": "h.health desc, h.overdue, h.person_id desc",
    "last_touch": "h.last_touch desc, h.person_id desc",
    "overdue": "h.overdue desc, h.person_id desc",
    "created": "p.id desc",
}
_SORT_INDEX = {
    "name": "idx_people_name_key",
}
"""The index each sort walks (SQLite's planner, without statistics, would rather sort)."""

# What a row of the people list holds: the same for a page by offset and for a slice of ids.
_LIST_COLUMNS = """
        select p.id, p.name, o.name as organization, p.title, p.tier, p.cadence_days,
          p.triage, p.archived, p.snoozed_until,
          h.stage, h.health, h.trust, h.value, h.warmth, h.trend,
          h.one_sided <> 0 as one_sided,
          h.last_touch, h.overdue, h.cadence_days as effective_cadence"""
_ORGANIZATION = "left join organizations o on o.id = p.org_id"
_LIST_ROWS = (f"{_LIST_COLUMNS} from health h join people p on p.id = h.person_id "
              f"{_ORGANIZATION}")


def _ordered_from(sort: str) -> str:
    """The FROM of a list in ``sort`` order, joined so that SQLite walks the sort's index and
    stops at the page's end instead of sorting everyone first."""
    index = _SORT_INDEX.get(sort)
    if index is None:  # by id: the people table's own order
        return f"from people p join health h on h.person_id = p.id {_ORGANIZATION}"
    if sort == "name":
        return (f"from people p indexed by {index} join health h on h.person_id = p.id "
                f"{_ORGANIZATION}")
    return f"from health h join people p on p.id = h.person_id {_ORGANIZATION}"


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
    like = "%" + escape_like(search.strip().lower()) + "%"
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
) -> list[dict[str, Any]]:
    """The people list's rows: everyone listed (or matching ``search``, see
    :mod:`crb_tui.store.search`) in ``sort`` order, ``limit`` of them from ``offset``."""
    if sort not in SORTS:
        raise CrbError(f"unknown sort {sort!r} (use {', '.join(SORTS)})")
    if search and terms(search):
        ids = people_ids(store, search=search, sort=sort, include_archived=include_archived)
        end = None if limit is None else offset + limit
        chosen = ids[offset:end]
        return [row for start in range(0, len(chosen), 500)
                for row in people_rows(store, chosen[start:start + 500])]
    params: list[Any] = []
    paging = ""
    if limit is not None:
        paging = " limit ? offset ?"
        params += [limit, offset]
    sql = f"""{_LIST_COLUMNS} {_ordered_from(sort)}
        where {_listed(include_archived)}
        order by {SORTS[sort]}{paging}
    """
    return store.rows(sql, params)


def find_people(store: Store, text: str, *, limit: int = 8) -> list[dict[str, Any]]:
    """A quick look-up for a person to open (the command palette): names, organisations and
    notes with a word starting with each word of ``text``, or an identity holding ``text``;
    the strongest relationships first. An index look-up, so quick at any size."""
    where, params = _search_clause(text)
    if not where:
        return []
    sql = f"""{_LIST_ROWS}
        where {_listed(False)} {where}
        order by {SORTS["-health"]} limit ?"""
    return list(store.db.query(sql, [*params, limit]))


def merge_candidates(
    store: Store, text: str, exclude: int, *, limit: int = 8
) -> list[dict[str, Any]]:
    """Who ``text`` may mean when merging ``exclude`` into someone, each with an identity to
    tell two of the same name apart: for digits, the person with that id only (or the one an
    id merged away went into: never a name holding those digits); otherwise the people
    :func:`find_people` finds (case and accents aside)."""
    from crb_tui.store.resolving import merged_into

    text = text.strip()
    if not text:
        return []
    found: list[dict[str, Any]] = []
    merged = None
    if text.isascii() and text.isdigit():
        merged = merged_into(store, text)
        small = len(text) <= 19 and int(text) <= MAX_ID
        wanted = merged[1] if merged else int(text) if small else 0
        found += store.db.query(
            f"select p.id, p.name, o.name as organization from people p {_ORGANIZATION} "
            "where p.id = ? and p.merged_into is null", [wanted])
    else:
        found += find_people(store, text, limit=limit + 1)
    seen: set[int] = set()
    rows = []
    for row in found:
        if row["id"] == exclude or row["id"] in seen:
            continue
        seen.add(row["id"])
        first = store.conn.execute(
            "select value from identities where person_id = ? order by kind != 'email', id "
            "limit 1", [row["id"]]).fetchone()
        rows.append({"id": row["id"], "name": row["name"],
                     "organization": row.get("organization"),
                     "identity": first[0] if first else None,
                     "merged_from": merged[0] if merged and merged[1] == row["id"] else None})
    return rows[:limit]


def people_ids(
    store: Store,
    *,
    search: str | None = None,
    sort: str = "name",
    include_archived: bool = False,
) -> list[int]:
    """Every listed person's id in list order (those matching ``search`` only, if given): one
    query, then any page is cheap to fetch with :func:`people_rows` (an OFFSET deep into
    100,000 rows re-sorts them all each time)."""
    if sort not in SORTS:
        raise CrbError(f"unknown sort {sort!r} (use {', '.join(SORTS)})")
    listed = _listed(include_archived)
    if "h." in SORTS[sort]:
        # Everyone's scores in the sort's order, checking who is listed against the small
        # index of people's state (not their wide rows).
        sql = (
            f"select h.person_id from health h where h.person_id "
            f"in (select p.id from people p where {listed}) order by {SORTS[sort]}"
        )
    else:
        walk = f" indexed by {_SORT_INDEX[sort]}" if sort in _SORT_INDEX else ""
        sql = f"select p.id from people p{walk} where {listed} order by {SORTS[sort]}"
    ids = [row[0] for row in store.conn.execute(sql)]
    if search and terms(search):
        found = matching(store, search, include_archived=include_archived)
        ids = [pid for pid in ids if pid in found]
    return ids


def people_rows(store: Store, ids: list[int]) -> list[dict[str, Any]]:
    """The list rows of these people, in the order given."""
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    sql = f"{_LIST_ROWS} where p.id in ({marks})"
    by_id = {row["id"]: row for row in store.rows(sql, ids)}
    return [by_id[i] for i in ids if i in by_id]


def count_people(store: Store, *, search: str | None = None, include_archived: bool = False) -> int:
    if search and terms(search):
        return len(matching(store, search, include_archived=include_archived))
    sql = f"select count(*) from people p where {_listed(include_archived)}"
    return int(store.conn.execute(sql).fetchone()[0])


def _listed(include_archived: bool) -> str:
    """Who is in the list at all (the terms of index ``idx_people_listed``)."""
    return "p.merged_into is null" + ("" if include_archived else " and p.archived = 0")


def next_meeting(store: Store, person_id: int, cut: str | None = None) -> dict[str, Any] | None:
    """The person's first meeting that has not started yet (at or after ``cut``, by default
    ``clock.happened_before()``), or None."""
    rows = list(store.db.query(
        "select id, at, subject, duration_minutes from interactions "
        "where person_id = ? and kind = 'meeting' and at >= ? order by at, id limit 1",
        [person_id, cut or iso(happened_before())],
    ))
    return rows[0] if rows else None


def meetings_started_since_scored(store: Store, today: dt.date) -> list[int]:
    """People whose stored score (computed today) was computed before a meeting of theirs
    started: it counts only what had happened then, so it is brought up to date (an index
    range over the last two days' meetings, see migration m007)."""
    start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    return [row[0] for row in store.conn.execute(
        # (cross join: the few meetings first, by their index, then each one's score)
        "select distinct i.person_id from interactions i "
        "cross join health h on h.person_id = i.person_id "
        "where i.kind = 'meeting' and i.at >= ? and i.at < ? and h.computed_on = ? "
        "and (h.last_touch is null or h.last_touch < i.at)",
        [start.isoformat(), happened_before(today).isoformat(), today.isoformat()],
    )]


def describe_meeting(meeting: dict[str, Any]) -> str:
    """``2027-01-28 09:30 Weekly sync``: a meeting's date and time in the user's time zone (an
    all-day event: its date) and its title."""
    from crb_tui.clock import local_time
    from crb_tui.records import all_day

    subject = f" {meeting['subject']}" if meeting.get("subject") else ""
    at = str(meeting["at"])
    if all_day(at, meeting.get("duration_minutes")):
        return f"{at[:10]} (all day){subject}"
    return f"{local_time(at):%Y-%m-%d %H:%M}{subject}"


def person_detail(store: Store, person_id: int, *, timeline_limit: int = 50) -> dict[str, Any]:
    """Everything about one person, their own words first among the notes. ``interactions``
    are the touches that have happened (newest first); a meeting still to come is
    ``next_meeting`` (the first one), never a touch."""
    person = store.person(person_id)
    cut = iso(happened_before())
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
        "source": person["source"],
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
                "where person_id = ? and at < ? order by at desc, id desc limit ?",
                [person_id, cut, timeline_limit],
            )
        ),
        "interaction_count": store.db.execute(
            "select count(*) from interactions where person_id = ? and at < ?", [person_id, cut]
        ).fetchone()[0],
        "next_meeting": next_meeting(store, person_id, cut),
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


# -- the dashboard ----------------------------------------------------------------------------

_LIVE = "p.merged_into is null and p.archived = 0"


def has_people(store: Store) -> bool:
    """Whether the store holds anyone at all (archived and merged people count)."""
    return store.conn.execute("select 1 from people limit 1").fetchone() is not None


def scored_health(store: Store, person_id: int) -> dict[str, Any] | None:
    """``person_id``'s row of the ``health`` table, once it has been scored (else ``None``)."""
    rows = store.rows(
        "select * from health where person_id = ? and computed_on is not null", [person_id])
    return rows[0] if rows else None


COLD_WARMTH = 50
"""A key relationship with Warmth below this is going cold, whatever its last one-way touch
(mail you sent that was never answered keeps it within its cadence, not warm)."""


def dashboard(store: Store, today: dt.date, *, weeks: int = 52) -> dict[str, Any]:
    """Everything the dashboard shows on ``today``: live people (not archived, merged or in
    triage) by trend and by stage, key people gone cold, open commitments due within a week,
    one-sided relationships, interactions a week over the last ``weeks`` weeks (oldest first),
    customers and how many of them are in touch, the people listed (as People counts them:
    not archived or merged), how many of them are new (in triage, so in no trend or stage
    yet) and their touches so far (``interactions``)."""
    db = store.conn
    live = f"{_LIVE} and p.triage = 0"
    trends = dict(db.execute(
        f"select coalesce(h.trend, 'unknown'), count(*) from people p "
        f"left join health h on h.person_id = p.id where {live} group by 1"
    ).fetchall())
    stages = dict(db.execute(
        f"select coalesce(p.stage_override, h.stage, 'contact'), count(*) from people p "
        f"left join health h on h.person_id = p.id where {live} group by 1"
    ).fetchall())
    cold = store.rows(
        f"""select p.id, p.name, h.last_touch, h.overdue, h.cadence_days, h.health, h.trend,
              h.warmth
            from people p join health h on h.person_id = p.id
            where p.tier = 'key' and {live}
              and (h.overdue > 0 or h.trend = 'fading' or h.warmth < {COLD_WARMTH})
            order by h.overdue * h.cadence_days desc, h.overdue desc, p.name limit 10"""
    )
    week_end = (today + dt.timedelta(days=7)).isoformat()
    due = store.rows(
        f"""select c.id, c.text, c.due, c.direction, p.id as person_id, p.name
            from commitments c join people p on p.id = c.person_id
            where c.status = 'open' and c.due <= ? and {_LIVE}
            order by c.due, p.name limit 12""",
        [week_end],
    )
    one_sided = store.rows(
        f"""select p.id, p.name, h.trust, h.value, h.health, h.one_sided as carried_by
            from health h join people p on p.id = h.person_id
            where h.one_sided <> 0 and {live} order by h.health, p.name limit 10"""
    )
    start = today - dt.timedelta(days=7 * weeks - 1)
    activity = [0] * weeks
    for ago, count in db.execute(
        "select cast((julianday(?) - julianday(substr(at, 1, 10))) / 7 as integer), count(*) "
        "from interactions where at >= ? and at < ? and person_id is not null group by 1",
        [today.isoformat(), start.isoformat(), happened_before(today).isoformat()],
    ):
        if 0 <= ago < weeks:
            activity[weeks - 1 - ago] = count
    customers, kept = db.execute(
        f"""select count(*), coalesce(sum(coalesce(h.overdue, 1) <= 0), 0) from people p
            left join health h on h.person_id = p.id
            where {_LIVE} and p.id in (select person_id from value_moments where kind = 'deal')"""
    ).fetchone()
    # The touches of the people listed that have happened (not those kept for nobody yet,
    # archived or merged-away people's, or meetings still to come).
    (touches,) = db.execute(
        f"select count(*) from interactions i join people p on p.id = i.person_id "
        f"where {_LIVE} and i.at < ?", [happened_before(today).isoformat()]).fetchone()
    key_people = db.execute(f"select count(*) from people p where p.tier = 'key' and {live}"
                            ).fetchone()[0]
    listed, new = db.execute(
        f"select count(*), coalesce(sum(p.triage), 0) from people p where {_LIVE}").fetchone()
    return {
        "key_people": key_people,
        "today": today,
        "trends": trends,
        "stages": stages,
        "cold": cold,
        "due": due,
        "one_sided": one_sided,
        "activity": activity,
        "activity_start": start,
        "customers": customers,
        "customers_in_touch": kept,
        "people": listed,
        "new_people": new,
        "interactions": touches,
    }


def last_interaction_id(store: Store) -> int:
    """The highest interaction id stored (0 for none): what a run stores comes after it."""
    row = store.conn.execute("select coalesce(max(id), 0) from interactions").fetchone()
    return int(row[0])


def archived_touches(store: Store, first_id: int) -> list[tuple[int, str, int]]:
    """(id, name, touches) of the archived people with interactions from ``first_id`` on (a
    run's new touches), the most touched first."""
    return [(int(pid), str(name), int(n)) for pid, name, n in store.conn.execute(
        """select p.id, p.name, count(*) from interactions i join people p on p.id = i.person_id
           where i.id >= ? and p.archived = 1 group by p.id order by count(*) desc, p.id""",
        (first_id,)).fetchall()]
