"""The review screen (Textual pilot): what issue #10 changed on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crb_tui import hookimpl
from crb_tui.host.app_context import AppContext
from crb_tui.testing import registered
from tests.test_tui import (
    TODAY,
    notifications,
    opened,
    press,
    review,
    screen_text,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def broken_plugin() -> Iterator[None]:
    class Broken:
        @hookimpl
        def review_items(self, store, today):
            raise RuntimeError("boom [b]not markup[/b]")

    with registered(Broken(), "flaky-reviews"):
        yield


@pytest.fixture
def small(tmp_path: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        AppContext]:
    """Two key people never touched, and one with a promise due today."""
    monkeypatch.setenv("CRB_TODAY", TODAY.isoformat())
    context = AppContext(db_path=tmp_path / "small.db", config_path=config_file)
    db = context.store.db
    for pid, name in ((1, "Kai Key"), (2, "Ann Due"), (3, "Lee Key")):
        db.execute("insert into people (id, name, tier, created, updated) values (?, ?, 'key', "
                   "'2026-01-01', '2026-01-01')", [pid, name])
    db.execute("insert into interactions (person_id, kind, direction, at, source, source_key) "
               "values (2, 'call', 'mutual', '2026-11-20T10:00:00+00:00', 't', 't1')")
    db.execute("insert into commitments (person_id, text, due, status, direction, created) "
               "values (2, 'Send the deck', '2026-11-23', 'open', 'out', '2026-11-01')")
    db.conn.commit()
    context.recompute()
    try:
        yield context
    finally:
        context.close()


async def test_review_screen_shows_no_touch_yet_and_a_failing_plugin_once(
    small: AppContext, broken_plugin: None
) -> None:
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        # The failing plugin empties nothing: the promise first, then the people never touched.
        assert [(i.person_name, i.kind) for i in screen.items] == [
            ("Ann Due", "commitment"), ("Kai Key", "no_touch"), ("Lee Key", "no_touch")]
        warned = [n for n in notifications(app) if "flaky-reviews" in n]
        assert warned == ["plugin flaky-reviews: review_items failed (boom "
                          "[b]not markup[/b]); its items are left out"]
        await press(pilot, "right")
        text = screen_text(app)
        assert "No touch yet" in text and "Kai Key" in text
        assert "No touch yet: reach out; you aim for every 14 days" in text
        # A tier on Kai does not answer "no touch yet"; a logged touch does.
        await press(pilot, "t", "k")
        assert screen.current is not None and screen.current.person_name == "Kai Key"
        await press(pilot, "r")
        # Reloading the queue does not tell the same problem again.
        assert len([n for n in notifications(app) if "flaky-reviews" in n]) == 1
        await press(pilot, "l", "tab", "tab", "c", "enter")
        assert "Kai Key" not in [i.person_name for i in screen.items]
        assert screen.done == 1


async def test_a_note_on_a_plugins_card_answers_it(small: AppContext) -> None:
    class Boards:
        @hookimpl
        def review_items(self, store, today):
            return [{"person_id": 3, "kind": "board", "reason": "Board pack due",
                     "action": "Send it", "priority": 20_000}]

    with registered(Boards(), "boards"):
        async with opened(small, size=(100, 30)) as (app, pilot):
            screen = review(app)
            assert screen.current is not None and screen.current.kind == "board"
            await press(pilot, "n")
            await pilot.press(*"sent")
            await press(pilot, "ctrl+s")
            assert "board" not in [i.kind for i in screen.items]


async def test_a_plugins_card_is_titled_by_its_label(small: AppContext) -> None:
    from crb_tui import ReviewItem

    class Boards:
        @hookimpl
        def review_items(self, query, today):
            return [ReviewItem(person_id=3, kind="board", label="Board meeting",
                               reason="Board pack due", action="Send it", priority=20_000)]

    with registered(Boards(), "boards-labelled"):
        async with opened(small, size=(100, 30)) as (app, pilot):
            screen = review(app)
            assert screen.current is not None and screen.current.kind == "board"
            title = str(screen.query_one("#review-position").render())
            assert "Board meeting" in title and "board " not in title


async def test_a_triage_card_shows_its_keys_in_the_footer_at_80_columns(
    context: AppContext,
) -> None:
    """A triage card asks to accept with a tier, merge or archive: t, m, a and i are in the
    footer, whole at 80 columns, while one is shown (and only then)."""
    from crb_tui.tui.screens.base import KeyFooter

    def footer() -> tuple[set[str], str]:
        keys = {str(key) for key, *_ in app.screen.query_one(KeyFooter)._shown_keys or ()}
        return keys, screen_text(app).splitlines()[-1]

    async with opened(context) as (app, pilot):
        kinds = [item.kind for item in review(app).items]
        assert "triage" in kinds and kinds[0] != "triage", kinds
        keys, line = footer()
        assert not {"t", "m", "a", "i"} & keys, line
        for _ in range(kinds.index("triage")):
            await press(pilot, "right")
        assert review(app).current.kind == "triage"
        keys, line = footer()
        assert {"t", "m", "a", "i", "l", "s", "u", "q"} <= keys, line
        for word in ("Tier", "Merge", "Archive", "Ignore", "Log", "Undo", "Quit"):
            assert word in line, (word, line)
        await press(pilot, "left")
        assert not {"t", "m", "a", "i"} & footer()[0]


async def test_a_busy_database_says_which_action_was_not_saved(
    context: AppContext, demo_db: Path
) -> None:
    """Another program holds the write lock past the wait: the notice names the action that
    was not stored (it comes long after the key), and nothing is stored."""
    import sqlite3

    async with opened(context) as (app, pilot):
        name = review(app).items[0].person_name
        pid = review(app).items[0].person_id
        before = context.store.conn.execute(
            "select count(*) from interactions where person_id = ?", (pid,)).fetchone()[0]
        context.store.conn.execute("pragma busy_timeout = 200")
        other = sqlite3.connect(demo_db, isolation_level=None)
        other.execute("begin immediate")
        try:
            await press(pilot, "l", "ctrl+s")
            for _ in range(60):
                await pilot.pause(0.05)
                if any("Not saved" in n for n in notifications(app)):
                    break
        finally:
            other.execute("rollback")
            other.close()
        said = [n for n in notifications(app) if "Not saved" in n]
        assert said and said[0].startswith(f"Not saved: Logged a call with {name}."), \
            notifications(app)
        after = context.store.conn.execute(
            "select count(*) from interactions where person_id = ?", (pid,)).fetchone()[0]
        assert after == before
