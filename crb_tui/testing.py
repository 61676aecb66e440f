"""Helpers for testing a CRB plugin: a temporary store, a ``SyncContext`` for calling a source
on its own, ``run_source`` (a source through CRB's real sync runner and write path, with the
summary and the rows it stored), ``registered`` (a plugin registered for one test) and
``CrbRunner`` (the real ``crb`` command line with the plugins registered).

Documented in docs/plugins.md ("Testing a plugin"); CRB's own plugins are tested with them.
Nothing here reads the user's files: every store and config is temporary or given.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crb_tui.config import Config
from crb_tui.sources import Checkpoint, ProgressCallback, Source, SyncContext
from crb_tui.store.tables import PEOPLES_OWN

__all__ = [
    "CrbRunner",
    "MemoryCheckpoint",
    "SourceRun",
    "registered",
    "run_source",
    "sync_context",
    "temporary_store",
]

ME = ("me@example.com",)
"""The user's own address in every helper unless a test gives others."""

TABLES = PEOPLES_OWN
"""The tables ``run_source`` returns, each as a list of row dicts."""


class MemoryCheckpoint(Checkpoint):
    """A checkpoint kept in memory: ``value`` is what the source saved last (``None`` if
    nothing), and ``saved`` every value it saved, in order."""

    def __init__(self, value: Any = None) -> None:
        self.value: Any = value
        self.saved: list[Any] = []
        super().__init__(lambda: self.value, self._keep)

    def _keep(self, value: Any) -> None:
        self.value = value
        self.saved.append(value)


def sync_context(
    source: Source | str = "test",
    *,
    config: dict[str, Any] | None = None,
    paths: Iterable[str | os.PathLike[str]] = (),
    me: Sequence[str] = ME,
    options: dict[str, Any] | None = None,
    cursor: Any = None,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
) -> SyncContext:
    """A ``SyncContext`` for calling ``source.sync(ctx)`` directly in a test.

    ``config`` is overlaid on the source's ``config_schema`` defaults (as ``[sources.NAME]``
    is); ``cursor`` is where the checkpoint starts, and ``ctx.checkpoint`` is a
    :class:`MemoryCheckpoint`, so ``ctx.checkpoint.value`` is the cursor the source saved.
    """
    name = source if isinstance(source, str) else source.name
    schema = {} if isinstance(source, str) else source.config_schema
    return SyncContext(
        source=name,
        config={**schema, **(config or {})},
        checkpoint=MemoryCheckpoint(cursor),
        logger=logging.getLogger(f"crb.source.{name}"),
        paths=_as_paths(paths),
        me=tuple(me),
        options=dict(options or {}),
        dry_run=dry_run,
        _progress=progress,
    )


def _as_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path | str]:
    """Files as paths; URLs stay text, as ``crb import`` hands them over."""
    return [p if isinstance(p, str) and "://" in p else Path(p) for p in paths]


@contextlib.contextmanager
def temporary_store(config: Config | None = None) -> Iterator[Any]:
    """A new, empty CRB store in a temporary folder, with ``config``'s identity rules (the
    user's addresses, blocklist, ``create_people_from``); removed afterwards. Yields a
    ``Store``: write with ``store.write(records, source_name)``, read with ``store.db``."""
    from crb_tui.host.app_context import open_store

    config = config or Config()
    if not config.me.emails:
        config.me.emails = list(ME)
    with tempfile.TemporaryDirectory(prefix="crb-test-") as folder:
        store = open_store(Path(folder) / "crb.db", config)
        try:
            yield store
        finally:
            store.close()


