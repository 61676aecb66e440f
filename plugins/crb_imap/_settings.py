"""The IMAP settings, checked without reaching the server (and without loading imapclient):
what ``crb sync imap`` checks first and ``crb doctor`` judges (``Source.check``)."""

from __future__ import annotations

from typing import Any

from crb_tui.sdk import CrbError

SECURITY = ("tls", "starttls", "none")
DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}


def account(cfg: dict[str, Any]) -> tuple[str, str, int, str]:
    """Host, security, port and user from the settings, checked without reaching the server
    (the password is resolved when the sync logs in); a :class:`CrbError` naming the setting."""
    host = str(cfg.get("host") or "").strip()
    if not host:
        raise CrbError("sources.imap.host is not set: give your mail server's IMAP address "
                       "(e.g. imap.fastmail.com)")
    security = str(cfg.get("security") or "tls").strip().lower()
    if security not in SECURITY:
        raise CrbError(f"sources.imap.security = {security!r}: use \"tls\" (port 993), "
                       "\"starttls\" (port 143) or \"none\" (no encryption)")
    port = int(cfg.get("port") or 0) or DEFAULT_PORTS[security]
    if not 0 < port < 65536:
        raise CrbError(f"sources.imap.port = {port} is not a port number")
    user = str(cfg.get("user") or "").strip()
    if not user:
        raise CrbError("sources.imap.user is not set: give the user name you log in with "
                       "(usually your e-mail address)")
    if not cfg.get("password"):
        raise CrbError('sources.imap.password is not set: give { "$env" = "IMAP_PASSWORD" } '
                       'or { "$keyring" = "service/user" } (an app password, not your own)')
    return host, security, port, user


def check(cfg: dict[str, Any]) -> None:
    account(cfg)
