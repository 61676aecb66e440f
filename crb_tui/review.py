"""The daily review: who needs the user today, why, and what to do, in priority order.

Built fresh each day from the store and the health cache. Each item has a kind, a reason in
plain words, the suggested action and a priority. Items for a person the user already acted on
today leave the queue; snoozed and archived people stay out until their date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from crb_tui import plugins
from crb_tui.config import Config
from crb_tui.store import Store

TIER_WEIGHT = {"key": 3.0, "active": 2.0, "network": 1.0, "none": 0.5}

# Base priorities: commitments first (nothing else can outrank them), then what cannot wait
# (today's meetings, a birthday), then people past cadence (500 + 100 * min(ratio, 5) * tier
# weight, so at most 2000), after-care, fading, stale goals and new people to triage.
BASE = {
    "commitment": 10_000,
    "their_commitment": 9_000,
    "meeting": 3_000,
    "past_cadence": 500,
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "person": {"id": self.person_id, "name": self.person_name},
            "reason": self.reason,
            "action": self.action,
            "priority": round(self.priority, 2),
            "detail": self.detail,
            "also": self.also,
        }


def _days(a: dt.date, b: dt.date) -> int:
    return (a - b).days


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def build_review(
    store: Store,
    config: Config,
    today: dt.date,
    *,
    limit: int | None = None,
    include_done: bool = False,
) -> list[ReviewItem]:
    """Today's queue, capped at ``limit`` (default: ``[review] daily_limit``)."""
    items = collect_items(store, config, today)
    acted = _acted_today(store, today)
    if not include_done:
        items = [i for i in items if i.person_id not in acted]
    items = _one_per_person(items)
    items.sort(key=lambda i: (-i.priority, i.person_name.lower(), i.person_id))
    if limit is not None:
        return items[:limit]
    # The day's size is fixed: what was done today counts against it, so acting on an item
    # never pulls a new one in.
    cap = config.review.daily_limit - (0 if include_done else len(acted))
    return items[: max(cap, 0)]


def _acted_today(store: Store, today: dt.date) -> set[int]:
    return {
        row[0]
        for row in store.db.execute(
            "select distinct person_id from review_history where day = ? and person_id is not null",
            [today.isoformat()],
        )
    }


def progress(
    store: Store, config: Config, today: dt.date, items: list[ReviewItem] | None = None
) -> tuple[int, int]:
    """(done, total) for today's review: people acted on today against today's whole queue.

    Pass the queue ``build_review`` just gave to avoid building it twice."""
    done = len(_acted_today(store, today))
    remaining = len(items if items is not None else build_review(store, config, today))
    return done, done + remaining


def _one_per_person(items: list[ReviewItem]) -> list[ReviewItem]:
    """Keep each person's most pressing item; fold the other reasons into ``also``."""
    best: dict[int, ReviewItem] = {}
    for item in sorted(items, key=lambda i: -i.priority):
        kept = best.get(item.person_id)
        if kept is None:
            best[item.person_id] = item
        else:
            kept.also.append(item.reason)
    return list(best.values())


