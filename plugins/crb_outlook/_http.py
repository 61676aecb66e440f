"""Talking to Microsoft Graph and the Microsoft identity platform: retries, back-off and their
error bodies.

One :class:`GraphApi` per sync:

- ``401`` refreshes the access token once and repeats the request;
- ``429`` and ``503`` wait as long as ``Retry-After`` says (else back off), and so do ``500``,
  ``502``, ``504``, time-outs and dropped connections (exponential back-off with jitter);
- anything else raises :class:`ApiError` with the HTTP status and Graph's ``error.code`` and
  ``error.message`` (``{"error": {"code": ..., "message": ...}}``), or the identity platform's
  ``error`` / ``error_description``.

Access tokens only ever travel in the ``Authorization`` header; nothing here logs a header or
a query string (delta links carry state tokens, never credentials, but stay out of logs too).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from crb_tui.sdk import CrbError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ApiError(CrbError):
    """A call that failed for good: HTTP ``status`` (0 for a network failure), the error
    ``code`` (``syncStateNotFound``, ``invalid_grant``...) and its message."""

    def __init__(self, status: int, code: str, message: str, what: str = "") -> None:
        self.status = status
        self.code = code
        self.message = message
        self.what = what
        where = f"{what}: " if what else ""
        http = f"HTTP {status}" if status else "network error"
        super().__init__(f"{where}{http} {code}: {message}".strip())


class AuthError(CrbError):
    """No usable authorisation: never given, revoked, or refused by Microsoft."""


class Stopped(Exception):
    """The sync was cancelled while a request waited."""


def parse_error(response: httpx.Response) -> tuple[str, str]:
    """``(code, message)`` from a Graph error body or an identity platform one."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().replace("\n", " ")
        return "", text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return "", str(body)[:200]
    error = body.get("error")
    if isinstance(error, str):  # login.microsoftonline.com: {"error": "...", ...}
        return error, str(body.get("error_description") or error).splitlines()[0][:300]
    if isinstance(error, dict):
        return str(error.get("code") or ""), str(error.get("message") or "")[:500]
    return "", str(body)[:200]


def retry_after(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds the ``Retry-After`` header asks for (seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class GraphApi:
    """JSON GETs and form POSTs with the retry rules above."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        token: Callable[[], str] | None = None,
        refresh: Callable[[str], None] | None = None,
        max_retries: int = 6,
        backoff_base: float = 1.0,
        backoff_max: float = 32.0,
        max_retry_wait: float = 120.0,
        headers: dict[str, str] | None = None,
        logger: logging.Logger | None = None,
        stop: threading.Event | None = None,
        cancelled: Callable[[], bool] | None = None,
        label: str = "microsoft",
    ) -> None:
        self.client = client
        self.token = token
        self.refresh = refresh
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = max(0.0, float(backoff_base))
        self.backoff_max = max(self.backoff_base, float(backoff_max))
        self.max_retry_wait = float(max_retry_wait)
        self.headers = dict(headers or {})
        self.log = logger or logging.getLogger("crb.outlook")
        self.stop = stop or threading.Event()
        self.cancelled = cancelled or (lambda: False)
        self.label = label
        self.requests = 0
        """Every HTTP request sent (retries included): for the benchmark's requests per item."""
        self.retries = 0

    def sleep(self, seconds: float) -> None:
        """Pause, ending within 50 ms when the run is stopped or cancelled (the Sync screen's
        cancel during a long ``Retry-After``); slices of ``time.sleep``, which keep working
        where tests shift the clock with libfaketime."""
        end = time.monotonic() + seconds
        while not self.stop.is_set() and not self.cancelled():
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.05))
        raise Stopped()

    def backoff(self, attempt: int) -> float:
        """Between half and all of ``base * 2**attempt``, at most ``backoff_max``."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def get(self, url: str, params: dict[str, str] | None = None, *, what: str = "") -> Any:
        return self.request("GET", url, params=params, what=what)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        what: str = "",
        auth: bool = True,
    ) -> Any:
        what = what or url.split("?", 1)[0].rsplit("/", 2)[-1]
        attempt = 0
        auth_retries = 0
        while True:
            if self.stop.is_set():
                raise Stopped()
            headers = dict(self.headers) if auth else {}
            token = ""
            if auth and self.token is not None:
                token = self.token()
                headers["Authorization"] = f"Bearer {token}"
            self.requests += 1
            try:
                response = self.client.request(method, url, params=params, data=data,
                                               headers=headers)
                if 200 <= response.status_code < 300:
                    return response.json()
            except (httpx.TransportError, ValueError) as exc:
                # Time-outs, refused or dropped connections, a body cut short (JSON that
                # does not parse): all worth another try.
                if attempt >= self.max_retries:
                    raise ApiError(0, type(exc).__name__, _safe(exc), what) from exc
                wait = self.backoff(attempt)
                attempt += 1
                self._note_retry(what, type(exc).__name__, wait, attempt)
                self.sleep(wait)
                continue
            status = response.status_code
            code, message = parse_error(response)
            if status == 401 and auth and self.refresh is not None and auth_retries < 2:
                auth_retries += 1
                self.log.info("%s: %s: access token refused (%s); refreshing it",
                              self.label, what, code or status)
                self.refresh(token)
                continue
            if status in RETRY_STATUSES and attempt < self.max_retries:
                asked = retry_after(response)
                wait = asked if asked is not None else self.backoff(attempt)
                if wait > self.max_retry_wait:
                    raise ApiError(status, code, f"{message} (Microsoft asks to wait {wait:.0f} "
                                   f"s, more than max_retry_wait={self.max_retry_wait:.0f}; the "
                                   "next sync resumes from here)", what)
                attempt += 1
                self._note_retry(what, f"HTTP {status} {code}".strip(), wait, attempt)
                self.sleep(wait)
                continue
            if status == 401 and auth:
                raise AuthError(f"{what}: Microsoft refused the authorisation ({code or status}: "
                                f"{message}); run `crb auth microsoft` again")
            if status == 403 and auth:
                raise AuthError(f"{what}: Microsoft denied access ({code or status}: {message}); "
                                "the app registration may lack the Mail.ReadBasic or "
                                "Calendars.Read permission, or an administrator's consent: "
                                "grant it, then run `crb auth microsoft` again")
            raise ApiError(status, code, message, what)

    def _note_retry(self, what: str, why: str, wait: float, attempt: int) -> None:
        self.retries += 1
        self.log.info("%s: %s: %s; retrying in %.2f s (attempt %d of %d)",
                      self.label, what, why, wait, attempt, self.max_retries)


def _safe(exc: BaseException) -> str:
    """An exception's text without anything that could carry a credential or a state token."""
    text = str(exc) or type(exc).__name__
    text = re.sub(r"(access_token|refresh_token|device_code|code|\$deltatoken|\$skiptoken)"
                  r"=[^&\s]+", r"\1=...", text)
    return text[:300]
