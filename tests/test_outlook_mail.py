"""The Outlook mail source against a real HTTP server on 127.0.0.1 (tests/graph_server.py)
speaking Microsoft Graph's delta shapes, with faults. Every test checks the store afterwards:
exactly the interactions the mailbox calls for (no duplicate, no loss) and the cursor."""

from __future__ import annotations

import json
import logging
import mailbox
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui.records import NOBODY_YET
from tests.google_server import ROOT
from tests.graph_server import ME, MESSAGE_FIELDS, FakeGraph, GraphEnv, recipient

N = 120


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        server.populate_mailbox(N)
        yield server


@pytest.fixture
def env(graph: FakeGraph, tmp_path: Path) -> GraphEnv:
    return GraphEnv(graph, tmp_path)


def assert_store_matches(env: GraphEnv) -> None:
    env.assert_keys(env.graph.expected_mail_keys())


def deltas(graph: FakeGraph, folder: str = "") -> list[Any]:
    return graph.calls(f"/mailFolders/{folder}" if folder else "/messages/delta")


def inbound(graph: FakeGraph) -> list[dict[str, Any]]:
    """Real mail received in the Inbox (one counterpart each), as the fixture made it."""
    return [m for m in graph.messages.values() if m["folder"] == "inbox"
            and m["inferenceClassification"] == "focused"
            and m["from"]["emailAddress"]["address"] != ME
            and not m["internetMessageId"].startswith("<self-")]


def key_of(msg: dict[str, Any]) -> str:
    return f"msg:{msg['internetMessageId'].strip('<>')}|{msg['from']['emailAddress']['address']}"


def rows_of(env: GraphEnv, key: str) -> list[tuple[Any, ...]]:
    return env.query("select id, source_key from interactions where source_key = ?", [key])


def adds_up(summary: Any) -> bool:
    return summary.seen == (summary.imported + summary.updated + summary.merged
                            + summary.unchanged + sum(summary.skipped.values())
                            + len(summary.rejected))


# -- full and incremental syncs ---------------------------------------------------------------


def test_full_sync_stores_exactly_the_inbox_and_sent_items(env: GraphEnv,
                                                            graph: FakeGraph) -> None:
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    # Only the two folders, only the header fields CRB needs, paged by nextLink.
    firsts = [r for r in deltas(graph) if "$select" in r.query]
    assert sorted(r.path.split("/")[4] for r in firsts) == ["inbox", "sentitems"]
    for r in firsts:
        assert set(r.query["$select"][0].split(",")) == set(MESSAGE_FIELDS)
    assert len(deltas(graph)) > 4 and not graph.calls("/junkemail")
    # Focused Inbox's Other is skipped like a Gmail category, a mass mail too, counted.
    assert summary.skipped["label Other"] == N // 10
    assert summary.skipped["too many recipients"] == 1
    directions = dict(env.query("select direction, count(*) from interactions group by 1"))
    assert directions["out"] > 0 and directions["in"] > 0
    # Each folder's deltaLink is in the cursor, and the reconciliation adds up; the Graph id
    # map is in the source's own state, in CRB's database.
    cursor = env.cursor()
    assert "ids" not in cursor
    mapped = env.query("select count(*) from source_state where source = 'outlook_mail' "
                       "and key like 'i:%'")[0][0]
    assert mapped == sum(cursor["folders"][f]["last_full"]["stored"]
                         for f in ("inbox", "sentitems"))
    for folder in ("inbox", "sentitems"):
        st = cursor["folders"][folder]
        assert st["mode"] == "full" and "$deltatoken=" in st["delta"] and not st["next"]
        t = st["last_full"]
        assert t["listed"] == t["stored"] + sum(t["skipped"].values()) + t["rejected"]


def test_a_second_sync_with_nothing_new_asks_once_per_folder(env: GraphEnv,
                                                             graph: FakeGraph) -> None:
    env.run()
    before = env.query("select id, source_key, at from interactions order by id")
    n = len(graph.requests)
    (summary,) = env.run()
    assert summary.ok and summary.imported == 0 and summary.seen == 0
    assert env.query("select id, source_key, at from interactions order by id") == before
    later = graph.requests[n:]
    assert len(later) == 2 and all("$deltatoken" in r.query for r in later)


