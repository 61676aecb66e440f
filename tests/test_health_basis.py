"""The carried basis of the daily full recompute (crb_tui/store/health_basis.py): a full
recompute that reads it gives exactly the scores a from-scratch computation gives, whatever was
written, merged, undone or moved in between, on any sequence of days."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crb_tui.config import Config
from crb_tui.engine.health import compute_all
from crb_tui.errors import CrbError
from crb_tui.records import DIRECTIONS, INTERACTION_KINDS, TIERS
from crb_tui.store import Store, health_run
from crb_tui.store.merge import merge_people, undo_last_merge

START = dt.date(2026, 3, 2)
_KEYS = itertools.count()
COLUMNS = ("person_id, warmth, trust, value, health, health_past, trend, stage, one_sided, "
           "last_touch, last_two_way, cadence_days, overdue, computed_on")


def _at(day: int, hour: int) -> str:
    return (dt.datetime.combine(START, dt.time(hour % 24), tzinfo=dt.UTC)
            + dt.timedelta(days=day)).isoformat()


def _scores(store: Store) -> list[tuple[Any, ...]]:
    return store.conn.execute(f"select {COLUMNS} from health order by person_id").fetchall()


def _from_scratch(store: Store, config: Config, today: dt.date) -> list[tuple[Any, ...]]:
    """Everyone scored by the path that reads the interactions themselves (the one a few
    people, and ``explain``, use), leaving the stored scores as they were."""
    with store.transaction():
        saved = store.conn.execute("select * from health_params").fetchall()
        ids = [r[0] for r in store.conn.execute("select id from people where merged_into is null")]
    compute_all(store, config, today, ids)
    scratch = _scores(store)
    with store.transaction():
        store.conn.execute("delete from health_params")
        marks = ",".join("?" * len(saved[0]))
        store.conn.executemany(f"insert into health_params values ({marks})", saved)
    return scratch


OP = st.one_of(
        st.tuples(st.just("touch"), st.integers(0, 5), st.sampled_from(INTERACTION_KINDS),
                  st.sampled_from(DIRECTIONS), st.integers(-400, 60), st.integers(0, 23)),
        st.tuples(st.just("move"), st.integers(0, 5), st.integers(-400, 60)),
        st.tuples(st.just("reassign"), st.integers(0, 5)),
        st.tuples(st.just("delete"), st.integers(0, 5)),
        st.tuples(st.just("tier"), st.integers(0, 5), st.sampled_from(TIERS)),
        # a cadence set, changed or dropped: 0 and None (with tier none) leave windows of
        # uncadenced_days (180, the same as a cadence of 180: the carried row is kept)
        st.tuples(st.just("cadence"), st.integers(0, 5),
                  st.sampled_from([None, 0, 1, 7, 45, 180])),
        st.tuples(st.just("merge"), st.integers(0, 5), st.integers(0, 5)),
        st.tuples(st.just("undo"),),
        st.tuples(st.just("day"), st.integers(-40, 45)),
        # written through the write path, which rescores the person at once
        st.tuples(st.just("promise"), st.integers(0, 5), st.integers(-60, 60),
                  st.sampled_from(["open", "kept", "broken"]), st.integers(-60, 60)),
        st.tuples(st.just("moment"), st.integers(0, 5), st.integers(-400, 60)),
        # a touch kept for nobody yet (someone not made a person), and nobody's touches given
        # to a person (an address claimed)
        st.tuples(st.just("stranger"), st.sampled_from(["call", "meeting", "email"]),
                  st.integers(-400, 60), st.booleans()),
        st.tuples(st.just("claim"), st.integers(0, 5)),
)
OPS = st.lists(OP, min_size=1, max_size=25)
DAYS = st.lists(st.one_of(st.tuples(st.just("day"), st.integers(1, 9)),
                          st.tuples(st.just("day"), st.integers(10, 80)), OP),
                min_size=1, max_size=30)
"""Mostly days passing, some with writes between them."""


def _apply(store: Store, op: tuple[Any, ...], people: list[int]) -> int:
    """Apply one write; a ``day`` op instead returns how many days to move (else 0)."""
    conn = store.conn
    kind = op[0]
    if kind == "day":
        return int(op[1]) or 1
    with store.transaction():
        newest = conn.execute(
            "select id from interactions where person_id = ? order by id desc limit 1",
            [people[op[1]]] if len(op) > 1 and isinstance(op[1], int) else [0]).fetchone()
        if kind == "touch":
            _, who, what, way, day, hour = op
            conn.execute(
                "insert into interactions (person_id, kind, direction, at, subject, source,"
                " source_key) values (?, ?, ?, ?, ?, 't', ?)",
                [people[who], what, way, _at(day, hour), f"Topic {day % 3}",
                 f"k{next(_KEYS)}"])
        elif kind == "move" and newest:
            conn.execute("update interactions set at = ? where id = ?", [_at(op[2], 9), newest[0]])
        elif kind == "reassign" and newest:
            other = people[(op[1] + 1) % len(people)]
            conn.execute("update interactions set person_id = ? where id = ?", [other, newest[0]])
        elif kind == "delete" and newest:
            conn.execute("delete from interactions where id = ?", [newest[0]])
        elif kind == "stranger":
            _, what, day, titled = op
            conn.execute(
                "insert into interactions (person_id, kind, direction, at, subject, source,"
                " source_key) values (null, ?, 'in', ?, ?, 't', ?)",
                [what, _at(day, 11), "Board" if titled else None, f"k{next(_KEYS)}"])
        elif kind == "claim":
            conn.execute("update interactions set person_id = ? where person_id is null",
                         [people[op[1]]])
        elif kind == "tier":
            conn.execute("update people set tier = ? where id = ?", [op[2], people[op[1]]])
        elif kind == "cadence":
            conn.execute("update people set cadence_days = ? where id = ?",
                         [op[2], people[op[1]]])
    if kind in ("promise", "moment"):
        _write_and_rescore(store, op, people)
    if kind == "merge":
        try:
            merge_people(store, people[op[1]], people[op[2]])
        except CrbError:  # the same person, or one already merged away
            pass
    elif kind == "undo":
        try:
            undo_last_merge(store)
        except CrbError:  # nothing to undo
            pass
    return 0


def _busy_history(store: Store, people: list[int]) -> None:
    """Everything that changes with time alone, close to the start: mail both ways most weeks
    for 70 weeks (exchange weeks), a weekly titled meeting and a one-off, one-sided mail,
    commitments falling due, value moments just made."""
    conn = store.conn
    for week in range(70):
        for n, way in ((0, "in"), (0, "out"), (1, "out")):
            if (week + n) % 3 or way == "out":
                conn.execute(
                    "insert into interactions (person_id, kind, direction, at, subject, source,"
                    " source_key) values (?, 'email', ?, ?, 'Re: plans', 't', ?)",
                    [people[n], way, _at(-7 * week - n, 9 + n), f"b{next(_KEYS)}"])
    for week in range(12):
        conn.execute(
            "insert into interactions (person_id, kind, direction, at, subject, source,"
            " source_key) values (?, 'meeting', 'mutual', ?, ?, 't', ?)",
            [people[2], _at(-7 * week - 2, 10), "Stand-up" if week else "", f"b{next(_KEYS)}"])
    for n, due in ((3, 3), (4, 12), (5, -3)):
        conn.execute(
            "insert into commitments (person_id, text, due, status, created) values"
            " (?, 'Send it', ?, 'open', ?)",
            [people[n], (START + dt.timedelta(days=due)).isoformat(), _at(-20, 9)])
        conn.execute("insert into value_moments (person_id, kind, direction, at) values"
                     " (?, 'intro', 'out', ?)", [people[n], _at(-n, 14)])


def _write_and_rescore(store: Store, op: tuple[Any, ...], people: list[int]) -> None:
    """A commitment or a value moment, as the write path stores it and rescores its person
    (on the day the test has reached: the day of the last recompute)."""
    day = store.conn.execute("select max(computed_on) from health").fetchone()[0]
    today = dt.date.fromisoformat(day) if day else START
    pid = people[op[1]]
    with store.transaction():
        if op[0] == "promise":
            _, _, due, status, made = op
            closed = None if status == "open" else _at(made + 5, 15)
            store.conn.execute(
                "insert into commitments (person_id, text, due, status, created, closed_at)"
                " values (?, 'Send it', ?, ?, ?, ?)",
                [pid, (START + dt.timedelta(days=due)).isoformat(), status, _at(made, 10),
                 closed])
        else:
            store.conn.execute(
                "insert into value_moments (person_id, kind, direction, at) values"
                " (?, 'intro', 'out', ?)", [pid, _at(op[2], 14)])
    compute_all(store, Config(), today, [pid])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_carried_basis_equals_a_compute_from_scratch(ops: list[tuple[Any, ...]]) -> None:
    """Also the scores a new day leaves as they were, worked out when read (the view
    ``health``): the runs score only the people due, however many they are."""
    _check_days(ops)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DAYS)
def test_scores_worked_out_when_read_equal_a_compute_from_scratch_every_day(
        ops: list[tuple[Any, ...]]) -> None:
    """Day after day, the scores of the people a new day does not score again (worked out
    when read from what is stored) are those a computation from scratch gives: a touch leaving
    the trend window, a commitment falling due, a window turning, a series of meetings falling
    to one, an exchange week leaving the weeks counted, a one-sided flag ending."""
    _check_days(ops, busy=True)


@contextlib.contextmanager
def _due_only_store() -> Iterator[Store]:
    """A store in memory whose runs of everyone score only the people due, however many they
    are (``WHOLE_SHARE`` out of reach), so that the scores a new day leaves to the view are
    the ones checked."""
    store = Store.open(None)
    share, health_run.WHOLE_SHARE = health_run.WHOLE_SHARE, 2.0
    try:
        yield store
    finally:
        health_run.WHOLE_SHARE = share
        store.close()


def _person(store: Store, name: str = "Ann", tier: str = "none", since: int = -500) -> int:
    """A person made ``since`` days before the start (no write path: no scores yet)."""
    cur = store.conn.execute(
        "insert into people (name, tier, created, updated) values (?, ?, ?, ?)",
        [name, tier, _at(since, 0), _at(since, 0)])
    return int(cur.lastrowid or 0)


def _check_days(ops: list[tuple[Any, ...]], busy: bool = False) -> None:
    config = Config()
    with _due_only_store() as store:
        people = []
        for n, tier in enumerate(("key", "active", "network", "none", "key", "active")):
            cur = store.conn.execute(
                "insert into people (name, tier, created, updated) values (?, ?, ?, ?)",
                [f"P{n}", tier, _at(-500, 0), _at(-500, 0)])
            people.append(int(cur.lastrowid or 0))
            for day in range(-300, 0, 37 + 11 * n):
                store.conn.execute(
                    "insert into interactions (person_id, kind, direction, at, subject, source,"
                    " source_key) values (?, ?, ?, ?, 'Weekly', 't', ?)",
                    [people[-1], ("email", "meeting", "message")[day % 3],
                     ("in", "out", "mutual")[day % 3 - 1], _at(day, n), f"s{n}{day}"])
        if busy:
            _busy_history(store, people)
        today = START
        compute_all(store, config, today)
        for op in ops:
            moved = _apply(store, op, people)
            if moved:
                today += dt.timedelta(days=moved)
            compute_all(store, config, today)
            assert _scores(store) == _from_scratch(store, config, today), (op, today)


def test_a_new_day_reads_the_basis_and_rebuilds_only_what_changed() -> None:
    config = Config()
    store = Store.open(None)
    try:
        conn = store.conn
        ids = []
        for n in range(3):
            cur = conn.execute("insert into people (name, tier) values (?, 'key')", [f"P{n}"])
            ids.append(int(cur.lastrowid or 0))
            conn.execute(
                "insert into interactions (person_id, kind, direction, at, source, source_key)"
                " values (?, 'meeting', 'mutual', ?, 't', ?)", [ids[-1], _at(-90, 10), f"m{n}"])
        compute_all(store, config, START)
        assert conn.execute("select count(*) from health_basis").fetchone()[0] == 3
        assert conn.execute("select cut from health_basis_state").fetchone()[0] == _at(-29, 0)
        # a touch stored for one person drops their row (in the same transaction) ...
        conn.execute(
            "insert into interactions (person_id, kind, direction, at, source, source_key)"
            " values (?, 'call', 'out', ?, 't', 'c1')", [ids[0], _at(-60, 10)])
        assert [r[0] for r in conn.execute("select person_id from health_basis")] == ids[1:]
        conn.execute("update health_basis set first = 'kept' where person_id = ?", [ids[1]])
        # ... and the next day builds it again, keeps the others and moves the cut-off on
        compute_all(store, config, START + dt.timedelta(days=1))
        rows = dict(conn.execute("select person_id, first from health_basis"))
        assert rows[ids[0]] == _at(-90, 10) and rows[ids[1]] == "kept"
        assert conn.execute("select cut from health_basis_state").fetchone()[0] == _at(-28, 0)
        # an earlier day than the basis' starts it again from scratch
        compute_all(store, config, START - dt.timedelta(days=3))
        assert conn.execute("select count(*) from health_basis where first = 'kept'"
                            ).fetchone()[0] == 0
        assert conn.execute("select cut from health_basis_state").fetchone()[0] == _at(-32, 0)
    finally:
        store.close()


def test_a_bulk_load_drops_the_rows_of_the_people_it_adds_to() -> None:
    """The demo's bulk load runs without triggers: it drops the rows itself."""
    config = Config()
    store = Store.open(None)
    try:
        conn = store.conn
        ids = [int(conn.execute("insert into people (name, tier) values (?, 'key')",
                                [f"P{n}"]).lastrowid or 0) for n in range(2)]
        compute_all(store, config, START)
        with store.bulk_load():
            conn.execute(
                "insert into interactions (person_id, kind, direction, at, source, source_key)"
                " values (?, 'meeting', 'mutual', ?, 't', 'm')", [ids[1], _at(-60, 10)])
        assert [r[0] for r in conn.execute("select person_id from health_basis")] == ids[:1]
        compute_all(store, config, START + dt.timedelta(days=1))
        assert _scores(store) == _from_scratch(store, config, START + dt.timedelta(days=1))
        assert conn.execute("select health from health where person_id = ?",
                            [ids[1]]).fetchone()[0] > 0
    finally:
        store.close()


