"""The daily review's reads: who has a commitment due, a meeting today, no touch yet, a deal to
follow up, a birthday, a triage card, a backlog item (late, fading, stale goal), and what was
done today. The review itself (``crb_tui.engine.review``) turns these rows into items and
orders them; every statement it needs is here.

Each read takes ``day`` (the review's day, ``YYYY-MM-DD``) and leaves out the people who are
not :data:`ELIGIBLE` that day (merged away, archived, snoozed past it), except
:func:`meetings_between` (a snooze keeps nudges away, not a meeting's brief).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from crb_tui.store import Store

__all__ = [
    "BACKLOG_KINDS", "ELIGIBLE", "actions_on", "backlog_rows", "birthdays", "due_commitments",
    "eligible_names", "meetings_between", "recent_deals", "triage_candidates", "unknown_people",
    "untouched",
]

LIVE = "p.merged_into is null and p.archived = 0"
"""A person of the user's: not merged into someone else, not archived."""
ELIGIBLE = f"{LIVE} and (p.snoozed_until is null or p.snoozed_until <= :day)"
"""A person the review may bring up on ``:day``: live and not snoozed past it."""


def due_commitments(store: Store, day: str) -> list[dict[str, Any]]:
    """Open commitments due on or before ``day``, with their person (``pid``, ``name``,
    ``tier``): also of people snoozed (a snooze keeps the nudges away, not a promise falling
    due), never of archived or merged-away ones."""
    return store.rows(
        f"""select c.id, c.text, c.due, c.direction, p.id as pid, p.name, p.tier
            from commitments c join people p on p.id = c.person_id
            where c.status = 'open' and c.due <= :day and {LIVE}""",
        {"day": day},
    )


def meetings_between(store: Store, start: str, end: str) -> list[dict[str, Any]]:
    """Meetings at or after ``start`` and before ``end`` (UTC ISO text) of live people, not
    logged by hand after the fact, by time."""
    return store.rows(
        f"""select i.id, i.subject, i.at, i.duration_minutes, p.id as pid, p.name
            from interactions i join people p on p.id = i.person_id
            where i.kind = 'meeting' and i.at >= :start and i.at < :end and {LIVE}
            and coalesce(i.source, '') <> 'manual'
            order by i.at""",
        {"start": start, "end": end},
    )


def untouched(store: Store, day: str) -> list[dict[str, Any]]:
    """Key and active people (not waiting for triage) with a cadence but no touch yet."""
    return store.rows(
        f"""select p.id as pid, p.name, p.tier, h.cadence_days
            from health h join people p on p.id = h.person_id
            where h.last_touch is null and h.computed_on is not null and h.cadence_days > 0
            and p.tier in ('key', 'active') and p.triage = 0 and {ELIGIBLE}""",
        {"day": day},
    )


def recent_deals(store: Store, day: str, since: str, before: str) -> list[dict[str, Any]]:
    """Deals (value moments of kind ``deal``) from ``since`` on, each with its person's last
    touch before ``before`` (``last_touch``): an interaction, or a value moment logged since
    (advice given at the after-care is that check-in)."""
    return store.rows(
        f"""select v.id, v.at, v.note, p.id as pid, p.name,
              max(coalesce((select max(at) from interactions i
                            where i.person_id = p.id and i.at < :before), ''),
                  coalesce((select max(at) from value_moments w
                            where w.person_id = p.id and w.id != v.id and w.at < :before), ''))
                as last_touch
            from value_moments v join people p on p.id = v.person_id
            where v.kind = 'deal' and v.at >= :since and {ELIGIBLE}""",
        {"day": day, "since": since, "before": before},
    )


def birthdays(store: Store, day: str, month_days: Iterable[str]) -> list[dict[str, Any]]:
    """People whose birthday (``YYYY-MM-DD`` or ``--MM-DD``) falls on one of ``month_days``
    (``MM-DD``), ``snoozed`` past ``day`` or not (a snooze keeps the heads-up away, not the
    birthday itself)."""
    return store.rows(
        f"""select p.id as pid, p.name, p.birthday, p.tier,
            coalesce(p.snoozed_until > :day, 0) as snoozed from people p
            where p.birthday is not null and {LIVE}
            and substr(p.birthday, -5) in (select value from json_each(:days))""",
        {"day": day, "days": json.dumps(sorted(month_days))},
    )


def triage_candidates(
    store: Store, day: str, since: str, until: str, created_before: str
) -> list[dict[str, Any]]:
    """New people waiting for triage, created from ``since`` on and before ``created_before``
    (who did not exist yet on a day looked back at is not new on it), with the evidence of
    their interactions before ``until``: ``touches``, ``mutual``, ``ins``, ``outs``,
    ``meetings``, ``last_at``, and their first identity (``ident``)."""
    return store.rows(
        f"""select p.id as pid, p.name, p.created, p.source,
              (select value from identities where person_id = p.id order by id limit 1)
                as ident,
              count(i.id) as touches,
              sum(i.direction = 'mutual') as mutual, sum(i.direction = 'in') as ins,
              sum(i.direction = 'out') as outs, sum(i.kind = 'meeting') as meetings,
              max(i.at) as last_at
            from people p left join interactions i on i.person_id = p.id and i.at < :until
            where p.triage = 1 and p.created >= :since and p.created < :created_before
              and {ELIGIBLE}
            group by p.id""",
        {"day": day, "since": since, "until": until, "created_before": created_before},
    )