def test_changes_follow_new_deleted_junked_archived_and_reclassified_mail(
        env: GraphEnv, graph: FakeGraph) -> None:
    env.run()
    inbox = inbound(graph)
    deleted, junked, archived, other, binned = (m["id"] for m in inbox[:5])
    keys_of = {m["id"]: key_of(m) for m in inbox[:5]}
    graph.delete(deleted)
    graph.move(junked, "junkemail")
    graph.move(archived, "archive")
    graph.move(binned, "deleteditems")
    graph.classify(other, "other")
    new = graph.add_message(5000, sender=("Hiro Tanaka", "hiro.tanaka@acme.example"))
    (summary,) = env.run()
    assert summary.ok, summary.errors
    keys = set(env.keys())
    # Deleted, moved to Deleted Items or archived, the mail was still written: a touch that
    # happened stays, as for Gmail and IMAP (these three used to be removed but the archived
    # one). Moved to Junk Email or reclassified as Other, it was never a touch: those go.
    for stays in (deleted, archived, binned):
        assert keys_of[stays] in keys
    for gone in (junked, other):
        assert keys_of[gone] not in keys
    assert summary.removed == {"moved to JunkEmail": 1, "now label Other": 1}
    assert adds_up(summary)
    assert env.cursor()["folders"]["inbox"]["tally"]["kept"] == 3
    assert any(k.endswith("|hiro.tanaka@acme.example") for k in keys)
    # Where a message no longer in the Inbox went was asked once for each, the folder ids once.
    assert len(graph.calls("/v1.0/me/messages/")) == 4
    assert len(graph.calls("/mailFolders/junkemail")) == 1
    assert new in graph.messages
    assert_store_matches(env)


def test_mail_to_oneself_stays_until_both_copies_are_junk(env: GraphEnv,
                                                           graph: FakeGraph) -> None:
    # Deleting the two copies used to remove it; deleted mail now stays (a touch that
    # happened), so what removes it is both copies moved to Junk Email.
    env.run()
    sent, inbox = next((m["id"], o["id"]) for m in graph.messages.values()
                       for o in graph.messages.values()
                       if m["folder"] == "sentitems" and o["folder"] == "inbox"
                       and m["internetMessageId"] == o["internetMessageId"])
    key = [k for k in env.keys() if "self-" in k]
    assert len(key) == 1
    graph.move(inbox, "junkemail")
    (summary,) = env.run()
    assert summary.ok and env.keys().count(key[0]) == 1 and not summary.removed
    tally = env.cursor()["folders"]["inbox"]["tally"]
    assert (tally["removed"], tally["kept"]) == (0, 1)  # the log says what was done
    assert_store_matches(env)
    graph.move(sent, "junkemail")
    (summary,) = env.run()
    assert key[0] not in env.keys() and summary.removed == {"moved to JunkEmail": 1}
    assert_store_matches(env)


@pytest.mark.parametrize("code", ["syncStateNotFound", "resyncRequired"])
def test_an_expired_delta_link_falls_back_to_a_full_sync_without_duplicates(
        env: GraphEnv, graph: FakeGraph, code: str, caplog: pytest.LogCaptureFixture) -> None:
    env.run()
    deleted, binned, junked = inbound(graph)[:3]
    # While the link has expired: seen only by the full round, which asks where each went.
    graph.delete(deleted["id"])
    graph.move(binned["id"], "deleteditems")
    graph.move(junked["id"], "junkemail")
    graph.expire_delta_links(code)
    graph.add_message(7000, sender=("Rosa Berg", "rosa.berg@initech.example"))
    with caplog.at_level(logging.WARNING):
        (summary,) = env.run()
    assert summary.ok, summary.errors
    assert "no longer valid" in caplog.text
    assert_store_matches(env)
    # The three used to be removed as "no longer in the folder": deleted or in Deleted Items,
    # the mail was a touch and stays; in Junk Email, it goes.
    assert summary.removed == {"moved to JunkEmail": 1} and adds_up(summary)
    keys = env.keys()
    assert key_of(deleted) in keys and key_of(binned) in keys and key_of(junked) not in keys
    tally = env.cursor()["folders"]["inbox"]["last_full"]
    assert (tally["removed"], tally["kept"]) == (1, 2)
    assert [r.status for r in graph.requests if r.status == 410] == [410, 410]


