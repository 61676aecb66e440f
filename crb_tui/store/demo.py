"""A deterministic, realistic synthetic data set: what a new user sees first, and what the
benchmarks load.

``generate(store, people=60, seed=7, today=...)`` fills a store with people, organisations,
identities and about two years of history before ``today``: e-mail threads, meetings, calls and
messages in both directions, commitments (kept, broken, open, some overdue, some due this week,
made by the user and to the user), value moments given and received (deals with amounts), goals
fresh and stale, notes in the person's own words, people waiting in triage, birthdays and the
personal details worth remembering.

Relationships follow archetypes so the review has something to say about each:

- ``warm``: two-way contact through to the last few weeks;
- ``fading``: was active, silent for months;
- ``one_way``: the user writes, they never answer;
- ``transactional``: one burst around a deal, then little;
- ``new``: met in the last weeks;
- ``triage``: arrived from sync in the last week, not accepted yet.

The same ``(people, seed, today)`` always gives the same database, byte for byte, including the
``created`` / ``updated`` stamps, which are derived from ``today`` and never from the clock.
Rows are written straight into the tables in chunks (one transaction per chunk of
``CHUNK_PEOPLE``, a second or so) so that ``people=100_000`` (about two million interactions)
loads in bounded memory while other processes can still write between two chunks.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from crb_tui import clock
from crb_tui.errors import CrbError
from crb_tui.store import Store
from crb_tui.store.demo_words import (
    CALL_SUBJECTS,
    CITIES,
    COMMIT_IN,
    COMMIT_OUT,
    DETAILS,
    EMAIL_SUBJECTS,
    EVENTS,
    FIRST_NAMES,
    GOALS,
    LAST_NAMES,
    MEETING_SUBJECTS,
    MESSAGE_SUBJECTS,
    NATIVE_NAMES,
    NOTE_SUBJECTS,
    NOTES,
    ONE_WAY_SUBJECTS,
    ORG_KINDS,
    ORG_WORDS,
    PERSONAL_DOMAINS,
    QUICK_REPLIES,
    SHOWCASE,
    SHOWCASE_ORGS,
    THEIR_WORDS,
    TITLES,
    TLDS,
    TOPICS,
    VALUE_KIND_WEIGHTS,
    VALUE_NOTES,
)

SOURCE = "demo"
HISTORY_DAYS = 730
CHUNK_PEOPLE = 2000
"""People generated and written per transaction."""

CORE_TABLES: tuple[str, ...] = (
    "people",
    "organizations",
    "identities",
    "interactions",
    "commitments",
    "value_moments",
    "goals",
    "notes",
)

# Deleted by ``replace=True``, children before parents (foreign keys are on).
_WIPE_ORDER: tuple[str, ...] = (
    "review_history",
    "merges",
    "interactions",
    "identities",
    "commitments",
    "value_moments",
    "goals",
    "notes",
    "health",
    "people",
    "organizations",
    "sync_state",
)

TIER_SHARE: dict[str, float] = {"key": 0.08, "active": 0.25, "network": 0.45, "none": 0.22}
DEFAULT_CADENCE: dict[str, int] = {"key": 14, "active": 30, "network": 90, "none": 180}

ARCHETYPE_SHARE: dict[str, dict[str, float]] = {
    "key": {"warm": 0.7, "fading": 0.15, "transactional": 0.15},
    "active": {"warm": 0.45, "fading": 0.25, "transactional": 0.2, "one_way": 0.1},
    "network": {"warm": 0.25, "fading": 0.3, "transactional": 0.2, "one_way": 0.15, "new": 0.1},
    "none": {"one_way": 0.35, "transactional": 0.25, "new": 0.25, "fading": 0.15},
}
TOUCHES_PER_YEAR: dict[str, float] = {"key": 44.0, "active": 18.0, "network": 7.0, "none": 3.5}

_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss",
     "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d"}
)
# fmt: on


def ascii_slug(text: str, sep: str = "") -> str:
    """Fold a name to ASCII for e-mail local parts, domains and profile slugs."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    out: list[str] = []
    for ch in folded:
        if ch.isascii() and ch.isalnum():
            out.append(ch.lower())
        elif ch in " -&" and out and out[-1] != sep:
            out.append(sep)
    return "".join(out).strip(sep) if sep else "".join(out)


