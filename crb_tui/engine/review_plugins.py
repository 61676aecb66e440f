"""The review's items from plugins (the ``review_items`` hook): each plugin in its own try, one
that raises or returns items CRB cannot use reported once, naming it, and skipped."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from typing import Any

from crb_tui import hooks
from crb_tui.engine.review_item import ReviewItem, _plural
from crb_tui.store import Store

log = logging.getLogger("crb_tui.engine.review")


def plugin_items(
    store: Store, today: dt.date, eligible: str, warnings: list[str] | None
) -> list[ReviewItem]:
    """Every ``review_items`` plugin in its own try: one that raises, or returns items that
    are not usable, is reported once (naming it) and skipped; the others' items stand."""
    impls = hooks.pm.hook.review_items.get_hookimpls()
    if not impls:
        return []
    names = {
        row[0]: row[1]
        for row in store.db.execute(f"select p.id, p.name from people p where {eligible}",
                                    [today.isoformat()])
    }
    items: list[ReviewItem] = []
    for impl in impls:
        plugin = hooks.pm.get_name(impl.plugin) or "plugin"
        try:
            returned: Any = impl.function(store=store, today=today)  # checked item by item
            found = list(returned or [])
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything; isolate it
            _warn(warnings, f"plugin {plugin}: review_items failed ({type(exc).__name__}: "
                            f"{exc}); its items are left out", exc)
            continue
        bad = 0
        for raw in found:
            if _malformed(raw):
                bad += 1
            elif raw["person_id"] in names:  # others are snoozed, archived or merged
                items.append(_plugin_item(raw, names[raw["person_id"]]))
        if bad:
            _warn(warnings, f"plugin {plugin}: review_items gave {_plural(bad, 'item')} "
                            "CRB cannot use (each needs a person_id and a numeric priority)")
    return items


def _malformed(raw: Any) -> bool:
    if not isinstance(raw, dict):
        return True
    pid, priority = raw.get("person_id"), raw.get("priority", 0)
    return (
        isinstance(pid, bool) or not isinstance(pid, int)
        or isinstance(priority, bool) or not isinstance(priority, int | float)
        or not math.isfinite(priority)
    )


def _plugin_item(raw: dict[str, Any], name: str) -> ReviewItem:
    try:
        detail = json.loads(json.dumps(raw.get("detail") or {}, default=str))
    except (TypeError, ValueError):
        detail = {}
    return ReviewItem(
        str(raw.get("kind") or "plugin"),
        raw["person_id"],
        name,
        str(raw.get("reason", "")),
        str(raw.get("action", "")),
        float(raw.get("priority", 0)),
        detail if isinstance(detail, dict) else {"value": detail},
    )


def _warn(warnings: list[str] | None, message: str, exc: BaseException | None = None) -> None:
    # The traceback is for --debug; the user gets one line (from the caller, or the log).
    log.debug("%s", message, exc_info=exc)
    if warnings is None:
        log.warning("%s", message)
    elif message not in warnings:
        warnings.append(message)