@dataclass
class SourceRun:
    """What :func:`run_source` did: the run's summary and every row then in the store."""

    summary: Any
    """The run's summary (``SourceSummary``): ``ok``, ``errors``, ``seen``, ``imported``,
    ``updated``, ``merged``, ``unchanged``, ``skipped``, ``removed``, ``rejected`` ... (see
    "The run's summary" in docs/plugins.md)."""
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Every row of each table in ``TABLES``, by table name."""

    @property
    def people(self) -> list[dict[str, Any]]:
        return self.rows["people"]

    @property
    def identities(self) -> list[dict[str, Any]]:
        return self.rows["identities"]

    @property
    def interactions(self) -> list[dict[str, Any]]:
        return self.rows["interactions"]

    @property
    def commitments(self) -> list[dict[str, Any]]:
        return self.rows["commitments"]

    @property
    def value_moments(self) -> list[dict[str, Any]]:
        return self.rows["value_moments"]

    @property
    def goals(self) -> list[dict[str, Any]]:
        return self.rows["goals"]

    @property
    def notes(self) -> list[dict[str, Any]]:
        return self.rows["notes"]


def run_source(
    source: Source,
    *,
    paths: Iterable[str | os.PathLike[str]] = (),
    config: dict[str, Any] | None = None,
    store: Any = None,
    me: Sequence[str] = ME,
    create_people_from: str = "sent",
    options: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> SourceRun:
    """Run ``source`` once through CRB's real sync runner and write path, as ``crb sync`` (or
    ``crb import PATHS``) would, and return its summary and the stored rows.

    ``config`` is the source's ``[sources.NAME]`` table (checked against its schema as the user's
    would be). Pass ``store`` (from :func:`temporary_store`) to run a source twice against the
    same data, e.g. to check an import is idempotent; without it a temporary store is used
    (with ``me`` as the user's addresses and the ``create_people_from`` rule).
    """
    from crb_tui.host.sync import run_sync
    from crb_tui.store.export import table_rows

    settings = Config(sources={source.name: dict(config or {})} if config else {})
    settings.me.emails = list(me)
    settings.identity.create_people_from = create_people_from
    with contextlib.ExitStack() as stack:
        if store is None:
            store = stack.enter_context(temporary_store(settings))
        (summary,) = run_sync(
            store, settings, {source.name: source}, [source.name],
            paths=_as_paths(paths), dry_run=dry_run, options=options,
        )
        rows = {table: table_rows(store, table) for table in TABLES}
    return SourceRun(summary=summary, rows=rows)


@contextlib.contextmanager
def registered(plugin: object, name: str | None = None) -> Iterator[object]:
    """Register ``plugin`` (a module or an object with ``@hookimpl`` methods) with CRB's plugin
    manager for the ``with`` block, as an installed plugin would be, and unregister it after.
    CRB's built-in plugins are loaded first, so the block sees everything a user would."""
    from crb_tui.host import plugins

    plugins.load_entry_points()
    name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
    mine = not plugins.pm.is_registered(plugin) and plugins.pm.get_plugin(name) is None
    if mine:
        plugins.pm.register(plugin, name=name)
    try:
        yield plugin
    finally:
        if mine:
            plugins.pm.unregister(plugin)


class CrbRunner:
    """The real ``crb`` command line, run in-process on a database and config of its own.

    ``runner = CrbRunner(tmp_path, plugins=[my_plugin])``, then ``runner("import", path)``
    returns click's ``Result`` (``exit_code``, ``stdout``, ``stderr``) and ``runner.json("show",
    "1")`` the parsed ``--json`` output. The ``plugins`` given are registered while a command
    runs, beside CRB's built-in ones; ``config`` is written as ``config.toml`` (TOML text).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        plugins: Iterable[object] = (),
        config: str = '[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n',
        today: str | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = self.folder / "crb.db"
        self.config = self.folder / "config.toml"
        self.config.write_text(config, encoding="utf-8")
        self.plugins = list(plugins)
        self.today = today
        """``CRB_TODAY`` for the commands (``YYYY-MM-DD``), or None for the real date."""

    def __call__(self, *args: str | os.PathLike[str], ok: bool = True,
                 input: str | None = None) -> Any:  # noqa: A002 - click's own name
        """Run ``crb ARGS``; unless ``ok=False``, a non-zero exit raises with its output."""
        from click.testing import CliRunner

        import crb_tui.cli.commands  # noqa: F401 - every command registers on the group
        from crb_tui.cli.group import cli

        env = {"CRB_TODAY": self.today} if self.today else {}
        with contextlib.ExitStack() as stack:
            for plugin in self.plugins:
                stack.enter_context(registered(plugin))
            result = CliRunner().invoke(
                cli, ["--db", str(self.db), "--config", str(self.config), *map(str, args)],
                input=input, env=env,
            )
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"crb {' '.join(map(str, args))} exited {result.exit_code}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\n{result.exception!r}"
            )
        return result

    def json(self, *args: str | os.PathLike[str]) -> Any:
        """``crb ARGS --json``, parsed."""
        return json.loads(self(*args, "--json").stdout)

