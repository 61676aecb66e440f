"""Reading safely: reads that stop once nobody wants their answer (:func:`interruptible`), and
SQLite's errors turned into CRB's own (:func:`store_errors`), so that the screens and the CLI
never handle ``sqlite3`` themselves. The read-only connections themselves are in ``pool``."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator

from crb_tui.errors import QueryCancelled, StoreBusy, StoreUnavailable

CHECK_EVERY = 10_000
"""SQLite steps between two checks that an :func:`interruptible` read is still wanted."""


@contextlib.contextmanager
def interruptible(conn: sqlite3.Connection, wanted: Callable[[], bool]) -> Iterator[None]:
    """Stop the statements run on ``conn`` in the block once they are no longer ``wanted``
    (a query for a keystroke the user has typed past): SQLite asks ``wanted()`` every
    :data:`CHECK_EVERY` steps. A read stopped so, or failing once it is no longer wanted,
    raises :class:`QueryCancelled`; the connection works as before after the block."""
    conn.set_progress_handler(lambda: 0 if wanted() else 1, CHECK_EVERY)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not wanted():
            raise QueryCancelled(str(exc)) from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)


def as_store_error(error: BaseException) -> BaseException:
    """``error`` as CRB's own if it is one of SQLite's (:class:`StoreBusy` for a lock held too
    long, :class:`StoreUnavailable` for anything else); any other error as it is."""
    if isinstance(error, sqlite3.OperationalError):
        text = str(error)
        if "locked" in text or "busy" in text:
            return StoreBusy(text)
    if isinstance(error, sqlite3.DatabaseError):
        return StoreUnavailable(str(error))
    return error


@contextlib.contextmanager
def store_errors() -> Iterator[None]:
    """Raise SQLite's errors in the block as CRB's own (see :func:`as_store_error`)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise as_store_error(exc) from exc
