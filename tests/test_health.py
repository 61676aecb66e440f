"""The health model: DESIGN §4's rules as properties, explain against compute_all, and the
parts of every score."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crb_tui import Commitment, Identity, Interaction, Person, ValueMoment, hookimpl
from crb_tui.config import Config
from crb_tui.engine.health import Health, compute_all, describe, explain
from crb_tui.errors import CrbError, NotFound
from crb_tui.records import DIRECTIONS, INTERACTION_KINDS, TIERS
from crb_tui.store import Store

TODAY = dt.date(2026, 6, 1)
PROPERTY = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def stamp(days_ago: float, today: dt.date = TODAY) -> str:
    moment = dt.datetime.combine(today, dt.time(12, 0), tzinfo=dt.UTC)
    return (moment - dt.timedelta(days=days_ago)).isoformat()


class World:
    """A small in-memory store that tests fill row by row."""

    def __init__(self) -> None:
        self.store = Store.open(None)
        self.db = self.store.db
        self.keys = 0

    def close(self) -> None:
        self.store.close()

    def _key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"

    def person(self, tier: str = "active", cadence: int | None = None, name: str = "Ada") -> int:
        cur = self.db.execute(
            "insert into people (name, tier, cadence_days, created, updated) "
            "values (?, ?, ?, ?, ?)",
            [name, tier, cadence, stamp(500), stamp(500)],
        )
        return int(cur.lastrowid or 0)

    def touch(self, pid: int, days_ago: float, kind: str = "email", direction: str = "out",
              subject: str | None = None) -> None:
        self.db.execute(
            "insert into interactions (person_id, kind, direction, at, subject, source, "
            "source_key) values (?, ?, ?, ?, ?, 't', ?)",
            [pid, kind, direction, stamp(days_ago), subject, self._key()],
        )

    def promise(self, pid: int, due_in: int, status: str = "open", closed_ago: int | None = None,
                text: str = "Send the deck", made_ago: int = 200) -> int:
        due = (TODAY + dt.timedelta(days=due_in)).isoformat()
        closed = None if closed_ago is None else stamp(closed_ago)
        cur = self.db.execute(
            "insert into commitments (person_id, text, due, status, direction, created, closed_at,"
            " source_key) values (?, ?, ?, ?, 'out', ?, ?, ?)",
            [pid, text, due, status, stamp(made_ago), closed, self._key()],
        )
        return int(cur.lastrowid or 0)

    def value(self, pid: int, days_ago: float, kind: str = "intro", direction: str = "given",
              note: str | None = None) -> None:
        self.db.execute(
            "insert into value_moments (person_id, kind, direction, at, note, source_key) "
            "values (?, ?, ?, ?, ?, ?)",
            [pid, kind, direction, stamp(days_ago), note, self._key()],
        )

    def scores(self, pid: int, today: dt.date = TODAY, config: Config | None = None
               ) -> dict[str, Any]:
        compute_all(self.store, config or Config(), today, [pid])
        rows = list(self.db.query("select * from health where person_id = ?", [pid]))
        assert len(rows) == 1
        return rows[0]


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    try:
        yield w
    finally:
        w.close()


# -- strategies ------------------------------------------------------------------------------

touches = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=500, allow_nan=False),
        st.sampled_from(INTERACTION_KINDS),
        st.sampled_from(DIRECTIONS),
    ),
    max_size=12,
)
promises = st.lists(
    st.tuples(
        st.integers(min_value=-300, max_value=60),  # due, days from today
        st.sampled_from(["open", "kept", "broken"]),
        st.integers(min_value=0, max_value=300),  # closed, days ago
    ),
    max_size=5,
)
cadences = st.tuples(st.sampled_from(TIERS), st.one_of(st.none(), st.integers(1, 120)))
moments = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=500, allow_nan=False),
        st.sampled_from(["intro", "advice", "resource", "referral", "deal", "other"]),
        st.sampled_from(["given", "received"]),
    ),
    max_size=4,
)


def build(w: World, cadence: tuple[str, int | None], history: list[Any],
          commitments: list[Any] = (), values: list[Any] = ()) -> int:  # type: ignore[assignment]
    pid = w.person(*cadence)
    for days_ago, kind, direction in history:
        w.touch(pid, days_ago, kind, direction)
    for due_in, status, closed_ago in commitments:
        w.promise(pid, due_in, status, None if status == "open" else closed_ago)
    for days_ago, kind, direction in values:
        w.value(pid, days_ago, kind, direction)
    return pid


# -- DESIGN §4: the properties -----------------------------------------------------------------


@PROPERTY
@given(cadences, touches, promises, st.floats(0, 500, allow_nan=False),
       st.sampled_from(["meeting", "call", "mutual email"]))
def test_a_new_two_way_touch_never_lowers_warmth(cadence, history, commitments, ago, kind) -> None:
    w = World()
    try:
        pid = build(w, cadence, history, commitments)
        before = w.scores(pid)["warmth"]
        if kind == "mutual email":
            w.touch(pid, ago, "email", "mutual")
        else:
            w.touch(pid, ago, kind, "out")
        after = w.scores(pid)["warmth"]
        assert after >= before
    finally:
        w.close()


@PROPERTY
@given(cadences, touches, st.integers(1, 400))
def test_time_passing_with_nothing_new_never_raises_warmth(cadence, history, days) -> None:
    w = World()
    try:
        pid = build(w, cadence, history)
        before = w.scores(pid)["warmth"]
        after = w.scores(pid, TODAY + dt.timedelta(days=days))["warmth"]
        assert after <= before
    finally:
        w.close()


@PROPERTY
@given(cadences, touches, promises, st.integers(-300, 60), st.booleans())
def test_keeping_a_commitment_never_lowers_trust(cadence, history, commitments, due_in,
                                                  retroactive) -> None:
    w = World()
    try:
        pid = build(w, cadence, history, commitments)
        cid = w.promise(pid, due_in)
        before = w.scores(pid)["trust"]
        # Kept today (late if it was already due), or marked kept on its due date.
        closed = stamp(max(0, -due_in)) if retroactive else stamp(0)
        w.db.execute("update commitments set status = 'kept', closed_at = ? where id = ?",
                     [closed, cid])
        after = w.scores(pid)["trust"]
        assert after >= before
    finally:
        w.close()


@PROPERTY
@given(cadences, touches, promises, st.integers(-300, 60))
def test_breaking_a_commitment_never_raises_trust(cadence, history, commitments, due_in) -> None:
    w = World()
    try:
        pid = build(w, cadence, history, commitments)
        cid = w.promise(pid, due_in)
        before = w.scores(pid)["trust"]
        w.db.execute("update commitments set status = 'broken', closed_at = ? where id = ?",
                     [stamp(0), cid])
        after = w.scores(pid)["trust"]
        assert after <= before
    finally:
        w.close()


one_way = st.tuples(
    st.sampled_from(["in", "out"]),
    st.lists(
        st.tuples(st.floats(0, 800, allow_nan=False), st.sampled_from(["email", "message"])),
        min_size=1, max_size=15,
    ),
    st.lists(  # notes and connections, any direction: touches, never conversation
        st.tuples(st.floats(0, 800, allow_nan=False), st.sampled_from(["note", "connection"]),
                  st.sampled_from(DIRECTIONS)),
        max_size=4,
    ),
)


@PROPERTY
@given(cadences, one_way, moments, st.integers(0, 6))
def test_one_way_contact_alone_is_never_a_relationship(cadence, contact, values, kept) -> None:
    w = World()
    try:
        direction, messages, others = contact
        history = [(ago, kind, direction) for ago, kind in messages] + list(others)
        # Everything else as favourable as it gets: value given and promises kept.
        pid = build(w, cadence, history, [(-10, "kept", 12)] * kept, values * 3)
        row = w.scores(pid)
        assert row["stage"] not in ("relationship", "partner")
        assert row["last_two_way"] is None
        assert explain(w.store, Config(), pid, TODAY).stage == row["stage"]
    finally:
        w.close()


@PROPERTY
@given(cadences, st.lists(st.tuples(st.floats(0, 500, allow_nan=False),
                                    st.sampled_from(INTERACTION_KINDS),
                                    st.sampled_from(DIRECTIONS)), max_size=3),
       st.lists(st.tuples(st.integers(-300, 60), st.sampled_from(["open", "kept", "broken"]),
                          st.integers(0, 300)), max_size=3))
def test_a_small_history_never_swings_trust_to_the_ends(cadence, history, commitments) -> None:
    w = World()
    try:
        pid = build(w, cadence, history, commitments)
        assert 10 < w.scores(pid)["trust"] < 90
    finally:
        w.close()


strangers = st.lists(st.tuples(st.floats(0, 500, allow_nan=False),
                               st.sampled_from(["call", "meeting", "email"]),
                               st.sampled_from([None, "Weekly sync"])), max_size=4)
"""Touches kept for nobody yet (``person_id`` null: someone not made a person)."""


@PROPERTY
@given(cadences, touches, promises, moments, strangers)
def test_explain_gives_the_numbers_compute_all_stores(cadence, history, commitments,
                                                      values, nobody) -> None:
    w = World()
    try:
        pid = build(w, cadence, history, commitments, values)
        other = build(w, ("key", None), [(3, "meeting", "mutual")])
        for days_ago, kind, subject in nobody:
            w.touch(None, days_ago, kind, "in", subject)  # type: ignore[arg-type]
        compute_all(w.store, Config(), TODAY)
        for person in (pid, other):
            stored = next(w.db.query("select * from health where person_id = ?", [person]))
            h = explain(w.store, Config(), person, TODAY)
            for key in ("warmth", "trust", "value", "health", "health_past", "trend", "stage",
                        "last_touch", "last_two_way", "cadence_days", "overdue"):
                assert getattr(h, key) == stored[key], (person, key)
            assert h.one_sided == bool(stored["one_sided"])
        assert other != pid
    finally:
        w.close()


def test_touches_kept_for_nobody_count_for_nobody_in_a_whole_store_run(world: World) -> None:
    """Trial 12 T2: calls and meetings with someone not made a person (kept "for nobody yet")
    formed a series group of their own in the whole store's run, and its null key became the
    first free id of the temporary table: person 1's. A contact never touched then read Value
    20, Health 14 in every list after a new day, while `crb show` said Value unknown."""
    card = world.person("none", None, name="Contact One")
    met = world.person("active", 30, name="Met Once")
    world.touch(met, 12, "meeting", "mutual", "Lunch")
    for n in range(10):
        world.touch(None, n % 5, "call", "in")  # type: ignore[arg-type]
        world.touch(None, 2 + n, "meeting", "mutual", "Board")  # type: ignore[arg-type]
    compute_all(world.store, Config(), TODAY)
    rows = {r["person_id"]: r for r in world.db.query("select * from health")}
    assert rows[card]["value"] is None and rows[card]["last_touch"] is None
    for pid in (card, met):
        h = explain(world.store, Config(), pid, TODAY)
        assert (h.value, h.health) == (rows[pid]["value"], rows[pid]["health"]), pid


# -- compute_all -------------------------------------------------------------------------------


def test_explain_matches_compute_all_on_a_varied_network(world: World) -> None:
    ids = []
    for n in range(12):
        pid = world.person(TIERS[n % 4], [None, 7, 30][n % 3], name=f"P{n}")
        ids.append(pid)
        for k in range(n * 3):
            kind = INTERACTION_KINDS[(n + k) % len(INTERACTION_KINDS)]
            world.touch(pid, (k * 17 + n) % 400, kind, DIRECTIONS[(n * k) % 3])
        for k in range(n % 4):
            world.promise(pid, 20 - 40 * k, ["open", "kept", "broken"][(n + k) % 3], 3 + k)
        for k in range(n % 3):
            world.value(pid, 10 + 90 * k, ["intro", "deal", "advice"][k], "received")
    assert compute_all(world.store, Config(), TODAY) == 12
    stored = {r["person_id"]: r for r in world.db.query("select * from health")}
    for pid in ids:
        h = explain(world.store, Config(), pid, TODAY)
        row = stored[pid]
        assert (h.warmth, h.trust, h.value, h.health, h.health_past, h.trend, h.stage) == (
            row["warmth"], row["trust"], row["value"], row["health"], row["health_past"],
            row["trend"], row["stage"],
        )


def test_a_whole_recompute_keeps_the_indexes(world: World) -> None:
    # Everyone's parameters are written with the table's indexes dropped and built again: they
    # must all be back afterwards (a new day finds the people due through one), and after a
    # failure half-way the transaction puts them back with the old rows.
    def indexes() -> set[str]:
        return {row["name"] for row in world.db.query(
            "select name from sqlite_master where type = 'index' and tbl_name = "
            "'health_params'")}

    for n in range(3):
        world.touch(world.person(name=f"P{n}"), 5 + n, "meeting", "mutual")
    before = indexes()
    assert {"idx_health_params_due", "idx_health_params_last_touch"} <= before
    assert compute_all(world.store, Config(), TODAY) == 3
    assert indexes() == before
    plan = " ".join(str(row["detail"]) for row in world.db.query(
        "explain query plan select person_id from health_params where due_jd <= 2461000"))
    assert "idx_health_params_due" in plan
    rows = list(world.db.query("select * from health order by person_id"))
    world.db.execute("create temp trigger crb_fail before insert on main.health_params "
                     "begin select raise(abort, 'disk full'); end")
    with pytest.raises(Exception, match="disk full"):
        compute_all(world.store, Config(), TODAY - dt.timedelta(days=1))
    world.db.execute("drop trigger temp.crb_fail")
    assert indexes() == before
    assert list(world.db.query("select * from health order by person_id")) == rows


def test_a_new_scoring_plugin_or_setting_makes_every_stored_score_stale(
    world: World, register_plugin: Any
) -> None:
    from crb_tui.engine.health import bring_up_to_date, model_key, stale_people

    for n in range(3):
        world.touch(world.person(name=f"P{n}"), 5 + n, "meeting", "mutual")
    config = Config()
    assert bring_up_to_date(world.store, config, TODAY) == 3
    assert stale_people(world.store, TODAY, model_key(config))[1] == []

    class Signals:
        @hookimpl
        def health_signals(self, person: dict[str, Any], history: dict[str, Any]) -> list[Any]:
            return [{"gauge": "trust", "points": 10, "reason": "vouched for"}]

    register_plugin(Signals(), "vouch")
    assert stale_people(world.store, TODAY, model_key(config))[1] == sorted(
        row["person_id"] for row in world.db.query("select person_id from health"))
    assert bring_up_to_date(world.store, config, TODAY) == 3
    other = Config()
    other.health.trust_prior = 5
    assert len(stale_people(world.store, TODAY, model_key(other))[1]) == 3
    assert stale_people(world.store, TODAY, model_key(config))[1] == []


def test_recomputing_some_people_touches_only_their_rows(world: World) -> None:
    a, b, c = (world.person(name=n) for n in "ABC")
    for pid in (a, b, c):
        world.touch(pid, 5, "meeting", "mutual")
    assert compute_all(world.store, Config(), TODAY) == 3
    later = TODAY + dt.timedelta(days=40)
    assert compute_all(world.store, Config(), later, [a, b]) == 2
    rows = {r["person_id"]: r for r in world.db.query("select * from health")}
    assert rows[a]["computed_on"] == rows[b]["computed_on"] == later.isoformat()
    assert rows[c]["computed_on"] == TODAY.isoformat()
    assert rows[a]["warmth"] < rows[c]["warmth"]
    assert compute_all(world.store, Config(), TODAY, []) == 0


def test_people_merged_away_lose_their_row(world: World) -> None:
    a, b = world.person(name="A"), world.person(name="B")
    compute_all(world.store, Config(), TODAY)
    world.db.execute("update people set merged_into = ? where id = ?", [a, b])
    assert compute_all(world.store, Config(), TODAY, [b]) == 0
    assert [r["person_id"] for r in world.db.query("select person_id from health")] == [a]
    with pytest.raises(CrbError, match="merged into"):
        explain(world.store, Config(), b, TODAY)


def test_the_write_path_feeds_the_model(world: World) -> None:
    s = world.store
    t = dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC)
    ada = Identity("email", "ada@example.com")
    result = s.write([
        Person("Ada Lovelace", [ada], tier="key"),
        Interaction("m1", "email", "out", t - dt.timedelta(days=3), ada),
        Interaction("m2", "email", "in", t, ada, subject="Re: hi"),
        Commitment(ada, "Send the deck", dt.date(2026, 5, 25), status="kept", closed_at=t),
        ValueMoment(ada, "advice", "received", t),
    ], "test")
    assert not result.rejected
    compute_all(s, Config(), TODAY, result.touched_people)
    (row,) = world.db.query("select * from health")
    assert row["last_two_way"] == (t - dt.timedelta(days=3)).isoformat()
    # 15 days since, cadence 14: one day into the decay, 100 * 2 ** (-1 / 14)
    assert row["cadence_days"] == 14 and row["warmth"] == 95 and row["stage"] == "transaction"


# -- the parts of the model ------------------------------------------------------------------


def test_warmth_holds_for_a_cadence_then_halves(world: World) -> None:
    pid = world.person("active")  # 30 days
    world.touch(pid, 30, "call", "in")
    assert world.scores(pid)["warmth"] == 100
    assert world.scores(pid, TODAY + dt.timedelta(days=30))["warmth"] == 50
    assert world.scores(pid, TODAY + dt.timedelta(days=60))["warmth"] == 25


def test_two_way_needs_both_sides_and_takes_the_earlier(world: World) -> None:
    pid = world.person("active")
    world.touch(pid, 50, "email", "out")
    assert world.scores(pid)["last_two_way"] is None
    world.touch(pid, 40, "email", "in")
    world.touch(pid, 2, "email", "out")  # unanswered so far
    assert world.scores(pid)["last_two_way"] == stamp(40)
    world.touch(pid, 10, "note", "mutual")
    world.touch(pid, 5, "connection", "mutual")
    assert world.scores(pid)["last_two_way"] == stamp(40)
    assert world.scores(pid)["last_touch"] == stamp(2)


def test_overdue_is_days_past_cadence_over_cadence(world: World) -> None:
    pid = world.person("key")  # 14 days
    world.touch(pid, 28, "email", "out")
    assert world.scores(pid)["overdue"] == pytest.approx(1.0)
    none = world.person("none")
    world.touch(none, 28, "email", "out")
    row = world.scores(none)
    assert row["overdue"] is None and row["cadence_days"] == 0


def test_consistency_counts_whole_windows_with_a_touch(world: World) -> None:
    steady, bursty = world.person("active"), world.person("active")
    for k in range(7):
        world.touch(steady, 30 * k + 15, "email", "out")
        world.touch(bursty, k, "email", "out")
    h_steady = explain(world.store, Config(), steady, TODAY)
    h_bursty = explain(world.store, Config(), bursty, TODAY)
    assert h_steady.trust > h_bursty.trust
    (cons,) = [p for p in h_steady.explanation["trust"] if p.label == "consistency"]
    assert "a touch in 6 of the last 6 windows of 30 days" in cons.detail
    assert len(cons.events) == 6 and all(e.endswith("touched") for e in cons.events)


def test_value_decays_with_a_half_life(world: World) -> None:
    fresh, old = world.person(), world.person()
    world.value(fresh, 0, "referral", "received")
    world.value(old, 180.5, "referral", "given")  # half a day before today's noon counts too
    f = explain(world.store, Config(), fresh, TODAY)
    o = explain(world.store, Config(), old, TODAY)
    (fp,) = [p for p in f.explanation["value"] if p.label == "value moments"]
    (op,) = [p for p in o.explanation["value"] if p.label == "value moments"]
    assert fp.detail.startswith("0 given, 1 received: 25.0 points")
    assert op.detail.startswith("1 given, 0 received: 12.5 points")
    assert f.value == 34 and o.value == 19  # 100 * (1 - exp(-points / 60))


def test_health_is_low_when_trust_or_value_is_low(world: World) -> None:
    trusted = world.person("active")
    for k in range(8):
        world.touch(trusted, 20 * k + 1, "email", "in")
        world.touch(trusted, 20 * k, "email", "out")
        world.promise(trusted, -10 - 20 * k, "kept", 15 + 20 * k)
    world.touch(trusted, 400, "meeting", "mutual")  # long ago: Value known, and low
    config = Config()
    config.health.exchange_points = {}  # mail earns no Value here
    h = explain(world.store, config, trusted, TODAY)
    assert h.trust >= 60 and h.value is not None and h.value <= 5
    assert not h.one_sided  # Trust and Value far apart, but both sides wrote: not one-sided
    # low: Value counts as no more than knowing nothing (value_unknown, 5) does
    assert h.health <= round((h.trust * config.health.value_unknown) ** 0.5) <= 22
    assert not any(p.label == "one-sided" for p in h.explanation["health"])


def test_evidence_that_decayed_away_never_scores_below_knowing_nothing(world: World) -> None:
    """Someone met years ago (Value known, decayed to 0) is not below a stranger whose Value
    is unknown: Health counts Value as at least value_unknown."""
    met = world.person("network", name="Met")
    world.touch(met, 3000, "meeting", "mutual")
    card = world.person("network", name="Card")
    config = Config()
    h_met = explain(world.store, config, met, TODAY)
    h_card = explain(world.store, config, card, TODAY)
    assert h_met.value == 0 and h_card.value is None
    assert h_met.trust >= h_card.trust
    assert h_met.health >= h_card.health
    assert any("counted as 5" in p.detail for p in h_met.explanation["health"])


def test_stage_grows_to_relationship_and_partner(world: World) -> None:
    pid = world.person("active")
    for k in range(0, 400, 20):
        world.touch(pid, k, "meeting", "mutual")
        world.touch(pid, k + 2, "email", "in")
        world.touch(pid, k + 3, "email", "out")
    for k in range(6):
        world.promise(pid, -30 * k - 5, "kept", 30 * k + 6)
        world.value(pid, 30 * k + 1, "referral", "received")
    h = explain(world.store, Config(), pid, TODAY)
    assert h.stage == "partner", describe(h)
    config = Config()
    config.health.partner_days = 1000
    assert explain(world.store, config, pid, TODAY).stage == "relationship"


def test_a_stage_override_wins(world: World) -> None:
    pid = world.person()
    world.touch(pid, 3, "email", "out")
    world.db.execute("update people set stage_override = 'partner' where id = ?", [pid])
    assert world.scores(pid)["stage"] == "partner"
    h = explain(world.store, Config(), pid, TODAY)
    assert (h.stage, h.stage_derived) == ("partner", "contact")
    assert h.explanation["stage"][0].label == "set by you: partner"
    assert "set by you" in describe(h)


def test_trend_growing(world: World) -> None:
    pid = world.person("active")
    for k in range(0, 25, 3):
        world.touch(pid, k, "meeting", "mutual")
        world.value(pid, k, "advice", "given")
    row = world.scores(pid)
    assert row["trend"] == "growing" and row["health"] > row["health_past"]


def test_trend_fading(world: World) -> None:
    pid = world.person("key")
    for k in range(35, 300, 7):
        world.touch(pid, k, "meeting", "mutual")
        world.value(pid, k, "advice", "given")
    row = world.scores(pid)
    assert row["trend"] == "fading" and row["health"] < row["health_past"]


def test_the_past_only_sees_what_existed_then(world: World) -> None:
    pid = world.person("active")
    world.touch(pid, 60, "meeting", "mutual")
    cid = world.promise(pid, -40, "broken", 5)  # broken 5 days ago: still open back then
    world.db.execute("update commitments set created = ? where id = ?", [stamp(100), cid])
    h = explain(world.store, Config(), pid, TODAY)
    (past,) = h.explanation["trend"]
    assert h.health_past >= h.health
    assert past.label == f"health on {TODAY - dt.timedelta(days=30)}"


def test_plugin_signals_change_the_score_and_the_explanation(
    world: World, register_plugin: Any
) -> None:
    pid = world.person("active")
    world.touch(pid, 3, "meeting", "mutual", subject="Lunch")
    before = explain(world.store, Config(), pid, TODAY)
    seen: list[dict[str, Any]] = []

    class Vouched:
        @hookimpl
        def health_signals(self, person, history):
            seen.append(history)
            if person["id"] != pid:
                return None
            return [
                {"gauge": "trust", "points": 12, "reason": "vouched for by \x1b[31ma friend"},
                {"gauge": "nonsense", "points": 1, "reason": "ignored"},
            ]

    class Broken:
        @hookimpl
        def health_signals(self, person, history):
            raise RuntimeError("boom")

    register_plugin(Vouched(), "vouched")
    register_plugin(Broken(), "broken")
    after = explain(world.store, Config(), pid, TODAY)
    assert after.trust == min(100, before.trust + 12)
    (part,) = [p for p in after.explanation["trust"] if p.label == "signal from vouched"]
    assert part.value == 12 and "vouched for by ^[[31ma friend" == part.detail
    assert "\x1b" not in describe(after)
    assert seen[0]["today"] == TODAY and seen[0]["interactions"][0]["subject"] == "Lunch"
    assert world.scores(pid)["trust"] == after.trust
    assert world.scores(pid)["health"] == after.health


def test_signal_points_are_shown_on_every_gauge_and_bounded(
    world: World, register_plugin: Any
) -> None:
    """Trial 9 F12: a Value or Warmth signal's line showed no points; 1e308 points were taken
    and printed as several hundred digits."""
    from crb_tui import Signal

    pid = world.person("active")

    class Signals:
        @hookimpl
        def health_signals(self, person):  # type: ignore[no-untyped-def]
            return [Signal("value", 7, "a paid invoice"), Signal("warmth", 1e308, "huge"),
                    Signal("trust", -1e308, "tiny")] if person["id"] == pid else []

    register_plugin(Signals(), "signals")
    text = describe(explain(world.store, Config(), pid, TODAY))
    assert "- signal from signals [+7.0]: a paid invoice" in text
    assert "- signal from signals [+100.0]: huge" in text
    assert "- signal from signals [-100.0]: tiny" in text
    assert max(len(line) for line in text.splitlines()) < 200


def test_a_plugin_failing_once_leaves_no_stored_score_that_explain_disagrees_with(
    world: World, register_plugin: Any
) -> None:
    from crb_tui.engine.health import bring_up_to_date

    pid = world.person("active")
    others = [world.person("active", name=f"P{n}") for n in range(4)]
    for person in (pid, *others):
        world.touch(person, 3, "meeting", "mutual")
    other = others[0]
    failing = [True]

    class Flaky:
        @hookimpl
        def health_signals(self, person, history):
            if failing[0] and person["id"] == pid:
                raise RuntimeError("network down")
            return [{"gauge": "value", "points": 10, "reason": "sponsor"}]

    register_plugin(Flaky(), "flaky")
    config = Config()
    for ids in (None, [pid, *others]):  # a new day's recompute of everyone, a write's
        failing[0] = True
        compute_all(world.store, config, TODAY, ids)
        stored = world.db.execute(
            "select computed_on from health where person_id = ?", [pid]).fetchone()[0]
        assert stored != TODAY.isoformat()  # kept to be shown, but not up to date
        assert world.db.execute("select computed_on from health where person_id = ?",
                                [other]).fetchone()[0] == TODAY.isoformat()
        failing[0] = False
        assert bring_up_to_date(world.store, config, TODAY) == 1
        row = world.db.execute(
            "select health, value from health where person_id = ?", [pid]).fetchone()
        h = explain(world.store, config, pid, TODAY)
        assert (row[0], row[1]) == (h.health, h.value)
        assert bring_up_to_date(world.store, config, TODAY) == 0


def test_a_plugins_history_is_read_only_for_the_people_it_looks_into(
    world: World, register_plugin: Any
) -> None:
    pid = world.person("key")
    others = [world.person("active", name=f"P{n}") for n in range(5)]
    for person in (pid, *others):
        world.touch(person, 3, "meeting", "mutual", subject="Lunch")
    seen: list[Any] = []

    class KeyOnly:
        @hookimpl
        def health_signals(self, person, history):
            if person["tier"] != "key":
                return None
            seen.append((history["today"], [i["subject"] for i in history["interactions"]],
                         sorted(history)))
            return [{"gauge": "trust", "points": 5, "reason": "key"}]

    register_plugin(KeyOnly(), "key_only")
    statements: list[str] = []
    world.store.conn.set_trace_callback(statements.append)
    try:
        compute_all(world.store, Config(), TODAY)
    finally:
        world.store.conn.set_trace_callback(None)
    reads = [s for s in statements
             if re.search(r"select \* from interactions where person_id = (\?|\d+) and", s)]
    assert len(reads) == 1  # the key person's, not one per person
    assert seen == [(TODAY, ["Lunch"], ["commitments", "interactions", "today",
                                        "value_moments"])]
    assert world.scores(pid)["trust"] == explain(world.store, Config(), pid, TODAY).trust


def test_one_sided_never_comes_from_a_relationship_gone_cold(world: World) -> None:
    """Trial 8 V22: two meetings 12 and 29 years ago gave Trust 68 (the prior's commitments and
    "100% two-way", with no consistency part without a cadence) and Value 0: one-sided. Now
    everyone's Trust counts consistency (windows of ``uncadenced_days`` without a cadence), so
    the same history is Trust 50; and the flag is about a relationship now: not once Warmth is
    0."""
    pid = world.person("none")
    world.touch(pid, 12 * 365, "meeting", "mutual")
    world.touch(pid, 29 * 365, "meeting", "mutual")
    h = explain(world.store, Config(), pid, TODAY)
    assert (h.trust, h.value, h.warmth) == (50, 0, 0)
    assert not h.one_sided and not world.scores(pid)["one_sided"]
    world.touch(pid, 2, "email", "out")  # a fresh touch, one way: still cold, still not
    assert not explain(world.store, Config(), pid, TODAY).one_sided


@pytest.mark.parametrize("tier", ["key", "active", "network"])
def test_giving_someone_a_cadence_adds_no_part_to_trust(world: World, tier: str) -> None:
    """Trial 8 V22: making a person key used to add consistency to a Trust that had none, which
    lowered it (68 to 50 for ancient contact). Every Trust has the same three parts now; a
    cadence only changes the windows consistency is measured on."""
    pid = world.person("none")
    world.touch(pid, 12 * 365, "meeting", "mutual")
    world.touch(pid, 29 * 365, "meeting", "mutual")
    before = explain(world.store, Config(), pid, TODAY)
    labels = [p.label for p in before.explanation["trust"]]
    assert labels == ["commitments", "consistency", "reciprocity"]
    consistency = before.explanation["trust"][1]
    assert consistency.value == pytest.approx(30 * 0.5 / 7, abs=0.01)  # 0 of 6 windows
    assert "of the last 6 windows of 180 days (no cadence set; at most 6" in consistency.detail
    world.db.execute("update people set tier = ? where id = ?", [tier, pid])
    after = explain(world.store, Config(), pid, TODAY)
    assert after.trust == before.trust == 50
    assert [p.value for p in after.explanation["trust"]] == [
        p.value for p in before.explanation["trust"]]


def test_without_a_cadence_consistency_counts_windows_of_uncadenced_days(world: World) -> None:
    """A person met every three months for two years without a cadence: every 180-day window
    has a touch, so consistency is high; the same history four years older has none."""
    steady, quiet = world.person("none", name="Steady"), world.person("none", name="Quiet")
    for days in range(10, 800, 90):
        world.touch(steady, days, "email", "in")
        world.touch(steady, days + 1, "email", "out")
        world.touch(quiet, days + 1500, "email", "in")
        world.touch(quiet, days + 1501, "email", "out")
    compute_all(world.store, Config(), TODAY)
    hs, hq = explain(world.store, Config(), steady, TODAY), explain(world.store, Config(), quiet,
                                                                    TODAY)
    assert hs.explanation["trust"][1].detail.startswith("a touch in 4 of the last 4 windows")
    assert hq.explanation["trust"][1].detail.startswith("a touch in 0 of the last 6 windows")
    assert hs.trust > hq.trust
    assert world.scores(steady)["trust"] == hs.trust and world.scores(quiet)["trust"] == hq.trust


# -- explain, describe, as_dict ---------------------------------------------------------------


def test_explain_shows_the_events_behind_the_numbers(world: World) -> None:
    pid = world.person("active")
    world.touch(pid, 45, "meeting", "mutual", subject="Quarterly \x1b[2Jreview")
    world.touch(pid, 50, "email", "out", subject="Agenda")
    world.promise(pid, -92, "broken", 80, text="Send proposal")
    world.promise(pid, -50, "kept", 52, text="Intro to Bob")
    world.promise(pid, -20, "kept", 10, text="Share the report")
    world.value(pid, 45, "intro", "given", note="to Bob")
    h = explain(world.store, Config(), pid, TODAY)
    warmth = h.explanation["warmth"][0]
    assert warmth.label == "last two-way touch"
    assert warmth.detail.startswith("45 days ago") and "cadence 30 days" in warmth.detail
    assert any("Quarterly ^[[2Jreview" in e for e in warmth.events)
    commitments = h.explanation["trust"][0]
    assert commitments.detail.startswith("1 kept on time, 1 kept late, 1 broken")
    assert f"broken: Send proposal (due {TODAY - dt.timedelta(days=92)})" in commitments.events
    trust_points = sum(p.value or 0 for p in h.explanation["trust"])
    assert round(trust_points) == h.trust
    text = describe(h)
    assert text.startswith(f"Health {h.health}, {h.trend}")
    for heading in ("Warmth", "Trust", "Value", "Health:", "Trend:", "Stage:"):
        assert heading in text
    assert "\x1b" not in text


def test_as_dict_is_stable_json(world: World) -> None:
    pid = world.person()
    h = explain(world.store, Config(), pid, TODAY)
    data = json.loads(json.dumps(h.as_dict()))
    assert list(data) == [
        "person_id", "warmth", "trust", "value", "health", "trend", "health_past", "stage",
        "stage_derived", "one_sided", "last_touch", "last_two_way", "cadence_days", "overdue",
        "explanation",
    ]
    assert list(data["explanation"]) == ["warmth", "trust", "value", "health", "trend", "stage"]
    assert set(data["explanation"]["trust"][0]) == {"gauge", "label", "value", "detail", "events"}
    assert isinstance(h, Health) and data["stage"] == "contact" and data["warmth"] == 0


def test_bad_input(world: World) -> None:
    with pytest.raises(NotFound):
        explain(world.store, Config(), 99, TODAY)
    with pytest.raises(CrbError, match="must be a date"):
        compute_all(world.store, Config(), "2026-06-01")  # type: ignore[arg-type]


def test_weights_come_from_config(world: World) -> None:
    pid = world.person("active")
    world.touch(pid, 3, "meeting", "mutual")
    config = Config()
    config.health.value_points = {**config.health.value_points, "meeting": 60.0}
    assert explain(world.store, config, pid, TODAY).value > explain(
        world.store, Config(), pid, TODAY).value


def test_a_touch_of_nobody_never_lends_its_history_to_someone(store: Store) -> None:
    """A stored touch with no person (a message from someone never made a person) must not
    count for anyone: the whole-store run and one person's explanation agree."""
    at = lambda days: dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(10),  # noqa: E731
                                          tzinfo=dt.UTC)
    store.write([Person("Ann", [Identity("email", "ann@x.com")], tier="key"),
                 Person("Bo", [Identity("email", "bo@x.com")], tier="key")], "t")
    store.write([Interaction("a-old", "email", "in", at(90), Identity("email", "ann@x.com")),
                 Interaction("b-new", "email", "out", at(3), Identity("email", "bo@x.com"))], "t")
    with store.transaction():
        store.conn.execute(
            "insert into interactions (person_id, kind, direction, at, source, source_key) "
            "values (null, 'email', 'in', ?, 't', 'orphan')", [at(80).isoformat()])
    compute_all(store, Config(), TODAY)
    for pid in (store.resolve_person("ann@x.com"), store.resolve_person("bo@x.com")):
        stored = store.conn.execute(
            "select warmth, trust, value, health from health where person_id = ?", [pid]
        ).fetchone()
        shown = explain(store, Config(), pid, TODAY)
        assert stored == (shown.warmth, shown.trust, shown.value, shown.health), pid