def test_a_person_without_a_cadence_has_windows_carried_too() -> None:
    """Everyone's consistency windows are carried: of ``uncadenced_days`` (180) without a
    cadence, of the cadence's length with one; tiering someone, or untiering them, builds
    their row again with the new windows."""
    config = Config()
    store = Store.open(None)
    try:
        conn = store.conn
        pid = int(conn.execute("insert into people (name, tier) values ('P', 'none')").lastrowid
                  or 0)
        for n, day in enumerate(range(-900, -40, 60)):
            conn.execute(
                "insert into interactions (person_id, kind, direction, at, source, source_key)"
                " values (?, 'email', ?, ?, 't', ?)",
                [pid, ("in", "out")[n % 2], _at(day, 10), f"e{n}"])
        today = START
        for tier, length in (("none", 180), ("key", 14), ("none", 180), ("network", 90)):
            conn.execute("update people set tier = ? where id = ?", [tier, pid])
            today += dt.timedelta(days=1)
            compute_all(store, config, today)
            cad, mask = conn.execute("select cad, mask from health_basis").fetchone()
            assert cad == length and mask != 0
            assert _scores(store) == _from_scratch(store, config, today)
    finally:
        store.close()


def test_a_series_falling_to_one_meeting_is_scored_again_that_day() -> None:
    """A series past one meeting loses a fixed worth a day; once it falls to one meeting its
    worth decays instead: the day it does, its person is scored again (with many points a
    meeting, a day late would show)."""
    config = Config()
    config.health.value_points = {**config.health.value_points, "meeting": 60.0}
    # (no other day to score her again for a long time: windows of ten years, a long trend)
    config.health.uncadenced_days, config.health.trend_window_days = 3650, 500
    with _due_only_store() as store:
        pid = _person(store)
        for day in (-12, -11, -10):
            store.conn.execute(
                "insert into interactions (person_id, kind, direction, at, subject, source,"
                " source_key) values (?, 'meeting', 'mutual', ?, 'Review', 't', ?)",
                [pid, _at(day, 10), f"r{day}"])
        today = START
        compute_all(store, config, today)
        # three meetings ten days ago, halving every 180 days: one meeting in about 270 days
        seen = set()
        for _ in range(40):
            today += dt.timedelta(days=9)
            compute_all(store, config, today)
            seen.add(_scores(store)[0][3])
            assert _scores(store) == _from_scratch(store, config, today), today
        assert len(seen) > 10  # Value moved on day after day, read from what is stored