def test_a_dry_run_keeps_nothing_and_the_real_run_after_it_does_it_all(
        env: GraphEnv, graph: FakeGraph) -> None:
    env.run()
    victim = inbound(graph)[0]
    graph.move(victim["id"], "junkemail")  # junk is removed (deleted mail stays: see above)
    before = sorted(env.keys())
    cursor = env.cursor()
    (dry,) = env.run(dry_run=True)
    assert dry.ok and dry.removed == {"moved to JunkEmail": 1}
    assert sorted(env.keys()) == before and env.cursor() == cursor
    (real,) = env.run()
    assert real.removed == {"moved to JunkEmail": 1}
    assert key_of(victim) not in env.keys()
    assert_store_matches(env)


def test_mail_binned_restored_and_deleted_stays_once_and_junk_goes(env: GraphEnv,
                                                                   graph: FakeGraph) -> None:
    """A touch that happened stays whatever is done to the mail afterwards (moved to Deleted
    Items, restored, deleted for good, a full round after the delta links expired), stored
    once; mail moved to Junk Email, even from Deleted Items, was never a touch."""
    env.run()
    mail, other, third = inbound(graph)[:3]
    key = key_of(mail)
    rows = rows_of(env, key)
    assert len(rows) == 1
    graph.move(mail["id"], "deleteditems")
    graph.move(other["id"], "deleteditems")
    binned = env.sync()
    assert not binned.removed and binned.seen == 0 and adds_up(binned)
    assert key in env.keys() and key_of(other) in env.keys()
    assert_store_matches(env)
    graph.move(mail["id"], "inbox")  # restored: the same row, not a second one
    restored = env.sync()
    assert restored.seen == 1 and restored.imported == 0 and not restored.removed
    assert adds_up(restored) and rows_of(env, key) == rows
    graph.move(mail["id"], "deleteditems")
    graph.move(third["id"], "junkemail")
    gone = env.sync()
    assert gone.removed == {"moved to JunkEmail": 1} and adds_up(gone)
    assert rows_of(env, key) == rows and key_of(third) not in env.keys()
    assert_store_matches(env)
    # Deleted Items emptied, and moved from there (a folder CRB does not read) to Junk Email:
    # the next full round asks where the stored mail it no longer lists went.
    graph.delete(mail["id"])
    graph.move(other["id"], "junkemail")
    graph.expire_delta_links()
    full = env.sync()
    assert full.removed == {"moved to JunkEmail": 1} and adds_up(full)
    assert rows_of(env, key) == rows and key_of(other) not in env.keys()
    tally = env.cursor()["folders"]["inbox"]["last_full"]
    assert (tally["removed"], tally["kept"]) == (1, 1)  # the mail deleted from Deleted Items
    assert_store_matches(env)  # each once


# -- faults ---------------------------------------------------------------------------------


def test_429_and_503_wait_as_long_as_retry_after_says(env: GraphEnv, graph: FakeGraph) -> None:
    graph.fault("/inbox/messages/delta", status=429, reason="ApplicationThrottled",
                retry_after="1", after=1)
    graph.fault("/sentitems/messages/delta", status=503, retry_after="1", times=2)
    started = time.monotonic()
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert time.monotonic() - started >= 3.0
    assert_store_matches(env)
    assert sorted(r.status for r in graph.requests if r.status in (429, 503)) == [429, 503, 503]


def test_a_retry_after_beyond_max_retry_wait_stops_and_the_next_sync_resumes(
        env: GraphEnv, graph: FakeGraph) -> None:
    graph.fault("/inbox/messages/delta", status=429, retry_after="3600", after=2)
    (first,) = env.run()
    assert not first.ok and "max_retry_wait" in first.errors[0]
    assert env.cursor()["folders"]["inbox"]["next"]
    n = len(deltas(graph, "inbox"))
    (second,) = env.run()
    assert second.ok, second.errors
    assert_store_matches(env)
    # It went on from the page it was on.
    assert "$skiptoken" in deltas(graph, "inbox")[n].query


