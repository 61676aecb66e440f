"""The private parts of Textual the app leans on, each pinned here: a Textual release that
renames or changes one fails a test by name instead of quietly changing what the app does.
And no class of the app (nor ``crb serve``'s textual-serve server) overrides or touches another
private name of Textual's unless it is listed (and pinned) here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Footer, RadioButton, RadioSet

import crb_tui.tui
from crb_tui.tui.screens.dialogs_form import Choices

pytestmark = pytest.mark.anyio

PINNED = {
    ("KeyFooter", "_bindings_ready"): "test_footer_waits_on_bindings_ready",
    ("Choices", "_selected"): "test_choices_picks_through_radio_sets_own_state",
    ("Choices", "_pressed_button"): "test_choices_picks_through_radio_sets_own_state",
    ("FilterBox", "app._bindings"): "test_the_apps_own_key_check",
    ("FilterBox", "app._check_bindings"): "test_the_apps_own_key_check",
    ("CrbServer", "_make_app"): "test_crb_serve_guards_the_app_textual_serve_makes",
    ("CardPart", "_size_updated"): "test_a_card_part_that_grows_is_laid_out_once",
    ("CardScroll", "_size_updated"): "test_a_card_part_that_grows_is_laid_out_once",
    ("CardGauges", "_size_updated"): "test_a_card_part_that_grows_is_laid_out_once",
    ("Gauge", "_size_updated"): "test_a_card_part_that_grows_is_laid_out_once",
}
"""(class of the app, private name of Textual's it uses) -> the test that pins it."""

# Set on every class by Textual itself (its metaclass and __init_subclass__).
_TEXTUAL_SETS = {
    "_decorated_handlers", "_reactives", "_inherit_css", "_inherit_bindings",
    "_inherit_component_classes", "_css_type_name", "_css_type_names", "_merged_bindings",
    "_computes", "_abc_impl",
}


def _textual_private_names(cls: type) -> set[str]:
    """The private names the Textual classes ``cls`` derives from define or assign."""
    names: set[str] = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("textual"):
            continue
        names |= {n for n in vars(base) if n.startswith("_") and not n.startswith("__")}
        try:
            names |= set(re.findall(r"self\.(_[a-z]\w*)", inspect.getsource(base)))
        except (OSError, TypeError):
            continue
    return names


def _app_classes() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(crb_tui.tui.__path__, "crb_tui.tui."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if (inspect.isclass(cls) and cls.__module__ == module.__name__
                    and any(b.__module__.startswith("textual") for b in cls.__mro__)):
                found[f"{module.__name__}.{cls.__name__}"] = cls
    from crb_tui.cli.serve import make_server  # crb serve's server, made in a function

    server = type(make_server("crb", "127.0.0.1", 8000))
    found[server.__qualname__] = server
    return list(found.values())


def test_no_private_textual_name_is_touched_unless_pinned() -> None:
    app_names = _textual_private_names(App)
    touched: set[tuple[str, str]] = set()
    classes = _app_classes()
    assert len(classes) > 20
    for cls in classes:
        own = {n for n in vars(cls) if n.startswith("_") and not n.startswith("__")}
        source = inspect.getsource(cls)
        used = set(re.findall(r"self\.(_[a-z]\w*)", source)) | own
        theirs = _textual_private_names(cls) - _TEXTUAL_SETS
        touched |= {(cls.__name__, n) for n in used & theirs}
        touched |= {(cls.__name__, f"app.{n}") for n in
                    set(re.findall(r"self\.app\.(_[a-z]\w*)", source)) & app_names}
    assert touched == set(PINNED)
    assert all(name in globals() for name in PINNED.values())


def test_footer_waits_on_bindings_ready() -> None:
    """``KeyFooter`` sets Footer's ``_bindings_ready`` in ``compose`` to show the keys in the
    first paint (Textual's footer composes nothing until a first change of bindings)."""
    flag = Footer.__dict__.get("_bindings_ready")
    assert isinstance(flag, Reactive) and flag._default is False
    compose = inspect.getsource(Footer.compose)
    assert "if not self._bindings_ready:" in compose and "return" in compose
    assert "self._bindings_ready = True" in inspect.getsource(Footer.bindings_changed)


class _ChoicesApp(App[None]):
    def compose(self) -> ComposeResult:
        with Choices(id="choices"):
            for name in ("a", "b", "c"):
                yield RadioButton(name, name=name, value=name == "a")


async def test_choices_picks_through_radio_sets_own_state() -> None:
    """``Choices`` moves RadioSet's highlight (``_selected``) and sets its pressed button
    (``_pressed_button``) without the messages a press sends."""
    assert "_selected" in RadioSet.__dict__  # a reactive of RadioSet's, the highlight
    assert "self._pressed_button" in inspect.getsource(RadioSet)
    app = _ChoicesApp()
    async with app.run_test() as pilot:
        choices = app.query_one(Choices)
        choices.focus()
        await pilot.pause()
        choices.choose("b")
        assert choices.pressed_button is not None and choices.pressed_button.name == "b"
        assert choices.pressed_index == 1
        assert [b.value for b in choices.query(RadioButton)] == [False, True, False]
        choices.action_next_button()  # Textual's own: moves the highlight
        await pilot.pause()
        assert choices._selected == 2
        choices.pick()
        assert choices.pressed_button is not None and choices.pressed_button.name == "c"


async def test_the_apps_own_key_check() -> None:
    """The people filter asks the app whether a key is one of its bindings (``_bindings``) and
    runs it before the box takes the key (``_check_bindings``)."""
    parameters = inspect.signature(App._check_bindings).parameters
    assert list(parameters)[:3] == ["self", "key", "priority"]
    assert inspect.iscoroutinefunction(App._check_bindings)
    ran: list[str] = []

    class KeyApp(App[None]):
        BINDINGS = [("question_mark", "mark", "Mark")]

        def action_mark(self) -> None:
            ran.append("mark")

    app: Any = KeyApp()
    async with app.run_test():
        assert "question_mark" in app._bindings.key_to_bindings
        assert await app._check_bindings("question_mark") is True
        assert await app._check_bindings("x") is False
    assert ran == ["mark"]


async def test_crb_serve_guards_the_app_textual_serve_makes() -> None:
    """``crb serve`` installs its guard (localhost only, its own pages only) by overriding
    textual-serve's private ``Server._make_app``: the server must still build its app through
    it, and the app built must carry the guard (tests/test_serve.py checks the guard's 403s
    on a real server)."""
    from textual_serve.server import Server

    from crb_tui.cli.serve import make_server

    assert inspect.iscoroutinefunction(Server._make_app)
    assert "self._make_app()" in inspect.getsource(Server)
    server = make_server("crb", "127.0.0.1", 8000)
    assert type(server).__dict__.get("_make_app") is not None
    application = await server._make_app()
    assert len(application.middlewares) == 1


async def test_a_card_part_that_grows_is_laid_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The review card's parts, its scroll and its gauges override Widget's
    ``_size_updated`` (called by the screen's layout with each widget's new size) to take a
    new size without a second layout of the whole screen: a part given taller text is laid
    out once, and shows all of it; the card growing past its height gets its scroll bar (a
    layout of its own)."""
    from crb_tui.tui.screens.review import CardGauges, CardPart, CardScroll
    from crb_tui.tui.widgets.gauge import Gauge

    parameters = inspect.signature(Widget._size_updated).parameters
    assert list(parameters) == ["self", "size", "virtual_size", "container_size", "layout"]
    assert "set_reactive(Widget.virtual_size" in inspect.getsource(Widget._size_updated)

    class PartApp(App[None]):
        def compose(self) -> ComposeResult:
            with CardScroll(id="card"):
                yield CardPart("one line", id="part")
                yield CardPart("below", id="below")
                with CardGauges():
                    yield Gauge("Health", 50, id="gauge")

    app = PartApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        from tests.test_tui import count_layouts

        layouts = count_layouts(monkeypatch)
        app.query_one("#part", CardPart).update("one\ntwo\nthree")
        await pilot.pause()
        await pilot.pause()
        assert layouts[0] == 1
        assert app.query_one("#part").size.height == 3
        assert app.query_one("#below").region.y == 3
        card = app.query_one("#card", CardScroll)
        gauge = app.query_one("#gauge", Gauge)
        assert not card.show_vertical_scrollbar and gauge.size.width == 40
        app.query_one("#part", CardPart).update("\n".join(map(str, range(20))))
        await pilot.pause()
        await pilot.pause()
        # The scroll bar comes (a layout of its own): the gauge beside it is as wide as the
        # room left, and drawn to it.
        assert card.show_vertical_scrollbar and card.max_scroll_y == card.virtual_size.height - 10
        assert gauge.size.width == card.scrollable_content_region.width < 40
        assert len(gauge.render().plain) == gauge.size.width
