"""The review answers a key at once: the cards either side are read ahead (and never shown once
written to since), a snooze moves on before the queue is read again, and closing a dialog
with nothing done reads nothing again. (Pilot tests: what is shown and read, never how long
it takes.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crb_tui.host.app_context import AppContext
from crb_tui.tui import data
from tests.conftest import Crb
from tests.test_tui import TODAY, count_layouts, opened, press, review, screen_text, settle, until
from tests.test_tui_review import small  # noqa: F401 - the fixture: Ann (a promise), Kai, Lee

pytestmark = pytest.mark.anyio


@pytest.fixture
def pages_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The people whose cards (person pages) are read from the database, in order."""
    read: list[int] = []
    person_page = data.person_page

    def counted(ctx: Any, person_id: int, **kwargs: Any) -> dict[str, Any]:
        read.append(person_id)
        return person_page(ctx, person_id, **kwargs)

    monkeypatch.setattr(data, "person_page", counted)
    yield read


async def test_the_next_card_is_read_ahead_and_drawn_with_one_layout(
    small: AppContext, pages_read: list[int], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        assert [i.person_name for i in screen.items] == ["Ann Due", "Kai Key", "Lee Key"]
        # Ann's card, and those either side of it: Kai (next) and Lee (before, wrapping round).
        assert sorted(set(pages_read)) == [1, 2, 3]
        pages_read.clear()
        layouts = count_layouts(monkeypatch)
        await pilot.press("right")
        await pilot.pause()
        # Kai's whole card at once, from what was read ahead: nothing of his read now.
        assert screen.current is not None and screen.current.person_name == "Kai Key"
        text = screen_text(app)
        assert "Kai Key" in text and "Last touches" in text and "…" not in text
        assert 1 not in pages_read
        assert layouts[0] == 1
        await settle(pilot)
        assert 1 not in pages_read  # (only the card after his, Lee's, if it had to be)


async def test_a_card_read_ahead_is_not_shown_once_another_program_wrote(
    small: AppContext, config_file: Path, pages_read: list[int],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crb_tui.tui.screens import base

    # The screen's look at the store comes long after: the key comes first.
    monkeypatch.setattr(base, "WATCH_EVERY", 3600)
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        kai = screen.items[1].person_id
        assert screen.cards.get(kai, app.gateway.change_token(), TODAY) is not None
        Crb(small.db_path, config_file)("promise", "Kai Key", "Intro to Bo", "--due", "+5d")
        pages_read.clear()
        await press(pilot, "right")
        assert screen.current is not None and screen.current.person_id == kai
        assert kai in pages_read
        assert "Intro to Bo" in screen_text(app)


async def test_a_snooze_shows_the_next_card_before_the_queue_is_read_again(
    small: AppContext, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        assert screen.current is not None and screen.current.person_name == "Ann Due"
        assert (screen.done, screen.total) == (0, 3)
        release = threading.Event()
        started = threading.Event()
        review_queue = data.review_queue

        def held(ctx: Any) -> Any:
            started.set()
            release.wait(10)
            return review_queue(ctx)

        monkeypatch.setattr(data, "review_queue", held)
        await pilot.press("s", "w")
        await until(pilot, lambda: started.is_set())
        # The queue is being read again (held here): Kai's card is on show already.
        assert started.is_set() and not release.is_set()
        assert screen.current is not None and screen.current.person_name == "Kai Key"
        text = screen_text(app)
        assert "Kai Key" in text and "1 / 3 done" in text and "item 1 of 2" in text
        release.set()
        await settle(pilot)
        # The queue read again says the same: Kai next, Lee after, one of three done.
        assert [i.person_name for i in screen.items] == ["Kai Key", "Lee Key"]
        assert screen.current.person_name == "Kai Key"
        assert (screen.done, screen.total) == (1, 3)
        assert "1 / 3 done" in screen_text(app)
        # Undone: Ann back in her place, the cursor on her.
        await press(pilot, "u")
        assert [i.person_name for i in screen.items] == ["Ann Due", "Kai Key", "Lee Key"]
        assert screen.current.person_name == "Ann Due" and screen.done == 0


async def test_a_snooze_of_the_last_card_moves_back_to_the_one_before(
    small: AppContext,  # noqa: F811
) -> None:
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        await press(pilot, "left")
        assert screen.current is not None and screen.current.person_name == "Lee Key"
        await press(pilot, "s", "w")
        assert [i.person_name for i in screen.items] == ["Ann Due", "Kai Key"]
        assert screen.current.person_name == "Kai Key" and screen.index == 1
        assert "Kai Key" in screen_text(app)


async def test_closing_a_dialog_with_nothing_done_reads_nothing_again(
    small: AppContext, pages_read: list[int], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    queues = 0
    review_queue = data.review_queue

    def counted(ctx: Any) -> Any:
        nonlocal queues
        queues += 1
        return review_queue(ctx)

    monkeypatch.setattr(data, "review_queue", counted)
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        queues = 0
        pages_read.clear()
        await press(pilot, "s", "escape")
        assert queues == 0 and pages_read == []
        # A tier set (an action that leaves Ann's promise in the queue): the queue is read
        # once, with her card, in the action's own trip.
        await press(pilot, "t", "k")
        assert queues == 1 and pages_read.count(1) == 0 and 2 in pages_read
        assert screen.current is not None and screen.current.person_name == "Ann Due"


def test_an_own_action_keeps_the_other_cards_read_ahead_and_drops_its_persons() -> None:
    from crb_tui.tui.screens.review_cards import CardCache

    page = {"today": TODAY}
    before, after, elsewhere = (1, (0, 5)), (2, (0, 5)), (2, (0, 6))
    cards = CardCache()
    for pid in (1, 2, 3):
        cards.put(pid, before, page)
    cards.put(4, (0, (0, 5)), page)  # read before an earlier write: stale already
    cards.after_own_write((before, after), {1})
    assert [p for p in (1, 2, 3, 4) if cards.get(p, after, TODAY)] == [2, 3]
    # Another program wrote while the action was stored: nothing read before is kept.
    cards.after_own_write((after, elsewhere), set())
    assert [p for p in (1, 2, 3, 4) if cards.get(p, elsewhere, TODAY)] == []
    # Nor is a card of another day.
    cards.put(5, after, page)
    assert cards.get(5, after, TODAY) is page and cards.get(5, after, TODAY.replace(day=24)) is None


async def test_a_card_acted_on_is_read_again_when_come_back_to(
    small: AppContext,  # noqa: F811
) -> None:
    from tests.test_tui import run_keys

    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        await press(pilot, "right")
        assert screen.current is not None and screen.current.person_name == "Kai Key"
        await run_keys(pilot, ["p", "type:Deck", "enter", "type:+3d", "enter", "enter"])
        assert screen.current.person_name == "Kai Key"
        await press(pilot, "left")
        await press(pilot, "right")
        assert "Deck" in screen_text(app)


@pytest.mark.usefixtures("quick_watch")
async def test_no_look_at_the_store_while_a_dialog_is_over_the_screen(
    small: AppContext, config_file: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """(Each look would have Textual paint the dialog again.) Coming back, what another
    program wrote meanwhile is read."""
    from crb_tui.tui.screens.base import CrbScreen

    looks = 0
    look = CrbScreen._look_at_store

    def counted(self: CrbScreen) -> None:
        nonlocal looks
        looks += 1
        look(self)

    monkeypatch.setattr(CrbScreen, "_look_at_store", counted)
    async with opened(small, size=(100, 30)) as (app, pilot):
        screen = review(app)
        await press(pilot, "s")
        looks = 0
        Crb(small.db_path, config_file)("promise", "Ann Due", "Intro to Bo", "--due", "+5d")
        await pilot.pause(0.5)
        assert looks == 0
        await press(pilot, "escape")
        await until(pilot, lambda: looks > 0)
        assert looks > 0
        await until(pilot, lambda: "Intro to Bo" in screen_text(app))
        assert "Intro to Bo" in screen_text(app) and screen.current is not None
