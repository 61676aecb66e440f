"""The daily review: who needs the user today, why, and what to do, in priority order.

Built fresh each day from the store and the health cache. Each item has a kind, a reason in
plain words, the suggested action and a priority. An item leaves the queue when something done
today answers its reason (see :mod:`crb_tui.engine.review_answers`); snoozed and archived people
stay out until their date, except for the brief of a meeting today.

This module collects, orders and caps the items (the rows behind them are the store's reads,
``crb_tui.store.review_queries``); the backlogs (late, fading, stale goals) are
``review_backlog``'s, the new people to triage ``review_triage``'s, the plugins' items
``review_plugins``'.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

from crb_tui.clock import day_bounds, happened_before, local_time
from crb_tui.config import Config
from crb_tui.engine.review_answers import answered_today
from crb_tui.engine.review_backlog import backlog_items
from crb_tui.engine.review_item import (
    BASE,
    TIER_WEIGHT,
    ReviewItem,
    _date,
    _days,
)
from crb_tui.engine.review_plugins import plugin_items
from crb_tui.engine.review_triage import triage_items
from crb_tui.records import all_day
from crb_tui.store import Store
from crb_tui.store import review_queries as rq
from crb_tui.store.actions import promises_seen, queued_on, remember_queue
from crb_tui.text import plural


def build_review(
    store: Store,
    config: Config,
    today: dt.date,
    *,
    limit: int | None = None,
    include_done: bool = False,
    warnings: list[str] | None = None,
) -> list[ReviewItem]:
    """Today's queue, capped at ``limit`` (default: ``[review] daily_limit``).

    What went wrong with a plugin's items is appended to ``warnings`` (one line per plugin);
    the rest of the review stands."""
    return _queue(store, config, today, limit=limit, include_done=include_done,
                  warnings=warnings)[0]


def _queue(
    store: Store,
    config: Config,
    today: dt.date,
    *,
    limit: int | None = None,
    include_done: bool = False,
    warnings: list[str] | None = None,
) -> tuple[list[ReviewItem], int]:
    """(today's queue, how many people were dealt with today)."""
    answered = answered_today(store, today)
    # Late relationships are many (a whole backlog): read only as many as could be shown, plus
    # those that today's answers clear.
    room = max(limit or 0, config.review.daily_limit) + len(answered.actions) + 20
    items = collect_items(store, config, today, warnings=warnings,
                          room=None if include_done else room)
    if not include_done:
        items = [i for i in items if not answered.clears(i.person_id, i.kind)]
    items = _one_per_person(items)
    items.sort(key=_order)
    if include_done:
        items = _bound_triage(items, config.review.triage_limit, {})
        return _fit(items, config.review.daily_limit if limit is None else limit), 0
    # Who was shown today holds their place: the new people shown hold the day's triage places
    # (a touch logged with one, or one accepted, lets nobody else in), and someone whose item
    # was answered keeps their place for the item that comes up next.
    shown_before = queued_on(store, today)
    items = _bound_triage(items, config.review.triage_limit, shown_before)
    waiting = {i.person_id for i in items}
    # Review work done today: on people who were shown in today's review (acting on someone
    # else, a `crb log` of a chance meeting, takes no place from the day).
    dealt = (answered.worked_on() & shown_before.keys()) - waiting
    # Someone shown today and then merged into another is dealt with too (their place is not
    # handed to someone new).
    dealt |= rq.merged_away(store, shown_before.keys() - waiting)
    done = len(dealt)
    # The day's size is fixed: what was done today counts against it, so acting on an item
    # never pulls a new one in (a time-bound item has a place of its own, beyond the cap, and
    # takes none when done). A longer list asked for (``limit``) is shown, not remembered.
    capped = sum(1 for pid in dealt if not str(shown_before[pid]).startswith(TODAY_ONLY))
    day_queue, beyond = _day(items, max(config.review.daily_limit - capped, 0), shown_before,
                             promises_seen(store, today))
    queue = day_queue if limit is None else _fit(items, limit)
    new = {i.person_id: _shown_as(i, i.person_id in beyond) for i in day_queue
           if i.person_id not in shown_before}
    if new:
        problem = remember_queue(store, today, new)
        if problem is not None and warnings is not None:
            warnings.append(problem)
    return queue, done


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _order(item: ReviewItem) -> tuple[float, tuple[Any, ...], str, int]:
    """The queue's order: priority, then what tells equal items apart in their own terms
    (:func:`_tie`), then name as SQLite's ``lower()`` folds it (ASCII only), so that a query can
    read the first places of a kind in exactly this order."""
    return (-item.priority, _tie(item), item.person_name.translate(_ASCII_LOWER),
            item.person_id)


def _tie(item: ReviewItem) -> tuple[Any, ...]:
    """Meetings today by start time; promises by their due date, the most overdue first (past
    the 60 days lateness counts up to, and between tiers' equal sums); new people with equal
    evidence by their last touch, the most recent first (then more two-way touches, then more
    meetings); other kinds by name."""
    if item.kind == "meeting":
        return (str(item.detail.get("at") or ""),)
    if item.kind in ("commitment", "their_commitment"):
        return (str(item.detail.get("due") or ""),)
    if item.kind == "triage":
        since = item.detail.get("days_since_last_touch")
        return (since if since is not None else float("inf"),
                -item.detail.get("two_way", 0), -item.detail.get("meetings", 0))
    return ()


TODAY_ONLY = "today:"
"""How the day's queue marks a person shown with a time-bound item (``today:meeting``)."""


def _time_bound(item: ReviewItem) -> bool:
    """A meeting today or a birthday today: over by tonight, so never left for another day."""
    return item.also_today or item.kind == "meeting" or (
        item.kind == "anniversary" and item.detail.get("in_days") == 0)


def beyond_the_cap(items: list[ReviewItem]) -> int:
    """How many of a day's items have a place of their own beyond ``daily_limit``: a meeting
    or a birthday today, as the item or among its other reasons (``also``)."""
    return sum(1 for item in items if _time_bound(item))


def _shown_as(item: ReviewItem, beyond: bool = False) -> str:
    """What the day's queue remembers of the item a person was first shown with (marked
    ``today:`` when it has a place of its own, beyond the cap)."""
    return f"{TODAY_ONLY}{item.kind}" if beyond or _time_bound(item) else item.kind


def _day(
    items: list[ReviewItem], cap: int, held: Mapping[int, str | None], seen: int | None = None
) -> tuple[list[ReviewItem], set[int]]:
    """The day's queue, in the queue's order, and who in it has a place beyond the cap.

    Every time-bound item (a busy day never hides today's meetings and birthdays) has a place
    of its own; then the people ``held`` (shown earlier today: one whose item was answered
    keeps their place for the reason that comes up next, however low it ranks), and the rest
    of the ``cap`` filled in the queue's order (:func:`_fit`). Once the day has begun, a
    promise made after its first look (a commitment id above ``seen``: by the user, or brought
    by a sync) takes a place of its own too: it neither waits for tomorrow nor pushes out
    someone already shown. One made before was judged at that first look, like the rest."""
    beyond = {pid for pid, kind in held.items() if str(kind).startswith(TODAY_ONLY)}
    bound = [i for i in items if _time_bound(i) or i.person_id in beyond]
    rest = [i for i in items if not _time_bound(i) and i.person_id not in beyond]
    kept = [i for i in rest if i.person_id in held][:max(cap, 0)]
    new = [i for i in rest if i.person_id not in held]
    others = _fit(new, max(cap - len(kept), 0))
    if held and seen is not None:
        chosen = {i.person_id for i in others}
        late = [i for i in new if i.kind in _PROMISES
                and int(i.detail.get("commitment_id") or 0) > seen and i.person_id not in chosen]
        beyond |= {i.person_id for i in late}
        others += late
    beyond |= {i.person_id for i in bound}
    return sorted(bound + kept + others, key=_order), beyond


_PROMISES = frozenset({"commitment", "their_commitment"})
UNKEPT_HEADS_UP = 260
"""Priority of a birthday heads-up (in 1-3 days) for someone of tier ``none``: under fading
relationships (300 and up), over stale goals."""


_MAKES_ROOM = frozenset({"past_cadence", "no_touch", "fading", "stale_goal"})
"""Kinds that give up their place to someone new waiting for triage (a backlog of late
relationships must not keep new people out for weeks); commitments, meetings, birthdays and
after-care never do."""


def _fit(items: list[ReviewItem], cap: int) -> list[ReviewItem]:
    """The first ``cap`` items, where the new people to triage that ``_bound_triage`` let in
    (at most ``triage_limit``) take their places from the lowest late-relationship items."""
    top = items[:cap]
    waiting = [i for i in items[cap:] if i.kind == "triage"]
    if cap <= 0 or not waiting:
        return top
    for new in waiting:
        spare = next((k for k in range(len(top) - 1, -1, -1) if top[k].kind in _MAKES_ROOM),
                     None)
        if spare is None:
            break
        top[spare] = new
    top.sort(key=_order)
    return top


def _bound_triage(
    items: list[ReviewItem], limit: int, shown: Mapping[int, str | None]
) -> list[ReviewItem]:
    """New people to triage take at most ``limit`` places a day (the best evidence first); the
    rest wait for the next days. People ``shown`` today (person id -> the kind of item they
    were first shown with) keep their places; those shown as new people to triage use the
    day's share whatever became of them."""
    room = limit - sum(1 for kind in shown.values() if kind == "triage")
    kept: list[ReviewItem] = []
    for item in items:
        if item.kind == "triage" and limit <= 0:
            continue  # none wanted (``triage_limit = 0``), whoever was shown
        if item.kind == "triage" and item.person_id not in shown:
            if room <= 0:
                continue
            room -= 1
        kept.append(item)
    return kept


def progress(
    store: Store, config: Config, today: dt.date, items: list[ReviewItem] | None = None
) -> tuple[int, int]:
    """(done, total) for today's review: people dealt with today (nothing left to answer for
    them) against today's whole queue."""
    queue, done = _queue(store, config, today)
    return done, done + len(items if items is not None else queue)


def review_with_progress(
    store: Store, config: Config, today: dt.date, *, warnings: list[str] | None = None
) -> tuple[list[ReviewItem], int, int]:
    """Today's queue with (done, total), built once."""
    items, done = _queue(store, config, today, warnings=warnings)
    return items, done, done + len(items)


def _one_per_person(items: list[ReviewItem]) -> list[ReviewItem]:
    """Keep each person's most pressing item; fold the other reasons into ``also``."""
    best: dict[int, ReviewItem] = {}
    for item in sorted(items, key=lambda i: -i.priority):
        kept = best.get(item.person_id)
        if kept is None:
            best[item.person_id] = item
        else:
            kept.also.append(item.reason)
            kept.also_today = kept.also_today or _time_bound(item)
    return list(best.values())


LONG_LATE = 30
"""Days after which a promise of the user's is past being late (the action says so)."""


def collect_items(
    store: Store,
    config: Config,
    today: dt.date,
    *,
    warnings: list[str] | None = None,
    room: int | None = None,
) -> list[ReviewItem]:
    """Every item for today (``room`` given: enough of the late relationships to fill that
    many places, whatever else the day holds)."""
    day = today.isoformat()
    items: list[ReviewItem] = []

    # 1. Commitments due or overdue: the user's first, then theirs to chase.
    for row in rq.due_commitments(store, day):
        due = _date(row["due"]) or today
        late = _days(today, due)
        when = "due today" if late == 0 else f"{plural(late, 'day')} overdue"
        if row["direction"] == "out":
            items.append(
                ReviewItem(
                    "commitment",
                    row["pid"],
                    row["name"],
                    f"You promised \u201c{row['text']}\u201d, {when}",
                    # (a month late, "it will be late" is past: keep it, or say it is off)
                    "Deliver it and mark it kept (or say honestly it will be late)"
                    if late <= LONG_LATE else
                    "Keep it now, or mark it broken and tell them so",
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

    # 2. Today's meetings, each with its brief: also for people snoozed (a snooze keeps the
    # nudges away, not the meeting). Today is the user's day in their time zone; an all-day
    # event is on its date wherever they are. A meeting the user logged after it happened
    # needs no brief.
    start, end = day_bounds(today)
    midnight = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    for row in rq.meetings_between(store, min(start, midnight).isoformat(),
                                   max(end, midnight + dt.timedelta(days=1)).isoformat()):
        if all_day(row["at"], row["duration_minutes"]):
            if row["at"][:10] != day:
                continue
            when = "Meeting today (all day)"
        elif start.isoformat() <= row["at"] < end.isoformat():
            when = f"Meeting today at {local_time(row['at']):%H:%M}"
        else:
            continue
        subject = f" \u201c{row['subject']}\u201d" if row["subject"] else ""
        items.append(
            ReviewItem(
                "meeting",
                row["pid"],
                row["name"],
                f"{when}{subject}",
                "Read the brief: last touches, open commitments, their goals and words",
                BASE["meeting"],
                {"interaction_id": row["id"], "at": row["at"]},
            )
        )

    # 3b. Key and active people never touched yet: nothing overdue to measure, but the
    # relationship has not started. Ranked as if one cadence late.
    for row in rq.untouched(store, day):
        items.append(
            ReviewItem(
                "no_touch",
                row["pid"],
                row["name"],
                f"No touch yet: reach out; you aim for every "
                f"{plural(row['cadence_days'], 'day')}",
                "Reach out and start the relationship with something useful to them",
                BASE["no_touch"] + 100 * TIER_WEIGHT.get(row["tier"], 0.5),
                {"last_touch": None, "cadence_days": row["cadence_days"]},
            )
        )

    # 6. After-care following a deal, at the configured offsets.
    offsets = sorted(config.review.aftercare_days)
    if offsets:
        window_start = (today - dt.timedelta(days=max(offsets) + 14)).isoformat()
        for row in rq.recent_deals(store, day, window_start,
                                   happened_before(today).isoformat()):
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
    for d in range(4):
        soon = today + dt.timedelta(days=d)
        if (soon.month, soon.day) == (2, 28) and not calendar.isleap(soon.year):
            upcoming["02-29"] = d  # a 29 February birthday is kept on the 28th in other years
    for row in rq.birthdays(store, day, upcoming):
        md = row["birthday"][-5:]
        if md in upcoming:
            d = upcoming[md]
            if row["snoozed"] and d:
                continue  # (the day itself comes up, as a meeting today does)
            when = "today" if d == 0 else f"in {plural(d, 'day')}"
            items.append(
                ReviewItem(
                    "anniversary",
                    row["pid"],
                    row["name"],
                    f"Birthday {when}",
                    "Send a personal note",
                    BASE["anniversary"] - 100 * d if d == 0 or row["tier"] != "none"
                    # A heads-up for someone you never kept (a whole address book's birthdays)
                    # waits below late relationships and fading ones.
                    else UNKEPT_HEADS_UP - 10 * d,
                    {"birthday": row["birthday"], "in_days": d},
                )
            )

    # 8. New people from a sync or an import, to triage: best evidence first.
    items.extend(triage_items(store, config, today))

    # 9. Plugins' own items, each plugin isolated.
    items.extend(plugin_items(store, config, today, warnings))

    # 3, 4, 5. The kinds that can be a whole backlog (late relationships, fading ones, stale
    # goals): with ``room``, only the ``room`` most pressing people of each are read, and then
    # these kinds' items of everyone in the list, so that each person shown has all reasons.
    items.extend(backlog_items(store, config, today, room, {i.person_id for i in items}))
    return items
