"""The builders' common ground: ``Person``, one person while being built, and ``Draws``, the
random stream with the state every builder of the demo data set shares (days, ids handed out,
organisations) and the small draws they all use. ``demo_build``, ``demo_history`` and
``demo_facts`` extend it."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from crb_tui.store.demo_shape import CORE_TABLES, HISTORY_DAYS
from crb_tui.store.demo_words import CITIES, EVENTS, FIRST_NAMES, LAST_NAMES, TOPICS


class Person:
    """One person while they are being built: who they are, their tier and archetype, the
    window (days ago) their relationship was active in, and their history so far."""

    __slots__ = ("pid", "name", "given", "org", "tier", "arch", "cadence", "email_id",
                 "phone_id", "url_id", "events", "start", "end")
    pid: int
    name: str
    given: str
    org: tuple[Any, ...] | None
    tier: str
    arch: str
    cadence: int
    email_id: int
    phone_id: int | None
    url_id: int | None
    start: int
    end: int

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []


class Draws:
    """The random stream and the state every builder shares: the days of the history, how
    rich a network of this size is, the ids handed out per table and the organisations so far;
    with the small draws they all use (a stamp, a working day, a filled-in template)."""

    def __init__(self, rng: random.Random, today: dt.date, people: int) -> None:
        self.rng = rng
        self.today = today
        self.n = people
        span = HISTORY_DAYS + 60
        self.days = [(today - dt.timedelta(days=d)).isoformat() for d in range(span + 1)]
        self.weekday = [(today - dt.timedelta(days=d)).weekday() for d in range(span + 1)]
        # A small network is the curated, close one: denser history per person.
        self.richness = 1.0 + min(1.0, 200 / max(people, 1))
        self.orgs: list[tuple[int, str, str]] = []
        self.ids = dict.fromkeys(CORE_TABLES, 0)
        self.thread_no = 0

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def stamp(self, days_ago: int, minute: int = 9 * 60, second: int = 0) -> str:
        h, m = divmod(minute, 60)
        return f"{self.days[days_ago]}T{h:02d}:{m:02d}:{second:02d}+00:00"

    def workday(self, d: int) -> int:
        """Move most weekend days to the Friday before (never past the start of history)."""
        wd = self.weekday[d]
        if wd >= 5 and self.rng.random() < 0.85:
            d = min(d + wd - 4, len(self.days) - 1)
        return d

    def fill(self, template: str, p: Person) -> str:
        """Fill a template, drawing only the fields it uses (the hot path at 2M rows)."""
        if "{" not in template:
            return template
        rng = self.rng
        fields: dict[str, str] = {}
        if "{first}" in template:
            fields["first"] = p.given
        if "{org}" in template:
            fields["org"] = p.org[1] if p.org else p.given
        if "{topic}" in template:
            fields["topic"] = rng.choice(TOPICS)
        if "{event}" in template:
            fields["event"] = rng.choice(EVENTS)
        if "{other}" in template:
            fields["other"] = rng.choice(FIRST_NAMES) + " " + rng.choice(LAST_NAMES)
        if "{org2}" in template:
            fields["org2"] = self.orgs[int(rng.random() * len(self.orgs))][1]
        if "{city}" in template:
            fields["city"] = rng.choice(CITIES)
        if "{num}" in template:
            fields["num"] = f"#{1000 + int(rng.random() * 9000)}"
        return template.format_map(fields)

    def day_in_window(self, p: Person) -> int:
        return p.end + int(self.rng.random() * (p.start - p.end + 1))
