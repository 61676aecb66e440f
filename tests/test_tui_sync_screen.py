"""The Sync screen's table and progress: numbers are never cut, a run's bar says what it did,
and the result lines say which run they are."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from crb_tui import Skip, Source, hookimpl
from crb_tui.host.app_context import AppContext
from crb_tui.testing import registered
from crb_tui.tui.data import sync_overview
from crb_tui.tui.messages import SyncOverviewLoaded
from crb_tui.tui.screens.sync import SyncScreen
from tests.conftest import sources_plugin
from tests.test_tui import (
    notifications,
    one,
    opened,
    screen_text,
    select_source,
    settle,
    start_sync,
    until,
)

pytestmark = pytest.mark.anyio


def _set_counts(db: Path, source: str, seen: int, imported: int) -> None:
    conn = sqlite3.connect(db)
    conn.execute(
        "insert into sync_state (source, last_run, last_ok, counts) values (?, ?, ?, ?) "
        "on conflict (source) do update set counts = excluded.counts",
        [source, "2026-11-23T09:00:00+00:00", "2026-11-23T09:00:00+00:00",
         json.dumps({"seen": seen, "imported": imported, "skipped": {}, "rejected_count": 0})])
    conn.commit()
    conn.close()


async def test_table_columns_grow_when_a_row_gets_longer(context: AppContext,
                                                         demo_db: Path) -> None:
    """A count that grows past its column's width is shown whole at once (the table's own
    measuring waited for it to be idle, and until then cut "12201" to "1220")."""
    _set_counts(demo_db, "mbox", 7, 3)
    async with opened(context, "sync", (100, 30)) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        table = screen.query_one(DataTable)
        _set_counts(demo_db, "mbox", 12201, 12121)
        sources = sync_overview(context)
        screen.on_sync_overview_loaded(SyncOverviewLoaded(sources))
        for column, value in (("Seen", "12,201"), ("New", "12,121")):
            width = table.columns[ColumnKey(column)].get_render_width(table)
            assert width - 2 * table.cell_padding >= len(value), column
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines()
                   if line.strip().startswith("mbox"))
        assert "12,201" in row and "12,121" in row, row


def _many_sync(ctx: Any) -> Iterator[Any]:
    for n in range(12201):
        if n % 500 == 0:
            ctx.progress(n, 30000, f"INBOX: {n} of 30000 messages")
        yield Skip("bulk mail")


@pytest.fixture
def many_source() -> Iterator[None]:
    with registered(sources_plugin(Source(name="tui_many", sync=_many_sync, description="Many")),
                    "tui-many-source"):
        yield


@pytest.mark.usefixtures("many_source")
async def test_counts_of_a_run_are_shown_whole(context: AppContext, demo_db: Path) -> None:
    async with opened(context, "sync", (100, 30)) as (app, pilot):
        await start_sync(pilot, app, "tui_many")
        await settle(pilot)
        text = screen_text(app)
        row = next(line for line in text.splitlines() if line.strip().startswith("tui_many"))
        assert "12,201" in row, text


async def test_a_file_source_with_paths_says_so_and_syncs_them(demo_db: Path,
                                                               tmp_path: Path) -> None:
    card = tmp_path / "friends.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Paula Paths\r\n"
                    "EMAIL:paula@paths.example\r\nEND:VCARD\r\n", encoding="utf-8")
    config = tmp_path / "paths.toml"
    config.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n\n'
                      f'[sources.vcard]\npaths = ["{card}"]\n', encoding="utf-8")
    context = AppContext(db_path=demo_db, config_path=config)
    async with opened(context, "sync", (100, 30)) as (app, pilot):
        await select_source(pilot, app, "vcard")
        await settle(pilot)
        text = screen_text(app)
        assert "Syncs the files in its paths:" in text and "friends.vcf" in text, text
        assert "A file importer" not in text
        await pilot.press("s")
        await settle(pilot)
        assert "vcard ok: seen 1, new 1" in screen_text(app)
        # Again: the card is unchanged, and the line says so (trial 14 F8: its counts left
        # unchanged out and did not add up to seen), as does the table.
        await pilot.press("s")
        await settle(pilot)
        text = screen_text(app)
        assert ("vcard ok: seen 1, new 0, updated 0, unchanged 1, skipped 0, rejected 0; new "
                "people 0") in text, text
        row = next(line for line in text.splitlines() if line.strip().startswith("vcard"))
        assert row.split()[-6:] == ["1", "0", "0", "1", "0", "0"], row  # seen new ... rejected
    context.close()
    assert one(demo_db, "select count(*) from people where name = 'Paula Paths'") == 1


async def test_a_run_whose_only_file_is_missing_is_rejected_as_the_cli_says(
        demo_db: Path, tmp_path: Path) -> None:
    """Trial 8 V9: the screen called it "ok" and "last success" (the CLI: rejected, exit 3)."""
    config = tmp_path / "paths.toml"
    config.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n\n'
                      f'[sources.vcard]\npaths = ["{tmp_path / "nope.vcf"}"]\n',
                      encoding="utf-8")
    context = AppContext(db_path=demo_db, config_path=config)
    async with opened(context, "sync", (100, 30)) as (app, pilot):
        await select_source(pilot, app, "vcard")
        await pilot.press("s")
        await settle(pilot)
        text = screen_text(app)
        row = next(line for line in text.splitlines() if line.strip().startswith("vcard"))
        assert "rejected" in row and " ok " not in row, text
        assert "vcard rejected: seen 1, new 0" in text and "last success never" in text, text
    context.close()


def _mail_sync(ctx: Any) -> Iterator[Any]:
    for n in range(30000):
        if ctx.cancelled:
            return
        if n % 100 == 0:
            time.sleep(0.01)
            ctx.progress(n, 30000, f"INBOX: {n} of 30000 messages")
        yield Skip("bulk mail")


def _failing_sync(ctx: Any) -> Iterator[Any]:
    yield Skip("bulk mail")
    raise RuntimeError("the server said no")


@pytest.fixture
def run_sources() -> Iterator[None]:
    with registered(sources_plugin(
        Source(name="tui_mail", sync=_mail_sync, description="Mail"),
        Source(name="tui_failing", sync=_failing_sync, description="Fails"),
    ), "tui-run-sources"):
        yield


@pytest.mark.usefixtures("run_sources")
async def test_progress_counts_and_a_cancelled_run_keeps_its_bar_where_it_stopped(
    context: AppContext, demo_db: Path
) -> None:
    async with opened(context, "sync", (100, 30)) as (app, pilot):
        screen = await start_sync(pilot, app, "tui_mail")
        run = screen._runs["tui_mail"]
        await until(pilot, lambda: run.done >= 1000, seconds=6, every=0.02)
        text = screen_text(app)
        # The source's words, with its numbers (no bare percentage).
        assert re.search(r"tui_mail  INBOX: \d+ of 30000 messages", text), text
        await pilot.press("x")
        await settle(pilot)
        assert run.status == "cancelled"
        assert run.bar.total == 30000 and 0 < run.bar.progress < 30000
        text = screen_text(app)
        assert re.search(r"tui_mail  cancelled · INBOX: \d+ of 30000 messages", text), text
        assert "Sync finished: 0 ok, 0 failed, 1 cancelled." in notifications(app)
        assert "100%" not in text
        # The result line carries its time (09:00: the pinned day's clock, in [me] timezone).
        assert re.search(r"09:00 tui_mail cancelled: seen \d+", text), text
        # A first run that was cancelled is no success (trial 8 V18).
        assert "last success never" in text, text


@pytest.mark.usefixtures("run_sources")
async def test_a_failed_run_has_no_full_bar_and_earlier_results_say_so(
    context: AppContext, demo_db: Path
) -> None:
    async with opened(context, "sync", (100, 30)) as (app, pilot):
        screen = await start_sync(pilot, app, "tui_failing")
        await settle(pilot)
        run = screen._runs["tui_failing"]
        assert run.status == "failed"
        assert not run.bar.display or (run.bar.total or 0) > run.bar.progress
        text = screen_text(app)
        assert "100%" not in text
        assert "tui_failing  failed" in text and "09:00 tui_failing failed" in text
        assert "Runs (newest first)" in text
        # A second run: the first one's result is listed as an earlier run while it goes.
        await start_sync(pilot, app, "tui_mail")
        await pilot.pause(0.1)
        assert screen.running
        text = screen_text(app)
        assert "Earlier runs (newest first)" in text and "09:00 tui_failing failed" in text
        await pilot.press("x")
        await settle(pilot)


async def test_last_run_is_shown_in_my_time_zone(demo_db: Path, tmp_path: Path) -> None:
    _set_counts(demo_db, "mbox", 7, 3)  # stored 2026-11-23T09:00:00+00:00
    config = tmp_path / "berlin.toml"
    config.write_text('[me]\nemails = ["me@example.com"]\ntimezone = "Europe/Berlin"\n',
                      encoding="utf-8")
    context = AppContext(db_path=demo_db, config_path=config)
    async with opened(context, "sync", (100, 30)) as (app, pilot):
        await select_source(pilot, app, "mbox")
        await settle(pilot)
        text = screen_text(app)
        assert "Last run today 10:00; last success today 10:00" in text, text
        assert "+00:00" not in text
    context.close()


def test_a_run_without_words_shows_its_numbers() -> None:
    from crb_tui.tui.widgets.sync_run import SyncRun

    run = SyncRun("gmail")
    run.progress(3900, 30000, "messages")
    assert run._where() == "3,900 / 30,000  messages"
    run.progress(120, None, "")
    assert run._where() == "120"
    run.progress(5, 9, "[b]x[/b] big.mbox: 3500 messages")
    assert run._where() == "[b]x[/b] big.mbox: 3500 messages"


class _RaisingSources:
    @hookimpl
    def register_sources(self, register):  # type: ignore[no-untyped-def]
        raise RuntimeError("app sources boom")


async def test_a_plugin_whose_register_sources_raises_leaves_the_sync_screen_working(
    context: AppContext,
) -> None:
    with registered(_RaisingSources(), "app-raising-sources"):
        async with opened(context, "sync", (100, 30)) as (app, pilot):
            screen = app.screen
            assert isinstance(screen, SyncScreen)
            assert "mbox" in {source["name"] for source in screen.sources}
            said = [n for n in notifications(app) if "app-raising-sources" in n]
            assert said == ["plugin app-raising-sources: register_sources failed "
                            "(app sources boom); its sources are left out"]


async def test_a_long_retry_after_is_said_on_the_line_and_x_ends_it(
        demo_db: Path, tmp_path: Path, google_plugin: object) -> None:
    """Trial 14 F24: Google asking to wait 100 s (a 429 with Retry-After) left the line saying
    nothing, and `x` ended the run only after the whole wait and one more request."""
    from tests.google_server import Env, FakeGoogle

    with FakeGoogle() as google:
        google.populate_mailbox(30)
        env = Env(google, tmp_path)
        env.db = demo_db
        google.fault("/users/me/profile", status=429, reason="rateLimitExceeded",
                     retry_after="100")
        context = AppContext(db_path=demo_db, config_path=env.config_toml())
        try:
            async with opened(context, "sync", (100, 30)) as (app, pilot):
                screen = await start_sync(pilot, app, "gmail")
                run = screen._runs["gmail"]
                await until(pilot, lambda: "Google asks" in screen_text(app), seconds=30)
                text = screen_text(app)
                assert "gmail  waiting 100 s: Google asks to (rate limit) (x cancels)" in text, text
                await pilot.press("x")
                # Far less than the 100 s asked (the bound is generous, nothing is timed).
                await until(pilot, lambda: run.status is not None, seconds=30)
                assert run.status == "cancelled"
                await settle(pilot)
                assert "Sync finished: 0 ok, 0 failed, 1 cancelled." in notifications(app)
                assert "Google asks" not in screen_text(app)
        finally:
            context.close()
        # The wait was ended, not waited out: Google was not asked again.
        assert len(google.calls("/users/me/profile")) == 1
