"""The demo data set: deterministic, realistic enough to exercise every part of the review, and
internally consistent (every row points at rows that exist and belong together)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from crb_tui.errors import CrbError
from crb_tui.identity import normalise
from crb_tui.store import Store, demo

TODAY = dt.date(2025, 6, 18)
END_OF_TODAY = f"{TODAY.isoformat()}T23:59:59+00:00"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def days_ago(n: int) -> str:
    return f"{(TODAY - dt.timedelta(days=n)).isoformat()}T00:00:00+00:00"


def rows(store: Store, sql: str, *params: object) -> list[tuple]:
    return store.db.execute(sql, params).fetchall()


def one(store: Store, sql: str, *params: object) -> Any:
    return store.db.execute(sql, params).fetchone()[0]


def table_dump(store: Store) -> dict[str, list[tuple]]:
    return {t: rows(store, f"select * from [{t}] order by id") for t in demo.CORE_TABLES}


@pytest.fixture(scope="module")
def big() -> Store:
    store = Store.open(None)
    demo.generate(store, people=300, seed=7, today=TODAY)
    return store


@pytest.fixture(scope="module")
def small() -> tuple[Store, dict[str, int]]:
    store = Store.open(None)
    counts = demo.generate(store, people=60, seed=7, today=TODAY)
    return store, counts


# -- determinism ----------------------------------------------------------------------------------


def test_same_seed_and_day_give_identical_tables() -> None:
    a, b = Store.open(None), Store.open(None)
    demo.generate(a, people=80, seed=11, today=TODAY)
    demo.generate(b, people=80, seed=11, today=TODAY)
    dump_a, dump_b = table_dump(a), table_dump(b)
    for table in demo.CORE_TABLES:
        assert dump_a[table], f"{table} is empty"
        assert dump_a[table] == dump_b[table], table


def test_different_seed_or_day_differs() -> None:
    base, other_seed, other_day = Store.open(None), Store.open(None), Store.open(None)
    demo.generate(base, people=40, seed=1, today=TODAY)
    demo.generate(other_seed, people=40, seed=2, today=TODAY)
    demo.generate(other_day, people=40, seed=1, today=TODAY + dt.timedelta(days=1))
    assert table_dump(base)["people"] != table_dump(other_seed)["people"]
    assert table_dump(base)["interactions"] != table_dump(other_seed)["interactions"]
    assert table_dump(base)["interactions"] != table_dump(other_day)["interactions"]


def test_does_not_touch_the_global_random() -> None:
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    demo.generate(Store.open(None), people=30, seed=5, today=TODAY)
    assert random.random() == expected


# -- shape and counts -----------------------------------------------------------------------------


def test_returned_counts_match_the_store(small: tuple[Store, dict[str, int]]) -> None:
    store, counts = small
    assert counts == store.counts()
    assert counts["people"] == 60
    assert 1500 <= counts["interactions"] <= 3000
    assert counts["organizations"] >= 6
    for table in ("commitments", "value_moments", "goals", "notes"):
        assert counts[table] > 20, table


def test_tiers_are_spread(big: Store) -> None:
    tiers = dict(rows(big, "select tier, count(*) from people where triage = 0 group by tier"))
    settled = sum(tiers.values())
    assert abs(tiers["key"] / settled - 0.08) < 0.02
    assert abs(tiers["active"] / settled - 0.25) < 0.03
    assert abs(tiers["network"] / settled - 0.45) < 0.03
    explicit = one(big, "select count(*) from people where cadence_days is not null")
    assert 0 < explicit < settled / 3


def test_names_include_non_ascii_and_literal_markup(small: tuple[Store, dict[str, int]]) -> None:
    store, _ = small
    names = {r[0] for r in rows(store, "select name from people")}
    assert "[bold red]Evil[/]" in names
    for name in ("Zoë Lefèvre", "José García", "Łukasz Nowak", "김민준"):
        assert name in names
    assert sum(1 for n in names if not n.isascii()) >= 5


def test_identities_are_normalised_and_look_real(big: Store) -> None:
    idents = rows(big, "select kind, value from identities")
    kinds = {k for k, _ in idents}
    assert kinds == {"email", "phone", "url"}
    for kind, value in idents:
        assert normalise(kind, value) == value, (kind, value)
    # e-mails at the organisation's domain, first.last
    with_org = rows(
        big,
        "select i.value, o.domain from identities i join people p on p.id = i.person_id "
        "join organizations o on o.id = p.org_id where i.kind = 'email'",
    )
    assert with_org
    for value, domain in with_org:
        assert value.endswith("@" + domain)
    assert any(re.match(r"^[a-z]+\.[a-z]+@", v) for v, _ in with_org)
    assert any(v.startswith("+44") for k, v in idents if k == "phone")
    assert any(v.startswith("linkedin.com/in/") for k, v in idents if k == "url")
    # lookups through the store's own resolution find the person
    email, person_id = rows(
        big, "select value, person_id from identities where kind = 'email' order by id limit 1"
    )[0]
    assert big.resolve_person(email.upper()) == person_id


# -- archetypes -----------------------------------------------------------------------------------


def test_archetypes_are_all_present(big: Store) -> None:
    per_person = rows(
        big,
        "select person_id, count(*), sum(direction = 'out'), max(at), "
        "sum(direction != 'out' and at >= ?), sum(direction = 'out' and at >= ?) "
        "from interactions group by person_id",
        days_ago(30),
        days_ago(30),
    )
    one_way = [p for p, n, outs, *_ in per_person if n >= 2 and outs == n]
    fading = [p for p, _, _, last, *_ in per_person if last < days_ago(180)]
    warm = [p for p, _, _, _, recent_back, recent_out in per_person if recent_back and recent_out]
    assert len(one_way) >= 5
    assert len(fading) >= 10
    assert len(warm) >= 20
    # fading people were active once: several touches, in both directions
    marks = ",".join("?" for _ in fading)
    busy_faders = rows(
        big,
        f"select person_id from interactions where person_id in ({marks}) group by person_id "
        "having count(*) >= 5 and sum(direction = 'in') > 0",
        *fading,
    )
    assert busy_faders
    # transactional: a deal and a burst of contact within weeks of it
    bursts = rows(
        big,
        "select v.person_id, count(i.id) from value_moments v join interactions i "
        "on i.person_id = v.person_id and abs(julianday(i.at) - julianday(v.at)) <= 45 "
        "where v.kind = 'deal' group by v.id having count(i.id) >= 6",
    )
    assert len(bursts) >= 5
    # new: first touch in the last few weeks
    new = rows(
        big,
        "select person_id from interactions group by person_id having min(at) >= ?",
        days_ago(50),
    )
    assert len(new) >= 10


def test_kinds_and_threads(big: Store) -> None:
    kinds = {r[0] for r in rows(big, "select distinct kind from interactions")}
    assert {"email", "meeting", "call", "message", "connection"} <= kinds
    assert one(big, "select count(*) from interactions where subject like 'Re: %'") > 100
    assert one(big, "select count(distinct direction) from interactions where kind = 'email'") == 2
    meetings = rows(
        big, "select direction, duration_minutes from interactions where kind = 'meeting'"
    )
    assert all(d == "mutual" and m in (30, 45, 60, 90) for d, m in meetings)
    connections = rows(
        big,
        "select count(*) from interactions i join identities d on d.id = i.identity_id "
        "where i.kind = 'connection' and d.kind != 'url'",
    )
    assert connections[0][0] == 0


def test_no_template_is_left_unfilled(big: Store) -> None:
    for table, column in (("interactions", "subject"), ("commitments", "text"),
                          ("value_moments", "note"), ("notes", "text"), ("goals", "text")):
        left = rows(big, f"select {column} from {table} where {column} like '%{{%}}%'")
        assert left == [], (table, left[:3])


def test_commitments_cover_every_status_and_both_directions(big: Store) -> None:
    today = TODAY.isoformat()
    week = (TODAY + dt.timedelta(days=7)).isoformat()
    statuses = {r[0] for r in rows(big, "select distinct status from commitments")}
    assert statuses == {"open", "kept", "broken"}
    directions = {r[0] for r in rows(big, "select distinct direction from commitments")}
    assert directions == {"out", "in"}
    overdue = rows(big, "select count(*) from commitments where status = 'open' and due < ?", today)
    due_this_week = rows(
        big,
        "select count(*) from commitments where status = 'open' and due between ? and ?",
        today,
        week,
    )
    assert overdue[0][0] >= 3
    assert due_this_week[0][0] >= 3
    # closed ones have a closing time after they were made; open ones have none
    assert (
        one(big, "select count(*) from commitments where status = 'open' and closed_at is not null")
        == 0
    )
    assert (
        one(
            big,
            "select count(*) from commitments where status != 'open' and "
            "(closed_at is null or closed_at < created)",
        )
        == 0
    )
    assert one(big, "select count(*) from commitments where due < substr(created, 1, 10)") == 0


def test_value_moments_both_ways_with_deals(big: Store) -> None:
    kinds = {r[0] for r in rows(big, "select distinct kind from value_moments")}
    assert kinds == {"intro", "advice", "resource", "referral", "deal", "other"}
    directions = {r[0] for r in rows(big, "select distinct direction from value_moments")}
    assert directions == {"given", "received"}
    deals = rows(big, "select amount from value_moments where kind = 'deal'")
    assert deals and all(a is not None and a > 0 for (a,) in deals)
    assert (
        one(big, "select count(*) from value_moments where kind != 'deal' and amount is not null")
        == 0
    )


def test_goals_fresh_and_stale(big: Store) -> None:
    stale = one(
        big, "select count(*) from goals where active = 1 and confirmed_at < ?", days_ago(180)
    )
    fresh = one(
        big, "select count(*) from goals where active = 1 and confirmed_at >= ?", days_ago(60)
    )
    assert stale >= 10 and fresh >= 10
    assert one(big, "select count(*) from goals where created > confirmed_at") == 0


def test_notes_in_their_own_words(big: Store) -> None:
    theirs = rows(big, "select text from notes where their_words = 1")
    mine = rows(big, "select text from notes where their_words = 0")
    assert len(theirs) >= 10 and len(mine) >= 10
    assert all(t.startswith("\u201c") for (t,) in theirs)


def test_triage_people_are_recent_and_have_an_exchange(big: Store) -> None:
    triage = rows(big, "select id, created, tier from people where triage = 1")
    assert 3 <= len(triage) <= 20
    for person_id, created, tier in triage:
        assert created >= days_ago(7)
        assert tier == "none"
        directions = {
            r[0]
            for r in rows(big, "select direction from interactions where person_id = ?", person_id)
        }
        assert directions == {"in", "out"}


def test_birthdays_and_details(big: Store) -> None:
    birthdays = [r[0] for r in rows(big, "select birthday from people where birthday is not null")]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", b) for b in birthdays)
    assert any(re.fullmatch(r"--\d\d-\d\d", b) for b in birthdays)
    for b in birthdays:
        dt.date.fromisoformat(b.replace("--", "2001-", 1) if b.startswith("--") else b)
    details = [json.loads(r[0]) for r in rows(big, "select details from people")]
    assert all(isinstance(d, dict) for d in details)
    remembered = [d for d in details if d]
    assert len(remembered) >= 50
    assert any("coffee" in d for d in remembered) and any("family" in d for d in remembered)


# -- integrity ------------------------------------------------------------------------------------


def test_every_row_points_at_what_it_belongs_to(big: Store) -> None:
    assert rows(big, "pragma foreign_key_check") == []
    mismatched = rows(
        big,
        "select count(*) from interactions i left join identities d on d.id = i.identity_id "
        "where d.id is null or d.person_id is not i.person_id",
    )
    assert mismatched[0][0] == 0
    assert one(big, "select count(*) from interactions where person_id is null") == 0
    keys = rows(big, "select count(*), count(distinct source_key) from interactions")[0]
    assert keys[0] == keys[1]
    assert one(big, "select count(*) from interactions where source_key not like 'demo:%'") == 0
    orphans = rows(
        big,
        "select count(*) from people p where not exists "
        "(select 1 from identities d where d.person_id = p.id)",
    )
    assert orphans[0][0] == 0


STAMPS: dict[str, tuple[str, ...]] = {
    "organizations": ("created",),
    "people": ("created", "updated"),
    "identities": ("first_seen",),
    "interactions": ("at",),
    "commitments": ("created", "closed_at"),
    "value_moments": ("at",),
    "goals": ("confirmed_at", "created"),
    "notes": ("at",),
}


def test_every_timestamp_is_iso_utc_and_not_after_today(big: Store) -> None:
    earliest = days_ago(demo.HISTORY_DAYS + 60)
    for table, columns in STAMPS.items():
        for column in columns:
            values = [r[0] for r in rows(big, f"select {column} from {table}") if r[0] is not None]
            assert values, (table, column)
            bad = [v for v in values if not ISO.match(v)]
            assert not bad, (table, column, bad[:3])
            assert max(values) <= END_OF_TODAY, (table, column, max(values))
            assert min(values) >= earliest, (table, column, min(values))
    # the person existed before anything happened with them
    for table, column in (
        ("interactions", "at"),
        ("commitments", "created"),
        ("value_moments", "at"),
        ("goals", "created"),
        ("notes", "at"),
    ):
        early = rows(
            big,
            f"select count(*) from {table} x join people p on p.id = x.person_id "
            f"where x.{column} < p.created",
        )
        assert early[0][0] == 0, table


@pytest.mark.parametrize("day", ["2026-11-23", "2024-02-29"])
def test_default_today_is_the_clocks_today(day: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The one clock's today (CRB_TODAY when pinned), whatever the machine's date is.
    monkeypatch.setenv("CRB_TODAY", day)
    store = Store.open(None)
    demo.generate(store, people=20, seed=3)
    last = one(store, "select max(at) from interactions")
    assert last[:10] == day  # this afternoon's meeting is the latest thing there is


# -- search ---------------------------------------------------------------------------------------


def test_full_text_search_finds_demo_rows(small: tuple[Store, dict[str, int]]) -> None:
    store, _ = small
    hit = rows(store, "select rowid from people_fts where people_fts match 'Evil'")
    assert len(hit) == 1
    assert one(store, "select name from people where id = ?", hit[0][0]) == "[bold red]Evil[/]"
    assert (
        one(
            store,
            "select count(*) from interactions_fts where interactions_fts match "
            "'proposal OR coffee'",
        )
        > 0
    )
    assert (
        one(store, "select count(*) from organizations_fts")
        == rows(store, "select count(*) from organizations")[0][0]
    )


# -- refusing and replacing -----------------------------------------------------------------------


def test_refuses_a_store_with_data_and_replaces_on_request() -> None:
    store = Store.open(None)
    demo.generate(store, people=30, seed=1, today=TODAY)
    before = table_dump(store)
    with pytest.raises(CrbError, match="already holds"):
        demo.generate(store, people=30, seed=2, today=TODAY)
    assert table_dump(store) == before
    counts = demo.generate(store, people=25, seed=2, today=TODAY, replace=True)
    fresh = Store.open(None)
    assert demo.generate(fresh, people=25, seed=2, today=TODAY) == counts
    assert table_dump(store) == table_dump(fresh)
    assert one(store, "select count(*) from people_fts") == 25


def test_progress_and_edge_sizes() -> None:
    seen: list[tuple[int, int]] = []
    store = Store.open(None)
    demo.generate(store, people=7, seed=1, today=TODAY, progress=lambda a, b: seen.append((a, b)))
    assert seen and seen[-1] == (7, 7)
    assert store.counts()["people"] == 7
    empty = Store.open(None)
    assert demo.generate(empty, people=0, today=TODAY) == dict.fromkeys(demo.CORE_TABLES, 0)
    with pytest.raises(CrbError):
        demo.generate(Store.open(None), people=-1, today=TODAY)


def test_ascii_slug_folds_names() -> None:
    assert demo.ascii_slug("Łukasz") == "lukasz"
    assert demo.ascii_slug("Zoë") == "zoe"
    assert demo.ascii_slug("O'Brien") == "obrien"
    assert demo.ascii_slug("van der Berg") == "vanderberg"
    assert demo.ascii_slug("Đorđević") == "dordevic"
    assert demo.ascii_slug("Müller & Söhne", "-") == "muller-sohne"


def test_the_first_review_shows_what_the_review_can_do() -> None:
    """On the demo's own day: a promise due today, a meeting with its brief, a birthday and
    new people to triage, not a dozen "past cadence" cards."""
    from crb_tui.config import Config
    from crb_tui.engine.review import build_review

    day = dt.date(2026, 12, 1)
    s = Store.open(None)
    demo.generate(s, people=60, seed=7, today=day)
    from crb_tui.engine import health

    health.compute_all(s, Config(), day)
    items = build_review(s, Config(), day)
    kinds = [item.kind for item in items]
    # Today's meetings and birthdays have places of their own beyond the day's 12.
    bound = [i for i in items if i.kind == "meeting" or i.also_today
             or (i.kind == "anniversary" and i.detail["in_days"] == 0)]
    assert len(items) - len(bound) == 12 and bound
    for kind in ("commitment", "meeting", "anniversary", "triage"):
        assert kind in kinds, kinds
    assert kinds[0] == "commitment"
    s.close()


def test_no_organisation_repeats_a_word() -> None:
    """A name drawn twice gets a second word, never the first one again (trial: "Tidewater
    Tidewater Data" in the 20,000-person demo)."""
    import random

    from crb_tui.store.demo_build import Generator

    for seed in range(3):
        orgs = Generator(random.Random(seed), dt.date(2026, 11, 23), 20_000).organizations()
        names = [row[1] for row in orgs]
        doubled = [n for n in names if re.search(r"\b(\w+) \1\b", n)]
        assert not doubled and len(names) == len(set(names)) == 2500
