"""The IMAP source against a real Dovecot server on 127.0.0.1 (tests/dovecot_server.py) holding
a maildir built from the corpus (perl-mail-box's mbox: 1999-2000 mail, bulk and personal): the
first sync, an incremental one, a renumbered folder (UIDVALIDITY), a connection cut in the
middle of a FETCH, a server gone for good, a killed process, a wrong password, a missing
folder, TLS and STARTTLS; the store checked afterwards (no duplicate, no loss) and the server
too (nothing marked read)."""

from __future__ import annotations

import mailbox
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from tests.conftest import CORPUS, Crb
from tests.dovecot_server import USERS, CuttingProxy, Dovecot, unavailable
from tests.source_env import StoredSync

pytest.importorskip("imapclient")

ME = "markov@ATComputing.nl".lower()
MBOX = CORPUS / "mbox" / "perl-mail-box" / "mbox.src.mbox"
SENT = "Gesendete Objekte"
"""The sent folder's name: one no list of usual names holds, so only its \\Sent flag finds it."""
SOURCE = "imap"


def corpus_messages() -> tuple[list[bytes], list[bytes]]:
    """The mbox's messages as whole RFC 5322 texts: (received by ME's mailbox, sent by ME)."""
    from crb_tui.sdk.mail import headers_from_bytes, parse_mail

    inbox: list[bytes] = []
    sent: list[bytes] = []
    for message in mailbox.mbox(str(MBOX)):
        raw = message.as_bytes()
        mail = parse_mail(headers_from_bytes(raw.split(b"\n\n", 1)[0]))
        mine = mail.sender is not None and mail.sender.email.lower() == ME
        (sent if mine else inbox).append(raw)
    return inbox, sent


EVERYONE = {"identity": {"create_people_from": "any"}}
"""Every sender becomes a person (to triage), so that each stored message counts as imported
(mail from nobody yet is kept but counted as skipped under the default rule)."""


def reference(tmp: Path) -> dict[str, set[str]]:
    """What CRB stores when the same mbox file is imported (the mbox importer's answer, noise
    rules and all): interaction keys by direction."""
    import tomli_w

    db, config = tmp / "reference.db", tmp / "reference.toml"
    config.write_text(tomli_w.dumps({"me": {"emails": [ME], "timezone": "UTC"}, **EVERYONE}))
    Crb(db, config)("import", str(MBOX))
    conn = sqlite3.connect(db)
    try:
        rows = list(conn.execute("select direction, source_key from interactions"))
    finally:
        conn.close()
    return {d: {k for direction, k in rows if direction == d} for d in ("in", "out")}


def message(n: int, sender: str = "new.friend@example.org", to: str = ME) -> bytes:
    return (f"From: New Friend {n} <{sender}>\r\nTo: {to}\r\nSubject: Hello {n}\r\n"
            f"Date: Mon, 16 Nov 2026 10:{n:02d}:00 +0100\r\n"
            f"Message-ID: <new-{n}@example.org>\r\n\r\nHi!\r\n").encode()


def started(dovecot: Dovecot) -> Dovecot:
    """The server running; the test skipped, saying why, when Dovecot is missing or will not
    start here (never under CI, where ``make test`` installs it: there it fails)."""
    try:
        return dovecot.start()
    except RuntimeError as exc:
        dovecot.cleanup()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"dovecot would not start: {exc}")


@pytest.fixture
def server(corpus: Path) -> Iterator[Dovecot]:
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    dovecot = Dovecot(sent=SENT)
    inbox, sent = corpus_messages()
    dovecot.add("INBOX", inbox)
    dovecot.add(SENT, sent)
    dovecot.add("Drafts", [message(99)])
    try:
        yield started(dovecot)
    finally:
        dovecot.cleanup()


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    from crb_imap import _sync

    monkeypatch.setattr(_sync, "RETRY_WAITS", (0.0, 0.1, 0.2))


