"""The Sync screen's table and progress: numbers are never cut, a run's bar says what it did,
and the result lines say which run they are."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from crb_tui import Skip, Source, hookimpl
from crb_tui.host import plugins
from crb_tui.host.app_context import AppContext
from crb_tui.tui.data import sync_overview
from crb_tui.tui.messages import SyncOverviewLoaded
from crb_tui.tui.screens.sync import SyncScreen
from tests.test_tui import make_app, screen_text, settle

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
    app = make_app(context, screen="sync")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
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


class ManySources:
    @hookimpl
    def register_sources(self, register: Any) -> None:
        register(Source(name="tui_many", sync=_many_sync, description="Many"))


@pytest.fixture
def many_source() -> Iterator[None]:
    plugin = ManySources()
    plugins.pm.register(plugin, name="tui-many-source")
    try:
        yield
    finally:
        plugins.pm.unregister(plugin)


@pytest.mark.usefixtures("many_source")
async def test_counts_of_a_run_are_shown_whole(context: AppContext, demo_db: Path) -> None:
    app = make_app(context, screen="sync")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        names = [s["name"] for s in screen.sources]
        screen.query_one(DataTable).move_cursor(row=names.index("tui_many"))
        await pilot.pause()
        await pilot.press("s")
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
    app = make_app(context, screen="sync")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        names = [s["name"] for s in screen.sources]
        screen.query_one(DataTable).move_cursor(row=names.index("vcard"))
        await settle(pilot)
        text = screen_text(app)
        assert "Syncs the files in its paths:" in text and "friends.vcf" in text, text
        assert "A file importer" not in text
        await pilot.press("s")
        await settle(pilot)
        assert "vcard ok: seen 1, new 1" in screen_text(app)
    context.close()
    conn = sqlite3.connect(demo_db)
    assert conn.execute("select count(*) from people where name = 'Paula Paths'").fetchone() == (1,)
    conn.close()
