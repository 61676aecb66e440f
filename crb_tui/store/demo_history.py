"""The demo's interactions: when each relationship was active (``plan``) and what happened in
it, by archetype (``history``): e-mail threads, meetings, calls, messages, notes and LinkedIn
connections, each an event on the person being built (``demo_build`` turns them into rows)."""

from __future__ import annotations

from crb_tui.store.demo_draws import Draws, Person
from crb_tui.store.demo_shape import HISTORY_DAYS, TOUCHES_PER_YEAR
from crb_tui.store.demo_words import (
    CALL_SUBJECTS,
    EMAIL_SUBJECTS,
    MEETING_SUBJECTS,
    MESSAGE_SUBJECTS,
    NOTE_SUBJECTS,
    ONE_WAY_SUBJECTS,
    QUICK_REPLIES,
)


class History(Draws):
    """Draws each person's window of activity and, in it, their interactions by archetype."""

    def plan(self, p: Person) -> None:
        """Choose the window (days ago) the relationship was active in."""
        rng = self.rng
        arch = p.arch
        if arch == "warm":
            p.start = 150 + int(rng.random() * (HISTORY_DAYS - 150))
            # last touch: mostly within cadence, a fifth overdue so the review has work
            if rng.random() < 0.2:
                p.end = p.cadence + 3 + int(rng.random() * p.cadence * 0.6)
            else:
                p.end = int(rng.random() * p.cadence * 0.9)
            p.end = min(p.end, p.start - 30)
        elif arch == "fading":
            p.start = 330 + int(rng.random() * (HISTORY_DAYS - 330))
            p.end = 120 + int(rng.random() * min(p.start - 180, 320))
        elif arch == "one_way":
            p.start = 20 + int(rng.random() * (HISTORY_DAYS - 20))
            p.end = int(rng.random() * min(p.start, 200))
        elif arch == "transactional":
            center = 45 + int(rng.random() * (HISTORY_DAYS - 120))
            p.start = center + 20 + int(rng.random() * 25)
            p.end = max(0, center - 5 - int(rng.random() * 15))
        elif arch == "new":
            p.start = 6 + int(rng.random() * 40)
            p.end = int(rng.random() * 5)
        else:  # triage
            p.start = int(rng.random() * 7)
            p.end = int(rng.random() * (p.start + 1))
        p.end = max(0, min(p.end, p.start))

    def history(self, p: Person) -> None:
        rng = self.rng
        arch = p.arch
        rate = TOUCHES_PER_YEAR[p.tier] * self.richness
        if arch in ("warm", "fading"):
            years = max(p.start - p.end, 1) / 365
            n = max(3, int(rate * years * (0.7 + rng.random() * 0.6)))
            days = [p.end] + [p.end + int(rng.random() * (p.start - p.end)) for _ in range(n - 2)]
            days.append(p.start)
            for d in days:
                self.touch(p, self.workday(d))
            if arch == "warm" and p.url_id is not None:
                self.connection(p, p.start, rng.choice(("in", "out")))
        elif arch == "one_way":
            n = 2 + int(rng.random() * 6 * min(self.richness, 1.5))
            for k in range(n):
                d = p.end if k == 0 else p.end + int(rng.random() * (p.start - p.end + 1))
                self.one_way_touch(p, self.workday(d))
            if p.url_id is not None and rng.random() < 0.5:
                self.connection(p, p.start, "out")
        elif arch == "transactional":
            burst = 6 + int(rng.random() * 10 * self.richness)
            lo = p.end + 5
            for _ in range(burst):
                self.touch(p, self.workday(lo + int(rng.random() * max(p.start - lo, 1))))
            self.touch(p, p.start)
            self.touch(p, p.end)  # after-care, or the last word on the deal
            center = p.end + 5
            for after in (7, 30, 90):
                if center - after >= 0 and rng.random() < 0.35:
                    self.touch(p, self.workday(center - after))
        elif arch == "new":
            n = 2 + int(rng.random() * 5)
            self.touch(p, p.start, kind="meeting")
            for _ in range(n - 1):
                self.touch(p, p.end + int(rng.random() * (p.start - p.end + 1)))
            if p.url_id is not None:
                self.connection(p, max(0, p.start - 1), "in")
        else:  # triage: they wrote, the user answered (so sync made them a person)
            subject = self.fill(rng.choice(EMAIL_SUBJECTS), p)
            self.email_thread(
                p,
                p.start,
                8 * 60 + int(rng.random() * 300),
                "in",
                2 + int(rng.random() * 2),
                subject,
            )

    def touch(self, p: Person, d: int, kind: str | None = None) -> None:
        rng = self.rng
        if kind is None:
            r = rng.random()
            if p.tier == "key":
                r *= 0.9  # more meetings, fewer stray messages
            kind = (
                "email"
                if r < 0.52
                else "meeting"
                if r < 0.68
                else "call"
                if r < 0.78
                else "message"
                if r < 0.96
                else "note"
            )
        minute = 8 * 60 + int(rng.random() * 600)
        if kind == "email":
            r = rng.random()
            length = 1 if r < 0.35 else 2 if r < 0.7 else 3 if r < 0.87 else 4 + int(r > 0.95)
            first = "out" if rng.random() < 0.55 else "in"
            self.email_thread(p, d, minute, first, length, self.fill(rng.choice(EMAIL_SUBJECTS), p))
        elif kind == "meeting":
            minute -= minute % 30
            p.events.append(
                (
                    self.stamp(d, minute),
                    "meeting",
                    "mutual",
                    self.fill(rng.choice(MEETING_SUBJECTS), p),
                    None,
                    rng.choice((30, 30, 45, 60, 60, 90)),
                    p.email_id,
                )
            )
        elif kind == "call":
            r = rng.random()
            direction = "mutual" if r < 0.5 else "out" if r < 0.8 else "in"
            p.events.append(
                (
                    self.stamp(d, minute, int(rng.random() * 60)),
                    "call",
                    direction,
                    self.fill(rng.choice(CALL_SUBJECTS), p),
                    None,
                    5 + int(rng.random() * 40),
                    p.phone_id or p.email_id,
                )
            )
        elif kind == "message":
            first = "out" if rng.random() < 0.5 else "in"
            ident_id = p.phone_id or p.email_id
            p.events.append(
                (
                    self.stamp(d, minute, int(rng.random() * 60)),
                    "message",
                    first,
                    self.fill(rng.choice(MESSAGE_SUBJECTS), p),
                    None,
                    None,
                    ident_id,
                )
            )
            if rng.random() < 0.6 and minute < 23 * 60 - 30:
                reply = minute + 1 + int(rng.random() * 25)
                p.events.append(
                    (
                        self.stamp(d, reply, int(rng.random() * 60)),
                        "message",
                        "in" if first == "out" else "out",
                        rng.choice(QUICK_REPLIES),
                        None,
                        None,
                        ident_id,
                    )
                )
        else:
            p.events.append(
                (
                    self.stamp(d, minute),
                    "note",
                    "mutual",
                    self.fill(rng.choice(NOTE_SUBJECTS), p),
                    None,
                    None,
                    p.email_id,
                )
            )

    def email_thread(
        self, p: Person, d: int, minute: int, direction: str, length: int, subject: str
    ) -> None:
        rng = self.rng
        self.thread_no += 1
        thread = f"demo-thread:{self.thread_no}"
        for k in range(length):
            p.events.append(
                (
                    self.stamp(d, minute, int(rng.random() * 60)),
                    "email",
                    direction,
                    subject if k == 0 else "Re: " + subject,
                    thread,
                    None,
                    p.email_id,
                )
            )
            direction = "in" if direction == "out" else "out"
            minute += 15 + int(rng.random() * 240)
            if minute >= 20 * 60:
                if d == 0:  # never tomorrow: a late reply today, or none
                    if minute >= 23 * 60 + 30:
                        return
                    continue
                d -= 1
                minute = 7 * 60 + int(rng.random() * 180)

    def one_way_touch(self, p: Person, d: int) -> None:
        rng = self.rng
        minute = 8 * 60 + int(rng.random() * 600)
        if rng.random() < 0.8:
            subject = self.fill(rng.choice(ONE_WAY_SUBJECTS), p)
            # an unanswered mail, sometimes with an unanswered nudge a few days later
            length = 1 if rng.random() < 0.7 else 2
            self.thread_no += 1
            thread = f"demo-thread:{self.thread_no}"
            for k in range(length):
                p.events.append(
                    (
                        self.stamp(d, minute, int(rng.random() * 60)),
                        "email",
                        "out",
                        subject if k == 0 else "Re: " + subject,
                        thread,
                        None,
                        p.email_id,
                    )
                )
                d -= 3 + int(rng.random() * 5)
                if d < 0:
                    return
        else:
            p.events.append(
                (
                    self.stamp(d, minute, int(rng.random() * 60)),
                    "message",
                    "out",
                    self.fill(rng.choice(MESSAGE_SUBJECTS), p),
                    None,
                    None,
                    p.phone_id or p.email_id,
                )
            )

    def connection(self, p: Person, d: int, direction: str) -> None:
        p.events.append(
            (
                self.stamp(d, 7 * 60 + int(self.rng.random() * 60)),
                "connection",
                direction,
                "Connected on LinkedIn",
                None,
                None,
                p.url_id,
            )
        )
