"""CRB's Microsoft 365 / Outlook.com sources through Microsoft Graph: mail headers
(``outlook_mail``) and calendars (``outlook_calendar``), with a device-code sign-in that works
over SSH. A plain plugin, written against the public plugin API and the shared mail and
calendar logic (``crb_tui.sdk.mail``, ``crb_tui.sdk.calendars``).

Set up (see the README: an app registration of your own in Microsoft Entra ID, public client
flows allowed, delegated permissions ``Mail.ReadBasic`` and ``Calendars.Read``)::

    crb auth microsoft --client-id 00000000-0000-0000-0000-000000000000
    crb sync outlook_mail outlook_calendar

``[sources.outlook_mail]`` (defaults shown)::

    graph_base = "https://graph.microsoft.com/v1.0"   # point at a proxy or a local server
    login_base = "https://login.microsoftonline.com"
    tenant = "common"          # or your tenant id / domain, or "consumers"
    client_id = ""             # instead of --client-id
    token_file = ""            # default: <user data dir>/crb/microsoft-token.json (mode 0600)
    credentials_store = "file" # or "keyring" (needs the keyring package)
    folders = ["inbox", "sentitems"]
    skip_labels = ["Other", "JunkEmail", "DeletedItems"]   # Focused Inbox's Other, and where
                               # a removed message went
    max_recipients = 50        # more addresses: a mass mail, skipped (0: no limit)
    page_size = 100            # Prefer: odata.maxpagesize
    max_retries = 6            # per request: 429/503 with Retry-After, 5xx, dropped connections
    backoff_base = 1.0         # seconds; doubles each retry, with jitter, up to backoff_max
    backoff_max = 32.0
    max_retry_wait = 120.0     # a longer Retry-After stops the sync (it resumes next time)
    timeout = 30.0

``[sources.outlook_calendar]``: the same sign-in and retry settings, and ``past_days = 730``,
``future_days = 60``, ``resync_days = 7``, ``max_attendees = 25``, ``skip_declined = true``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from crb_tui import Source, SyncContext, hookimpl

__version__ = "0.1.0"


def _mail_sync(ctx: SyncContext) -> Iterator[Any]:
    from crb_outlook import _mail  # the HTTP client loads only when a sync runs

    return _mail.sync(ctx)


def _calendar_sync(ctx: SyncContext) -> Iterator[Any]:
    from crb_outlook import _calendar

    return _calendar.sync(ctx)


def _ready(source: str) -> Callable[[dict[str, Any]], None]:
    """The source's ``ready`` check for ``crb doctor``: it has a token ``crb auth`` saved."""

    def ready(settings: dict[str, Any]) -> None:
        from crb_outlook._auth import stored_token

        stored_token(source, settings)

    return ready


@hookimpl
def register_sources(register: Any) -> None:
    from crb_outlook._schema import CALENDAR_SCHEMA, MAIL_SCHEMA, check_calendar, check_mail

    register(Source(
        name="outlook_mail",
        sync=_mail_sync,
        description="Mail headers from Microsoft 365 / Outlook.com through Microsoft Graph "
                    "(Mail.ReadBasic; sign in with `crb auth microsoft --client-id ID`)",
        config_schema=dict(MAIL_SCHEMA),
        check=check_mail,
        ready=_ready("outlook_mail"),
        direction_from_me=True,
    ))
    register(Source(
        name="outlook_calendar",
        sync=_calendar_sync,
        description="Meetings from Microsoft 365 / Outlook.com calendars through Microsoft "
                    "Graph (Calendars.Read; sign in with `crb auth microsoft --client-id ID`)",
        config_schema=dict(CALENDAR_SCHEMA),
        check=check_calendar,
        ready=_ready("outlook_calendar"),
        direction_from_me=True,
    ))


@hookimpl
def register_commands(register: Any) -> None:
    from crb_outlook._cli import auth_group

    register(auth_group())
