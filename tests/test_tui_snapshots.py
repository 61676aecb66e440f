"""Snapshots of every screen and dialog at 80x24, 120x40 and 160x50, on the demo data set
(seed 7) on a fixed day.

Update them after a deliberate change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from crb_tui.host.app_context import AppContext
from crb_tui.sources import Source
from crb_tui.tui.app import CrbApp
from tests.test_tui import settle

SIZES = [(80, 24), (120, 40), (160, 50)]


def _no_records(ctx: Any) -> list[Any]:
    return []


FIXED_SOURCES = {
    "contacts_csv": Source(name="contacts_csv", sync=_no_records, formats=("csv",),
                           description="Contacts from a CSV file"),
    "imap": Source(name="imap", sync=_no_records, description="Mail from an IMAP server"),
    "calendar": Source(name="calendar", sync=_no_records,
                       description="Meetings from a calendar"),
}


@pytest.fixture
def context(
    demo_db: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> AppContext:
    # The sync screen lists installed plugins; pin them so the snapshot is the same anywhere.
    monkeypatch.setattr(AppContext, "sources", lambda self: dict(FIXED_SOURCES))
    conn = sqlite3.connect(demo_db)
    conn.executemany(
        "insert into sync_state (source, last_run, last_ok, counts, last_error) "
        "values (?, ?, ?, ?, ?)",
        [
            ("imap", "2026-11-22T07:00:00+00:00", "2026-11-22T07:00:00+00:00",
             '{"seen": 120, "imported": 14, "skipped": {"bulk": 90, "no-reply": 16}}', None),
            ("calendar", "2026-11-21T07:00:00+00:00", "2026-11-01T07:00:00+00:00",
             '{"seen": 0, "imported": 0}', "HTTPError: 401 Unauthorized (token expired)"),
        ],
    )
    conn.commit()
    conn.close()
    return AppContext(db_path=demo_db, config_path=config_file)


def keys(*pressed: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("screen", "pressed"), [
    ("review", ()),
    ("people", ()),
    ("dashboard", ()),
    ("sync", ("down",)),
    ("review", ("enter",)),
], ids=["review", "people", "dashboard", "sync", "person"])
def test_screen(
    snap_compare: Any, context: AppContext, screen: str, pressed: tuple[str, ...],
    size: tuple[int, int],
) -> None:
    app = CrbApp(context, screen=screen, cursor_blink=False)
    assert snap_compare(app, terminal_size=size, run_before=keys(*pressed))


DIALOGS = {
    "log_touch": ("l",),
    "promise": ("p",),
    "value": ("v",),
    "goal": ("g",),
    "note": ("n",),
    "snooze": ("s",),
    "tier": ("t",),
    "cadence": ("c",),
    "stage": ("o",),
    "merge": ("m",),
    "details": ("d",),
    "ignore": ("i",),
    "keys": ("question_mark",),
    "commands": ("ctrl+p", "s", "n", "o", "o", "z", "e"),
    "explain": ("enter", "e"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(DIALOGS))
def test_dialog(
    snap_compare: Any, context: AppContext, name: str, size: tuple[int, int]
) -> None:
    app = CrbApp(context, cursor_blink=False)
    assert snap_compare(app, terminal_size=size, run_before=keys(*DIALOGS[name]))
