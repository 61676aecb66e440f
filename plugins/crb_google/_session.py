"""What both Google sources set up for one sync: settings, credentials, the HTTP client with
its retry rules and rate limit, the id map (in ``ctx.state``), and a stop signal for the worker
threads."""

from __future__ import annotations

import threading

import httpx

from crb_google._auth import SCOPES, Credentials, stored_token
from crb_google._http import GoogleApi
from crb_google._ids import IdMap, open_map
from crb_tui import SyncContext
from crb_tui.sdk.http import AuthError, RateLimiter, retry_settings


class Session:
    def __init__(self, ctx: SyncContext, *, concurrency: int, quota_per_second: float,
                 label: str) -> None:
        cfg = ctx.config
        source = ctx.source
        retries = retry_settings(source, cfg)
        self.ctx = ctx
        self.scope = SCOPES[label]
        try:
            self.store, data = stored_token(label, cfg)
        except AuthError as exc:
            raise AuthError(f"{source}: {exc}") from exc
        self.stop = threading.Event()
        timeout = float(cfg["timeout"])
        self.client: httpx.Client = ctx.http_client(
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            limits=httpx.Limits(max_connections=max(4, concurrency * 2),
                                max_keepalive_connections=max(4, concurrency)),
        )
        self.limiter = RateLimiter(quota_per_second)
        self.api = GoogleApi(
            self.client,
            limiter=self.limiter,
            **retries,
            logger=ctx.logger,
            stop=self.stop,
            cancelled=lambda: ctx.cancelled,  # `x` in the app ends a "Retry after" wait
            on_wait=ctx.status,  # and the progress line says it waits
            label=source,
        )
        # A rate limit pauses every thread in the limiter: that pause ends on a cancel too.
        self.limiter.sleep = self.api.sleep
        self.api.api = "Gmail" if label == "gmail" else "Google Calendar"
        self.credentials = Credentials(label, data, self.store, self.api, str(cfg["token_uri"]))
        self.api.token = self.credentials.access_token
        self.api.refresh = self.credentials.refresh
        self.ids: IdMap = open_map(ctx, label, "gmail" if label == "gmail" else "gcal")

    def close(self) -> None:
        self.stop.set()
        self.client.close()
