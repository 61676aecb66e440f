"""The daily review: what goes in, in which order, what stays out, and what acting does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from crb_tui import clock
from crb_tui import records as r
from crb_tui.config import Config
from crb_tui.engine import health
from crb_tui.engine.review import build_review, collect_items, progress
from crb_tui.engine.review_answers import answered_today
from crb_tui.errors import CrbError
from crb_tui.store import Store, actions

TODAY = dt.date(2026, 11, 23)


def at(days_ago: int) -> dt.datetime:
    # 08:00 UTC: on TODAY itself, before "now" (09:00 under CRB_TODAY), so it has happened.
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(8), tzinfo=dt.UTC)


def person(store: Store, name: str, email: str, tier: str = "active", **kw) -> int:
    store.write([r.Person(name, [r.Identity("email", email)], tier=tier, **kw)], "t")
    return store.resolve_person(email)


def touch(store: Store, email: str, days_ago: int, kind: str = "meeting", key: str = "") -> None:
    store.write(
        [
            r.Interaction(
                key or f"{email}-{days_ago}-{kind}",
                kind,
                "mutual",
                at(days_ago),
                r.Identity("email", email),
            )
        ],
        "t",
    )


def review(store: Store, config: Config | None = None, **kw):
    config = config or Config()
    health.compute_all(store, config, TODAY)
    return build_review(store, config, TODAY, **kw)


def kinds(items) -> dict[str, str]:
    return {i.person_name: i.kind for i in items}


def test_every_kind_of_item_with_its_reason(store: Store) -> None:
    ann = person(store, "Ann", "ann@x.com")
    actions.promise(store, ann, "Send the deck", due=TODAY, today=TODAY - dt.timedelta(days=3))
    bo = person(store, "Bo", "bo@x.com", tier="key")
    touch(store, "bo@x.com", 60)
    cy = person(store, "Cy", "cy@x.com")
    touch(store, "cy@x.com", 3)
    store.write([r.Goal(r.Identity("email", "cy@x.com"), "Raise a seed round", at(200))], "t")
    di = person(store, "Di", "di@x.com", tier="network")
    touch(store, "di@x.com", 7)
    store.write([r.ValueMoment(r.Identity("email", "di@x.com"), "deal", "received", at(30))], "t")
    ed = person(store, "Ed", "ed@x.com", tier="network", birthday="--11-24")
    touch(store, "ed@x.com", 5)
    store.write(
        [
            r.Interaction(
                "m-new", "email", "out", at(1), r.Identity("email", "fay@x.com"), name="Fay"
            )
        ],
        "t",
    )
    gus = person(store, "Gus", "gus@x.com", tier="network")
    touch(store, "gus@x.com", 0)
    store.db.execute(
        "update interactions set at = ? where person_id = ?",
        [f"{TODAY.isoformat()}T15:00:00+00:00", gus],
    )
    items = review(store)
    got = kinds(items)
    assert got["Ann"] == "commitment"
    assert got["Bo"] == "past_cadence"
    assert got["Cy"] == "stale_goal"
    assert got["Di"] == "aftercare"
    assert got["Ed"] == "anniversary"
    assert got["Fay"] == "triage"
    assert got["Gus"] == "meeting"
    by = {i.person_name: i for i in items}
    assert "Send the deck" in by["Ann"].reason and "due today" in by["Ann"].reason
    assert "aim for every 14 days" in by["Bo"].reason
    assert (
        "Raise a seed round" in by["Cy"].reason
        and "ask what has changed" in by["Cy"].action.lower()
    )
    assert "30-day after-care" in by["Di"].reason
    assert by["Ed"].reason == "Birthday in 1 day"
    assert items[0].person_name == "Ann"
    assert [i.priority for i in items] == sorted((i.priority for i in items), reverse=True)
    assert {ann, bo, cy, di, ed, gus} <= {i.person_id for i in items}


def test_past_cadence_priority_grows_with_lateness_and_tier(store: Store) -> None:
    for name, tier, days in (
        ("Key Late", "key", 40),
        ("Key Later", "key", 60),
        ("Net Later", "network", 400),
    ):
        email = name.replace(" ", ".").lower() + "@x.com"
        person(store, name, email, tier=tier)
        touch(store, email, days)
    items = review(store)
    order = [i.person_name for i in items if i.kind == "past_cadence"]
    assert order.index("Key Later") < order.index("Key Late")
    prio = {i.person_name: i.priority for i in items}
    # Network is 3.4 cadences late, key only 3.3 but a key relationship weighs more.
    assert prio["Key Later"] > prio["Net Later"]


def test_snoozed_archived_and_acted_on_stay_out(store: Store) -> None:
    ids = {}
    for name in ("Sam", "Ari", "Lou", "Max"):
        email = f"{name.lower()}@x.com"
        ids[name] = person(store, name, email, tier="key")
        touch(store, email, 90)
    actions.snooze(store, ids["Sam"], TODAY + dt.timedelta(days=7), today=TODAY)
    actions.archive(store, ids["Ari"], today=TODAY)
    actions.log_touch(store, ids["Lou"], kind="call", today=TODAY, at=at(0))
    names = {i.person_name for i in review(store)}
    assert names == {"Max"}
    # Snoozed people come back on their date.
    later = build_review(store, Config(), TODAY + dt.timedelta(days=8))
    assert "Sam" in {i.person_name for i in later}


def _six_late_key_people(store: Store) -> Config:
    """Six key people past their 14-day cadence (P0 40 days since a touch ... P5 90), and a
    config whose day holds three."""
    config = Config()
    config.review.daily_limit = 3
    for n in range(6):
        email = f"p{n}@x.com"
        person(store, f"P{n}", email, tier="key")
        touch(store, email, 40 + n * 10)
    return config


def test_cap_and_progress_count_what_was_done(store: Store) -> None:
    config = _six_late_key_people(store)
    items = review(store, config)
    assert len(items) == 3
    assert progress(store, config, TODAY) == (0, 3)
    actions.log_touch(store, items[0].person_id, kind="call", today=TODAY)
    health.compute_all(store, config, TODAY)
    after = build_review(store, config, TODAY)
    assert len(after) == 2 and items[0].person_id not in {i.person_id for i in after}
    assert progress(store, config, TODAY) == (1, 3)


def test_someone_whose_item_was_answered_keeps_their_place_for_their_next_reason(
    store: Store,
) -> None:
    """Trial 9 F1: a touch logged with someone late who also had a stale goal left them
    neither shown (the goal ranks below the cap) nor done, and someone new took the place;
    "0 / 3 done" never moved. They stay, with the reason that comes up next."""
    config = _six_late_key_people(store)
    items = review(store, config)
    shown = [i.person_id for i in items]
    second = items[1]
    email = f"p{second.person_name[1:]}@x.com"
    store.write([r.Goal(r.Identity("email", email), "Raise a seed round", at(200))], "t")
    assert [i.person_id for i in review(store, config)] == shown
    actions.log_touch(store, second.person_id, kind="call", today=TODAY)
    after = review(store, config)
    assert sorted(i.person_id for i in after) == sorted(shown)
    assert kinds(after)[second.person_name] == "stale_goal"
    assert progress(store, config, TODAY) == (0, 3)
    # Answering the goal too deals with them: one done, and still nobody new.
    actions.set_goal(store, second.person_id, None, today=TODAY)
    last = review(store, config)
    assert sorted(i.person_id for i in last) == sorted(p for p in shown if p != second.person_id)
    assert progress(store, config, TODAY) == (1, 3)


def test_a_promise_made_during_the_day_comes_in_beyond_the_cap(store: Store) -> None:
    """Trial 9 F9: a promise due today made after the review was shown pushed out someone
    already shown (nothing done about them); with F1's places held it would not have come in
    at all. It takes a place of its own: the day grows by one and nobody leaves."""
    config = _six_late_key_people(store)
    newcomer = person(store, "Quinn", "q@x.com", tier="network")
    touch(store, "q@x.com", 2)
    shown = [i.person_id for i in review(store, config)]
    assert newcomer not in shown and len(shown) == 3
    cid = actions.promise(store, newcomer, "Call back", due=TODAY, today=TODAY)
    after = review(store, config)
    assert sorted(i.person_id for i in after) == sorted([*shown, newcomer])
    assert kinds(after)["Quinn"] == "commitment"
    assert progress(store, config, TODAY) == (0, 4)
    # Keeping it deals with them and takes no one else's place.
    actions.close_commitment(store, cid, today=TODAY)
    assert sorted(i.person_id for i in review(store, config)) == sorted(shown)
    assert progress(store, config, TODAY) == (1, 4)
    actions.log_touch(store, shown[0], kind="call", today=TODAY)
    assert sorted(i.person_id for i in review(store, config)) == sorted(shown[1:])
    assert progress(store, config, TODAY) == (2, 4)


def test_a_promise_made_before_the_days_first_look_is_judged_at_it(store: Store) -> None:
    """Trial 10 W4: a promise made this morning before the first review, ranked below the
    cap at that look, came in beyond the cap at the second look with nothing done (the demo's
    day grew from 117 to 149 items). The day is what its first look said."""
    config = Config()
    config.review.daily_limit = 2
    ids = []
    for n in range(3):
        email = f"p{n}@x.com"
        ids.append(person(store, f"P{n}", email, tier="key"))
        actions.promise(store, ids[-1], f"Old {n}", due=TODAY - dt.timedelta(days=5 + n),
                        today=TODAY - dt.timedelta(days=10))
    late = person(store, "Late", "late@x.com", tier="network")
    actions.promise(store, late, "Made this morning", due=TODAY, today=TODAY)
    first = [i.person_id for i in review(store, config)]
    assert late not in first and len(first) == 2
    assert [i.person_id for i in review(store, config)] == first


def test_a_birthday_heads_up_of_someone_never_kept_waits_below_late_key_people(
    store: Store,
) -> None:
    """Trial 10 W13: three imported cards (tier none, never touched) with a birthday in three
    days ranked above a key person past cadence, three days running."""
    config = Config()
    config.review.daily_limit = 1
    person(store, "Kay", "kay@x.com", tier="key")
    touch(store, "kay@x.com", 40)
    soon = (TODAY + dt.timedelta(days=3)).strftime("--%m-%d")
    person(store, "Stranger", "s@x.com", tier="none", birthday=soon)
    items = review(store, config)
    assert [i.person_name for i in items] == ["Kay"]
    ranked = kinds(build_review(store, config, TODAY, limit=5))
    assert ranked == {"Kay": "past_cadence", "Stranger": "anniversary"}
    # Someone you keep still gets the heads-up above late relationships.
    person(store, "Friend", "f@x.com", tier="network", birthday=soon)
    later = build_review(store, config, TODAY, limit=5)
    assert [i.person_name for i in later][:2] == ["Friend", "Kay"]


def test_merging_someone_shown_away_pulls_no_one_in(store: Store) -> None:
    """Trial 9 F1 (merge): merging a person shown today into another took their place away
    and handed it to someone new, the day's count unchanged."""
    from crb_tui.store.merge import merge_people

    config = _six_late_key_people(store)
    shown = [i.person_id for i in review(store, config)]
    merge_people(store, shown[0], shown[1])
    assert sorted(i.person_id for i in review(store, config)) == sorted([shown[0], shown[2]])
    assert progress(store, config, TODAY) == (1, 3)


