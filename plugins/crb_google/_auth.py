"""OAuth 2.0 for Google, installed-app flow with PKCE, that works over SSH; and the tokens.

The flow (:func:`authorize`): print the consent URL; then take whichever comes first of

- the browser's redirect reaching a loopback listener on ``127.0.0.1`` (a browser on the same
  machine, or one on the user's laptop through ``ssh -L PORT:127.0.0.1:PORT``), or
- the redirect address pasted into the terminal (the browser on the laptop shows "cannot
  connect" on ``http://127.0.0.1:PORT/?state=...&code=...``: copy that address), or the bare
  code.

The ``state`` is checked on both paths; the code is exchanged with the PKCE verifier.

Tokens are kept in Google's "authorized user" JSON (``client_id``, ``client_secret``,
``refresh_token``, ``token``, ``token_uri``, ``expiry``, ``scopes``), in a file created 0600
and replaced atomically on every refresh, or in the system keyring (with the optional
``keyring`` package), as the SDK keeps every token (:mod:`crb_tui.sdk.tokens`). Never in
``config.toml``, never in a log line.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from crb_google._http import GoogleApi
from crb_tui.sdk import CrbError, now_utc, tokens
from crb_tui.sdk.http import ApiError, AuthError, parse_time
from crb_tui.sdk.tokens import TokenStore

SCOPES = {
    "gmail": "https://www.googleapis.com/auth/gmail.metadata",
    "google_calendar": "https://www.googleapis.com/auth/calendar.readonly",
}
"""Least privilege: headers and labels of mail, never bodies; calendars read-only."""

COMMANDS = {"gmail": "gmail", "google_calendar": "google-calendar"}
EXPIRY_MARGIN = dt.timedelta(seconds=60)

log = logging.getLogger("crb.google.auth")


def auth_hint(source: str) -> str:
    return f"`crb auth {COMMANDS.get(source, source)} --client-secrets FILE`"


# -- where tokens live --------------------------------------------------------------------


def stored_token(source: str, settings: dict[str, Any]) -> tuple[TokenStore, dict[str, Any]]:
    """Where the source's token is and what ``crb auth`` saved there, or an :class:`AuthError`
    saying what to run: none yet, one that cannot be read, one granted another scope. Local
    only: ``crb doctor`` asks it too (``Source.ready``)."""
    store = token_store(source, settings)
    data = store.authorised(auth_hint(source), AuthError)
    granted = data.get("scopes")
    if isinstance(granted, list) and granted and SCOPES[source] not in granted:
        raise AuthError(f"the token in {store.where} was granted {' '.join(map(str, granted))}"
                        f", not {SCOPES[source]}; run {auth_hint(source)}")
    return store, data


def default_token_path(source: str) -> Path:
    return tokens.default_token_path(COMMANDS.get(source, source))


def token_store(source: str, settings: dict[str, Any]) -> TokenStore:
    """The SDK's token store (:mod:`crb_tui.sdk.tokens`): ``gmail-token.json`` or
    ``google-calendar-token.json`` in CRB's data folder (or ``token_file``), or the keyring's
    ``crb/<source>-token``."""
    return tokens.token_store(source, settings, name=COMMANDS.get(source, source),
                              keyring_user=f"{source}-token")


# -- access tokens --------------------------------------------------------------------------


def _format_expiry(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_record(response: dict[str, Any], client_id: str, client_secret: str, token_uri: str,
                 scopes: list[str], old: dict[str, Any] | None = None) -> dict[str, Any]:
    """Google's authorized-user JSON from a token endpoint response."""
    data = dict(old or {})
    data.update({
        "type": "authorized_user",
        "client_id": client_id,
        "client_secret": client_secret,
        "token_uri": token_uri,
        "token": response["access_token"],
        "scopes": scopes,
    })
    if response.get("refresh_token"):
        data["refresh_token"] = response["refresh_token"]
    expires_in = response.get("expires_in")
    if isinstance(expires_in, int | float):
        data["expiry"] = _format_expiry(now_utc() + dt.timedelta(seconds=expires_in))
    return data


