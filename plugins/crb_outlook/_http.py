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

from crb_tui.sdk import http


class GraphApi(http.JsonApi):
    """JSON GETs and form POSTs with the retry rules above."""

    service = "Microsoft"
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
