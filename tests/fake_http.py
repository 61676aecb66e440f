"""What the fake web APIs of the tests share (:mod:`tests.google_server`,
:mod:`tests.graph_server`): a threaded HTTP server on 127.0.0.1, the log of every request,
switchable faults and the tokens handed out.

A fake is a :class:`FakeApi` whose subclass answers requests (:meth:`FakeApi.answer`) and says
how its API writes JSON and error bodies (:meth:`FakeApi.json`, :meth:`FakeApi.error_body`).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], bytes]
"""Status, headers and body of an answer."""


@dataclass
class Fault:
    """``match``: a fragment of the path (ending in ``$``: the end of the path).

    ``kind``: ``status`` (HTTP ``status`` with the API's error body for ``reason``, optional
    ``retry_after`` header and ``message``; or with ``body`` as it is, of ``content_type``: an
    HTML page, or a 200 that is not what the API sends), ``slow`` (wait ``delay`` then
    answer), ``drop`` (send the headers and half the body, then close), ``reset`` (close
    without answering), ``expire_token`` (every access token dies; the request then gets 401).

    It lets the first ``after`` matching requests through, then hits ``times`` of them (-1:
    all); when several faults could hit one request, the first one added does (the others
    still count it)."""

    match: str
    kind: str = "status"
    status: int = 500
    reason: str = ""
    retry_after: str | None = None
    message: str | None = None
    delay: float = 0.0
    body: bytes | None = None
    content_type: str = "text/html; charset=UTF-8"
    times: int = 1
    after: int = 0
    seen: int = 0
    hits: int = 0


@dataclass
class Logged:
    at: float
    method: str
    path: str
    query: dict[str, list[str]]
    status: int = 0
    fault: str = ""


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None, *,
                content_type: str = "application/json; charset=UTF-8") -> Answer:
    return status, {"Content-Type": content_type, **(headers or {})}, json.dumps(body).encode()


def matches(fragment: str, path: str) -> bool:
    return path.endswith(fragment[:-1]) if fragment.endswith("$") else fragment in path


def private_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON readable by the owner only, as ``crb auth`` does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    return path


class FakeApi:
    """A fake API on 127.0.0.1 (``start()`` or ``with``): every request is logged in
    ``requests`` before it is answered, may be hit by a :class:`Fault`, and waits ``latency``
    seconds first where :meth:`slowed` says. ``access_tokens`` and ``refresh_tokens`` map the
    tokens handed out to what they grant."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.lock = threading.RLock()
        self.access_tokens: dict[str, Any] = {}
        self.refresh_tokens: dict[str, Any] = {}
        self.refreshes = 0
        self.requests: list[Logged] = []
        self.faults: list[Fault] = []
        self._counter = 0
        self._server: ThreadingHTTPServer | None = None

    # -- what a fake API says ----------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, list[str]], form: dict[str, str],
               headers: dict[str, str]) -> Answer:
        raise NotImplementedError

    def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
        return json_answer(status, body, headers)

    def error_body(self, status: int, reason: str, message: str | None) -> Any:
        raise NotImplementedError

    def slowed(self, path: str) -> bool:
        """Whether a request for ``path`` waits ``latency`` (the API's calls, not sign-in)."""
        return True

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out and left: nothing to report

        class Handler(_Handler):
            api = fake

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- tokens and faults --------------------------------------------------------------------

    def _next(self, prefix: str) -> str:
        """A new token starting with ``prefix``, never handed out before."""
        with self.lock:
            self._counter += 1
            noise = hashlib.sha1(str(self._counter).encode()).hexdigest()[:12]
            return f"{prefix}{self._counter:06d}{noise}"

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def fault(self, match: str, kind: str = "status", **kwargs: Any) -> Fault:
        f = Fault(match=match, kind=kind, **kwargs)
        with self.lock:
            self.faults.append(f)
        return f

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            chosen = None
            for f in self.faults:
                if not matches(f.match, path):
                    continue
                f.seen += 1
                if chosen is None and f.seen > f.after and (f.times < 0 or f.hits < f.times):
                    chosen = f
            if chosen is not None:
                chosen.hits += 1
            return chosen

    def calls(self, fragment: str) -> list[Logged]:
        """Requests whose path contains ``fragment`` (ending in ``$``: ends with it)."""
        with self.lock:
            return [r for r in self.requests if matches(fragment, r.path)]


class _Handler(BaseHTTPRequestHandler):
    api: FakeApi
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.api
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()} if raw else {}
        logged = Logged(time.monotonic(), method, parts.path, query)
        with fake.lock:
            fake.requests.append(logged)
        fault = fake._take_fault(parts.path)
        if fake.latency and fake.slowed(parts.path):
            time.sleep(fake.latency)
        if fault is not None:
            logged.fault = fault.kind
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "expire_token":
                fake.expire_access_tokens()
            elif fault.kind == "reset":
                self._reset()
                return
            elif fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                if fault.body is not None:
                    headers["Content-Type"] = fault.content_type
                    self._send(fault.status, headers, fault.body, logged)
                    return
                body = fake.error_body(fault.status, fault.reason, fault.message)
                self._send(*fake.json(fault.status, body, headers), logged)
                return
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, body = fake.answer(method, parts.path, query, form, headers)
        if fault is not None and fault.kind == "drop":
            self._send(status, out_headers, body, logged, cut=max(1, len(body) // 2))
            return
        self._send(status, out_headers, body, logged)

    def _send(self, status: int, headers: dict[str, str], body: bytes, logged: Logged,
              cut: int | None = None) -> None:
        logged.status = status
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:cut])
        self.wfile.flush()
        self._reset()

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