class Credentials:
    """A source's OAuth credentials: hands out a valid access token (refreshing it when it is
    about to expire, or when Google refused it) to any number of threads."""

    def __init__(self, source: str, data: dict[str, Any], store: TokenStore, api: GoogleApi,
                 token_uri: str) -> None:
        missing = [k for k in ("client_id", "client_secret", "refresh_token") if not data.get(k)]
        if missing:
            raise AuthError(f"the {source} token in {store.where} has no {', '.join(missing)}; "
                            f"run {auth_hint(source)}")
        self.source = source
        self.data = dict(data)
        self.store = store
        self.api = api
        self.token_uri = token_uri
        self._lock = threading.Lock()
        self.refreshes = 0

    def _valid(self) -> bool:
        token = self.data.get("token")
        expiry = parse_time(self.data.get("expiry"))
        if not token:
            return False
        return expiry is None or expiry - EXPIRY_MARGIN > now_utc()

    def access_token(self) -> str:
        with self._lock:
            if not self._valid():
                self._refresh_locked()
            return str(self.data["token"])

    def refresh(self, refused: str) -> None:
        """Google refused ``refused``: get a new token, unless another thread already did."""
        with self._lock:
            if self.data.get("token") == refused or not self.data.get("token"):
                self._refresh_locked()

    def _refresh_locked(self) -> None:
        try:
            response = self.api.request(
                "POST", self.token_uri, auth=False, what="token refresh",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.data["refresh_token"],
                    "client_id": self.data["client_id"],
                    "client_secret": self.data["client_secret"],
                },
            )
        except ApiError as exc:
            if exc.status in (400, 401):
                raise AuthError(f"Google refused to refresh the {self.source} authorisation "
                                f"({exc.code or exc.status}: {exc.message}); it may have been "
                                f"revoked: run {auth_hint(self.source)}") from exc
            raise
        if not isinstance(response, dict) or not response.get("access_token"):
            raise AuthError(f"the token endpoint answered the {self.source} refresh without an "
                            "access token")
        self.data = token_record(response, self.data["client_id"], self.data["client_secret"],
                                 self.token_uri, list(self.data.get("scopes") or []), self.data)
        self.refreshes += 1
        self.store.save(self.data)
        log.info("%s: access token refreshed (valid until %s)", self.source,
                 self.data.get("expiry", "?"))


# -- the consent flow -----------------------------------------------------------------------


@dataclass
class ClientSecrets:
    client_id: str
    client_secret: str


def load_client_secrets(path: Path) -> ClientSecrets:
    """Google's ``client_secret_*.json`` for a Desktop app (``{"installed": {...}}``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CrbError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise CrbError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise CrbError(f"{path}: not a Google OAuth client file")
    if "installed" not in data:
        kinds = ", ".join(sorted(k for k in data if isinstance(data[k], dict))) or "none"
        raise CrbError(f"{path}: not an OAuth client of type \"Desktop app\" (no \"installed\" "
                       f"section; found: {kinds}); create a Desktop app client in the Google "
                       "Cloud console and download its JSON")
    client = data["installed"]
    missing = [k for k in ("client_id", "client_secret") if not client.get(k)]
    if missing:
        raise CrbError(f"{path}: the \"installed\" client has no {', '.join(missing)}")
    return ClientSecrets(str(client["client_id"]), str(client["client_secret"]))


def pkce_pair() -> tuple[str, str]:
    """``(code_verifier, S256 code_challenge)``, RFC 7636."""
    verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(auth_uri: str, client_id: str, redirect_uri: str, scope: str, state: str,
                      challenge: str) -> str:
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
    }
    return f"{auth_uri}{'&' if '?' in auth_uri else '?'}{urlencode(params)}"


def code_from_paste(text: str, state: str) -> str:
    """The authorisation code in what the user pasted: the whole redirect address, its query
    string, or the bare code. The ``state`` of an address must be ours."""
    text = text.strip().strip("'\"<>")
    if not text:
        raise CrbError("nothing pasted")
    query = ""
    if "://" in text:
        query = urlsplit(text).query
    elif "code=" in text or "error=" in text:
        query = text.split("?", 1)[-1]
    if not query:
        if any(c.isspace() for c in text) or len(text) < 10:
            raise CrbError("that is neither the redirect address nor a code")
        return text
    return code_from_params({k: v[0] for k, v in parse_qs(query).items()}, state)


def code_from_params(params: dict[str, str], state: str) -> str:
    if params.get("error"):
        raise AuthError(f"Google did not authorise CRB: {params['error']}"
                        + (f" ({params['error_description']})"
                           if params.get("error_description") else ""))
    if params.get("state") != state:
        raise CrbError("the address is from another sign-in attempt (state does not match); "
                       "use the address from this one")
    code = params.get("code")
    if not code:
        raise CrbError("the address has no code in it")
    return code


class LoopbackListener:
    """A one-shot HTTP server on 127.0.0.1 that catches Google's redirect."""

    def __init__(self, port: int, state: str, results: queue.Queue[tuple[str, Any]]) -> None:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                if "code" not in params and "error" not in params:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                ok = params.get("state") == state and "code" in params
                # (the code is exchanged, and the access granted checked, after this page:
                # the terminal says how that went)
                text = ("CRB received Google's answer. Go back to the terminal: it says whether "
                        "CRB is authorised. You can close this tab." if ok
                        else "CRB was not authorised: "
                        + html.escape(params.get("error") or "this address is from another "
                                      "sign-in attempt"))
                body = (f"<!doctype html><title>CRB</title><p>{text}</p>").encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if params.get("state") == state:
                    listener.results.put(("loopback", params))

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # the query holds the code: never log it

        self.results = results
        self.server = HTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self.server.server_address[1])
        self.redirect_uri = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> LoopbackListener:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _read_lines(stream: TextIO, results: queue.Queue[tuple[str, Any]]) -> None:
    try:
        while True:
            line = stream.readline()
            if not line:
                break
            if line.strip():
                results.put(("paste", line))
    except (OSError, ValueError):
        pass
    results.put(("eof", None))


