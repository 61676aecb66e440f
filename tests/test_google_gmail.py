"""The Gmail source against a real HTTP server on 127.0.0.1 (tests/google_server.py) speaking
the Gmail v1 and OAuth shapes, with faults. Every test checks the store afterwards: exactly the
interactions the mailbox calls for (no duplicate, no loss) and the cursor advanced."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui.records import NOBODY_YET
from tests.fake_http import private_json
from tests.google_server import (
    GMAIL_SCOPE,
    ME,
    Env,
    FakeGoogle,
    ensure_plugin_importable,
    write_old_side_file,
)

ensure_plugin_importable()

N = 200


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        server.populate_mailbox(N)
        yield server


@pytest.fixture
def env(google: FakeGoogle, tmp_path: Path) -> Env:
    return Env(google, tmp_path)


def assert_store_matches(env: Env) -> None:
    env.assert_keys(env.google.expected_mail_keys())


def real_mail(google: FakeGoogle) -> list[str]:
    """Listed messages a sync stores: received in the primary tab, not bulk (one counterpart
    each)."""
    return [i for i in google.listed_ids()
            if google.messages[i]["labelIds"][:2] == ["INBOX", "CATEGORY_PERSONAL"]
            and not any(h[0] == "Precedence" for h in google.messages[i]["headers"])]


def keys_of(env: Env, message: dict[str, Any]) -> list[str]:
    return [k for k in env.keys() if k.startswith(f"msg:{message['mid']}|")]


def adds_up(summary: Any) -> bool:
    return summary.seen == (summary.imported + summary.updated + summary.merged
                            + summary.unchanged + sum(summary.skipped.values())
                            + len(summary.rejected))


def gets(google: FakeGoogle) -> list[str]:
    """Message ids read with messages.get, in order."""
    return [r.path.rsplit("/", 1)[1] for r in google.calls("/users/me/messages/")]


# -- full and incremental syncs ---------------------------------------------------------------


def test_full_sync_stores_exactly_the_mailbox(env: Env, google: FakeGoogle) -> None:
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    listed = google.listed_ids()
    # Every listed message was read once, with metadata only, and `q` was never sent.
    assert sorted(gets(google)) == sorted(listed)
    for r in google.calls("/users/me/messages"):
        assert "q" not in r.query
    for r in google.calls("/users/me/messages/"):
        assert r.query["format"] == ["metadata"]
        assert {"From", "To", "Cc", "Date", "Subject", "Message-ID", "List-Unsubscribe",
                "Precedence", "Auto-Submitted"} <= set(r.query["metadataHeaders"])
    lists = google.calls("/users/me/messages$")
    assert len(lists) == 3  # 200 messages less SPAM/TRASH, 70 a page
    assert all(r.query["includeSpamTrash"] == ["false"] for r in lists)
    # Skipped by the labels each message carries, counted by reason.
    assert summary.skipped["label CATEGORY_PROMOTIONS"] > 0
    assert summary.skipped["label CHAT"] > 0
    assert summary.skipped["bulk mail"] > 0
    # The cursor holds the mailbox historyId and the reconciliation adds up.
    cursor = env.cursor()
    assert cursor["mode"] == "incremental"
    assert int(cursor["history_id"]) >= 5000 + N
    tally = cursor["last_full"]
    assert tally["listed"] == len(listed)
    assert tally["listed"] == (tally["stored"] + sum(tally["skipped"].values())
                               + tally["rejected"] + tally["gone"])
    # Outbound mail is "out" with one record per recipient, inbound "in".
    directions = dict(env.query("select direction, count(*) from interactions group by 1"))
    assert directions["out"] > 0 and directions["in"] > 0


def test_second_sync_uses_history_and_changes_nothing(env: Env, google: FakeGoogle) -> None:
    env.run()
    before = env.query("select id, source_key, at from interactions order by id")
    n_list = len(google.calls("/users/me/messages$"))
    (summary,) = env.run()
    assert summary.ok and summary.imported == 0
    assert env.query("select id, source_key, at from interactions order by id") == before
    assert len(google.calls("/users/me/messages$")) == n_list
    assert google.calls("/users/me/history")


def test_incremental_sync_adds_deletes_and_follows_label_changes(env: Env,
                                                                 google: FakeGoogle) -> None:
    env.run()
    history_id = int(env.cursor()["history_id"])
    stored = real_mail(google)
    spam = [i for i, m in google.messages.items() if m["labelIds"] == ["SPAM"]]
    trash = [i for i, m in google.messages.items() if m["labelIds"] == ["TRASH"]]
    n_gets = len(gets(google))
    deleted = f"msg:{google.messages[stored[0]]['mid']}|"
    new = google.add_message(1, sender=("Wanda Maximoff", "wanda@avengers.example"))
    promo = google.add_message(2, labels=["INBOX", "CATEGORY_PROMOTIONS"])
    google.add_message(3, labels=["SPAM"])
    fleeting = google.add_message(4, sender=("Pietro M", "pietro@avengers.example"))
    google.delete_message(fleeting["id"])       # added and deleted between two syncs
    google.delete_message(stored[0])            # deleted for good
    google.add_label(stored[1], "TRASH")        # moved to the bin
    google.add_label(stored[2], "CATEGORY_PROMOTIONS")  # recategorised
    google.add_label(stored[3], "STARRED")      # a change that does not matter
    google.add_label(stored[4], "SPAM")         # reported as spam
    google.remove_label(spam[0], "SPAM")        # "not spam": now a real message
    google.remove_label(trash[0], "TRASH")      # restored from the bin
    trashed = keys_of(env, google.messages[stored[1]])
    assert trashed

    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    assert f"msg:{new['mid']}|wanda@avengers.example" in env.keys()
    # Deleted or moved to the bin, the mail was still written: those touches stay. Marked as
    # spam or recategorised as promotions, it was never a touch: those go.
    assert dict(summary.removed) == {"now label CATEGORY_PROMOTIONS": 1, "now label SPAM": 1}
    assert [k for k in env.keys() if k.startswith(deleted)]
    assert set(trashed) <= set(env.keys())
    assert summary.skipped["label TRASH"] == 1 and adds_up(summary)
    # Only what changed was read: the new message and those whose skip labels changed; the
    # new messages the history already shows as promotions or spam are skipped unread.
    read = gets(google)[n_gets:]
    assert set(read) == {new["id"], stored[1], stored[2], stored[4], spam[0], trash[0]}
    assert promo["id"] not in read
    assert int(env.cursor()["history_id"]) > history_id


def test_mail_binned_restored_and_deleted_stays_once_and_spam_from_the_bin_goes(
        env: Env, google: FakeGoogle) -> None:
    """A touch that happened stays whatever is done to the mail afterwards (binned, restored,
    deleted for good, the bin emptied by a full sync), stored once; mail taken out of the bin
    as spam was never a touch."""
    env.run()
    mail, other = (google.messages[i] for i in real_mail(google)[:2])
    key = keys_of(env, mail)
    rows = env.query("select id, source_key from interactions where source_key = ?", key)
    google.add_label(mail["id"], "TRASH")
    google.add_label(other["id"], "TRASH")
    binned = env.sync()
    assert not binned.removed and binned.skipped["label TRASH"] == 2 and adds_up(binned)
    google.remove_label(mail["id"], "TRASH")  # restored: the same row, not a second one
    restored = env.sync()
    assert restored.seen == 1 and restored.imported == 0 and not restored.removed
    assert env.query("select id, source_key from interactions where source_key = ?",
                     key) == rows
    google.add_label(mail["id"], "TRASH")
    google.delete_message(mail["id"])  # the bin emptied
    google.remove_label(other["id"], "TRASH")
    google.add_label(other["id"], "SPAM")  # "move to spam" from the bin
    gone = env.sync()
    assert dict(gone.removed) == {"now label SPAM": 1} and adds_up(gone)
    assert keys_of(env, mail) == key and not keys_of(env, other)
    google.expire_history()
    full = env.sync()
    assert not full.removed and adds_up(full)
    assert env.query("select id, source_key from interactions where source_key = ?",
                     key) == rows
    assert_store_matches(env)


def test_expired_history_falls_back_to_a_full_sync_without_duplicates(
        env: Env, google: FakeGoogle, caplog: pytest.LogCaptureFixture) -> None:
    env.run()
    old = env.cursor()["history_id"]
    ids_before = dict(env.query("select source_key, id from interactions"))
    victim, binned, spam = (google.messages[i] for i in real_mail(google)[:3])
    google.delete_message(victim["id"])
    google.add_label(binned["id"], "TRASH")
    google.add_label(spam["id"], "SPAM")
    google.add_message(7, sender=("Nick Fury", "nick@shield.example"))
    google.expire_history()
    lists_before = len(google.calls("/users/me/messages$"))
    with caplog.at_level(logging.WARNING):
        (summary,) = env.run()
    assert summary.ok, summary.errors
    assert "expired" in caplog.text
    assert len(google.calls("/users/me/messages$")) > lists_before  # listed again
    assert_store_matches(env)  # nothing doubled
    after = dict(env.query("select source_key, id from interactions"))
    # Interactions that stayed kept their rows (upserted, not re-created).
    assert all(after[k] == v for k, v in ids_before.items() if k in after)
    assert int(env.cursor()["history_id"]) > int(old)
    # Of the mail no longer listed, the sweep removes only what is spam now: deleted or in the
    # bin, it was a touch and stays.
    assert dict(summary.removed) == {"now label SPAM": 1} and adds_up(summary)
    assert keys_of(env, victim) and keys_of(env, binned) and not keys_of(env, spam)
    tally = env.cursor()["last_full"]
    assert (tally["removed"], tally["kept"]) == (1, 2)


def test_a_dry_run_removes_nothing_and_the_real_run_after_it_does(env: Env,
                                                                   google: FakeGoogle) -> None:
    env.run()
    cursor = env.cursor()
    victim = real_mail(google)[0]
    key = f"msg:{google.messages[victim]['mid']}|"
    google.add_label(victim, "SPAM")  # spam is removed (deleted mail stays: see above)
    google.add_message(8, sender=("Maria Hill", "maria@shield.example"))
    before, state = sorted(env.keys()), env.state_rows()
    (dry,) = env.run(dry_run=True)
    assert dry.ok and dry.removed.get("now label SPAM") == 1
    assert dry.imported == 0 and dry.skipped[NOBODY_YET] == 1  # Maria: nobody written to yet
    assert sorted(env.keys()) == before and env.cursor() == cursor  # nothing written
    assert env.state_rows() == state  # the id map neither
    (real,) = env.run()
    assert real.removed.get("now label SPAM") == 1
    assert not [k for k in env.keys() if k.startswith(key)]
    assert_store_matches(env)


def test_the_id_map_lives_in_the_database_not_in_a_file_beside_it(env: Env,
                                                                   google: FakeGoogle) -> None:
    del env.gmail["index_file"]
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert sorted(p.name for p in env.tmp.iterdir() if ".sqlite" in p.name) == []
    items = {key: json.loads(value) for ns, key, value in env.state_rows()
             if ns == f"items/{ME}"}
    stored = [i for i in google.listed_ids()
              if any(k.startswith(f"msg:{google.messages[i]['mid']}|") for k in env.keys())]
    assert stored and all(items[i]["live"] and items[i]["gen"] == 1 for i in stored)
    assert dict(env.query("select ns, count(*) from source_state where source = 'gmail' "
                          "group by ns"))["by-prefix"] == len(stored)


def test_an_old_side_file_is_copied_in_once_so_deletions_still_match(
        env: Env, google: FakeGoogle, caplog: pytest.LogCaptureFixture) -> None:
    """A database from before ``ctx.state`` (records and cursor, the id map in a file beside
    it): the first run copies the file in, and a message marked as spam in Gmail is removed."""
    env.run()
    side = Path(env.gmail["index_file"])
    copied = write_old_side_file(side, env.state_rows(), "gmail")
    env.query_write("delete from source_state")
    victim = real_mail(google)[0]
    key = f"msg:{google.messages[victim]['mid']}|"
    google.add_label(victim, "SPAM")  # found through the map (deleted mail would stay)
    with caplog.at_level(logging.INFO):
        (summary,) = env.run()
    assert summary.ok, summary.errors
    assert summary.removed.get("now label SPAM") == 1
    assert not [k for k in env.keys() if k.startswith(key)]
    assert f"copied {copied} entries of {side}" in caplog.text
    assert side.exists()  # left where it was
    # Once: the file is not read again (the removed message stays removed in the map), and a
    # full sync's sweep finds nothing more to remove.
    google.expire_history()
    (again,) = env.run()
    assert again.ok and not again.removed
    entry = json.loads(env.query("select value from source_state where ns = ? and key = ?",
                                 [f"items/{ME}", victim])[0][0])
    assert entry["live"] is False
    gen = env.query("select value from source_state where ns = '' and key = ?", [f"gen/{ME}"])
    assert gen == [("2",)]  # the file's generation counter came over too
    assert_store_matches(env)


def test_index_file_set_to_the_database_itself_is_refused_without_touching_it(env: Env) -> None:
    """Opening and closing a second connection to the open database would drop the store's
    locks: the old side file's path must not be CRB's database."""
    env.run()
    before = env.keys()
    env.gmail["index_file"] = str(env.db)
    (summary,) = env.run()
    assert not summary.ok and f"{env.db} is CRB's database" in summary.errors[0]
    assert env.keys() == before


def test_an_unreadable_old_side_file_is_one_line_naming_it(env: Env) -> None:
    side = Path(env.gmail["index_file"])
    side.write_bytes(b"not a database at all" * 100)
    (summary,) = env.run()
    assert not summary.ok and str(side) in summary.errors[0]
    assert env.keys() == []


@pytest.mark.parametrize(("key", "value", "says"), [
    ("backoff_base", -1.0, "at least 0, not -1.0"),
    ("timeout", 0.0, "at least 0.01, not 0.0"),
    ("page_size", 501, "between 1 and 500, not 501"),
])
def test_a_setting_out_of_range_is_one_line_naming_it_before_any_request(
        env: Env, google: FakeGoogle, key: str, value: float, says: str) -> None:
    env.gmail[key] = value
    (summary,) = env.run()
    assert not summary.ok and summary.errors == [f"sources.gmail.{key} should be {says}"]
    assert google.requests == [] and env.keys() == []


# -- faults -----------------------------------------------------------------------------------


def test_token_expiry_mid_sync_is_refreshed_and_the_sync_goes_on(env: Env,
                                                                 google: FakeGoogle) -> None:
    google.fault("/users/me/messages/", "expire_token", after=60)
    google.fault("/users/me/messages/", "expire_token", after=150)
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    assert google.refreshes >= 2
    assert any(r.status == 401 for r in google.requests)
    saved = json.loads(env.gmail_token.read_text())
    assert saved["token"] in google.access_tokens  # the refreshed token was written back
    assert stat.S_IMODE(env.gmail_token.stat().st_mode) == 0o600


def test_an_expired_token_is_refreshed_before_the_first_call(env: Env,
                                                             google: FakeGoogle) -> None:
    private_json(env.gmail_token, google.token_json(GMAIL_SCOPE, expired=True))
    google.expire_access_tokens()
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert google.refreshes == 1
    assert not [r for r in google.requests if r.status == 401]
    assert_store_matches(env)


def test_429_and_403_rate_limits_back_off_honouring_retry_after(env: Env,
                                                                google: FakeGoogle) -> None:
    env.gmail["concurrency"] = 2
    google.fault("/users/me/messages/", status=429, reason="rateLimitExceeded", retry_after="1",
                 after=20)
    google.fault("/users/me/messages/", status=403, reason="rateLimitExceeded", after=80,
                 times=2)
    google.fault("/users/me/messages/", status=403, reason="userRateLimitExceeded", after=120)
    google.fault("/users/me/messages$", status=429, reason="rateLimitExceeded", after=1)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5)
    google.fault("/users/me/profile", status=429, reason="rateLimitExceeded",
                 message="User-rate limit exceeded.  Retry after "
                         + soon.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    limited = [r for r in google.requests if r.status in (403, 429)]
    assert len(limited) == 6
    # The 429 with Retry-After: 1 was honoured: that message was asked again a second later.
    first = next(r for r in limited if r.status == 429 and "/messages/" in r.path)
    again = next(r for r in google.requests if r.path == first.path and r.at > first.at)
    assert again.at - first.at >= 0.95
    # So was the "Retry after <time>" in the message of the profile call's 429.
    profile = google.calls("/users/me/profile")
    assert profile[0].status == 429 and profile[1].at >= profile[0].at + 0.3


def test_a_long_retry_after_is_said_and_a_cancel_ends_every_thread_s_wait(
        env: Env, google: FakeGoogle) -> None:
    """Trial 14 F11/F24: a 100 s "Retry after" was waited out in silence, and a cancel did not
    end it: the source's progress line now says it waits, and a cancel ends the wait of the
    thread that was told and of the others the rate limiter holds back."""
    env.gmail["concurrency"] = 4
    google.fault("/users/me/messages/", status=429, reason="rateLimitExceeded",
                 retry_after="100", after=20)
    said: list[str] = []
    cancel = threading.Event()

    def progress(source: str, done: int, total: int | None, message: str) -> None:
        said.append(message)
        if "Google asks" in message:
            cancel.set()

    found: list[Any] = []
    worker = threading.Thread(target=lambda: found.extend(
        env.run(cancelled=cancel.is_set, progress=progress)), daemon=True)
    worker.start()
    worker.join(60)  # far less than the 100 s asked: generous, nothing is timed
    assert not worker.is_alive(), said[-3:]
    (summary,) = found
    assert summary.cancelled and summary.ok, summary.errors
    assert "waiting 100 s: Google asks to (rate limit)" in said
    assert len(google.calls("/users/me/messages/")) < len(google.listed_ids())


def test_server_errors_and_dropped_connections_are_retried(env: Env,
                                                          google: FakeGoogle) -> None:
    google.fault("/users/me/messages/", status=500, after=10, times=3)
    google.fault("/users/me/messages/", status=503, after=40)
    google.fault("/users/me/messages/", "drop", after=70, times=2)
    google.fault("/users/me/messages/", "reset", after=100)
    google.fault("/users/me/messages$", "drop", after=1)  # the second page, cut half-way
    google.fault("/users/me/profile", status=502)
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)
    assert sum(1 for r in google.requests if r.fault) == 9


def test_slow_responses_time_out_and_are_retried(env: Env, google: FakeGoogle) -> None:
    env.gmail["timeout"] = 0.4
    google.fault("/users/me/messages/", "slow", delay=0.8, after=30)   # past the time-out
    google.fault("/users/me/messages/", "slow", delay=0.15, after=60, times=5)  # just slow
    google.fault("/users/me/messages$", "slow", delay=0.8)
    (summary,) = env.run()
    assert summary.ok, summary.errors
    assert_store_matches(env)


def test_a_sync_that_gives_up_resumes_where_it_stopped(env: Env, google: FakeGoogle) -> None:
    env.gmail["max_retries"] = 1
    google.fault("/users/me/messages/", status=500, after=150, times=-1)
    (first,) = env.run()
    assert not first.ok
    assert "HTTP 500" in first.errors[0] and "backendError" in first.errors[0]
    partial = env.keys()
    assert partial and len(partial) == len(set(partial))
    assert set(partial) < google.expected_mail_keys()
    assert env.cursor()["mode"] == "full"
    google.clear_faults()
    read_before = len(gets(google))
    (second,) = env.run()
    assert second.ok, second.errors
    assert_store_matches(env)
    # It resumed: far fewer than the whole mailbox was read again.
    assert len(gets(google)) - read_before < len(google.listed_ids()) - 100


def test_a_cancelled_sync_resumes_without_duplicates(env: Env, google: FakeGoogle) -> None:
    seen = {"n": 0}

    def cancelled() -> bool:
        seen["n"] += 1
        return seen["n"] > 120

    (first,) = env.run(cancelled=cancelled)
    assert first.cancelled
    assert 0 < len(env.keys()) < len(google.expected_mail_keys())
    read_before = len(gets(google))
    (second,) = env.run()
    assert second.ok and not second.cancelled
    assert_store_matches(env)
    assert len(gets(google)) - read_before < len(google.listed_ids())


def test_a_killed_sync_process_resumes_without_duplicates(tmp_path: Path) -> None:
    """SIGKILL a real `crb sync gmail` half-way, then sync again: exactly N, none doubled."""
    with FakeGoogle(latency=0.01) as google:
        google.populate_mailbox(400, seed=5)
        env = Env(google, tmp_path)
        env.gmail.update(concurrency=2, checkpoint_every=10)
        env.kill_sync_once_stored("gmail", 80, seconds=20)
        partial = env.keys()
        assert 80 <= len(partial) < len(google.expected_mail_keys())
        (summary,) = env.run()
        assert summary.ok, summary.errors
        assert_store_matches(env)
        assert env.cursor()["mode"] == "incremental"
        # The id map the killed process stored with its records still finds every message: mail
        # marked as spam after the restart is removed, whichever process stored it.
        stored = [i for i in google.listed_ids()
                  if any(k.startswith(f"msg:{google.messages[i]['mid']}|") for k in env.keys())]
        prefixes = tuple(f"msg:{google.messages[i]['mid']}|" for i in (stored[0], stored[-1]))
        doomed = [k for k in env.keys() if k.startswith(prefixes)]
        for victim in (stored[0], stored[-1]):
            google.add_label(victim, "SPAM")
        (after,) = env.run()
        assert after.ok and after.removed.get("now label SPAM") == len(doomed)
        assert_store_matches(env)


# -- secrets ----------------------------------------------------------------------------------


def test_tokens_never_reach_logs_summaries_or_the_database(
        env: Env, google: FakeGoogle, caplog: pytest.LogCaptureFixture) -> None:
    google.fault("/users/me/messages/", "expire_token", after=30)
    with caplog.at_level(logging.DEBUG):
        (summary,) = env.run()
    assert summary.ok
    saved = json.loads(env.gmail_token.read_text())
    secrets = [saved["token"], saved["refresh_token"], saved["client_secret"],
               *google.access_tokens, *google.refresh_tokens]
    dump = json.dumps(summary.as_dict()) + caplog.text
    dump += json.dumps(env.query("select * from sync_state"))
    dump += env.db.read_bytes().decode("latin-1")
    for secret in secrets:
        assert secret not in dump


def test_crb_sync_gmail_on_the_command_line(env: Env, google: FakeGoogle, crb,
                                            google_plugin: object) -> None:
    config = env.config_toml(crb.config)
    before = config.read_text()
    result = crb("sync", "gmail", "--json")
    out = json.loads(result.stdout)["sources"]
    assert out[0]["source"] == "gmail" and out[0]["ok"], out
    assert env.db == crb.db
    assert_store_matches(env)
    saved = json.loads(env.gmail_token.read_text())
    for secret in (saved["token"], saved["refresh_token"], saved["client_secret"]):
        assert secret not in result.stdout + result.stderr
        assert secret not in config.read_text()
    assert config.read_text() == before


def test_a_long_retry_after_is_said_on_the_terminal_s_progress_line(
        env: Env, google: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial 14 F11: `crb sync gmail` at a terminal said nothing while it waited out Google's
    "Retry after" (61 s there); its progress line now says so. (Cancelled here once said.)"""
    import io

    from crb_tui.cli.sync_commands import _progress_printer

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    google.fault("/users/me/profile", status=403, reason="rateLimitExceeded",
                 message="User-rate limit exceeded.  Retry after "
                 + (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61.5)).strftime(
                     "%Y-%m-%dT%H:%M:%S.%fZ"))
    show = _progress_printer(env.db)
    cancel = threading.Event()

    def progress(source: str, done: int, total: int | None, message: str) -> None:
        show(source, done, total, message)
        if "Google asks" in message:
            cancel.set()

    (summary,) = env.run(cancelled=cancel.is_set, progress=progress)
    assert summary.cancelled
    line = terminal.getvalue().split("\r\x1b[2K")[1]
    assert re.fullmatch(r"gmail +0 waiting 6[12] s: Google asks to \(rate limit\)", line), line


