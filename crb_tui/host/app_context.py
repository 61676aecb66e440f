"""``AppContext``: the one place that turns options into a config, a store and plugins. The CLI
and the TUI both build on it, so tests build the same thing the user runs."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crb_tui import clock
from crb_tui.config import (
    Config,
    default_config_path,
    default_db_path,
    demo_db_path,
    load_config,
)
from crb_tui.errors import CrbError
from crb_tui.host import plugins
from crb_tui.host.stopping import held
from crb_tui.identity import NoiseRules
from crb_tui.sources import ProgressCallback, Source
from crb_tui.store import Store
from crb_tui.text import guard_logging, warning_line

log = logging.getLogger("crb")


def _to_stderr(warning: str) -> None:
    print(warning_line(warning), file=sys.stderr)


@dataclass
class AppContext:
    db_path: Path | None = None
    config_path: Path | None = None
    demo: bool = False
    debug: bool = False
    _config: Config | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        explicit_config = self.config_path is not None
        self.config_path = Path(self.config_path or default_config_path()).expanduser()
        self._config_must_exist = explicit_config
        if self.demo:
            self.db_path = Path(self.db_path or demo_db_path()).expanduser()
        else:
            self.db_path = Path(self.db_path or default_db_path()).expanduser()
        if self.debug:
            logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
        guard_logging()

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, must_exist=self._config_must_exist)
            clock.configure(self._config.me.timezone)
        return self._config

    defer_scores: bool = False
    """Leave bringing the scores up to today to the caller (the app does it after its first
    paint when there are many to redo); every command does it when it opens the store."""
    plugin_problem: str | None = field(default=None, repr=False)
    """Why the plugins could not all be loaded (shown as a warning; the rest still work)."""
    _told_unknown: bool = field(default=False, repr=False, init=False)
    _told_unknown_sources: bool = field(default=False, repr=False, init=False)
    warn: Callable[[str], None] | None = field(default=_to_stderr, repr=False)
    """Where a warning goes as it happens (stderr for commands; the app shows
    ``plugin_problem`` itself, so it sets this to None)."""

    hook_warnings: list[str] = field(default_factory=list, repr=False)
    upgrade_notice: str | None = field(default=None, repr=False)
    """Set when opening upgraded a database an earlier CRB made (see :func:`upgrade_line`):
    said on stderr, or shown by the app."""
    """Warnings about failing plugin hooks not yet shown, when ``warn`` is None (the app shows
    them on its Sync screen)."""

    reading: bool = False
    """The command only reads: a database that does not exist is an error, not a new one (a
    mistyped ``--db`` or ``CRB_DB`` must not read as "No people.")."""

    @property
    def config_must_exist(self) -> bool:
        """Whether the config file was named (``--config``, ``CRB_CONFIG``): then it must exist."""
        return self._config_must_exist

    @property
    def store(self) -> Store:
        if self._store is None:
            cfg = self.config
            self._check_db_path()
            self._store = open_store(self.db_path, cfg)
            if self._store.upgraded is not None:
                self.upgrade_notice = upgrade_line(self._store)
                if self.warn is not None:
                    self.warn(self.upgrade_notice)
            # Plugins' health signals and review items count everywhere scores are computed
            # or the review is built, so they load with the store, before any of that.
            self.load_plugins(strict=False)
            if not self.defer_scores:
                self._scores_for_command()
        return self._store

    def _scores_for_command(self) -> None:
        """Bring the scores up to today; a command that only reads goes on (with a warning)
        when the disk is too full to store them: the data can still be read and backed up."""
        from crb_tui.store.faults import disk_full

        try:
            self.bring_scores_up_to_date()
        except Exception as exc:
            if not (self.reading and disk_full(exc)):
                raise
            if self.warn is not None:
                self.warn(f"cannot write to {self.db_path} (the disk is full): scores are as "
                          f"last stored, not brought up to {self.today().isoformat()}")

    def _check_db_path(self) -> None:
        path = Path(self.db_path or "")
        if path.exists() or path.is_symlink():
            return
        if self.reading:
            raise CrbError(
                f"no database at {path}: check --db / CRB_DB (`crb import FILE` starts one "
                "with your own data, `crb demo` fills one with example data)")
        # CRB's own data folder is made on first use; any other folder must be there already
        # (a typo in --db would otherwise make folders and a database nobody looks at).
        if not path.parent.is_dir() and path.parent != default_db_path().parent:
            why = "is not a folder" if path.parent.exists() else "does not exist"
            raise CrbError(f"{path.parent} {why} (for the database {path.name}): check --db / "
                           "CRB_DB, or create the folder first")

    def bring_scores_up_to_date(self) -> int:
        """Make every stored score as of today (nothing to do when it already is): the first
        command of a new day, cron's ``crb sync`` included, brings them up to date, and a
        meeting that has started since a score was computed brings that one up to date."""
        from crb_tui.engine import health
        from crb_tui.store.actions import settle_triage
        from crb_tui.store.queries import meetings_started_since_scored

        today = self.today()
        if self.store.read_only is not None:
            # Read as stored: nothing can be written (yesterday's scores, not recomputed). A
            # command that writes says why it cannot, and no more.
            if (self.warn is not None and self.reading
                    and health.needs_update(self.store, self.config, today)):
                self.warn(f"cannot write to {self.store.path} ({self.store.read_only}): "
                          f"scores are as last stored, not brought up to {today.isoformat()}")
            return 0
        done = health.bring_up_to_date(self.store, self.config, today)
        if done:
            # Triage ends with the day that ends it, so it is looked at when the day's scores
            # are (a scan of everyone: not on every command of the day).
            settle_triage(self.store, today, self.config.review.new_people_days)
        started = meetings_started_since_scored(self.store, today)
        if started:
            done += health.compute_all(self.store, self.config, today, started)
        return done

    def stale_scores(self) -> int:
        """How many people's stored scores are not as of today."""
        from crb_tui.engine import health

        return len(health.stale_people(self.store, self.today(),
                                       health.model_key(self.config))[1])

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def today(self) -> dt.date:
        return clock.today(self.config.me.timezone)

    def load_plugins(self, *, strict: bool = True) -> None:
        """Load the entry-point plugins and ``plugins_dir`` once. A plugin that fails to load
        is left out with one warning (``plugin_problem`` for the app) and the rest load; a
        ``plugins_dir`` that is not a folder is an error when ``strict``."""
        plugins_dir = self.config.plugins.plugins_dir
        try:
            plugins.load(Path(plugins_dir) if plugins_dir else None)
            unknown = plugins.unknown_wanted()
            if unknown and self.warn is not None and not self._told_unknown:
                self._told_unknown = True
                self.warn(f"CRB_LOAD_PLUGINS names {', '.join(unknown)}, which no "
                          "installed plugin is (installed: "
                          f"{', '.join(plugins.known_names()) or 'none'})")
        except CrbError as exc:
            if strict:
                raise
            self._plugin_warning(f"{exc} (plugins from it are left out)")
        for line in plugins.unreported_load_problems():
            self._plugin_warning(line)

    def _plugin_warning(self, line: str) -> None:
        if self.plugin_problem is None:
            self.plugin_problem = line
        else:
            self.plugin_problem += "; " + line
        if self.warn is not None:
            self.warn(line)

    def sources(self) -> dict[str, Source]:
        """Every plugin's sources; a plugin whose ``register_sources`` fails is left out, with
        one warning line in this process (on stderr, or in ``hook_warnings`` for the app)."""
        self.load_plugins()
        found = plugins.sources()
        for line in plugins.unreported_source_problems():
            if self.warn is not None:
                self.warn(line)
            else:
                self.hook_warnings.append(line)
        return found

    def sync(
        self,
        names: Iterable[str] | None = None,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
        paths: list[Path | str] | None = None,
        cancelled: Callable[[], bool] | None = None,
        sources: dict[str, Source] | None = None,
        options: dict[str, Any] | None = None,
        told: set[str] | None = None,
    ) -> list[Any]:
        from crb_tui.host.sync import run_sync

        found = sources if sources is not None else self.sources()
        if names is None and sources is None:
            # A plain `crb sync` runs the sources the user configured, not every file importer.
            configured = [n for n in found if n in self.config.sources]
            unknown = self.unknown_source_tables(found)
            if unknown and not configured:
                raise CrbError(f"{unknown[0]}; nothing to sync")
            self.warn_unknown_source_tables(found)
            names = configured
        summaries = run_sync(
            self.store, self.config, found, names, progress=progress, paths=paths,
            dry_run=dry_run, cancelled=cancelled, options=options, told=told,
        )
        if not dry_run:
            touched: set[int] = set()
            for s in summaries:
                touched |= s.touched_people
            if touched:
                with held(then_stop=False):  # scores half made would stay so all day
                    self.recompute(touched)
        return summaries

    def unknown_source_tables(self, found: dict[str, Source]) -> list[str]:
        """What to say of each ``[sources.NAME]`` table no plugin offers (a misspelt name: its
        settings would apply to nothing, silently)."""
        available = ", ".join(sorted(found)) or "none"
        return [f"[sources.{name}] in {self.config_path or 'the config'} names no source "
                f"(available: {available}); its settings are not used"
                for name in sorted(self.config.sources) if name not in found]

    def warn_unknown_source_tables(self, found: dict[str, Source]) -> None:
        """:meth:`unknown_source_tables`, each a warning, once in this process."""
        lines = self.unknown_source_tables(found)
        if lines and not self._told_unknown_sources:
            self._told_unknown_sources = True
            for line in lines:
                if self.warn is not None:
                    self.warn(line)
                else:
                    self.hook_warnings.append(line)

    def recompute(self, person_ids: Iterable[int] | None = None) -> int:
        """Refresh the health cache (all people, or just these after a change)."""
        from crb_tui.engine import health

        ids = None if person_ids is None else sorted(set(person_ids))
        return health.compute_all(self.store, self.config, self.today(), ids)

    def generate_demo(
        self, *, people: int = 60, seed: int = 7, replace: bool = False,
        show_progress: bool = False,
    ) -> dict[str, int]:
        from crb_tui.store import demo

        progress = _demo_progress if show_progress and sys.stderr.isatty() else None
        counts = demo.generate(
            self.store, people=people, seed=seed, today=self.today(), replace=replace,
            progress=progress,
        )
        self.recompute()
        return counts

    def ensure_demo(self) -> None:
        """``crb --demo``: create the demo data set on first use."""
        if self.store.counts()["people"] == 0:
            self.generate_demo()


def _demo_progress(done: int, total: int) -> None:
    sys.stderr.write(f"\r\x1b[2Kdemo: {done}/{total} people")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def upgrade_line(store: Store) -> str:
    """What opening ``store`` did to a database an earlier CRB made (``Store.upgraded``)."""
    assert store.upgraded is not None
    changes, copy = store.upgraded
    done = (f"upgraded {store.path} for this CRB ({len(changes)} schema change"
            f"{'s' if len(changes) != 1 else ''})")
    if isinstance(copy, Path):
        return f"{done}; the database as it was is kept in {copy}"
    return f"{done}; no copy of it as it was could be kept ({copy})"


def open_store(path: Path | None, config: Config) -> Store:
    """Open the store with the user's identity rules applied."""
    noise = NoiseRules(
        me=config.me.emails,
        blocklist=config.identity.blocklist,
        ignore_roles=config.identity.ignore_role_addresses,
    )
    return Store.open(
        path,
        noise=noise,
        create_people_from=config.identity.create_people_from,
        phone_region=config.identity.default_region,
    )
