"""What is wrong with a database file SQLite cannot write or read, in one line that names it:
read-only (the file, its folder, the file system), the disk full, or the file damaged. The
CLI, ``crb doctor`` and the app say these instead of SQLite's bare "attempt to write a readonly
database" or "database disk image is malformed"."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

_READONLY, _CORRUPT, _CANTOPEN, _FULL, _NOTADB = 8, 11, 14, 13, 26
"""SQLite's primary result codes (an extended code's low byte)."""


def read_only_reason(path: Path) -> str | None:
    """Why CRB could not write the database at ``path`` (an existing file), or None when it
    can: the file system, the file, or its folder (SQLite keeps ``NAME-wal`` and ``NAME-shm``
    beside the file) is read-only."""
    if read_only_fs(path):
        return "it is on a read-only file system"
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"its folder {folder} is read-only, and SQLite keeps {path.name}-wal and "
                f"{path.name}-shm there")
    return None


def read_only_uri(path: Path) -> str:
    """The URI that opens the database at ``path`` read-only. In a folder SQLite cannot write
    it cannot make the write-ahead log's index either: with no ``-wal`` there the file is read
    as it stands (no writer can be using it: a writer needs that log)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    folder_writable = os.access(path.parent, os.W_OK | os.X_OK) and not read_only_fs(path)
    if not folder_writable and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def read_only_fs(path: Path) -> bool:
    """Whether ``path`` is on a file system mounted read-only (unknown on Windows: False)."""
    if not hasattr(os, "statvfs"):
        return False
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def damaged(path: Path | str, detail: str) -> str:
    """The line for a damaged database, with what to do about it."""
    return (f"{path} is damaged ({detail}): restore your last `crb backup` copy, or save what "
            f'can still be read with `sqlite3 {path} ".recover" | sqlite3 recovered.db`')


def _code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def describe(error: BaseException, path: Path | str | None) -> str | None:
    """One line for ``error`` (or the SQLite error it was raised from) when it means the
    database at ``path`` cannot be written (read-only, a full disk) or is damaged; None for
    any other error."""
    seen: BaseException | None = error
    for _ in range(3):  # the error, or what it was raised from (StoreUnavailable, CrbError)
        if seen is None:
            return None
        line = _describe_one(seen, path)
        if line is not None:
            return line
        seen = seen.__cause__
    return None


def _describe_one(error: BaseException, path: Path | str | None) -> str | None:
    where = path if path is not None else "the database"
    code = _code(error)
    text = str(error)
    if code == _READONLY or "readonly database" in text:
        reason = read_only_reason(Path(path)) if path is not None else None
        return (f"CRB cannot write to {where}: {reason or 'it was opened read-only'}; "
                "nothing was changed")
    if code == _CANTOPEN and path is not None:
        reason = read_only_reason(Path(path))
        if reason:
            return f"CRB cannot open {where}: {reason}"
    if code == _FULL:
        return (f"CRB cannot write to {where}: the disk is full (free some space and run it "
                "again)")
    if code in (_CORRUPT, _NOTADB) or (
            isinstance(error, sqlite3.Error) and "Could not decode to UTF-8" in text):
        return damaged(where, text)
    if isinstance(error, UnicodeDecodeError):  # a damaged table name, read by Python
        return damaged(where, f"text that is not UTF-8 at byte {error.start}")
    return None


def disk_full(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) is SQLite's "database or disk is full"."""
    seen: BaseException | None = error
    while seen is not None:
        if _code(seen) == _FULL:
            return True
        seen = seen.__cause__
    return False
