"""Talking to Google's JSON APIs: retries, back-off, rate limiting and Google's error bodies.

One :class:`GoogleApi` per sync, shared by the worker threads:

- every request first takes its quota cost from a :class:`RateLimiter` (Gmail: 250 quota units
  per user per second, ``messages.get`` costs 5, so at most ~50 gets a second);
- ``401`` refreshes the access token once and repeats the request;
- ``429`` and ``403`` ``rateLimitExceeded`` / ``userRateLimitExceeded`` wait as long as Google
  says (``Retry-After``, or the "Retry after <time>" in the message), else back off, and pause
  every other thread too;
- ``5xx``, time-outs and dropped connections back off exponentially with jitter;
- anything else raises :class:`ApiError` with Google's status, reason and message.

Access tokens only ever travel in the ``Authorization`` header; nothing here logs a header.
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

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_AFTER_TEXT = re.compile(r"retry after\s+(\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)",
                               re.IGNORECASE)

Params = dict[str, Any] | list[tuple[str, Any]] | None


class ApiError(CrbError):
    """A Google API call that failed for good: HTTP ``status`` (0 for a network failure),
    Google's ``reason`` (``notFound``, ``fullSyncRequired``...) and message."""

    def __init__(self, status: int, reason: str, message: str, what: str = "") -> None:
        self.status = status
        self.reason = reason
        self.message = message
        self.what = what
        where = f"{what}: " if what else ""
        code = f"HTTP {status}" if status else "network error"
        super().__init__(f"{where}{code} {reason}: {message}".strip())


class AuthError(CrbError):
    """No usable authorisation: never given, revoked, or refused by Google."""


class Stopped(Exception):
    """The sync was cancelled while a request waited."""


