"""``crb auth gmail|google-calendar``: the installed-app OAuth flow with PKCE against the fake
Google on 127.0.0.1 (tests/google_server.py). The test plays the browser: it opens the consent
address at the fake Google, and then pastes the address the browser ends on (the SSH case), or
the bare code, or lets the browser reach CRB's loopback listener."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.google_server import (
    CALENDAR_SCOPE,
    CLIENT_ID,
    CLIENT_SECRET,
    GMAIL_SCOPE,
    Env,
    FakeGoogle,
    ensure_plugin_importable,
)

ensure_plugin_importable()

from crb_google import _auth, _cli  # noqa: E402

from crb_tui.sdk.tokens import FileTokenStore  # noqa: E402
from tests.waiting import wait_for  # noqa: E402


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        server.populate_mailbox(30)
        yield server


@pytest.fixture
def env(google: FakeGoogle, tmp_path: Path, crb: Any, google_plugin: object) -> Env:
    env = Env(google, tmp_path)
    env.gmail_token.unlink()
    env.calendar_token.unlink()
    env.config_toml(crb.config)
    return env


@pytest.fixture
def client_secrets(tmp_path: Path, google: FakeGoogle) -> Path:
    path = tmp_path / "client_secret_1234.apps.googleusercontent.com.json"
    path.write_text(json.dumps({"installed": {
        "client_id": CLIENT_ID, "project_id": "crb-test", "auth_uri": google.auth_uri,
        "token_uri": google.token_uri, "client_secret": CLIENT_SECRET,
        "redirect_uris": ["http://localhost"]}}))
    return path


class Browser:
    """The user's browser, on another machine (paste) or this one (loopback)."""

    def __init__(self, mode: str, paste: Any = None) -> None:
        self.mode = mode
        self.paste = paste
        self.consent_url = ""
        self.landing_url = ""
        self.landing: httpx.Response | None = None
        self.done = threading.Event()

    def __call__(self, url: str) -> None:
        self.consent_url = url
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            consent = httpx.get(self.consent_url, follow_redirects=False, timeout=5)
            assert consent.status_code == 302, consent.text
            landing = self.landing_url = consent.headers["location"]
            if self.mode == "loopback":
                self.landing = httpx.get(landing, timeout=10)
                return
            if self.mode == "code":
                text = parse_qs(urlsplit(landing).query)["code"][0]
            elif self.mode == "stale-then-right":
                stale = landing.replace("state=", "state=stale")
                text = f"{stale}\n{landing}"
            else:
                text = landing
            self.paste.write((text + "\n").encode())
            self.paste.flush()
        finally:
            if self.paste is not None:
                self.paste.close()
            self.done.set()


def pipe() -> tuple[Any, Any]:
    r, w = os.pipe()
    return os.fdopen(r, "rb"), os.fdopen(w, "wb")


def auth(crb: Any, monkeypatch: pytest.MonkeyPatch, browser: Browser, *args: str,
         stdin: Any = "", ok: bool = True) -> Any:
    monkeypatch.setattr(_cli, "open_browser", browser)
    result = crb("auth", *args, "--open-browser", "--timeout", "20", input=stdin, ok=ok)
    # The sign-in can finish before the browser has read the page it landed on: wait for it.
    if browser.consent_url:
        wait_for(browser.done, 10)
    return result


def assert_no_secret_in(text: str, token: dict[str, Any]) -> None:
    for key in ("token", "refresh_token", "client_secret"):
        assert token[key] not in text, key


