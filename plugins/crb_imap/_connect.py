"""The IMAP connection: settings checked, TLS, login, folders; every failure turned into one line
that names the server and the user (never the password)."""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from crb_imap._settings import account
from crb_tui import SyncContext
from crb_tui.sdk import CrbError, user_message

LOST = (imaplib.IMAP4.abort, OSError, EOFError)
"""What a dropped connection raises (imapclient's abort is imaplib's; TLS and socket errors are
OSErrors): the sync reconnects and goes on where it was."""

SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail",
              "INBOX.Sent", "INBOX/Sent")
"""Where the sent mail is when no folder carries the ``\\Sent`` special-use flag (RFC 6154)."""


class ImapError(CrbError):
    """The IMAP source cannot go on: the message says what, where and as whom. ``retry``: the
    server did not answer, worth trying again when a connection was lost mid-sync."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass
class Settings:
    host: str
    port: int
    security: str
    user: str
    password: str = field(repr=False)
    folders: list[str]
    ca_file: str
    timeout: float

    @property
    def shown(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def account(self) -> str:
        return f"{self.user}@{self.host}"


def settings(ctx: SyncContext) -> Settings:
    cfg = ctx.config
    host, security, port, user = account(cfg)
    reference = cfg.get("password")
    password = ctx.secret("password")
    if not password:
        raise ImapError(f"sources.imap.password: the secret reference {reference!r} gives "
                        "no value (is the variable set, or the keyring entry there?)")
    folders = [str(f) for f in cfg.get("folders") or [] if str(f).strip()]
    timeout = float(cfg.get("timeout") or 30.0)
    return Settings(host, port, security, user, password, folders,
                    str(cfg.get("ca_file") or "").strip(), timeout)


def _tls_context(s: Settings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=s.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise ImapError(f"sources.imap.ca_file {s.ca_file!r}: cannot read it as certificates "
                        f"({getattr(exc, 'strerror', None) or exc})") from exc


_NOT_IMAP = re.compile(r"^unexpected response: b['\"](.*)['\"]$", re.DOTALL)
"""imaplib's words for a greeting that is not ``* OK``/``* PREAUTH`` (the bytes' repr)."""


def connect(s: Settings) -> IMAPClient:
    """A logged-in client; :class:`ImapError` with one clear line when that cannot be."""
    context = _tls_context(s) if s.security != "none" else None
    try:
        client = IMAPClient(s.host, port=s.port, ssl=s.security == "tls", ssl_context=context,
                            timeout=s.timeout)
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(f"the certificate of {s.shown} is not trusted "
                        f"({exc.verify_message}); if the server uses its own certificate "
                        "authority, set sources.imap.ca_file") from exc
    except ssl.SSLError as exc:
        raise ImapError(f"the IMAP server at {s.shown} did not answer with TLS "
                        f"({exc.reason or exc}): is it the right port? (993 for \"tls\", 143 "
                        'for "starttls")') from exc
    except imaplib.IMAP4.error as exc:
        greeting = _NOT_IMAP.search(str(exc))
        if greeting:  # something answered, but not with an IMAP greeting (SSH, HTTP, SMTP)
            said = greeting.group(1).encode("latin-1", "replace").decode("unicode_escape",
                                                                          "replace")
            raise ImapError(f"{s.shown} is not an IMAP server (it greets with "
                            f"{said.strip()[:40]!r}): is it the right host and port?") from exc
        raise ImapError(f"cannot reach the IMAP server at {s.shown}: {_reason(exc)}",
                        retry=True) from exc
    except OSError as exc:
        raise ImapError(f"cannot reach the IMAP server at {s.shown}: {_reason(exc)}",
                        retry=True) from exc
    try:
        client.normalise_times = False  # INTERNALDATE with its zone, not the machine's
        if s.security == "starttls":
            _starttls(client, s, context)
        try:
            if (s.user + s.password).isascii():
                client.login(s.user, s.password)
            else:
                # LOGIN takes ASCII only; AUTHENTICATE PLAIN carries UTF-8 (RFC 4616)
                client.plain_login(s.user, s.password)
        except LoginError as exc:
            raise ImapError(f"the IMAP server at {s.shown} refused the login of user "
                            f"{s.user!r}: wrong user name or password? (Gmail, iCloud and "
                            "Fastmail want an app password here)") from exc
    except BaseException:
        _close(client)
        raise
    return client


def _starttls(client: IMAPClient, s: Settings, context: ssl.SSLContext | None) -> None:
    if b"STARTTLS" not in client.capabilities():
        raise ImapError(f"the IMAP server at {s.shown} does not offer STARTTLS: use "
                        'security = "tls" (port 993), or "none" only on a network you trust')
    try:
        client.starttls(context)
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(f"the certificate of {s.shown} is not trusted "
                        f"({exc.verify_message}); if the server uses its own certificate "
                        "authority, set sources.imap.ca_file") from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "no such host"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer (timed out)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return user_message(exc)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may be gone already
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


def close(client: IMAPClient | None) -> None:
    if client is not None:
        _close(client)


@dataclass(frozen=True)
class Folder:
    name: str
    flags: tuple[bytes, ...]

    @property
    def selectable(self) -> bool:
        return b"\\noselect" not in {f.lower() for f in self.flags}


def list_folders(client: IMAPClient) -> list[Folder]:
    return [Folder(str(name), tuple(flags)) for flags, _, name in client.list_folders()]


def sent_folder(folders: list[Folder]) -> str | None:
    """The folder carrying the ``\\Sent`` special-use flag, else one with a usual name."""
    for folder in folders:
        if b"\\sent" in {f.lower() for f in folder.flags}:
            return folder.name
    names = {f.name.lower(): f.name for f in folders if f.selectable}
    for name in SENT_NAMES:
        if name.lower() in names:
            return names[name.lower()]
    return None


def status(client: IMAPClient, folder: str, condstore: bool) -> dict[str, int]:
    what = ["UIDVALIDITY", "UIDNEXT", "MESSAGES"] + (["HIGHESTMODSEQ"] if condstore else [])
    raw: dict[Any, Any] = client.folder_status(folder, what)
    return {str(k.decode() if isinstance(k, bytes) else k).upper(): int(v)
            for k, v in raw.items()}


__all__ = ["LOST", "Folder", "IMAPClientError", "ImapError", "Settings", "close",
           "connect", "list_folders", "sent_folder", "settings", "status"]