# -- Value from conversation, unknown Value, series (docs/health.md "Value") ----------------

MAIL_ONLY_MAX = 100 * (1 - __import__("math").exp(-30 / 60))
"""The most Value mail alone can reach with the defaults (exchange_cap 30, value_scale 60)."""


def test_mail_both_ways_over_weeks_has_value_and_health(world: World) -> None:
    mail = world.person("active", name="Mail")
    for week in range(3):  # six mails both ways in six weeks: they answer, you answer
        world.touch(mail, 14 * week + 4, "email", "out")
        world.touch(mail, 14 * week + 3, "email", "in")
    row = world.scores(mail)
    assert 0 < row["value"] < MAIL_ONLY_MAX and row["health"] > 0, row
    met = world.person("active", name="Met")
    for week in range(3):
        world.touch(met, 14 * week + 4, "meeting", "mutual", subject=f"Topic {week}")
    world.value(met, 10, "intro", "given")
    assert world.scores(met)["value"] > row["value"]
    h = explain(world.store, Config(), mail, TODAY)
    (weeks,) = [p for p in h.explanation["value"] if p.label == "exchange weeks"]
    assert weeks.detail.startswith("3 weeks of email both ways") and len(weeks.events) == 3
    assert abs(sum(p.value or 0 for p in h.explanation["value"]) - h.value) <= 0.5


