"""Several CRB processes writing to one database at once: none fails on a lock, nothing is lost.

Real ``crb`` processes against a real SQLite file: an import of large mail files beside loops
of ``crb log`` / ``promise`` / ``done``; and the app's database gateway waiting for a write lock
another connection holds."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from crb_tui.records import Identity, Person
from crb_tui.store import Reader, Store
from crb_tui.store.locking import Busy
from tests.waiting import join, wait_for

SOAK_SECONDS = 12.0
"""How long the CLI loops keep writing beside the imports (the whole test stays under ~30 s)."""
MESSAGES_PER_FILE = 6_000
PEOPLE_PER_FILE = 400


def _mbox(path: Path, tag: str, messages: int, people: int) -> Path:
    """A mail file of ``messages`` sent by me, each one interaction with one of ``people``."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(messages):
            who = i % people
            fh.write(
                f"From me@example.com Mon Jan  5 10:00:00 2026\n"
                f"From: Me <me@example.com>\nTo: Person {tag}{who} <{tag}{who}@soak.example>\n"
                f"Date: Mon, 05 Jan 2026 {i // 60 % 24:02d}:{i % 60:02d}:00 +0000\n"
                f"Message-ID: <{tag}-{i}@soak.example>\nSubject: note {i}\n\nhello\n\n"
            )
    return path


class _Cli:
    """Runs the installed ``crb`` in its own process and keeps every failure it saw."""

    def __init__(self, db: Path, config: Path) -> None:
        self.db = db
        self.config = config
        self.failures: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, *args: str) -> dict[str, Any] | None:
        proc = subprocess.run(
            [sys.executable, "-m", "crb_tui", "--db", str(self.db), "--config", str(self.config),
             *args, "--json"],
            capture_output=True, text=True, env=os.environ.copy(), timeout=120,
        )
        if proc.returncode != 0:
            with self._lock:
                self.failures.append(f"crb {' '.join(args)}: exit {proc.returncode}: "
                                     f"{proc.stderr.strip()[-300:]}")
            return None
        return json.loads(proc.stdout)


def test_imports_and_cli_writes_at_once_never_fail_and_lose_nothing(
    tmp_path: Path, config_file: Path
) -> None:
    db = tmp_path / "crb.db"
    cli = _Cli(db, config_file)
    first = cli("import", str(_mbox(tmp_path / "seed.mbox", "s", 20, 2)))
    assert first is not None, cli.failures
    files = [_mbox(tmp_path / f"mail{n}.mbox", f"f{n}x", MESSAGES_PER_FILE, PEOPLE_PER_FILE)
             for n in range(12)]
    deadline = time.monotonic() + SOAK_SECONDS
    imported: list[int] = []
    done: dict[str, dict[str, int]] = {}

    def import_loop() -> None:
        for path in files:
            if time.monotonic() > deadline and len(imported) >= 2:
                break
            out = cli("import", str(path))
            if out is not None:
                imported.append(sum(s["imported"] for s in out["sources"]))

    def action_loop(person: str) -> None:
        counts = done.setdefault(person, {"log": 0, "promise": 0, "done": 0})
        n = 0
        while time.monotonic() < deadline or n < 2:  # a slow machine still writes twice
            n += 1
            if cli("log", person, "--kind", "call", "--note", f"soak {n}") is not None:
                counts["log"] += 1
            promised = cli("promise", person, f"soak promise {n}", "--due", "+3d")
            if promised is not None:
                counts["promise"] += 1
                if cli("done", str(promised["commitment_id"])) is not None:
                    counts["done"] += 1

    threads = [threading.Thread(target=import_loop),
               threading.Thread(target=action_loop, args=("s0@soak.example",)),
               threading.Thread(target=action_loop, args=("s1@soak.example",))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert cli.failures == []
    assert len(imported) >= 2, "the imports should overlap the CLI loops"
    assert imported == [MESSAGES_PER_FILE] * len(imported)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("select count(*) from interactions where source = 'mbox'"
                            ).fetchone()[0] == 20 + sum(imported)
        for email, counts in done.items():
            assert counts["log"] >= 2
            pid = conn.execute("select person_id from identities where value = ?", [email]
                               ).fetchone()[0]
            logged = conn.execute(
                "select count(*) from interactions where person_id = ? and source = 'manual' "
                "and subject like 'soak %'", [pid]).fetchone()[0]
            kept = conn.execute(
                "select count(*) from commitments where person_id = ? and status = 'kept'", [pid]
            ).fetchone()[0]
            assert (logged, kept) == (counts["log"], counts["done"]) == (counts["log"],
                                                                         counts["promise"])
    finally:
        conn.close()


def _hold_write_lock(path: Path, seconds: float, taken: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("begin immediate")
        taken.set()
        time.sleep(seconds)
        other.execute("commit")
    finally:
        other.close()


def test_app_gateway_write_waits_for_another_process_write_lock(
    tmp_path: Path, config_file: Path
) -> None:
    from crb_tui.host.app_context import AppContext
    from crb_tui.store import actions
    from crb_tui.tui.data import Gateway

    db = tmp_path / "crb.db"
    store = Store.open(db)
    store.conn.execute("insert into people (name, created, updated) values ('Ann', '', '')")
    store.close()
    context = AppContext(db_path=db, config_path=config_file)
    gateway = Gateway(context)
    gateway.run(lambda ctx: ctx.store)  # opened, scores brought up to date: nothing pending
    taken = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db, 1.0, taken))
    holder.start()
    assert wait_for(taken, 5)
    started = time.monotonic()
    touch = gateway.run(lambda ctx: actions.log_touch(ctx.store, 1, kind="call",
                                                       today=ctx.today()))
    waited = time.monotonic() - started
    holder.join()
    context.close()
    assert waited >= 0.8, "the write should have waited for the lock"
    conn = sqlite3.connect(db)
    assert conn.execute("select person_id, kind from interactions where id = ?", [touch]
                        ).fetchone() == (1, "call")
    conn.close()


