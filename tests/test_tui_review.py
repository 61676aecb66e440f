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


# -- another program writes while the review is open ----------------------------------------


def test_reading_again_keeps_the_cursors_person_and_adds_new_items_at_the_end() -> None:
    from crb_tui.engine.review_item import ReviewItem
    from crb_tui.tui.screens.review import keep_places

    def items(*ids: int) -> list[ReviewItem]:
        return [ReviewItem(person_id=i, person_name=f"p{i}", kind="no_touch", reason="r", action="",
                           priority=100 - i) for i in ids]

    def ids(queue: list[ReviewItem]) -> list[int]:
        return [i.person_id for i in queue]

    def shown(order: list[int], new: list[int], current: int | None) -> tuple:
        queue, index, now = keep_places(order, items(*new), current)
        return ids(queue), index, now

    # New people sorted first by priority still come after what is on show.
    assert shown([1, 2, 3], [9, 1, 2, 3], 2) == ([1, 2, 3, 9], 1, [1, 2, 3, 9])
    # The cursor's person answered: the next one shown, not the newcomer sorted into the gap.
    assert shown([1, 2, 3], [1, 9, 3], 2) == ([1, 3, 9], 1, [1, 2, 3, 9])
    # Answered, then undone: back in the place first shown.
    assert shown([1, 2, 3, 9], [1, 2, 3, 9], 2)[:2] == ([1, 2, 3, 9], 1)
    assert shown([1, 2, 3], [3, 2, 1], 3)[:2] == ([1, 2, 3], 2)
    # The last one answered: the first new item; nothing left: index 0 of an empty queue.
    assert shown([1, 2], [1, 9], 2)[:2] == ([1, 9], 1)
    assert shown([1, 2], [1], 2)[:2] == ([1], 0)
    assert shown([1], [], 1)[:2] == ([], 0)
    # The first read (or r, or a new day): the queue's own order, the cursor on the first.
    assert shown([], [9, 1], None) == ([9, 1], 0, [9, 1])


@pytest.mark.usefixtures("quick_watch")
async def test_review_follows_another_programs_writes_without_moving_the_card(
    small: AppContext, config_file: Path, tmp_path: Path
) -> None:
    """Another program adds someone who sorts first and answers an item before the cursor:
    the card on show stays, the newcomer comes at the end, and a key acts on the card shown
    (then the next one shown comes up, not the newcomer)."""
    from tests.conftest import Crb
    from tests.test_tui import one, settle, until

    crb = Crb(small.db_path, config_file)
    card = tmp_path / "bo.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo New\r\nEMAIL:bo@new.example\r\n"
                    "END:VCARD\r\n", encoding="utf-8")
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        await press(pilot, "right")
        assert screen.current is not None and screen.current.person_name == "Kai Key"
        crb("import", str(card))
        crb("tier", "Bo New", "key")
        crb("promise", "Bo New", "Call back", "--due", "today")
        await until(pilot, lambda: "Bo New" in [i.person_name for i in screen.items])
        # (Read at once: a notice goes after a few seconds.)
        assert any("1 new in today's review" in n for n in notifications(app))
        await settle(pilot)
        assert [i.person_name for i in screen.items] == ["Ann Due", "Kai Key", "Lee Key",
                                                          "Bo New"]
        assert screen.current.person_name == "Kai Key"
        assert "Kai Key" in screen_text(app)
        # Ann's promise kept elsewhere: her card leaves, the cursor stays on Kai.
        crb("done", "1")
        await until(pilot, lambda: "Ann Due" not in [i.person_name for i in screen.items])
        await settle(pilot)
        assert screen.current.person_name == "Kai Key" and screen.index == 0
        await press(pilot, "l", "tab", "tab", "c", "enter")
        assert one(small.db_path, "select count(*) from interactions where person_id = 1") == 1
        assert one(small.db_path, "select count(*) from interactions where person_id = 4") == 0
        assert [i.person_name for i in screen.items] == ["Lee Key", "Bo New"]
        assert screen.current.person_name == "Lee Key"
        # r puts the queue in today's order, the cursor staying on its person.
        await press(pilot, "r")
        assert [i.person_name for i in screen.items] == ["Bo New", "Lee Key"]
        assert screen.current.person_name == "Lee Key"


@pytest.mark.usefixtures("quick_watch")
async def test_review_card_shows_what_another_program_wrote(
    small: AppContext, config_file: Path
) -> None:
    from tests.conftest import Crb
    from tests.test_tui import until

    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        await press(pilot, "right")
        assert screen.current is not None and screen.current.person_name == "Kai Key"
        Crb(small.db_path, config_file)("promise", "Kai Key", "Intro to Bo", "--due", "+5d")
        await until(pilot, lambda: "Intro to Bo" in screen_text(app))
        assert "Intro to Bo" in screen_text(app)
        assert screen.current.person_name == "Kai Key"


