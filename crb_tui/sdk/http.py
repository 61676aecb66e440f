"""JSON web APIs for sources that sync over HTTP (Google, Microsoft Graph): one way to retry,
back off, honour ``Retry-After``, refresh a refused token, stop when the run is cancelled, and
turn a failure into one line for the user.

- :class:`JsonApi`: JSON GETs and form POSTs with these rules:

  - ``401`` calls ``refresh(token)`` (up to twice) and repeats the request;
  - ``429`` (and whatever :meth:`JsonApi.rate_limited` says), ``500``, ``502``, ``503`` and
    ``504`` wait as long as the server asks (:meth:`JsonApi.asked_wait`, by default the
    ``Retry-After`` header), else back off exponentially with jitter; a rate limit also pauses
    the shared :class:`RateLimiter` where there is one, so every thread waits; a wait over
    ``max_retry_wait`` fails at once (the next sync resumes);
  - time-outs, dropped connections and bodies cut short back off too;
  - anything else raises what :meth:`JsonApi.failure` returns: :class:`ApiError` by default, an
    :class:`AuthError` where an API says the authorisation is at fault;
  - a 2xx answer that is not a JSON object raises :class:`UnexpectedAnswer` (one that is not
    JSON at all is first retried, as a body cut short);
  - every wait ends within 50 ms of ``stop`` being set or ``cancelled()`` turning true, with
    :class:`Stopped`; one longer than :data:`SHOWN_WAIT` is told to ``on_wait(text)`` first
    (``waiting 90 s: Google asks to (rate limit)``; pass ``ctx.status``), and ``on_wait("")``
    once it is over.

  A subclass names its ``service`` (for messages) and, where the API has its own error bodies,
  overrides :meth:`JsonApi.parse_error`.
- :func:`parse_error`: ``(code, message)`` from an error body: the OAuth 2.0 token endpoint's
  ``{"error": "invalid_grant", "error_description": ...}``, or ``{"error": {"code": ...,
  "message": ...}}`` (Microsoft Graph's, and many others'), or the text (:func:`page_text`: an
  HTML page's title, never its markup; anything else on one line, cut).
- :func:`retry_after`: the seconds a ``Retry-After`` header asks for; :func:`seconds_until` a
  time; :func:`parse_time` reads a time as JSON APIs write it.
- :func:`retry_settings`: a source's retry settings, checked, for :class:`JsonApi`.

Access tokens only ever travel in the ``Authorization`` header; nothing here logs a header or a
query string, and a network error's text is cleared of tokens and codes before it is shown.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, ClassVar

import httpx

from crb_tui.clock import wall_time
from crb_tui.config import check_range
from crb_tui.errors import CrbError
from crb_tui.text import plain, shorten

__all__ = [
    "RETRY_STATUSES",
    "SHOWN_WAIT",
    "ApiError",
    "AuthError",
    "JsonApi",
    "Params",
    "RateLimiter",
    "Stopped",
    "UnexpectedAnswer",
    "error_body",
    "page_text",
    "parse_error",
    "parse_time",
    "retry_after",
    "retry_settings",
    "seconds_until",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Params = dict[str, Any] | list[tuple[str, Any]] | None


class ApiError(CrbError):
    """A call that failed for good: HTTP ``status`` (0 for a network failure), the API's error
    ``code`` (``notFound``, ``syncStateNotFound``, ``invalid_grant``...), its ``message``,
    ``what`` was asked and, for a network failure, the ``host`` that could not be reached."""

    def __init__(self, status: int, code: str, message: str, what: str = "", *,
                 host: str = "") -> None:
        self.status = status
        self.code = code
        self.message = message
        self.what = what
        where = f"{what}: " if what else ""
        if not status:  # network error talking to gmail.googleapis.com: timed out (ReadTimeout)
            to = f" talking to {host}" if host else ""
            kind = f" ({code})" if code and code != message else ""
            super().__init__(f"{where}network error{to}: {message or code}{kind}")
            return
        # HTTP 503 UNAVAILABLE: ...; without the API's code, the reason phrase: HTTP 502 Bad
        # Gateway (never "HTTP 500 : ...").
        head = f"HTTP {status} {code or _phrase(status)}".strip()
        super().__init__(f"{where}{head}: {message}" if message else f"{where}{head}")


class UnexpectedAnswer(ApiError):
    """A 2xx answer that is not what the API sends: not JSON, or JSON but not an object."""

    def __init__(self, status: int, what: str, api: str, why: str) -> None:
        self.status = status
        self.code = ""
        self.message = why
        self.what = what
        where = f"{what}: " if what else ""
        CrbError.__init__(self, f"{where}the answer is not what {api} sends ({why})")


def _phrase(status: int) -> str:
    """``Bad Gateway`` for 502; "" for a status HTTP does not name."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class AuthError(CrbError):
    """No usable authorisation: never given, revoked, or refused by the service."""


