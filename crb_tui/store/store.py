"""The ``Store``: one SQLite file opened safely, migrated, and written through one path."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crb_tui import records as r
from crb_tui.clock import now_utc
from crb_tui.errors import CrbError, NotFound
from crb_tui.files import create_private, refuse_symlink
from crb_tui.identity import NoiseRules, normalise
from crb_tui.store import health_basis, locking, name_key, tables
from crb_tui.store.faults import describe, read_only_reason, read_only_uri
from crb_tui.store.opening import (
    applied_core,
    check_foreign,
    check_is_sqlite,
    check_not_newer,
    copy_before_upgrade,
    pending_upgrade,
    restrict_permissions,
)
from crb_tui.store.reading import interruptible
from crb_tui.store.resolving import resolve_person
from crb_tui.store.state import SourceStateTable, side_file_rows
from crb_tui.store.write_result import BATCH_SIZE, WriteResult, iso

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

CORE_MIGRATIONS = (
    "m001_initial",
    "m002_fts",
    "m003_health_cache",
    "m004_interactions_covering_index",
    "m005_list_order_indexes",
    "m006_health_computed_on_index",
    "m007_calendars_meetings_by_time",
    "m008_health_series_index",
    "m009_state_source_state",
    "m010_health_model_key",
    "m011_review_queue",
    "m012_recompute_health_basis",
    "m013_writespeed_subject_index_batches",
    "m014_reviewfix_queue_kind",
    "m015_polish_name_key",
    "m016_review_queue_promises_seen",
    "m017_imp_people_index_batches",
    "m018_health_read_time",
    "m019_health_read_time_any_writer",
)
"""The names of the core migrations (crb_tui.store.migrations), so that opening an up-to-date
store need not load sqlite-utils to learn that there is nothing to do (a test keeps the two
lists the same)."""

NORM_MEMO = 100_000
"""How many normalised identities a store remembers (then it starts again)."""


def escape_like(text: str) -> str:
    """``text`` for a ``LIKE ? ESCAPE '\\'`` pattern, its ``%``, ``_`` and ``\\`` matching
    only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


THROUGH_A_LINK = ("CRB does not open its database through one, even to read (SQLite keeps its "
                  "journal beside the name it is given, apart from the database's)")


