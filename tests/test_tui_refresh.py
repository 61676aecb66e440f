"""Screens that show the store read it again when another program (or the app's own sync, on
the app's writer) writes to it, without a key: the person page and the People list."""

from __future__ import annotations

from pathlib import Path

import pytest

from crb_tui.host.app_context import AppContext
from crb_tui.tui.screens.people import PeopleScreen
from crb_tui.tui.screens.person import PersonScreen
from tests.conftest import Crb
from tests.test_tui import one, opened, screen_text, settle, type_text, until

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("quick_watch")]


async def test_person_page_shows_what_another_program_logged(
    context: AppContext, demo_db: Path, config_file: Path
) -> None:
    pid = one(demo_db, "select id from people where archived = 0 and merged_into is null "
                       "order by id limit 1")
    async with opened(context, "people", (100, 40)) as (app, pilot):
        app.open_person(pid)
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert "STALE-CHECK-1" not in screen_text(app)
        Crb(demo_db, config_file)("log", str(pid), "--kind", "call", "--note", "STALE-CHECK-1")
        Crb(demo_db, config_file)("promise", str(pid), "STALE-PROMISE", "--due", "+1d")
        await until(pilot, lambda: "STALE-PROMISE" in screen_text(app))
        text = screen_text(app)
        assert "STALE-CHECK-1" in text and "STALE-PROMISE" in text, text


async def test_person_page_follows_a_merge_made_by_another_program(
    context: AppContext, demo_db: Path, config_file: Path
) -> None:
    """Trial 9 F17: the page of someone merged away elsewhere kept offering actions on them,
    each "Not done"; it now shows the person they were merged into, and says so."""
    gone, kept = (one(demo_db, "select id from people where archived = 0 and merged_into is "
                               f"null order by id limit 1 offset {n}") for n in (0, 1))
    kept_name = one(demo_db, f"select name from people where id = {kept}")
    async with opened(context, "people", (100, 40)) as (app, pilot):
        app.open_person(gone)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PersonScreen)
        Crb(demo_db, config_file)("merge", str(kept), str(gone))
        await until(pilot, lambda: screen.person_id == kept)
        await until(pilot, lambda: f"#{kept}" in screen_text(app))
        assert any("was merged into" in n.message and kept_name in n.message
                   for n in app._notifications)


async def test_people_filter_finds_who_arrived_since(
    context: AppContext, demo_db: Path, config_file: Path, tmp_path: Path
) -> None:
    async with opened(context, "people", (100, 30)) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, PeopleScreen)
        await type_text(pilot, "zzqq")
        await settle(pilot)
        assert "No one matches" in screen_text(app) or screen.people.total == 0
        card = tmp_path / "new.vcf"
        card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zzqq Newcomer\r\n"
                        "EMAIL:zzqq@new.example\r\nEND:VCARD\r\n", encoding="utf-8")
        Crb(demo_db, config_file)("import", str(card))
        await until(pilot, lambda: "Zzqq Newcomer" in screen_text(app))
        text = screen_text(app)
        assert "Zzqq Newcomer" in text, text
        assert screen.people.total == 1


async def test_people_refresh_key_is_in_the_footer(context: AppContext) -> None:
    async with opened(context, "people", (100, 30)) as (app, pilot):
        assert "^r Refresh" in screen_text(app).splitlines()[-1]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.is_running


async def test_a_newer_crb_upgrading_the_database_under_the_app_is_said(
    context: AppContext, demo_db: Path
) -> None:
    """Trial 13 U1: an older release's app open while a newer one upgraded the database saw
    no rows, then stored what an action asked and said it failed. This app, finding the schema
    upgraded by a newer CRB at its next read, says so and writes nothing more."""
    import sqlite3

    async with opened(context, None, (100, 40)) as (app, pilot):  # (the review: it writes)
        before = one(demo_db, "select count(*) from interactions")
        with sqlite3.connect(demo_db) as conn:
            conn.execute("insert into _sqlite_migrations (migration_set, name, applied_at) "
                         "values ('crb_core', 'm999_from_the_future', '2027-01-01')")
        await pilot.press("2")  # (reading the list again)
        def said() -> bool:
            return any("upgraded by a newer CRB" in str(n.message) for n in app._notifications)

        await until(pilot, said)
        assert said(), [str(n.message) for n in app._notifications]
        await pilot.press("1", "l")
        await settle(pilot)
        assert one(demo_db, "select count(*) from interactions") == before
