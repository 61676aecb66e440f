"""crb_tui.sdk.http as a plugin author uses it: a JsonApi subclass for a made-up API, driven by
httpx's MockTransport (the Google and Microsoft sources test it against their fake servers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from crb_tui.sdk.http import ApiError, AuthError, JsonApi, Stopped


class AcmeApi(JsonApi):
    service = "Acme"

    def failure(self, status: int, code: str, message: str, what: str, auth: bool) -> Exception:
        if status == 403:
            return AuthError(f"{what}: Acme said no ({code})")
        return super().failure(status, code, message, what, auth)


def acme(answers: list[httpx.Response | Exception], seen: list[httpx.Request],
         **options: Any) -> AcmeApi:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = httpx.Client(transport=httpx.MockTransport(handle))
    return AcmeApi(client, backoff_base=0.01, backoff_max=0.02, **options)


def test_a_503_is_retried_as_retry_after_says_and_a_401_refreshes_the_token() -> None:
    seen: list[httpx.Request] = []
    tokens = ["old"]
    refused: list[str] = []

    def refresh(token: str) -> None:
        refused.append(token)
        tokens.append("new")

    api = acme([httpx.Response(503, headers={"Retry-After": "0"}),
                httpx.Response(401, json={"error": {"code": "expired", "message": "Expired"}}),
                httpx.Response(200, json={"items": [1]})],
               seen, token=lambda: tokens[-1], refresh=refresh, headers={"Prefer": "x"})
    assert api.get("https://acme.test/v1/items", {"q": "a"}) == {"items": [1]}
    assert (api.requests, api.retries, refused) == (3, 1, ["old"])
    assert [r.headers["Authorization"] for r in seen] == ["Bearer old"] * 2 + ["Bearer new"]
    assert all(r.headers["Prefer"] == "x" for r in seen)


def test_what_is_not_retried_raises_one_line_without_secrets() -> None:
    seen: list[httpx.Request] = []
    api = acme([httpx.Response(404, json={"error": {"code": "notFound", "message": "No such"}}),
                httpx.Response(403, json={"error": {"code": "forbidden"}}),
                httpx.Response(429, headers={"Retry-After": "3600"}),
                httpx.ConnectError("refused: https://acme.test/token?code=SECRET&x=1")],
               seen, max_retries=0)
    with pytest.raises(ApiError, match="^items: HTTP 404 notFound: No such$") as found:
        api.get("https://acme.test/v1/items")
    assert (found.value.status, found.value.code) == (404, "notFound")
    with pytest.raises(AuthError, match="Acme said no"):
        api.get("https://acme.test/v1/items")
    api.max_retries = 1
    with pytest.raises(ApiError, match="Acme asks to wait 3600 s, more than max_retry_wait=120"):
        api.get("https://acme.test/v1/items")
    api.max_retries = 0
    with pytest.raises(ApiError) as lost:
        api.request("POST", "https://acme.test/token", data={"code": "SECRET"}, auth=False)
    assert lost.value.status == 0 and "SECRET" not in str(lost.value)
    assert "code=..." in str(lost.value)
    assert len(seen) == 4


@pytest.mark.parametrize("how", ["stop", "cancel"])
def test_a_long_wait_ends_soon_after_the_run_is_stopped(how: str) -> None:
    stop = threading.Event()
    cancel = threading.Event()
    seen: list[httpx.Request] = []
    api = acme([httpx.Response(429, headers={"Retry-After": "60"})], seen,
               stop=stop, cancelled=cancel.is_set)
    flag: Callable[[], None] = stop.set if how == "stop" else cancel.set
    # A thread that sleeps, not threading.Timer: a Timer waits on an Event, which libfaketime
    # before 0.9.11 never ends under a shifted clock (faketime -f '+400d').
    threading.Thread(target=lambda: (time.sleep(0.2), flag()), daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Stopped):
        api.get("https://acme.test/v1/items")
    assert time.monotonic() - started < 2
    assert len(seen) == 1


def test_a_long_wait_is_told_to_on_wait_and_a_short_one_is_not() -> None:
    """What the source shows on its progress line (``on_wait=ctx.status``): a wait longer than
    SHOWN_WAIT, said before it starts; here the run is cancelled as soon as it is said."""
    cancel = threading.Event()
    told: list[str] = []

    def on_wait(text: str) -> None:
        told.append(text)
        cancel.set()

    seen: list[httpx.Request] = []
    api = acme([httpx.Response(503, headers={"Retry-After": "0"}),
                httpx.Response(200, json={}),
                httpx.Response(429, headers={"Retry-After": "90"})],
               seen, cancelled=cancel.is_set, on_wait=on_wait)
    assert api.get("https://acme.test/v1/items") == {} and not told  # 0 s: nothing said
    with pytest.raises(Stopped):
        api.get("https://acme.test/v1/items")
    assert told == ["waiting 90 s: Acme asks to (rate limit)"] and len(seen) == 3


def test_times_and_waits_as_apis_write_them() -> None:
    import datetime as dt

    from crb_tui.sdk.http import parse_time, retry_after, seconds_until

    utc = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    assert parse_time("2026-05-01T09:30:00Z") == utc
    assert parse_time("2026-05-01T11:30:00+02:00") == utc
    assert parse_time("2026-05-01T09:30:00") == utc  # no zone: UTC
    assert [parse_time(v) for v in ("", "soon", None, 17)] == [None] * 4
    assert seconds_until(utc, now=utc.timestamp() - 12) == 12
    assert seconds_until(utc, now=utc.timestamp() + 12) == 0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None


GOOGLE_502_PAGE = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error 502 (Server Error)!!1</title>
  <style>
    *{margin:0;padding:0}html,code{font:15px/22px arial,sans-serif}
  </style>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>502.</b> <ins>That’s an error.</ins>
  <p>The server encountered a temporary error and could not complete your request.
"""


