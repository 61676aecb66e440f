"""OAuth 2.0 for Microsoft 365 and Outlook.com: the device-code flow, and the tokens.

The flow (:func:`device_flow`, RFC 8628 as the Microsoft identity platform speaks it): ask
``{login_base}/{tenant}/oauth2/v2.0/devicecode`` for a code, print the code and the address to
open (in any browser, on any machine: it works over SSH as it is), then poll
``.../oauth2/v2.0/token`` every ``interval`` seconds: ``authorization_pending`` waits,
``slow_down`` waits 5 s longer from then on, ``expired_token``, ``access_denied`` /
``authorization_declined`` and ``bad_verification_code`` end it with one clear line.

The app registration is the user's own (``--client-id``; a public client, no secret), the
scopes the least CRB needs: ``Mail.ReadBasic`` (headers, never bodies), ``Calendars.Read`` and
``offline_access`` (a refresh token). One token serves both sources.

Tokens are kept as JSON (``client_id``, ``tenant``, ``token_uri``, ``refresh_token``, ``token``,
``expiry``, ``scopes``) in a file created 0600 and replaced whole on every refresh, or in the
system keyring, as the SDK keeps every token (:mod:`crb_tui.sdk.tokens`). Never in
``config.toml``, never in a log line. Microsoft rotates refresh tokens: the newest one is saved
each time.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from crb_outlook._http import GraphApi
from crb_tui.sdk import now_utc, tokens
from crb_tui.sdk.http import ApiError, AuthError, parse_time
from crb_tui.sdk.tokens import TokenStore

SCOPES = ("Mail.ReadBasic", "Calendars.Read", "offline_access")
"""Least privilege: mail headers (never bodies), calendars read-only, and a refresh token."""
NEEDS = {"outlook_mail": "Mail.ReadBasic", "outlook_calendar": "Calendars.Read"}
SLOW_DOWN = 5.0
"""Seconds added to the polling interval for each ``slow_down`` (RFC 8628, 3.5)."""
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
EXPIRY_MARGIN = dt.timedelta(seconds=60)
AUTH_HINT = "`crb auth microsoft --client-id ID`"

log = logging.getLogger("crb.outlook.auth")


def endpoint(login_base: str, tenant: str, name: str) -> str:
    """``{login_base}/{tenant}/oauth2/v2.0/{name}`` (``devicecode`` or ``token``)."""
    return f"{login_base.rstrip('/')}/{tenant.strip('/') or 'common'}/oauth2/v2.0/{name}"


def granted(scopes: Any) -> set[str]:
    """Scope names as granted (``https://graph.microsoft.com/Mail.ReadBasic`` ->
    ``mail.readbasic``), lower-cased."""
    words = scopes.split() if isinstance(scopes, str) else [str(s) for s in scopes or []]
    return {w.rsplit("/", 1)[-1].lower() for w in words}


# -- where the token lives -------------------------------------------------------------------


def token_store(source: str, settings: dict[str, Any]) -> TokenStore:
    """One token for both sources: ``microsoft-token.json`` in CRB's data folder (or
    ``token_file``), or the keyring's ``crb/microsoft-token``."""
    return tokens.token_store(source, settings, name="microsoft")


def stored_token(source: str, settings: dict[str, Any]) -> tuple[TokenStore, dict[str, Any]]:
    """Where the token is and what ``crb auth microsoft`` saved there, or an
    :class:`AuthError` saying what to run: none yet, one that cannot be read, one without the
    permission the source needs. Local only: ``crb doctor`` asks it too (``Source.ready``)."""
    store = token_store(source, settings)
    data = store.authorised(AUTH_HINT, AuthError)
    need = NEEDS.get(source, "")
    if need and data.get("scopes") and need.lower() not in granted(data["scopes"]):
        raise AuthError(f"the Microsoft token in {store.where} was not granted {need}; "
                        f"run {AUTH_HINT} and accept every permission")
    return store, data


# -- access tokens ---------------------------------------------------------------------------


