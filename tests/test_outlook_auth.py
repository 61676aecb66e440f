"""``crb auth microsoft``: the OAuth 2.0 device-code flow against the fake identity platform
on 127.0.0.1 (tests/graph_server.py): the code and the address printed, polling at the interval
given, ``authorization_pending`` / ``slow_down`` / ``expired_token`` / ``access_denied``, the
token stored 0600 (or in the keyring) and working for a sync right after."""

from __future__ import annotations

import json
import stat
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crb_outlook import _auth

from tests.graph_server import CALENDARS, CLIENT_ID, MAIL, FakeGraph, GraphEnv


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        server.populate_mailbox(30)
        server.populate_calendar(10)
        yield server


@pytest.fixture
def env(graph: FakeGraph, tmp_path: Path, crb: Any, outlook_plugin: object) -> GraphEnv:
    env = GraphEnv(graph, tmp_path)
    env.token.unlink()
    assert env.config_toml() == crb.config
    return env


def assert_no_secret_in(text: str, token: dict[str, Any]) -> None:
    assert token["token"] not in text and token["refresh_token"] not in text


def test_sign_in_with_a_device_code_over_ssh(env: GraphEnv, crb: Any, graph: FakeGraph,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_auth, "SLOW_DOWN", 0.2)
    graph.device_answers = ["authorization_pending", "slow_down", "authorization_pending"]
    config_before = crb.config.read_text()
    result = crb("auth", "microsoft", "--client-id", CLIENT_ID)
    # The address and the code, to type in any browser anywhere.
    assert "https://microsoft.com/devicelogin" in result.stdout
    (request,) = graph.calls("/common/oauth2/v2.0/devicecode")
    assert "G" in result.stdout and "enter the code" in result.stdout
    # Least privilege asked for; polled at the interval, slower after slow_down.
    polls = graph.polls
    assert len(polls) == 4
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    assert gaps[0] >= 0.04 and gaps[1] >= 0.04 and gaps[2] >= 0.24
    # The token: 0600, live, with the scopes granted, nothing secret on the terminal.
    assert stat.S_IMODE(env.token.stat().st_mode) == 0o600
    token = json.loads(env.token.read_text())
    assert token["client_id"] == CLIENT_ID and token["tenant"] == "common"
    assert token["token"] in graph.access_tokens
    assert graph.access_tokens[token["token"]] == {MAIL, CALENDARS}
    assert token["refresh_token"] in graph.refresh_tokens
    assert token["token_uri"] == graph.token_uri
    assert_no_secret_in(result.stdout + result.stderr, token)
    assert crb.config.read_text() == config_before
    # It works: both sources sync right after.
    out = json.loads(crb("sync", "outlook_mail", "outlook_calendar", "--json").stdout)
    assert [s["ok"] for s in out["sources"]] == [True, True]
    assert all(s["imported"] > 0 for s in out["sources"])


def test_scopes_asked_are_the_least_crb_needs(env: GraphEnv, crb: Any,
                                              graph: FakeGraph) -> None:
    graph.device_answers = []
    crb("auth", "microsoft", "--client-id", CLIENT_ID)
    assert graph.device_scopes == {MAIL, CALENDARS}
    assert _auth.SCOPES == ("Mail.ReadBasic", "Calendars.Read", "offline_access")


@pytest.mark.parametrize(("answer", "words"), [
    ("expired_token", "the code expired"),
    ("access_denied", "declined"),
    ("authorization_declined", "declined"),
    ("bad_verification_code", "bad_verification_code"),
])
def test_a_sign_in_that_fails_says_so_in_one_line(env: GraphEnv, crb: Any, graph: FakeGraph,
                                                  answer: str, words: str) -> None:
    graph.device_answers = ["authorization_pending", answer]
    result = crb("auth", "microsoft", "--client-id", CLIENT_ID, ok=False)
    assert result.exit_code == 1
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not env.token.exists()