class Stopped(Exception):
    """The sync was stopped or cancelled while a request waited."""


def parse_error(response: httpx.Response) -> tuple[str, str]:
    """``(code, message)`` from an error response: an OAuth 2.0 ``error`` and the first line of
    its ``error_description``, ``error.code`` and ``error.message``, or the body's text."""
    body = error_body(response)
    if isinstance(body, tuple):
        return body
    error = body.get("error")
    if isinstance(error, dict):  # (a number in "code" is the HTTP status again: no code)
        code = error.get("code")
        return (code if isinstance(code, str) else ""), str(error.get("message") or "")[:500]
    return "", str(body)[:200]


def error_body(response: httpx.Response) -> dict[str, Any] | tuple[str, str]:
    """The JSON object of an error response for an API's own parsing, or ``(code, message)``
    already: ``("", text)`` for a body that is no JSON object (:func:`page_text`: an HTML
    page's title, never its markup), an OAuth 2.0 error for one that has a string ``error``."""
    try:
        body = response.json()
    except ValueError:
        return "", page_text(response.text)
    if not isinstance(body, dict):
        return "", page_text(str(body))
    error = body.get("error")
    if isinstance(error, str):  # a token endpoint: {"error": "invalid_grant", ...}
        lines = str(body.get("error_description") or error).splitlines() or [error]
        return error, lines[0][:300]
    return body


_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_MARKUP = re.compile(r"^\s*<|<html\b|<body\b", re.IGNORECASE)


def page_text(text: str, limit: int = 200) -> str:
    """A body that is not the API's JSON as one line for an error message: an HTML page's
    ``<title>`` (a proxy's or a front end's "502 Bad Gateway" page; "" when it has none), never
    its markup; any other text on one line, without control characters, cut to ``limit``."""
    if _MARKUP.search(text):
        found = _TITLE.search(text)
        text = html.unescape(found.group(1)) if found else ""
    return shorten(plain(" ".join(text.split())), limit)


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
    return seconds_until(when, now)


def parse_time(value: Any) -> dt.datetime | None:
    """An RFC 3339 time as JSON APIs write it (``2026-05-01T09:30:00.123Z``, an offset, or no
    zone: then UTC), aware; None for anything else (not a string, empty, not a time)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def seconds_until(when: dt.datetime, now: float | None = None) -> float:
    """Seconds from ``now`` (a timestamp, by default the wall clock) to ``when`` (UTC when it
    has no zone), at least 0."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (wall_time() if now is None else now))


def retry_settings(source: str, settings: dict[str, Any]) -> dict[str, Any]:
    """A source's ``max_retries``, ``backoff_base``, ``backoff_max`` and ``max_retry_wait``
    settings as :class:`JsonApi` takes them, after checking them and ``timeout`` (a
    :class:`CrbError` naming a setting out of range)."""
    for key in ("max_retries", "backoff_base", "backoff_max", "max_retry_wait"):
        check_range(source, settings, key, 0)
    check_range(source, settings, "timeout", 0.01)
    return {"max_retries": int(settings["max_retries"]),
            "backoff_base": float(settings["backoff_base"]),
            "backoff_max": float(settings["backoff_max"]),
            "max_retry_wait": float(settings["max_retry_wait"])}


SHOWN_WAIT = 5.0
"""Seconds beyond which :class:`JsonApi` says that it waits (``on_wait``)."""


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


