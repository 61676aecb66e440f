"""CRB's Google sources: Gmail (mail headers) and Google Calendar (meetings), with OAuth that
works over SSH. A plain plugin, written against the public plugin API and the shared mail and
calendar logic (``crb_tui.sdk.mail``, ``crb_tui.sdk.calendars``).

Set up::

    crb auth gmail --client-secrets client_secret.json
    crb auth google-calendar --client-secrets client_secret.json
    crb sync gmail google_calendar

``[sources.gmail]`` (defaults shown)::

    api_base = "https://gmail.googleapis.com"   # point at a proxy or a local server
    token_uri = "https://oauth2.googleapis.com/token"
    auth_uri = "https://accounts.google.com/o/oauth2/auth"
    token_file = ""            # default: <user data dir>/crb/gmail-token.json (mode 0600)
    credentials_store = "file" # or "keyring" (needs the keyring package)
    client_secrets_file = ""   # instead of --client-secrets
    index_file = ""            # the id index of earlier versions, copied into CRB's database
                               # once (default: beside it, crb.db -> crb.gmail-index.sqlite)
    concurrency = 8            # messages.get requests in flight
    page_size = 500
    quota_per_second = 250.0   # Gmail's per-user quota units; messages.get costs 5 (0: no limit)
    skip_labels = ["SPAM", "TRASH", "CHAT", "DRAFT", "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL",
                   "CATEGORY_FORUMS", "CATEGORY_UPDATES"]
    skip_bulk = true           # List-Unsubscribe, List-Id, Precedence, Auto-Submitted
    max_recipients = 50        # more addresses: a mass mail, skipped (0: no limit)
    checkpoint_every = 100     # messages between checkpoints
    max_retries = 6            # per request: 429/403 rate limits, 5xx, dropped connections
    backoff_base = 1.0         # seconds; doubles each retry, with jitter, up to backoff_max
    backoff_max = 32.0
    max_retry_wait = 120.0     # a longer Retry-After stops the sync (it resumes next time)
    timeout = 30.0

``[sources.google_calendar]``: the same token, index and retry settings (files
``google-calendar-token.json`` and ``crb.google-calendar-index.sqlite``), ``api_base =
"https://www.googleapis.com"``, and ``calendars = ["primary"]``, ``page_size = 250``,
``quota_per_second = 5.0``, ``past_days = 730``, ``future_days = 60``, ``resync_days = 7``,
``max_attendees = 25``, ``skip_declined = true``. A calendar of ``calendars`` that is gone
(deleted, unsubscribed from: 404) is one rejected line, and the others are synced.

A touch that happened stays. Mail deleted in Gmail, moved to the bin or gone from the listing
keeps its interactions, as the IMAP source keeps mail deleted on the server; mail later marked
as spam, or given another of ``skip_labels`` (``CATEGORY_PROMOTIONS``), was never a real touch
and loses them (``removed: now label SPAM``). Cancelled events still to come remove theirs (see
``_deletes``), found through the map of Google ids to records that each source keeps in its
``ctx.state`` (``_ids``). A meeting that had begun when its calendar was last read took place:
deleted or cancelled afterwards (a series ended by deleting it), or gone out of the
``past_days`` window, it stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from crb_tui import Source, SyncContext, hookimpl

__version__ = "0.1.0"


def _gmail_sync(ctx: SyncContext) -> Iterator[Any]:
    from crb_google import _gmail  # the HTTP client loads only when Gmail is synced

    return _gmail.sync(ctx)


def _calendar_sync(ctx: SyncContext) -> Iterator[Any]:
    from crb_google import _calendar

    return _calendar.sync(ctx)


def _ready(source: str) -> Callable[[dict[str, Any]], None]:
    """The source's ``ready`` check for ``crb doctor``: it has a token ``crb auth`` saved."""

    def ready(settings: dict[str, Any]) -> None:
        from crb_google._auth import stored_token

        stored_token(source, settings)

    return ready


@hookimpl
def register_sources(register: Any) -> None:
    from crb_google._schema import CALENDAR_SCHEMA, GMAIL_SCHEMA, check_calendar, check_gmail

    register(Source(
        name="gmail",
        sync=_gmail_sync,
        description="Mail headers from Gmail through the Gmail API (gmail.metadata scope)",
        config_schema=dict(GMAIL_SCHEMA),
        check=check_gmail,
        ready=_ready("gmail"),
        direction_from_me=True,
    ))
    register(Source(
        name="google_calendar",
        sync=_calendar_sync,
        description="Meetings from Google Calendar through the Calendar API (read only)",
        config_schema=dict(CALENDAR_SCHEMA),
        check=check_calendar,
        ready=_ready("google_calendar"),
        direction_from_me=True,
    ))


@hookimpl
def register_commands(register: Any) -> None:
    from crb_google._cli import auth_group

    register(auth_group())