def test_an_unauthorised_source_says_how_to_authorise(env: Env) -> None:
    env.gmail_token.unlink()
    (summary,) = env.run()
    assert not summary.ok
    assert "crb auth gmail" in summary.errors[0]
    assert env.keys() == []


# -- pieces -----------------------------------------------------------------------------------


def test_rate_limiter_keeps_gmail_under_its_quota() -> None:
    from crb_tui.sdk.http import RateLimiter

    clock = {"t": 0.0}
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        clock["t"] += s

    limiter = RateLimiter(250, clock=lambda: clock["t"], sleep=sleep)
    for _ in range(50):  # a one-second burst: 50 messages.get at 5 units
        limiter.acquire(5)
    assert clock["t"] == 0
    for _ in range(100):
        limiter.acquire(5)
    # 100 more gets took two seconds: 50 a second, 250 units a second.
    assert clock["t"] == pytest.approx(2.0)
    limiter.pause(3)
    limiter.acquire(5)
    assert clock["t"] == pytest.approx(5.0, abs=0.05)


def test_retry_after_is_read_from_the_header_or_the_message() -> None:
    import httpx
    from crb_google._http import parse_error, retry_after

    now = dt.datetime(2023, 3, 7, 18, 3, 10, tzinfo=dt.UTC).timestamp()
    plain = httpx.Response(429, headers={"Retry-After": "7"})
    assert retry_after(plain, "", now) == 7
    dated = httpx.Response(429, headers={"Retry-After": "Tue, 07 Mar 2023 18:03:20 GMT"})
    assert retry_after(dated, "", now) == pytest.approx(10)
    text = "User-rate limit exceeded.  Retry after 2023-03-07T18:03:15.961Z"
    assert retry_after(httpx.Response(429), text, now) == pytest.approx(5.961)
    assert retry_after(httpx.Response(500), "Backend Error", now) is None
    from tests.google_server import error_body

    body = error_body(429, "rateLimitExceeded")
    assert parse_error(httpx.Response(429, json=body)) == (
        "rateLimitExceeded", "Resource has been exhausted (e.g. check quota).")
    legacy = error_body(403, "userRateLimitExceeded")
    assert parse_error(httpx.Response(403, json=legacy))[0] == "userRateLimitExceeded"
    oauth = httpx.Response(400, json={"error": "invalid_grant", "error_description": "Bad"})
    assert parse_error(oauth) == ("invalid_grant", "Bad")