def collect_items(store: Store, config: Config, today: dt.date) -> list[ReviewItem]:
    db = store.db
    day = today.isoformat()
    eligible = (
        "p.merged_into is null and p.archived = 0 "
        "and (p.snoozed_until is null or p.snoozed_until <= ?)"
    )
    items: list[ReviewItem] = []

    # 1. Commitments due or overdue: the user's first, then theirs to chase.
    for row in db.query(
        f"""select c.id, c.text, c.due, c.direction, p.id as pid, p.name, p.tier
            from commitments c join people p on p.id = c.person_id
            where c.status = 'open' and c.due <= ? and {eligible}""",
        [day, day],
    ):
        due = _date(row["due"]) or today
        late = _days(today, due)
        when = "due today" if late == 0 else f"{_plural(late, 'day')} overdue"
        if row["direction"] == "out":
            items.append(
                ReviewItem(
                    "commitment",
                    row["pid"],
                    row["name"],
                    f"You promised \u201c{row['text']}\u201d, {when}",
                    "Deliver it and mark it kept (or say honestly it will be late)",
                    BASE["commitment"] + min(late, 60) * 5 + TIER_WEIGHT.get(row["tier"], 0.5) * 10,
                    {"commitment_id": row["id"], "due": row["due"]},
                )
            )
        else:
            items.append(
                ReviewItem(
                    "their_commitment",
                    row["pid"],
                    row["name"],
                    f"They promised \u201c{row['text']}\u201d, {when}",
                    "Check in kindly; mark it kept or broken",
                    BASE["their_commitment"] + min(late, 60) * 2,
                    {"commitment_id": row["id"], "due": row["due"]},
                )
            )

    # 2. Today's meetings, each with its brief.
    start = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC).isoformat()
    end = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC
    ).isoformat()
    for row in db.query(
        f"""select i.id, i.subject, i.at, p.id as pid, p.name from interactions i
            join people p on p.id = i.person_id
            where i.kind = 'meeting' and i.at >= ? and i.at < ? and {eligible}
            order by i.at""",
        [start, end, day],
    ):
        subject = f" \u201c{row['subject']}\u201d" if row["subject"] else ""
        items.append(
            ReviewItem(
                "meeting",
                row["pid"],
                row["name"],
                f"Meeting today at {row['at'][11:16]} UTC{subject}",
                "Read the brief: last touches, open commitments, their goals and words",
                BASE["meeting"],
                {"interaction_id": row["id"], "at": row["at"]},
            )
        )

    # 3. Relationships past their cadence, by how far past and by tier.
    for row in db.query(
        f"""select p.id as pid, p.name, p.tier, h.overdue, h.last_touch, h.cadence_days
            from health h join people p on p.id = h.person_id
            where h.overdue > 0 and h.cadence_days > 0 and p.triage = 0 and {eligible}""",
        [day],
    ):
        last = _date(row["last_touch"])
        since = f"last touch {_plural(_days(today, last), 'day')} ago" if last else "no touch yet"
        items.append(
            ReviewItem(
                "past_cadence",
                row["pid"],
                row["name"],
                f"{since}; you aim for every {_plural(row['cadence_days'], 'day')}",
                "Reach out with something useful to them",
                BASE["past_cadence"]
                + 100 * min(row["overdue"], 5.0) * TIER_WEIGHT.get(row["tier"], 0.5),
                {"overdue": round(row["overdue"], 2), "last_touch": row["last_touch"]},
            )
        )

    # 4. Fading relationships (health falling against 30 days ago).
    for row in db.query(
        f"""select p.id as pid, p.name, p.tier, h.health, h.health_past from health h
            join people p on p.id = h.person_id
            where h.trend = 'fading' and p.tier != 'none' and p.triage = 0 and {eligible}""",
        [day],
    ):
        drop = (row["health_past"] or 0) - (row["health"] or 0)
        items.append(
            ReviewItem(
                "fading",
                row["pid"],
                row["name"],
                f"Fading: health {row['health']} from {row['health_past']} a month ago",
                "Plan something together; bring what you know of their goals",
                BASE["fading"] + drop * TIER_WEIGHT.get(row["tier"], 0.5),
                {"health": row["health"], "health_past": row["health_past"]},
            )
        )

    # 5. Stale goals: ask what has changed.
    stale_before = (today - dt.timedelta(days=config.review.stale_goal_days)).isoformat()
    for row in db.query(
        f"""select g.id, g.text, g.confirmed_at, p.id as pid, p.name, p.tier from goals g
            join people p on p.id = g.person_id
            where g.active = 1 and g.confirmed_at < ? and p.tier in ('key', 'active')
            and {eligible}""",
        [stale_before, day],
    ):
        confirmed = _date(row["confirmed_at"]) or today
        items.append(
            ReviewItem(
                "stale_goal",
                row["pid"],
                row["name"],
                f"Their goal \u201c{row['text']}\u201d was last confirmed "
                f"{_plural(_days(today, confirmed), 'day')} ago",
                "Ask what has changed before offering ideas",
                BASE["stale_goal"] + TIER_WEIGHT.get(row["tier"], 0.5) * 10,
                {"goal_id": row["id"], "confirmed_at": row["confirmed_at"]},
            )
        )

    # 6. After-care following a deal, at the configured offsets.
    offsets = sorted(config.review.aftercare_days)
    if offsets:
        window_start = (today - dt.timedelta(days=max(offsets) + 14)).isoformat()
        for row in db.query(
            f"""select v.id, v.at, v.note, p.id as pid, p.name,
                  (select max(at) from interactions i where i.person_id = p.id) as last_touch
                from value_moments v join people p on p.id = v.person_id
                where v.kind = 'deal' and v.at >= ? and {eligible}""",
            [window_start, day],
        ):
            deal_day = _date(row["at"]) or today
            last = _date(row["last_touch"])
            # The latest follow-up that is due and not yet done: one check-in covers the
            # earlier ones too.
            due_now = [
                (offset, deal_day + dt.timedelta(days=offset))
                for offset in offsets
                if today - dt.timedelta(days=14) <= deal_day + dt.timedelta(days=offset) <= today
                and (last is None or last < deal_day + dt.timedelta(days=offset))
            ]
            if due_now:
                offset, due = due_now[-1]
                items.append(
                    ReviewItem(
                        "aftercare",
                        row["pid"],
                        row["name"],
                        f"{offset}-day after-care for the deal of {deal_day}"
                        + (f" ({row['note']})" if row["note"] else ""),
                        "Check how it is going for them; "
                        "the relationship after the sale matters most",
                        BASE["aftercare"],
                        {
                            "value_moment_id": row["id"],
                            "offset_days": offset,
                            "due": due.isoformat(),
                        },
                    )
                )

    # 7. Anniversaries (birthdays) today or in the next 3 days.
    upcoming = {(today + dt.timedelta(days=d)).strftime("%m-%d"): d for d in range(4)}
    for row in db.query(
        f"""select p.id as pid, p.name, p.birthday from people p
            where p.birthday is not null and {eligible}""",
        [day],
    ):
        md = row["birthday"][-5:]
        if md in upcoming:
            d = upcoming[md]
            when = "today" if d == 0 else f"in {_plural(d, 'day')}"
            items.append(
                ReviewItem(
                    "anniversary",
                    row["pid"],
                    row["name"],
                    f"Birthday {when}",
                    "Send a personal note",
                    BASE["anniversary"] - 500 * d,
                    {"birthday": row["birthday"]},
                )
            )

    # 8. New people from sync, to triage.
    since = (today - dt.timedelta(days=config.review.new_people_days)).isoformat()
    for row in db.query(
        f"""select p.id as pid, p.name, p.created,
              (select value from identities where person_id = p.id order by id limit 1) as ident
            from people p where p.triage = 1 and p.created >= ? and {eligible}""",
        [since, day],
    ):
        who = f" ({row['ident']})" if row["ident"] and row["ident"] != row["name"] else ""
        items.append(
            ReviewItem(
                "triage",
                row["pid"],
                row["name"],
                f"New from sync{who}: keep with a tier, merge with someone, or ignore",
                "Accept with a tier, merge, or archive",
                BASE["triage"],
                {"created": row["created"]},
            )
        )

    # 9. Plugins' own items.
    if plugins.pm.hook.review_items.get_hookimpls():
        names = {
            row[0]: row[1]
            for row in db.execute(f"select p.id, p.name from people p where {eligible}", [day])
        }
        for extra in plugins.pm.hook.review_items(store=store, today=today):
            for raw in extra or []:
                pid = raw.get("person_id")
                if pid not in names:
                    continue
                items.append(
                    ReviewItem(
                        str(raw.get("kind", "plugin")),
                        pid,
                        names[pid],
                        str(raw.get("reason", "")),
                        str(raw.get("action", "")),
                        float(raw.get("priority", 0)),
                        json.loads(json.dumps(raw.get("detail", {}), default=str)),
                    )
                )
    return items
