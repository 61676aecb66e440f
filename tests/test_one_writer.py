"""The app's side of the store's concurrency model (crb_tui/store/__init__.py): the gateway
reads on a small pool of read-only connections, writes on the store's one writer, and the
in-app sync writes through that same writer a batch at a time. So a read never waits for a
batch being written, an action during a sync waits at most for one batch's commit and never
fails, the app reads each batch once committed, and the worker threads (new ones each time)
leave no connection behind."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui import Identity, Person, Source
from crb_tui.host.app_context import AppContext
from crb_tui.store import Store, actions
from crb_tui.store import store as store_module
from crb_tui.store.pool import READERS
from crb_tui.testing import registered
from crb_tui.tui.data import Gateway
from tests.conftest import sources_plugin
from tests.waiting import join, wait_for

SYNCED = 3
"""People the test source brings, in one batch."""


def _slow_sync(ctx: Any) -> Iterator[Any]:
    for i in range(SYNCED):
        yield Person(name=f"Synced {i}", identities=[Identity("email", f"s{i}@example.org")])


@pytest.fixture
def slow_source() -> Iterator[None]:
    with registered(sources_plugin(Source(name="one_writer_slow", sync=_slow_sync,
                                          description="Slow")), "one-writer-source"):
        yield


class HeldBatch:
    """Makes every batch the store writes wait, inside its transaction, until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writing = threading.Event()
        self.release = threading.Event()
        self.stores: list[Store] = []
        original = Store.write_batch

        def held(store: Store, batch: Any, source: str, **options: Any) -> Any:
            result = original(store, batch, source, **options)
            self.stores.append(store)
            self.writing.set()
            assert wait_for(self.release, 10)
            return result

        monkeypatch.setattr(store_module.Store, "write_batch", held)


def _gateway(db: Path, config_file: Path) -> tuple[AppContext, Gateway, int]:
    store = Store.open(db)
    store.conn.execute("insert into people (name, created, updated) values ('Ann', '', '')")
    ann = store.conn.execute("select id from people").fetchone()[0]
    store.close()
    context = AppContext(db_path=db, config_path=config_file)
    gateway = Gateway(context)
    gateway.run(lambda ctx: ctx.store)  # opened, scores brought up to date: nothing pending
    return context, gateway, ann


def _people(gateway: Gateway) -> int:
    return gateway.read(lambda ctx: ctx.store.counts()["people"])


