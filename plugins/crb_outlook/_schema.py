"""The Outlook sources' settings and the addresses they talk to, in a module that loads nothing
else: listing the sources (``crb review`` names where new people came from) must not load the
HTTP client, which only a sync or ``crb auth microsoft`` needs."""

from __future__ import annotations

from typing import Any

from crb_tui.sdk import check_choice, check_http_url, check_range
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


def _check_common(source: str, cfg: dict[str, Any]) -> None:
    for key in ("max_retries", "backoff_base", "backoff_max", "max_retry_wait"):
        check_range(source, cfg, key, 0)
    check_range(source, cfg, "timeout", 0.01)
    check_choice(source, cfg, "credentials_store", ("file", "keyring"))
    check_range(source, cfg, "page_size", 1, 1000)
    for key in ("graph_base", "login_base"):
        check_http_url(source, cfg, key)


def check_mail(cfg: dict[str, Any]) -> None:
    """The outlook_mail settings, checked before a sync and by ``crb doctor`` (``Source.check``)."""
    _check_common("outlook_mail", cfg)
    check_range("outlook_mail", cfg, "max_recipients", 0)


def check_calendar(cfg: dict[str, Any]) -> None:
    """The outlook_calendar settings (``Source.check``)."""
    _check_common("outlook_calendar", cfg)
    for key in ("past_days", "future_days", "resync_days", "max_attendees"):
        check_range("outlook_calendar", cfg, key, 0)
