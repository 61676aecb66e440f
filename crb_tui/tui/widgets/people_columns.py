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


NAME_AT_LEAST = 16
"""Cells the name keeps on a narrow terminal before it is shortened: columns are left out first
(see ``_LEFT_OUT_FIRST``)."""

_LEFT_OUT_FIRST = ("org", "value", "trust", "stage", "health", "last")
"""On a narrow terminal, the columns left out (in this order) so that names stay readable: the
organisation, then value and trust (the health gauge sums them up), then the stage..."""


def layout(width: int) -> list[Column]:
    """Columns for a list ``width`` cells wide: the fixed ones first, the rest to name and org;
    on a narrow terminal, columns are left out so that the name keeps ``NAME_AT_LEAST`` cells,
    and the row is never wider than ``width``."""
    wide = width >= 110
    fixed = [
        Column("stage", "Stage", 12 if wide else 8),
        Column("health", "Health", 14 if wide else 10),
        Column("trust", "Trust", 5, right=True),
        Column("value", "Value", 5, right=True),
        Column("last", "Last touch" if wide else "Last", 10 if wide else 7),
        Column("cadence", "Cadence", 9),  # "178d late" whole at any width
    ]
    gone: set[str] = set()
    for leave_out in (None, *_LEFT_OUT_FIRST):
        if leave_out:
            gone.add(leave_out)
        kept = [c for c in fixed if c.key not in gone]
        with_org = "org" not in gone
        left = width - sum(c.width for c in kept) - len(kept) - int(with_org)
        name_width = (left * 3 + 4) // 5 if with_org else left
        if name_width >= NAME_AT_LEAST and (not with_org or left - name_width >= 6):
            break
    name_width = max(1, name_width)
    names = [Column("name", "Name", name_width)]
    if with_org:
        names.append(Column("org", "Organisation", max(1, left - name_width)))
    return [*names, *kept]


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
