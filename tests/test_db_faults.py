"""A database CRB cannot write (a read-only file or folder, a full disk) or that is damaged is
named in one line, exit 1, never "unexpected error ... (run with --debug)"; a read-only one
is still read (scores as stored) and exported or backed up; ``crb doctor`` reports damage as a
failed check and says whether it can write; a backup that fails leaves nothing at its path
(trial 13 U2, U3, U6)."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crb_tui.store import opening, store
from tests.conftest import TODAY, Crb


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) read-only for the block: by its mode, or, as root (whom
    modes do not stop), made immutable."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root where chattr +i does not work: nothing is read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])


def test_a_read_only_database_is_read_as_stored_and_a_write_names_it(crb: Crb,
                                                                     tmp_path: Path) -> None:
    crb("demo", "--people", "5")
    before = _count(crb.db, "interactions")
    crb.today = TODAY + dt.timedelta(days=3)  # a new day: the scores would be written
    with read_only(crb.db):
        log = crb("log", "1", "--kind", "call", ok=False)
        assert log.exit_code == 1
        assert log.stderr == (f"crb: error: CRB cannot write to {crb.db}: the file is "
                              "read-only; nothing was changed\n")
        people = crb("people")
        assert people.stdout.count("health") == 5
        assert (f"crb: warning: cannot write to {crb.db} (the file is read-only): scores are "
                f"as last stored, not brought up to {crb.today.isoformat()}\n") in people.stderr
        crb("show", "1")
        crb("review")
        crb("export", "-o", str(tmp_path / "out.json"))
        assert len(json.loads((tmp_path / "out.json").read_text())["tables"]["people"]) == 5
        crb("backup", str(tmp_path / "copy.db"))
        assert _count(tmp_path / "copy.db", "interactions") == before
        card = tmp_path / "new.vcf"
        card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nina New\r\n"
                        "EMAIL:nina@example.org\r\nEND:VCARD\r\n", encoding="utf-8")
        imported = crb("import", str(card), ok=False)
        assert imported.exit_code == 1
        assert imported.stderr == (f"crb: error: CRB cannot write to {crb.db}: the file "
                                   "is read-only; nothing was imported\n")
        doctor = crb("doctor", status=1)
        assert (f"[FAIL] database writable: CRB cannot write to {crb.db}: the file is "
                "read-only; it can only be read") in doctor.stdout
        assert "[ok  ] database: " in doctor.stdout
    assert _count(crb.db, "interactions") == before
    assert "[ok  ] database writable: " in crb("doctor").stdout


def test_a_read_only_folder_is_not_called_a_broken_database(crb: Crb) -> None:
    crb("demo", "--people", "5")
    assert not Path(f"{crb.db}-wal").exists()  # (checkpointed when the last one closed)
    notes = _count(crb.db, "notes")
    crb.today = TODAY + dt.timedelta(days=3)
    with read_only(crb.db.parent):
        assert crb("people").stdout.count("health") == 5
        note = crb("note", "1", "hello", ok=False)
        assert note.exit_code == 1
        assert note.stderr == (
            f"crb: error: CRB cannot write to {crb.db}: its folder {crb.db.parent} is "
            "read-only, and SQLite keeps crb.db-wal and crb.db-shm there; nothing was changed\n")
    assert _count(crb.db, "notes") == notes


def test_a_full_disk_is_named_not_unexpected(crb: Crb, monkeypatch: pytest.MonkeyPatch) -> None:
    crb("demo", "--people", "5")
    notes = _count(crb.db, "notes")
    configure = store._configure

    def no_room(conn: sqlite3.Connection, *, wal: bool) -> None:
        configure(conn, wal=wal)
        pages = conn.execute("pragma page_count").fetchone()[0]
        conn.execute(f"pragma max_page_count = {pages}")  # the file cannot grow: a full disk

    monkeypatch.setattr(store, "_configure", no_room)
    result = crb("note", "1", "x" * 200_000, ok=False)
    assert result.exit_code == 1
    assert result.stderr == (f"crb: error: CRB cannot write to {crb.db}: the disk is full "
                             "(free some space and run it again)\n")
    assert _count(crb.db, "notes") == notes
    # A new day: the scores are to be stored (here they need room: a real "disk is full"
    # from SQLite), and a command that only reads still reads.
    from crb_tui.engine import health

    def grows(st: store.Store, config: object, today: dt.date) -> int:
        with st.transaction():
            st.conn.execute("create table grown (x)")
            st.conn.execute("insert into grown values (zeroblob(100000))")
        return 0

    monkeypatch.setattr(health, "bring_up_to_date", grows)
    crb.today = TODAY + dt.timedelta(days=3)
    people = crb("people")
    assert people.stdout.count("health") == 5
    assert people.stderr == (f"crb: warning: cannot write to {crb.db} (the disk is full): "
                             "scores are as last stored, not brought up to 2026-11-26\n")
    crb("backup", str(crb.db.parent / "elsewhere.db"))
    assert _count(crb.db.parent / "elsewhere.db", "notes") == notes



def test_the_review_on_a_full_disk_is_shown_with_a_warning(
    crb: Crb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The morning's review records who it showed (their places for the day): on a full disk
    that write failed and so did `crb review`, showing nothing (trial 13). It is shown, and
    the warning says it was not remembered."""
    crb("demo", "--people", "12")
    crb.today = TODAY + dt.timedelta(days=1)
    crb("people")  # (the new day's scores stored while there is room)
    sqlite3.connect(crb.db).execute("create table filler (x)").connection.close()
    configure = store._configure
    day = (crb.today - dt.timedelta(days=1)).isoformat()

    def no_room(conn: sqlite3.Connection, *, wal: bool) -> None:
        configure(conn, wal=wal)
        pages = conn.execute("pragma page_count").fetchone()[0]
        conn.execute(f"pragma max_page_count = {pages}")
        # Every free page filled, then yesterday's queue up to the last byte of its pages:
        # today's queue needs a page the file cannot grow to.
        for sql in ("insert into filler values (zeroblob(64))",
                    "insert into review_queue (day, person_id, kind) "
                    "values (?, (select coalesce(max(person_id), 0) + 1 from review_queue), 'x')"):
            with contextlib.suppress(sqlite3.OperationalError):
                for _ in range(20_000):
                    conn.execute(sql, [day] if "?" in sql else [])
            conn.commit()

    monkeypatch.setattr(store, "_configure", no_room)
    result = crb("review")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Review for {crb.today}: "), result.stdout
    assert result.stderr == (f"crb: warning: the disk is full: today's review is shown but not "
                             f"remembered in {crb.db} (the people shown may not keep their "
                             "places; free some space)\n")
    monkeypatch.undo()
    assert _count(crb.db, f"review_queue where day = '{crb.today}'") == 0


