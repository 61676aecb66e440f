"""What a row of the people list looks like: its columns at a given width (:func:`layout`), the
titles above them with the sort marked (:func:`header`), and one person's row as styled
segments (:func:`row_segments`), in colour only where it means something."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.content import Content

from crb_tui.tui.display import (
    STAGE_SHORT,
    TREND_ARROWS,
    ago,
    bar,
    cadence_status,
    fit,
    level,
    safe,
)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    right: bool = False


def layout(width: int) -> list[Column]:
    """Columns for a list ``width`` cells wide: the fixed ones first, the rest to name and org."""
    wide = width >= 110
    fixed = [
        Column("stage", "Stage", 12 if wide else 8),
        Column("health", "Health", 14 if wide else 10),
        Column("trust", "Trust", 5, right=True),
        Column("value", "Value", 5, right=True),
        Column("last", "Last touch" if wide else "Last", 10 if wide else 7),
        Column("cadence", "Cadence", 9),  # "178d late" whole at any width
    ]
    gaps = 7
    left = max(10, width - sum(c.width for c in fixed) - gaps)
    name_width = max(6, (left * 3 + 4) // 5)
    org_width = max(4, left - name_width)
    return [Column("name", "Name", name_width), Column("org", "Organisation", org_width), *fixed]


def header(width: int, sort: str) -> Content:
    """The column titles, the sort column marked ▲ for smallest first (weakest health, A to Z)
    or ▼ for largest first (latest touch, most overdue)."""
    marks = {"health": ("health", " ▲"), "last_touch": ("last", " ▼"), "name": ("name", " ▲"),
             "overdue": ("cadence", " ▼")}
    column, arrow = marks.get(sort, ("", ""))
    parts: list[Content] = []
    for col in layout(width):
        title = col.title
        if col.key == column:
            # The arrow must show: "Last touch ▼" is too wide for its column, "Last ▼" is not.
            title = (title if len(title + arrow) <= col.width else title.split()[0]) + arrow
        text = fit(title, col.width) if not col.right else fit(title, col.width).rjust(col.width)
        parts.append(Content.styled(text, "bold"))
    return Content(" ").join(parts)



def row_segments(
    row: dict[str, Any], width: int, palette: dict[str | None, Style], today: dt.date
) -> list[Segment]:
    """One person's row, as wide as ``width``: the cells in columns, each gap in the style of
    the cell after it (so that two cells coloured alike are one run of colour)."""
    segments: list[Segment] = []
    for n, col in enumerate(layout(width)):
        cell = _cell(col, row, palette, today)
        if n:
            segments.append(Segment(" ", cell[0].style))
        segments.extend(cell)
    return segments


def _cell(
    col: Column, row: dict[str, Any], palette: dict[str | None, Style], today: dt.date
) -> list[Segment]:
    plain = palette[None]
    w = col.width
    if col.key == "name":
        return [Segment(fit(safe(row["name"]), w), plain)]
    if col.key == "org":
        return [Segment(fit(safe(row.get("organization") or ""), w), plain)]
    if col.key == "stage":
        if row.get("triage"):
            return [Segment(fit("new", w), palette["fair"])]
        stage = row.get("stage") or ""
        label = stage if w >= 12 else STAGE_SHORT.get(stage, stage)
        return [Segment(fit(label, w), plain)]
    if col.key == "health":
        # "41↓ ████·····": the number, the trend and the bar in the gauge's colour, then the
        # rest of the scale as dots in plain text (no colour: one run of colour fewer a row).
        value = row.get("health")
        arrow = TREND_ARROWS.get(row.get("trend") or "", " ")
        number = "  —" if value is None else f"{value:>3}"
        filled, empty = bar(value, w - 5, track="·")
        lvl = level(value)
        return [Segment(f"{number}{arrow} {filled}", palette[lvl]), Segment(empty, plain)]
    if col.key in ("trust", "value"):
        # Coloured only when low: colour marks what needs you.
        value = row.get(col.key)
        text = "—" if value is None else str(value)
        lvl = level(value)
        return [Segment(text.rjust(w), palette[lvl if lvl != "good" else None])]
    if col.key == "last":
        when = ago(row.get("last_touch"), today)
        if w < len("14mo ago") and when.endswith(" ago"):
            # A narrow column says "4mo" and "14mo" alike ("4mo ago" beside "14mo" misread).
            when = when[:-4]
        return [Segment(fit(when, w), plain)]
    text, lvl = cadence_status(row)
    return [Segment(fit(text, w), palette[lvl if lvl != "good" else None])]