def test_server_errors_and_dropped_connections_are_retried(env: GraphEnv,
                                                           graph: FakeGraph) -> None:
    graph.fault("/messages/delta", status=500, after=1, times=2)
    graph.fault("/messages/delta", kind="drop", after=3, times=2)
    graph.fault("/messages/delta", kind="reset", after=6, times=1)
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)


def test_an_access_token_refused_mid_sync_is_refreshed_and_saved(env: GraphEnv,
                                                                 graph: FakeGraph) -> None:
    old = json.loads(env.token.read_text())
    graph.fault("/messages/delta", "expire_token", after=2)
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    assert graph.refreshes == 1 and [r.status for r in graph.requests].count(401) == 1
    new = json.loads(env.token.read_text())
    assert new["refresh_token"] != old["refresh_token"]  # Microsoft rotates them
    assert stat.S_IMODE(env.token.stat().st_mode) == 0o600


def test_an_expired_access_token_is_refreshed_before_the_first_call(env: GraphEnv,
                                                                    graph: FakeGraph) -> None:
    env.token.write_text(json.dumps(graph.token_json(expired=True)))
    env.token.chmod(0o600)
    (summary,) = env.run()
    assert summary.ok and graph.refreshes == 1
    assert 401 not in [r.status for r in graph.requests]


def test_a_revoked_authorisation_says_how_to_sign_in_again(env: GraphEnv,
                                                           graph: FakeGraph) -> None:
    data = json.loads(env.token.read_text())
    data["refresh_token"] = "revoked"
    env.token.write_text(json.dumps(data))
    graph.expire_access_tokens()
    (summary,) = env.run()
    assert not summary.ok
    assert "crb auth microsoft" in summary.errors[0] and "invalid_grant" in summary.errors[0]
    assert env.keys() == []


def test_an_unauthorised_source_says_how_to_authorise(env: GraphEnv) -> None:
    env.token.unlink()
    (summary,) = env.run()
    assert not summary.ok and "crb auth microsoft --client-id" in summary.errors[0]


def test_a_cancelled_sync_resumes_without_duplicates(env: GraphEnv, graph: FakeGraph) -> None:
    seen = {"n": 0}

    def cancelled() -> bool:
        seen["n"] += 1
        return seen["n"] > 40

    (first,) = env.run(cancelled=cancelled)
    assert first.cancelled
    assert 0 < len(env.keys()) < len(graph.expected_mail_keys())
    (second,) = env.run()
    assert second.ok and not second.cancelled
    assert_store_matches(env)


def test_a_killed_sync_process_resumes_without_duplicates(tmp_path: Path) -> None:
    """SIGKILL a real `crb sync outlook_mail` half-way, then sync again: all there, once."""
    graph = FakeGraph(latency=0.01).start()
    try:
        graph.populate_mailbox(600, seed=3)
        env = GraphEnv(graph, tmp_path)
        env.mail["page_size"] = 10
        env.kill_sync_once_stored("outlook_mail", 60, seconds=30)
        partial = env.keys()
        assert 60 <= len(partial) < len(graph.expected_mail_keys())
        (summary,) = env.run()
        assert summary.ok, summary.errors
        assert_store_matches(env)
        # It went on from a saved page (or link), never from the start of the Inbox again.
        assert len([r for r in deltas(graph, "inbox") if "$select" in r.query]) == 1
    finally:
        graph.stop()


def test_tokens_never_reach_logs_summaries_or_the_database(
        env: GraphEnv, graph: FakeGraph, caplog: pytest.LogCaptureFixture) -> None:
    graph.fault("/messages/delta", "expire_token", after=2)
    with caplog.at_level(logging.DEBUG):
        (summary,) = env.run()
    assert summary.ok
    dump = json.dumps(summary.as_dict()) + caplog.text
    dump += env.db.read_bytes().decode("latin-1")
    for secret in [*graph.access_tokens, *graph.refresh_tokens]:
        assert secret not in dump


# -- the same mail from two sources -------------------------------------------------------------