def test_one_item_per_person_with_the_rest_folded_in(store: Store) -> None:
    pid = person(store, "Ann", "ann@x.com", tier="key")
    touch(store, "ann@x.com", 60)
    actions.promise(store, pid, "Call back", due=TODAY, today=TODAY - dt.timedelta(days=1))
    store.db.execute("delete from review_history")
    items = review(store)
    assert len(items) == 1 and items[0].kind == "commitment"
    assert any("aim for every" in reason for reason in items[0].also)


def test_a_deal_schedules_aftercare_at_the_configured_offsets(store: Store) -> None:
    config = Config()
    config.review.aftercare_days = [3, 10]
    pid = person(store, "Dee", "dee@x.com", tier="network")
    touch(store, "dee@x.com", 20)
    actions.log_value(store, pid, kind="deal", direction="received", today=TODAY, at=at(10))
    store.db.execute("delete from review_history")
    item = next(i for i in review(store, config) if i.person_name == "Dee")
    assert item.kind == "aftercare" and item.detail["offset_days"] == 10
    # A touch after the follow-up date means it was done.
    touch(store, "dee@x.com", 0, kind="call")
    assert "Dee" not in kinds(review(store, config))


def test_value_logged_at_the_aftercare_retires_it(store: Store) -> None:
    """Trial 10 W1: advice logged on the after-care card answered it for that day only; it
    came back every morning for two weeks (only a touch retired it)."""
    config = Config()
    config.review.aftercare_days = [7]
    pid = person(store, "Dee", "dee@x.com", tier="network")
    touch(store, "dee@x.com", 20)
    actions.log_value(store, pid, kind="deal", direction="given", today=TODAY, at=at(7))
    store.db.execute("delete from review_history")  # (the deal was logged a week ago)
    assert kinds(review(store, config))["Dee"] == "aftercare"
    actions.log_value(store, pid, kind="advice", direction="given", today=TODAY, at=at(0))
    tomorrow = TODAY + dt.timedelta(days=1)
    health.compute_all(store, config, tomorrow)
    assert "Dee" not in kinds(build_review(store, config, tomorrow))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, p: actions.set_cadence(s, p, 0, today=TODAY), "positive number of days"),
        (lambda s, p: actions.set_cadence(s, p, -3, today=TODAY), "positive number of days"),
        (lambda s, p: actions.set_tier(s, p, "vip", today=TODAY), "unknown tier"),
        (
            lambda s, p: actions.promise(s, p, "x", due=TODAY - dt.timedelta(days=1), today=TODAY),
            "in the past",
        ),
        (lambda s, p: actions.snooze(s, p, TODAY, today=TODAY), "after today"),
        (
            lambda s, p: actions.log_value(s, p, kind="bribe", direction="given", today=TODAY),
            "unknown value kind",
        ),
        (lambda s, p: actions.log_touch(s, p, kind="telepathy", today=TODAY), "unknown kind"),
    ],
)
def test_bad_actions_change_nothing(store: Store, call, message: str) -> None:
    pid = person(store, "Ann", "ann@x.com")
    before = {
        t: list(store.db.query(f"select * from {t}"))
        for t in ("people", "commitments", "value_moments", "interactions", "review_history")
    }
    with pytest.raises(CrbError, match=message):
        call(store, pid)
    after = {t: list(store.db.query(f"select * from {t}")) for t in before}
    assert after == before


