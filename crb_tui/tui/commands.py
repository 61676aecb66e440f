"""The command palette (Ctrl+P): every action of the screen you are on and of the app, and
"Open <person>" for anyone whose name, organisation, e-mail or notes match what you type."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from crb_tui.store.queries import find_people
from crb_tui.tui.app_base import CrbAppBase
from crb_tui.tui.display import safe
from crb_tui.tui.screen_list import SCREENS
from crb_tui.tui.screens.help import bindings_of

# Movement keys are not commands anyone looks for by name.
_NOT_COMMANDS = ("cursor(", "page(", "move(", "jump(", "escape", "close")


class ActionCommands(Provider):
    """The screen's and the app's bindings, by their descriptions and tooltips."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        assert isinstance(app, CrbAppBase)
        screen = self.screen
        found: list[tuple[str, str, Callable[[], Any]]] = []
        for mode, _, label, about in SCREENS:
            found.append((f"Go to {label}", about,
                          partial(app.run_action, f"switch_mode('{mode}')")))
        title = type(screen).__name__.removesuffix("Screen")
        # An action on a person says whom it acts on (the card or page on show).
        target = getattr(screen, "target", None)
        who = target() if callable(target) else None
        acting = {b.id for b in _acting_bindings()}
        seen: set[str] = set()
        for binding in bindings_of(type(screen)):
            if not binding.id or binding.action.startswith(_NOT_COMMANDS):
                continue
            if binding.id in seen:
                continue
            seen.add(binding.id)
            name = f"{title}: {binding.description}"
            if binding.id in acting and who is not None:
                name = f"{binding.description} → {who.name}"
            found.append((name, binding.tooltip, partial(screen.run_action, binding.action)))
        for binding in (b for b in CrbAppBase.BINDINGS if isinstance(b, Binding)):
            if binding.id and binding.id not in seen and not binding.action.startswith(
                    ("switch_mode", "command_palette")):
                found.append((binding.description, binding.tooltip,
                              partial(app.run_action, binding.action)))
        return found

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        wanted = query.strip().lower()
        for name, help_text, callback in self._commands():
            score = max(matcher.match(name), matcher.match(help_text) * 0.5)
            if score <= 0:
                continue
            # Letters scattered through a command's name rank below the people whose names
            # hold what was typed (see PeopleCommands); a command named by it stays on top.
            if wanted not in name.lower():
                score = min(score, 1.0) * 0.5
            yield Hit(score, _highlight(matcher, name), callback, text=name, help=help_text)


def _highlight(matcher: Any, text: str) -> Content:
    """The matched letters of ``text`` highlighted, the text itself taken literally (Textual's
    ``Matcher.highlight`` reads it as markup: a person named "[b]x[/b]" would lose that)."""
    content = Content(text)
    _, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _acting_bindings() -> list[Binding]:
    from crb_tui.tui.screens.acting import ACTION_BINDINGS

    return list(ACTION_BINDINGS)


class PeopleCommands(Provider):
    """``Open <person>``: a search of the people list, on a worker thread."""

    async def search(self, query: str) -> AsyncGenerator[Hit, None]:
        if len(query.strip()) < 2:
            return
        app = self.app
        assert isinstance(app, CrbAppBase)

        def fetch(ctx: Any) -> list[dict[str, Any]]:
            return find_people(ctx.store, query, limit=8)

        try:
            rows = await asyncio.to_thread(app.gateway.read, fetch)
        except Exception:  # noqa: BLE001 - a failed search just offers no people
            return
        for rank, row in enumerate(rows):
            name = safe(row["name"])
            where = safe(row.get("organization") or "")
            yield Hit(
                0.95 - rank * 0.01,
                Content.assemble("Open ", (name, "bold")),
                partial(app.open_person, row["id"]),
                text=f"Open {name}",
                help=escape(where) if where else None,
            )