def test_the_same_mail_from_an_mbox_and_from_outlook_is_one_interaction(
        env: GraphEnv, graph: FakeGraph, corpus: Path, crb: Any, outlook_plugin: object) -> None:
    """Real messages from the corpus, imported from the mbox and synced from Graph."""
    path = corpus / "mbox" / "perceval" / "mbox_complex.mbox"
    for n, msg in enumerate(mailbox.mbox(path)):
        from email.utils import getaddresses, parsedate_to_datetime

        if not msg["Message-ID"]:
            continue
        (name, address), = getaddresses([str(msg["From"])])
        graph.add_message(9000 + n, sender=(name, address),
                          to=getaddresses([str(msg.get("To", ""))]),
                          cc=[a for a in getaddresses([str(msg.get("Cc", ""))]) if a[1]],
                          subject=str(msg["Subject"]), when=parsedate_to_datetime(msg["Date"]),
                          message_id=str(msg["Message-ID"]))
    config = env.config_toml()
    assert config == crb.config and env.db == crb.db
    config.write_text(config.read_text() + "\n[sources.mbox]\nskip_bulk = false\n")
    crb("import", str(path))
    from_mbox = set(env.keys("mbox"))
    assert from_mbox
    crb("sync", "outlook_mail")
    every = [r[0] for r in env.query("select source_key from interactions")]
    assert len(every) == len(set(every))
    assert from_mbox <= set(every)
    assert not from_mbox & set(env.keys())  # Outlook's copies found the mbox's rows
    assert graph.expected_mail_keys() == set(every)


def test_message_records_read_graph_recipients_like_headers() -> None:
    from crb_outlook._mail import message_records

    msg = {"id": "AAMk=", "from": recipient("Żak, Łukasz", "Pat@Example.COM"),
           "toRecipients": [recipient("Me", ME)], "ccRecipients": [],
           "subject": "Re: plans", "sentDateTime": "2026-11-02T10:00:00Z",
           "internetMessageId": "<ABC@Mail.Example.COM>", "inferenceClassification": "focused"}
    mid, records = message_records(msg, folder_label="Inbox", me={ME}, skip_labels=["Other"])
    assert mid == "ABC@mail.example.com"
    (rec,) = records
    assert rec.source_key == "msg:ABC@mail.example.com|pat@example.com"
    assert rec.name == "Żak, Łukasz" and rec.direction == "in"
    _, skipped = message_records({**msg, "inferenceClassification": "other"},
                                 folder_label="Inbox", me={ME}, skip_labels=["Other"])
    assert [s.reason for s in skipped] == ["label Other"]


# -- crb sync and the app's Sync screen ---------------------------------------------------------


def test_crb_sync_runs_both_outlook_sources_with_progress(env: GraphEnv, graph: FakeGraph,
                                                          crb: Any, outlook_plugin: object) -> None:
    graph.populate_calendar(20)
    assert env.config_toml() == crb.config
    result = crb("sync")
    out = result.stdout + result.stderr
    assert "outlook_mail" in out and "outlook_calendar" in out
    assert_store_matches(env)
    assert set(env.keys("outlook_calendar")) == graph.expected_meeting_keys()
    saved = json.loads(env.token.read_text())
    assert saved["token"] not in out and saved["refresh_token"] not in out


@pytest.mark.anyio
async def test_the_sync_screen_runs_them_and_shows_the_outcome(
        env: GraphEnv, graph: FakeGraph, outlook_plugin: object) -> None:
    from crb_tui.host.app_context import AppContext
    from crb_tui.tui.screens.sync import SyncScreen
    from tests.test_tui import make_app, notifications, press, screen_text, settle

    graph.populate_calendar(20)
    context = AppContext(db_path=env.db, config_path=env.config_toml())
    app = make_app(context, screen="sync")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, SyncScreen)
            text = screen_text(app)
            assert "outlook_mail" in text and "outlook_calendar" in text
            await press(pilot, "a")
            await settle(pilot)
            text = screen_text(app)
            assert "outlook_mail ok" in text and "outlook_calendar ok" in text, text
            assert any("2 ok" in n for n in notifications(app))
            # Each had its progress bar, filled by the progress the sources reported.
            for name in ("outlook_mail", "outlook_calendar"):
                assert screen._runs[name].bar.progress > 0
    finally:
        context.close()
    assert_store_matches(env)