def failed(answer: httpx.Response, **options: Any) -> str:
    """The one line a call that got ``answer`` (and nothing better on retrying) fails with."""
    api = acme([answer], [], max_retries=0, **options)
    with pytest.raises(ApiError) as raised:
        api.get("https://acme.test:8443/v1/items")
    return str(raised.value)


def test_an_error_without_a_code_says_the_reason_phrase_and_never_markup() -> None:
    assert failed(httpx.Response(500, json={"error": {"code": 500, "message": "Backend Error"}})
                  ) == "items: HTTP 500 Internal Server Error: Backend Error"
    assert failed(httpx.Response(502, text=GOOGLE_502_PAGE,
                                 headers={"Content-Type": "text/html; charset=UTF-8"})
                  ) == "items: HTTP 502 Bad Gateway: Error 502 (Server Error)!!1"
    assert failed(httpx.Response(503, text="<html><body><h1>503</h1></body></html>")
                  ) == "items: HTTP 503 Service Unavailable"
    assert failed(httpx.Response(504, text="upstream timed out\n\x1b[31mtry later\n")
                  ) == "items: HTTP 504 Gateway Timeout: upstream timed out ^[[31mtry later"
    long = failed(httpx.Response(500, text="x" * 5000))
    assert len(long) < 260 and long.endswith("…")
    assert failed(httpx.Response(599)) == "items: HTTP 599"


def test_an_answer_that_is_not_a_json_object_says_so_with_the_call() -> None:
    assert failed(httpx.Response(200, json=[1, 2, 3])) == (
        "items: the answer is not what the Acme API sends (a JSON list where an object was "
        "expected)")
    page = "<html><head><title>Sign in to the Wi-Fi</title></head></html>"
    assert failed(httpx.Response(200, text=page)) == (
        "items: the answer is not what the Acme API sends (not JSON: 'Sign in to the Wi-Fi')")
    assert failed(httpx.Response(200)) == (
        "items: the answer is not what the Acme API sends (not JSON: an empty body)")


def test_a_network_error_names_the_host() -> None:
    assert failed(httpx.ReadTimeout("timed out")) == (
        "items: network error talking to acme.test:8443: timed out (ReadTimeout)")
    assert failed(httpx.ConnectError("")) == (
        "items: network error talking to acme.test:8443: ConnectError")