def parse_error(response: httpx.Response) -> tuple[str, str]:
    """``(reason, message)`` from a Google error body, old shape (``errors[0].reason``) or new
    (``status`` such as ``RESOURCE_EXHAUSTED``), or from the OAuth endpoint's ``error`` field."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().replace("\n", " ")
        return "", text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return "", str(body)[:200]
    error = body.get("error")
    if isinstance(error, str):  # the OAuth token endpoint: {"error": "invalid_grant", ...}
        return error, str(body.get("error_description") or error)[:300]
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
    now = time.time() if now is None else now
    value = response.headers.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.UTC)
                return max(0.0, when.timestamp() - now)
    m = _RETRY_AFTER_TEXT.search(message or "")
    if m:
        try:
            when = dt.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, when.timestamp() - now)
    return None


class RateLimiter:
    """A token bucket in quota units, shared by threads: ``rate`` units a second, bursts up to
    ``burst`` (one second's worth by default). ``rate <= 0`` means no limit. ``pause(seconds)``
    holds every caller back (after a 429 one thread's wait applies to all)."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(rate, 1.0))
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._stamp = clock()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)

    def acquire(self, cost: float = 1.0) -> float:
        """Take ``cost`` units, sleeping as long as needed; returns the seconds slept."""
        with self._lock:
            now = self.clock()
            wait = max(0.0, self._paused_until - now)
            if self.rate > 0:
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                # Reserve now, pay later: the bucket may go negative, and the caller sleeps until
                # its reservation is covered. Callers are served in the order they arrive.
                self._tokens -= cost
                if self._tokens < 0:
                    wait = max(wait, -self._tokens / self.rate)
        if wait > 0:
            self.sleep(wait)
        return wait


class GoogleApi:
    """JSON GETs and form POSTs against one Google API with the retry rules above."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        token: Callable[[], str] | None = None,
        refresh: Callable[[str], None] | None = None,
        limiter: RateLimiter | None = None,
        max_retries: int = 6,
        backoff_base: float = 1.0,
        backoff_max: float = 32.0,
        max_retry_wait: float = 120.0,
        logger: logging.Logger | None = None,
        stop: threading.Event | None = None,
        label: str = "google",
    ) -> None:
        self.client = client
        self.token = token
        self.refresh = refresh
        self.limiter = limiter or RateLimiter(0)
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = max(0.0, float(backoff_base))
        self.backoff_max = max(self.backoff_base, float(backoff_max))
        self.max_retry_wait = float(max_retry_wait)
        self.log = logger or logging.getLogger("crb.google")
        self.stop = stop or threading.Event()
        self.label = label
        self._count_lock = threading.Lock()
        self.requests = 0
        """Every HTTP request sent (retries included): for the benchmark's requests per item."""
        self.retries = 0

    def _sleep(self, seconds: float) -> None:
        """Pause for ``seconds``, ending within 50 ms when the run is stopped (slices of
        ``time.sleep`` rather than a timed ``Event.wait``: the same here, and it keeps working
        where tests shift the clock, e.g. under libfaketime before 0.9.11, where a timed wait
        never ends)."""
        end = time.monotonic() + seconds
        while not self.stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.05))
        raise Stopped()

    def backoff(self, attempt: int) -> float:
        """Exponential back-off with jitter: between half and all of ``base * 2**attempt``."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def get(self, url: str, params: Params = None, *, cost: float = 1.0, what: str = "") -> Any:
        return self.request("GET", url, params=params, cost=cost, what=what)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Params = None,
        data: dict[str, str] | None = None,
        cost: float = 1.0,
        what: str = "",
        auth: bool = True,
    ) -> Any:
        what = what or url.rsplit("/", 2)[-1]
        attempt = 0
        auth_retries = 0
        while True:
            if self.stop.is_set():
                raise Stopped()
            self.limiter.acquire(cost)
            if self.stop.is_set():
                raise Stopped()
            headers = {}
            token = ""
            if auth and self.token is not None:
                token = self.token()
                headers["Authorization"] = f"Bearer {token}"
            with self._count_lock:
                self.requests += 1
            try:
                response = self.client.request(method, url, params=params, data=data,
                                               headers=headers)
                if 200 <= response.status_code < 300:
                    return response.json()
            except (httpx.TransportError, ValueError) as exc:
                # Time-outs, refused or dropped connections, a body cut short (often shows up
                # as JSON that does not parse): all worth another try.
                if attempt >= self.max_retries:
                    raise ApiError(0, type(exc).__name__, _safe(exc), what) from exc
                wait = self.backoff(attempt)
                attempt += 1
                self._note_retry(what, f"{type(exc).__name__}", wait, attempt)
                self._sleep(wait)
                continue
            status = response.status_code
            reason, message = parse_error(response)
            if status == 401 and auth and self.refresh is not None and auth_retries < 2:
                auth_retries += 1
                self.log.info("%s: %s: access token refused (%s); refreshing it",
                              self.label, what, reason or status)
                self.refresh(token)
                continue
            rate_limited = status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS)
            if (rate_limited or status in RETRY_STATUSES) and attempt < self.max_retries:
                asked = retry_after(response, message)
                wait = asked if asked is not None else self.backoff(attempt)
                if wait > self.max_retry_wait:
                    raise ApiError(status, reason, f"{message} (Google asks to wait {wait:.0f} s, "
                                   f"more than max_retry_wait={self.max_retry_wait:.0f}; the "
                                   "next sync resumes from here)", what)
                if rate_limited:
                    self.limiter.pause(wait)
                attempt += 1
                self._note_retry(what, f"HTTP {status} {reason}".strip(), wait, attempt)
                self._sleep(wait)
                continue
            if status == 401:
                raise AuthError(f"{what}: Google refused the authorisation ({reason or status}: "
                                f"{message}); run `crb auth` again")
            raise ApiError(status, reason, message, what)

    def _note_retry(self, what: str, why: str, wait: float, attempt: int) -> None:
        with self._count_lock:
            self.retries += 1
        self.log.info("%s: %s: %s; retrying in %.2f s (attempt %d of %d)",
                      self.label, what, why, wait, attempt, self.max_retries)


def _safe(exc: BaseException) -> str:
    """An exception's text without anything that could carry a credential (URLs keep no query)."""
    text = str(exc) or type(exc).__name__
    return re.sub(r"(access_token|refresh_token|code|client_secret)=[^&\s]+", r"\1=...", text)[:300]
