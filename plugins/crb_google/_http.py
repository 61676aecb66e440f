"""Talking to Google's JSON APIs: the SDK's retry rules (:mod:`crb_tui.sdk.http`) with Google's
error bodies and rate limits.

One :class:`GoogleApi` per sync, shared by the worker threads:

- every request first takes its quota cost from a :class:`~crb_tui.sdk.http.RateLimiter`
  (Gmail: 250 quota units per user per second, ``messages.get`` costs 5, so at most ~50 gets a
  second);
- ``429`` and ``403`` ``rateLimitExceeded`` / ``userRateLimitExceeded`` wait as long as Google
  says (``Retry-After``, or the "Retry after <time>" in the message), else back off, and pause
  every other thread too;
- ``401`` that a refresh does not cure raises :class:`~crb_tui.sdk.http.AuthError`; anything
  else that is not retried raises :class:`~crb_tui.sdk.http.ApiError` with Google's status,
  reason (as its ``code``) and message.
"""

from __future__ import annotations

import re

import httpx

from crb_tui.sdk import http

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_RETRY_AFTER_TEXT = re.compile(r"retry after\s+(\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)",
                               re.IGNORECASE)

_FRONT_END_PAGE = re.compile(r"Error \d{3} \(.*\)!*1*$")
"""The title of the HTML page Google's front end answers a 502 with: ``Error 502 (Server
Error)!!1``."""


def parse_error(response: httpx.Response) -> tuple[str, str]:
    """``(reason, message)`` from a Google error body, old shape (``errors[0].reason``) or new
    (``status`` such as ``RESOURCE_EXHAUSTED``), or from the OAuth endpoint's ``error`` field;
    for the HTML page Google's front end sends with a 502 or 503, no reason and a line saying
    the error is temporary (never the page's markup)."""
    body = http.error_body(response)
    if isinstance(body, tuple):
        if _FRONT_END_PAGE.match(body[1]):  # the title of Google's own HTML error page
            temporary = response.status_code >= 500
            return "", "Google's server had a temporary error; try again later" if temporary else ""
        return body
    error = body.get("error")
    if not isinstance(error, dict):
        return "", str(body)[:200]
    message = str(error.get("message") or "")
    reason = ""
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        reason = str(errors[0].get("reason") or "")
        message = message or str(errors[0].get("message") or "")
    if not reason:
        reason = str(error.get("status") or "")
    return reason, message[:500]


def retry_after(response: httpx.Response, message: str, now: float | None = None) -> float | None:
    """Seconds Google asks us to wait: the ``Retry-After`` header (seconds or an HTTP date), or
    the ``Retry after 2023-03-07T18:03:15.961Z`` Gmail writes into the message."""
    asked = http.retry_after(response, now)
    if asked is not None:
        return asked
    m = _RETRY_AFTER_TEXT.search(message or "")
    when = http.parse_time(m.group(1)) if m else None
    return None if when is None else http.seconds_until(when, now)


class GoogleApi(http.JsonApi):
    """JSON GETs and form POSTs against one Google API with the retry rules above."""

    service = "Google"
    log_name = "crb.google"

    def parse_error(self, response: httpx.Response) -> tuple[str, str]:
        return parse_error(response)

    def rate_limited(self, status: int, code: str) -> bool:
        return status == 429 or (status == 403 and code in RATE_LIMIT_REASONS)

    def asked_wait(self, response: httpx.Response, message: str) -> float | None:
        return retry_after(response, message)

    def failure(self, status: int, code: str, message: str, what: str, auth: bool) -> Exception:
        if status == 401:
            return http.AuthError(f"{what}: Google refused the authorisation ({code or status}: "
                                  f"{message}); run `crb auth` again")
        return super().failure(status, code, message, what, auth)