def test_messages_count_like_mail_also_from_a_plugin_source(world: World) -> None:
    s = world.store
    ann = Identity("phone", "+441234567890")
    t = dt.datetime(2026, 5, 30, 10, tzinfo=dt.UTC)
    records: list[Any] = [Person("Ann", [ann], tier="active")]
    for week in range(4):
        at = t - dt.timedelta(days=7 * week)
        records += [Interaction(f"chat{week}a", "message", "in", at, ann),
                    Interaction(f"chat{week}b", "message", "out", at + dt.timedelta(hours=1),
                                ann)]
    result = s.write(records, "chatplugin")
    assert not result.rejected
    compute_all(s, Config(), TODAY, result.touched_people)
    (row,) = world.db.query("select * from health")
    assert row["value"] > 0 and row["health"] > 0
    config = Config()
    config.health.exchange_points = {"message": 6.0}
    assert world.scores(row["person_id"], config=config)["value"] > row["value"]


@PROPERTY
@given(st.lists(st.tuples(st.floats(0, 800, allow_nan=False),
                          st.sampled_from(["email", "message"]),
                          st.sampled_from(DIRECTIONS)), max_size=60),
       cadences)
def test_mail_alone_never_reaches_what_meetings_reach(history, cadence) -> None:
    w = World()
    try:
        pid = build(w, cadence, history)
        row = w.scores(pid)
        assert row["value"] is None or 0 <= row["value"] <= round(MAIL_ONLY_MAX)
        assert 0 <= row["health"] <= 100
    finally:
        w.close()


