"""Reading beside the writer: a :class:`Reader` is a read-only ``Store`` of the same file, and a
:class:`ReadPool` lends a few of them, one read at a time, to whichever thread asks (datasette's
``Database`` does the same: one writer, a small fixed pool of read connections).

A fixed pool, not a reader per thread: the app's workers are new threads each time, and a
connection per thread would be one more open connection per keystroke. Each read the pool lends
is one read transaction, so it sees one commit whole (the last one when it starts: the file is
in WAL mode, so it neither waits for the writer nor holds it up)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from crb_tui.errors import StoreUnavailable
from crb_tui.store import locking
from crb_tui.store.faults import read_only_uri
from crb_tui.store.name_key import register_fold
from crb_tui.store.store import Store

READERS = 3
"""Read connections a pool keeps open at most (more readers at once wait for one)."""


class Reader(Store):
    """A read-only connection to a store's file, with the ``Store``'s read methods (the read
    queries, :mod:`crb_tui.store.queries` and the rest, take it where they take a ``Store``).
    Writing to the file fails (:class:`~crb_tui.errors.StoreUnavailable`); ``temp`` tables
    (the health explanation's) work. Close it after (or use it in a ``with`` block)."""

    def __init__(self, path: Path) -> None:
        conn = sqlite3.connect(read_only_uri(Path(path)), uri=True, check_same_thread=False)
        try:
            locking.configure(conn)
            register_fold(conn)  # (a name looked up folds it, as on the writer)
            super().__init__(conn, Path(path))
        except BaseException:
            conn.close()
            raise

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Refused: a reader never writes (nor takes the write lock, holding up the writer)."""
        raise StoreUnavailable(f"{self.path}: a read-only connection cannot write")

    trial = transaction

    @classmethod
    def of(cls, store: Store) -> Reader | None:
        """A reader of ``store``'s file (``None`` for an in-memory store, which has none)."""
        return None if store.path is None else cls(store.path)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class ReadPool:
    """Up to ``size`` :class:`Reader` of the file at ``path``, opened as needed and kept open
    until :meth:`close`; :meth:`reader` lends one for the length of a ``with`` block."""

    def __init__(self, path: Path, size: int = READERS) -> None:
        self.path = path
        self.size = max(1, size)
        self._free: list[Reader] = []
        self._open = 0
        self._closed = False
        self._changed = threading.Condition()

    @property
    def open(self) -> int:
        """How many read connections the pool has open (lent or free)."""
        return self._open

    @contextlib.contextmanager
    def reader(self) -> Iterator[Reader]:
        """A reader for the block, in one read transaction (rolled back after: nothing to
        keep); waits while all ``size`` are lent."""
        reader = self._take()
        try:
            with locking.transaction(reader.conn, write=False, keep=False):
                yield reader
        finally:
            self._give_back(reader)

    def _take(self) -> Reader:
        with self._changed:
            while not self._closed and not self._free and self._open >= self.size:
                self._changed.wait()
            if self._closed:
                raise StoreUnavailable(f"{self.path}: the store is closed")
            if self._free:
                return self._free.pop()
            self._open += 1
        try:
            return Reader(self.path)
        except BaseException:
            with self._changed:
                self._open -= 1
                self._changed.notify()
            raise

    def _give_back(self, reader: Reader) -> None:
        with self._changed:
            if self._closed:
                reader.close()
                self._open -= 1
            else:
                self._free.append(reader)
            self._changed.notify()

    def close(self) -> None:
        """Close the free readers now and each lent one as it comes back."""
        with self._changed:
            self._closed = True
            free, self._free = self._free, []
            self._open -= len(free)
            self._changed.notify_all()
        for reader in free:
            reader.close()