@pytest.mark.usefixtures("slow_source")
def test_reads_go_on_and_an_action_waits_one_batch_while_the_app_syncs(
    tmp_path: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "crb.db"
    context, gateway, ann = _gateway(db, config_file)
    held = HeldBatch(monkeypatch)
    done: dict[str, Any] = {}

    def sync() -> None:
        done["sync"] = gateway.sync(["one_writer_slow"])

    def act() -> None:
        done["touch"] = gateway.run(lambda ctx: actions.log_touch(
            ctx.store, ann, kind="call", today=ctx.today()))

    syncing = threading.Thread(target=sync)
    syncing.start()
    assert wait_for(held.writing, 10), "the sync never wrote its batch"
    # The batch is written, not committed: a read neither waits for it nor sees it.
    started = time.monotonic()
    assert _people(gateway) == 1
    assert time.monotonic() - started < 2.0
    # The in-app sync writes on the app's own writer (no second write connection).
    assert held.stores == [context.store]
    # An action meanwhile waits for the batch's commit...
    acting = threading.Thread(target=act)
    acting.start()
    join(acting, 0.5)
    assert acting.is_alive() and "touch" not in done
    held.release.set()
    join(syncing, 20)
    join(acting, 20)
    # ...and then succeeds; the reads see both at once.
    assert not syncing.is_alive() and not acting.is_alive()
    (summary,) = done["sync"]
    assert summary.ok and summary.imported == SYNCED
    assert _people(gateway) == 1 + SYNCED
    gateway.close()
    context.close()
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from people").fetchone()[0] == 1 + SYNCED
    assert conn.execute("select person_id, kind from interactions where id = ?",
                        [done["touch"]]).fetchone() == (ann, "call")
    conn.close()


def test_a_read_sees_each_commit_of_the_writer(tmp_path: Path, config_file: Path) -> None:
    db = tmp_path / "crb.db"
    context, gateway, _ = _gateway(db, config_file)
    for n in range(2, 6):
        context.store.write([Person(f"P{n}", [Identity("email", f"p{n}@example.org")])], "t")
        assert _people(gateway) == n  # the pool's readers are reused, never behind
    gateway.close()
    context.close()


def _open_descriptors(path: Path) -> int:
    """How many of this process's file descriptors are open on the file at ``path``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
        except OSError:
            continue
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_many_worker_threads_leave_no_connection_behind(
    tmp_path: Path, config_file: Path
) -> None:
    """Each read on a new thread (as Textual's thread workers are), many at once: the pool
    never opens more than its few connections, and closing the app closes them all."""
    db = tmp_path / "crb.db"
    context, gateway, _ = _gateway(db, config_file)
    assert _open_descriptors(db) == 1  # the writer
    errors: list[BaseException] = []
    most = [0]

    def read() -> None:
        try:
            assert _people(gateway) == 1
            most[0] = max(most[0], gateway.readers_open)
        except BaseException as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    for _ in range(25):
        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            join(thread, 20)
    assert errors == []
    assert 1 <= most[0] <= READERS
    assert _open_descriptors(db) <= 1 + READERS
    gateway.close()
    assert gateway.readers_open == 0
    # (SQLite keeps a closed connection's descriptor until the process's last connection to
    # the file closes, so as not to drop that one's locks: counted once everything is closed.)
    context.close()
    assert _open_descriptors(db) == 0


@pytest.mark.anyio
@pytest.mark.usefixtures("slow_source", "quick_watch")
async def test_the_people_list_shows_what_the_apps_own_sync_brought(context: AppContext) -> None:
    """The app's sync writes on the app's writer, not on a connection of its own: the screens
    still see its batches as someone else's writes and read again."""
    import asyncio

    from crb_tui.tui.screens.people import PeopleScreen
    from tests.test_tui import opened, screen_text, settle, type_text, until

    async with opened(context, "people", (100, 30)) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, PeopleScreen)
        await type_text(pilot, "synced")
        await settle(pilot)
        assert screen.people.total == 0
        (summary,) = await asyncio.to_thread(app.gateway.sync, ["one_writer_slow"])
        assert summary.ok and summary.imported == SYNCED
        await until(pilot, lambda: screen.people.total == SYNCED)
        assert screen.people.total == SYNCED
        assert "Synced 0" in screen_text(app)


def test_the_app_scores_again_what_another_program_wrote(
    tmp_path: Path, config_file: Path
) -> None:
    """Trial 11 T4: another program logs a call with Ann; the app's next read (its list read
    again by itself, or ^r) has her scores with that call, as `crb people` would."""
    db = tmp_path / "crb.db"
    context, gateway, ann = _gateway(db, config_file)

    def ann_scores() -> tuple[Any, ...]:
        return gateway.read(lambda ctx: tuple(ctx.store.conn.execute(
            "select last_touch, warmth from health where person_id = ?", [ann]).fetchone()))

    assert ann_scores() == (None, 0)
    at = dt.datetime.combine(context.today(), dt.time(8), tzinfo=dt.UTC).isoformat()
    with sqlite3.connect(db) as other:
        other.execute(
            "insert into interactions (person_id, kind, direction, at, source, source_key)"
            " values (?, 'call', 'mutual', ?, 'ext', 'ext:1')", [ann, at])
    assert ann_scores() == (at, 100)
    gateway.close()
    context.close()


def test_an_action_waiting_for_another_programs_write_says_so(
    tmp_path: Path, config_file: Path
) -> None:
    """Trial 12: with another program holding the database, the app's Log dialog closed and
    nothing was shown for as long as it waited (up to 30 s): the gateway says it waits, and the
    action is done once the other program lets go. With nobody else writing, nothing is said."""
    import sqlite3
    import threading

    db = tmp_path / "crb.db"
    context, _, ann = _gateway(db, config_file)
    said: list[str] = []
    gateway = Gateway(context, notice=said.append)
    gateway.run(lambda ctx: actions.log_touch(ctx.store, ann, kind="call", today=ctx.today()))
    assert said == []
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("begin immediate")

    def let_go() -> None:  # (a thread that sleeps, not threading.Timer: under libfaketime a
        time.sleep(0.5)    # Timer's wait never ends, and the test run could not end either)
        other.execute("commit")

    threading.Thread(target=let_go, daemon=True).start()
    try:
        gateway.run(lambda ctx: actions.log_touch(ctx.store, ann, kind="email",
                                                  today=ctx.today()))
    finally:
        other.close()
    assert said == ["Waiting for the database: another program is writing to it (up to 30 s)…"]
    assert gateway.read(lambda ctx: ctx.store.conn.execute(
        "select count(*) from interactions").fetchone()[0]) == 2
    context.close()