def test_the_same_mail_from_gmail_and_from_an_mbox_is_one_interaction(env: Env,
                                                                      google: FakeGoogle) -> None:
    """Gmail's headers go through crb_tui.sdk.mail exactly as an mbox message's do."""
    from crb_google._gmail import message_records

    from crb_tui.sdk.mail import headers_from_bytes, mail_records, parse_mail

    msg = next(m for m in google.messages.values() if m["labelIds"][:1] == ["INBOX"]
               and m["counterparts"] and not any(h[0] in ("Precedence", "List-Unsubscribe")
                                                 for h in m["headers"]))
    api_shape = {"id": msg["id"], "threadId": msg["threadId"], "labelIds": msg["labelIds"],
                 "internalDate": msg["internalDate"],
                 "payload": {"headers": [{"name": n, "value": v} for n, v in msg["headers"]]}}
    _, from_api = message_records(api_shape, me={ME}, skip_labels=[], skip_bulk=True)
    raw = "".join(f"{n}: {v}\n" for n, v in msg["headers"]).encode() + b"\n"
    from_mbox = mail_records(parse_mail(headers_from_bytes(raw)), me=[ME], where="x")
    assert [r.source_key for r in from_api] == [r.source_key for r in from_mbox]
    assert from_api[0].source_key == f"msg:{msg['mid']}|{msg['counterparts'][0]}"