@PROPERTY
@given(cadences, one_way, promises)
def test_one_way_contact_has_no_value_and_stays_low(cadence, contact, commitments) -> None:
    w = World()
    try:
        direction, messages, others = contact
        history = [(ago, kind, direction) for ago, kind in messages] + list(others)
        pid = build(w, cadence, history, commitments)
        row = w.scores(pid)
        assert row["value"] is None
        assert row["health"] <= 10, row  # docs/health.md: Health 10 at most
        assert explain(w.store, Config(), pid, TODAY).value is None
    finally:
        w.close()


@PROPERTY
@given(cadences, touches, moments, st.floats(0, 500, allow_nan=False),
       st.sampled_from(INTERACTION_KINDS), st.sampled_from(DIRECTIONS), st.sampled_from(
           [None, "Weekly stand-up", "Lunch"]))
def test_a_new_touch_never_lowers_value(cadence, history, values, ago, kind, direction,
                                        subject) -> None:
    w = World()
    try:
        pid = build(w, cadence, history, (), values)
        if subject:
            for k in range(5):
                w.touch(pid, 7 * k + 1, "meeting", "mutual", subject=subject)
        before = w.scores(pid)["value"]
        w.touch(pid, ago, kind, direction, subject=subject)
        after = w.scores(pid)["value"]
        assert (after if after is not None else -1) >= (before if before is not None else -1)
    finally:
        w.close()


