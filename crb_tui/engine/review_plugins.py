"""The daily review's items from plugins (the ``review_items`` hook): each plugin called on its
own, what it returns checked, and what went wrong told once, naming the plugin."""

from __future__ import annotations

import datetime as dt
import json
import logging

from crb_tui import hooks
from crb_tui.config import Config
from crb_tui.engine import plugin_calls
from crb_tui.engine.plugin_calls import PluginCalls
from crb_tui.engine.review_item import ReviewItem
from crb_tui.errors import user_message
from crb_tui.results import ReviewItem as PluginItem
from crb_tui.store import Store
from crb_tui.store.review_queries import eligible_names, unknown_people
from crb_tui.text import plural

__all__ = ["plugin_items"]

log = logging.getLogger("crb_tui.engine.review")


def plugin_items(
    store: Store, config: Config, today: dt.date, warnings: list[str] | None
) -> list[ReviewItem]:
    """Every ``review_items`` plugin in its own try: one that raises, or returns items that
    are not usable, is reported once (naming it) and skipped; the others' items stand."""
    impls = hooks.pm.hook.review_items.get_hookimpls()
    if not impls:
        return []
    names = eligible_names(store, today.isoformat())
    calls = PluginCalls(store, config, today)
    items: list[ReviewItem] = []
    for impl in impls:
        plugin = hooks.pm.get_name(impl.plugin) or "plugin"
        try:
            found, bad = plugin_calls.review_items(calls.call(impl, plugin, today=today), plugin)
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything; isolate it
            _warn(warnings, f"plugin {plugin}: review_items failed ({user_message(exc)}); "
                            "its items are left out", exc)
            continue
        for given in found:
            if given.person_id in names:  # others are snoozed, archived or merged
                items.append(_plugin_item(given, names[given.person_id]))
        unknown = unknown_people(store, {g.person_id for g in found} - set(names))
        if unknown:
            one = len(unknown) == 1
            _warn(warnings, f"plugin {plugin}: review_items gave "
                            + ("an item for a person who does" if one
                               else "items for people who do")
                            + f" not exist (id{'' if one else 's'} "
                            + ", ".join(str(pid) for pid in unknown)
                            + f"); {'it is' if one else 'they are'} left out")
        if bad:
            _warn(warnings, f"plugin {plugin}: review_items gave {plural(bad, 'item')} "
                            "CRB cannot use (each needs a person_id and a numeric priority)")
    return items


def _plugin_item(given: PluginItem, name: str) -> ReviewItem:
    try:
        detail = json.loads(json.dumps(given.detail, default=str))
    except (TypeError, ValueError):
        detail = {}
    return ReviewItem(
        given.kind or "plugin",
        given.person_id,
        name,
        given.reason,
        given.action,
        given.priority,
        detail if isinstance(detail, dict) else {"value": detail},
        label=given.label or given.kind or "plugin",
    )


def _warn(warnings: list[str] | None, message: str, exc: BaseException | None = None) -> None:
    # The traceback is for --debug; the user gets one line (from the caller, or the log).
    log.debug("%s", message, exc_info=exc)
    if warnings is None:
        log.warning("%s", message)
    elif message not in warnings:
        warnings.append(message)