def test_an_update_naming_only_the_changed_class_is_followed(env: GraphEnv,
                                                              graph: FakeGraph) -> None:
    env.run()
    focused = next(m for m in graph.messages.values() if m["folder"] == "inbox"
                   and m["inferenceClassification"] == "focused"
                   and m["from"]["emailAddress"]["address"] != ME)
    key = f"msg:{focused['internetMessageId'].strip('<>')}|"
    graph.classify(focused["id"], "other", partial=True)
    (summary,) = env.run()
    assert summary.removed == {"now label Other": 1}
    assert not [k for k in env.keys() if k.startswith(key)]
    assert_store_matches(env)
    graph.classify(focused["id"], "focused", partial=True)
    (summary,) = env.run()
    # Stored again: imported, or kept and counted as skipped when nobody the user wrote to.
    assert summary.ok and summary.imported + summary.skipped.get(NOBODY_YET, 0) == 1
    assert_store_matches(env)
    # The message that became Focused again was read once for its headers.
    (read,) = graph.calls("/v1.0/me/messages/")
    assert set(read.query["$select"][0].split(",")) == set(MESSAGE_FIELDS)


def test_the_id_map_keeps_copies_of_one_message_together() -> None:
    from crb_outlook._ids import IdMap

    from crb_tui import State

    ids = IdMap(State())
    gen = ids.next_gen("inbox")
    ids.put("inbox/A", "msg:x@y|", ["msg:x@y|a@b.example"], gen)
    ids.put("sentitems/B", "msg:x@y|", ["msg:x@y|a@b.example"], 1)
    entry, shared = ids.drop("inbox/A")
    assert entry is not None and entry.prefix == "msg:x@y|" and shared
    assert [e.id for e in ids.stale("sentitems", 2)] == ["sentitems/B"]
    assert ids.drop("sentitems/B")[1] is False and ids.holders("msg:x@y|") == []
    assert ids.next_gen("inbox") == 2

def test_graph_and_identity_platform_error_bodies_and_retry_after() -> None:
    import email.utils

    import httpx

    from crb_tui.sdk.http import parse_error, retry_after
    from tests.graph_server import graph_error, oauth_error

    throttled = httpx.Response(429, json=graph_error(429), headers={"Retry-After": "7"})
    assert parse_error(throttled) == ("ApplicationThrottled", "Application is over its "
                                      "MailboxConcurrency limit.")
    assert retry_after(throttled) == 7.0
    when = email.utils.formatdate(1_000_030, usegmt=True)
    dated = httpx.Response(503, headers={"Retry-After": when}, text="Service Unavailable")
    assert retry_after(dated, now=1_000_000) == 30.0
    assert parse_error(dated) == ("", "Service Unavailable")
    assert retry_after(httpx.Response(503)) is None
    pending = httpx.Response(400, json=oauth_error("authorization_pending"))
    code, message = parse_error(pending)
    assert code == "authorization_pending" and "\n" not in message and message.startswith(
        "AADSTS70016")


def test_without_me_emails_sent_items_tell_which_address_is_mine(env: GraphEnv,
                                                                 graph: FakeGraph) -> None:
    env.me = []
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    assert env.cursor()["me"] == [ME]
    assert not [k for k in env.keys() if k.endswith(f"|{ME}")]
    # Remembered: a later run knows it before reading anything.
    graph.to_self(8000)
    (summary,) = env.run()
    assert_store_matches(env)


def test_cancelling_during_a_long_retry_after_ends_the_wait(env: GraphEnv,
                                                            graph: FakeGraph) -> None:
    env.mail["max_retry_wait"] = 600
    throttled = graph.fault("/messages/delta", status=429, retry_after="300", after=1)
    started = time.monotonic()

    def cancelled() -> bool:  # the user cancels once CRB is waiting out the Retry-After
        return throttled.hits > 0

    (summary,) = env.run(cancelled=cancelled)
    assert summary.cancelled and throttled.hits == 1
    assert time.monotonic() - started < 10
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)


def test_listing_the_sources_loads_no_http_client() -> None:
    """`crb review` lists the sources: that must not load httpx (only a sync needs it)."""
    code = ("import sys, crb_outlook; found = []; crb_outlook.register_sources(found.append); "
            "assert [s.name for s in found] == ['outlook_mail', 'outlook_calendar']; "
            "print('httpx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")}, check=True)
    assert out.stdout.strip() == "False"
