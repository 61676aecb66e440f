"""CRB's built-in IMAP source: mail headers from any IMAP server (Fastmail, iCloud, Gmail, a
company's Dovecot or Exchange), through the ``imapclient`` library. A plain
plugin, written against the public plugin API and the mail logic every mail source shares
(:mod:`crb_tui.sdk.mail`): the same message read here, from an mbox file or through the Gmail
API is one interaction (``msg:<Message-ID>|<counterpart>``).

It reads headers only (``BODY.PEEK[HEADER.FIELDS (...)]`` on folders opened read-only), so it
never marks anything read; per folder it keeps the ``UIDVALIDITY`` and the last UID read, so a
later sync fetches only new mail (see :mod:`crb_imap._sync`). Mail deleted from a folder, or
moved out of it, stays in CRB: filing a message away does not undo the conversation.

Settings (``[sources.imap]``)::

    host = "imap.fastmail.com"
    port = 0                   # 0: 993 for "tls", 143 otherwise
    security = "tls"           # "tls", "starttls" or "none" (no encryption: a trusted network)
    user = "you@example.com"
    password = { "$env" = "IMAP_PASSWORD" }   # or { "$keyring" = "service/user" }
    folders = []               # empty: INBOX and the folder with the \\Sent special-use flag
    ca_file = ""               # certificates to trust (a server with its own authority)
    skip_bulk = true           # List-Unsubscribe, List-Id, Precedence, Auto-Submitted
    max_recipients = 50        # more addresses: a mass mail, skipped (0: no limit)
    batch_size = 200           # messages per FETCH (and per checkpoint)
    timeout = 30.0             # seconds a command may wait for the server
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crb_imap._settings import check
from crb_tui import Source, SyncContext, hookimpl
from crb_tui.sdk import Record
from crb_tui.sdk.mail import MAX_RECIPIENTS

__version__ = "0.1.0"

SCHEMA: dict[str, Any] = {
    "host": "",
    "port": 0,
    "security": "tls",
    "user": "",
    "password": "",
    "folders": [],
    "ca_file": "",
    "skip_bulk": True,
    "max_recipients": MAX_RECIPIENTS,
    "batch_size": 200,
    "timeout": 30.0,
}


def sync(ctx: SyncContext) -> Iterator[Record]:
    from crb_imap._sync import sync as run  # imapclient loads only when IMAP is synced

    return run(ctx)


@hookimpl
def register_sources(register: Any) -> None:
    register(Source(
        name="imap",
        sync=sync,
        description="Mail headers from any IMAP server (imap.fastmail.com, imap.mail.me.com, "
                    "imap.gmail.com, a company's): log in with an app password",
        config_schema=dict(SCHEMA),
        check=check,
        direction_from_me=True,
    ))