def test_unknown_value_is_shown_as_unknown_with_what_would_raise_it(world: World) -> None:
    pid = world.person("active")
    world.touch(pid, 5, "email", "out")
    world.touch(pid, 3, "note", "mutual")
    row = world.scores(pid)
    assert row["value"] is None and row["health"] > 0
    h = explain(world.store, Config(), pid, TODAY)
    assert (h.value, h.health) == (None, row["health"])
    assert h.as_dict()["value"] is None
    (part,) = h.explanation["value"]
    assert part.label == "unknown" and "log a meeting or a value moment" in part.detail.lower()
    # Health counts Value as the stand-in: sqrt(trust * 5) * (0.5 + 0.5 * warmth / 100)
    assert h.health == int((h.trust * 5.0) ** 0.5 * 0.5 + 0.5) and h.warmth == 0
    text = describe(h)
    assert "Value ? (unknown)" in text and "counted as 5" in text
    config = Config()
    config.health.value_unknown = 0.0
    assert world.scores(pid, config=config)["health"] == 0
    world.value(pid, 2, "advice", "received")
    assert world.scores(pid)["value"] == 15  # known now: 100 * (1 - exp(-10 / 60))


def test_a_weekly_series_has_diminishing_returns(world: World) -> None:
    standup, distinct, once = world.person(name="S"), world.person(name="D"), world.person()
    for k in range(104):
        world.touch(standup, 7 * k + 1, "meeting", "mutual", subject="Weekly stand-up")
        world.touch(distinct, 7 * k + 1, "meeting", "mutual", subject=f"Review {k}")
    world.touch(once, 1, "meeting", "mutual", subject="Weekly stand-up")
    s, d, o = (world.scores(p)["value"] for p in (standup, distinct, once))
    assert o == 9  # one meeting is worth what it always was: 100 * (1 - exp(-6 * 0.994 / 60))
    assert s * 2 < d, (s, d)
    assert s > o
    h = explain(world.store, Config(), standup, TODAY)
    (together,) = [p for p in h.explanation["value"] if p.label == "time together"]
    assert together.detail.startswith("104 meetings") and "1 + ln" in together.detail
    assert together.events[0].startswith("104 meetings \u201cWeekly stand-up\u201d")
    # One more stand-up adds little; a meeting of another title counts in full.
    world.touch(standup, 2, "meeting", "mutual", subject="Weekly stand-up")
    assert world.scores(standup)["value"] - s <= 1
    world.touch(standup, 2, "meeting", "mutual", subject="Offsite")
    assert world.scores(standup)["value"] - s >= 4