def test_a_lock_held_past_the_timeout_is_one_clear_error(tmp_path: Path) -> None:
    from crb_tui.clock import today
    from crb_tui.store import actions

    db = tmp_path / "crb.db"
    store = Store.open(db)
    store.conn.execute("insert into people (name, created, updated) values ('Ann', '', '')")
    store.conn.execute("pragma busy_timeout = 300")
    taken = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db, 1.5, taken))
    holder.start()
    assert wait_for(taken, 5)
    with pytest.raises(Busy, match=r"the database is busy: another program has been writing "
                                   r"to it for more than 0\.3 s"):
        actions.log_touch(store, 1, kind="call", today=today())
    holder.join()
    assert actions.log_touch(store, 1, kind="call", today=today()) > 0
    assert store.conn.execute("select count(*) from interactions").fetchone()[0] == 1
    store.close()


def test_a_read_then_write_transaction_waits_instead_of_failing(tmp_path: Path) -> None:
    """What failed before: a transaction that reads, then writes after another process wrote."""
    db = tmp_path / "crb.db"
    store = Store.open(db)
    store.conn.execute("insert into people (name, created, updated) values ('Ann', '', '')")
    taken = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db, 0.5, taken))
    with store.transaction():
        assert store.conn.execute("select count(*) from people").fetchone()[0] == 1
        holder.start()
        time.sleep(0.2)
        assert not taken.is_set(), "this transaction holds the write lock from its start"
        store.conn.execute("update people set name = 'Ann B' where id = 1")
    holder.join()
    assert taken.is_set()
    assert store.conn.execute("select name from people").fetchone()[0] == "Ann B"
    store.close()


def test_an_export_is_one_snapshot_while_another_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crb_tui.store import export

    db = tmp_path / "crb.db"
    store = Store.open(db)
    store.conn.execute("insert into people (name, created, updated) values ('Ann', '', '')")
    real_pk = export._pk

    def write_meanwhile(table: str) -> str:
        if table == "interactions":  # people are read by now: another process adds one
            other = sqlite3.connect(db, isolation_level=None)
            other.execute("insert into people (name, created, updated) values ('Bo', '', '')")
            other.execute("insert into interactions (person_id, kind, direction, at, source, "
                          "source_key) values (2, 'call', 'mutual', '2026-11-01', 'x', 'x:1')")
            other.close()
        return real_pk(table)

    monkeypatch.setattr(export, "_pk", write_meanwhile)
    tables = export.export_document(store)["tables"]
    assert [p["name"] for p in tables["people"]] == ["Ann"]
    assert tables["interactions"] == []
    assert store.conn.execute("select count(*) from interactions").fetchone()[0] == 1
    store.close()