def test_weeks_and_windows_turning_day_by_day_equal_a_compute_from_scratch() -> None:
    """Exchange weeks leave the weeks counted and consistency windows turn with nothing
    written: day after day the scores worked out from what is stored (the next weeks' and
    windows' numbers stored ahead) equal a computation from scratch."""
    config = Config()
    config.health.exchange_cap, config.health.value_scale = 1000.0, 400.0
    config.health.exchange_points = {"email": 8.0}
    with _due_only_store() as store:
        people = []
        for n, tier in enumerate(("key", "active", "key")):
            cur = store.conn.execute(
                "insert into people (name, tier, created, updated) values (?, ?, ?, ?)",
                [f"P{n}", tier, _at(-500, 0), _at(-500, 0)])
            people.append(int(cur.lastrowid or 0))
        # the first two: weeks leaving the 60 counted; the third: only windows turning
        for who, weeks in ((0, range(3, 64, 2)), (1, range(4, 64, 2)), (2, range(1, 30))):
            for week in weeks:
                if week % 5 == 0:
                    continue  # (a week now and then with no word: windows not all touched)
                for way, day in (("in", 0), ("out", 1)):
                    store.conn.execute(
                        "insert into interactions (person_id, kind, direction, at, source,"
                        " source_key) values (?, 'email', ?, ?, 't', ?)",
                        [people[who], way, _at(-7 * week - day, 9), f"w{who}{week}{way}"])
        today = START
        compute_all(store, config, today)
        seen = set()
        for _ in range(75):
            today += dt.timedelta(days=1)
            compute_all(store, config, today)
            scores = _scores(store)
            seen.add(tuple(row[1:4] for row in scores))
            assert scores == _from_scratch(store, config, today), today
        assert len(seen) > 20


