"""A source's own state (``ctx.state``): kept in CRB's database between runs, stored with the
records around it (a dry run keeps neither, a killed run keeps both up to the same batch), and
one source's apart from another's. The source here is a plain plugin file, as a third party
writes one; each test checks the rows in the real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crb_tui import Source, State
from crb_tui.config import Config
from crb_tui.host.sync import FLUSH_EVERY, run_sync
from crb_tui.store import Store

PLUGIN = '''
import datetime as dt
import os
import signal

from crb_tui import Identity, Interaction, Source, hookimpl


def sync(ctx):
    runs = ctx.state.get("runs", 0) + 1
    ctx.state.set("runs", runs)
    seen = ctx.state.namespace("seen")
    for i in range(ctx.config["count"]):
        if i == ctx.config["fail_at"]:
            raise RuntimeError(f"the service failed at {i}")
        if i == ctx.config["interrupt_at"]:
            raise KeyboardInterrupt
        if i == ctx.config["kill_at"]:
            os.kill(os.getpid(), signal.SIGKILL)
        seen.set(f"{i:05}", {"run": runs})
        yield Interaction(source_key=f"tally:{i}", kind="message", direction="out",
                          at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                          with_=Identity("email", f"p{i % 7}@example.com"))


def source(name="tally"):
    return Source(name=name, sync=sync, config_schema={
        "count": 3, "fail_at": -1, "interrupt_at": -1, "kill_at": -1})


@hookimpl
def register_sources(register):
    register(source())
'''

_plugin: dict[str, Any] = {}
exec(compile(PLUGIN, "tally.py", "exec"), _plugin)  # the same code the CLI loads from a file


def run(db: Path, dry_run: bool = False, name: str = "tally", **settings: int) -> Any:
    store = Store.open(db)
    config = Config()
    config.sources = {name: settings}
    try:
        (summary,) = run_sync(store, config, {name: _plugin["source"](name)}, [name],
                              dry_run=dry_run)
    finally:
        store.close()
    return summary


def rows(db: Path, sql: str, args: Any = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql, args))
    finally:
        conn.close()


def state(db: Path, source: str = "tally") -> dict[str, Any]:
    return {f"{ns}/{key}" if ns else key: json.loads(value) for ns, key, value in rows(
        db, "select ns, key, value from source_state where source = ?", [source])}


def interactions(db: Path) -> int:
    return int(rows(db, "select count(*) from interactions")[0][0])


def test_the_state_is_kept_between_runs(db_path: Path) -> None:
    assert run(db_path, count=3).ok
    assert state(db_path) == {"runs": 1, "seen/00000": {"run": 1}, "seen/00001": {"run": 1},
                              "seen/00002": {"run": 1}}
    assert run(db_path, count=2).ok
    assert state(db_path)["runs"] == 2
    assert state(db_path)["seen/00001"] == {"run": 2}
    assert state(db_path)["seen/00002"] == {"run": 1}


def test_a_dry_run_keeps_no_state(db_path: Path) -> None:
    run(db_path, count=3)
    before = state(db_path)
    summary = run(db_path, dry_run=True, count=FLUSH_EVERY * 2 + 10)
    assert summary.ok and summary.seen == FLUSH_EVERY * 2 + 10  # several batches written...
    assert state(db_path) == before  # ...and rolled back, state and records alike
    assert interactions(db_path) == 3


def test_crb_sync_dry_run_on_the_command_line_keeps_no_state(tmp_path: Path) -> None:
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "tally.py").write_text(PLUGIN)
    config = tmp_path / "c.toml"
    config.write_text(f'[me]\nemails = ["me@example.com"]\n[plugins]\nplugins_dir = "{plugdir}"\n'
                      '[sources.tally]\ncount = 5\n')
    db = tmp_path / "crb.db"
    env = {**os.environ, "CRB_DB": str(db), "CRB_CONFIG": str(config)}

    def crb(*args: str) -> Any:
        out = subprocess.run([sys.executable, "-m", "crb_tui", *args, "--json"],
                             capture_output=True, text=True, env=env, check=True).stdout
        return json.loads(out)["sources"][0]

    assert crb("sync", "tally", "--dry-run")["imported"] == 5
    assert state(db) == {} and interactions(db) == 0
    assert crb("sync", "tally")["imported"] == 5
    assert state(db)["runs"] == 1 and len(state(db)) == 6


def test_a_killed_run_keeps_state_and_records_up_to_the_same_batch(tmp_path: Path) -> None:
    """SIGKILL half-way through the second batch: the first batch's records and the state set
    with them are in the file, nothing of the second."""
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "tally.py").write_text(PLUGIN)
    config = tmp_path / "c.toml"
    config.write_text(f'[plugins]\nplugins_dir = "{plugdir}"\n'
                      f'[sources.tally]\ncount = 2000\nkill_at = {FLUSH_EVERY + 120}\n')
    db = tmp_path / "crb.db"
    proc = subprocess.run([sys.executable, "-m", "crb_tui", "--db", str(db), "--config",
                           str(config), "sync", "tally"], capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert interactions(db) == FLUSH_EVERY
    seen = sorted(k for k in state(db) if k.startswith("seen/"))
    assert seen == [f"seen/{i:05}" for i in range(FLUSH_EVERY)]


def test_a_run_that_fails_keeps_state_and_records_as_far_as_it_went(db_path: Path) -> None:
    summary = run(db_path, count=10, fail_at=4)
    assert not summary.ok and "the service failed at 4" in summary.errors[0]
    assert interactions(db_path) == 4
    assert sorted(state(db_path)) == ["runs", "seen/00000", "seen/00001", "seen/00002",
                                      "seen/00003"]


def test_ctrl_c_keeps_state_and_records_as_far_as_the_run_went(db_path: Path) -> None:
    summary = run(db_path, count=10, interrupt_at=6)
    assert summary.interrupted
    assert interactions(db_path) == 6 and len(state(db_path)) == 7


def test_a_failed_write_keeps_neither_state_nor_records(db_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    run(db_path, count=2)
    from crb_tui.store.state import SourceStateTable

    real = SourceStateTable.apply

    def apply_then_fail(self: SourceStateTable, changes: Any) -> None:
        real(self, changes)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(SourceStateTable, "apply", apply_then_fail)
    summary = run(db_path, count=5)
    assert not summary.ok and "disk I/O error" in " ".join(summary.errors)
    assert interactions(db_path) == 2
    assert state(db_path)["runs"] == 1 and len(state(db_path)) == 3


def test_each_source_sees_only_its_own_state(db_path: Path) -> None:
    run(db_path, count=2)
    run(db_path, name="other", count=4)
    run(db_path, name="other", count=1)
    assert state(db_path)["runs"] == 1 and len(state(db_path)) == 3
    assert state(db_path, "other")["runs"] == 2 and len(state(db_path, "other")) == 5
    seen: dict[str, list[str]] = {}

    def look(ctx: Any) -> list[Any]:
        seen[ctx.source] = [k for k, _ in ctx.state.namespace("seen").items()]
        seen[ctx.source] += [k for k, _ in ctx.state.items()]
        return []

    store = Store.open(db_path)
    try:
        run_sync(store, Config(), {"tally": Source("tally", look), "other": Source("other", look)})
    finally:
        store.close()
    assert seen == {"tally": ["00000", "00001", "runs"],
                    "other": ["00000", "00001", "00002", "00003", "runs"]}


# -- the API ----------------------------------------------------------------------------------


def test_items_merge_stored_and_unstored_changes_in_key_order(db_path: Path) -> None:
    """Across pages of the table, with changes not stored yet set, changed and deleted."""
    def sync(ctx: Any) -> list[Any]:
        ns = ctx.state.namespace("n")
        if ctx.state.get("phase") is None:
            for i in range(0, 1200, 2):
                ns.set(f"k{i:04}", i)
            ns.set("other", 0)
            ctx.state.set("phase", 1)
            return []
        ns.set("k0001", "new")       # between two stored keys
        ns.set("k0002", "changed")   # a stored key
        ns.delete("k0004")           # a stored key, deleted
        ns.set("k1199", "last")      # after the last stored key
        got = list(ns.items("k"))
        assert got[:4] == [("k0000", 0), ("k0001", "new"), ("k0002", "changed"), ("k0006", 6)]
        assert got[-2:] == [("k1198", 1198), ("k1199", "last")]
        assert len(got) == 600 + 2 - 1
        assert list(ns.items("k11")) == [(f"k{i}", i) for i in range(1100, 1199, 2)] + [
            ("k1199", "last")]
        assert ns.get("k0004") is None and ns.get("k0004", "gone") == "gone"
        assert ctx.state.get("k0002") is None  # another namespace
        ctx.state.set("phase", 2)
        return []

    for _ in range(2):
        store = Store.open(db_path)
        try:
            (summary,) = run_sync(store, Config(), {"s": Source("s", sync)})
        finally:
            store.close()
        assert summary.ok, summary.errors
    assert state(db_path, "s")["phase"] == 2 and state(db_path, "s")["n/k0002"] == "changed"


def test_items_by_prefix_at_the_edges_of_unicode() -> None:
    state = State()
    keys = ["a", "a\U0010ffff", "a\U0010ffffb", "a\ud7ffz", "a\ue000", "b", "\U0010ffff"]
    for key in keys:
        state.set(key, key)
    assert [k for k, _ in state.items("a")] == sorted(keys[:5])
    assert [k for k, _ in state.items("a\U0010ffff")] == ["a\U0010ffff", "a\U0010ffffb"]
    assert [k for k, _ in state.items("\U0010ffff")] == ["\U0010ffff"]
    assert [k for k, _ in state.items()] == sorted(keys)


def test_prefix_bounds_as_the_table_reads_them(store: Store) -> None:
    keys = ["a", "a\U0010ffff", "a\U0010ffffb", "a\ud7ffz", "a\ue000", "ab", "b", "\U0010ffff"]
    with store.transaction():
        store.source_state("s").apply({("", k): "1" for k in keys})
    state = State(store.source_state("s"))
    assert [k for k, _ in state.items("a")] == sorted(keys[:6])
    assert [k for k, _ in state.items("a\U0010ffff")] == ["a\U0010ffff", "a\U0010ffffb"]
    assert [k for k, _ in state.items("\U0010ffff")] == ["\U0010ffff"]


def test_values_must_be_json_and_keys_strings() -> None:
    state = State()
    with pytest.raises(TypeError, match="the value for 'when' is not JSON"):
        state.set("when", object())
    with pytest.raises(TypeError, match="not JSON"):
        state.set("nan", float("nan"))
    with pytest.raises(TypeError, match="a key is a string, not int"):
        state.set(5, 1)  # type: ignore[arg-type]
    state.set("x", {"a": [1, 2.5, None, True]})
    assert state.get("x") == {"a": [1, 2.5, None, True]}
    state.delete("x")
    state.delete("never there")
    assert state.get("x") is None and list(state.items()) == []


def test_many_changes_without_records_are_stored_in_batches(db_path: Path) -> None:
    batches: list[int] = []

    def sync(ctx: Any) -> list[Any]:
        for i in range(2500):
            ctx.state.set(f"{i:05}", i)
            if i % 1000 == 999:
                batches.append(len(rows(db_path, "select * from source_state")))
        return []

    store = Store.open(db_path)
    try:
        (summary,) = run_sync(store, Config(), {"s": Source("s", sync)})
    finally:
        store.close()
    assert summary.ok
    assert batches == [1000, 2000]  # stored as they came, not all held until the end
    assert len(state(db_path, "s")) == 2500
