"""Calling the ``health_signals`` and ``review_items`` hooks: each plugin gets only the
arguments its function names (so a plugin written for fewer arguments keeps working), its own
settings and a read-only ``Query``; what it returns is checked and made a ``Signal`` or a
``ReviewItem`` (dicts, the older form, still accepted with a ``DeprecationWarning``)."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable
from typing import Any

from crb_tui import hooks
from crb_tui.config import Config
from crb_tui.query import Query
from crb_tui.results import ReviewItem, Signal, from_dict
from crb_tui.store import Store

__all__ = ["PluginCalls", "Problem"]


class Problem(Exception):
    """One result of a plugin CRB cannot use, with why."""


class PluginCalls:
    """What hooks are given on one day: the query, each plugin's settings, the store."""

    def __init__(self, store: Store, config: Config, today: dt.date) -> None:
        self.store = store
        self.config = config
        self.today = today
        self.query = Query(store, today)
        self._settings: dict[str, dict[str, Any]] = {}

    def settings(self, plugin: str) -> dict[str, Any]:
        """The plugin's settings: those of the sources it registers (``[sources.NAME]`` over
        their defaults), one dict; a copy for each call, so a hook cannot change another's."""
        if plugin not in self._settings:
            self._settings[plugin] = hooks.plugin_settings(self.config, plugin)
        return dict(self._settings[plugin])

    def call(self, impl: Any, plugin: str, **given: Any) -> Any:
        """Call one hook implementation with the arguments it asks for among ``given``,
        ``query``, ``settings`` and (deprecated, for ``review_items``) ``store``."""
        offered: dict[str, Any] = {**given, "query": self.query, "store": self.store}
        wanted = tuple(impl.argnames) + tuple(impl.kwargnames)
        if "settings" in wanted:
            offered["settings"] = self.settings(plugin)
        return impl.function(**{name: offered[name] for name in wanted if name in offered})


def _deprecated(plugin: str, hook: str, cls: str, unknown: Iterable[str]) -> None:
    ignored = ", ".join(sorted(map(str, unknown)))
    warnings.warn(
        f"plugin {plugin}: {hook} returned a dict; return crb_tui.{cls}(...) instead "
        "(dicts are deprecated and will stop being accepted in CRB 1.0)"
        + (f"; unknown keys ignored: {ignored}" if ignored else ""),
        DeprecationWarning,
        stacklevel=3,
    )


def signals(result: Iterable[Any] | None, plugin: str) -> tuple[list[Signal], list[Problem]]:
    """A plugin's ``health_signals`` result as ``Signal``s, and what could not be used."""
    found: list[Signal] = []
    problems: list[Problem] = []
    for raw in result or []:
        try:
            if isinstance(raw, Signal):
                found.append(raw)
            elif isinstance(raw, dict):
                keys = ("gauge", "points", "reason")
                _deprecated(plugin, "health_signals", "Signal", set(raw) - set(keys))
                known = {k: v for k, v in raw.items() if k in keys}
                known["reason"] = str(known.get("reason") or "no reason given")
                found.append(from_dict(Signal, known))
            else:
                raise Problem(f"not a Signal: {type(raw).__name__}")
        except (TypeError, ValueError, Problem) as exc:
            problems.append(Problem(f"{exc} in {raw!r}"))
    return found, problems


def review_items(result: Iterable[Any] | None, plugin: str) -> tuple[list[ReviewItem], int]:
    """A plugin's ``review_items`` result as ``ReviewItem``s, and how many could not be used."""
    found: list[ReviewItem] = []
    bad = 0
    for raw in result or []:
        try:
            if isinstance(raw, ReviewItem):
                found.append(raw)
            elif isinstance(raw, dict):
                _deprecated(plugin, "review_items", "ReviewItem", set(raw) - set(_ITEM_KEYS))
                known = {k: v for k, v in raw.items() if k in _ITEM_KEYS}
                # As before the dataclass: text fields are made text, a missing kind is "plugin".
                for key in ("reason", "action", "label"):
                    known[key] = "" if known.get(key) is None else str(known[key])
                known["kind"] = str(known.get("kind") or "plugin")
                if not isinstance(known.get("detail", {}), dict):
                    known["detail"] = {"value": known["detail"]}
                found.append(from_dict(ReviewItem, known))
            else:
                bad += 1
        except (TypeError, ValueError):
            bad += 1
    return found, bad


_ITEM_KEYS = ("person_id", "reason", "action", "priority", "kind", "label", "detail")
