"""Textual's own ``DataTable`` holding every person, for ``tui_bench.py`` to compare with CRB's
virtual list: all rows are read and added before the first paint, and each keystroke in the
filter clears the table and adds the matching rows again (the straightforward way to filter it).

    python benchmarks/datatable_app.py PATH.db
"""

from __future__ import annotations

import sqlite3
import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input

COLUMNS = ("Name", "Organisation", "Stage", "Health", "Trust", "Value", "Last touch", "Overdue")
SQL = """
    select p.name, coalesce(o.name, ''), coalesce(h.stage, ''), h.health, h.trust, h.value,
      coalesce(h.last_touch, ''), h.overdue
    from people p
    left join organizations o on o.id = p.org_id
    left join health h on h.person_id = p.id
    where p.merged_into is null and p.archived = 0
    order by coalesce(h.health, -1) asc, p.name collate nocase
"""


def cell(value: object) -> str:
    return "—" if value is None else str(value)


class TableApp(App[None]):
    """A filter box over a ``DataTable`` of every person."""

    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def __init__(self, db_path: str) -> None:
        super().__init__()
        db = sqlite3.connect(db_path)
        self.rows = [
            tuple(cell(v) for v in row) for row in db.execute(SQL)
        ]
        self.keys = [(r[0].lower(), r[1].lower()) for r in self.rows]
        db.close()

    def compose(self) -> ComposeResult:
        box = Input(placeholder="filter", compact=True)
        box.cursor_blink = False
        yield box
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows(self.rows)
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        text = event.value.strip().lower()
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(
            row for row, (name, org) in zip(self.rows, self.keys, strict=True)
            if text in name or text in org
        )


if __name__ == "__main__":
    TableApp(sys.argv[1]).run()
