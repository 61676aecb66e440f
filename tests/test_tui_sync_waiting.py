"""The Sync screen says so while a source's run waits for another process's run of it (cron's
`crb sync`, a `crb import`), and runs it once that one ends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui import Identity, Person, Source, hookimpl
from crb_tui.host import plugins
from crb_tui.host.app_context import AppContext
from crb_tui.host.sync import WAITING
from crb_tui.store.locking import run_lock
from crb_tui.tui.screens.sync import SyncScreen
from tests.test_tui import make_app, screen_text, settle

pytestmark = pytest.mark.anyio


def _quick_sync(ctx: Any) -> Iterator[Any]:
    yield Person(name="Waited For", identities=[Identity("email", "waited@example.org")])


class WaitingSource:
    @hookimpl
    def register_sources(self, register: Any) -> None:
        register(Source(name="tui_waits", sync=_quick_sync, description="Quick"))


@pytest.fixture
def waiting_source() -> Iterator[None]:
    plugin = WaitingSource()
    plugins.pm.register(plugin, name="tui-waiting-source")
    try:
        yield
    finally:
        plugins.pm.unregister(plugin)


@pytest.mark.usefixtures("waiting_source")
async def test_sync_screen_shows_a_run_waiting_for_another_process(
    context: AppContext, demo_db: Path
) -> None:
    from textual.widgets import DataTable

    app = make_app(context, screen="sync")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        names = [s["name"] for s in screen.sources]
        screen.query_one(DataTable).move_cursor(row=names.index("tui_waits"))
        await pilot.pause()
        # Another process's run of the source (its lock file held from here).
        with run_lock(demo_db, "tui_waits"):
            await pilot.press("s")
            for _ in range(200):
                await pilot.pause(0.02)
                if WAITING in screen_text(app):
                    break
            assert f"tui_waits  {WAITING}" in screen_text(app)
            assert screen.running
            assert "tui_waits ok" not in screen_text(app)
        await settle(pilot)
        text = screen_text(app)
        assert not screen.running
        assert WAITING not in text
        assert "tui_waits ok: seen 1, new 1" in text
        # (third trial: the run's "seen 0" read as "nothing new" after another run stored it all)
        assert f"note: ran after another run of tui_waits (pid {os.getpid()}) had ended" in text
        # Trial 6: after the wait, a run that found nothing read as "nothing new", although the
        # other run had just stored it all.
        assert "it ran after another run of it" in text
