"""The people list's paging and searching: rows come by id slices (no deep OFFSET), searches are
kept while the screen is open, a query typed past is cancelled, Enter typed ahead of the rows
opens the right person."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from crb_tui.errors import QueryCancelled
from crb_tui.host.app_context import AppContext
from crb_tui.store import interruptible
from crb_tui.store.queries import list_people, people_ids
from crb_tui.tui.screens.people import PeopleScreen
from crb_tui.tui.screens.person import PersonScreen
from crb_tui.tui.widgets import people_list, people_model
from crb_tui.tui.widgets.people_list import PAGE_SIZE, PeopleList
from tests.test_tui import TODAY, make_app, notifications, opened, press, settle, type_text

pytestmark = pytest.mark.anyio

COUNT = 1234

@pytest.fixture
def crowd(
    tmp_path: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppContext]:
    """1,234 people (no history: the health sort falls back to their names)."""
    monkeypatch.setenv("CRB_TODAY", TODAY.isoformat())
    ctx = AppContext(db_path=tmp_path / "crowd.db", config_path=config_file)
    ctx.store.db.conn.executemany(
        "insert into people (name, created, updated, details) values (?, ?, ?, '{}')",
        [(f"Person {n:04d}", "2026-01-01", "2026-01-01") for n in range(COUNT)],
    )
    ctx.store.db.conn.commit()
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the list asked of the core: people_ids searches and list_people offsets."""
    seen: dict[str, list[Any]] = {"ids": [], "offsets": []}

    def ids(store: Any, *, search: str | None = None, sort: str = "name") -> list[int]:
        seen["ids"].append((search, sort))
        return people_ids(store, search=search, sort=sort)

    def listed(store: Any, **kwargs: Any) -> list[dict[str, Any]]:
        seen["offsets"].append(kwargs.get("offset", 0))
        return list_people(store, **kwargs)

    monkeypatch.setattr(people_model, "people_ids", ids)
    monkeypatch.setattr(people_list, "list_people", listed)
    return seen


async def test_the_last_page_comes_by_ids_not_offset(
    crowd: AppContext, calls: dict[str, list[Any]]
) -> None:
    async with opened(crowd, "people") as (app, pilot):
        people = app.screen.query_one(PeopleList)
        assert people.total == COUNT
        await press(pilot, "escape", "end")
        expected = people_ids(crowd.store, sort="health")
        assert people.highlighted is not None
        assert people.highlighted["id"] == expected[-1]
        # Nothing read rows by position past the first page (the quick first look, read by
        # the app as it opened); the last page came by its ids (with the one before it, a
        # screen up), and the pages between were never read.
        assert set(calls["offsets"]) <= {0}
        last = (COUNT - 1) // PAGE_SIZE
        assert last in people._pages
        assert set(people._pages) <= {0, last - 1, last}
        await press(pilot, "pageup")
        assert people.highlighted is not None
        assert people.highlighted["id"] == expected[people.cursor]


async def test_searches_keep_the_sort_order(context: AppContext) -> None:
    async with opened(context, "people", (120, 40)) as (app, pilot):
        people = app.screen.query_one(PeopleList)
        for sort in ("health", "last_touch", "name", "overdue"):
            assert isinstance(app.screen, PeopleScreen)
            while app.screen.sort != sort:
                await press(pilot, "ctrl+s")
            for text in ("a", "an", ""):
                app.screen.query_one("#people-filter", Input).value = text
                await pilot.pause()
                await settle(pilot)
                assert people._ids is not None
                assert list(people._ids) == people_ids(
                    context.store, search=text or None, sort=sort), (sort, text)


async def test_typing_back_over_a_search_looks_at_no_one_again(
    crowd: AppContext, calls: dict[str, list[Any]]
) -> None:
    async with opened(crowd, "people") as (app, pilot):
        people = app.screen.query_one(PeopleList)
        for key in "0012":
            await press(pilot, key)
        assert people.total == 1  # Person 0012
        index = people._kept.searchable
        assert index is not None and index.scans == 4
        await press(pilot, "backspace", "backspace", "backspace", "backspace")
        assert people.total == COUNT
        await press(pilot, "0")
        # Everyone with a 0 anywhere in their name (as part of a word counts too).
        assert people.total == sum("0" in f"{n:04d}" for n in range(COUNT)) == 1132
        # Each search was answered once, in memory: none went to SQL, none was scanned twice.
        assert index.scans == 4
        assert [search for search, _ in calls["ids"] if search] == []