def test_people_and_show_say_value_is_unknown(crb: Any, tmp_path: Any) -> None:
    box = tmp_path / "mail.mbox"
    mails = []
    day = crb.today
    for k, (sender, to) in enumerate([
        ("me@example.com", "ann@example.com"), ("ann@example.com", "me@example.com"),
    ] * 3 + [("me@example.com", "bob@example.com")]):
        at = day - dt.timedelta(days=40 - 6 * k)  # one mail a week or so, turn by turn
        mails.append(
            f"From {sender} {at:%a %b %d} 10:00:00 {at.year}\nFrom: {sender}\nTo: {to}\n"
            f"Subject: Plan {k}\nMessage-ID: <m{k}@example.com>\n"
            f"Date: {at:%a, %d %b %Y} 10:00:00 +0000\n\nHello\n\n"
        )
    box.write_text("".join(mails), encoding="utf-8")
    crb("import", str(box))
    people = {p["name"]: p for p in crb.json("people")["people"]}
    ann = next(p for n, p in people.items() if "ann" in n.lower())
    bob = next(p for n, p in people.items() if "bob" in n.lower())
    assert ann["value"] > 0 and ann["health"] > 0
    assert bob["value"] is None
    shown = crb("show", str(bob["id"])).stdout
    assert "Value ? (unknown)" in shown and "Log a meeting or a value moment" in shown
    text = crb("people").stdout
    assert "value ?" in text and f"value {ann['value']}" in text


