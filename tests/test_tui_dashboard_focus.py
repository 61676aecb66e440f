"""The dashboard on arrival: Enter opens the first person shown, whichever list has them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import OptionList

from crb_tui.host.app_context import AppContext
from crb_tui.tui.screens.dashboard import DashboardScreen
from crb_tui.tui.screens.person import PersonScreen
from tests.test_tui import opened, press

pytestmark = pytest.mark.anyio


async def test_enter_opens_the_first_list_with_someone(context: AppContext,
                                                       demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as conn:  # no key people: "going cold" is empty
        conn.execute("update people set tier = 'network' where tier = 'key'")
    async with opened(context, "review", (120, 40)) as (app, pilot):
        await press(pilot, "3", "enter")
        assert isinstance(app.screen, PersonScreen)
        dash = next(s for s in app.screen_stack if isinstance(s, DashboardScreen))
        cold = dash.query_one("#dash-cold", OptionList)
        assert not (cold.get_option_at_index(0).id or "").startswith("p")
        firsts = [box.get_option_at_index(0).id or "" for box in dash.query(OptionList)
                  if (box.get_option_at_index(0).id or "").startswith("p")]
        assert firsts and app.screen.person_id == int(firsts[0][1:].split(":")[0])
