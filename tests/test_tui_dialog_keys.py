"""Keys typed fast in the dialogs: every key reaches the field that has the focus after the keys
before it, and Enter on a radio group picks and moves on, as each dialog's hint says."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual import events
from textual.command import CommandInput
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input

from crb_tui.host.app_context import AppContext
from crb_tui.tui.app import CrbApp
from crb_tui.tui.screens.base import KeyFooter
from crb_tui.tui.screens.dialogs import LogTouchDialog, ValueDialog
from crb_tui.tui.screens.help import HelpScreen
from crb_tui.tui.screens.people import FilterBox, PeopleScreen
from crb_tui.tui.screens.review import ReviewScreen
from crb_tui.tui.widgets.people_list import PeopleList
from tests.test_tui import opened, press, rows, screen_text, settle

pytestmark = pytest.mark.anyio


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """The keys all at once, as a paste or tmux send-keys delivers them: each one is queued before
    the ones ahead of it are handled (``pilot.press`` waits for the app between keys)."""
    for key in keys:
        key = "space" if key == " " else key
        char = " " if key == "space" else key if len(key) == 1 else None
        pilot.app._driver.send_message(events.Key(key, char))  # type: ignore[union-attr]
    await settle(pilot)


@contextlib.asynccontextmanager
async def first_card(context: AppContext) -> AsyncIterator[tuple[CrbApp, Pilot[Any], int]]:
    """The app on today's review at 80x24, and the person of its first card."""
    async with opened(context) as (app, pilot):
        assert isinstance(app.screen, ReviewScreen)
        yield app, pilot, app.screen.items[0].person_id


def manual(db: Path, table: str, columns: str, pid: int) -> list[tuple[Any, ...]]:
    return rows(db, f"select {columns} from {table} where source = 'manual' and person_id = ?",
                pid)


async def test_text_typed_fast_after_tab_reaches_the_note(
    context: AppContext, demo_db: Path
) -> None:
    async with first_card(context) as (app, pilot, pid):
        await press(pilot, "l")
        assert isinstance(app.screen, LogTouchDialog)
        await burst(pilot, "tab", "tab", *"fastnote3", "enter")
        assert isinstance(app.screen, ReviewScreen)
    assert manual(demo_db, "interactions", "kind, direction, subject", pid) == [
        ("call", "mutual", "fastnote3")]


async def test_keys_typed_with_the_one_that_opens_the_dialog_go_to_the_dialog(
    context: AppContext, demo_db: Path
) -> None:
    async with first_card(context) as (app, pilot, first):
        await burst(pilot, "l", "tab", "tab", *"fastnote4", "enter")
        assert isinstance(app.screen, ReviewScreen)
        assert manual(demo_db, "interactions", "kind, direction, subject", first) == [
            ("call", "mutual", "fastnote4")]
        # A choice dialog too: Snooze, then w (a week) at once.
        await burst(pilot, "s", "w")
        assert isinstance(app.screen, ReviewScreen)
    assert rows(demo_db, "select snoozed_until from people where id = ?", first) == [
        ("2026-11-30",)]


@pytest.mark.parametrize(("typed", "until"), [("+10d", "2026-12-03"),
                                               ("2026-12-20", "2026-12-20")])
async def test_a_date_typed_at_the_snooze_dialog_is_the_date_snoozed_to(
    context: AppContext, demo_db: Path, typed: str, until: str
) -> None:
    """Trial finding: "+10d" or "2026-12-20" typed at the Snooze dialog snoozed for one day (the
    digits were dropped, the "d" of "+10d" picked 1 day)."""
    async with first_card(context) as (app, pilot, first):
        await burst(pilot, "s", *typed, "enter")
        assert isinstance(app.screen, ReviewScreen)
    assert rows(demo_db, "select snoozed_until from people where id = ?", first) == [(until,)]


async def test_space_typed_fast_ticks_the_box_it_was_typed_on(
    context: AppContext, demo_db: Path
) -> None:
    async with first_card(context) as (app, pilot, pid):
        await burst(pilot, "n", *"EU", "tab", "space", "tab", "ctrl+s")
        assert isinstance(app.screen, ReviewScreen)
    assert manual(demo_db, "notes", "text, their_words", pid) == [("EU", 1)]


async def test_enter_on_a_radio_group_picks_and_moves_on(
    context: AppContext, demo_db: Path
) -> None:
    async with first_card(context) as (app, pilot, pid):
        await press(pilot, "v")
        assert isinstance(app.screen, ValueDialog)
        # Kind: advice, Enter; Direction: received, Enter; the note; Enter; the amount; Enter.
        await burst(pilot, "right", "enter", "right", "enter", *"tips", "enter", *"12k", "enter")
        assert isinstance(app.screen, ReviewScreen)
    assert manual(demo_db, "value_moments", "kind, direction, note, amount", pid) == [
        ("advice", "received", "tips", 12000)]