class Store:
    """CRB's database: its one read-write connection (the writer). Open with :meth:`open`.

    Threads take turns on it (:attr:`turn`): every transaction holds the turn while it runs,
    and a caller that runs several statements that belong together (an action, a health
    recompute with its temp tables) holds it around them all. Reads beside it go to read-only
    connections of their own (:meth:`reader`, :class:`crb_tui.store.pool.ReadPool`)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None,
        *,
        db: Database | None = None,
        noise: NoiseRules | None = None,
        create_people_from: str = "sent",
        phone_region: str = "",
    ) -> None:
        self.conn = conn
        self._db = db
        self.path = path
        self.noise = noise or NoiseRules()
        self.create_people_from = create_people_from
        self.phone_region = phone_region
        self.local_phones = True
        """Whether a phone number may be stored as it was before ``phone_region`` was set,
        its full form someone else's (see :meth:`local_phone`); False once a run's re-reading
        (``phone_region.reread``) found none left, so that cards need not look for them."""
        self._norms: dict[tuple[str, str], tuple[str, str] | None] = {}
        self.turn = threading.RLock()
        """Held by the thread using the connection: by every transaction (so one thread's
        statements never land in another's transaction), and by whoever runs several
        statements that belong together."""
        self._load_ignored()

    @property
    def db(self) -> Database:
        """The connection as a sqlite-utils ``Database`` (loaded on first use: reading the
        first screen of the app needs only the plain connection, and start-up is quicker
        without loading sqlite-utils)."""
        if self._db is None:
            self._db = locking.database(self.conn)
        return self._db

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Every write goes through this: one transaction that takes the write lock before it
        reads anything, waiting while another process holds it, and commits at the end of the
        block (or rolls back if it raises). Nested, it is a savepoint of the outer one. It holds
        the connection's :attr:`turn` (another thread's transaction waits for it to end)."""
        return self._in_turn(locking.transaction(self.conn))

    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """A read transaction: one consistent view of the database, no lock taken; it may
        write ``temp`` tables only."""
        return self._in_turn(locking.transaction(self.conn, write=False))

    def trial(self) -> contextlib.AbstractContextManager[None]:
        """A write transaction that is always rolled back (a dry run: real writes, real
        counts, nothing kept). It holds the write lock until the block ends."""
        return self._in_turn(locking.transaction(self.conn, keep=False))

    @contextlib.contextmanager
    def _in_turn(self, block: contextlib.AbstractContextManager[None]) -> Iterator[None]:
        with self.turn, block:
            yield

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """The rows of a query, each a dict (what ``db.query`` gives, on the plain connection)."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str | None,
        *,
        plugin_migrations: Sequence[Migrations] = (),
        **kwargs: Any,
    ) -> Store:
        """Open (creating with mode 0600 if needed) and migrate the database at ``path``.

        ``None`` opens an in-memory database (tests). A file that is not a CRB database, or not
        SQLite at all, raises :class:`CrbError` and is left exactly as it was.
        """
        read_only: str | None = None
        if path is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            locking.configure(conn)
            _configure(conn, wal=False)
            store_path = None
        else:
            store_path = Path(path).expanduser()
            refuse_symlink(store_path, "database", why=THROUGH_A_LINK)
            if store_path.exists() and _file_key(store_path) not in _OPEN_FILES:
                # Only while no connection of this process has the file open: closing any
                # descriptor of a file drops every POSIX lock the process holds on it, SQLite's
                # included, and another process would then take the database for unused and
                # delete its write-ahead log from under us.
                check_is_sqlite(store_path)
            else:
                try:
                    create_private(store_path, "database")
                except CrbError:
                    # Another process created it a moment ago (several starting at once on a
                    # new file): theirs is ours; a link that appeared is still refused.
                    refuse_symlink(store_path, "database", why=THROUGH_A_LINK)
                    if not store_path.is_file():
                        raise
            read_only = read_only_reason(store_path)
            try:
                if read_only:
                    conn = sqlite3.connect(read_only_uri(store_path), uri=True,
                                           check_same_thread=False)
                else:
                    conn = sqlite3.connect(str(store_path), check_same_thread=False)
                locking.configure(conn)
                try:
                    check_foreign(conn, store_path)
                    check_not_newer(conn, store_path, CORE_MIGRATIONS)
                    if read_only and not _up_to_date(conn):
                        raise CrbError(
                            f"{store_path} is read-only ({read_only}) and was written by an "
                            "older CRB: its schema needs upgrading, which writes it; copy it "
                            "somewhere writable and open the copy with --db")
                except CrbError:
                    conn.close()
                    raise
                _configure(conn, wal=read_only is None)
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                raise CrbError(describe(exc, store_path)
                               or f"{store_path}: not a usable SQLite database: {exc}") from exc
        db = None
        upgrade: tuple[list[str], Path | str] | None = None
        if store_path is not None:
            pending = pending_upgrade(conn, CORE_MIGRATIONS)
            if pending:  # an earlier CRB's database: a copy of it as it was is kept first
                try:
                    upgrade = (pending, copy_before_upgrade(conn, store_path, pending[0]))
                except (CrbError, sqlite3.Error, OSError) as exc:
                    upgrade = (pending, str(exc))
        try:
            if read_only:
                pass  # up to date (checked above): nothing to migrate, nothing to write
            elif plugin_migrations or not _up_to_date(conn):
                from crb_tui.store.migrations import core

                db = locking.database(conn)
                sets = [core, *plugin_migrations]
                if any(m.pending(db) for m in sets):
                    # Under the write lock, so that two processes opening a new file at once
                    # do not both apply the same migration (each set looks again inside).
                    with locking.transaction(conn):
                        for migrations in sets:
                            migrations.apply(db)
        except sqlite3.OperationalError as exc:
            raise CrbError(f"{store_path}: cannot update the database schema: {exc}") from exc
        name_key.keep_name_keys(conn)
        store = cls(conn, store_path, db=db, **kwargs)
        store.read_only = read_only
        store.upgraded = upgrade
        if store_path is not None:
            if not read_only:
                restrict_permissions(store_path)
            store._file = _file_key(store_path)
            with _OPEN_LOCK:
                _OPEN_FILES[store._file] += 1
        return store

    _file: tuple[int, int] | None = None
    read_only: str | None = None
    """Why the file cannot be written (``faults.read_only_reason``), when it cannot: it is then
    open read-only, and every write fails (``faults.describe`` says why)."""
    upgraded: tuple[list[str], Path | str] | None = None
    """Set when opening upgraded a database made by an earlier CRB: the migrations it took,
    and the copy of the database kept as it was (or why there is none)."""

    def close(self) -> None:
        self.conn.close()  # not self.db: that would load sqlite-utils just to close
        if self._file is not None:
            with _OPEN_LOCK:
                _OPEN_FILES[self._file] -= 1
                if _OPEN_FILES[self._file] <= 0:
                    del _OPEN_FILES[self._file]
            self._file = None

    def change_token(self) -> tuple[int, int]:
        """A value that differs from an earlier one once anything was written since: by this
        connection, or (committed) by another process."""
        version = self.conn.execute("pragma data_version").fetchone()[0]
        return self.conn.total_changes, version

    def held_elsewhere(self) -> bool:
        """Whether another program holds the write lock now (a write would wait for it)."""
        if self.path is None or self.read_only:
            return False
        with self.turn:
            return locking.held_elsewhere(self.conn)

    def check_schema(self) -> None:
        """Raise :class:`CrbError` when a newer CRB has upgraded the database since this store
        opened it (another process, while this one ran): its statements would meet tables
        that changed."""
        if self.path is not None:
            check_not_newer(self.conn, self.path, CORE_MIGRATIONS)

    def interruptible(self, wanted: Callable[[], bool]) -> contextlib.AbstractContextManager[None]:
        """Reads in the block stop (raising :class:`~crb_tui.errors.QueryCancelled`) once
        ``wanted()`` is false: see :func:`crb_tui.store.reading.interruptible`."""
        return interruptible(self.conn, wanted)

    def _load_ignored(self) -> None:
        for kind, value in self.conn.execute("select kind, value from ignored"):
            self.noise.block(kind, value)

    def reload_ignored(self) -> None:
        """Read the ignored addresses again (after some were taken back, here or by another
        process), in the writer's turn: the write path reads them in its own."""
        with self.turn:
            self.noise.forget_blocks()
            self._load_ignored()

    # -- the write path --------------------------------------------------------------------

    def write(self, records: Iterable[r.Record], source: str) -> WriteResult:
        """Store records from ``source``, in batches, each batch in one transaction.

        People are matched on any identity; interactions and everything with a ``source_key``
        upsert on it, so writing the same records twice adds nothing.
        """
        total = WriteResult()
        batch: list[r.Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                total.add(self.write_batch(batch, source))
                batch = []
        if batch:
            total.add(self.write_batch(batch, source))
        return total

    def write_batch(
        self, batch: Sequence[r.Record], source: str, *, in_caller_transaction: bool = False,
        card_keys: dict[tuple[str, str], int] | None = None,
    ) -> WriteResult:
        """Store one batch in one transaction, or in the caller's (see ``batch.write_records``);
        ``card_keys``: the run's, shared by its batches."""
        from crb_tui.store.batch import write_records

        if in_caller_transaction:
            return write_records(self, batch, source, card_keys)
        with self.transaction():
            return write_records(self, batch, source, card_keys)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """One transaction that adds many rows at once (a chunk of the demo data set).

        The full-text triggers (and the others on the same tables) are dropped for the block;
        at its end the rows added in it (a rowid above every one before) are indexed with one
        statement per table, their health rows made, the names given without a sort key folded
        (``name_key``), and the triggers restored, all before the commit: several times faster
        than updating the indexes row by row, and every committed state is whole, so a long
        load can commit in chunks that other processes write between.
        Only for adding rows: a row changed in the block is not indexed again.
        """
        with self.turn:
            yield from self._bulk_load()

    def _bulk_load(self) -> Iterator[None]:
        fts_tables: dict[str, list[str]] = {
            row[0][: -len("_fts")]: []
            for row in self.conn.execute(
                "select name from sqlite_master where type = 'table' and name like '%\\_fts' "
                "escape '\\' and sql like '%fts5%'"
            )
        }
        for table, columns in fts_tables.items():
            columns.extend(
                d[0] for d in self.conn.execute(f"select * from [{table}_fts] limit 0").description
            )
        with self.transaction():
            before = {
                table: self.conn.execute(f"select coalesce(max(rowid), 0) from [{table}]")
                .fetchone()[0]
                for table in {*fts_tables, "people"}
            }
            triggers = (
                self.conn.execute(
                    "select name, sql from sqlite_master "
                    "where type = 'trigger' and tbl_name in "
                    f"({','.join('?' for _ in fts_tables)})",
                    list(fts_tables),
                ).fetchall()
                if fts_tables
                else []
            )
            for name, _ in triggers:
                self.conn.execute(f"drop trigger [{name}]")
            name_key.set_aside_for_bulk_load(self.conn)
            yield
            for table, columns in fts_tables.items():
                cols = ", ".join(f"[{c}]" for c in columns)
                self.conn.execute(
                    f"insert into [{table}_fts] (rowid, {cols}) "
                    f"select rowid, {cols} from [{table}] where rowid > ?",
                    [before[table]],
                )
            # What trigger people_health_row does person by person (it was dropped with the
            # full-text ones, as it hangs on the people table too).
            self.conn.execute(
                "insert or ignore into health_params (person_id) select id from people "
                "where merged_into is null and id > ?",
                [before["people"]],
            )
            name_key.fold_bulk_loaded(self.conn, before["people"])
            if "interactions" in before:  # (the health_basis triggers were dropped too)
                health_basis.forget_people_of_new_interactions(self.conn, before["interactions"])
            for _, sql in triggers:
                self.conn.execute(sql)

    # -- identities ------------------------------------------------------------------------

    def norm(self, identity: r.Identity) -> tuple[str, str] | None:
        """``(kind, normalised value)``, or None when the value is not one (remembered: an
        import names the same few thousand addresses over and over)."""
        raw = (identity.kind, identity.value)
        try:
            return self._norms[raw]
        except KeyError:
            pass
        except TypeError:  # an unhashable value: not an identity at all
            return None
        value = normalise(identity.kind, identity.value, self.phone_region)
        found = None if value is None else (identity.kind, value)
        if len(self._norms) >= NORM_MEMO:
            self._norms.clear()
        self._norms[raw] = found
        return found

    def local_phone(self, identity: r.Identity) -> tuple[str, str] | None:
        """A phone number as it was stored while ``[identity] default_region`` was empty (its
        digits), when that differs from its form now: the copy ``phone_region.reread`` keeps
        when its full form is another person's, by which the write path finds the person the
        card made before (None without a region, or for a number that reads the same)."""
        if identity.kind != "phone" or not self.phone_region or not self.local_phones:
            return None
        key = self.norm(identity)
        value = normalise("phone", identity.value)
        return ("phone", value) if key and value and value != key[1] else None

    def find_identity(self, kind: str, value: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query("select * from identities where kind = ? and value = ?", [kind, value])
        )
        return rows[0] if rows else None

    # -- people ----------------------------------------------------------------------------

    def person(self, person_id: int) -> dict[str, Any]:
        rows = list(self.db.query("select * from people where id = ?", [person_id]))
        if not rows:
            raise NotFound(f"no person with id {person_id}")
        return rows[0]

    def resolve_person(self, query: str | int, *, include_merged: bool = False,
                       follow_merges: bool = True) -> int:
        """Find one person by id, any identity (e-mail, phone, URL) or an unambiguous name
        (:mod:`crb_tui.store.resolving`)."""
        return resolve_person(self, query, include_merged=include_merged,
                              follow_merges=follow_merges)

    def org_id(self, name: str | None, stamp: str | None = None) -> int | None:
        if not name or not name.strip():
            return None
        name = name.strip()
        rows = list(self.db.query("select id from organizations where name = ?", [name]))
        if rows:
            return rows[0]["id"]
        cur = self.db.execute(
            "insert into organizations (name, created) values (?, ?)",
            [name, stamp or iso(now_utc())],
        )
        return cur.lastrowid

    def counts(self) -> dict[str, int]:
        out = {t: self.db.execute(f"select count(*) from [{t}]").fetchone()[0]
               for t in tables.COUNTED}
        out["people"] = self.db.execute(
            "select count(*) from people where merged_into is null"
        ).fetchone()[0]
        return out

    # -- sync state ------------------------------------------------------------------------

    def get_cursor(self, source: str) -> Any:
        with self.turn:
            rows = list(self.db.query("select cursor from sync_state where source = ?",
                                      [source]))
        if not rows or rows[0]["cursor"] is None:
            return None
        return json.loads(rows[0]["cursor"])

    def set_cursor(self, source: str, cursor: Any) -> None:
        with self.transaction():
            self.db.execute(
                "insert into sync_state (source, cursor) values (?, ?) "
                "on conflict(source) do update set cursor = excluded.cursor",
                [source, json.dumps(cursor)],
            )

    def record_run(
        self, source: str, *, ok: bool, counts: dict[str, Any], error: str | None
    ) -> None:
        stamp = iso(now_utc())
        with self.transaction():
            self.db.execute(
                "insert into sync_state (source, last_run) values (?, ?) "
                "on conflict(source) do update set last_run = excluded.last_run",
                [source, stamp],
            )
            self.db.execute(
                "update sync_state set counts = ?, last_error = ?"
                + (", last_ok = ?" if ok else "")
                + " where source = ?",
                [json.dumps(counts), error] + ([stamp] if ok else []) + [source],
            )

    def source_state(self, source: str) -> SourceStateTable:
        """The state ``source`` keeps for itself (``ctx.state``): reads, and the writes the
        sync runner makes in the transaction of the records they go with."""
        return SourceStateTable(self.conn, source, self.turn)

    def side_file_rows(self, path: Path, table: str) -> list[dict[str, Any]]:
        """The rows of ``table`` in a SQLite file a source kept by itself before ``ctx.state``
        (see :func:`crb_tui.store.state.side_file_rows`); never a database a store of this
        process has open (closing a second connection to it would drop this one's locks)."""
        path = Path(path).expanduser()
        if path.is_file() and _file_key(path) in _OPEN_FILES:
            raise CrbError(f"{path} is CRB's database, not a file a source kept by itself")
        return side_file_rows(path, table)

    def sync_states(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from sync_state order by source"))


def _configure(conn: sqlite3.Connection, *, wal: bool) -> None:
    name_key.register_fold(conn)
    conn.execute("pragma foreign_keys = on")
    conn.execute("pragma recursive_triggers = on")  # as sqlite-utils sets it
    # Temporary tables and statement journals in memory, not in temp files: a statement that
    # fires triggers (an interaction's insert) journals every page it changes, and in a file
    # that was two write calls a page, most of an import's system time.
    conn.execute("pragma temp_store = memory")
    if wal and conn.execute("pragma journal_mode").fetchone()[0] != "wal":
        # (a new file that other processes open at the same moment: the switch needs the file
        # to itself for an instant, and SQLite does not wait for it)
        for attempt in range(100):
            try:
                conn.execute("pragma journal_mode = wal")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05)


def _up_to_date(conn: sqlite3.Connection) -> bool:
    """Whether every core migration has been applied."""
    applied = applied_core(conn)
    return applied is not None and applied.issuperset(CORE_MIGRATIONS)


_OPEN_FILES: Counter[tuple[int, int]] = Counter()
"""How many stores of this process have each database file (device, inode) open."""
_OPEN_LOCK = threading.Lock()


def _file_key(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino
