"""Where a source keeps its OAuth token: a JSON file readable by its owner only, or the system
keyring. Shared by every source that signs in (Google, Microsoft), so tokens are kept one way.

- :class:`FileTokenStore`: created 0600 and replaced whole on every save
  (:func:`~crb_tui.sdk.replace_private`), in a folder of the owner's own; a file found readable
  by others is set back to 0600 (with a warning); a symbolic link is refused, never followed.
- :class:`KeyringTokenStore`: the JSON as one password (service ``crb``), with the optional
  ``keyring`` package.
- :func:`token_store`: the one a source's ``credentials_store`` and ``token_file`` settings
  ask for; the default file is ``<user data dir>/crb/<name>-token.json``, where ``crb doctor``
  checks token files.

Tokens never go in ``config.toml`` or a log line.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import platformdirs

from crb_tui.errors import CrbError, user_message
from crb_tui.files import replace_private

__all__ = [
    "KEYRING_SERVICE",
    "FileTokenStore",
    "KeyringTokenStore",
    "TokenStore",
    "default_token_path",
    "token_store",
]

KEYRING_SERVICE = "crb"

log = logging.getLogger("crb.tokens")


def default_token_path(name: str) -> Path:
    """``<user data dir>/crb/<name>-token.json``."""
    return Path(platformdirs.user_data_dir("crb")) / f"{name}-token.json"


class TokenStore:
    """Where one token lives."""

    where: str = ""

    def check(self) -> None:
        """Raise now if a token could not be saved here (before the user signs in)."""

    def load(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def save(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def authorised(self, hint: str, error: type[Exception] = CrbError) -> dict[str, Any]:
        """What ``crb auth`` saved here, or ``error`` saying what to run (``hint``, e.g.
        ```crb auth gmail --client-secrets FILE```): none yet, or one that cannot be read (a
        symbolic link or a missing keyring package is said as it is: no new token helps)."""
        self.check()
        try:
            data = self.load()
        except CrbError as exc:  # a file that is not JSON, not an object, cannot be read
            raise error(f"{exc}; run {hint} again") from exc
        if data is None:
            raise error(f"not authorised yet: run {hint}")
        return data


class FileTokenStore(TokenStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def check(self) -> None:
        if self.path.is_symlink():
            raise CrbError(f"the token file {self.path} is a symbolic link; CRB does not read, "
                           "write or chmod tokens through one: set token_file to the real file")

    def load(self) -> dict[str, Any] | None:
        self.check()
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return None
        if mode & 0o077:
            log.warning("token file %s was readable by others; setting it to 0600", self.path)
            os.chmod(self.path, stat.S_IRUSR | stat.S_IWUSR)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CrbError(f"cannot read the token file {self.path}: "
                           f"{user_message(exc)}") from exc
        if not isinstance(data, dict):
            raise CrbError(f"the token file {self.path} is not a JSON object")
        return data

    def save(self, data: dict[str, Any]) -> None:
        self.check()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with replace_private(self.path, "token file") as fh:
            fh.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


class KeyringTokenStore(TokenStore):
    """The token JSON as one password in the system keyring: service ``crb``, user ``user``."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.where = f"the system keyring ({KEYRING_SERVICE}/{user})"

    @staticmethod
    def _keyring() -> Any:
        try:
            import keyring  # type: ignore[import-not-found, unused-ignore]
        except ImportError as exc:
            raise CrbError("credentials_store = \"keyring\" needs the keyring package "
                           "(pip install keyring)") from exc
        return keyring

    def check(self) -> None:
        self._keyring()

    def load(self) -> dict[str, Any] | None:
        value = self._keyring().get_password(KEYRING_SERVICE, self.user)
        if not value:
            return None
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise CrbError(f"the token in {self.where} is not JSON") from exc
        return data if isinstance(data, dict) else None

    def save(self, data: dict[str, Any]) -> None:
        self._keyring().set_password(KEYRING_SERVICE, self.user,
                                     json.dumps(data, sort_keys=True))


def token_store(source: str, settings: dict[str, Any], *, name: str,
                keyring_user: str | None = None) -> TokenStore:
    """The store ``[sources.<source>]`` asks for: ``credentials_store = "file"`` (the file
    ``token_file``, by default ``<name>-token.json`` in CRB's data folder) or ``"keyring"``
    (user ``keyring_user``, by default ``<name>-token``)."""
    kind = str(settings.get("credentials_store") or "file").strip().lower()
    if kind == "keyring":
        return KeyringTokenStore(keyring_user or f"{name}-token")
    if kind != "file":
        raise CrbError(f"sources.{source}.credentials_store should be \"file\" or \"keyring\", "
                       f"not {kind!r}")
    path = str(settings.get("token_file") or "").strip()
    return FileTokenStore(Path(path).expanduser() if path else default_token_path(name))
