"""``crb auth gmail`` and ``crb auth google-calendar``."""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path
from typing import Any

import click
import httpx

from crb_google import _auth
from crb_tui.sdk import CrbError, load_config, source_config
from crb_tui.sdk.tokens import FileTokenStore


def _settings(source: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The source's settings from the config ``crb`` was started with (``--config``)."""
    root = click.get_current_context().find_root().obj
    config = getattr(root, "config", None)
    if config is None:
        config = load_config(None)
    return source_config(config, source, schema)


def open_browser(url: str) -> None:
    """Open ``url`` in a graphical browser on this machine (``--open-browser``)."""
    try:
        webbrowser.open(url, new=1)
    except webbrowser.Error:
        pass


def run_auth(source: str, schema: dict[str, Any], *, client_secrets: Path | None, port: int,
             listen: bool, browser: bool, timeout: float, use_keyring: bool) -> None:
    settings = dict(_settings(source, schema))
    if use_keyring:
        settings["credentials_store"] = "keyring"
    store = _auth.token_store(source, settings)
    store.check()
    path = client_secrets or (Path(settings["client_secrets_file"]).expanduser()
                              if settings.get("client_secrets_file") else None)
    if path is not None:
        secrets_ = _auth.load_client_secrets(path)
    else:
        old = store.load()
        if not old or not old.get("client_id") or not old.get("client_secret"):
            raise click.UsageError(
                "give --client-secrets FILE: the JSON of your own OAuth client (Google Cloud "
                "console > APIs & Services > Credentials > Create OAuth client ID > Desktop app)")
        secrets_ = _auth.ClientSecrets(str(old["client_id"]), str(old["client_secret"]))
    stdin = sys.stdin
    with httpx.Client(headers={"User-Agent": "crb-tui"},
                      timeout=httpx.Timeout(float(settings["timeout"]), connect=10.0)) as client:
        data = _auth.authorize(
            source, secrets_,
            auth_uri=str(settings["auth_uri"]), token_uri=str(settings["token_uri"]),
            client=client, echo=click.echo, stdin=stdin, port=port, listen=listen,
            open_browser=open_browser if browser else None, timeout=timeout,
        )
    try:
        store.save(data)
    except OSError as exc:
        raise CrbError(f"cannot save the token in {store.where}: {exc.strerror or exc}") from exc
    where = store.where + (" (readable by you only)" if isinstance(store, FileTokenStore)
                           else "")
    click.echo(f"Authorised: CRB can now read {_auth.SCOPES[source].rsplit('/', 1)[-1]} for "
               f"{source}. The token is in {where}.")
    click.echo(f"Next: `crb sync {source}` (add a [sources.{source}] table to your config to "
               "include it in a plain `crb sync`).")


def _command(source: str, name: str, schema: dict[str, Any], what: str) -> click.Command:
    @click.command(name=name, help=f"Authorise CRB to read {what} (OAuth with PKCE; works over "
                   "SSH: paste the address the browser ends on).")
    @click.option("--client-secrets", type=click.Path(dir_okay=False, path_type=Path),
                  help="Your OAuth client's JSON (type Desktop app) from the Google Cloud "
                       "console; needed the first time.")
    @click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
                  help="Loopback port for the redirect (0 picks a free one; fix it to forward "
                       "it with ssh -L).")
    @click.option("--no-listener", is_flag=True, help="Do not listen on 127.0.0.1; only take a "
                  "pasted address or code.")
    @click.option("--open-browser", is_flag=True, help="Open the address in a browser on this "
                  "machine.")
    @click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True,
                  help="Seconds to wait for the browser.")
    @click.option("--keyring", "use_keyring", is_flag=True,
                  help="Keep the token in the system keyring instead of a file.")
    def command(client_secrets: Path | None, port: int, no_listener: bool, open_browser: bool,
                timeout: float, use_keyring: bool) -> None:
        run_auth(source, schema, client_secrets=client_secrets, port=port,
                 listen=not no_listener, browser=open_browser, timeout=timeout,
                 use_keyring=use_keyring)

    return command


def auth_group() -> click.Group:
    from crb_google._calendar import SCHEMA as CALENDAR_SCHEMA
    from crb_google._gmail import SCHEMA as GMAIL_SCHEMA

    @click.group(name="auth", help="Authorise CRB to read your Google mail headers or calendars.")
    def auth() -> None:
        pass

    auth.add_command(_command("gmail", "gmail", GMAIL_SCHEMA,
                              "your Gmail headers (gmail.metadata: never message bodies)"))
    auth.add_command(_command("google_calendar", "google-calendar", CALENDAR_SCHEMA,
                              "your Google calendars (calendar.readonly)"))
    return auth