async def test_enter_typed_ahead_of_the_rows_opens_the_match(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow_ids(store: Any, **kwargs: Any) -> list[int]:
        time.sleep(0.2)  # a big database: the rows come after the Enter
        return people_ids(store, **kwargs)

    async with opened(context, "people", (120, 40)) as (app, pilot):
        monkeypatch.setattr(people_model, "people_ids", slow_ids)
        await type_text(pilot, "glass")
        await pilot.press("enter")
        await settle(pilot)
        first = list_people(context.store, search="glass", sort="health")[0]
        assert isinstance(app.screen, PersonScreen)
        assert app.screen.person_id == first["id"]


def test_a_query_no_longer_wanted_stops() -> None:
    conn = sqlite3.connect(":memory:")
    endless = (
        "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    )
    with pytest.raises(QueryCancelled, match="interrupted"):
        with interruptible(conn, lambda: False):
            conn.execute(endless).fetchone()
    # The check goes with the query: the connection works as before.
    assert conn.execute("select 1").fetchone() == (1,)


async def warmed_up(pilot: Any) -> PeopleList:
    """The people list, once its search index has been read in the background."""
    await settle(pilot)
    people = pilot.app.screen.query_one(PeopleList)
    await pilot.pause(people_list.WARM_AFTER + 0.2)
    await settle(pilot)
    return people


async def test_the_search_index_is_read_in_the_background_before_any_key(
    crowd: AppContext, calls: dict[str, list[Any]]
) -> None:
    app = make_app(crowd, screen="people")
    async with app.run_test(size=(80, 24)) as pilot:
        people = await warmed_up(pilot)
        index = people._kept.searchable
        assert index is not None and len(index) == COUNT and index.scans == 0
        assert notifications(app) == []
        await type_text(pilot, "0012")
        await settle(pilot)
        assert people.total == 1 and people.highlighted is not None
        assert people.highlighted["name"] == "Person 0012"
        assert people._kept.searchable is index  # the same index answered the search


def test_a_row_is_few_runs_of_colour_on_the_terminals_background() -> None:
    """What a repaint sends over SSH is mostly each row's colour changes: a row keeps to the
    terminal's background and colours only the gauge, low scores and a late cadence."""
    from rich.style import Style
    from textual.strip import Strip

    from crb_tui.tui.widgets.people_list import row_segments

    palette = {None: Style(), "good": Style(color="green"), "fair": Style(color="yellow"),
               "bad": Style(color="red"), "muted": Style(color="grey50")}
    row = {"id": 1, "name": "Ann [bold]Lee[/]", "organization": "Acme", "stage": "contact",
           "health": 20, "trend": "fading", "trust": 21, "value": 22, "triage": 0,
           "last_touch": "2026-10-01T09:00:00", "overdue": 0.5, "effective_cadence": 30}
    strip = Strip(row_segments(row, 160, palette, TODAY), 160).simplify()
    assert strip.cell_length == 160
    assert all(seg.style is None or seg.style.bgcolor is None for seg in strip)
    coloured = [seg for seg in strip if seg.style is not None and seg.style.color is not None]
    # The gauge's number, arrow and bar; trust and value (one run: both low); the cadence.
    assert [seg.style.color.name for seg in coloured] == ["red", "red", "red"]
    assert coloured[0].text.strip().startswith("20↓ █") and "15d late" in coloured[2].text
    assert "Ann [bold]Lee[/]" in strip.text  # names are text, never markup
    healthy = dict(row, health=90, trust=80, value=70, overdue=-0.2, trend="growing")
    strip = Strip(row_segments(healthy, 160, palette, TODAY), 160).simplify()
    coloured = [seg for seg in strip if seg.style is not None and seg.style.color is not None]
    assert [seg.style.color.name for seg in coloured] == ["green"]  # the gauge alone


async def test_another_programs_write_is_read_again_in_the_background(
    crowd: AppContext, calls: dict[str, list[Any]]
) -> None:
    app = make_app(crowd, screen="people")
    async with app.run_test(size=(80, 24)) as pilot:
        people = await warmed_up(pilot)
        old_index = people._kept.searchable
        assert old_index is not None
        # A sync in another process adds someone.
        other = sqlite3.connect(crowd.db_path)
        other.execute("insert into people (name, created, updated, details) "
                      "values ('Zed Outsider', '2026-11-23', '2026-11-23', '{}')")
        other.commit()
        other.close()
        await type_text(pilot, "zed")
        await settle(pilot)
        # The keystrokes were answered from what the list had; the re-read in the background
        # then put the newcomer in and showed the same search again.
        assert old_index.scans >= 1  # it answered: nobody waited for the re-read
        assert people._kept.searchable is not old_index
        assert people.total == 1 and people.highlighted is not None
        assert people.highlighted["name"] == "Zed Outsider"
        assert notifications(app) == []


async def test_the_mouse_wheel_scrolls_the_list(crowd: AppContext) -> None:
    from textual.events import MouseScrollDown, MouseScrollUp

    async with opened(crowd, "people") as (app, pilot):
        people = app.screen.query_one(PeopleList)
        for _ in range(3):
            await pilot._post_mouse_events([MouseScrollDown], people, offset=(5, 2))
        await settle(pilot)
        assert round(people.scroll_offset.y) == 9  # three rows a notch, with no scrollbar
        await pilot._post_mouse_events([MouseScrollUp], people, offset=(5, 2))
        await settle(pilot)
        assert round(people.scroll_offset.y) == 6
        top = people.row(6)
        assert top is not None and top["name"] in people.render_line(0).text


def test_the_last_column_says_ages_one_way_at_any_width() -> None:
    from rich.style import Style
    from textual.strip import Strip

    from crb_tui.tui.widgets.people_list import row_segments

    palette = {None: Style(), "good": Style(), "fair": Style(), "bad": Style(), "muted": Style()}

    def shown(last: str, width: int) -> str:
        row = {"id": 1, "name": "Ann", "organization": "", "stage": "contact", "health": 50,
               "trend": "", "trust": 50, "value": 50, "triage": 0, "last_touch": last,
               "overdue": 0, "effective_cadence": 30}
        return Strip(row_segments(row, width, palette, TODAY), width).text

    four, fourteen = "2026-07-20T09:00:00", "2025-09-01T09:00:00"
    assert " 4mo " in shown(four, 80) and " 15mo " in shown(fourteen, 80)  # (448 days)
    assert "ago" not in shown(four, 80)
    assert "4mo ago" in shown(four, 160) and "15mo ago" in shown(fourteen, 160)


def test_narrow_columns_leave_the_name_readable_and_fit_the_width() -> None:
    """Trial finding: at 60 columns names were cut to 5 characters and the row was wider than
    the list, cutting "242d late" to "242d lae". Columns are left out instead (organisation,
    value, trust...), and a row is never wider than the list."""
    from crb_tui.tui.widgets.people_columns import NAME_AT_LEAST, layout

    for width in range(30, 200):
        columns = layout(width)
        assert sum(c.width for c in columns) + len(columns) - 1 == width, width
        assert columns[0].key == "name" and columns[0].width >= NAME_AT_LEAST, width
        assert columns[-1].key == "cadence" and columns[-1].width == 9
    assert [c.key for c in layout(60)] == ["name", "stage", "health", "trust", "last", "cadence"]
    assert [c.key for c in layout(80)][:2] == ["name", "org"]


async def test_the_people_list_at_60_columns(context: AppContext) -> None:
    from tests.test_tui import screen_text

    async with opened(context, "people", (60, 24)) as (app, pilot):
        rows = list_people(context.store, sort="health", limit=12)
        text = screen_text(app)
        late = [line for line in text.splitlines() if "d lat" in line or "d la" in line]
        assert late and all(line.rstrip().endswith("d late") for line in late), late
        shown = [row["name"] for row in rows if len(row["name"]) <= 16]
        assert shown and all(name in text for name in shown)


async def test_home_and_end_move_the_list_from_the_filter(crowd: AppContext) -> None:
    """Trial 6 C-f: with the focus in the filter (where the screen opens), End and Home went to
    the text box's cursor and the list did not move."""
    async with opened(crowd, "people") as (app, pilot):
        people = app.screen.query_one(PeopleList)
        box = app.screen.query_one("#people-filter", Input)
        assert box.has_focus
        await press(pilot, "end")
        assert people.cursor == COUNT - 1 and box.has_focus
        await press(pilot, "home")
        assert people.cursor == 0
        await type_text(pilot, "person 01")
        await settle(pilot)
        await press(pilot, "end")
        assert people.cursor == people.total - 1 > 0
        assert box.value == "person 01"


def test_a_cadence_with_no_touch_yet_shows_the_cadence() -> None:
    """A key person with their own cadence and no touch yet: the Cadence column says the
    cadence, not "—" (which is for no cadence at all)."""
    from rich.style import Style
    from textual.strip import Strip

    from crb_tui.tui.widgets.people_list import row_segments

    palette = {None: Style(), "good": Style(), "fair": Style(), "bad": Style(), "muted": Style()}
    row = {"id": 1, "name": "Frank Ocean", "organization": None, "stage": "contact",
           "health": 5, "trend": None, "trust": 5, "value": None, "triage": 0,
           "last_touch": None, "overdue": None, "effective_cadence": 60}
    assert "every 60d" in Strip(row_segments(row, 160, palette, TODAY), 160).text
    none = dict(row, effective_cadence=0)
    text = Strip(row_segments(none, 160, palette, TODAY), 160).text
    assert "every" not in text and "—" in text