def test_the_app_shows_unknown_value_as_unknown(world: World) -> None:
    from crb_tui.tui.display import gauge
    from crb_tui.tui.widgets.history import explanation

    pid = world.person("active")
    world.touch(pid, 5, "email", "out")
    data = explain(world.store, Config(), pid, TODAY).as_dict()
    text = "\n".join(line.plain for line in explanation(data))
    assert "Value ?" in text and "Log a meeting or a value moment" in text
    assert "Value 0" not in text
    assert gauge("Value", data["value"]).plain.endswith("—")


def test_series_are_summed_from_the_partial_index(world: World) -> None:
    from crb_tui.store.health_run import Run
    from crb_tui.store.health_sql import _aggregates

    run = Run(Config(), TODAY)
    for whole in (True, False):
        if not whole:
            run.fill_scope(world.store, [world.person()])
        query = _aggregates(whole, run.windows, *run._parts)["ser"]
        plan = " ".join(str(r) for r in world.db.execute("explain query plan " + query,
                                                         run.params).fetchall())
        assert "COVERING INDEX idx_interactions_series" in plan, plan
    run.clear(world.store)


_CHAT_PLUGIN = '''
import datetime as dt

from crb_tui import Identity, Interaction, Person, Source, hookimpl


def sync(ctx):
    friend, stranger = Identity("phone", "+441234567890"), Identity("phone", "+441234567891")
    yield Person("Chat Friend", [friend])
    yield Person("Chat Stranger", [stranger])
    start = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    for week in range(5):
        at = start - dt.timedelta(days=7 * week)
        yield Interaction(f"chat:{week}:in", "message", "in", at, friend)
        yield Interaction(f"chat:{week}:out", "message", "out", at + dt.timedelta(hours=2),
                          friend)
        yield Interaction(f"chat:{week}:spam", "message", "in", at, stranger)


@hookimpl
def register_sources(register):
    register(Source(name="chat", sync=sync, config_schema={}))
'''