def test_the_tenant_and_client_id_come_from_options_or_settings(env: GraphEnv, crb: Any,
                                                                graph: FakeGraph) -> None:
    graph.device_answers = []
    crb("auth", "microsoft", "--client-id", CLIENT_ID, "--tenant", "contoso.onmicrosoft.com")
    assert graph.calls("/contoso.onmicrosoft.com/oauth2/v2.0/devicecode")
    assert json.loads(env.token.read_text())["tenant"] == "contoso.onmicrosoft.com"
    env.token.unlink()
    env.mail["client_id"] = CLIENT_ID
    env.mail["tenant"] = "consumers"
    env.config_toml()
    crb("auth", "microsoft")
    assert graph.calls("/consumers/oauth2/v2.0/devicecode")


def test_signing_in_again_reuses_the_stored_client_id(env: GraphEnv, crb: Any,
                                                      graph: FakeGraph) -> None:
    graph.device_answers = []
    crb("auth", "microsoft", "--client-id", CLIENT_ID)
    first = json.loads(env.token.read_text())
    crb("auth", "microsoft")
    second = json.loads(env.token.read_text())
    assert second["client_id"] == CLIENT_ID and second["token"] != first["token"]
    assert len(graph.calls("/devicecode")) == 2


def test_without_a_client_id_it_says_how_to_register_an_app(env: GraphEnv, crb: Any,
                                                            graph: FakeGraph) -> None:
    result = crb("auth", "microsoft", ok=False)
    assert result.exit_code != 0 and "--client-id" in result.stderr
    assert "public client flows" in result.stderr
    result = crb("auth", "microsoft", "--client-id", "not-mine", ok=False)
    assert result.exit_code == 1 and "invalid_client" in result.stderr
    assert "public client flows" in result.stderr
    assert not env.token.exists()


def test_keyring_without_the_package_fails_before_the_sign_in(
        env: GraphEnv, crb: Any, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    result = crb("auth", "microsoft", "--client-id", CLIENT_ID, "--keyring", ok=False)
    assert result.exit_code == 1 and "keyring package" in result.stderr
    assert not graph.calls("/devicecode")


def test_the_keyring_can_hold_the_token(env: GraphEnv, crb: Any, graph: FakeGraph,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    vault: dict[tuple[str, str], str] = {}
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: vault.get((service, user))  # type: ignore[attr-defined]
    fake.set_password = lambda service, user, value: vault.__setitem__((service, user), value)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    graph.device_answers = []
    crb("auth", "microsoft", "--client-id", CLIENT_ID, "--keyring")
    assert not env.token.exists()
    stored = json.loads(vault[("crb", "microsoft-token")])
    graph.expire_access_tokens()
    env.mail["credentials_store"] = "keyring"
    env.config_toml()
    out = json.loads(crb("sync", "outlook_mail", "--json").stdout)["sources"][0]
    assert out["ok"] and out["imported"] > 0
    refreshed = json.loads(vault[("crb", "microsoft-token")])
    assert refreshed["token"] != stored["token"] and refreshed["token"] in graph.access_tokens


def test_crb_auth_holds_the_google_and_the_microsoft_commands(crb: Any, outlook_plugin: object,
                                                              google_plugin: object) -> None:
    """Two plugins register an ``auth`` group: CRB shows one with both their commands."""
    out = crb("auth", "--help").stdout
    for name in ("gmail", "google-calendar", "microsoft"):
        assert f"  {name} " in out, out


def test_token_endpoint_answers_and_expiry() -> None:
    record = _auth.token_record({"access_token": "a", "refresh_token": "r", "expires_in": "3599",
                                 "scope": "https://graph.microsoft.com/Mail.ReadBasic openid"},
                                client_id="c", tenant="t", token_uri="u")
    assert record["expiry"] and _auth.granted(record["scopes"]) == {"mail.readbasic", "openid"}
    assert _auth.endpoint("https://login.microsoftonline.com/", "", "token") == (
        "https://login.microsoftonline.com/common/oauth2/v2.0/token")
