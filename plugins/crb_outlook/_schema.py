"""The Outlook sources' settings and the addresses they talk to, in a module that loads nothing
else: listing the sources (``crb review`` names where new people came from) must not load the
HTTP client, which only a sync or ``crb auth microsoft`` needs."""

from __future__ import annotations

from typing import Any

from crb_tui.sdk.mail import MAX_RECIPIENTS

LOGIN_BASE = "https://login.microsoftonline.com"
GRAPH_BASE = "https://graph.microsoft.com/v1.0"

COMMON_SCHEMA: dict[str, Any] = {
    "graph_base": GRAPH_BASE,
    "login_base": LOGIN_BASE,
    "tenant": "common",
    "client_id": "",
    "token_file": "",
    "credentials_store": "file",
    "page_size": 100,
    "max_retries": 6,
    "backoff_base": 1.0,
    "backoff_max": 32.0,
    "max_retry_wait": 120.0,
    "timeout": 30.0,
}
"""Settings both sources share (see the package docstring)."""

MAIL_SCHEMA: dict[str, Any] = {
    **COMMON_SCHEMA,
    "folders": ["inbox", "sentitems"],
    "skip_labels": ["Other", "JunkEmail", "DeletedItems"],
    "max_recipients": MAX_RECIPIENTS,
}

CALENDAR_SCHEMA: dict[str, Any] = {
    **COMMON_SCHEMA,
    "past_days": 730,
    "future_days": 60,
    "resync_days": 7,
    "max_attendees": 25,
    "skip_declined": True,
}