def test_messages_from_a_plugin_source_through_the_real_crb(tmp_path: Any) -> None:
    """A plugins_dir source yields chat messages; `crb sync` stores them and the chat friend
    has a Value and a Health, the one-way stranger an unknown Value."""
    import subprocess
    import sys

    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "chat.py").write_text(_CHAT_PLUGIN)
    config = tmp_path / "c.toml"
    config.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n'
                      f'[plugins]\nplugins_dir = "{plugdir}"\n[sources.chat]\n')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CRB_TODAY": "2026-11-23",
           "CRB_DB": str(tmp_path / "x.db"), "CRB_CONFIG": str(config)}

    def crb(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "crb_tui", *args], capture_output=True,
                              text=True, env=env, check=True).stdout

    crb("sync", "chat")
    people = {p["name"]: p for p in json.loads(crb("people", "--json"))["people"]}
    friend, stranger = people["Chat Friend"], people["Chat Stranger"]
    assert friend["value"] > 0 and friend["health"] > 0
    assert stranger["value"] is None and 0 < stranger["health"] <= 10
    assert "5 weeks of message both ways" in crb("show", str(friend["id"]))


def test_unknown_value_says_when_exchanges_are_older_than_the_window(world: World) -> None:
    """Trust counts every message both ways; Value reads the last 60 weeks: the explanation
    must not say there was no exchange when there was one, long ago."""
    pid = world.person("network")
    for k in range(4):
        world.touch(pid, 600 + 7 * k, "email", "in")
        world.touch(pid, 601 + 7 * k, "email", "out")
    h = explain(world.store, Config(), pid, TODAY)
    assert h.value is None
    (part,) = h.explanation["value"]
    assert "no exchange of messages in the last 60 weeks (older ones no longer count" in (
        part.detail)


def test_a_new_day_asks_the_signals_of_the_people_it_scores_again_unless_they_change_daily(
    world: World, register_plugin: Any
) -> None:
    """Trial 11 T5: a plugin giving signals no longer makes every new day score everyone: it
    is asked for the people whose facts change (and for anyone written); one that says its
    signals change with the day alone (``signals_change_daily``) is asked for everyone."""
    people = [world.person("none", name=f"P{n}") for n in range(4)]
    for pid in people:
        world.touch(pid, 5, "email", "in")
    asked: list[int] = []

    class Vouch:
        @hookimpl
        def health_signals(self, person: dict[str, Any]) -> list[Any]:
            asked.append(person["id"])
            return [{"gauge": "trust", "points": 10, "reason": "vouched for"}]

    vouch = Vouch()
    register_plugin(vouch, "vouch")
    config = Config()
    compute_all(world.store, config, TODAY)
    assert sorted(asked) == people
    asked.clear()
    world.touch(people[0], 0, "email", "out")  # written today: asked again at the next read
    compute_all(world.store, config, TODAY)
    assert asked == [people[0]]
    asked.clear()
    compute_all(world.store, config, TODAY + dt.timedelta(days=1))
    assert asked == []  # nothing of theirs changes tomorrow
    vouch.signals_change_daily = True  # type: ignore[attr-defined]
    compute_all(world.store, config, TODAY + dt.timedelta(days=2))
    assert sorted(asked) == people
    h = explain(world.store, config, people[1], TODAY + dt.timedelta(days=2))
    assert world.scores(people[1], TODAY + dt.timedelta(days=2))["trust"] == h.trust


def test_a_series_worth_as_much_as_its_count_says_no_instead_of() -> None:
    from crb_tui.engine.health_value import together_detail

    rows = [{"id": n, "kind": "meeting", "subject": "Weekly", "at": f"2026-01-0{n}"}
            for n in (1, 2, 3)]
    # Long ago: what is left of the series counts as less than one meeting, no discount.
    _, (old,) = together_detail(rows, {"meeting": 3.0}, lambda at: 2000.0, 0.001)
    assert old.endswith(": a series, worth 1.2 points now"), old
    # Recent: the series rule discounts, and says from what.
    _, (recent,) = together_detail(rows, {"meeting": 3.0}, lambda at: 0.0, 0.001)
    assert "points now instead of 9.0" in recent, recent
