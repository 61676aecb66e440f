"""The ``Store``: one SQLite file opened safely, migrated, and written through one path."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crb_tui import records as r
from crb_tui.clock import now_utc
from crb_tui.errors import Ambiguous, CrbError, NotFound
from crb_tui.files import create_private, refuse_symlink, restrict
from crb_tui.identity import NoiseRules, is_placeholder, normalise
from crb_tui.limits import MAX_ID
from crb_tui.store import locking, tables
from crb_tui.store.reading import Reader, interruptible

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
)
"""The names of the core migrations (crb_tui.store.migrations), so that opening an up-to-date
store need not load sqlite-utils to learn that there is nothing to do (a test keeps the two
lists the same)."""

BATCH_SIZE = 500


def iso(value: dt.datetime | dt.date | str | None) -> str | None:
    """Timestamps are stored as UTC ``YYYY-MM-DDTHH:MM:SS+00:00`` so they sort as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    return value.isoformat()


def escape_like(text: str) -> str:
    """``text`` for a ``LIKE ? ESCAPE '\\'`` pattern, its ``%``, ``_`` and ``\\`` matching
    only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class WriteResult:
    """What the write path did with each record it was given. Nothing goes uncounted."""

    seen: int = 0
    imported: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, str]] = field(default_factory=list)
    touched_people: set[int] = field(default_factory=set)
    new_people: int = 0

    def add(self, other: WriteResult) -> None:
        self.seen += other.seen
        self.imported += other.imported
        self.updated += other.updated
        self.merged += other.merged
        self.unchanged += other.unchanged
        self.skipped.update(other.skipped)
        self.removed.update(other.removed)
        self.rejected.extend(other.rejected)
        self.touched_people |= other.touched_people
        self.new_people += other.new_people

    def as_dict(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "imported": self.imported,
            "updated": self.updated,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "skipped": dict(sorted(self.skipped.items())),
            "removed": dict(sorted(self.removed.items())),
            "rejected": list(self.rejected),
            "new_people": self.new_people,
        }


class Store:
    """CRB's database. Open with :func:`open_store`; it belongs to the thread that opened it."""

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
        block (or rolls back if it raises). Nested, it is a savepoint of the outer one."""
        return locking.transaction(self.conn)

    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """A read transaction: one consistent view of the database, no lock taken; it may
        write ``temp`` tables only."""
        return locking.transaction(self.conn, write=False)

    def trial(self) -> contextlib.AbstractContextManager[None]:
        """A write transaction that is always rolled back (a dry run: real writes, real
        counts, nothing kept). It holds the write lock until the block ends."""
        return locking.transaction(self.conn, keep=False)

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
        if path is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            locking.configure(conn)
            _configure(conn, memory=True)
            store_path = None
        else:
            store_path = Path(path).expanduser()
            refuse_symlink(store_path, "database")
            if store_path.exists():
                _check_is_sqlite(store_path)
            else:
                try:
                    create_private(store_path, "database")
                except CrbError:
                    # Another process created it a moment ago (several starting at once on a
                    # new file): theirs is ours; a link that appeared is still refused.
                    refuse_symlink(store_path, "database")
                    if not store_path.is_file():
                        raise
            try:
                conn = sqlite3.connect(str(store_path), check_same_thread=False)
                locking.configure(conn)
                _check_foreign(conn, store_path)
                _configure(conn, memory=False)
            except sqlite3.DatabaseError as exc:
                raise CrbError(f"{store_path}: not a usable SQLite database: {exc}") from exc
        db = None
        try:
            if plugin_migrations or not _up_to_date(conn):
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
        if store_path is not None:
            _restrict_permissions(store_path)
        return cls(conn, store_path, db=db, **kwargs)

    def close(self) -> None:
        self.conn.close()  # not self.db: that would load sqlite-utils just to close

    def change_token(self) -> tuple[int, int]:
        """A value that differs from an earlier one once anything was written since: by this
        connection, or (committed) by another process."""
        version = self.conn.execute("pragma data_version").fetchone()[0]
        return self.conn.total_changes, version

    def reader(self) -> Reader | None:
        """A :class:`~crb_tui.store.reading.Reader` of the same file: a read-only connection of
        its own, for a long read on another thread that must not hold up this one (``None`` for
        an in-memory store). Close it after."""
        return None if self.path is None else Reader(self.path)

    def interruptible(self, wanted: Callable[[], bool]) -> contextlib.AbstractContextManager[None]:
        """Reads in the block stop (raising :class:`~crb_tui.errors.QueryCancelled`) once
        ``wanted()`` is false: see :func:`crb_tui.store.reading.interruptible`."""
        return interruptible(self.conn, wanted)

    def _load_ignored(self) -> None:
        for kind, value in self.conn.execute("select kind, value from ignored"):
            self.noise.block(kind, value)

    def reload_ignored(self) -> None:
        """Read the ignored addresses again (after some were taken back)."""
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

    def write_batch(self, batch: Sequence[r.Record], source: str) -> WriteResult:
        result = WriteResult()
        stamp = iso(now_utc())
        with self.transaction():
            writer = _BatchWriter(self, source, stamp, result)
            for record in batch:
                result.seen += 1
                writer.write(record)
            writer.flush()
        return result

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """One transaction for a large load into a (nearly) empty store.

        The full-text triggers are dropped for the load and the indexes rebuilt once at the end,
        which is several times faster than updating them row by row. Everything, the rebuild
        included, commits together or not at all.
        """
        fts_tables = [
            row[0][: -len("_fts")]
            for row in self.db.execute(
                "select name from sqlite_master where type = 'table' and name like '%\\_fts' "
                "escape '\\' and sql like '%fts5%'"
            )
        ]
        with self.transaction():
            triggers = (
                list(
                    self.db.execute(
                        "select name, sql from sqlite_master "
                        "where type = 'trigger' and tbl_name in "
                        f"({','.join('?' for _ in fts_tables)})",
                        fts_tables,
                    )
                )
                if fts_tables
                else []
            )
            for name, _ in triggers:
                self.db.execute(f"drop trigger [{name}]")
            yield
            for table in fts_tables:
                self.db.execute(f"insert into [{table}_fts]([{table}_fts]) values ('rebuild')")
            # What trigger people_health_row does person by person (it was dropped with the
            # full-text ones, as it hangs on the people table too).
            self.db.execute(
                "insert or ignore into health (person_id) select id from people "
                "where merged_into is null"
            )
            for _, sql in triggers:
                self.db.execute(sql)

    # -- identities ------------------------------------------------------------------------

    def norm(self, identity: r.Identity) -> tuple[str, str] | None:
        value = normalise(identity.kind, identity.value, self.phone_region)
        return None if value is None else (identity.kind, value)

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

    def resolve_person(self, query: str | int, *, include_merged: bool = False) -> int:
        """Find one person by id, any identity (e-mail, phone, URL) or an unambiguous name."""
        text = str(query).strip()
        if not text:
            raise NotFound("no person given")
        live = "" if include_merged else " and merged_into is null"
        if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_ID:
            rows = list(self.db.query(f"select id from people where id = ?{live}", [int(text)]))
            if rows:
                return rows[0]["id"]
        kind = _guess_identity_kind(text)
        if kind is not None:
            value = normalise(kind, text, self.phone_region)
            row = self.find_identity(kind, value) if value else None
            if row and row["person_id"] is not None:
                return _live(self.db, row["person_id"])
            if kind != "phone":
                raise NotFound(f"no person with {kind} {text!r}")
        exact = list(
            self.db.query(
                f"select id, name from people where lower(name) = lower(?){live} order by id",
                [text],
            )
        )
        if len(exact) == 1:
            return exact[0]["id"]
        candidates = exact or list(
            self.db.query(
                f"select id, name from people where name like ? escape '\\'{live} "
                "order by name limit 11",
                ["%" + escape_like(text) + "%"],
            )
        )
        if len(candidates) == 1:
            return candidates[0]["id"]
        if not candidates:
            raise NotFound(f"no person matches {text!r}")
        shown = ", ".join(f"{c['name']} (id {c['id']})" for c in candidates[:10])
        more = " and more" if len(candidates) > 10 else ""
        raise Ambiguous(f"{text!r} matches several people: {shown}{more}; use an id or e-mail")

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
        rows = list(self.db.query("select cursor from sync_state where source = ?", [source]))
        if not rows or rows[0]["cursor"] is None:
            return None
        return json.loads(rows[0]["cursor"])

    def set_cursor(self, source: str, cursor: Any) -> None:
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

    def sync_states(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from sync_state order by source"))


LINKEDIN_KEY = "linkedin:"
"""The ``source_key`` of a LinkedIn connection: ``linkedin:<day connected>:<name>``."""


class _BatchWriter:
    """Writes one batch of records inside the caller's transaction."""

    def __init__(self, store: Store, source: str, stamp: str | None, result: WriteResult) -> None:
        self.store = store
        self.db = store.db
        self.source = source
        self.stamp = stamp
        self.result = result
        self._identity_cache: dict[tuple[str, str], tuple[int, int | None]] = {}
        self._pending_interactions: list[tuple[r.Interaction, int, int | None]] = []
        self._named: set[int] = set()
        """People whose name this batch has already checked (see ``_name_if_bare``)."""

    # identities ---------------------------------------------------------------------------

    def _identity(self, key: tuple[str, str]) -> tuple[int, int | None] | None:
        hit = self._identity_cache.get(key)
        if hit is not None:
            return hit
        row = self.db.execute(
            "select id, person_id from identities where kind = ? and value = ?", key
        ).fetchone()
        if row is None:
            return None
        self._identity_cache[key] = (row[0], row[1])
        return self._identity_cache[key]

    def _add_identity(
        self, key: tuple[str, str], person_id: int | None, display: str | None
    ) -> int:
        cur = self.db.execute(
            "insert into identities (person_id, kind, value, display_name, source, first_seen) "
            "values (?, ?, ?, ?, ?, ?)",
            [person_id, key[0], key[1], display, self.source, self.stamp],
        )
        ident_id = int(cur.lastrowid or 0)
        self._identity_cache[key] = (ident_id, person_id)
        return ident_id

    def _claim_identity(self, key: tuple[str, str], ident_id: int, person_id: int) -> None:
        """Attach a waiting (person-less) identity and its interactions to a person."""
        self.db.execute("update identities set person_id = ? where id = ?", [person_id, ident_id])
        self.db.execute(
            "update interactions set person_id = ? where identity_id = ? and person_id is null",
            [person_id, ident_id],
        )
        # Interactions of this identity still waiting in this batch belong to the person too.
        self._pending_interactions = [
            (rec, i, person_id if i == ident_id and p is None else p)
            for rec, i, p in self._pending_interactions
        ]
        self._identity_cache[key] = (ident_id, person_id)

    def _new_person(self, name: str, *, triage: bool, **fields: Any) -> int:
        row = {
            "name": name,
            "triage": int(triage),
            "created": self.stamp,
            "updated": self.stamp,
            "source": self.source,
            "details": "{}",
        }
        row.update({k: v for k, v in fields.items() if v is not None})
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = self.db.execute(f"insert into people ({cols}) values ({marks})", list(row.values()))
        self.result.new_people += 1
        return int(cur.lastrowid or 0)

    # dispatch -----------------------------------------------------------------------------

    def write(self, record: r.Record) -> None:
        try:
            if isinstance(record, r.Interaction):
                self._interaction(record)
            elif isinstance(record, r.Person):
                self.flush()
                self._person(record)
            elif isinstance(record, r.Skip):
                self.result.skipped[record.reason] += 1
            elif isinstance(record, r.Delete):
                self.flush()  # what was yielded before the delete is stored first
                self._delete(record)
            elif isinstance(record, r.Reject):
                self.result.rejected.append({"where": record.where, "reason": record.reason})
            elif isinstance(record, r.Commitment | r.ValueMoment | r.Goal | r.Note):
                self.flush()
                self._owned(record)
            else:
                self._reject(record, f"not a CRB record: {type(record).__name__}")
        except _Rejected as exc:
            self._reject(record, str(exc))

    def _reject(self, record: Any, reason: str) -> None:
        key = getattr(record, "source_key", None) or getattr(record, "name", None) or ""
        self.result.rejected.append({"where": f"{self.source}:{key}", "reason": reason})

    # people -------------------------------------------------------------------------------

    def _person(self, rec: r.Person) -> None:
        name = (rec.name or "").strip()
        keys: list[tuple[str, str]] = []
        for ident in rec.identities:
            key = self.store.norm(ident)
            if key is None:
                continue
            # Own, role (info@, sales@) and blocked addresses never identify a person: two cards
            # sharing a team mailbox must not merge into one.
            if self.store.noise.reason(*key) is not None:
                continue
            if key not in keys:
                keys.append(key)
        if rec.tier is not None and rec.tier not in r.TIERS:
            raise _Rejected(f"unknown tier {rec.tier!r}")
        if not name and not keys:
            raise _Rejected("no name and no identity")
        person_id: int | None = None
        for key in keys:
            hit = self._identity(key)
            if hit and hit[1] is not None:
                person_id = _live(self.db, hit[1])
                break
        if person_id is None and rec.source_key:
            row = self.db.execute(
                "select id from people where source_key = ?", [rec.source_key]
            ).fetchone()
            if row:
                person_id = _live(self.db, row[0])
        org_id = self.store.org_id(rec.org, self.stamp)
        if person_id is None:
            person_id = self._same_name(name, org_id, rec.title, keys, rec.source_key)
        details = json.dumps(rec.details, sort_keys=True) if rec.details else None
        if person_id is None:
            person_id = self._new_person(
                name or keys[0][1],
                triage=rec.triage,
                org_id=org_id,
                title=rec.title,
                tier=rec.tier or "none",
                cadence_days=rec.cadence_days,
                birthday=rec.birthday,
                details=details,
                source_key=rec.source_key,
            )
            created = changed = True
        else:
            created = False
            changed = self._fill_person(person_id, name, org_id, rec, details)
        for key in keys:
            hit = self._identity(key)
            if hit is None:
                self._add_identity(key, person_id, name or None)
                changed = True
            elif hit[1] is None:
                self._claim_identity(key, hit[0], person_id)
                changed = True
        # One count per record: a new person, a known one who gained fields or identities
        # (merged), or a known one the record told nothing new.
        if created:
            self.result.imported += 1
        elif changed:
            self.result.merged += 1
        else:
            self.result.unchanged += 1
        self.result.touched_people.add(person_id)

    def _same_name(
        self,
        name: str,
        org_id: int | None,
        title: str | None,
        keys: list[tuple[str, str]],
        source_key: str | None,
    ) -> int | None:
        """The one person a contact with no known identity is, found by name (case ignored)
        and the same organisation or the same job title, when exactly one person fits: a
        re-export whose rows lost or gained e-mail and URL (LinkedIn's older exports have no
        URLs) or whose person changed jobs keeps that person. Someone who has an identity of a
        kind the contact brings (another LinkedIn URL, another e-mail) is someone else, and so
        is another LinkedIn connection (made on another day: ``linkedin:<day>:<name>``)."""
        title = (title or "").strip().casefold()
        if not name or not (org_id or title):
            return None
        linkedin = (source_key or "").startswith(LINKEDIN_KEY)
        fits = [
            pid
            for pid, their_org, their_title, their_key in self.db.execute(
                "select id, org_id, title, source_key from people where name = ? collate nocase "
                "and merged_into is null",
                [name],
            )
            if ((org_id and their_org == org_id)
                or (title and (their_title or "").strip().casefold() == title))
            and not (linkedin and (their_key or "").startswith(LINKEDIN_KEY))
        ]
        kinds = sorted({kind for kind, _ in keys})
        if kinds and fits:
            marks = ",".join("?" for _ in kinds)
            taken = {
                row[0]
                for row in self.db.execute(
                    f"select distinct person_id from identities where kind in ({marks}) "
                    f"and person_id in ({','.join('?' for _ in fits)})",
                    [*kinds, *fits],
                )
            }
            fits = [pid for pid in fits if pid not in taken]
        return fits[0] if len(fits) == 1 else None

    def _fill_person(
        self, person_id: int, name: str, org_id: int | None, rec: r.Person, details: str | None
    ) -> bool:
        """Fill in what the store did not know; never overwrite what is there."""
        row = self.db.execute(
            "select name, org_id, title, birthday, details, cadence_days, source_key "
            "from people where id = ?",
            [person_id],
        ).fetchone()
        updates: dict[str, Any] = {}
        cur_name, cur_org, cur_title, cur_bday, cur_details, cur_cadence, cur_key = row
        if name and (not cur_name or ("@" in cur_name and "@" not in name)):
            updates["name"] = name
        if org_id and not cur_org:
            updates["org_id"] = org_id
        if rec.title and not cur_title:
            updates["title"] = rec.title
        if rec.birthday and not cur_bday:
            updates["birthday"] = rec.birthday
        if rec.cadence_days and not cur_cadence:
            updates["cadence_days"] = rec.cadence_days
        if rec.source_key and not cur_key:
            clash = self.db.execute(
                "select 1 from people where source_key = ?", [rec.source_key]
            ).fetchone()
            if not clash:
                updates["source_key"] = rec.source_key
        if details:
            merged = json.loads(cur_details or "{}")
            new = {k: v for k, v in rec.details.items() if k not in merged}
            if new:
                merged.update(new)
                updates["details"] = json.dumps(merged, sort_keys=True)
        if not updates:
            return False
        updates["updated"] = self.stamp
        sets = ", ".join(f"{k} = ?" for k in updates)
        self.db.execute(f"update people set {sets} where id = ?", [*updates.values(), person_id])
        return True

    # interactions -------------------------------------------------------------------------

    def _interaction(self, rec: r.Interaction) -> None:
        if rec.kind not in r.INTERACTION_KINDS:
            raise _Rejected(f"unknown interaction kind {rec.kind!r}")
        if rec.direction not in r.DIRECTIONS:
            raise _Rejected(f"unknown direction {rec.direction!r}")
        if not rec.source_key:
            raise _Rejected("interaction without source_key")
        if not isinstance(rec.at, dt.datetime | dt.date):
            raise _Rejected(f"interaction date is not a date: {rec.at!r}")
        key = self.store.norm(rec.with_)
        if key is None:
            raise _Rejected(f"not a valid {rec.with_.kind}: {rec.with_.value!r}")
        reason = self.store.noise.reason(*key)
        if reason is not None:
            self.result.skipped[reason] += 1
            return
        hit = self._identity(key)
        policy = self.store.create_people_from
        creates = policy == "any" or (policy == "sent" and rec.direction in ("out", "mutual"))
        if hit is None:
            person_id = None
            if creates:
                person_id = self._new_person(_display_name(rec.name, key), triage=True)
            ident_id = self._add_identity(key, person_id, rec.name)
        else:
            ident_id, person_id = hit
            if person_id is None and creates:
                name = (
                    rec.name
                    or self.db.execute(
                        "select display_name from identities where id = ?", [ident_id]
                    ).fetchone()[0]
                )
                person_id = self._new_person(_display_name(name, key), triage=True)
                self._claim_identity(key, ident_id, person_id)
            elif person_id is not None:
                person_id = _live(self.db, person_id)
                if rec.name:
                    self._name_if_bare(person_id, rec.name, ident_id)
        self._pending_interactions.append((rec, ident_id, person_id))
        if len(self._pending_interactions) >= BATCH_SIZE:
            self.flush()

    def _name_if_bare(self, person_id: int, name: str, ident_id: int) -> None:
        """A real name (an attendee's own ``CN``, a sender's display name) names a person known
        so far only by an address; a name already stored is never replaced."""
        if person_id in self._named:
            return
        self._named.add(person_id)
        shown = _display_name(name, ("", ""))
        if not shown or "@" in shown:
            return
        (current,) = self.db.execute("select name from people where id = ?", [person_id]).fetchone()
        if current and "@" not in current:
            return
        self.db.execute("update people set name = ?, updated = ? where id = ?",
                        [shown, self.stamp, person_id])
        self.db.execute("update identities set display_name = ? where id = ? and "
                        "display_name is null", [shown, ident_id])
        self.result.touched_people.add(person_id)

    def flush(self) -> None:
        """Upsert the pending interactions in one pass, classifying new / updated / unchanged."""
        pending = self._pending_interactions
        if not pending:
            return
        self._pending_interactions = []
        keys = [rec.source_key for rec, _, _ in pending]
        existing: dict[str, tuple[Any, ...]] = {}
        for chunk_start in range(0, len(keys), 400):
            chunk = keys[chunk_start : chunk_start + 400]
            marks = ",".join("?" for _ in chunk)
            for row in self.db.execute(
                "select source_key, id, person_id, kind, direction, at, subject, thread, "
                f"duration_minutes from interactions where source_key in ({marks})",
                chunk,
            ):
                existing[row[0]] = row[1:]
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        # The same key twice in one batch: the last copy wins, as it would across batches.
        last = {rec.source_key: n for n, (rec, _, _) in enumerate(pending)}
        for n, (rec, ident_id, person_id) in enumerate(pending):
            if last[rec.source_key] != n:
                self.result.unchanged += 1
                continue
            values = (
                person_id,
                rec.kind,
                rec.direction,
                iso(rec.at),
                rec.subject,
                rec.thread,
                rec.duration_minutes,
            )
            old = existing.get(rec.source_key)
            if old is None:
                inserts.append((*values, ident_id, self.source, rec.source_key))
                self.result.imported += 1
            elif tuple(old[1:]) == values or (old[1] is not None and person_id is None):
                self.result.unchanged += 1
            else:
                # Keep the person the user merged this interaction into.
                merged_values = (old[1] if old[1] is not None else person_id, *values[1:])
                if tuple(old[1:]) == merged_values:
                    self.result.unchanged += 1
                    continue
                updates.append((*merged_values, rec.source_key))
                self.result.updated += 1
            if person_id is not None:
                self.result.touched_people.add(person_id)
        if inserts:
            self.db.conn.executemany(
                "insert into interactions (person_id, kind, direction, at, subject, thread, "
                "duration_minutes, identity_id, source, source_key) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
        if updates:
            self.db.conn.executemany(
                "update interactions set person_id = ?, kind = ?, direction = ?, at = ?, "
                "subject = ?, thread = ?, duration_minutes = ? where source_key = ?",
                updates,
            )

    def _delete(self, rec: r.Delete) -> None:
        if rec.source_key:
            where, args = "source_key = ?", [rec.source_key]
        elif rec.prefix:
            # A key range rather than LIKE, so the unique index on source_key is used.
            end = rec.prefix[:-1] + chr(ord(rec.prefix[-1]) + 1)
            where, args = "source_key >= ? and source_key < ?", [rec.prefix, end]
        else:
            raise _Rejected("a Delete needs a source_key or a prefix")
        people = {
            row[0]
            for row in self.db.execute(
                f"select person_id from interactions where source = ? and {where}",
                [self.source, *args],
            )
            if row[0] is not None
        }
        cur = self.db.execute(
            f"delete from interactions where source = ? and {where}", [self.source, *args]
        )
        self.result.removed[rec.reason] += int(cur.rowcount or 0)
        self.result.touched_people |= people

    # commitments, value moments, goals, notes ---------------------------------------------

    def _who(self, who: r.Identity | int) -> int:
        if isinstance(who, int) and not isinstance(who, bool):
            row = self.db.execute("select id from people where id = ?", [who]).fetchone()
            if row is None:
                raise _Rejected(f"no person with id {who}")
            return _live(self.db, who)
        key = self.store.norm(who)
        if key is None:
            raise _Rejected(f"not a valid {who.kind}: {who.value!r}")
        hit = self._identity(key)
        if hit is None or hit[1] is None:
            raise _Rejected(f"no person with {key[0]} {key[1]}")
        return _live(self.db, hit[1])

    def _owned(self, rec: r.Commitment | r.ValueMoment | r.Goal | r.Note) -> None:
        person_id = self._who(rec.who)
        table, row = _owned_row(rec, person_id, self.stamp)
        row["source"] = self.source
        if rec.source_key:
            old = self.db.execute(
                f"select * from [{table}] where source_key = ?", [rec.source_key]
            ).fetchone()
            if old is not None:
                cols = [
                    d[0] for d in self.db.execute(f"select * from [{table}] limit 0").description
                ]
                current = dict(zip(cols, old, strict=True))
                # The person may have been merged since: keep where the user put it.
                row["person_id"] = current["person_id"]
                diff = {k: v for k, v in row.items() if current.get(k) != v and k != "created"}
                if not diff:
                    self.result.unchanged += 1
                else:
                    sets = ", ".join(f"{k} = ?" for k in diff)
                    self.db.execute(
                        f"update [{table}] set {sets} where id = ?", [*diff.values(), current["id"]]
                    )
                    self.result.updated += 1
                self.result.touched_people.add(row["person_id"])
                return
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.db.execute(f"insert into [{table}] ({cols}) values ({marks})", list(row.values()))
        self.result.imported += 1
        self.result.touched_people.add(person_id)


class _Rejected(Exception):
    pass


def _live(db: Database, person_id: int) -> int:
    """Follow merges to the person that holds everything now."""
    for _ in range(50):
        row = db.execute("select merged_into from people where id = ?", [person_id]).fetchone()
        if row is None or row[0] is None:
            return person_id
        person_id = row[0]
    return person_id


def _guess_identity_kind(text: str) -> str | None:
    if "@" in text and " " not in text:
        return "email"
    if "://" in text or text.lower().startswith(("www.", "linkedin.com")):
        return "url"
    if re.fullmatch(r"[+\d][\d\s().-]{4,}", text):
        return "phone"
    return None


def _display_name(name: str | None, key: tuple[str, str]) -> str:
    """A new person's name: the one given, unless it only stands in for one (``(omitted)``,
    ``XXX``); else the identity."""
    name = (name or "").strip().strip("'\"").strip()
    return key[1] if not name or is_placeholder(name) else name


def _owned_row(
    rec: r.Commitment | r.ValueMoment | r.Goal | r.Note, person_id: int, stamp: str | None
) -> tuple[str, dict[str, Any]]:
    if isinstance(rec, r.Commitment):
        if rec.status not in ("open", "kept", "broken"):
            raise _Rejected(f"unknown commitment status {rec.status!r}")
        if rec.direction not in ("out", "in"):
            raise _Rejected(f"commitment direction must be out or in, not {rec.direction!r}")
        if not isinstance(rec.due, dt.date):
            raise _Rejected(f"due is not a date: {rec.due!r}")
        return "commitments", {
            "person_id": person_id,
            "text": rec.text,
            "due": _date(rec.due),
            "status": rec.status,
            "direction": rec.direction,
            "created": iso(rec.created) or stamp,
            "closed_at": iso(rec.closed_at),
            "source_key": rec.source_key,
        }
    if isinstance(rec, r.ValueMoment):
        if rec.kind not in r.VALUE_KINDS:
            raise _Rejected(f"unknown value kind {rec.kind!r}")
        if rec.direction not in ("given", "received"):
            raise _Rejected(f"value direction must be given or received, not {rec.direction!r}")
        return "value_moments", {
            "person_id": person_id,
            "kind": rec.kind,
            "direction": rec.direction,
            "at": iso(rec.at),
            "note": rec.note,
            "amount": rec.amount,
            "source_key": rec.source_key,
        }
    if isinstance(rec, r.Goal):
        return "goals", {
            "person_id": person_id,
            "text": rec.text,
            "confirmed_at": iso(rec.confirmed_at),
            "created": stamp,
            "active": 1,
            "source_key": rec.source_key,
        }
    return "notes", {
        "person_id": person_id,
        "at": iso(rec.at),
        "text": rec.text,
        "their_words": int(rec.their_words),
        "source_key": rec.source_key,
    }


def _date(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def _configure(conn: sqlite3.Connection, *, memory: bool) -> None:
    conn.execute("pragma foreign_keys = on")
    conn.execute("pragma recursive_triggers = on")  # as sqlite-utils sets it
    if not memory and conn.execute("pragma journal_mode").fetchone()[0] != "wal":
        conn.execute("pragma journal_mode = wal")


def _up_to_date(conn: sqlite3.Connection) -> bool:
    """Whether every core migration has been applied."""
    try:
        applied = {row[0] for row in conn.execute(
            "select name from _sqlite_migrations where migration_set = 'crb_core'")}
    except sqlite3.OperationalError:
        return False
    return applied.issuperset(CORE_MIGRATIONS)


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_is_sqlite(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise CrbError(f"{path}: cannot read database: {exc}") from exc
    if head and head != _SQLITE_MAGIC:
        raise CrbError(f"{path}: not a SQLite database (left untouched)")


def _check_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a SQLite file that holds some other program's tables."""
    try:
        names = {row[0] for row in conn.execute(
            "select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise CrbError(f"{path}: not a usable SQLite database: {exc}") from exc
    if not names:
        return
    if "_sqlite_migrations" in names:
        sets = {
            row[0] for row in conn.execute("select distinct migration_set from _sqlite_migrations")
        }
        if "crb_core" in sets:
            return
    raise CrbError(
        f"{path}: this SQLite file belongs to another program (tables: "
        f"{', '.join(sorted(names)[:5])}); left untouched"
    )


def _restrict_permissions(path: Path) -> None:
    for candidate in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        restrict(candidate)
