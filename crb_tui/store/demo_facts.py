"""The demo's facts about people beyond their interactions: commitments (kept, broken, open,
overdue, due this week; made by and to the user), value moments (deals with amounts), goals
fresh and stale, notes in their own words, birthdays and personal details."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence
from typing import Any

from crb_tui.store.demo_draws import Draws, Person
from crb_tui.store.demo_shape import HISTORY_DAYS
from crb_tui.store.demo_words import (
    COMMIT_IN,
    COMMIT_OUT,
    DETAILS,
    GOALS,
    NOTES,
    THEIR_WORDS,
    VALUE_KIND_WEIGHTS,
    VALUE_NOTES,
)

_VK_NAMES = [k for k, _ in VALUE_KIND_WEIGHTS]
_VK_CUM = list(itertools.accumulate(w for _, w in VALUE_KIND_WEIGHTS))


class Facts(Draws):
    """Draws what is known about each person beyond their interactions."""

    def commitments(self, p: Person, rows: list[tuple[Any, ...]]) -> None:
        rng = self.rng
        if p.arch == "triage":
            return
        base = {"key": 3.0, "active": 1.6, "network": 0.7, "none": 0.3}[p.tier]
        if p.arch == "one_way":
            base *= 0.3
        n = int(base * self.richness * (0.5 + rng.random()))
        plans: list[tuple[int, int]] = []  # (created days ago, due days ago; negative = future)
        for _ in range(n):
            c = self.day_in_window(p)
            plans.append((c, c - 3 - int(rng.random() * 19)))
        if p.arch in ("warm", "new") and p.tier != "none" and rng.random() < 0.45:
            c = min(p.start, int(rng.random() * 10))
            plans.append((c, -int(rng.random() * 7)))  # due this week
        for created_d, due_d in plans:
            direction = "out" if p.arch == "one_way" or rng.random() < 0.7 else "in"
            text = self.fill(rng.choice(COMMIT_OUT if direction == "out" else COMMIT_IN), p)
            due = (self.today - dt.timedelta(days=due_d)).isoformat()
            closed = None
            if due_d <= 0:
                status = "open"
            else:
                r = rng.random()
                if p.arch == "fading":
                    r = r * 0.8 + 0.2  # the fading ones break more promises
                if r < 0.72:
                    status = "kept"
                    closed_d = max(0, due_d + 2 - int(rng.random() * 6))
                    closed_d = min(closed_d, created_d)
                    closed = self.stamp(closed_d, 9 * 60 + int(rng.random() * 540))
                elif r < 0.86:
                    status = "broken"
                    closed = self.stamp(max(0, due_d - 3 - int(rng.random() * 20)), 18 * 60)
                elif due_d <= 30:
                    status = "open"  # recently overdue: the review puts these first
                else:
                    # Promises left open for months are, in practice, broken.
                    status = "broken"
                    closed = self.stamp(max(0, due_d - 14), 18 * 60)
            cid = self.next_id("commitments")
            rows.append(
                (
                    cid,
                    p.pid,
                    text,
                    due,
                    status,
                    direction,
                    self.stamp(created_d, 9 * 60 + int(rng.random() * 480)),
                    closed,
                    f"demo:c{cid}",
                )
            )

    def value_kind(self) -> str:
        x = self.rng.random() * _VK_CUM[-1]
        for name, edge in zip(_VK_NAMES, _VK_CUM, strict=True):
            if x < edge:
                return name
        return _VK_NAMES[-1]

    def value_moments(self, p: Person, rows: list[tuple[Any, ...]]) -> None:
        rng = self.rng
        if p.arch in ("triage", "one_way"):
            return
        base = {"key": 3.5, "active": 1.8, "network": 0.8, "none": 0.3}[p.tier]
        n = int(base * self.richness * (0.5 + rng.random()))
        moments: list[tuple[str, int]] = []
        if p.arch == "transactional":
            moments.append(("deal", p.end + 5))
            n = min(n, 1)
        for _ in range(n):
            moments.append((self.value_kind(), self.day_in_window(p)))
        for kind, d in moments:
            direction = "given" if rng.random() < 0.55 else "received"
            if kind == "deal" and p.arch == "transactional":
                direction = "given"
            amount = None
            if kind == "deal":
                amount = float(max(500, round(rng.lognormvariate(9.4, 0.9), -2)))
            note = self.fill(rng.choice(VALUE_NOTES[kind][direction]), p)
            vid = self.next_id("value_moments")
            rows.append(
                (
                    vid,
                    p.pid,
                    kind,
                    direction,
                    self.stamp(d, 10 * 60 + int(rng.random() * 420)),
                    note,
                    amount,
                    f"demo:v{vid}",
                )
            )

    def goals(self, p: Person, rows: list[tuple[Any, ...]]) -> None:
        rng = self.rng
        if p.arch in ("triage", "one_way") or p.tier == "none":
            return
        n = {"key": 2, "active": 1, "network": 0}[p.tier] + int(rng.random() * 2)
        for k in range(n):
            if p.arch == "fading" or rng.random() < 0.45:
                d = 150 + int(rng.random() * (HISTORY_DAYS - 150))  # stale: ask what changed
            else:
                d = int(rng.random() * 60)
            d = min(d, p.start)
            created_d = min(p.start, d + int(rng.random() * 90))
            active = 0 if k == 2 and rng.random() < 0.5 else 1
            gid = self.next_id("goals")
            rows.append(
                (
                    gid,
                    p.pid,
                    rng.choice(GOALS),
                    self.stamp(d, 11 * 60),
                    self.stamp(created_d, 11 * 60),
                    active,
                    f"demo:g{gid}",
                )
            )

    def notes(self, p: Person, rows: list[tuple[Any, ...]]) -> None:
        rng = self.rng
        if p.arch == "triage":
            return
        base = {"key": 3.0, "active": 1.5, "network": 0.6, "none": 0.2}[p.tier]
        n = int(base * self.richness * (0.5 + rng.random()))
        for _ in range(n):
            theirs = p.arch != "one_way" and rng.random() < 0.35
            text = self.fill(rng.choice(THEIR_WORDS if theirs else NOTES), p)
            nid = self.next_id("notes")
            rows.append(
                (
                    nid,
                    p.pid,
                    self.stamp(self.day_in_window(p), 12 * 60 + int(rng.random() * 360)),
                    text,
                    int(theirs),
                    f"demo:n{nid}",
                )
            )

    def birthday(self) -> str | None:
        rng = self.rng
        if rng.random() >= 0.18:
            return None
        if rng.random() < 0.2:  # coming up soon, so the review shows anniversaries
            day = self.today + dt.timedelta(days=int(rng.random() * 14))
        else:
            day = dt.date(2001, 1, 1) + dt.timedelta(days=int(rng.random() * 365))
        if day.month == 2 and day.day == 29:
            day = day.replace(day=28)
        if rng.random() < 0.6:
            return f"{1958 + int(rng.random() * 42)}-{day.month:02d}-{day.day:02d}"
        return f"--{day.month:02d}-{day.day:02d}"

    def details(self, p: Person) -> str:
        rng = self.rng
        if p.arch == "triage":
            return "{}"
        n = {"key": 4, "active": 3, "network": 1, "none": 0}[p.tier]
        n = int(rng.random() * (n + 1))
        keys: Sequence[str] = rng.sample(sorted(DETAILS), n) if n else ()
        return json.dumps({k: rng.choice(DETAILS[k]) for k in keys}, sort_keys=True)