def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    code = ("import sys; from crb_tui.store import Store; "
            "Store.open(sys.argv[1]).close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db)], stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    errors = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in procs]
    assert [e for e in errors if e[0] != 0] == []
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("select name from _sqlite_migrations order by id")]
    conn.close()
    from crb_tui.store.store import CORE_MIGRATIONS

    assert names == list(CORE_MIGRATIONS)


def test_sqlite_utils_atomic_and_table_writes_take_the_lock_up_front(tmp_path: Path) -> None:
    """Plugins, migrations and sqlite-utils itself write through ``db.atomic()``: the same
    transaction as ``store.transaction()``."""
    db = tmp_path / "crb.db"
    store = Store.open(db)
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    with store.db.atomic():
        store.conn.execute("select count(*) from people").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("begin immediate")
    other.execute("begin immediate")
    with pytest.raises(Busy):  # waits (here 0.2 s) for the lock, then says so
        store.conn.execute("pragma busy_timeout = 200")
        store.db["ignored"].insert({"kind": "email", "value": "a@b.example", "created": ""})
    other.execute("rollback")
    store.db["ignored"].insert({"kind": "email", "value": "a@b.example", "created": ""})
    assert store.conn.execute("select value from ignored").fetchall() == [("a@b.example",)]
    other.close()
    store.close()


