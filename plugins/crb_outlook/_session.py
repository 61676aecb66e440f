"""What both Outlook sources set up for one sync: settings, the token, the HTTP client with its
retry rules, and a stop signal."""

from __future__ import annotations

import threading

import httpx

from crb_outlook._auth import Credentials, stored_token
from crb_outlook._http import GraphApi
from crb_tui import SyncContext
from crb_tui.sdk import check_range
from crb_tui.sdk.http import AuthError, retry_settings


class Session:
    def __init__(self, ctx: SyncContext, *, prefer: str = "") -> None:
        cfg = ctx.config
        source = ctx.source
        retries = retry_settings(source, cfg)
        check_range(source, cfg, "page_size", 1, 1000)
        self.ctx = ctx
        try:
            self.store, data = stored_token(source, cfg)
        except AuthError as exc:
            raise AuthError(f"{source}: {exc}") from exc
        self.stop = threading.Event()
        timeout = float(cfg["timeout"])
        self.client: httpx.Client = ctx.http_client(
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)))
        preferences = [f"odata.maxpagesize={int(cfg['page_size'])}"]
        if prefer:
            preferences.append(prefer)
        self.api = GraphApi(
            self.client,
            **retries,
            headers={"Prefer": ", ".join(preferences)},
            logger=ctx.logger,
            stop=self.stop,
            cancelled=lambda: ctx.cancelled,
            on_wait=ctx.status,
            label=source,
        )
        self.credentials = Credentials(data, self.store, self.api)
        self.api.token = self.credentials.access_token
        self.api.refresh = self.credentials.refresh
        self.graph = str(cfg["graph_base"]).rstrip("/")

    def close(self) -> None:
        self.stop.set()
        self.client.close()