def token_record(response: dict[str, Any], *, client_id: str, tenant: str, token_uri: str,
                 old: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stored token from a token endpoint answer (keeping what the answer leaves out)."""
    data = dict(old or {})
    data.update({"client_id": client_id, "tenant": tenant, "token_uri": token_uri,
                 "token": response["access_token"]})
    if response.get("refresh_token"):
        data["refresh_token"] = response["refresh_token"]
    if response.get("scope"):
        data["scopes"] = str(response["scope"]).split()
    expires_in = response.get("expires_in")
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    if isinstance(expires_in, int | float):
        data["expiry"] = (now_utc() + dt.timedelta(seconds=expires_in)).astimezone(
            dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return data


class Credentials:
    """Hands out a valid access token, refreshing it shortly before it expires and when Graph
    refused it; every refresh is saved (Microsoft sends a new refresh token each time)."""

    def __init__(self, data: dict[str, Any], store: TokenStore, api: GraphApi) -> None:
        missing = [k for k in ("client_id", "refresh_token", "token_uri") if not data.get(k)]
        if missing:
            raise AuthError(f"the Microsoft token in {store.where} has no {', '.join(missing)}; "
                            f"run {AUTH_HINT}")
        self.data = dict(data)
        self.store = store
        self.api = api
        self.refreshes = 0

    def _valid(self) -> bool:
        expiry = parse_time(self.data.get("expiry"))
        return bool(self.data.get("token")) and (
            expiry is None or expiry - EXPIRY_MARGIN > now_utc())

    def access_token(self) -> str:
        if not self._valid():
            self._refresh()
        return str(self.data["token"])

    def refresh(self, refused: str) -> None:
        """Graph refused ``refused``: get a new token (unless that was done already)."""
        if self.data.get("token") == refused or not self.data.get("token"):
            self._refresh()

    def _refresh(self) -> None:
        try:
            response = self.api.request(
                "POST", str(self.data["token_uri"]), auth=False, what="token refresh",
                data={"grant_type": "refresh_token", "client_id": str(self.data["client_id"]),
                      "refresh_token": str(self.data["refresh_token"]),
                      "scope": " ".join(SCOPES)},
            )
        except ApiError as exc:
            if exc.status in (400, 401):
                raise AuthError(f"Microsoft refused to refresh the authorisation "
                                f"({exc.code or exc.status}: {exc.message}); it may have been "
                                f"revoked or expired: run {AUTH_HINT}") from exc
            raise
        if not isinstance(response, dict) or not response.get("access_token"):
            raise AuthError("the token endpoint answered the refresh without an access token")
        self.data = token_record(response, client_id=str(self.data["client_id"]),
                                 tenant=str(self.data.get("tenant") or "common"),
                                 token_uri=str(self.data["token_uri"]), old=self.data)
        self.refreshes += 1
        self.store.save(self.data)
        log.info("microsoft: access token refreshed (valid until %s)",
                 self.data.get("expiry", "?"))


# -- the device-code flow --------------------------------------------------------------------


def device_flow(
    api: GraphApi,
    *,
    client_id: str,
    tenant: str,
    login_base: str,
    echo: Callable[[str], None],
    timeout: float = 900.0,
) -> dict[str, Any]:
    """Sign in with a device code and return the token record to store."""
    token_uri = endpoint(login_base, tenant, "token")
    try:
        code = api.request("POST", endpoint(login_base, tenant, "devicecode"), auth=False,
                           what="device code", data={"client_id": client_id,
                                                     "scope": " ".join(SCOPES)})
    except ApiError as exc:
        raise AuthError(f"Microsoft refused to start the sign-in ({exc.code or exc.status}: "
                        f"{exc.message}); check the client id and tenant, and that the app "
                        "registration allows public client flows") from exc
    if not isinstance(code, dict) or not code.get("device_code") or not code.get("user_code"):
        raise AuthError("the device code endpoint answered without a code")
    address = str(code.get("verification_uri") or code.get("verification_url") or "")
    echo(f"To let CRB read your mail headers (never the bodies) and calendars, open\n\n"
         f"  {address}\n\nin a browser on any device and enter the code\n\n"
         f"  {code['user_code']}\n")
    echo("Waiting for you to sign in (Ctrl-C to give up)...")
    interval = float(code.get("interval") or 5)
    lifetime = float(code.get("expires_in") or timeout)
    deadline = time.monotonic() + min(timeout, lifetime)
    while True:
        api.sleep(interval)
        if time.monotonic() > deadline:
            raise AuthError("the code expired before the sign-in was finished; run the "
                            "command again")
        try:
            response = api.request("POST", token_uri, auth=False, what="device code token",
                                   data={"grant_type": DEVICE_GRANT, "client_id": client_id,
                                         "device_code": str(code["device_code"])})
        except ApiError as exc:
            if exc.code == "authorization_pending":
                continue
            if exc.code == "slow_down":
                interval += SLOW_DOWN
                continue
            if exc.code == "expired_token":
                raise AuthError("the code expired before the sign-in was finished; run the "
                                "command again") from exc
            if exc.code in ("access_denied", "authorization_declined"):
                raise AuthError("the sign-in was declined: CRB was not authorised") from exc
            raise AuthError(f"Microsoft refused the sign-in ({exc.code or exc.status}: "
                            f"{exc.message})") from exc
        break
    if not isinstance(response, dict) or not response.get("access_token"):
        raise AuthError("the token endpoint answered without an access token")
    if not response.get("refresh_token"):
        raise AuthError("Microsoft sent no refresh token (offline_access was not granted); "
                        "run the command again and accept every permission")
    data = token_record(response, client_id=client_id, tenant=tenant, token_uri=token_uri)
    have = granted(data.get("scopes") or SCOPES)
    missing = [s for s in NEEDS.values() if s.lower() not in have]
    if missing:
        echo(f"Note: the access granted does not include {', '.join(missing)}; the sources "
             "that need it will ask you to sign in again.")
    return data