def test_a_source_runs_in_one_process_at_a_time(tmp_path: Path, config_file: Path) -> None:
    """cron's ``crb sync`` while the app syncs the same source: the second waits, then runs."""
    from crb_tui.store.locking import run_lock

    db = tmp_path / "crb.db"
    Store.open(db).close()
    mail = _mbox(tmp_path / "mail.mbox", "w", 50, 5)
    with run_lock(db, "mbox") as ours:
        assert ours
        assert (tmp_path / "crb.db.sync-mbox.lock").stat().st_mode & 0o777 == 0o600
        proc = subprocess.Popen(
            [sys.executable, "-m", "crb_tui", "--db", str(db), "--config", str(config_file),
             "import", str(mail), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        time.sleep(2.0)
        assert proc.poll() is None, "the import should wait for the run holding the lock"
        conn = sqlite3.connect(db)
        assert conn.execute("select count(*) from interactions").fetchone()[0] == 0
        conn.close()
        cancelled = threading.Event()
        cancelled.set()
        with run_lock(db, "mbox", cancelled=cancelled.is_set) as second:
            assert second is False  # a cancelled wait gives up
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["sources"][0]["imported"] == 50
    assert not list(tmp_path.glob("*.lock")), "a released run lock leaves no file behind"


def test_run_locks_removed_on_release_still_exclude(tmp_path: Path) -> None:
    """The lock file goes when its run ends; a waiter that took the lock on the removed file
    opens it again, so two runs never hold the lock at once."""
    from crb_tui.store.locking import run_lock

    db = tmp_path / "crb.db"
    inside: list[int] = []
    overlaps: list[int] = []

    def worker() -> None:
        for _ in range(30):
            with run_lock(db, "mbox") as ok:
                assert ok
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(1)
                time.sleep(0.001)
                inside.pop()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        join(t, 60)
    assert not overlaps
    assert not list(tmp_path.glob("*.lock"))


def test_reads_never_wait_for_a_writer(tmp_path: Path, config_file: Path) -> None:
    """WAL: ``crb people`` and ``show`` answer at once, from what is committed, while another
    process holds the write lock with a write not yet committed."""
    from tests.conftest import Crb

    crb = Crb(tmp_path / "crb.db", config_file)
    crb("import", str(_mbox(tmp_path / "seed.mbox", "r", 4, 2)))
    assert len(crb.json("people")["people"]) == 2  # scores are today's: nothing left to write
    other = sqlite3.connect(crb.db, isolation_level=None, timeout=0)
    other.execute("begin immediate")
    other.execute("insert into people (name, created, updated) values ('Uncommitted', '', '')")
    try:
        started = time.monotonic()
        names = [p["name"] for p in crb.json("people")["people"]]
        shown = crb.json("show", "r0@soak.example")
        assert time.monotonic() - started < 5
    finally:
        other.execute("rollback")
        other.close()
    assert "Uncommitted" not in names and len(names) == 2
    assert shown["name"] == "Person r0"


def test_a_second_store_in_one_process_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    """The app opens a second store for a sync on a worker thread. Opening or closing it must
    not drop the first connection's locks (POSIX locks go with any descriptor of the file
    that is closed), or the next crb process takes the database for unused, deletes its
    write-ahead log, and what the app writes afterwards is seen by nobody else."""
    path = tmp_path / "crb.db"
    Store.open(path).close()
    app = Store.open(path)
    worker = Store.open(path)
    worker.close()
    other = [sys.executable, "-c",
             "import sys; from crb_tui.store import Store; s = Store.open(sys.argv[1]); "
             "print(s.conn.execute('select count(*) from people').fetchone()[0]); s.close()",
             str(path)]
    assert subprocess.run(other, capture_output=True, text=True, check=True).stdout == "0\n"
    assert path.with_name("crb.db-wal").exists()
    app.write([Person("Ann Lee", [Identity("email", "ann@example.com")])], "t")
    assert subprocess.run(other, capture_output=True, text=True, check=True).stdout == "1\n"
    app.close()


def test_readers_on_several_threads_while_one_writes(tmp_path: Path) -> None:
    """The store's one model in a process (crb_tui/store/__init__.py): the writer's connection
    used by one thread at a time, every write transaction taking SQLite's write lock first,
    and each thread that reads beside it on a read-only connection of its own (``Reader``),
    opened and closed while the writer is in the middle of a transaction. The readers never
    wait nor fail, each read sees whole batches only (a person and their identity are written
    in one transaction) and never goes back in time; a second writer in the process (the
    app's sync runner has one) waits its turn; nothing is lost, and the file's locks hold
    (another process still reads what was written)."""
    path = tmp_path / "crb.db"
    writer, second = Store.open(path), Store.open(path)
    batches, per_batch = 40, 25
    done = threading.Event()
    errors: list[BaseException] = []
    seen: dict[int, list[int]] = {}

    def write(store: Store, prefix: str) -> None:
        try:
            for b in range(batches):
                store.write([Person(f"{prefix} {b}-{i}",
                                    [Identity("email", f"{prefix}{b}.{i}@example.com")])
                             for i in range(per_batch)], prefix)
        except BaseException as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    def read(n: int) -> None:
        counts = seen.setdefault(n, [])
        try:
            while not done.is_set() or len(counts) < 3:
                reader = Reader.of(writer)
                assert reader is not None
                with reader:
                    people, identities = reader.conn.execute(
                        "select (select count(*) from people), "
                        "(select count(*) from identities)").fetchone()
                assert people == identities  # never half a batch
                counts.append(people)
        except BaseException as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    readers = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    writers = [threading.Thread(target=write, args=(writer, "app")),
               threading.Thread(target=write, args=(second, "sync"))]
    for thread in [*readers, *writers]:
        thread.start()
    for thread in writers:
        join(thread, 120)
    done.set()
    for thread in readers:
        join(thread, 60)
    second.close()
    assert errors == []
    total = 2 * batches * per_batch
    for counts in seen.values():
        assert counts == sorted(counts) and counts[-1] <= total
    assert any(0 < c < total for counts in seen.values() for c in counts)  # read while written
    other = [sys.executable, "-c",
             "import sys; from crb_tui.store import Store; s = Store.open(sys.argv[1]); "
             "print(s.counts()['people']); s.close()", str(path)]
    assert subprocess.run(other, capture_output=True, text=True, check=True).stdout == f"{total}\n"
    writer.write([Person("Last One", [Identity("email", "last@example.com")])], "app")
    assert subprocess.run(other, capture_output=True, text=True,
                          check=True).stdout == f"{total + 1}\n"
    writer.close()
