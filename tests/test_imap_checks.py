# ruff: noqa: F811 - the fixtures of tests/test_imap.py are imported and used by name
"""The IMAP source's answers to what a user meets outside the happy path: a wrong clock in a
message, something else than an IMAP server on the port, a second run while one goes (the
real Dovecot of tests/test_imap.py)."""

from __future__ import annotations

import datetime as dt

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