GOOGLE_502_PAGE = b"""<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <title>Error 502 (Server Error)!!1</title>
  <style>
    *{margin:0;padding:0}html,code{font:15px/22px arial,sans-serif}
  </style>
  <p><b>502.</b> <ins>That\xe2\x80\x99s an error.</ins>
  <p>The server encountered a temporary error and could not complete your request.
"""


@pytest.mark.parametrize(("fault", "expected"), [
    ({"status": 502, "body": GOOGLE_502_PAGE},
     "users.messages.list: HTTP 502 Bad Gateway: Google's server had a temporary error; try "
     "again later"),
    ({"status": 500, "body": b'{"error": {"code": 500, "message": "Backend Error"}}',
      "content_type": "application/json"},
     "users.messages.list: HTTP 500 Internal Server Error: Backend Error"),
    ({"status": 200, "body": b"[1, 2, 3]", "content_type": "application/json"},
     "users.messages.list: the answer is not what the Gmail API sends (a JSON list where an "
     "object was expected)"),
    ({"status": 200, "body": b"<html><title>Proxy login</title></html>"},
     "users.messages.list: the answer is not what the Gmail API sends (not JSON: 'Proxy "
     "login')"),
])
def test_what_a_failed_call_says(env: Env, google: FakeGoogle, fault: dict[str, Any],
                                 expected: str) -> None:
    """One line naming the call: the reason phrase where Google gave no status, never an HTML
    page's markup, and an answer that is not the API's called so (not a network error)."""
    env.gmail["max_retries"] = 1
    google.fault("/users/me/messages$", times=-1, **fault)
    (summary,) = env.run()
    assert not summary.ok
    assert summary.errors == [expected]