class Env(StoredSync):
    """A CRB database and config.toml wired to the Dovecot server, run like ``crb sync``."""

    def __init__(self, server: Dovecot, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.tmp = tmp
        self.db = tmp / "crb.db"
        self.source = SOURCE
        self.settings: dict[str, Any] = {
            "host": "127.0.0.1", "port": server.port, "security": "none", "user": "alice",
            "password": {"$env": "IMAP_PASSWORD"}, "batch_size": 5, "timeout": 10.0,
        }
        monkeypatch.setenv("IMAP_PASSWORD", USERS["alice"])

    def config_path(self, extra: dict[str, Any] | None = None) -> Path:
        import tomli_w

        path = self.tmp / "config.toml"
        data = {"me": {"emails": [ME], "timezone": "UTC"}, **EVERYONE,
                "sources": {SOURCE: self.settings, **(extra or {})}}
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return path

    def run(self, *names: str, ok: bool = True, cancelled: Any = None,
            progress: Any = None) -> list[Any]:
        from crb_tui.host.app_context import AppContext

        app = AppContext(db_path=self.db, config_path=self.config_path())
        try:
            summaries = app.sync(list(names) or [SOURCE], cancelled=cancelled,
                                 progress=progress)
        finally:
            app.close()
        if ok:
            for summary in summaries:
                assert summary.ok, (summary.source, summary.errors)
        return summaries

    def sync(self, **kwargs: Any) -> Any:
        (summary,) = self.run(**kwargs)
        return summary



@pytest.fixture
def env(server: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    return Env(server, tmp_path, monkeypatch)


@pytest.fixture
def keys_by_direction(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    return reference(tmp_path_factory.mktemp("reference"))


@pytest.fixture
def mailbox_keys(keys_by_direction: dict[str, set[str]]) -> set[str]:
    return keys_by_direction["in"] | keys_by_direction["out"]


def assert_keys(env: Env, expected: set[str]) -> None:
    keys = env.keys()
    assert len(keys) == len(set(keys)), "duplicate interactions"
    missing, extra = expected - set(keys), set(keys) - expected
    assert not missing and not extra, (sorted(missing), sorted(extra))


def sessions(server: Dovecot) -> list[dict[str, int]]:
    """Each finished IMAP session's counters from Dovecot's log (headers and bodies read)."""
    out = []
    for line in server.log().splitlines():
        if "imap(alice)" in line and "Disconnected" in line:
            out.append({k: int(v) for k, v in re.findall(r"(\w+_count)=(\d+)", line)})
    return out


def wait_for_sessions(server: Dovecot, n: int) -> list[dict[str, int]]:
    deadline = time.monotonic() + 5
    while len(found := sessions(server)) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def unseen_everywhere(server: Dovecot) -> None:
    client = server.client()
    try:
        for folder in ("INBOX", SENT):
            client.select_folder(folder, readonly=True)
            flags = client.fetch(client.search(["ALL"]), ["FLAGS"])
            assert flags and all(b"\\Seen" not in f[b"FLAGS"] for f in flags.values()), folder
    finally:
        client.logout()


# -- tests ----------------------------------------------------------------------------------


def test_first_sync_stores_the_mailbox_once_and_marks_nothing_read(
        env: Env, server: Dovecot, mailbox_keys: set[str],
        keys_by_direction: dict[str, set[str]]) -> None:
    progress: list[tuple[int, int | None, str]] = []
    summary = env.sync(progress=lambda _s, done, total, msg: progress.append((done, total, msg)))
    assert_keys(env, mailbox_keys)
    assert summary.imported == len(mailbox_keys) and not summary.rejected
    # Precedence: bulk list mail; majordomo@ and other role addresses are not people, nor the
    # list's own address (learned from its copies' Sender: owner-magick@) written to.
    assert summary.skipped == {"bulk mail": 22, "role address": 4, "mailing list address": 3}
    # ME's own messages came from the folder with the \Sent flag, as outbound mail.
    out = {k for (k,) in env.query("select source_key from interactions where direction = 'out'")}
    assert out == keys_by_direction["out"] and out
    cursor = env.cursor()
    assert set(cursor["folders"]) == {"INBOX", SENT}  # not Drafts
    assert cursor["folders"]["INBOX"]["last_uid"] == 31
    assert cursor["folders"][SENT]["last_uid"] == 14
    assert all(f["uidvalidity"] and f["uidnext"] and f["modseq"]
               for f in cursor["folders"].values())
    tally = cursor["last_run"]
    assert tally["listed"] == 45 == (tally["stored"] + sum(tally["skipped"].values())
                                     + tally["rejected"] + tally["gone"])
    # Progress for the Sync screen: batch by batch up to the whole, then the reconciliation.
    assert progress[-2][:2] == (45, 45) and progress[-2][2].startswith(
        "listed 45 = stored 21 + skipped 24 (bulk mail 22, mailing list address 2)")
    assert any(msg.startswith("INBOX: 5 of 31") for _, _, msg in progress)
    # Headers only, and nothing marked read.
    (session,) = wait_for_sessions(server, 1)
    assert session["hdr_count"] == 45 and session["body_count"] == 0
    unseen_everywhere(server)


def test_the_same_mail_from_an_mbox_file_is_the_same_interaction(
        env: Env, server: Dovecot, mailbox_keys: set[str]) -> None:
    env.sync()
    crb = Crb(env.db, env.config_path())
    (summary,) = cast(dict[str, Any], crb.json("import", str(MBOX)))["sources"]
    assert summary["imported"] == 0 and summary["unchanged"] == len(mailbox_keys)
    assert_keys(env, mailbox_keys)


def test_incremental_sync_fetches_only_new_mail(env: Env, server: Dovecot,
                                                mailbox_keys: set[str]) -> None:
    env.sync()
    client = server.client()
    client.append("INBOX", message(1))
    client.append(SENT, message(2, sender=ME, to="Someone <someone@example.net>"))
    client.logout()
    summary = env.sync()
    new = {"msg:new-1@example.org|new.friend@example.org",
           "msg:new-2@example.org|someone@example.net"}
    assert_keys(env, mailbox_keys | new)
    assert summary.seen == 2 and summary.imported == 2
    # Nothing new: one STATUS a folder, no SELECT, no header read.
    summary = env.sync()
    assert summary.seen == 0 and summary.ok
    counts = wait_for_sessions(server, 4)  # two syncs, the test's own session, one more sync
    assert [s["hdr_count"] for s in counts] == [45, 0, 2, 0]
    assert env.cursor()["last_run"]["listed"] == 0


def test_the_sent_folder_is_the_one_flagged_sent_else_a_usual_name() -> None:
    from crb_imap._connect import Folder, sent_folder

    flagged = [Folder("INBOX", ()), Folder("Sent", ()), Folder("Envoyés", (b"\\Sent",))]
    assert sent_folder(flagged) == "Envoyés"
    assert sent_folder([Folder("INBOX", ()), Folder("Sent Messages", ())]) == "Sent Messages"
    assert sent_folder([Folder("INBOX", ()), Folder("Sent", (b"\\Noselect",))]) is None


def test_a_server_without_condstore_is_read_by_uidnext(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    plain = Dovecot(sent=SENT, extra="imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE "
                                     "IDLE UIDPLUS SPECIAL-USE LIST-EXTENDED")
    plain.add("INBOX", [message(n) for n in range(1, 4)])
    try:
        started(plain)
        env = Env(plain, tmp_path, monkeypatch)
        assert env.sync().imported == 3
        folder = env.cursor()["folders"]["INBOX"]
        assert folder["modseq"] is None and folder["uidnext"] == 4
        client = plain.client()
        client.select_folder("INBOX")
        client.add_flags([1], [b"\\Flagged"])  # a change, but nothing new
        client.append("INBOX", message(4))
        client.logout()
        summary = env.sync()
        assert summary.seen == summary.imported == 1
        assert env.sync().seen == 0
        assert [s["hdr_count"] for s in wait_for_sessions(plain, 4)] == [3, 0, 1, 0]
    finally:
        plain.cleanup()


def test_a_renumbered_folder_is_read_again_without_duplicates(
        env: Env, server: Dovecot, mailbox_keys: set[str]) -> None:
    env.sync()
    before = env.cursor()["folders"][SENT]["uidvalidity"]
    # The server rebuilt the folder: same messages, new UIDs, new UIDVALIDITY; one more.
    kept = recreate(server, SENT, [message(3, sender=ME, to="third@example.net")])
    summary = env.sync()
    assert_keys(env, mailbox_keys | {"msg:new-3@example.org|third@example.net"})
    assert summary.imported == 1 and summary.updated == 0
    assert summary.unchanged + summary.skipped["role address"] + summary.skipped[
        "mailing list address"] == summary.seen - 1
    folder = env.cursor()["folders"][SENT]
    assert folder["uidvalidity"] != before and folder["last_uid"] == kept + 1


def recreate(server: Dovecot, folder: str, extra: list[bytes]) -> int:
    """The server rebuilds ``folder``: the same messages (and ``extra``) under new UIDs and a
    new UIDVALIDITY. How many it held before."""
    client = server.client()
    client.select_folder(folder, readonly=True)
    kept = [data[b"BODY[]"] for data in client.fetch(client.search(["ALL"]),
                                                       ["BODY.PEEK[]"]).values()]
    client.unselect_folder()
    client.delete_folder(folder)
    client.create_folder(folder)
    for raw in [*kept, *extra]:
        client.append(folder, raw)
    client.logout()
    return len(kept)


def test_a_folder_renumbered_while_it_is_read_is_read_again_whole(
        env: Env, server: Dovecot, mailbox_keys: set[str]) -> None:
    renumbered: list[int] = []

    def renumber(_source: str, _done: int, _total: int | None, message: str) -> None:
        if message.startswith(f"{SENT}: 5 of") and not renumbered:  # one batch read
            renumbered.append(recreate(server, SENT, [message_from_me]))

    message_from_me = message(5, sender=ME, to="fifth@example.net")
    summary = env.sync(progress=renumber)
    assert_keys(env, mailbox_keys | {"msg:new-5@example.org|fifth@example.net"})
    assert renumbered == [14] and summary.imported == len(mailbox_keys) + 1
    tally = env.cursor()["last_run"]
    assert tally["listed"] == 31 + 5 + 15 == (tally["stored"] + sum(tally["skipped"].values())
                                          + tally["rejected"] + tally["gone"])
    assert env.cursor()["folders"][SENT]["last_uid"] == 15


def test_a_connection_cut_in_the_middle_of_a_fetch_is_resumed(
        env: Env, server: Dovecot, mailbox_keys: set[str]) -> None:
    proxy = CuttingProxy(server.port, cut_at=8)  # inside the second batch of five
    env.settings["port"] = proxy.port
    try:
        summary = env.sync()
    finally:
        proxy.close()
    assert proxy.cuts == 1 and proxy.connections == 2
    assert_keys(env, mailbox_keys)
    assert summary.imported == len(mailbox_keys) and summary.unchanged == 0
    assert env.cursor()["last_run"]["listed"] == 45


def test_a_server_gone_for_good_fails_clearly_and_the_next_sync_resumes(
        env: Env, server: Dovecot, mailbox_keys: set[str]) -> None:
    def stop_the_server(_source: str, done: int, _total: int | None, _message: str) -> None:
        if done == 20:  # four batches read (the first ten messages are list mail)
            server.stop()

    (summary,) = env.run(ok=False, progress=stop_the_server)
    (error,) = summary.errors
    assert error.startswith("lost the connection to the IMAP server at "
                            f"127.0.0.1:{server.port} while reading INBOX") and "resumes" in error
    partial = set(env.keys())
    assert partial and partial < mailbox_keys
    assert env.cursor()["folders"]["INBOX"]["last_uid"] == 20
    server.start()
    summary = env.sync()
    assert_keys(env, mailbox_keys)
    assert summary.imported == len(mailbox_keys - partial)


def test_a_killed_sync_process_resumes_without_loss_or_duplicates(
        env: Env, server: Dovecot, mailbox_keys: set[str]) -> None:
    """SIGKILL a real ``crb sync imap`` half-way (the server slowed by a relay), then again."""
    proxy = CuttingProxy(server.port, cut_at=0, delay=0.05)
    env.settings.update(port=proxy.port, batch_size=2)
    config = env.config_path()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crb_tui", "--db", str(env.db), "--config", str(config),
         "sync", SOURCE, "--json"],
        env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        count = 0
        while time.monotonic() < deadline and proc.poll() is None and count < 6:
            try:
                count = env.query("select count(*) from interactions")[0][0]
            except sqlite3.Error:
                count = 0
            time.sleep(0.01)
        assert proc.poll() is None, proc.communicate()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
        proxy.close()
    partial = set(env.keys())
    assert 6 <= len(partial) < len(mailbox_keys)
    env.settings["port"] = server.port
    summary = env.sync()
    assert_keys(env, mailbox_keys)
    assert summary.imported == len(mailbox_keys - partial)
    # The second run read only what the first had not finished.
    *_, last = wait_for_sessions(server, 2)
    assert 0 < last["hdr_count"] < 45


@pytest.mark.parametrize("password", ["not-the-password", "pässwörd-ß"])
def test_wrong_password_is_one_clear_line(env: Env, server: Dovecot,
                                          monkeypatch: pytest.MonkeyPatch,
                                          password: str) -> None:
    # (a password beyond ASCII goes by AUTHENTICATE PLAIN, which carries UTF-8: LOGIN cannot)
    monkeypatch.setenv("IMAP_PASSWORD", password)
    crb = Crb(env.db, env.config_path())
    result = crb("sync", SOURCE, ok=False)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors == ["crb: error: imap: the IMAP server at "
                      f"127.0.0.1:{server.port} refused the login of user 'alice': wrong user "
                      "name or password? (Gmail, iCloud and Fastmail want an app password "
                      "here)"]
    assert password not in result.output
    assert env.keys() == [] and env.cursor() is None


def test_a_folder_that_does_not_exist_is_named_and_the_others_are_synced(
        env: Env, server: Dovecot, keys_by_direction: dict[str, set[str]]) -> None:
    env.settings["folders"] = ["Archive/2019", "INBOX"]
    summary = env.sync()
    assert_keys(env, keys_by_direction["in"])
    (rejected,) = summary.rejected
    assert rejected["where"] == "imap folder Archive/2019"
    assert rejected["reason"].startswith(
        f"folder 'Archive/2019' does not exist on 127.0.0.1:{server.port} (folders there: "
        f"Drafts, {SENT}, INBOX)")
    assert set(env.cursor()["folders"]) == {"INBOX"}
    tally = env.cursor()["last_run"]
    assert tally["listed"] == 31 == (tally["stored"] + sum(tally["skipped"].values())
                                     + tally["rejected"] + tally["gone"])
    assert tally["folders_not_read"] == 1


def test_a_server_that_is_down_fails_at_once_and_clearly(env: Env, server: Dovecot) -> None:
    server.stop()
    started = time.monotonic()
    (summary,) = env.run(ok=False)
    assert summary.errors == [f"cannot reach the IMAP server at "
                              f"127.0.0.1:{server.port}: connection refused"]
    assert time.monotonic() - started < 5  # no retries before the first connection


def test_settings_are_checked_before_anything_is_asked(env: Env,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from crb_tui.errors import CrbError

    monkeypatch.delenv("IMAP_PASSWORD")
    (summary,) = env.run(ok=False)
    assert "gives no value" in summary.errors[0] and "IMAP_PASSWORD" in summary.errors[0]
    env.settings["security"] = "ssl"
    monkeypatch.setenv("IMAP_PASSWORD", "x")
    (summary,) = env.run(ok=False)
    assert 'use "tls" (port 993), "starttls" (port 143) or "none"' in summary.errors[0]
    env.settings["security"] = "none"
    env.settings["password"] = "wonderland"  # in plain text: refused by the config loader
    with pytest.raises(CrbError, match="plain text"):
        env.run()


@pytest.fixture
def tls_server(corpus: Path) -> Iterator[Dovecot]:
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("trustme")
    dovecot = Dovecot(tls=True, sent=SENT)
    inbox, sent = corpus_messages()
    dovecot.add("INBOX", inbox)
    dovecot.add(SENT, sent)
    try:
        yield started(dovecot)
    finally:
        dovecot.cleanup()


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_with_the_servers_own_authority(
        tls_server: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        mailbox_keys: set[str], security: str) -> None:
    env = Env(tls_server, tmp_path, monkeypatch)
    port = tls_server.tls_port if security == "tls" else tls_server.port
    env.settings.update(security=security, port=port)
    # Not trusted without the authority's certificate: one clear line.
    (summary,) = env.run(ok=False)
    (error,) = summary.errors
    assert f"the certificate of 127.0.0.1:{port} is not trusted" in error
    assert "sources.imap.ca_file" in error
    env.settings["ca_file"] = str(tls_server.ca_file)
    env.sync()
    assert_keys(env, mailbox_keys)


def test_tls_on_a_plain_port_says_so(env: Env, server: Dovecot) -> None:
    env.settings["security"] = "tls"
    (summary,) = env.run(ok=False)
    (error,) = summary.errors
    assert f"the IMAP server at 127.0.0.1:{server.port} did not answer with TLS" in error


def test_starttls_on_a_server_without_it_says_so(env: Env, server: Dovecot) -> None:
    env.settings["security"] = "starttls"
    (summary,) = env.run(ok=False)
    assert summary.errors == [f"the IMAP server at 127.0.0.1:{server.port} does not "
                              'offer STARTTLS: use security = "tls" (port 993), or "none" only '
                              "on a network you trust"]


def test_a_folder_named_twice_is_read_once(env: Env, server: Dovecot,
                                          keys_by_direction: dict[str, set[str]]) -> None:
    env.settings["folders"] = ["INBOX", "inbox", "INBOX"]
    summary = env.sync()
    assert_keys(env, keys_by_direction["in"])
    assert env.cursor()["last_run"]["listed"] == 31
    assert "duplicate message-id" not in summary.skipped


def test_crb_sync_shows_the_source(env: Env, server: Dovecot, mailbox_keys: set[str]) -> None:
    crb = Crb(env.db, env.config_path())
    result = crb("sync")  # every configured source
    assert result.stdout.startswith(f"imap: ok\n  seen {len(mailbox_keys) + 29}, imported "
                                    f"{len(mailbox_keys)},")
    assert "skipped: bulk mail 22, mailing list address 3, role address 4" in result.stdout


@pytest.mark.anyio
async def test_the_apps_sync_screen_runs_it_with_progress(env: Env, server: Dovecot,
                                                          mailbox_keys: set[str]) -> None:
    from crb_tui.host.app_context import AppContext
    from crb_tui.tui.screens.sync import SyncScreen
    from tests.test_tui import make_app, press, screen_text, settle

    context = AppContext(db_path=env.db, config_path=env.config_path())
    app = make_app(context, screen="sync")
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            assert "imap" in screen_text(app) and "never run" in screen_text(app)
            await press(pilot, "a")  # every configured source
            screen = app.screen
            assert isinstance(screen, SyncScreen)
            assert f"imap ok: seen {len(mailbox_keys) + 29}" in screen_text(app)
            bar = screen._runs["imap"].bar
            assert bar.total and bar.progress == bar.total
    finally:
        context.close()
    assert_keys(env, mailbox_keys)


def test_an_unencrypted_login_to_another_machine_is_warned_of(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from crb_imap._sync import ImapSync

    from crb_tui.config import resolve_secret
    from crb_tui.sources import Checkpoint, SyncContext

    monkeypatch.setenv("IMAP_PASSWORD", "x")

    def ctx(host: str) -> SyncContext:
        return SyncContext(source=SOURCE, logger=logging.getLogger("crb.source.imap"),
                           checkpoint=Checkpoint(lambda: None, lambda _v: None),
                           config={"host": host, "security": "none", "user": "alice",
                                   "password": {"$env": "IMAP_PASSWORD"}},
                           _secret=resolve_secret)

    with caplog.at_level(logging.WARNING):
        ImapSync(ctx("127.0.0.1"))
        assert not caplog.records
        ImapSync(ctx("mail.example.com"))
    (record,) = caplog.records
    assert record.getMessage() == ('imap: security = "none": the password goes to '
                                   "mail.example.com unencrypted")


def test_the_summary_reconciles_the_messages_listed(env: Env, server: Dovecot) -> None:
    crb = Crb(env.db, env.config_path())
    out = crb("sync", SOURCE).stdout
    (line,) = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("note: messages")]
    assert line.startswith("note: messages listed 45 = stored 21 + skipped 24 (")