@pytest.mark.parametrize("fast", [False, True])
async def test_enter_in_the_last_text_box_goes_on_to_the_choice_and_the_box_after_it(
    context: AppContext, demo_db: Path, fast: bool
) -> None:
    """Trial finding: Enter in the promise's Due saved at once as "I promise", and Enter in a
    note saved before "their own words"; Enter goes to the next field of any kind."""
    keys = burst if fast else press
    async with first_card(context) as (app, pilot, pid):
        await press(pilot, "p")
        await keys(pilot, *"Test two", "enter", *"+3d", "enter")
        assert isinstance(app.screen, ModalScreen), "Enter in Due must not save yet"
        await keys(pilot, "right", "enter")
        assert isinstance(app.screen, ReviewScreen)
        await press(pilot, "n")
        await keys(pilot, *"EU", "enter", "space", "enter")
        assert isinstance(app.screen, ReviewScreen)
    assert manual(demo_db, "commitments", "text, direction", pid) == [("Test two", "in")]
    assert manual(demo_db, "notes", "text, their_words", pid) == [("EU", 1)]


async def test_the_kind_picked_fast_still_sets_the_direction_it_implies(
    context: AppContext, demo_db: Path
) -> None:
    async with first_card(context) as (app, pilot, pid):
        await press(pilot, "l")
        # call -> meeting -> message (by you), then one to the right on Direction: by them.
        await burst(pilot, "right", "right", "enter", "right", "enter", *"a b", "enter")
        assert isinstance(app.screen, ReviewScreen)
    assert manual(demo_db, "interactions", "kind, direction, subject", pid) == [
        ("message", "in", "a b")]


@pytest.mark.parametrize("where", ["palette", "people filter"])
async def test_backspaces_and_letters_typed_fast_stay_in_order(
    context: AppContext, where: str
) -> None:
    """Trial finding: in the command palette, "fatima", then six Backspaces and "[bold" typed
    fast showed "fat[b": a text box ran its Backspace only once the key had come back up to the
    app, after the letters typed later."""
    async with opened(context, "people", (120, 40)) as (app, pilot):
        if where == "palette":
            await press(pilot, "ctrl+p")
            box = app.screen.query_one(CommandInput)
        else:
            box = app.screen.query_one("#people-filter", Input)
        for _ in range(2):
            await burst(pilot, *"fatima")
            await pilot.pause(0.3)  # the matches are on show
            await burst(pilot, *["backspace"] * 6, *"[bold", "left", "left", "delete", "x")
            assert box.value == "[boxd"
            # Ctrl+E: the text's end (End in the people filter goes to the list's last person).
            await burst(pilot, *["backspace"] * 4, "ctrl+e", *["backspace"] * 8)
            assert box.value == ""


# -- the app's keys on the People screen ------------------------------------------------------


@pytest.mark.parametrize("where", ["filter", "list"])
async def test_q_and_question_mark_are_the_app_keys_on_people(
    context: AppContext, where: str
) -> None:
    async with opened(context, "people") as (app, pilot):
        assert isinstance(app.screen, PeopleScreen)
        if where == "list":
            await press(pilot, "escape")
            assert isinstance(app.focused, PeopleList)
        else:
            assert isinstance(app.focused, FilterBox)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, PeopleScreen)
        assert app.screen.filter_text == ""
        await press(pilot, "q")  # the filter is empty: q quits from the box as from the list
        assert not app.is_running


async def test_in_the_filter_q_is_text_and_question_mark_is_help(context: AppContext) -> None:
    """Once something is typed, letters are text in the filter (q too); ? opens Help even
    with something typed."""
    async with opened(context, "people") as (app, pilot):
        await press(pilot, "a", "q", "1")
        assert isinstance(app.screen, PeopleScreen) and app.is_running
        assert app.screen.filter_text == "aq1"
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)


async def test_slash_goes_to_the_filter_and_types_nothing_there(context: AppContext) -> None:
    """Trial 12 T8: the People screen opens with the focus in the empty filter, where "/" (Help:
    "Go to the filter box") was taken as text: "/elon" found no one. In the empty box it types
    nothing; from the list it goes to the box; once something is typed it is text."""
    async with opened(context, "people") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, PeopleScreen)
        box = screen.query_one("#people-filter", Input)
        await press(pilot, "slash", "e", "l")
        assert box.has_focus and screen.filter_text == "el"
        await press(pilot, "slash")
        assert screen.filter_text == "el/"  # text, once something is typed
        await press(pilot, "backspace", "backspace", "backspace", "escape")
        assert not box.has_focus and screen.filter_text == ""
        await press(pilot, "slash", "slash", "a")
        assert box.has_focus and screen.filter_text == "a"


