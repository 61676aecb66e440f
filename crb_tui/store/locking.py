"""How CRB shares one SQLite file between processes (the app, cron's ``crb sync``, CLI actions,
imports), so that none of them ever fails on a lock.

- The database is in WAL mode: reads never wait for a writer, nor a writer for readers.
- The connection never opens a transaction by itself (``isolation_level = None``): a statement
  outside :func:`transaction` commits alone.
- Every write transaction is ``BEGIN IMMEDIATE``: it takes SQLite's one write lock before it
  reads anything, waiting up to :data:`BUSY_TIMEOUT_MS` while another process holds it. (A plain
  ``BEGIN`` that reads first and writes later cannot wait: when another process wrote in
  between, SQLite refuses the upgrade at once with "database is locked", whatever the timeout.)
- Long writers hold the lock briefly: imports and syncs commit every batch (see
  ``crb_tui.host.sync``), so a waiting process gets in between two batches.
- One run of a source at a time (:func:`run_lock`): a second ``crb sync gmail`` (cron's, while
  the app syncs) waits for the first to end instead of racing it for the source's own state.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from crb_tui.errors import CrbError

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_MS = 30_000
"""How long a write waits for another process's write lock before giving up. Every CRB write
transaction is short (an import commits every batch, a full health recompute of 100,000 people
takes a few seconds), so this is only reached when something holds the lock far too long."""


class Busy(CrbError):
    """Another process held the write lock for longer than the busy timeout."""


def configure(conn: sqlite3.Connection) -> None:
    """Wait for locks, and open no transaction implicitly (every one is explicit, below)."""
    conn.isolation_level = None
    conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, write: bool = True,
                keep: bool = True) -> Iterator[None]:
    """One transaction: committed when the block ends (rolled back if it raises, or always
    when not ``keep``). Inside another one it is a savepoint of it.

    ``write`` takes the write lock first (``BEGIN IMMEDIATE``), waiting for it. Without it the
    block reads one consistent snapshot and may write only ``temp`` tables.
    """
    if conn.in_transaction:
        name = f"crb_{secrets.token_hex(8)}"
        conn.execute(f"savepoint {name}")
        try:
            yield
        except BaseException:
            _undo_savepoint(conn, name)
            raise
        if keep:
            conn.execute(f"release savepoint {name}")
        else:
            _undo_savepoint(conn, name)
        return
    _begin(conn, write=write)
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("rollback")
        raise
    if not keep:
        conn.execute("rollback")
        return
    try:
        conn.execute("commit")
    except BaseException:
        if conn.in_transaction:
            conn.execute("rollback")
        raise


def _held(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite's error says another connection holds the lock."""
    return "locked" in str(exc) or "busy" in str(exc)


def held_elsewhere(conn: sqlite3.Connection) -> bool:
    """Whether another connection holds the write lock now (a look that does not wait): a
    write would wait for it, up to the busy timeout. False inside a transaction of ours."""
    if conn.in_transaction:
        return False
    (timeout,) = conn.execute("pragma busy_timeout").fetchone()
    conn.execute("pragma busy_timeout = 0")
    try:
        conn.execute("begin immediate")
    except sqlite3.OperationalError as exc:
        return _held(exc)
    else:
        conn.execute("rollback")
        return False
    finally:
        conn.execute(f"pragma busy_timeout = {int(timeout)}")


def _begin(conn: sqlite3.Connection, *, write: bool = True) -> None:
    """Start a transaction; a write lock held too long by another process is :class:`Busy`."""
    try:
        conn.execute("begin immediate" if write else "begin")
    except sqlite3.OperationalError as exc:
        if not _held(exc):
            raise
        seconds = conn.execute("pragma busy_timeout").fetchone()[0] / 1000
        raise Busy(
            f"the database is busy: another program has been writing to it for more than "
            f"{seconds:g} s ({exc}); try again when it is done"
        ) from exc


def _undo_savepoint(conn: sqlite3.Connection, name: str) -> None:
    # An error such as a constraint failure with ON CONFLICT ROLLBACK may have ended the whole
    # transaction already: then there is no savepoint left to go back to.
    if conn.in_transaction:
        conn.execute(f"rollback to savepoint {name}")
        conn.execute(f"release savepoint {name}")


def database(conn: sqlite3.Connection) -> Database:
    """``conn`` as a sqlite-utils ``Database`` whose ``atomic()`` (used by sqlite-utils itself,
    by migrations and by plugins) is :func:`transaction`."""
    return _database_class()(conn, execute_plugins=False)


@functools.cache
def _database_class() -> type[Database]:
    from sqlite_utils import Database

    class CrbDatabase(Database):
        @contextlib.contextmanager
        def atomic(self) -> Iterator[Database]:
            with transaction(self.conn):
                yield self

    return CrbDatabase


RUN_LOCK_POLL = 0.1


def _lock_path(database: Path, source: str) -> Path:
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", source)
    return Path(database).with_name(f"{Path(database).name}.sync-{safe_name}.lock")


def run_holder(database: Path | None, source: str) -> int | None:
    """The process id of the run of ``source`` that holds its lock now (None: none, unknown)."""
    if database is None:
        return None
    try:
        text = _lock_path(database, source).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


@contextlib.contextmanager
def run_lock(
    database: Path | None,
    source: str,
    *,
    waiting: Callable[[int | None], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[bool]:
    """Hold the lock of ``source``'s runs on ``database`` for the block; while another process
    (or connection) holds it, call ``waiting`` once with its process id (None when unknown)
    and wait. Yields False if ``cancelled``
    while waiting (the block must then not run the source). The lock is a file beside the
    database (``crb.db.sync-gmail.lock``, mode 0600), removed when the block ends and released
    when the process dies, however it dies (a file left by a killed run is reused)."""
    if database is None or sys.platform == "win32":  # no flock on Windows: runs not serialised
        yield True
        return
    import fcntl

    path = _lock_path(database, source)
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            why = ("it is a symbolic link, which is refused" if os.path.islink(path)
                   else exc.strerror or str(exc))
            raise CrbError(f"cannot open the lock file {path}: {why}") from exc
        try:
            got = False
            while not got:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    got = True
                except BlockingIOError:
                    if cancelled is not None and cancelled():
                        break
                    if not told and waiting is not None:
                        waiting(run_holder(database, source))
                    told = True
                    time.sleep(RUN_LOCK_POLL)
            if got:
                # The holder before us removes the file as it releases it: a lock taken on a
                # file no longer at the path (or replaced there) locks nothing; open it again.
                try:
                    mine, there = os.fstat(fd), os.stat(path)
                    current = (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)
                except FileNotFoundError:
                    current = False
        except BaseException:
            os.close(fd)
            raise
        if got and current:
            break
        os.close(fd)
        if not got:  # cancelled while waiting
            yield False
            return
    with contextlib.suppress(OSError):  # who holds it, for a process that waits for it
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    try:
        yield True
    finally:
        # Removed while still held (no one can take a lock on it and think it theirs: see
        # above), so no empty lock file is left behind per source.
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)  # closing releases the lock