async def test_left_open_past_midnight_the_review_moves_to_the_new_day_by_itself(
    small: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key pressed: the clock moves past midnight and, within a look, the header and the
    cards are the new day's (a promise due yesterday is now overdue)."""
    import datetime as dt

    from crb_tui.tui import app as app_module
    from tests.test_tui import until

    monkeypatch.setattr(app_module, "NEW_DAY_EVERY", 0.1)
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        assert screen.current is not None and screen.current.person_name == "Ann Due"
        assert "Mon 23 Nov 2026" in screen_text(app)
        assert "due today" in screen.current.reason
        monkeypatch.setenv("CRB_TODAY", (TODAY + dt.timedelta(days=1)).isoformat())
        await until(pilot, lambda: "Tue 24 Nov 2026" in screen_text(app)
                    and "1 day overdue" in screen_text(app))
        text = screen_text(app)
        assert "Tue 24 Nov 2026" in text and "1 day overdue" in text, text
        assert screen.day == TODAY + dt.timedelta(days=1)


async def test_a_plugins_card_without_an_action_shows_no_bare_arrow(small: AppContext) -> None:
    from crb_tui import ReviewItem

    class Quiet:
        @hookimpl
        def review_items(self, query, today):
            return [ReviewItem(person_id=3, kind="board", reason="Board pack due",
                               priority=20_000)]

    with registered(Quiet(), "quiet-reviews"):
        async with opened(small, size=(100, 30)) as (app, pilot):
            screen = review(app)
            assert screen.current is not None and screen.current.kind == "board"
            lines = [line.strip("│ ") for line in screen_text(app).splitlines()]
            assert "Board pack due" in lines
            assert not [line for line in lines if line.startswith("→")], lines
            # The next card, CRB's own, has its action line again.
            await press(pilot, "right")
            assert any(line.startswith("→ ") for line in
                       (line.strip("│ ") for line in screen_text(app).splitlines()))


async def test_a_snooze_is_ended_from_the_person_page_and_undone(small: AppContext) -> None:
    from tests.test_tui import one

    async with opened(small, size=(100, 30)) as (app, pilot):
        assert review(app).current is not None and review(app).current.person_name == "Ann Due"
        await press(pilot, "s", "w")
        assert one(small.db_path, "select snoozed_until from people where id = 2") == \
            "2026-11-30"
        assert "Ann Due" not in [i.person_name for i in review(app).items]
        app.open_person(2)
        await press(pilot)
        assert "snoozed until 2026-11-30" in screen_text(app)
        await press(pilot, "s")
        text = screen_text(app)
        assert "Snoozed until 2026-11-30." in text and "e end the snooze" in text, text
        await press(pilot, "e")
        assert one(small.db_path, "select snoozed_until from people where id = 2") is None
        assert "snoozed until" not in screen_text(app)
        assert app.undo_stack[-1].label == "Ended the snooze of Ann Due: back in the review"
        await press(pilot, "escape")
        # Snoozed and ended the same day: back in today's review.
        assert "Ann Due" in [i.person_name for i in review(app).items]
        await press(pilot, "u")
        assert one(small.db_path, "select snoozed_until from people where id = 2") == \
            "2026-11-30"
        assert "Ann Due" not in [i.person_name for i in review(app).items]
        # Someone not snoozed is offered no "end".
        await press(pilot, "s")
        assert "end the snooze" not in screen_text(app)
        await press(pilot, "escape")


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


async def test_the_review_says_it_is_coming_while_the_queue_is_read(
    context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trial 10 W10: on a new day at 100,000 people the body under the tabs stayed empty for
    seconds while the scores were brought up to date; it says what is coming."""
    import time

    from crb_tui.tui import data
    from tests.test_tui import make_app, until

    release = {"go": False}
    real = data.review_queue

    def slow(ctx):  # type: ignore[no-untyped-def]
        while not release["go"]:
            time.sleep(0.02)
        return real(ctx)

    monkeypatch.setattr(data, "review_queue", slow)
    app = make_app(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Reading today's review" in screen_text(app))
        release["go"] = True
        await until(pilot, lambda: "Reading today's review" not in screen_text(app))


async def test_a_failing_health_signals_is_a_notice_in_the_app(
    context: AppContext, register_plugin
) -> None:
    """A plugin's health_signals failing was only logged in the app (Textual takes stderr
    over): said nowhere. It is a notice, once."""
    from crb_tui.tui.app import CrbApp

    class Failing:
        @hookimpl
        def health_signals(self, person):  # type: ignore[no-untyped-def]
            raise RuntimeError("scores service down")

    register_plugin(Failing(), "failing-in-the-app")
    app = CrbApp(context, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        said = [n.message for n in app._notifications if "failing-in-the-app" in n.message]
        assert len(said) == 1 and "health_signals failed (scores service down)" in said[0], said
