"""Shared fixtures: every test runs with its own database and config, never the user's."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from crb_tui import Source, clock, hookimpl
from crb_tui.host.app_context import AppContext
from crb_tui.store import Store

# Installed third-party plugins stay out of the tests unless a test asks for them.
sys._called_from_test = True  # type: ignore[attr-defined]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every path CRB could touch at the test's own folder, and pin the one clock to
    ``TODAY`` (whatever the real date: the suite passes on any day)."""
    for var in ("CRB_DB", "CRB_CONFIG", "CRB_LOAD_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CRB_TODAY", TODAY.isoformat())
    # A record that lands in no count (or two) fails the run instead of warning.
    monkeypatch.setenv("CRB_STRICT_COUNTS", "1")
    monkeypatch.setattr(clock, "_configured_tz", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (a clone outside the team)")
    return CORPUS


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open(None)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crb.db"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n', encoding="utf-8")
    return path


class Crb:
    """Runs the real ``crb`` command in-process against the test's database and config."""

    def __init__(self, db: Path, config: Path) -> None:
        self.db = db
        self.config = config
        self.today = TODAY
        """The day every command runs on (move it to try the product days later)."""

    def __call__(
        self, *args: str, ok: bool = True, input: str | None = None, status: int | None = None
    ) -> Result:
        """Run ``crb ARGS``; it must exit 0 (or ``status`` when given) unless ``ok=False``."""
        from crb_tui.cli.commands import cli

        runner = CliRunner()
        result = runner.invoke(
            cli, ["--db", str(self.db), "--config", str(self.config), *args], input=input,
            env={"CRB_TODAY": self.today.isoformat()},
        )
        expected = 0 if status is None else status
        if (ok or status is not None) and result.exit_code != expected:
            raise AssertionError(
                f"crb {' '.join(args)} exited {result.exit_code}, not {expected}\n"
                f"stdout: {result.stdout}\n"
                f"stderr: {result.stderr}\n{result.exception!r}"
            )
        return result

    def create_db(self) -> None:
        """An empty database at ``db`` (reading commands refuse a database that does not
        exist; every writing one creates it)."""
        from crb_tui.store import Store

        Store.open(self.db).close()

    def json(self, *args: str, status: int | None = None) -> object:
        import json

        return json.loads(self(*args, "--json", status=status).stdout)


@pytest.fixture
def crb(db_path: Path, config_file: Path) -> Crb:
    return Crb(db_path, config_file)


@pytest.fixture
def google_plugin() -> Iterator[object]:
    """CRB's Google plugin registered for the test (tests load only what they need)."""
    import crb_google

    from crb_tui.testing import registered

    # The built-in plugins load first (registered does that), so that registering the module
    # here never makes the loader skip it, and unregistering it after never leaves the rest of
    # this process (another test's `crb doctor` or `crb sync`) without it.
    with registered(crb_google, "google"):
        yield crb_google


@pytest.fixture
def outlook_plugin() -> Iterator[object]:
    """CRB's Microsoft 365 / Outlook plugin registered for the test (as ``google_plugin``)."""
    import crb_outlook

    from crb_tui.testing import registered

    with registered(crb_outlook, "outlook"):
        yield crb_outlook


@pytest.fixture
def register_plugin() -> Iterator[Callable[[object, str], object]]:
    """``register(plugin, name)``: a plugin registered for the rest of the test, as
    ``crb_tui.testing.registered`` registers one (all unregistered after the test)."""
    from crb_tui.testing import registered

    with contextlib.ExitStack() as stack:
        yield lambda plugin, name: stack.enter_context(registered(plugin, name))


def sources_plugin(*sources: Source) -> object:
    """A plugin offering ``sources`` (its ``register_sources`` hook), for a test's own sources:
    ``with registered(sources_plugin(Source(...)), "name"):``."""

    class Sources:
        @hookimpl
        def register_sources(self, register: Callable[[Source], None]) -> None:
            for source in sources:
                register(source)

    return Sources()


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` in the SQLite file ``db``, on a connection of the test's own."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def interrupt_at_batch(monkeypatch: pytest.MonkeyPatch, n: int) -> list[str]:
    """Ctrl+C (``KeyboardInterrupt``) as the store starts its ``n``-th batch; the sources of
    the batches begun, in order."""
    real, calls = Store.write_batch, []

    def interrupted(self: Store, batch: Any, source: str, **kw: Any) -> Any:
        calls.append(source)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(self, batch, source, **kw)

    monkeypatch.setattr(Store, "write_batch", interrupted)
    return calls


def write_mbox(folder: Path, mails: list[tuple[str, str, str]]) -> Path:
    """``folder/mail.mbox`` of (from, to, date) mails, each From_ line the delivery (as in a
    real mailbox: a Date days after it is not true)."""
    from email.utils import parsedate_to_datetime

    path = folder / "mail.mbox"
    path.write_text("\n".join(
        f"From x {parsedate_to_datetime(date):%a %b %d %H:%M:%S %Y}\nFrom: {frm}\nTo: {to}\n"
        f"Subject: hi {n}\nMessage-ID: <m{n}@x>\nDate: {date}\n\nbody\n"
        for n, (frm, to, date) in enumerate(mails)
    ), encoding="utf-8")
    return path


# -- the app's tests share these ---------------------------------------------------------------

DEMO_CONFIG = '[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n'


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def quick_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's screens look for other programs' writes every 0.1 s, and the People list reads
    its rows again at once (not after its usual pause)."""
    from crb_tui.tui.screens import base
    from crb_tui.tui.widgets.people_model import Kept

    monkeypatch.setattr(base, "WATCH_EVERY", 0.1)
    monkeypatch.setattr(Kept, "REFRESH_EVERY", 0.0)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data set (60 people, seed 7, today 2026-11-23), generated once per run."""
    folder = tmp_path_factory.mktemp("tui-demo")
    config = folder / "config.toml"
    config.write_text(DEMO_CONFIG, encoding="utf-8")
    db = folder / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRB_TODAY", TODAY.isoformat())
        ctx = AppContext(db_path=db, config_path=config)
        ctx.generate_demo(people=60, seed=7)
        ctx.close()
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo database, with "today" pinned."""
    monkeypatch.setenv("CRB_TODAY", TODAY.isoformat())
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_template, target)
    wal = Path(str(demo_template) + "-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(target) + "-wal"))
    return target


@pytest.fixture
def context(demo_db: Path, config_file: Path) -> Iterator[AppContext]:
    ctx = AppContext(db_path=demo_db, config_path=config_file)
    try:
        yield ctx
    finally:
        ctx.close()
