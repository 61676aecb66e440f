"""Files CRB writes (the database, exports, rejects files, backups, the starter config): created
with mode 0600 from the start (``os.open`` with the mode, never a ``chmod`` after), and never
written or chmod-ed through a symbolic link, which is refused with one clear line."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from crb_tui.errors import CrbError

PRIVATE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
"""``os.open`` flags of a file CRB creates: new (a symlink, even a dangling one, fails)."""


def refuse_symlink(path: Path, what: str, *, why: str = "") -> None:
    """Raise if ``path`` is a symbolic link (dangling or not): CRB does not write through one
    (nor open its database through one: ``why`` says so)."""
    if path.is_symlink():
        try:
            target = f" (it points to {os.readlink(path)})"
        except OSError:
            target = ""
        raise CrbError(
            f"{path} is a symbolic link{target}; "
            f"{why or f'CRB does not write its {what} through one'}: give the real path"
        )


def check_target(path: Path, what: str) -> None:
    """Raise unless :func:`replace_private` could write ``path`` (before any work is done)."""
    refuse_symlink(path, what)
    if path.is_dir():
        raise CrbError(f"{path} is a folder; give a file name for the {what}")
    if not path.parent.is_dir():
        raise CrbError(f"{path.parent} does not exist; create the folder first")


def open_new_private(path: Path, what: str) -> int:
    """A new file at ``path``, mode 0600, open for writing (its descriptor); an existing file or
    a symlink is refused. Missing parent folders are created."""
    path = Path(path).expanduser()
    refuse_symlink(path, what)
    if path.exists():
        raise CrbError(f"{path} already exists; not overwriting it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder should be, no permission, a read-only disk
        reason = "a file is in the way" if isinstance(exc, FileExistsError) else (
            exc.strerror or str(exc))
        raise CrbError(f"cannot make the folder {path.parent} for the {what}: {reason}") from exc
    try:
        return os.open(path, NEW_FILE, PRIVATE)
    except FileExistsError:  # created meanwhile (or a link appeared): still not ours to write
        raise CrbError(f"{path} already exists; not overwriting it") from None
    except OSError as exc:
        raise CrbError(f"cannot create the {what} {path}: {exc.strerror or exc}") from exc


def create_private(path: Path, what: str) -> Path:
    """A new empty file at ``path``, mode 0600 (see :func:`open_new_private`)."""
    os.close(open_new_private(path, what))
    return Path(path).expanduser()


@contextmanager
def replace_private(path: Path, what: str) -> Iterator[IO[str]]:
    """Write text to a new 0600 file beside ``path`` and, when the block ends without an error,
    rename it over ``path``: an existing regular file is replaced whole (never written through),
    a symlink or a folder is refused, and a failure leaves ``path`` as it was."""
    path = Path(path).expanduser()
    check_target(path, what)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, NEW_FILE, PRIVATE)
    except OSError as exc:
        raise CrbError(f"cannot write the {what} {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # (renaming over a link would replace the link, not its target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise CrbError(f"cannot write the {what} {path}: the disk is full ({exc.strerror}); "
                           f"{path} was left as it was") from exc
        raise


def restrict(path: Path) -> None:
    """Take group and other permissions off an existing regular file CRB owns (one made before
    CRB created its files 0600, or copied in); a symlink is left alone."""
    try:
        if path.is_symlink() or not path.exists():
            return
        if path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE)
    except OSError:
        pass
