"""``crb auth microsoft``: the device-code sign-in for both Outlook sources."""

from __future__ import annotations

from typing import Any

import click
import httpx

from crb_outlook import _auth
from crb_outlook._http import GraphApi
from crb_outlook._schema import CALENDAR_SCHEMA, MAIL_SCHEMA
from crb_tui.sdk import CrbError, load_config, source_config
from crb_tui.sdk.tokens import FileTokenStore


def settings() -> dict[str, Any]:
    """``[sources.outlook_mail]`` (or ``[sources.outlook_calendar]`` when only that one is
    configured) from the config ``crb`` was started with: the token file, tenant, client id
    and login address are the same for both."""
    root = click.get_current_context().find_root().obj
    config = getattr(root, "config", None)
    if config is None:
        config = load_config(None)
    sources = getattr(config, "sources", {}) or {}
    if "outlook_mail" not in sources and "outlook_calendar" in sources:
        return dict(source_config(config, "outlook_calendar", CALENDAR_SCHEMA))
    return dict(source_config(config, "outlook_mail", MAIL_SCHEMA))


def run_auth(*, client_id: str | None, tenant: str | None, use_keyring: bool,
             timeout: float) -> None:
    cfg = settings()
    if use_keyring:
        cfg["credentials_store"] = "keyring"
    store = _auth.token_store("outlook_mail", cfg)
    store.check()
    old = store.load() if client_id is None and not cfg.get("client_id") else None
    client = client_id or str(cfg.get("client_id") or "") or str((old or {}).get("client_id")
                                                                   or "")
    if not client:
        raise click.UsageError(
            "give --client-id ID: the Application (client) ID of your own app registration "
            "(Microsoft Entra admin center > App registrations > New registration; then "
            "Authentication > Allow public client flows: Yes)")
    tenant_ = (tenant or str(cfg.get("tenant") or "") or "common").strip()
    with httpx.Client(headers={"User-Agent": "crb-tui"},
                      timeout=httpx.Timeout(float(cfg["timeout"]), connect=10.0)) as http:
        api = GraphApi(http, max_retries=3, backoff_base=0.5, label="microsoft")
        data = _auth.device_flow(api, client_id=client, tenant=tenant_,
                                 login_base=str(cfg["login_base"]), echo=click.echo,
                                 timeout=timeout)
    try:
        store.save(data)
    except OSError as exc:
        raise CrbError(f"cannot save the token in {store.where}: {exc.strerror or exc}") from exc
    where = store.where + (" (readable by you only)"
                           if isinstance(store, FileTokenStore) else "")
    click.echo(f"Authorised: CRB can now read your mail headers and calendars "
               f"({' '.join(_auth.SCOPES)}). The token is in {where}.")
    click.echo("Next: `crb sync outlook_mail outlook_calendar` (add [sources.outlook_mail] and "
               "[sources.outlook_calendar] tables to your config to include them in a plain "
               "`crb sync`).")


def auth_group() -> click.Group:
    @click.group(name="auth", help="Authorise CRB to read your Microsoft 365 / Outlook.com "
                 "mail headers and calendars.")
    def auth() -> None:
        pass

    @auth.command(name="microsoft", help="Authorise CRB to read your Microsoft 365 or "
                  "Outlook.com mail headers and calendars (device-code sign-in: works over "
                  "SSH; Mail.ReadBasic, Calendars.Read, offline_access).")
    @click.option("--client-id", help="The Application (client) ID of your own app "
                  "registration in Microsoft Entra ID; needed the first time (or set "
                  "client_id in [sources.outlook_mail]).")
    @click.option("--tenant", help="Your directory (tenant) ID or domain; default the "
                  "tenant setting, else \"common\" (work, school and personal accounts); "
                  "\"consumers\" for Outlook.com only.")
    @click.option("--keyring", "use_keyring", is_flag=True,
                  help="Keep the token in the system keyring instead of a file.")
    @click.option("--timeout", type=click.FloatRange(min=1), default=900.0, show_default=True,
                  help="Seconds to wait for the sign-in (the code lives 15 minutes).")
    def microsoft(client_id: str | None, tenant: str | None, use_keyring: bool,
                  timeout: float) -> None:
        run_auth(client_id=client_id, tenant=tenant, use_keyring=use_keyring, timeout=timeout)

    return auth
