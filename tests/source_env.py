"""A CRB database for the tests that run a source against a server of their own (fake Google
and Graph, Radicale, Dovecot): what a sync stored, read back (:class:`StoredSync`), and a
plugin's sources run on it as ``crb sync`` runs them (:class:`SourceEnv`)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class StoredSync:
    """Reading back what a sync stored in the CRB database ``db``, with plain SQL; ``source``
    is the one ``keys()`` and ``cursor()`` read unless told."""

    db: Path
    source: str

    def query(self, sql: str, args: Any = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db)
        try:
            return list(conn.execute(sql, args))
        finally:
            conn.close()

    def keys(self, source: str = "") -> list[str]:
        """The source keys of the interactions stored, in order."""
        return [r[0] for r in self.query(
            "select source_key from interactions where source = ? order by 1",
            [source or self.source])]

    def assert_keys(self, expected: set[str], source: str = "") -> None:
        """The interactions stored are ``expected``, each once."""
        keys = self.keys(source)
        assert len(keys) == len(set(keys)), "duplicate interactions"
        missing, extra = expected - set(keys), set(keys) - expected
        assert not missing and not extra, (sorted(missing)[:5], sorted(extra)[:5])

    def cursor(self, source: str = "") -> Any:
        rows = self.query("select cursor from sync_state where source = ?",
                          [source or self.source])
        return json.loads(rows[0][0]) if rows and rows[0][0] else None


class SourceEnv(StoredSync):
    """The sources of the plugin ``plugin`` (a module name) wired to a CRB database in ``tmp``:
    a subclass gives each source's settings (:meth:`settings`); ``me`` is ``[me] emails``."""

    plugin: str
    tmp: Path
    me: list[str]

    def settings(self) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    def config(self) -> Any:
        from crb_tui.config import Config

        cfg = Config()
        cfg.me.emails = list(self.me)
        cfg.sources = {name: dict(values) for name, values in self.settings().items()}
        return cfg

    def config_toml(self, path: Path | None = None) -> Path:
        """The same settings as a ``config.toml`` (for the CLI), by default in ``tmp``."""
        import tomli_w

        path = path or self.tmp / "config.toml"
        data = {"me": {"emails": list(self.me), "timezone": "UTC"}, "sources": self.settings()}
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return path

    def sources(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        importlib.import_module(self.plugin).register_sources(
            lambda s: found.setdefault(s.name, s))
        return found

    def sync(self, name: str = "") -> Any:
        """Sync ``name`` (by default ``source``), which must succeed: its summary."""
        (summary,) = self.run(name or self.source)
        assert summary.ok, summary.errors
        return summary

    def kill_sync_once_stored(self, name: str, stored: int, seconds: float) -> None:
        """Run a real ``crb sync NAME`` process (the plugin loaded from a ``plugins_dir``, as an
        installed one would be) and SIGKILL it once it has stored ``stored`` interactions, which
        it must do within ``seconds`` and before it ends."""
        shim = self.tmp / "local_plugins"
        shim.mkdir()
        (shim / f"{self.plugin}_shim.py").write_text(
            f"from {self.plugin} import register_commands, register_sources  # noqa: F401\n")
        config = self.config_toml()
        config.write_text(config.read_text() + f'\n[plugins]\nplugins_dir = "{shim}"\n')
        proc = subprocess.Popen(
            [sys.executable, "-m", "crb_tui", "--db", str(self.db), "--config", str(config),
             "sync", name, "--json"],
            env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + seconds
            count = 0
            while time.monotonic() < deadline:
                if self.db.exists():
                    try:
                        count = self.query("select count(*) from interactions")[0][0]
                    except Exception:  # noqa: BLE001 - the schema may not be there yet
                        count = 0
                if count >= stored or proc.poll() is not None:
                    break
                time.sleep(0.02)
            assert proc.poll() is None, proc.communicate()
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL

    def run(self, *names: str, cancelled: Any = None, dry_run: bool = False,
            progress: Any = None) -> list[Any]:
        """Sync ``names`` (by default ``source``): the summaries."""
        from crb_tui.host.app_context import open_store
        from crb_tui.host.sync import run_sync

        config = self.config()
        store = open_store(self.db, config)
        try:
            return run_sync(store, config, self.sources(), list(names) or [self.source],
                            cancelled=cancelled, dry_run=dry_run, progress=progress)
        finally:
            store.close()
