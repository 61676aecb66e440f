"""What the demo data set is made of, before any of it is drawn: how long its history runs, the
tables it fills, how people divide into tiers and archetypes, how often each tier is in touch and
the cadence each expects. Also the two small pure helpers the builders share: folding a name to
ASCII (``ascii_slug``) and dealing labels out in exact proportions (``allocate``).

The vocabulary the builders draw from is ``demo_words``; the builders are ``demo_build``
(organisations and people), ``demo_history`` (interactions) and ``demo_facts`` (commitments,
value, goals, notes, birthdays, details); ``demo`` writes what they build.
"""

from __future__ import annotations

import random
import unicodedata

from crb_tui.store import tables

HISTORY_DAYS = 730

CORE_TABLES: tuple[str, ...] = tables.COUNTED
"""The tables the demo fills (the ones the store counts), people first."""

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



def allocate(n: int, shares: dict[str, float], rng: random.Random) -> list[str]:
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