def test_a_failed_sync_says_so_on_stderr_in_one_line_naming_crb_and_the_source(
        env: Env, google: FakeGoogle, crb, google_plugin: object) -> None:
    """What cron mails (stderr; it throws stdout away) stands on its own, --json or not."""
    import socket

    env.gmail["max_retries"] = 1
    with socket.socket() as closed:  # a port where nothing listens
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env.calendar["api_base"] = f"http://127.0.0.1:{port}"
    env.calendar["max_retries"] = 0
    env.config_toml(crb.config)
    google.fault("/users/me/messages$", status=503, reason="backendError", times=-1,
                 message="The service is currently unavailable.")
    for extra in ((), ("--json",)):
        result = crb("sync", *extra, status=1)
        errors = result.stderr.splitlines()
        assert errors[0] == ("crb: error: gmail: users.messages.list: HTTP 503 backendError: "
                             "The service is currently unavailable.")
        assert errors[1] == ("crb: error: google_calendar: events.list primary: network "
                             f"error talking to 127.0.0.1:{port}: Connection refused "
                             "(ConnectError)")
        assert len(errors) == 2
        if not extra:
            assert "gmail: FAILED" in result.stdout and "error" not in result.stdout


def test_progress_starts_with_the_first_messages_and_can_reach_its_total(
        env: Env, google: FakeGoogle) -> None:
    """Trial 14 F8: no count until the first checkpoint (100 messages), a resumed run showed
    none until its next one, and the total was the mailbox's with SPAM and TRASH, which the
    count never reached."""
    env.gmail["checkpoint_every"] = 100
    reports: list[tuple[int, int | None, str]] = []

    def progress(source: str, done: int, total: int | None, message: str) -> None:
        reports.append((done, total, message))

    def cancelled() -> bool:
        return any(done >= 120 for done, _, _ in reports)

    (first,) = env.run(progress=progress, cancelled=cancelled)
    assert first.cancelled
    listed = len(google.listed_ids())
    assert listed < len(google.messages)  # the mailbox has SPAM and TRASH
    counts = [done for done, total, message in reports if message == "messages"]
    assert counts[:3] == [0, 10, 20]
    assert {total for _, total, message in reports if message == "messages"} == {listed}
    reports.clear()
    (second,) = env.run(progress=progress)
    assert second.ok, second.errors
    # It says at once where the last run's checkpoint left it (the end of the first page of
    # 70), and ends on the total.
    assert reports[0] == (70, listed, "messages")
    assert (listed, listed) in {(done, total) for done, total, _ in reports}
    assert_store_matches(env)


def test_without_the_spam_and_trash_counts_the_total_is_about(env: Env,
                                                              google: FakeGoogle) -> None:
    google.fault("/labels/TRASH", status=404, reason="notFound")
    reports: list[tuple[int, int | None, str]] = []
    env.run(progress=lambda source, done, total, message: reports.append((done, total,
                                                                          message)))
    assert reports[1] == (10, None, f"10 of about {len(google.messages)} messages")
