"""The Google sources' settings and the addresses they talk to, in a module that loads nothing
else: listing the sources (``crb review`` names where new people came from) must not load the
HTTP client, which only a sync needs."""

from __future__ import annotations

from typing import Any

from crb_tui.sdk import check_choice, check_http_url, check_range
from crb_tui.sdk.mail import MAX_RECIPIENTS

GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GMAIL_API = "https://gmail.googleapis.com"
CALENDAR_API = "https://www.googleapis.com"

DEFAULT_SKIP_LABELS = [
    "SPAM", "TRASH", "CHAT", "DRAFT",
    "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL", "CATEGORY_FORUMS", "CATEGORY_UPDATES",
]

COMMON_SCHEMA: dict[str, Any] = {
    "token_uri": GOOGLE_TOKEN_URI,
    "auth_uri": GOOGLE_AUTH_URI,
    "token_file": "",
    "credentials_store": "file",
    "client_secrets_file": "",
    "index_file": "",
    "max_retries": 6,
    "backoff_base": 1.0,
    "backoff_max": 32.0,
    "max_retry_wait": 120.0,
    "timeout": 30.0,
}
"""Settings both sources share (see the package docstring)."""

GMAIL_SCHEMA: dict[str, Any] = {
    "api_base": GMAIL_API,
    **COMMON_SCHEMA,
    "concurrency": 8,
    "page_size": 500,
    "quota_per_second": 250.0,
    "skip_labels": list(DEFAULT_SKIP_LABELS),
    "skip_bulk": True,
    "max_recipients": MAX_RECIPIENTS,
    "checkpoint_every": 100,
}

CALENDAR_SCHEMA: dict[str, Any] = {
    "api_base": CALENDAR_API,
    **COMMON_SCHEMA,
    "calendars": ["primary"],
    "page_size": 250,
    "quota_per_second": 5.0,
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
    for key in ("api_base", "token_uri", "auth_uri"):
        check_http_url(source, cfg, key)


def check_gmail(cfg: dict[str, Any]) -> None:
    """The gmail settings, checked before a sync and by ``crb doctor`` (``Source.check``)."""
    _check_common("gmail", cfg)
    check_range("gmail", cfg, "concurrency", 1, 64)
    check_range("gmail", cfg, "page_size", 1, 500)
    check_range("gmail", cfg, "checkpoint_every", 1)


def check_calendar(cfg: dict[str, Any]) -> None:
    """The google_calendar settings (``Source.check``)."""
    _check_common("google_calendar", cfg)
    check_range("google_calendar", cfg, "page_size", 1, 2500)
    for key in ("past_days", "future_days", "resync_days", "max_attendees"):
        check_range("google_calendar", cfg, key, 0)
