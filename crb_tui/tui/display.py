"""How values look on screen: dates as "3d ago", gauges as bars, untrusted text made safe.

Everything that reaches the terminal from the database goes through :func:`safe` and into a
``Content`` built from plain strings, never through markup.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.cells import cell_len, set_cell_size
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

from crb_tui import clock
from crb_tui.quantities import cadence_status as cadence_status  # (re-exported)
from crb_tui.quantities import days_late as days_late  # (re-exported)
from crb_tui.text import DIRECTION_LABELS as DIRECTION_LABELS  # (re-exported)
from crb_tui.text import plain

_EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"
EMPTY = "░"

MUTED = "$foreground-muted"
"""Secondary text (``$text-muted`` works in CSS only: its "auto" colour is not resolved in
``Content`` styles, where it comes out white)."""

TREND_ARROWS = {"growing": "↑", "steady": "→", "fading": "↓"}
STAGE_SHORT = {
    "contact": "contact",
    "transaction": "transact",
    "relationship": "relation",
    "partner": "partner",
}
KIND_LABELS = {
    "commitment": "Your promise",
    "their_commitment": "Their promise",
    "meeting": "Meeting today",
    "past_cadence": "Past cadence",
    "no_touch": "No touch yet",
    "aftercare": "After-care",
    "anniversary": "Anniversary",
    "fading": "Fading",
    "stale_goal": "Stale goal",
    "triage": "New person",
}


def safe(text: Any, *, one_line: bool = True) -> str:
    """Untrusted text with every control character made visible."""
    return plain(text, one_line=one_line)


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to exactly ``width`` cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return clock.local_date(str(value))
    except ValueError:
        return None


def ago(value: str | None, today: dt.date) -> str:
    """A past date relative to today: "today", "3d ago", "5w ago", "4mo ago", "2y ago"."""
    day = parse_day(value)
    if day is None:
        return "never"
    days = (today - day).days
    if days < 0:
        return until(value, today)
    if days == 0:
        return "today"
    if days < 14:
        return f"{days}d ago"
    # Rounded as the review's words are ("9 years ago" there is "9y ago" here).
    if days < 60:
        return f"{round(days / 7)}w ago"
    if days < 730:
        return f"{round(days / 30.44)}mo ago"
    return f"{round(days / 365.25)}y ago"


def moment(stamp: str | None, today: dt.date) -> str:
    """A stored stamp in the user's time zone: "today 10:01", "yesterday 23:40",
    "2026-11-02 08:15" ("never" for none)."""
    if not stamp:
        return "never"
    try:
        local = clock.local_time(str(stamp))
    except ValueError:
        return safe(stamp)
    days = (today - local.date()).days
    day = {0: "today", 1: "yesterday"}.get(days, local.date().isoformat())
    return f"{day} {local:%H:%M}"


def until(value: str | None, today: dt.date) -> str:
    """A due date relative to today: "today", "in 3d", "2d late"."""
    day = parse_day(value)
    if day is None:
        return "—"
    days = (day - today).days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days}d"
    return f"{-days}d late"


def level(value: int | None) -> str:
    """"good", "fair", "bad" or "muted" for a 0-100 gauge value."""
    if value is None:
        return "muted"
    if value >= 65:
        return "good"
    if value >= 35:
        return "fair"
    return "bad"


def bar(value: int | None, width: int, track: str = EMPTY) -> tuple[str, str]:
    """A horizontal bar for a 0-100 value: (filled part, empty part of ``track``), ``width``
    cells in all."""
    if width <= 0:
        return "", ""
    if value is None:
        return "", track * width
    eighths = round(max(0, min(100, value)) * width * 8 / 100)
    full, part = divmod(eighths, 8)
    filled = FULL * full + (_EIGHTHS[part] if part else "")
    return filled, track * (width - cell_len(filled))


LEVEL_STYLES = {
    "good": "$success",
    "fair": "$warning",
    "bad": "$error",
    "muted": "$foreground-muted",
}


def gauge(label: str, value: int | None, width: int = 10, *, label_width: int = 7) -> Content:
    """``Trust  ███████░░░  72``"""
    filled, empty = bar(value, width)
    style = LEVEL_STYLES[level(value)]
    number = "  —" if value is None else f"{value:>3}"
    return Content.assemble(
        (fit(label, label_width), "bold"),
        " ",
        (filled, style),
        (empty, "$foreground-muted"),
        " ",
        (number, style),
    )


def person_line(detail: dict[str, Any], health: dict[str, Any] | None) -> Content:
    """"Organisation · title · tier · stage" under a person's name."""
    parts = []
    if detail.get("organization"):
        parts.append(safe(detail["organization"]))
    if detail.get("title"):
        parts.append(safe(detail["title"]))
    parts.append(f"tier {safe(detail.get('tier') or 'none')}")
    stage = detail.get("stage_override") or (health or {}).get("stage")
    if stage:
        parts.append(safe(stage) + (" (set by you)" if detail.get("stage_override") else ""))
    return Content(" · ".join(parts))


class Hanging(Visual):
    """Lines that wrap under their own indentation and ``extra`` cells more, never back at
    column 0: a long line of an explanation or a touch's long subject continues inside its
    entry instead of reading as a new one. A ``text-wrap: nowrap`` widget shows it unwrapped."""

    def __init__(self, content: Content, extra: int = 2) -> None:
        self.content = content
        self.extra = extra
        self._cache: tuple[int, Content] | None = None

    def wrapped(self, width: int) -> Content:
        """The content wrapped to ``width`` cells, each line's continuation rows indented."""
        if self._cache is not None and self._cache[0] == width:
            return self._cache[1]
        rows: list[Content] = []
        for line in self.content.split("\n", allow_blank=True):
            text = line.plain
            indent = len(text) - len(text.lstrip(" "))
            hang = indent + self.extra
            if line.cell_length <= width or hang * 2 > width:
                rows.extend(line.wrap(width) if line.cell_length > width else [line])
                continue
            parts = line[indent:].wrap(width - hang)
            rows.append(Content(" " * indent) + parts[0])
            rows.extend(Content(" " * hang) + part for part in parts[1:])
        result = Content("\n").join(rows)
        self._cache = (width, result)
        return result

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        if options.rules.get("text_wrap", "wrap") == "nowrap":
            return self.content.render_strips(width, height, style, options)
        return self.wrapped(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        if rules.get("text_wrap", "wrap") == "nowrap":
            return self.content.get_height(rules, width)
        return len(self.wrapped(width).plain.split("\n"))