def test_today_follows_the_users_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    from crb_tui import clock

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # 23:30 UTC on the 23rd is already the 24th in Tokyo
            return dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.delenv("CRB_TODAY")
    monkeypatch.setattr(clock.dt, "datetime", Frozen)
    assert clock.today("Asia/Tokyo") == dt.date(2026, 11, 24)
    assert clock.today("America/New_York") == dt.date(2026, 11, 23)
    with pytest.raises(CrbError, match="unknown time zone"):
        clock.today("Mars/Olympus")


def test_one_clock_every_stamp_follows_the_pinned_day(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Actions stamp what they write with the one clock: with the day pinned years away from the
    real date (either way), logging, promising and keeping work and are stamped on that day."""
    for day in (dt.date(2019, 3, 4), dt.date(2031, 7, 8)):
        monkeypatch.setenv("CRB_TODAY", day.isoformat())
        pid = person(store, f"Ann {day.year}", f"ann{day.year}@x.com", tier="key")
        iid = actions.log_touch(store, pid, kind="call", today=day)
        cid = actions.promise(store, pid, "Send it", due=day, today=day)
        actions.close_commitment(store, cid, today=day)
        at = store.db.execute("select at from interactions where id = ?", [iid]).fetchone()[0]
        made, closed = store.db.execute(
            "select created, closed_at from commitments where id = ?", [cid]).fetchone()
        assert {at[:10], made[:10], closed[:10]} == {day.isoformat()}
        assert clock.parse_date("+3d") == day + dt.timedelta(days=3)


# -- issue #10: no touch yet, triage by evidence, what answers what -------------------------


def test_key_and_active_people_with_no_touch_yet_reach_the_review(store: Store) -> None:
    key = person(store, "Kai", "kai@x.com", tier="key")
    act = person(store, "Ava", "ava@x.com", tier="active")
    person(store, "Ned", "ned@x.com", tier="network")
    due = person(store, "Dot", "dot@x.com", tier="network")
    touch(store, "dot@x.com", 3)
    actions.promise(store, due, "Send it", due=TODAY, today=TODAY - dt.timedelta(days=2))
    store.db.execute("delete from review_history")
    items = review(store)
    by = {i.person_name: i for i in items}
    assert by["Kai"].kind == by["Ava"].kind == "no_touch"
    assert by["Kai"].reason == "No touch yet: reach out; you aim for every 14 days"
    assert "Ned" not in by  # a network contact never touched is not a to-do
    # Ranked below a commitment due today, key above active.
    assert by["Dot"].priority > by["Kai"].priority > by["Ava"].priority
    assert [i.person_name for i in items][:3] == ["Dot", "Kai", "Ava"]
    # A logged touch answers it.
    actions.log_touch(store, key, kind="call", today=TODAY)
    assert "Kai" not in kinds(review(store))
    assert act in {i.person_id for i in review(store)}


def email(who: str, days_ago: int, direction: str, n: int, kind: str = "email") -> r.Interaction:
    return r.Interaction(f"{who}-{n}", kind, direction, at(days_ago), r.Identity("email", who),
                         name=who.split("@")[0].capitalize() if who[0] != "(" else "(omitted)")


def test_triage_is_ranked_by_evidence_and_takes_a_bounded_share(store: Store) -> None:
    config = Config()
    config.review.triage_limit = 2
    store.write([
        # "(omitted)" sorts first alphabetically but only ever got one mail from the user.
        email("(omitted)@x.com", 9, "out", 1),
        # Mia answered: a two-way exchange last week.
        email("mia@x.com", 8, "out", 1), email("mia@x.com", 7, "in", 2),
        # Zed: two meetings together, the last one two days ago.
        email("zed@x.com", 6, "out", 1), email("zed@x.com", 5, "mutual", 2, "meeting"),
        email("zed@x.com", 2, "mutual", 3, "meeting"),
        email("amy@x.com", 12, "out", 1),
    ], "mbox")
    items = [i for i in review(store, config, limit=50) if i.kind == "triage"]
    assert [i.person_name for i in items] == ["Zed", "Mia"]  # two places, best evidence first
    assert all(100 <= i.priority < 200 for i in items)
    # A meeting is a two-way touch, named once: as a meeting.
    assert "(zed@x.com), 2 meetings, last touch 2 days ago" in items[0].reason
    assert "1 two-way touch, last touch 7 days ago" in items[1].reason
    # Acting on a triage card uses one of the day's places: no one new is pulled in.
    actions.set_tier(store, items[0].person_id, "active", today=TODAY, item_kind="triage")
    left = [i.person_name for i in build_review(store, config, TODAY) if i.kind == "triage"]
    assert left == ["Mia"]
    # A promise made from Mia's card does not answer the triage question: she stays.
    mia = store.resolve_person("mia@x.com")
    actions.promise(store, mia, "Send the notes", due=TODAY + dt.timedelta(days=2), today=TODAY,
                    item_kind="triage")
    left = [i.person_name for i in build_review(store, config, TODAY) if i.kind == "triage"]
    assert left == ["Mia"]
    config.review.triage_limit = 0
    assert not [i for i in build_review(store, config, TODAY) if i.kind == "triage"]


def test_an_action_clears_only_the_items_whose_reason_it_answers(store: Store) -> None:
    ann = person(store, "Ann", "ann@x.com", tier="key")
    touch(store, "ann@x.com", 60)
    cid = actions.promise(store, ann, "Send the deck", due=TODAY,
                          today=TODAY - dt.timedelta(days=2))
    store.db.execute("delete from review_history")

    def ann_items() -> list[str]:
        health.compute_all(store, Config(), TODAY)
        items = collect_items(store, Config(), TODAY)
        answered = answered_today(store, TODAY)
        return sorted(i.kind for i in items if i.person_id == ann
                      and not answered.clears(i.person_id, i.kind))

    assert ann_items() == ["commitment", "fading", "past_cadence"]
    # A tier, a new promise, a note: none of them answers a promise due today.
    actions.set_tier(store, ann, "key", today=TODAY, item_kind="commitment")
    actions.promise(store, ann, "Lunch", due=TODAY + dt.timedelta(days=9), today=TODAY)
    actions.add_note(store, ann, "Likes tea", today=TODAY)
    assert ann_items() == ["commitment", "fading", "past_cadence"]
    assert progress(store, Config(), TODAY)[0] == 0
    # A touch answers "past cadence" (and "fading"), not the promise.
    actions.log_touch(store, ann, kind="call", today=TODAY, at=at(0))
    assert ann_items() == ["commitment"]
    # Keeping it answers the promise.
    actions.close_commitment(store, cid, today=TODAY)
    assert ann_items() == []
    assert progress(store, Config(), TODAY)[0] == 1


def test_snooze_clears_everything_but_the_brief_of_todays_meeting(store: Store) -> None:
    for name in ("Mo", "Lu"):
        pid = person(store, name, f"{name.lower()}@x.com", tier="key")
        touch(store, f"{name.lower()}@x.com", 60)
        actions.promise(store, pid, "Call back", due=TODAY, today=TODAY - dt.timedelta(days=1))
        store.write([r.Interaction(f"{name}-today", "meeting", "mutual",
                                   dt.datetime.combine(TODAY, dt.time(16), tzinfo=dt.UTC),
                                   r.Identity("email", f"{name.lower()}@x.com"),
                                   subject="Planning")], "t")
    mo, lu = (store.resolve_person(f"{n}@x.com") for n in ("mo", "lu"))
    actions.snooze(store, mo, TODAY + dt.timedelta(days=7), today=TODAY)
    cid = store.db.execute("select id from commitments where person_id = ?", [lu]).fetchone()[0]
    actions.close_commitment(store, cid, today=TODAY)
    actions.log_touch(store, lu, kind="call", today=TODAY, at=at(0))
    items = review(store)
    assert {(i.person_name, i.kind) for i in items} == {("Mo", "meeting"), ("Lu", "meeting")}
    assert all("Meeting today at 16:00" in i.reason for i in items)
    assert items[0].also == []  # the snoozed promise and cadence are not folded back in
    # Archived people are out of the review altogether.
    actions.archive(store, mo, today=TODAY)
    assert [i.person_name for i in review(store)] == ["Lu"]


def test_new_people_keep_their_share_of_a_day_full_of_late_relationships() -> None:
    """A backlog of late relationships does not keep new people out of the review for weeks:
    up to triage_limit of them take the last places; commitments keep theirs."""
    from crb_tui import Identity, Interaction, Person
    from crb_tui.config import Config
    from crb_tui.engine.review import build_review

    s = Store.open(None)
    old = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
    s.write([Person(name=f"Late {n:02d}", tier="key", identities=[Identity("email", f"l{n}@x.org")])
             for n in range(20)], "t")
    s.write([Interaction(f"l{n}", "meeting", "mutual", old, Identity("email", f"l{n}@x.org"))
             for n in range(20)], "t")
    recent = dt.datetime.combine(TODAY - dt.timedelta(days=2), dt.time(9), tzinfo=dt.UTC)
    s.write([Person(name=f"New {n}", triage=True, identities=[Identity("email", f"n{n}@y.org")])
             for n in range(5)], "mbox")
    s.write([Interaction(f"n{n}", "email", d, recent, Identity("email", f"n{n}@y.org"))
             for n in range(5) for d in ("in", "out")], "mbox")
    from crb_tui.engine import health

    cfg = Config()
    health.compute_all(s, cfg, TODAY)
    items = build_review(s, cfg, TODAY)
    kinds = [i.kind for i in items]
    assert len(items) == cfg.review.daily_limit
    assert kinds.count("triage") == cfg.review.triage_limit
    assert kinds.count("past_cadence") == cfg.review.daily_limit - cfg.review.triage_limit
    s.close()


def _reviews_as_if_all_was_read(
    store: Store, monkeypatch: pytest.MonkeyPatch, limits: tuple[int, ...],
    key: Callable[[Any], tuple[Any, ...]],
) -> dict[int, list[Any]]:
    """The review (scores computed today) at each of ``limits``, each the same (by ``key``) as
    the one built when every backlog is read whole (``collect_items`` given no ``room``)."""
    from crb_tui.engine import review as review_module

    config = Config()
    health.compute_all(store, config, TODAY)
    bounded = {lim: build_review(store, config, TODAY, limit=lim) for lim in limits}
    everything = review_module.collect_items

    def unbounded(*args: Any, **kwargs: Any) -> Any:
        kwargs["room"] = None
        return everything(*args, **kwargs)

    monkeypatch.setattr(review_module, "collect_items", unbounded)
    for lim, items in bounded.items():
        full = build_review(store, config, TODAY, limit=lim)
        assert [key(i) for i in items] == [key(i) for i in full], lim
    return bounded


def test_the_queue_reads_only_the_late_relationships_it_can_show(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog of late relationships (many tied at the 5x cap, names in mixed case and
    accents) gives the same queue when only the first places are read as when all are."""
    import random

    rng = random.Random(5)
    names = ["ann", "Ann", "Émile", "émile", "Zoë", "bo", "Bo", "Åsa", "cy", "Cy"]
    records = []
    for n in range(1200):
        name = f"{rng.choice(names)} {n % 7}"
        records.append(r.Person(name, [r.Identity("email", f"p{n}@x.com")],
                                tier=rng.choice(["key", "active", "network"]), cadence_days=7))
    store.write(records, "t")
    store.write([r.Interaction(f"t{n}", "meeting", "mutual", at(rng.choice([8, 12, 40, 90])),
                               r.Identity("email", f"p{n}@x.com")) for n in range(1200)], "t")
    pid = store.resolve_person("p3@x.com")
    actions.promise(store, pid, "Send it", due=TODAY, today=TODAY - dt.timedelta(days=2))
    # Touches logged today (of an old call) answer "past cadence" for 40 people who stay late.
    for n in range(0, 1200, 30):
        actions.log_touch(store, store.resolve_person(f"p{n}@x.com"), kind="call", today=TODAY,
                          at=at(60))
    bounded = _reviews_as_if_all_was_read(store, monkeypatch, (5, 12, 60),
                                          lambda i: (i.person_id, i.kind, i.also))
    assert sum(i.kind == "past_cadence" for i in bounded[60]) > 40


def test_the_queue_reads_only_the_fading_people_and_stale_goals_it_can_show(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fading relationships and goals unconfirmed for months are backlogs too (thousands at
    100,000 people): the same queue, "also" lines included, when only the first places of
    each are read as when all are."""
    import random

    rng = random.Random(11)
    names = ["ann", "Ann", "Émile", "émile", "Zoë", "bo", "Bo", "Åsa", "cy", "Cy"]
    n_people = 300
    store.write([r.Person(f"{rng.choice(names)} {n % 5}", [r.Identity("email", f"q{n}@x.com")],
                          tier=rng.choice(["key", "active"]), cadence_days=365)
                 for n in range(n_people)], "t")
    who = [r.Identity("email", f"q{n}@x.com") for n in range(n_people)]
    records: list[object] = []
    for n in range(n_people):
        records.append(r.Interaction(f"m{n}", "meeting", "mutual", at(45), who[n]))
        records.append(r.ValueMoment(who[n], "referral", "given", at(60), source_key=f"d{n}"))
        if n % 4 == 0:  # promises broken this month: their health is falling
            for k in range(rng.choice([2, 3, 4])):
                records.append(r.Commitment(
                    who[n], f"Call back {k}", TODAY - dt.timedelta(days=20), status="broken",
                    created=at(60), closed_at=at(15), source_key=f"c{n}-{k}"))
        if n % 3 == 0:  # goals last confirmed months ago, several for some
            for k in range(n % 4 + 1):
                records.append(r.Goal(who[n], f"Goal {k}", at(rng.choice([100, 200, 300])),
                                      source_key=f"g{n}-{k}"))
    store.write(records, "t")
    bounded = _reviews_as_if_all_was_read(store, monkeypatch, (5, 12, 60, 100),
                                          lambda i: (i.person_id, i.kind, i.reason, i.also))
    kinds = [i.kind for i in bounded[100]]
    assert kinds.count("fading") == 75 and kinds.count("stale_goal") == 25, kinds
    assert any(i.kind == "fading" and any("goal" in a for a in i.also) for i in bounded[12])


@pytest.mark.parametrize(("today", "when"), [
    (dt.date(2027, 2, 28), "Birthday today"), (dt.date(2027, 2, 26), "Birthday in 2 days"),
    (dt.date(2028, 2, 29), "Birthday today"), (dt.date(2028, 2, 28), "Birthday in 1 day"),
])
def test_a_29_february_birthday_is_remembered_every_year(
    store: Store, today: dt.date, when: str
) -> None:
    person(store, "Leap", "leap@x.com", birthday="--02-29")
    config = Config()
    health.compute_all(store, config, today)
    reasons = [i.reason for i in build_review(store, config, today) if i.kind == "anniversary"]
    assert reasons == [when]


def test_a_birthday_heads_up_is_not_hidden_by_a_busy_day(store: Store) -> None:
    """Three days' notice of a birthday is the point of the heads-up: a day full of late key
    relationships (each at the 5x cap) must not push it out."""
    config = Config()
    for n in range(config.review.daily_limit * 2):
        person(store, f"Late {n}", f"late{n}@x.com", tier="key")
        touch(store, f"late{n}@x.com", 200)
    soon = TODAY + dt.timedelta(days=3)
    person(store, "Tara", "tara@x.com", tier="network", birthday=f"1990-{soon:%m-%d}")
    health.compute_all(store, config, TODAY)
    items = build_review(store, config, TODAY)
    assert len(items) == config.review.daily_limit
    assert [i.reason for i in items if i.kind == "anniversary"] == ["Birthday in 3 days"]


def test_new_people_rank_by_fresh_evidence_and_ages_read_as_people_say_them(
    store: Store,
) -> None:
    """A mailbox from 1999 with four exchanges is history; a chat today with two is a
    relationship: triage ranks the fresh one first, and says "26 years ago", not 9,500 days."""
    old = person(store, "Cristy", "cristy@x.com", tier="none", triage=True)
    new = person(store, "Bo", "bo@x.com", tier="none", triage=True)
    for k in range(4):
        for direction in ("in", "out"):
            store.write([r.Interaction(f"o{k}{direction}", "email", direction, at(9500 + k),
                                       r.Identity("email", "cristy@x.com"))], "t")
    for k in range(2):
        store.write([r.Interaction(f"b{k}", "message", "mutual", at(0),
                                   r.Identity("email", "bo@x.com"))], "t")
    config = Config()
    health.compute_all(store, config, TODAY)
    triage = [i for i in build_review(store, config, TODAY) if i.kind == "triage"]
    assert [i.person_id for i in triage] == [new, old]
    assert "last touch 26 years ago" in triage[1].reason


def test_acting_on_a_plugin_item_never_pushes_someone_out_of_the_day(store: Store) -> None:
    """A plugin's item and a triage item for the same new person: acting on the plugin's item
    answers it, the triage item comes up, and it takes no place of another new person's (the
    day's total stays, nobody drops out)."""
    from crb_tui import hookimpl
    from crb_tui.testing import registered

    config = Config()
    bo = person(store, "Bo", "bo@x.com", tier="none", triage=True)
    others = [person(store, f"New {n}", f"new{n}@x.com", tier="none", triage=True)
              for n in range(config.review.triage_limit)]
    for n in range(config.review.triage_limit):
        touch(store, f"new{n}@x.com", 3 + n)

    class Chat:
        @hookimpl
        def review_items(self, store: Store, today: dt.date) -> list[dict[str, object]]:
            return [{"person_id": bo, "kind": "chat_followup", "priority": 2600,
                     "reason": "Bo asked a question in chat"}]

    with registered(Chat(), "chat"):
        health.compute_all(store, config, TODAY)
        before = build_review(store, config, TODAY)
        assert [i.person_id for i in before][:1] == [bo]
        assert {i.person_id for i in before} >= set(others)
        done_before, total_before = progress(store, config, TODAY)
        actions.log_touch(store, bo, kind="message", today=TODAY, item_kind="chat_followup")
        after = build_review(store, config, TODAY)
        assert {i.person_id for i in after} >= set(others)
        assert next(i.kind for i in after if i.person_id == bo) == "triage"
        assert progress(store, config, TODAY)[1] >= total_before


def test_acting_on_someone_outside_the_review_takes_no_place_from_it(store: Store) -> None:
    """The day's size is fixed by the review shown; a `crb log` of a chance meeting with
    someone who was not in it must not count as review work and shrink the day."""
    config = Config()
    late = [person(store, f"Late {n}", f"late{n}@x.com", tier="key") for n in range(20)]
    for n in range(20):
        touch(store, f"late{n}@x.com", 100 + n)
    health.compute_all(store, config, TODAY)
    first = build_review(store, config, TODAY)
    assert len(first) == config.review.daily_limit
    outside = [pid for pid in late if pid not in {i.person_id for i in first}]
    assert len(outside) >= 5
    for pid in outside[:5]:
        actions.log_touch(store, pid, kind="call", today=TODAY)
    health.compute_all(store, config, TODAY)
    again = build_review(store, config, TODAY)
    assert [i.person_id for i in again] == [i.person_id for i in first]
    assert progress(store, config, TODAY) == (0, config.review.daily_limit)
    # acting on someone shown does count, and pulls nobody in
    actions.log_touch(store, first[0].person_id, kind="call", today=TODAY)
    health.compute_all(store, config, TODAY)
    assert [i.person_id for i in build_review(store, config, TODAY)] == [
        i.person_id for i in first[1:]]
    assert progress(store, config, TODAY) == (1, config.review.daily_limit)


def test_a_meeting_logged_after_the_fact_is_no_meeting_brief(store: Store) -> None:
    """`crb log --kind meeting` records what happened: it is not today's meeting to prepare."""
    config = Config()
    pid = person(store, "Ann", "ann@x.com", tier="key")
    touch(store, "ann@x.com", 3)
    actions.log_touch(store, pid, kind="meeting", today=TODAY)
    health.compute_all(store, config, TODAY)
    assert not [i for i in collect_items(store, config, TODAY) if i.kind == "meeting"]