def test_auth_gmail_over_ssh_with_the_pasted_redirect_address(
        env: Env, crb: Any, google: FakeGoogle, client_secrets: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config_before = crb.config.read_text()
    reader, writer = pipe()
    browser = Browser("paste", writer)
    result = auth(crb, monkeypatch, browser, "gmail", "--client-secrets", str(client_secrets),
                  stdin=reader)
    assert wait_for(browser.done, 5)
    # The address was printed, asks for gmail.metadata only, with PKCE (S256) and a state.
    query = parse_qs(urlsplit(browser.consent_url).query)
    assert browser.consent_url in result.stdout
    assert query["scope"] == [GMAIL_SCOPE]
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert "paste" in result.stdout.lower()
    # Google's authorized-user JSON, 0600, live tokens from the code exchange.
    assert stat.S_IMODE(env.gmail_token.stat().st_mode) == 0o600
    token = json.loads(env.gmail_token.read_text())
    assert {"client_id", "client_secret", "refresh_token", "token", "token_uri",
            "expiry"} <= set(token)
    assert token["client_id"] == CLIENT_ID and token["scopes"] == [GMAIL_SCOPE]
    assert token["token_uri"] == google.token_uri
    assert token["token"] in google.access_tokens
    assert token["refresh_token"] in google.refresh_tokens
    # Nothing secret on the terminal or in the config.
    assert_no_secret_in(result.stdout + result.stderr, token)
    code = parse_qs(urlsplit(browser.landing_url).query)["code"][0]
    assert code not in result.stdout + result.stderr
    assert crb.config.read_text() == config_before
    assert_no_secret_in(crb.config.read_text(), token)
    # And the token works: a sync right after.
    out = json.loads(crb("sync", "gmail", "--json").stdout)["sources"][0]
    assert out["ok"] and out["imported"] > 0


def test_auth_google_calendar_with_the_loopback_listener(
        env: Env, crb: Any, google: FakeGoogle, client_secrets: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    browser = Browser("loopback")
    result = auth(crb, monkeypatch, browser, "google-calendar", "--client-secrets",
                  str(client_secrets))
    assert browser.landing is not None and browser.landing.status_code == 200
    # (said by the terminal, once the code is exchanged: trial 14 F13)
    assert "Go back to the terminal: it says whether CRB is authorised" in browser.landing.text
    query = parse_qs(urlsplit(browser.consent_url).query)
    assert query["scope"] == [CALENDAR_SCOPE]
    token = json.loads(env.calendar_token.read_text())
    assert token["scopes"] == [CALENDAR_SCOPE] and token["token"] in google.access_tokens
    assert stat.S_IMODE(env.calendar_token.stat().st_mode) == 0o600
    assert_no_secret_in(result.stdout + result.stderr, token)
    assert not env.gmail_token.exists()


def test_auth_with_a_bare_code_and_no_listener(env: Env, crb: Any, google: FakeGoogle,
                                               client_secrets: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    reader, writer = pipe()
    browser = Browser("code", writer)
    auth(crb, monkeypatch, browser, "gmail", "--client-secrets", str(client_secrets),
         "--no-listener", stdin=reader)
    token = json.loads(env.gmail_token.read_text())
    assert token["refresh_token"] in google.refresh_tokens


def test_an_address_from_another_attempt_is_refused_then_the_right_one_works(
        env: Env, crb: Any, google: FakeGoogle, client_secrets: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    reader, writer = pipe()
    browser = Browser("stale-then-right", writer)
    result = auth(crb, monkeypatch, browser, "gmail", "--client-secrets", str(client_secrets),
                  "--no-listener", stdin=reader)
    assert "another sign-in attempt" in result.stdout
    assert env.gmail_token.exists()


def test_refused_consent_is_reported(env: Env, crb: Any, client_secrets: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    class Denying(Browser):
        def __call__(self, url: str) -> None:
            super().__call__(url + "&deny=1")

    result = auth(crb, monkeypatch, Denying("loopback"), "gmail", "--client-secrets",
                  str(client_secrets), ok=False)
    assert result.exit_code == 1
    assert "did not authorise CRB: access_denied" in result.stderr
    assert not env.gmail_token.exists()


def test_client_secrets_must_be_a_desktop_app_client(env: Env, crb: Any, tmp_path: Path) -> None:
    web = tmp_path / "web.json"
    web.write_text(json.dumps({"web": {"client_id": "x", "client_secret": "y"}}))
    result = crb("auth", "gmail", "--client-secrets", str(web), ok=False)
    assert result.exit_code == 1 and "Desktop app" in result.stderr
    result = crb("auth", "gmail", ok=False)
    assert result.exit_code != 0 and "--client-secrets" in result.stderr


def test_keyring_without_the_package_fails_before_consent(env: Env, crb: Any,
                                                          client_secrets: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring -> ImportError
    browser = Browser("loopback")
    result = auth(crb, monkeypatch, browser, "gmail", "--client-secrets", str(client_secrets),
                  "--keyring", ok=False)
    assert result.exit_code == 1 and "keyring package" in result.stderr
    assert browser.consent_url == ""


def test_the_keyring_can_hold_the_token(env: Env, crb: Any, google: FakeGoogle,
                                        client_secrets: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    vault: dict[tuple[str, str], str] = {}
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: vault.get((service, user))  # type: ignore[attr-defined]
    fake.set_password = lambda service, user, value: vault.__setitem__((service, user), value)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    auth(crb, monkeypatch, Browser("loopback"), "google-calendar", "--client-secrets",
         str(client_secrets), "--keyring")
    assert not env.calendar_token.exists()
    stored = json.loads(vault[("crb", "google_calendar-token")])
    assert stored["scopes"] == [CALENDAR_SCOPE]
    google.populate_calendar(10)
    google.expire_access_tokens()
    env.calendar["credentials_store"] = "keyring"
    env.config_toml(crb.config)
    out = json.loads(crb("sync", "google_calendar", "--json").stdout)["sources"][0]
    assert out["ok"] and out["imported"] > 0
    refreshed = json.loads(vault[("crb", "google_calendar-token")])
    assert refreshed["token"] != stored["token"] and refreshed["token"] in google.access_tokens


# -- pieces -----------------------------------------------------------------------------------


def test_token_files_are_0600_and_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "gmail-token.json"
    old_umask = os.umask(0)
    try:
        FileTokenStore(path).save({"token": "a"})
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        first = path.stat().st_ino
        FileTokenStore(path).save({"token": "b"})
        assert path.stat().st_ino != first  # a new file renamed over the old one
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)
    assert json.loads(path.read_text()) == {"token": "b"}
    assert [p.name for p in path.parent.iterdir()] == ["gmail-token.json"]
    os.chmod(path, 0o644)
    assert FileTokenStore(path).load() == {"token": "b"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_pkce_and_pasted_answers() -> None:
    verifier, challenge = _auth.pkce_pair()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == expected.decode()
    url = "http://127.0.0.1:8765/?state=S1&code=4/0abc-def&scope=x"
    assert _auth.code_from_paste(url, "S1") == "4/0abc-def"
    assert _auth.code_from_paste("  4/0AeaYSHB-some-code  ", "S1") == "4/0AeaYSHB-some-code"
    assert _auth.code_from_paste("state=S1&code=4/0xyz", "S1") == "4/0xyz"
    with pytest.raises(Exception, match="another sign-in attempt"):
        _auth.code_from_paste(url, "S2")
    with pytest.raises(Exception, match="access_denied"):
        _auth.code_from_paste("http://127.0.0.1:1/?error=access_denied&state=S1", "S1")


def test_token_expiry_is_on_crbs_one_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """A token's expiry is written and checked on CRB's clock (CRB_TODAY honoured), as every
    other "now": a token got on the pinned day is valid on it, whatever the wall clock says."""
    monkeypatch.setenv("CRB_TODAY", "2020-01-01")  # 09:00 UTC (the test config's zone)
    data = _auth.token_record({"access_token": "ya29.a", "expires_in": 3000}, CLIENT_ID,
                              CLIENT_SECRET, "http://127.0.0.1:9/token", [GMAIL_SCOPE],
                              {"refresh_token": "1//r"})
    assert data["expiry"] == "2020-01-01T09:50:00Z"

    class NoServer:
        def request(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("a valid token was refreshed")

    store = FileTokenStore(tmp_path / "gmail-token.json")
    creds = _auth.Credentials("gmail", data, store, NoServer(), data["token_uri"])  # type: ignore[arg-type]
    assert creds.access_token() == "ya29.a" and creds.refreshes == 0
