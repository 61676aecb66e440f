"""Checks made on opening a database file: that it is SQLite, and CRB's (never another
program's), and that only its owner may read it and its write-ahead log."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Sequence
from pathlib import Path

from crb_tui.errors import CrbError
from crb_tui.files import create_private, refuse_symlink, restrict

_SQLITE_MAGIC = b"SQLite format 3\x00"


def check_is_sqlite(path: Path) -> None:
    """Refuse a file that is not SQLite. It opens and closes the file by hand: only while no
    connection of this process has it open (closing would drop their locks; see Store.open)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise CrbError(f"{path}: cannot read database: {exc}") from exc
    if head and head != _SQLITE_MAGIC:
        raise CrbError(f"{path}: not a SQLite database (left untouched)")


def check_foreign(conn: sqlite3.Connection, path: Path) -> None:
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


def applied_core(conn: sqlite3.Connection) -> set[str] | None:
    """The core migrations the database has taken; None before it records any (a new file)."""
    try:
        return {row[0] for row in conn.execute(
            "select name from _sqlite_migrations where migration_set = 'crb_core'")}
    except sqlite3.OperationalError:
        return None


def check_not_newer(conn: sqlite3.Connection, path: Path, known: Collection[str]) -> None:
    """Refuse a database a newer CRB has upgraded (core migrations this one does not know):
    this one's writes would fail half-way (its statements meet tables that changed), after
    storing part of what they were asked to."""
    newer = sorted((applied_core(conn) or set()).difference(known))
    if newer:
        more = f" and {len(newer) - 1} more" if len(newer) > 1 else ""
        raise CrbError(
            f"{path}: this database was upgraded by a newer CRB (its schema has {newer[0]}"
            f"{more}, which this CRB does not know): upgrade CRB, or use a backup taken "
            "before the upgrade; nothing was changed")


def pending_upgrade(conn: sqlite3.Connection, known: Sequence[str]) -> list[str]:
    """The core migrations a database made by an earlier CRB has still to take (none for a
    new file: it has nothing to keep)."""
    applied = applied_core(conn)
    if not applied or applied.issuperset(known):
        return []
    # (a new file another process is creating at this moment holds nothing to keep)
    kept = conn.execute(
        "select exists (select 1 from people) or exists (select 1 from interactions)"
    ).fetchone()[0]
    return [name for name in known if name not in applied] if kept else []


def copy_before_upgrade(conn: sqlite3.Connection, path: Path, first: str) -> Path:
    """A copy of the database as it is, beside it, before ``first`` (a migration) changes it:
    ``crb.db.before-m020_...``, mode 0600, kept if a copy for that migration is there already.
    Raises ``CrbError`` or ``sqlite3.Error`` when it cannot be made."""
    copy = path.with_name(f"{path.name}.before-{first}")
    try:
        return copy_database(conn, copy, "copy of the database")
    except CrbError:
        if copy.is_file() and not copy.is_symlink():
            return copy  # (made by an earlier try, or another process opening it at once)
        raise


def copy_database(conn: sqlite3.Connection, target: Path, what: str) -> Path:
    """A whole copy of ``conn``'s database at ``target``, a new file (mode 0600; an existing
    file or a link is refused with ``CrbError``), in one file (no journal beside it). It is
    written to a temporary file beside ``target`` and put in place only once complete: a full
    disk or a killed process never leaves a partial copy at ``target``, and a failure (raised as
    ``sqlite3.Error`` or ``OSError``) leaves nothing."""
    refuse_symlink(target, what)
    if target.exists():
        raise CrbError(f"{target} already exists; not overwriting it")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        create_private(tmp, what)
    except CrbError as exc:  # (naming the file asked for, not the temporary one)
        raise CrbError(str(exc).replace(str(tmp), str(target))) from exc
    try:
        dest = open_copy(tmp)
        try:
            conn.backup(dest)
            dest.execute("pragma journal_mode = delete")  # (one file, whole in itself)
        finally:
            dest.close()
        _put_in_place(tmp, target)
    except FileExistsError:
        raise CrbError(f"{target} already exists; not overwriting it") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
    return target


def open_copy(path: Path) -> sqlite3.Connection:
    """The connection a copy is written through (tests make it small, to fill it)."""
    return sqlite3.connect(str(path))


def _put_in_place(tmp: Path, target: Path) -> None:
    """``tmp`` renamed to ``target``, never over a file that appeared there meanwhile."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(tmp, target)


def restrict_permissions(path: Path) -> None:
    for candidate in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        restrict(candidate)