def eligible_names(store: Store, day: str) -> dict[int, str]:
    """person id -> name of everyone the review may bring up on ``day``."""
    return dict(store.conn.execute(f"select p.id, p.name from people p where {ELIGIBLE}",
                                   {"day": day}))


def unknown_people(store: Store, ids: Iterable[int]) -> list[int]:
    """Which of ``ids`` are nobody's (no person ever had them; merged-away people are
    someone's), in order."""
    wanted = sorted({pid for pid in ids if isinstance(pid, int)})
    if not wanted:
        return []
    known = {pid for (pid,) in store.conn.execute(
        "select id from people where id in (select value from json_each(?))",
        [json.dumps(wanted)])}
    return [pid for pid in wanted if pid not in known]


def merged_away(store: Store, ids: Iterable[int]) -> set[int]:
    """Those of ``ids`` who were merged into someone else."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return {row[0] for row in store.conn.execute(
        "select id from people where merged_into is not null and id in "
        "(select value from json_each(?))", [json.dumps(wanted)])}


def actions_on(store: Store, day: str) -> list[tuple[int, str, str | None]]:
    """(person id, action, kind of the review item acted on) for what the user did on
    ``day``."""
    return list(store.conn.execute(
        "select person_id, action, item_kind from review_history "
        "where day = ? and person_id is not null order by id",
        [day],
    ))


# -- the backlogs ---------------------------------------------------------------------------

_BACKLOGS = {
    # Relationships past their cadence, by how far past and by tier.
    "past_cadence": (
        """select p.id as pid, p.name, p.tier, h.overdue, h.last_touch, h.cadence_days
            from health h join people p on p.id = h.person_id
            where h.overdue > 0 and h.cadence_days > 0 and p.triage = 0 and {eligible}""",
        "{base} + 100 * min(h.overdue, 5.0) * {tier}",
    ),
    # Fading relationships (health falling against 30 days ago).
    "fading": (
        """select p.id as pid, p.name, p.tier, h.health, h.health_past from health h
            join people p on p.id = h.person_id
            where h.trend = 'fading' and p.tier != 'none' and p.triage = 0 and {eligible}""",
        "{base} + (coalesce(h.health_past, 0) - coalesce(h.health, 0)) * {tier}",
    ),
    # Stale goals: ask what has changed.
    "stale_goal": (
        """select g.id, g.text, g.confirmed_at, p.id as pid, p.name, p.tier from goals g
            join people p on p.id = g.person_id
            where g.active = 1 and g.confirmed_at < :stale and p.tier in ('key', 'active')
            and {eligible}""",
        "{base} + {tier} * 10",
    ),
}
BACKLOG_KINDS = tuple(_BACKLOGS)
"""The kinds of item that can hold thousands of people at once."""


def backlog_rows(
    store: Store,
    *,
    day: str,
    stale: str,
    base: Mapping[str, float],
    tier_weight: Mapping[str, float],
    room: int | None = None,
    others: Iterable[int] = (),
) -> dict[str, list[dict[str, Any]]]:
    """kind -> its rows (goals confirmed before ``stale`` are stale): all of them, or (``room``
    given) those of the ``room`` most pressing people of each kind and of ``others``.

    How pressing a row is: the priority the review gives it, ``base[kind]`` and the person's
    ``tier_weight`` (0.5 for a tier not listed) in the formula of its kind, ties broken by
    name as SQLite's ``lower()`` folds it, then id (tests/test_review.py holds the queue so
    read the same as the queue of every row)."""
    tier = ("case p.tier " + " ".join(f"when '{t}' then {w}" for t, w in tier_weight.items())
            + " else 0.5 end")
    params: dict[str, Any] = {"day": day, "stale": stale}
    where = ELIGIBLE
    if room is not None:
        wanted = set(others)
        for kind, (query, priority) in _BACKLOGS.items():
            ranked = query.format(eligible=where).replace(
                "select ", f"select {priority.format(base=base[kind], tier=tier)} as priority, ",
                1)
            wanted.update(pid for (pid,) in store.conn.execute(
                f"""select pid from ({ranked})
                group by pid order by max(priority) desc, lower(name), pid limit :room""",
                {**params, "room": room}))
        params["ids"] = json.dumps(sorted(wanted))
        where += " and p.id in (select value from json_each(:ids))"
    return {kind: store.rows(query.format(eligible=where), params)
            for kind, (query, _priority) in _BACKLOGS.items()}