# -- what the dialogs show --------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_field_hint_shows_whole(context: AppContext, size: tuple[int, int]) -> None:
    """A field's placeholder is its hint: cut at the edge, it says something else."""
    async with opened(context, size=size) as (app, pilot):
        for key in "lpvgnscmd":
            await press(pilot, key)
            assert isinstance(app.screen, ModalScreen), key
            for field in app.screen.query(Input):
                shown = field.content_region.width - 1  # the last cell is the cursor's
                assert cell_len(str(field.placeholder)) <= shown, (key, field.placeholder)
            await press(pilot, "escape")


async def test_the_footer_shows_q_quit_while_the_filter_is_empty(
    context: AppContext,
) -> None:
    async with opened(context, "people") as (app, pilot):
        footer = app.screen.query_one(KeyFooter)
        # In the empty filter, ? and q are the app's keys (the footer shows q Quit); once a
        # letter is typed q is text and the footer says so, and it stays the same while
        # typing on; emptied, q quits again; on the list both are keys.
        shown = footer_keys(footer)
        assert "question_mark" in shown and "q" in shown
        await press(pilot, "a")
        typing = footer_keys(footer)
        assert "question_mark" in typing and "q" not in typing
        await press(pilot, "b", "c")
        assert footer_keys(footer) == typing
        await press(pilot, "backspace", "backspace", "backspace")
        assert footer_keys(footer) == shown
        await press(pilot, "escape")
        assert "q" in footer_keys(footer)


def footer_keys(footer: KeyFooter) -> set[str]:
    return {str(key) for key, *_ in footer._shown_keys or ()}


async def test_log_touch_takes_when_it_happened(context: AppContext, demo_db: Path) -> None:
    """The Log dialog's When (Tab from the note) takes what `crb log --at` takes; a date out
    of range or later than now is said in the dialog and nothing is stored."""
    async with first_card(context) as (app, pilot, pid):
        await press(pilot, "l")
        assert isinstance(app.screen, LogTouchDialog)
        assert "When" in screen_text(app)
        await press(pilot, "tab", "tab", *"coffee", "tab", *"1800-01-01", "enter")
        assert isinstance(app.screen, LogTouchDialog)
        assert "out of range (dates from 1900-01-01" in screen_text(app)
        await press(pilot, *["backspace"] * 10, *"tomorrow", "enter")
        assert isinstance(app.screen, LogTouchDialog)
        assert "is 2026-11-24, after today" in screen_text(app)
        await press(pilot, *["backspace"] * 8, *"2026-11-23T18:00", "enter")
        assert isinstance(app.screen, LogTouchDialog)
        assert "later than now" in screen_text(app)  # 09:00 on the pinned day
        await press(pilot, *["backspace"] * 16, *"2026-11-20T14:30", "enter")
        assert isinstance(app.screen, ReviewScreen)
        await press(pilot, "l", "tab", "tab", *"lunch", "tab", *"yesterday", "enter")
        await press(pilot, "l", "tab", "tab", *"tea", "tab", *"2026-11-02", "enter")
        assert isinstance(app.screen, ReviewScreen)
    # The config's time zone is UTC; a day without a time is at noon.
    assert sorted(manual(demo_db, "interactions", "subject, at", pid)) == [
        ("coffee", "2026-11-20T14:30:00+00:00"), ("lunch", "2026-11-22T12:00:00+00:00"),
        ("tea", "2026-11-02T12:00:00+00:00")]


async def test_enter_in_the_log_note_still_saves_at_now(context: AppContext,
                                                        demo_db: Path) -> None:
    async with first_card(context) as (app, pilot, pid):
        await press(pilot, "l")
        # The hint says so: it said "Enter: next / save", and a user pressing Enter to reach
        # When logged the touch as of now (trial 14 F4).
        assert "Enter: next; on Note, save · Tab: next field (When)" in screen_text(app)
        await press(pilot, "tab", "tab", *"now", "enter")
        assert isinstance(app.screen, ReviewScreen)
    assert manual(demo_db, "interactions", "subject, at", pid) == [
        ("now", "2026-11-23T09:00:00+00:00")]


async def test_keys_screen_has_its_rows_from_its_first_paint(context: AppContext) -> None:
    """The keys screen was drawn empty first (its rows came after a refresh: a second on a
    large database)."""
    from textual.widgets import DataTable

    async with opened(context) as (app, pilot):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.query_one(DataTable).row_count > 40
