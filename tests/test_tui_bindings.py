"""Every key listed in Help (``?``) works from every screen it is listed for, at 80x24: the app
stays alive and lands where the key says (its own screen, the screen a mode key names, a
person, or a dialog that escape closes again)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.binding import Binding
from textual.screen import ModalScreen

from crb_tui.host.app_context import AppContext
from crb_tui.tui.app import CrbApp
from crb_tui.tui.screens import help as help_screen
from crb_tui.tui.screens.dashboard import DashboardScreen
from crb_tui.tui.screens.people import PeopleScreen
from crb_tui.tui.screens.person import PersonScreen
from crb_tui.tui.screens.review import ReviewScreen
from crb_tui.tui.screens.sync import SyncScreen
from tests.test_tui import press, settle

pytestmark = pytest.mark.anyio

MODE_SCREENS = {"review": ReviewScreen, "people": PeopleScreen, "dashboard": DashboardScreen,
                "sync": SyncScreen}

# Help's sections, and the screens each is listed for.
LISTED_FOR = {
    "Everywhere": ["review", "people", "dashboard", "sync", "person"],
    "Review and person: actions": ["review", "person"],
    "Review": ["review"],
    "Person": ["person"],
    "People": ["people"],
    "Dashboard": ["dashboard"],
    "Sync": ["sync"],
}


def _keys(screen: str) -> list[tuple[str, Binding]]:
    found = []
    for title, bindings in help_screen.sections():
        if screen in LISTED_FOR.get(title, []):
            for binding in bindings:
                for key in binding.key.split(","):
                    if binding.action != "quit":  # ends the app: its own test below
                        found.append((key.strip(), binding))
    return found


def _expected(binding: Binding, screen: str) -> tuple[type, ...]:
    action = binding.action
    if action.startswith("switch_mode("):
        return (MODE_SCREENS[action.split("'")[1]],)
    if action == "choose":
        return (PersonScreen,)
    if action == "open_person":
        return (PersonScreen, ReviewScreen)  # the review may be done: nothing to open
    if action == "open_highlighted":
        return (PersonScreen,)  # (the dashboard's first list's first person)
    if action == "back":
        return (ReviewScreen,)
    if action == "help":
        return (help_screen.HelpScreen,)
    start = PersonScreen if screen == "person" else MODE_SCREENS[screen]
    return (start, ModalScreen)


async def _to_start(pilot: Any, app: CrbApp, screen: str) -> None:
    for _ in range(4):
        if isinstance(app.screen, ModalScreen) or (
            isinstance(app.screen, PersonScreen) and screen != "person"
        ):
            await press(pilot, "escape")
    if screen == "person":
        if not isinstance(app.screen, PersonScreen):
            await press(pilot, "1")
            await press(pilot, "enter")
    elif not isinstance(app.screen, MODE_SCREENS[screen]):
        await press(pilot, str(list(MODE_SCREENS).index(screen) + 1))
    if screen == "people":
        await press(pilot, "ctrl+u")  # an empty filter: keys act as Help says


@pytest.mark.parametrize("screen", ["review", "people", "dashboard", "sync", "person"])
async def test_every_listed_key_works_from_its_screen(context: AppContext, screen: str) -> None:
    app = CrbApp(context, screen="review" if screen == "person" else screen, cursor_blink=False)
    walked = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, binding in _keys(screen):
            await _to_start(pilot, app, screen)
            await press(pilot, key)
            assert app.is_running, (screen, key)
            assert isinstance(app.screen, _expected(binding, screen)), (
                screen, key, binding.action, type(app.screen).__name__)
            walked.append(binding.id)
        if screen == "person":
            await _to_start(pilot, app, screen)
            await press(pilot, "1")  # the mode the person was opened from: back to its screen
            assert isinstance(app.screen, ReviewScreen)
    assert len(walked) >= 7 and "app.help" in walked


async def test_q_quits_from_every_screen(context: AppContext) -> None:
    """q quits from every screen; on People also from the filter box while it is empty (as
    the README says), and it is text there once something is typed."""
    from textual.widgets import Input

    for screen in MODE_SCREENS:
        app = CrbApp(context, screen=screen, cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            if screen == "people":
                await press(pilot, "a", "q")
                box = app.screen.query_one("#people-filter", Input)
                assert app.is_running and box.value == "aq"
                await press(pilot, "ctrl+u")  # empty again, the focus still in the box
                assert box.has_focus
            await press(pilot, "q")
            assert not app.is_running, screen


def test_one_list_of_screens_feeds_the_cli_the_nav_bar_the_keys_and_the_palette() -> None:
    from crb_tui.cli.commands import cli
    from crb_tui.tui.screen_list import SCREENS
    from crb_tui.tui.widgets.nav import tabs

    screen_option = next(p for p in cli.params if p.name == "screen")
    assert list(screen_option.type.choices) == [s.name for s in SCREENS]  # type: ignore[attr-defined]
    shown = tabs("review").plain
    for entry in SCREENS:
        assert f"{entry.key} {entry.title}" in shown
        binding = next(b for b in CrbApp.BINDINGS if getattr(b, "id", "") == f"app.{entry.name}")
        assert binding.key == entry.key and binding.tooltip == entry.about
    # The app's modes are the listed screens, each screen knowing its own mode by that name.
    assert list(CrbApp.MODES) == [s.name for s in SCREENS]
    modes = {name: cls.MODE for name, cls in MODE_SCREENS.items()}
    assert modes == {s.name: s.name for s in SCREENS}
    # Help has a section for each listed screen, under its listed title.
    titles = [title for title, _ in help_screen.sections()]
    assert all(s.title in titles for s in SCREENS)


async def test_the_cli_opens_the_sync_screen(context: AppContext) -> None:
    app = CrbApp(context, screen="sync", cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)


async def test_a_terminal_too_small_is_said_once_each_time_it_becomes_so(
    context: AppContext,
) -> None:
    """At 60x20 the footer lost `? Keys` and `q Quit`, with nothing said (trial 14 F5)."""
    from tests.test_tui import notifications, opened

    def said() -> int:
        return sum("CRB is made for 80x24 or more" in n for n in notifications(app))

    async with opened(context, "review", (80, 24)) as (app, pilot):
        assert said() == 0
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        assert said() == 1
        assert any(n.startswith("The terminal is 60x20:") for n in notifications(app))
        await pilot.resize_terminal(70, 20)
        await settle(pilot)
        assert said() == 1  # (still small: not said again)
        await pilot.resize_terminal(100, 30)
        await pilot.resize_terminal(100, 23)
        await settle(pilot)
        assert said() == 2