def authorize(
    source: str,
    secrets_: ClientSecrets,
    *,
    auth_uri: str,
    token_uri: str,
    client: httpx.Client,
    echo: Callable[[str], None],
    stdin: TextIO | None,
    port: int = 0,
    listen: bool = True,
    open_browser: Callable[[str], Any] | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """Run the consent flow and return the authorized-user token record."""
    scope = SCOPES[source]
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    results: queue.Queue[tuple[str, Any]] = queue.Queue()
    listener = None
    if listen:
        try:
            listener = LoopbackListener(port, state, results).start()
        except OSError as exc:
            if port:
                raise CrbError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc
            listener = None
    # Without a listener the redirect still goes to a loopback address: the browser shows an
    # error page there, whose address the user pastes.
    redirect_uri = listener.redirect_uri if listener else f"http://127.0.0.1:{port or 1}/"
    url = authorization_url(auth_uri, secrets_.client_id, redirect_uri, scope, state, challenge)
    try:
        echo("Open this address in a browser and allow CRB to read "
             + ("your mail's headers (never the bodies)" if source == "gmail"
                else "your calendars (read only)") + ":\n")
        echo(f"  {url}\n")
        if listener:
            echo(f"A browser on this machine finishes by itself (CRB listens on "
                 f"{listener.redirect_uri}). Over SSH, either forward the port first "
                 f"(ssh -L {listener.port}:127.0.0.1:{listener.port} ...), or, when the browser "
                 "ends on a page that cannot be reached, copy that page's address (it starts "
                 "with http://127.0.0.1) and paste it here.")
        else:
            echo("When the browser ends on a page that cannot be reached, copy that page's "
                 "address (it starts with http://127.0.0.1) and paste it here.")
        if stdin is not None:
            echo("Paste the address (or the code) and press Enter:")
            threading.Thread(target=_read_lines, args=(stdin, results), daemon=True).start()
        if open_browser is not None:
            open_browser(url)
        code = _wait_for_code(results, state, listener is not None, timeout, echo)
    finally:
        if listener:
            listener.close()
    api = GoogleApi(client, max_retries=3, backoff_base=0.5, label=source)
    try:
        response = api.request(
            "POST", token_uri, auth=False, what="code exchange",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
                "client_id": secrets_.client_id,
                "client_secret": secrets_.client_secret,
            },
        )
    except ApiError as exc:
        raise AuthError(f"Google refused the code ({exc.code or exc.status}: {exc.message}); "
                        "run the command again and use the newest address") from exc
    if not isinstance(response, dict) or not response.get("access_token"):
        raise AuthError("the token endpoint answered without an access token")
    if not response.get("refresh_token"):
        raise AuthError("Google sent no refresh token; remove CRB's access at "
                        "https://myaccount.google.com/permissions and run the command again")
    granted = str(response.get("scope") or scope).split()
    if scope not in granted:
        raise AuthError(f"the access granted ({' '.join(granted)}) does not include {scope}; "
                        "tick the box for it on the consent screen")
    return token_record(response, secrets_.client_id, secrets_.client_secret, token_uri, [scope])


def _wait_for_code(results: queue.Queue[tuple[str, Any]], state: str, listening: bool,
                   timeout: float, echo: Callable[[str], None]) -> str:
    deadline = time.monotonic() + timeout
    stdin_open = True
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AuthError(f"no answer from the browser within {timeout:.0f} s")
        if not stdin_open and not listening:
            raise AuthError("nothing was pasted (standard input closed)")
        try:
            kind, value = results.get(timeout=remaining)
        except queue.Empty:
            continue
        if kind == "eof":
            stdin_open = False
            continue
        try:
            if kind == "loopback":
                return code_from_params(value, state)
            return code_from_paste(value, state)
        except AuthError:
            raise
        except CrbError as exc:
            echo(f"{exc}. Paste the address again:")