def test_what_any_other_program_writes_is_scored_again_at_the_next_read() -> None:
    """Trial 11 T1-T3: a meeting series renamed, a goal, a note or any field of a person
    written by another program (a plugin's signals may read them) mark the person to be
    scored again; a person deleted takes their stored parameters along."""
    config = Config()
    with _due_only_store() as store:
        conn = store.conn
        people = []
        for n in range(3):
            cur = conn.execute("insert into people (name, tier, created, updated) values"
                               " (?, 'key', ?, ?)", [f"P{n}", _at(-500, 0), _at(-500, 0)])
            people.append(int(cur.lastrowid or 0))
            for week in range(6):
                conn.execute(
                    "insert into interactions (person_id, kind, direction, at, subject, source,"
                    " source_key) values (?, 'meeting', 'mutual', ?, 'Sync', 't', ?)",
                    [people[-1], _at(-7 * week - 1, 10), f"m{n}{week}"])
        compute_all(store, config, START)

        def due() -> set[int]:
            return {row[0] for row in conn.execute(
                "select person_id from health_params where due_jd = 0")}

        assert due() == set()
        conn.execute("update interactions set subject = subject || id where person_id = ?",
                     [people[0]])
        conn.execute("insert into goals (person_id, text, active, confirmed_at) values"
                     " (?, 'Hire', 1, ?)", [people[1], _at(0, 9)])
        conn.execute("update people set title = 'CTO' where id = ?", [people[2]])
        assert due() == set(people)
        compute_all(store, config, START)
        assert due() == set()
        # the renamed meetings are no series any more: Value as a compute from scratch has it
        assert _scores(store) == _from_scratch(store, config, START)
        conn.execute("insert into notes (person_id, text, at) values (?, 'x', ?)",
                     [people[0], _at(0, 9)])
        assert due() == {people[0]}
        conn.execute("delete from interactions where person_id = ?", [people[2]])
        conn.execute("delete from people where id = ?", [people[2]])
        assert people[2] not in {row[0] for row in conn.execute(
            "select person_id from health")}