def _damaged_copy(crb: Crb, tmp_path: Path, how: str) -> Path:
    crb("demo", "--people", "5")
    copy = tmp_path / f"{how}.db"
    shutil.copy(crb.db, copy)
    data = bytearray(copy.read_bytes())
    if how == "page":  # the interactions table's first page overwritten
        with sqlite3.connect(copy) as conn:
            root = conn.execute(
                "select rootpage from sqlite_master where name = 'interactions'").fetchone()[0]
            size = conn.execute("pragma page_size").fetchone()[0]
        data[(root - 1) * size:root * size] = b"\xab" * size
    else:  # a byte of a table's name that is not UTF-8
        at = data.find(b"tablenotesnotes")
        data[at + 7] = 0xBA
    copy.write_bytes(data)
    return copy


@pytest.mark.parametrize("how", ["page", "name"])
def test_a_damaged_database_is_a_failed_check_and_refuses_writes(crb: Crb, tmp_path: Path,
                                                                 how: str) -> None:
    crb.db = _damaged_copy(crb, tmp_path, how)
    doctor = crb("doctor", status=1)
    assert f"[FAIL] database: {crb.db} is damaged (" in doctor.stdout
    assert f'restore your last `crb backup` copy, or save what can still be read with `sqlite3 ' \
           f'{crb.db} ".recover" | sqlite3 recovered.db`' in doctor.stdout
    assert "unexpected" not in doctor.stdout + doctor.stderr
    log = crb("log", "1", "--kind", "call", ok=False)
    assert log.exit_code == 1
    assert log.stderr.startswith(f"crb: error: {crb.db} is damaged (")
    assert log.stderr.count("\n") == 1 and "unexpected" not in log.stderr