class JsonApi:
    """JSON GETs and form POSTs against one API with the retry rules above; one per sync,
    shared by its threads. ``token()`` gives the access token for the ``Authorization``
    header, ``refresh(refused_token)`` gets a new one; ``headers`` go with every authorised
    request; ``requests`` and ``retries`` count what was sent."""

    service: ClassVar[str] = "the server"
    """Who answers, for messages: "Google asks to wait 300 s"."""
    log_name: ClassVar[str] = "crb.http"
    """The logger used when none is given."""
    api: str = ""
    """The API's name, for messages: "Gmail" (by default :attr:`service`)."""

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
        headers: dict[str, str] | None = None,
        logger: logging.Logger | None = None,
        stop: threading.Event | None = None,
        cancelled: Callable[[], bool] | None = None,
        on_wait: Callable[[str], None] | None = None,
        label: str = "",
    ) -> None:
        self.client = client
        self.token = token
        self.refresh = refresh
        self.limiter = limiter
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = max(0.0, float(backoff_base))
        self.backoff_max = max(self.backoff_base, float(backoff_max))
        self.max_retry_wait = float(max_retry_wait)
        self.headers = dict(headers or {})
        self.log = logger or logging.getLogger(self.log_name)
        self.stop = stop or threading.Event()
        self.cancelled = cancelled or (lambda: False)
        self.on_wait = on_wait
        self.label = label or self.service.lower()
        self._count_lock = threading.Lock()
        self.requests = 0
        """Every HTTP request sent (retries included): for the benchmark's requests per item."""
        self.retries = 0

    # -- what an API may say differently ---------------------------------------------------

    def parse_error(self, response: httpx.Response) -> tuple[str, str]:
        """``(code, message)`` of an error response (by default :func:`parse_error`)."""
        return parse_error(response)

    def rate_limited(self, status: int, code: str) -> bool:
        """Whether an answer says "too many requests" (all threads then pause)."""
        return status == 429

    def asked_wait(self, response: httpx.Response, message: str) -> float | None:
        """Seconds the server asks to wait before the next try (by default ``Retry-After``)."""
        return retry_after(response)

    def failure(self, status: int, code: str, message: str, what: str, auth: bool) -> Exception:
        """The error to raise for an answer that is not retried (by default :class:`ApiError`;
        an :class:`AuthError` where the authorisation is at fault)."""
        return ApiError(status, code, message, what)

    # -- the rules -------------------------------------------------------------------------

    def sleep(self, seconds: float) -> None:
        """Pause for ``seconds``, ending within 50 ms when the run is stopped or cancelled (a
        cancel during a long ``Retry-After``), with :class:`Stopped`. Slices of ``time.sleep``
        rather than a timed ``Event.wait``: they keep working where tests shift the clock, e.g.
        under libfaketime before 0.9.11, where a timed wait never ends."""
        end = time.monotonic() + seconds
        while not self.stop.is_set() and not self.cancelled():
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.05))
        raise Stopped()

    def backoff(self, attempt: int) -> float:
        """Exponential back-off with jitter: between half and all of ``base * 2**attempt``, at
        most ``backoff_max``."""
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
        """The JSON object of a 2xx answer. ``cost`` is taken from the rate limiter first; ``what``
        names the call in messages (by default the URL's last two segments); ``auth=False``
        sends neither the token nor ``headers`` (a token endpoint)."""
        what = what or url.split("?", 1)[0].rsplit("/", 2)[-1]
        attempt = 0
        auth_retries = 0
        while True:
            if self.stop.is_set():
                raise Stopped()
            if self.limiter is not None:
                self.limiter.acquire(cost)
                if self.stop.is_set():
                    raise Stopped()
            headers = dict(self.headers) if auth else {}
            token = ""
            if auth and self.token is not None:
                token = self.token()
                headers["Authorization"] = f"Bearer {token}"
            with self._count_lock:
                self.requests += 1
            response = None
            try:
                response = self.client.request(method, url, params=params, data=data,
                                               headers=headers)
                if 200 <= response.status_code < 300:
                    return self._answer(response, what)
            except (httpx.TransportError, ValueError) as exc:
                # Time-outs, refused or dropped connections, a body cut short (often shows up
                # as JSON that does not parse): all worth another try.
                if attempt >= self.max_retries:
                    if isinstance(exc, ValueError) and response is not None:
                        raise self._not_json(response, what) from exc
                    raise ApiError(0, type(exc).__name__, _safe(exc), what,
                                   host=_host(url)) from exc
                wait = self.backoff(attempt)
                attempt += 1
                self._note_retry(what, type(exc).__name__, wait, attempt)
                self._wait(wait, f"then trying again ({type(exc).__name__})")
                continue
            status = response.status_code
            code, message = self.parse_error(response)
            if status == 401 and auth and self.refresh is not None and auth_retries < 2:
                auth_retries += 1
                self.log.info("%s: %s: access token refused (%s); refreshing it",
                              self.label, what, code or status)
                self.refresh(token)
                continue
            rate_limited = self.rate_limited(status, code)
            if (rate_limited or status in RETRY_STATUSES) and attempt < self.max_retries:
                asked = self.asked_wait(response, message)
                wait = asked if asked is not None else self.backoff(attempt)
                if wait > self.max_retry_wait:
                    raise ApiError(status, code, f"{message} ({self.service} asks to wait "
                                   f"{wait:.0f} s, more than max_retry_wait="
                                   f"{self.max_retry_wait:.0f}; the next sync resumes from here)",
                                   what)
                if rate_limited and self.limiter is not None:
                    self.limiter.pause(wait)
                attempt += 1
                self._note_retry(what, f"HTTP {status} {code}".strip(), wait, attempt)
                why = "rate limit" if rate_limited else f"HTTP {status}"
                self._wait(wait, f"{self.service} asks to ({why})" if asked is not None
                           else f"then trying again ({why})")
                continue
            raise self.failure(status, code, message, what, auth)

    def _answer(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """The JSON object of a 2xx answer (a ``ValueError`` when it is not JSON: retried, as a
        body cut short may be); :class:`UnexpectedAnswer` when it is JSON but no object, which
        no JSON API this serves sends."""
        body = response.json()
        if not isinstance(body, dict):
            kind = _JSON_KINDS.get(type(body), type(body).__name__)
            raise UnexpectedAnswer(response.status_code, what, self.api_name,
                                   f"a JSON {kind} where an object was expected")
        return body

    def _not_json(self, response: httpx.Response, what: str) -> UnexpectedAnswer:
        text = page_text(response.text, 80)
        return UnexpectedAnswer(response.status_code, what, self.api_name,
                                f"not JSON: {text!r}" if text else "not JSON: an empty body")

    @property
    def api_name(self) -> str:
        """The API in messages: "the Gmail API" (``api``), by default "the Google API"."""
        return f"the {self.api or self.service} API"

    def _wait(self, seconds: float, why: str) -> None:
        """:meth:`sleep`, said to ``on_wait`` when it is long: ``waiting 90 s: <why>``."""
        tell = self.on_wait if seconds > SHOWN_WAIT else None
        if tell is not None:
            tell(f"waiting {seconds:.0f} s: {why}")
        self.sleep(seconds)
        if tell is not None:
            tell("")

    def _note_retry(self, what: str, why: str, wait: float, attempt: int) -> None:
        with self._count_lock:
            self.retries += 1
        self.log.info("%s: %s: %s; retrying in %.2f s (attempt %d of %d)",
                      self.label, what, why, wait, attempt, self.max_retries)


_JSON_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


def _host(url: str) -> str:
    """The host (and port) a URL names, for a network error's message."""
    return httpx.URL(url).netloc.decode("ascii", "replace") if "://" in url else ""


_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")
_SECRETS = re.compile(r"(access_token|refresh_token|device_code|code|client_secret|"
                      r"\$deltatoken|\$skiptoken)=[^&\s]+")


def _safe(exc: BaseException) -> str:
    """An exception's text without anything that could carry a credential or a state token
    (URLs keep no query values of those names)."""
    text = _ERRNO.sub("", str(exc).strip())  # "[Errno 111] Connection refused"
    return _SECRETS.sub(r"\1=...", text or type(exc).__name__)[:300]
