"""A real Radicale CalDAV server for the tests, in a thread on 127.0.0.1 (a free port), with its
storage in a temp folder and plain htpasswd users; every request is logged (method, path,
Depth, body) so tests can check what a sync asked for."""

from __future__ import annotations

import io
import logging
import socketserver
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

USERS = {"alice": "wonderland", "bob": "builder"}


@dataclass
class Request:
    method: str
    path: str
    depth: str | None
    body: str

    def hrefs(self) -> int:
        return self.body.count("<D:href>") + self.body.count("<href>")


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class Radicale:
    def __init__(self, root: Path, users: dict[str, str] | None = None) -> None:
        self.root = root
        self.users = dict(users or USERS)
        self.requests: list[Request] = []
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._log_level: int | None = None
        self.faults: dict[tuple[str, str], int] = {}
        """``(method, path) -> HTTP status`` answered instead of Radicale's (fault injection)."""

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_port}/"

    def start(self) -> Radicale:
        import radicale
        from radicale import config

        self.root.mkdir(parents=True, exist_ok=True)
        users = self.root / "users"
        users.write_text("".join(f"{u}:{p}\n" for u, p in self.users.items()), encoding="utf-8")
        cfg = config.load()
        cfg.update({
            # Radicale drops sync-tokens whose file is older than this by the wall clock; the
            # files' times are the real ones, so a suite run under a shifted clock (a date
            # months away) would see every token as stale. Tokens here live as long as a test.
            "storage": {"filesystem_folder": str(self.root / "collections"),
                        "max_sync_token_age": str(100 * 365 * 86400)},
            "auth": {"type": "htpasswd", "htpasswd_filename": str(users),
                     "htpasswd_encryption": "plain", "delay": "0"},
            "rights": {"type": "owner_only"},
            "logging": {"level": "warning"},
        }, "test", privileged=True)
        logger = logging.getLogger("radicale")
        self._log_level = logger.level
        logger.setLevel(logging.CRITICAL)  # expected failures (bad logins, old tokens) are loud
        app = radicale.Application(cfg)

        def logged(environ: dict[str, Any], start_response: Any) -> Any:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(size) if size else b""
            environ["wsgi.input"] = io.BytesIO(body)
            with self._lock:
                self.requests.append(Request(environ["REQUEST_METHOD"], environ["PATH_INFO"],
                                             environ.get("HTTP_DEPTH"),
                                             body.decode("utf-8", "replace")))
            fault = self.faults.get((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
            if fault is not None:
                start_response(f"{fault} Injected", [("Content-Type", "text/plain")])
                return [b"injected failure"]
            return app(environ, start_response)

        self._httpd = make_server("127.0.0.1", 0, logged, server_class=_Server,
                                  handler_class=_Quiet)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._log_level is not None:
            logging.getLogger("radicale").setLevel(self._log_level)

    # -- what the tests look at ---------------------------------------------------------

    def mark(self) -> int:
        with self._lock:
            return len(self.requests)

    def since(self, mark: int) -> list[Request]:
        with self._lock:
            return list(self.requests[mark:])

    # -- populating it through caldav ---------------------------------------------------

    def client(self, user: str = "alice") -> Any:
        import caldav

        return caldav.DAVClient(url=self.url, username=user, password=self.users[user],
                                enable_rfc6764=False)

    def make_calendar(self, name: str, cal_id: str, user: str = "alice",
                      components: list[str] | None = None) -> Any:
        principal = self.client(user).principal()
        kwargs: dict[str, Any] = {"name": name, "cal_id": cal_id}
        if components:
            kwargs["supported_calendar_component_set"] = components
        return principal.make_calendar(**kwargs)