# -- the public function ------------------------------------------------------------------------


def generate(
    store: Store,
    *,
    people: int = 60,
    seed: int = 7,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    replace: bool = False,
) -> dict[str, int]:
    """Fill ``store`` with a synthetic network of ``people`` and return what it created.

    Deterministic for ``(people, seed, today)``; ``today`` defaults to the clock's today
    (``CRB_TODAY`` when pinned). Refuses a store that already holds data unless
    ``replace=True``, which first deletes every person, organisation, identity, interaction,
    commitment, value moment, goal, note, merge, review history and sync checkpoint (the
    blocklist of ignored identities is kept).
    ``progress(done, total)`` is called after each chunk of people is written.
    """
    if isinstance(people, bool) or not isinstance(people, int) or people < 0:
        raise CrbError(f"demo: people must be a whole number >= 0, not {people!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise CrbError(f"demo: seed must be a whole number, not {seed!r}")
    if today is None:
        today = clock.today()
    elif isinstance(today, dt.datetime):
        today = today.date()
    elif not isinstance(today, dt.date):
        raise CrbError(f"demo: today must be a date, not {today!r}")

    db = store.db
    existing = {t: db.execute(f"select count(*) from [{t}]").fetchone()[0] for t in CORE_TABLES}
    if any(existing.values()):
        if not replace:
            held = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in existing.items() if n)
            raise CrbError(
                f"demo: the database already holds data ({held}); refusing to mix demo data "
                "into it. Use another --db, or replace=True (--replace) to delete it first."
            )
        try:
            with store.transaction():
                for table in _WIPE_ORDER:
                    db.execute(f"delete from [{table}]")
        except sqlite3.DatabaseError as exc:  # e.g. a plugin's table still points at people
            raise CrbError(f"demo: cannot delete the existing data: {exc}") from exc

    gen = _Generator(random.Random(seed), today, people)
    counts = dict.fromkeys(CORE_TABLES, 0)
    conn = db.conn
    orgs = gen.organizations()
    # A transaction per chunk of people, each indexed for full-text search as it commits:
    # another process (the app, `crb log`) waits at most one chunk for the write lock.
    with store.bulk_load():
        conn.executemany(
            "insert into organizations (id, name, domain, created) values (?, ?, ?, ?)", orgs
        )
        counts["organizations"] = len(orgs)
    for start in range(0, people, CHUNK_PEOPLE):
        with store.bulk_load():
            _after_others(conn, gen.ids)
            chunk = gen.people_chunk(start, min(people, start + CHUNK_PEOPLE))
            for table, sql in _INSERTS:
                rows = chunk[table]
                if rows:
                    conn.executemany(sql, rows)
                counts[table] += len(rows)
        if progress is not None:
            progress(min(people, start + CHUNK_PEOPLE), people)
    if people >= 20:
        with store.bulk_load():
            _this_morning(conn, today, random.Random(seed * 7919 + 1), counts)
    return counts


def _after_others(conn: sqlite3.Connection, ids: dict[str, int]) -> None:
    """Number the next chunk's rows after any another process added since the last chunk
    (alone, the numbers go on exactly as they would have)."""
    for table in ids:
        stored = conn.execute(f"select coalesce(max(id), 0) from [{table}]").fetchone()[0]
        ids[table] = max(ids[table], stored)


