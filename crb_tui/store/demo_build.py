"""The demo's organisations and people: ``Generator`` deals tiers and archetypes, names people
(a few showcase ones first), gives them employers, e-mail addresses, phones and LinkedIn URLs,
and asks ``History`` and ``Facts`` for the rest; it returns each chunk of people as rows per
table for ``demo`` to write."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from crb_tui.store.demo_draws import Person
from crb_tui.store.demo_facts import Facts
from crb_tui.store.demo_history import History
from crb_tui.store.demo_shape import (
    ARCHETYPE_SHARE,
    CORE_TABLES,
    DEFAULT_CADENCE,
    HISTORY_DAYS,
    TIER_SHARE,
    allocate,
    ascii_slug,
)
from crb_tui.store.demo_words import (
    FIRST_NAMES,
    LAST_NAMES,
    NATIVE_NAMES,
    ORG_KINDS,
    ORG_WORDS,
    PERSONAL_DOMAINS,
    SHOWCASE,
    SHOWCASE_ORGS,
    TITLES,
    TLDS,
)
from crb_tui.text import fold


class Generator(History, Facts):
    """Builds the organisations, then the people chunk by chunk: each with their identities,
    history and facts, as rows ready for ``demo`` to write."""

    def __init__(self, rng: random.Random, today: dt.date, people: int) -> None:
        super().__init__(rng, today, people)
        self.n_triage = min(people, max(3, people // 40)) if people >= 10 else 0
        settled = people - self.n_triage
        self.tiers = allocate(settled, TIER_SHARE, rng)
        by_tier = {t: allocate(self.tiers.count(t), ARCHETYPE_SHARE[t], rng) for t in TIER_SHARE}
        self.archetypes: list[str] = []
        for tier in self.tiers:
            self.archetypes.append(by_tier[tier].pop())
        self.showcase_at = self._showcase_positions(people)
        self.emails: set[str] = set()
        self.names: set[str] = {name for name, _, _ in SHOWCASE}
        self.popular: list[tuple[int, str, str]] = []
        self.phones: set[str] = set()

    @staticmethod
    def _showcase_positions(people: int) -> dict[int, int]:
        if people < len(SHOWCASE) * 2:
            return {}
        step = min(people, 60) // len(SHOWCASE)
        return {1 + i * step: i for i in range(len(SHOWCASE))}

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
                    word = rng.choice(ORG_WORDS)
                    if word == a:  # never "Tidewater Tidewater Data": the next word instead
                        word = ORG_WORDS[(ORG_WORDS.index(word) + 1) % len(ORG_WORDS)]
                    name = f"{a} {word} {b}"
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
        p = Person()
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
                fold(p.name),
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
