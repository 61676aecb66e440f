"""Talking to Microsoft Graph and the Microsoft identity platform: the SDK's retry rules
(:mod:`crb_tui.sdk.http`, whose error parsing reads Graph's ``{"error": {"code": ...,
"message": ...}}`` and the identity platform's ``error`` / ``error_description``) with
Microsoft's refusals.

One :class:`GraphApi` per sync: ``429`` and ``503`` wait as long as ``Retry-After`` says (else
back off), and so do ``500``, ``502``, ``504``, time-outs and dropped connections; a ``401``
that a refresh does not cure, or a ``403``, raises :class:`~crb_tui.sdk.http.AuthError` saying
what to do; anything else :class:`~crb_tui.sdk.http.ApiError`. Delta links carry state tokens,
never credentials, but stay out of logs and messages too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from crb_tui.sdk import http

RESYNC_CODES = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})


class SyncReset(Exception):
    """The delta link expired: start the folder or calendar over."""


class GraphApi(http.JsonApi):
    """JSON GETs and form POSTs with the retry rules above."""

    service = "Microsoft"
    api = "Microsoft Graph"
    log_name = "crb.outlook"

    def failure(self, status: int, code: str, message: str, what: str, auth: bool) -> Exception:
        if status == 401 and auth:
            return http.AuthError(f"{what}: Microsoft refused the authorisation "
                                  f"({code or status}: {message}); run `crb auth microsoft` again")
        if status == 403 and auth:
            return http.AuthError(f"{what}: Microsoft denied access ({code or status}: "
                                  f"{message}); the app registration may lack the Mail.ReadBasic "
                                  "or Calendars.Read permission, or an administrator's consent: "
                                  "grant it, then run `crb auth microsoft` again")
        return super().failure(status, code, message, what, auth)

    def delta_page(self, url: str, params: dict[str, str] | None, what: str) -> dict[str, Any]:
        """One page of a delta query (a dict, even when Graph sent something else); raises
        :class:`SyncReset` when Graph says the delta link is no longer valid."""
        try:
            page = self.get(url, params, what=what)
        except http.ApiError as exc:
            if exc.status == 410 or exc.code.lower() in RESYNC_CODES:
                raise SyncReset(f"{exc.code or exc.status}: {exc.message}") from exc
            raise
        return page if isinstance(page, dict) else {}

    def delta_pages(self, url: str, params: dict[str, str] | None, what: str,
                    cursor: dict[str, Any], save: Callable[[], None]
                    ) -> Iterator[dict[str, Any]]:
        """The pages of a delta query from ``url`` on, following ``@odata.nextLink``: after
        each page the caller has handled, the next link is kept in ``cursor["next"]`` and
        ``save()`` is called (a checkpoint). The last page holds the ``@odata.deltaLink``."""
        while True:
            page = self.delta_page(url, params, what)
            yield page
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return
            cursor["next"] = url = str(next_link)
            params = None
            save()
