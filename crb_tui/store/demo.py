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

This module writes; what it writes is described in ``demo_shape`` (sizes, shares, tables) and
``demo_words`` (the vocabulary), and built by ``demo_build`` (organisations and people, with
their identities), ``demo_history`` (interactions) and ``demo_facts`` (commitments, value, goals,
notes, birthdays, details), on the common ground of ``demo_draws``.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Callable

from crb_tui import clock
from crb_tui.errors import CrbError
from crb_tui.store import Store, tables
from crb_tui.store.demo_build import Generator
from crb_tui.store.demo_shape import CORE_TABLES, HISTORY_DAYS, ascii_slug

__all__ = ["CHUNK_PEOPLE", "CORE_TABLES", "HISTORY_DAYS", "SOURCE", "ascii_slug", "generate"]

SOURCE = "demo"
CHUNK_PEOPLE = 2000
"""People generated and written per transaction."""

# Deleted by ``replace=True``: the health cache and every table of the user's but the
# blocklist, children before parents (the reverse of the order that loads; foreign keys are on).
_WIPE_ORDER: tuple[str, ...] = (
    "health_params", *(t for t in reversed(tables.EXPORTED) if t != "ignored"))


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
                "into it. Use another --db, or `crb demo --replace` to delete it first."
            )
        try:
            with store.transaction():
                for table in _WIPE_ORDER:
                    db.execute(f"delete from [{table}]")
        except sqlite3.DatabaseError as exc:  # e.g. a plugin's table still points at people
            raise CrbError(f"demo: cannot delete the existing data: {exc}") from exc

    gen = Generator(random.Random(seed), today, people)
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
        # (name_key given: the store's trigger then has nothing to fold again)
        "insert into people (id, name, name_key, org_id, title, tier, cadence_days, archived, "
        "triage, birthday, details, source, source_key, created, updated) "
        "values (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 'demo', ?, ?, ?)",
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