def test_a_backup_that_runs_out_of_space_leaves_nothing(crb: Crb, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    crb("demo", "--people", "5")
    out = tmp_path / "backups"
    out.mkdir()
    target = out / "b.db"
    open_copy = opening.open_copy

    def small_disk(path: Path) -> sqlite3.Connection:
        conn = open_copy(path)
        conn.execute("pragma max_page_count = 3")
        return conn

    monkeypatch.setattr(opening, "open_copy", small_disk)
    result = crb("backup", str(target), ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"crb: error: backup to {target} failed: the disk holding "
                                    f"{out} is full (the copy needs about ")
    assert result.stderr.endswith(" MB); nothing was written\n")
    assert list(out.iterdir()) == []  # no partial copy, no journal, no temporary file
    monkeypatch.undo()
    crb("backup", str(target))  # the retry is not refused
    assert _count(target, "people") == _count(crb.db, "people")
    assert crb("backup", str(target), ok=False).stderr.endswith("already exists; not "
                                                                "overwriting it\n")


def test_an_export_on_a_full_disk_names_the_file(crb: Crb, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    crb("demo", "--people", "5")
    target = tmp_path / "out.json"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = crb("export", "-o", str(target), ok=False)
    assert result.exit_code == 1
    assert result.stderr == (f"crb: error: cannot write the export {target}: the disk is full "
                             f"(No space left on device); {target} was left as it was\n")
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.anyio
async def test_the_app_opens_a_read_only_database_on_a_new_day_and_says_so(
        demo_db: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crb_tui.host.app_context import AppContext
    from crb_tui.tui.app import CrbApp
    from crb_tui.tui.screens.problem import ProblemScreen
    from tests.test_tui import settle

    monkeypatch.setenv("CRB_TODAY", (TODAY + dt.timedelta(days=3)).isoformat())
    context = AppContext(db_path=demo_db, config_path=config_file)
    try:
        with read_only(demo_db):
            app = CrbApp(context, screen="people", cursor_blink=False)
            async with app.run_test(size=(100, 30)) as pilot:
                await settle(pilot)
                assert not isinstance(app.screen, ProblemScreen)
                said = [n.message for n in app._notifications]
                assert (f"CRB cannot write to {demo_db} (the file is read-only): shown as stored "
                        "(scores as last stored); changes cannot be saved") in said
    finally:
        context.close()


def test_a_lock_file_that_cannot_be_opened_says_why(tmp_path: Path) -> None:
    from crb_tui.errors import CrbError
    from crb_tui.store.locking import run_lock

    db = tmp_path / "crb.db"
    link = tmp_path / "crb.db.sync-ics.lock"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(CrbError, match=r"sync-ics\.lock: it is a symbolic link, which is "
                                       r"refused$"), run_lock(db, "ics"):
        pass
    link.unlink()
    (tmp_path / "crb.db.sync-ics.lock").mkdir()  # (no link: the system's reason, no more)
    with pytest.raises(CrbError, match=r"sync-ics\.lock: Is a directory$"), run_lock(db, "ics"):
        pass


def test_the_app_names_the_database_a_write_failed_on(crb: Crb) -> None:
    from crb_tui.store import store_errors
    from crb_tui.tui.problems import describe

    crb("demo", "--people", "5")
    with read_only(crb.db):
        opened = store.Store.open(crb.db)
        try:
            with pytest.raises(Exception) as caught, store_errors():
                opened.conn.execute("delete from notes")
            assert describe(caught.value, crb.db) == (
                "Database problem", f"CRB cannot write to {crb.db}: the file is read-only; "
                "nothing was changed")
        finally:
            opened.close()


def test_a_copy_cut_short_is_never_kept_as_the_copy_before_an_upgrade(crb: Crb,
                                                                    tmp_path: Path) -> None:
    """A process killed while it copies the database before an upgrade leaves nothing under
    the copy's name (it would be taken for the copy, and the upgrade would go on without one)."""
    import subprocess
    import sys

    from sqlite_utils import Database

    from crb_tui.store.migrations import core
    from crb_tui.store.name_key import register_fold

    old = Database(str(crb.db))
    register_fold(old.conn)
    core.apply(old, stop_before="m018_health_read_time")
    old.execute("insert into people (name, created, updated) values ('Ann Old', '', '')")
    old.conn.commit()  # (a database with nothing in it has nothing to keep a copy of)
    old.close()
    # The process dies once it has started writing the copy (any file named for it).
    killed = ("import os, sqlite3, sys\n"
              "connect = sqlite3.connect\n"
              "def dies(path, *args, **kwargs):\n"
              "    conn = connect(path, *args, **kwargs)\n"
              "    if '.before-' in str(path):\n"
              "        conn.execute('create table partial (x)')\n"
              "        os._exit(9)\n"
              "    return conn\n"
              "sqlite3.connect = dies\n"
              "from crb_tui.store import store\n"
              "store.Store.open(sys.argv[1])\n")
    ran = subprocess.run([sys.executable, "-c", killed, str(crb.db)], capture_output=True)
    assert ran.returncode == 9
    copy = crb.db.with_name(f"{crb.db.name}.before-m018_health_read_time")
    assert not copy.exists()
    crb("people")  # the next command copies it whole, then upgrades
    with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as conn:
        assert "m017_imp_people_index_batches" in {r[0] for r in conn.execute(
            "select name from _sqlite_migrations")}
        assert conn.execute("select count(*) from sqlite_master where name = 'partial'"
                            ).fetchone() == (0,)


def test_a_database_on_a_read_only_mount_says_so(crb: Crb,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """(A read-only mount as ``statvfs`` reports it: a bind mount remounted ``ro``.)"""
    crb("demo", "--people", "5")
    before = _count(crb.db, "interactions")
    statvfs = os.statvfs

    class ReadOnlyMount:
        def __init__(self, path: str) -> None:
            self.f_flag = statvfs(path).f_flag | os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", ReadOnlyMount)
    crb.today = TODAY + dt.timedelta(days=3)
    assert "it is on a read-only file system" in crb("people").stderr
    log = crb("log", "1", "--kind", "call", ok=False)
    assert (log.exit_code, log.stderr) == (1, f"crb: error: CRB cannot write to {crb.db}: it is "
                                              "on a read-only file system; nothing was changed\n")
    assert _count(crb.db, "interactions") == before


def test_a_backup_into_a_read_only_folder_names_the_backup(crb: Crb, tmp_path: Path) -> None:
    crb("demo", "--people", "5")
    folder = tmp_path / "media"
    folder.mkdir()
    with read_only(folder):
        result = crb("backup", str(folder / "b.db"), ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"crb: error: cannot create the backup {folder / 'b.db'}: ")
    assert ".tmp" not in result.stderr and list(folder.iterdir()) == []