def _this_morning(
    conn: sqlite3.Connection, today: dt.date, rng: random.Random, counts: dict[str, int]
) -> None:
    """What the first review of the demo shows off, on its own day, beside the new people
    waiting for triage: a promise of yours due today, a meeting this afternoon (with its
    brief) and a birthday. Drawn from a random stream of its own, so the rest of the data
    set is the same with or without it."""
    live = [row[0] for row in conn.execute(
        "select id from people where archived = 0 and triage = 0 and tier in ('key', 'active') "
        "and name not like '[%' and exists (select 1 from identities d where d.person_id = "
        "people.id) order by id limit 40")]
    if len(live) < 4:
        return
    promise_to, meet, born = rng.sample(live, 3)
    day = today.isoformat()
    next_id = {t: (conn.execute(f"select coalesce(max(id), 0) from {t}").fetchone()[0] + 1)
               for t in ("interactions", "commitments")}
    created = f"{(today - dt.timedelta(days=9)).isoformat()}T10:00:00+00:00"
    name = conn.execute("select name from people where id = ?", [promise_to]).fetchone()[0]
    first = name.split()[0]
    conn.execute(
        "insert into commitments (id, person_id, text, due, status, direction, created, "
        "source, source_key) values (?, ?, ?, ?, 'open', 'out', ?, 'demo', ?)",
        [next_id["commitments"], promise_to, f"Send {first} the revised proposal", day, created,
         "demo:morning:promise"])
    conn.execute(
        "insert into interactions (id, person_id, identity_id, kind, direction, at, subject, "
        "duration_minutes, source, source_key) values (?, ?, (select min(id) from identities "
        "where person_id = ?), 'meeting', 'mutual', ?, ?, 45, 'demo', ?)",
        [next_id["interactions"], meet, meet, f"{day}T15:00:00+00:00", "Quarterly catch-up",
         "demo:morning:meeting"])
    conn.execute("update people set birthday = ? where id = ?",
                 [f"--{today.month:02d}-{today.day:02d}", born])
    counts["commitments"] += 1
    counts["interactions"] += 1


_INSERTS: tuple[tuple[str, str], ...] = (
    (
        "people",
        "insert into people (id, name, org_id, title, tier, cadence_days, archived, triage, "
        "birthday, details, source, source_key, created, updated) "
        "values (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 'demo', ?, ?, ?)",
    ),
    (
        "identities",
        "insert into identities (id, person_id, kind, value, display_name, source, first_seen) "
        "values (?, ?, ?, ?, ?, 'demo', ?)",
    ),
    (
        "interactions",
        "insert into interactions (id, person_id, identity_id, kind, direction, at, subject, "
        "thread, duration_minutes, source, source_key) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'demo', ?)",
    ),
    (
        "commitments",
        "insert into commitments (id, person_id, text, due, status, direction, created, "
        "closed_at, source, source_key) values (?, ?, ?, ?, ?, ?, ?, ?, 'demo', ?)",
    ),
    (
        "value_moments",
        "insert into value_moments (id, person_id, kind, direction, at, note, amount, source, "
        "source_key) values (?, ?, ?, ?, ?, ?, ?, 'demo', ?)",
    ),
    (
        "goals",
        "insert into goals (id, person_id, text, confirmed_at, created, active, source, "
        "source_key) values (?, ?, ?, ?, ?, ?, 'demo', ?)",
    ),
    (
        "notes",
        "insert into notes (id, person_id, at, text, their_words, source, source_key) "
        "values (?, ?, ?, ?, ?, 'demo', ?)",
    ),
)


# -- the generator ------------------------------------------------------------------------------


def _allocate(n: int, shares: dict[str, float], rng: random.Random) -> list[str]:
    """Exactly proportional labels (largest remainder), shuffled: small sets get every kind."""
    total = sum(shares.values())
    exact = {k: n * v / total for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = n - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], list(shares).index(k)))[:rest]:
        counts[k] += 1
    labels = [k for k in shares for _ in range(counts[k])]
    rng.shuffle(labels)
    return labels


class _Person:
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


