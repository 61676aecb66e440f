"""The Outlook calendar source against a real HTTP server on 127.0.0.1 (tests/graph_server.py)
speaking Graph's calendarView delta: full and incremental rounds, 410, cancelled and removed
events, faults; the store checked afterwards (no duplicate, no loss, deltaLink kept)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui import clock
from tests.graph_server import ME, FakeGraph, GraphEnv

SOURCE = "outlook_calendar"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        server.populate_calendar(60)
        yield server


@pytest.fixture
def env(graph: FakeGraph, tmp_path: Path) -> GraphEnv:
    return GraphEnv(graph, tmp_path)


def assert_store_matches(env: GraphEnv, also: set[str] | None = None) -> None:
    """What is stored is what the calendar holds, and the cancelled (or deleted: ``also``)
    meetings that had begun when it was last read (they took place)."""
    env.assert_keys(env.graph.expected_meeting_keys(held_before=clock.now_utc())
                    | (also or set()), SOURCE)


def views(graph: FakeGraph) -> list[Any]:
    return graph.calls("/v1.0/me/calendarView/delta")


def test_full_sync_stores_every_attendee_but_me_and_rooms(env: GraphEnv,
                                                          graph: FakeGraph) -> None:
    summary = env.sync(SOURCE)
    assert_store_matches(env)
    rows = env.query("select kind, direction, count(*) from interactions group by 1, 2")
    assert rows == [("meeting", "mutual", len(graph.expected_meeting_keys()))]
    assert not [k for k in env.keys(SOURCE) if ME in k or "room401" in k or "noway" in k]
    first = views(graph)[0]
    now = clock.now_utc()
    start = dt.datetime.fromisoformat(first.query["startDateTime"][0].replace("Z", "+00:00"))
    assert (now - start).days == 730
    assert len(views(graph)) >= 4 and all("$skiptoken" in c.query for c in views(graph)[1:])
    assert summary.skipped["room or resource"] > 0
    assert summary.skipped["declined by you"] > 0
    assert summary.skipped["too many attendees"] == 1
    # The occurrences of a series share the series' UID, each its own instance.
    series = [k for k in env.keys(SOURCE) if "SERIES" in k]
    assert len(series) == 4 and len({k.split("|")[1] for k in series}) == 4
    # A meeting still to come is stored (it is no touch until it has started).
    assert any(k.endswith("|future@acme.example") for k in env.keys(SOURCE))
    assert "$deltatoken=" in env.cursor(SOURCE)["delta"]


def test_later_syncs_follow_changes_cancellations_and_removals(env: GraphEnv,
                                                              graph: FakeGraph) -> None:
    env.sync(SOURCE)
    n = len(views(graph))
    stored = [e for e in graph.events.values() if any(
        k.startswith(f"ics:{e['iCalUId']}|") for k in env.keys(SOURCE))]

    def begun(event: dict) -> bool:
        return event["start"]["dateTime"][:19] < f"{clock.now_utc():%Y-%m-%dT%H:%M:%S}"

    past = [e for e in stored if begun(e)]
    to_come = [e for e in stored if not begun(e)]
    cancelled, deleted, changed = to_come[0]["id"], past[1]["id"], past[2]
    graph.cancel_event(cancelled)
    # Trial 14 F15: deleted or cancelled after it took place, a meeting stays.
    held = {k for k in env.keys(SOURCE) if k.startswith(f"ics:{past[1]['iCalUId']}|")}
    graph.delete_event(deleted)
    graph.cancel_event(past[0]["id"])
    held |= {k for k in env.keys(SOURCE) if k.startswith(f"ics:{past[0]['iCalUId']}|")}
    # One attendee leaves, one joins.
    left = changed["attendees"][0]["emailAddress"]["address"].lower()
    changed["attendees"] = changed["attendees"][1:] + [
        graph.attendee("Nadia Garcia", "nadia.garcia@acme.example")]
    changed["seq"] = graph._bump()
    summary = env.sync(SOURCE)
    later = views(graph)[n:]
    assert len(later) == 1 and "$deltatoken" in later[0].query
    assert_store_matches(env, also=held)
    assert held and held <= set(env.keys(SOURCE))
    assert summary.removed["cancelled in Outlook"] > 0
    assert summary.removed.get("removed in Outlook", 0) == 0
    assert summary.removed["attendee left the event"] == 1
    assert not [k for k in env.keys(SOURCE) if k.startswith(f"ics:{changed['iCalUId']}|")
                and k.endswith(f"|{left}")]


def test_an_event_moved_to_another_time_keeps_one_meeting(env: GraphEnv,
                                                         graph: FakeGraph) -> None:
    env.sync(SOURCE)
    event = next(e for e in graph.events.values() if e["type"] == "singleInstance"
                 and not e["isAllDay"] and any(k.startswith(f"ics:{e['iCalUId']}|")
                                               for k in env.keys(SOURCE)))
    before = [k for k in env.keys(SOURCE) if k.startswith(f"ics:{event['iCalUId']}|")]
    event["start"]["dateTime"] = "2026-11-20T15:00:00.0000000"
    event["end"]["dateTime"] = "2026-11-20T16:00:00.0000000"
    event["seq"] = graph._bump()
    summary = env.sync(SOURCE)
    after = [k for k in env.keys(SOURCE) if k.startswith(f"ics:{event['iCalUId']}|")]
    assert len(after) == len(before) and not set(after) & set(before)
    assert all("|20261120T150000Z|" in k for k in after)
    assert summary.removed == {"event moved": len(before)}


def test_an_expired_delta_link_falls_back_to_a_full_sync_without_duplicates(
        env: GraphEnv, graph: FakeGraph) -> None:
    env.sync(SOURCE)
    now = f"{clock.now_utc():%Y-%m-%dT%H:%M:%S}"
    stored = [e for e in graph.events.values() if any(
        k.startswith(f"ics:{e['iCalUId']}|") for k in env.keys(SOURCE))]
    gone = next(e["id"] for e in stored if e["start"]["dateTime"][:19] >= now)
    past = next(e for e in stored if e["start"]["dateTime"][:19] < now)
    held = {k for k in env.keys(SOURCE) if k.startswith(f"ics:{past['iCalUId']}|")}
    graph.expire_delta_links()
    with graph.lock:  # deleted while the link had expired: only the full round can tell
        graph.events.pop(gone)
        graph.events.pop(past["id"])  # (after it took place: it stays)
    summary = env.sync(SOURCE)
    assert_store_matches(env, also=held)
    assert set(summary.removed) == {"no longer in the calendar"}  # counted in meetings
    assert 410 in [r.status for r in graph.requests]


def test_a_full_round_runs_again_after_resync_days(env: GraphEnv, graph: FakeGraph,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env.sync(SOURCE)
    n = len(views(graph))
    monkeypatch.setenv("CRB_TODAY", (clock.today() + dt.timedelta(days=8)).isoformat())
    env.sync(SOURCE)
    assert "startDateTime" in views(graph)[n].query


def test_throttling_and_server_errors_are_retried(env: GraphEnv, graph: FakeGraph) -> None:
    graph.fault("/calendarView/delta", status=429, retry_after="0", after=1)
    graph.fault("/calendarView/delta", status=503, retry_after="0", after=2)
    graph.fault("/calendarView/delta", kind="drop", after=3)
    env.sync(SOURCE)
    assert_store_matches(env)


def test_a_token_without_calendars_read_says_how_to_sign_in(env: GraphEnv,
                                                            graph: FakeGraph) -> None:
    token = graph.token_json({"Mail.ReadBasic"})
    token["scopes"] = ["Mail.ReadBasic", "offline_access"]
    env.token.write_text(json.dumps(token))
    (summary,) = env.run(SOURCE)
    assert not summary.ok
    assert "Calendars.Read" in summary.errors[0] and "crb auth microsoft" in summary.errors[0]


def test_without_me_emails_events_i_organised_tell_which_address_is_mine(
        env: GraphEnv, graph: FakeGraph) -> None:
    invited = graph.add_event(500, start=clock.now_utc() - dt.timedelta(days=2),
                              organizer=("Boss", "boss@acme.example"),
                              attendees=[graph.attendee("Me", ME),
                                         graph.attendee("Ines Costa", "ines.costa@acme.example")])
    assert invited
    env.me = []
    env.sync(SOURCE)
    assert_store_matches(env)
    assert env.cursor(SOURCE)["me"] == [ME]
    assert not [k for k in env.keys(SOURCE) if k.endswith(f"|{ME}")]


def test_access_denied_by_graph_names_the_permission_to_grant(env: GraphEnv,
                                                              graph: FakeGraph) -> None:
    token = graph.token_json({"Mail.ReadBasic"})
    token["scopes"] = ["Mail.ReadBasic", "Calendars.Read"]  # as the token claims, not as granted
    env.token.write_text(json.dumps(token))
    (summary,) = env.run(SOURCE)
    assert not summary.ok
    assert "HTTP 403" not in summary.errors[0]
    assert "ErrorAccessDenied" in summary.errors[0] and "Calendars.Read" in summary.errors[0]
    assert "administrator's consent" in summary.errors[0]