def test_value_from_exchange_weeks_alone_becomes_unknown_when_they_leave() -> None:
    """Trial 11 T8: someone whose only Value was a week in which both wrote: once that week
    leaves the weeks counted, Value is unknown, as a compute from scratch says (it read 0)."""
    config = Config()
    with _due_only_store() as store:
        pid = _person(store, since=-900)
        for way, day in (("in", 0), ("out", 1)):
            store.conn.execute(
                "insert into interactions (person_id, kind, direction, at, source, source_key)"
                " values (?, 'email', ?, ?, 't', ?)", [pid, way, _at(-7 * 57 - day, 9), way])
        today = START
        compute_all(store, config, today)
        values = []
        for _ in range(40):
            today += dt.timedelta(days=1)
            compute_all(store, config, today)
            values.append(_scores(store)[0][3])
            assert _scores(store) == _from_scratch(store, config, today), today
        assert values[0] is not None and values[-1] is None


def test_a_new_day_counts_as_stale_only_the_people_it_scores_again() -> None:
    """Trial 11: the app said "Bringing 20,000 people's scores up to ..." on a new day when a
    dozen were to be scored again; the others' scores move on with the day by themselves."""
    from crb_tui.engine.health import model_key, stale_people

    config = Config()
    store = Store.open(None)
    try:
        for n in range(3):
            cur = store.conn.execute("insert into people (name, tier, created, updated) values"
                                     " (?, 'none', ?, ?)", [f"P{n}", _at(-500, 0), _at(-500, 0)])
            store.conn.execute(
                "insert into interactions (person_id, kind, direction, at, source, source_key)"
                " values (?, 'email', 'in', ?, 't', ?)", [cur.lastrowid, _at(-5 - n, 9), f"i{n}"])
        compute_all(store, config, START)
        key = model_key(config)
        # the touch 7 days back leaves the 30-day trend window 23 days on, the others later
        assert stale_people(store, START + dt.timedelta(days=1), key) == (0, [])
        assert stale_people(store, START + dt.timedelta(days=23), key)[1] == [3]
        assert stale_people(store, START - dt.timedelta(days=1), key)[1] == [1, 2, 3]
    finally:
        store.close()