class _Generator:
    def __init__(self, rng: random.Random, today: dt.date, people: int) -> None:
        self.rng = rng
        self.today = today
        self.n = people
        span = HISTORY_DAYS + 60
        self.days = [(today - dt.timedelta(days=d)).isoformat() for d in range(span + 1)]
        self.weekday = [(today - dt.timedelta(days=d)).weekday() for d in range(span + 1)]
        # A small network is the curated, close one: denser history per person.
        self.richness = 1.0 + min(1.0, 200 / max(people, 1))
        self.n_triage = min(people, max(3, people // 40)) if people >= 10 else 0
        settled = people - self.n_triage
        self.tiers = _allocate(settled, TIER_SHARE, rng)
        by_tier = {t: _allocate(self.tiers.count(t), ARCHETYPE_SHARE[t], rng) for t in TIER_SHARE}
        self.archetypes: list[str] = []
        for tier in self.tiers:
            self.archetypes.append(by_tier[tier].pop())
        self.showcase_at = self._showcase_positions(people)
        self.orgs: list[tuple[int, str, str]] = []
        self.emails: set[str] = set()
        self.names: set[str] = {name for name, _, _ in SHOWCASE}
        self.popular: list[tuple[int, str, str]] = []
        self.phones: set[str] = set()
        self.ids = dict.fromkeys(CORE_TABLES, 0)
        self.thread_no = 0
        self.vk_names = [k for k, _ in VALUE_KIND_WEIGHTS]
        self.vk_cum = []
        acc = 0.0
        for _, w in VALUE_KIND_WEIGHTS:
            acc += w
            self.vk_cum.append(acc)

    @staticmethod
    def _showcase_positions(people: int) -> dict[int, int]:
        if people < len(SHOWCASE) * 2:
            return {}
        step = min(people, 60) // len(SHOWCASE)
        return {1 + i * step: i for i in range(len(SHOWCASE))}

    # helpers ----------------------------------------------------------------------------------

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

    def fill(self, template: str, p: _Person) -> str:
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

    # organisations ----------------------------------------------------------------------------

    def organizations(self) -> list[tuple[int, str, str, str]]:
        if self.n == 0:
            return []
        rng = self.rng
        n = max(10, self.n // 8)
        names: set[str] = set()
        domains: set[str] = set()
        rows = []
        for i in range(n):
            if i % 3 == 1 and i // 3 < len(SHOWCASE_ORGS) and self.n >= 20:
                name, domain = SHOWCASE_ORGS[i // 3]
            else:
                name = f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}"
                if name in names:
                    a, b = name.split(" ", 1)
                    name = f"{a} {rng.choice(ORG_WORDS)} {b}"
                k = 2
                base = name
                while name in names:
                    name = f"{base} {k}"
                    k += 1
                domain = ascii_slug(name) + rng.choice(TLDS)
            k = 2
            base_domain = domain
            while domain in domains:
                head, _, tail = base_domain.partition(".")
                domain = f"{head}{k}.{tail}"
                k += 1
            names.add(name)
            domains.add(domain)
            created = self.stamp(HISTORY_DAYS - int(rng.random() * 60), 9 * 60)
            org_id = self.next_id("organizations")
            self.orgs.append((org_id, name, domain))
            rows.append((org_id, name, domain, created))
        # Which organisations employ the most people: not simply the first ones created.
        self.popular = list(self.orgs)
        rng.shuffle(self.popular)
        return rows

    # people -----------------------------------------------------------------------------------

    def people_chunk(self, start: int, stop: int) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in CORE_TABLES}
        settled = self.n - self.n_triage
        for i in range(start, stop):
            if i < settled:
                self.person(i, self.tiers[i], self.archetypes[i], out)
            else:
                self.person(i, "none", "triage", out)
        return out

    def pick_name(self, i: int) -> tuple[str, str, str]:
        rng = self.rng
        if i in self.showcase_at:
            return SHOWCASE[self.showcase_at[i]]
        if rng.random() < 0.05:
            return rng.choice(NATIVE_NAMES)
        for _ in range(4):  # namesakes happen, but rarely in a small network
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            if name not in self.names:
                break
        self.names.add(name)
        return name, first, f"{ascii_slug(first)}.{ascii_slug(last)}"

    def unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        k = 2
        while email in self.emails:
            email = f"{local}{k}@{domain}"
            k += 1
        self.emails.add(email)
        return email

    def phone(self) -> str:
        rng = self.rng
        while True:
            r = rng.random()
            digits = f"{int(rng.random() * 10**8):08d}"
            if r < 0.35:
                number = "+447" + digits[:1] + digits  # UK mobile: +44 7xxx xxxxxx
            elif r < 0.55:
                number = "+1" + rng.choice(("415", "212", "646", "312", "617")) + "5" + digits[2:]
            elif r < 0.7:
                number = "+49151" + digits
            elif r < 0.8:
                number = "+336" + digits
            elif r < 0.9:
                number = "+485" + digits
            else:
                number = "+8210" + digits
            if number not in self.phones:
                self.phones.add(number)
                return number

    def person(self, i: int, tier: str, arch: str, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        p = _Person()
        p.pid = self.next_id("people")
        p.tier, p.arch = tier, arch
        p.name, p.given, local = self.pick_name(i)
        if self.orgs and rng.random() < 0.85:
            p.org = self.popular[int(len(self.popular) * rng.random() ** 1.6)]
            domain = p.org[2]
        else:
            p.org = None
            domain = rng.choice(PERSONAL_DOMAINS)
        title = rng.choice(TITLES) if p.org and arch != "triage" and rng.random() < 0.8 else None
        cadence = None
        if arch != "triage" and rng.random() < 0.15:
            cadence = rng.choice((7, 21, 45, 60, 120, 365))
        p.cadence = cadence or DEFAULT_CADENCE[tier]

        # the shape of the history: days ago of the first and last touch
        self.plan(p)

        # identities: ids first, so the history can point at them
        email = self.unique_email(local, domain)
        p.email_id = self.next_id("identities")
        p.phone_id = p.url_id = None
        extra: list[tuple[int, str, str]] = []
        if arch != "triage" and rng.random() < 0.35:
            p.phone_id = self.next_id("identities")
            extra.append((p.phone_id, "phone", self.phone()))
        if arch != "triage" and rng.random() < 0.4:
            p.url_id = self.next_id("identities")
            slug = f"{local.replace('.', '-')}-{p.pid:x}{int(rng.random() * 4096):03x}"
            extra.append((p.url_id, "url", f"linkedin.com/in/{slug}"))

        self.history(p)
        p.events.sort()
        created = self.stamp(p.start, 8 * 60)
        if p.events and p.events[0][0] < created:
            created = p.events[0][0]
        ident = out["identities"]
        ident.append((p.email_id, p.pid, "email", email, p.name, created))
        for ident_id, kind, value in extra:
            ident.append((ident_id, p.pid, kind, value, p.name, created))
        inter = out["interactions"]
        for at, kind, direction, subject, thread, duration, ident_id in p.events:
            n = self.next_id("interactions")
            inter.append(
                (n, p.pid, ident_id, kind, direction, at, subject, thread, duration, f"demo:{n}")
            )
        last_at = p.events[-1][0] if p.events else created
        self.commitments(p, out["commitments"])
        self.value_moments(p, out["value_moments"])
        self.goals(p, out["goals"])
        self.notes(p, out["notes"])

        out["people"].append(
            (
                p.pid,
                p.name,
                p.org[0] if p.org else None,
                title,
                tier,
                cadence,
                int(arch == "triage"),
                self.birthday(),
                self.details(p),
                f"demo:p{p.pid}",
                created,
                max(created, last_at),
            )
        )

    def plan(self, p: _Person) -> None:
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

    # interactions -----------------------------------------------------------------------------

    def history(self, p: _Person) -> None:
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

    def touch(self, p: _Person, d: int, kind: str | None = None) -> None:
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
        self, p: _Person, d: int, minute: int, direction: str, length: int, subject: str
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

    def one_way_touch(self, p: _Person, d: int) -> None:
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

    def connection(self, p: _Person, d: int, direction: str) -> None:
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

    # commitments, value, goals, notes ---------------------------------------------------------

    def day_in_window(self, p: _Person) -> int:
        return p.end + int(self.rng.random() * (p.start - p.end + 1))

    def commitments(self, p: _Person, rows: list[tuple[Any, ...]]) -> None:
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
        x = self.rng.random() * self.vk_cum[-1]
        for name, edge in zip(self.vk_names, self.vk_cum, strict=True):
            if x < edge:
                return name
        return self.vk_names[-1]

    def value_moments(self, p: _Person, rows: list[tuple[Any, ...]]) -> None:
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

    def goals(self, p: _Person, rows: list[tuple[Any, ...]]) -> None:
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

    def notes(self, p: _Person, rows: list[tuple[Any, ...]]) -> None:
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

    def details(self, p: _Person) -> str:
        rng = self.rng
        if p.arch == "triage":
            return "{}"
        n = {"key": 4, "active": 3, "network": 1, "none": 0}[p.tier]
        n = int(rng.random() * (n + 1))
        keys: Sequence[str] = rng.sample(sorted(DETAILS), n) if n else ()
        return json.dumps({k: rng.choice(DETAILS[k]) for k in keys}, sort_keys=True)
