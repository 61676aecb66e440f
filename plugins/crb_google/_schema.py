"""The Google sources' settings and the addresses they talk to, in a module that loads nothing
else: listing the sources (``crb review`` names where new people came from) must not load the
HTTP client, which only a sync needs."""

from __future__ import annotations

from typing import Any

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
