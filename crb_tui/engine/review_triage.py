"""The review's new people to triage: how much says each one is a relationship (two-way
touches, meetings, how recent: :func:`triage_items` ranks them by it) and how they arrived, in
words that fit the source (:func:`arrival`: "New from your vcard import")."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from crb_tui import hooks
from crb_tui.clock import day_bounds, happened_before
from crb_tui.config import Config
from crb_tui.engine.review_item import BASE, ReviewItem, _date, _days, ago_or_today
from crb_tui.store import Store
from crb_tui.store.actions import shown_before_day
from crb_tui.store.review_queries import triage_candidates
from crb_tui.text import plural

log = logging.getLogger("crb_tui.engine.review")


def _evidence(row: dict[str, Any], today: dt.date) -> tuple[float, str, dict[str, Any]]:
    """How much says this new person is a relationship (0-99, to two decimals: what the review
    shows), that evidence in words and its parts (``two_way``, ``meetings``,
    ``days_since_last_touch``): two-way touches count most (up to 5), then meetings (up to 4),
    then touches in the last month, all of it fading with the age of the last touch."""
    two_way = (row["mutual"] or 0) + min(row["ins"] or 0, row["outs"] or 0)
    meetings = row["meetings"] or 0
    last = _date(row["last_at"])
    since = _days(today, last) if last else None
    recency = max(0.0, 30 - since) / 3 if since is not None else 0.0
    # Evidence fades as relationships do: full for a last touch within three months, then
    # halving every six (a mailbox from 1999 is history, a chat today is a relationship).
    fresh = 0.0 if since is None else 2.0 ** (-max(0, since - 90) / 180)
    score = min(99.0, fresh * (12 * min(two_way, 5) + 8 * min(meetings, 4)) + recency
                + fresh * min(row["touches"] or 0, 9) / 3)
    words = []
    # A meeting is one thing: the two-way touches named are the others (it is one of both).
    others = max(0, two_way - meetings)
    if others:
        words.append(f"{others} two-way touch{'' if others == 1 else 'es'}")
    if meetings:
        words.append(plural(meetings, "meeting"))
    if since == 0:
        words.append("last touch today")
    elif since is not None:
        words.append(f"last touch {ago_or_today(since)}")
    parts = {"two_way": two_way, "meetings": meetings, "days_since_last_touch": since}
    return round(score, 2), ", ".join(words) or "no touches yet", parts


def _source_kinds() -> tuple[set[str], set[str]]:
    """(names of file importers, names of sources that sync) among the registered sources."""
    try:
        found = hooks.sources()
    except Exception:
        log.debug("cannot list the sources for the review's words", exc_info=True)
        return set(), set()
    files = {name for name, source in found.items() if source.formats}
    return files, set(found) - files


def arrival(source: str | None) -> str:
    """How a new person arrived ("New from your vcard import"): the triage card's words, for
    the person screen too."""
    return _arrival(source, *_source_kinds())


def _arrival(source: str | None, files: set[str], syncs: set[str]) -> str:
    """How a new person arrived, in words that fit the source."""
    if not source:
        return "New person"
    if source in files:
        return f"New from your {source} import"
    if source in syncs:
        return f"New from your {source} sync"
    return f"New from {source}"


def triage_items(store: Store, config: Config, today: dt.date) -> list[ReviewItem]:
    since = (today - dt.timedelta(days=config.review.new_people_days)).isoformat()
    until = happened_before(today).isoformat()  # a meeting still to come is no evidence yet
    # Who was created after the day (in the user's time zone) is not new on it.
    created_before = day_bounds(today)[1].isoformat()
    rows = triage_candidates(store, today.isoformat(), since, until, created_before)
    if not rows:
        return []
    files, syncs = _source_kinds()
    # Those shown on earlier days and left undecided make way for the others: each earlier
    # day halves the priority, which keeps every such group below the one shown less often.
    shown = shown_before_day(store, today, "triage")
    items = []
    for row in rows:
        score, evidence, parts = _evidence(row, today)
        turns = min(shown.get(row["pid"], 0), 30)
        who = f" ({row['ident']})" if row["ident"] and row["ident"] != row["name"] else ""
        items.append(
            ReviewItem(
                "triage",
                row["pid"],
                row["name"],
                f"{_arrival(row['source'], files, syncs)}{who}, {evidence}: "
                "keep with a tier, merge with someone, or ignore",
                "Accept with a tier, merge, or archive",
                (BASE["triage"] + score) / 2 ** turns,
                {"created": row["created"], "source": row["source"],
                 "evidence": score, "shown_days": turns, **parts},
            )
        )
    return items
