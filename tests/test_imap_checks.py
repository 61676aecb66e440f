# ruff: noqa: F811 - the fixtures of tests/test_imap.py are imported and used by name
"""The IMAP source's answers to what a user meets outside the happy path: a wrong clock in a
message, something else than an IMAP server on the port, a second run while one goes (the
real Dovecot of tests/test_imap.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Crb
from tests.dovecot_server import Dovecot
from tests.test_imap import SOURCE, Env, _quick_retries, env, server  # noqa: F401 - fixtures

pytest.importorskip("imapclient")


def test_a_date_in_2099_is_dated_by_the_servers_internaldate_and_said(
    env: Env, server: Dovecot
) -> None:
    client = server.client()
    client.append("INBOX", b"From: Ann Future <ann@future.example>\r\nTo: someone@else.example\r\n"
                  b"Subject: from the future\r\nDate: Mon, 2 Nov 2099 16:00:00 +0000\r\n"
                  b"Message-ID: <future-1@future.example>\r\n\r\nHi\r\n",
                  msg_time=dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC))
    client.logout()
    result = Crb(env.db, env.config_path())("sync", SOURCE)
    assert env.query("select at from interactions where subject = 'from the future'") == [
        ("2026-11-02T09:30:00+00:00",)]
    assert ("Date header 2099-11-02 is more than a day after its delivery date (a wrong "
            "clock): dated 2026-11-02, the delivery date, instead") in result.stdout


@pytest.fixture
def ssh_port() -> Iterator[int]:
    """A port where something else than IMAP answers (an SSH server's greeting)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    conn.recv(100)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_another_server_on_the_port_is_not_an_imap_server(
    tmp_path: Path, ssh_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[me]\nemails = ["me@example.com"]\n[sources.imap]\nhost = "127.0.0.1"\n'
                      f'port = {ssh_port}\nsecurity = "none"\nuser = "alice"\n'
                      'password = { "$env" = "IMAP_PASSWORD" }\n', encoding="utf-8")
    monkeypatch.setenv("IMAP_PASSWORD", "wonderland")
    result = Crb(tmp_path / "crb.db", config)("sync", SOURCE, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"crb: error: imap: 127.0.0.1:{ssh_port} is not an IMAP server (it greets with "
        "'SSH-2.0-OpenSSH_9.2p1 Debian-2'): is it the right host and port?")


def test_a_user_name_and_password_beyond_ascii_log_in(corpus: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """LOGIN is ASCII only: such credentials go by AUTHENTICATE PLAIN in UTF-8 (third trial's
    T13: a raw UnicodeEncodeError)."""
    from tests.dovecot_server import unavailable
    from tests.test_imap import message, started

    reason = unavailable()
    if reason:
        pytest.skip(reason)
    # (Dovecot takes only ASCII user names unless told otherwise: auth_username_chars)
    dovecot = Dovecot(users={"jürgen": "wönderland-ß"}, extra="auth_username_chars =\n")
    dovecot.add("INBOX", [message(1)], user="jürgen")
    try:
        started(dovecot)
        config = tmp_path / "config.toml"
        config.write_text(
            '[me]\nemails = ["me@example.com"]\n[identity]\ncreate_people_from = "any"\n'
            f'[sources.imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
            'user = "jürgen"\npassword = { "$env" = "IMAP_PASSWORD" }\n', encoding="utf-8")
        monkeypatch.setenv("IMAP_PASSWORD", "wönderland-ß")
        out = Crb(tmp_path / "crb.db", config)("sync", SOURCE).stdout
        assert "imap: ok\n  seen 1, imported 1," in out
    finally:
        dovecot.cleanup()
