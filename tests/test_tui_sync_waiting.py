"""The Sync screen says so while a source's run waits for another process's run of it (cron's
`crb sync`, a `crb import`), and runs it once that one ends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui import Identity, Person, Source
from crb_tui.host.app_context import AppContext
from crb_tui.host.sync import WAITING
from crb_tui.store.locking import run_lock
from crb_tui.testing import registered
from tests.conftest import sources_plugin
from tests.test_tui import opened, screen_text, select_source, settle, until

pytestmark = pytest.mark.anyio


def _quick_sync(ctx: Any) -> Iterator[Any]:
    yield Person(name="Waited For", identities=[Identity("email", "waited@example.org")])


@pytest.fixture
def waiting_source() -> Iterator[None]:
    with registered(sources_plugin(Source(name="tui_waits", sync=_quick_sync,
                                          description="Quick")), "tui-waiting-source"):
        yield


@pytest.mark.usefixtures("waiting_source")
async def test_sync_screen_shows_a_run_waiting_for_another_process(
    context: AppContext, demo_db: Path
) -> None:
    async with opened(context, "sync", (100, 40)) as (app, pilot):
        screen = await select_source(pilot, app, "tui_waits")
        # Another process's run of the source (its lock file held from here).
        with run_lock(demo_db, "tui_waits"):
            await pilot.press("s")
            await until(pilot, lambda: WAITING in screen_text(app), seconds=4, every=0.02)
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
