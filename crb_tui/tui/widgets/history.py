"""What is known about a person, as ``Content`` sections: touches, commitments, goals, their
words, details to remember, identities. Shared by the review card and the person screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.content import Content

from crb_tui.quantities import describe_birthday as birthday
from crb_tui.store.queries import describe_meeting
from crb_tui.text import direction_word
from crb_tui.tui.display import DIRECTION_LABELS, MUTED, ago, parse_day, safe, until


def heading(text: str) -> Content:
    return Content.styled(text, "bold $text-secondary")


def _day(value: str | None) -> str:
    """A stored stamp's date on the user's calendar (``[me] timezone``)."""
    day = parse_day(value)
    return day.isoformat() if day else safe((value or "")[:10]) or "          "


def next_meeting(detail: dict[str, Any], today: dt.date) -> list[Content]:
    """``Next meeting: 2027-01-28 Weekly sync (in 66d)``, or nothing when none is planned."""
    meeting = detail.get("next_meeting")
    if not meeting:
        return []
    return [Content.assemble(("Next meeting: ", "bold"), safe(describe_meeting(meeting)),
                             (f" ({until(meeting['at'], today)})", MUTED))]


def touches(detail: dict[str, Any], today: dt.date, limit: int) -> list[Content]:
    rows = detail["interactions"][:limit]
    if not rows:
        return [Content.styled("  no touches yet", MUTED)]
    lines = []
    for row in rows:
        subject = safe(row["subject"]) if row["subject"] else ""
        lines.append(Content.assemble(
            "  ", (_day(row["at"]), MUTED), " ",
            (f"{safe(row['kind']):<11}", "bold"),
            (f"{safe(direction_word(row['kind'], row['direction'], DIRECTION_LABELS)):<10}",
             MUTED),
            (f"\u201c{subject}\u201d" if subject else "", ""),
        ))
    more = detail.get("interaction_count", 0) - len(rows)
    if more > 0:
        lines.append(Content.styled(f"  … and {more} earlier", MUTED))
    return lines


def commitments(detail: dict[str, Any], today: dt.date, *, open_only: bool) -> list[Content]:
    rows = [c for c in detail["commitments"] if c["status"] == "open" or not open_only]
    if not rows:
        return [Content.styled("  none open" if open_only else "  none", MUTED)]
    lines = []
    for c in rows:
        who = "You" if c.get("direction", "out") == "out" else "They"
        if c["status"] == "open":
            due = until(c["due"], today)
            style = "$error" if due.endswith("late") else ("$warning" if due == "today" else "")
            status = Content.styled(f"due {safe(c['due'])} ({due})", style or MUTED)
        else:
            style = "$success" if c["status"] == "kept" else "$error"
            status = Content.styled(f"{safe(c['status'])} (due {safe(c['due'])})", style)
        lines.append(Content.assemble("  ", (f"{who}: ", "bold"), safe(c["text"]), "  ", status))
    return lines


def goals(detail: dict[str, Any], today: dt.date, stale_days: int) -> list[Content]:
    rows = [g for g in detail["goals"] if g["active"]]
    if not rows:
        return [Content.styled("  none known: ask what they are working towards", MUTED)]
    lines = []
    for g in rows:
        confirmed = parse_day(g["confirmed_at"])
        stale = confirmed is None or (today - confirmed).days > stale_days
        fresh = Content.styled(
            f"confirmed {ago(g['confirmed_at'], today)}" + (" · stale, ask again" if stale else ""),
            "$warning" if stale else MUTED,
        )
        lines.append(Content.assemble("  • ", safe(g["text"]), "  ", fresh))
    return lines


def their_words(detail: dict[str, Any], today: dt.date, limit: int) -> list[Content]:
    rows = [n for n in detail["notes"] if n["their_words"]][:limit]
    return [
        Content.assemble("  ", (quoted(safe(n["text"])), "italic"), "  ",
                         (ago(n["at"], today), MUTED))
        for n in rows
    ]


def quoted(text: str) -> str:
    """``text`` in quotation marks, unless it already has them."""
    if text[:1] in "\"\u201c\u2018'" and len(text) > 1:
        return text
    return f"\u201c{text}\u201d"


def notes(detail: dict[str, Any], today: dt.date, limit: int) -> list[Content]:
    rows = [n for n in detail["notes"] if not n["their_words"]][:limit]
    return [
        Content.assemble("  ", (_day(n["at"]), MUTED), " ", safe(n["text"]))
        for n in rows
    ]


def remember(detail: dict[str, Any]) -> list[Content]:
    lines = []
    details = detail.get("details") or {}
    if detail.get("birthday"):
        lines.append(Content.assemble("  ", ("birthday: ", "bold"),
                                      birthday(safe(detail["birthday"]))))
    for key, value in details.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        lines.append(Content.assemble("  ", (f"{safe(key)}: ", "bold"), safe(value)))
    return lines




def value_moments(detail: dict[str, Any], limit: int) -> list[Content]:
    rows = detail["value_moments"][:limit]
    lines = []
    for v in rows:
        amount = f" ({v['amount']:g})" if v.get("amount") else ""
        lines.append(Content.assemble(
            "  ", (_day(v["at"]), MUTED), " ", (f"{safe(v['kind'])}{amount}", "bold"), " ",
            (safe(v["direction"]), "$success" if v["direction"] == "given" else "$accent"),
            ("  " + safe(v["note"])) if v.get("note") else "",
        ))
    return lines


def identities(detail: dict[str, Any]) -> list[Content]:
    return [
        Content.assemble("  ", (f"{safe(i['kind']):<7}", MUTED), safe(i["value"]),
                         (f"  ({safe(i['source'])})" if i.get("source") else "", MUTED))
        for i in detail["identities"]
    ]


def timeline(detail: dict[str, Any], today: dt.date, limit: int) -> list[Content]:
    """Interactions, commitments, value moments and notes in one list, newest first."""
    events: list[tuple[str, int, Content]] = []
    for row in detail["interactions"]:
        subject = f"\u201c{safe(row['subject'])}\u201d" if row["subject"] else ""
        events.append((row["at"] or "", 0, Content.assemble(
            (f"{safe(row['kind'])} ", "bold"),
            (f"{safe(direction_word(row['kind'], row['direction'], DIRECTION_LABELS))} "
             .lstrip(), MUTED),
            subject)))
    for c in detail["commitments"]:
        who = "You" if c.get("direction", "out") == "out" else "They"
        events.append((c["created"] or c["due"] or "", 1, Content.assemble(
            ("promise ", "bold"), f"{who}: ", safe(c["text"]),
            (f"  due {safe(c['due'])}, {safe(c['status'])}", MUTED))))
    for v in detail["value_moments"]:
        events.append((v["at"] or "", 2, Content.assemble(
            (f"{safe(v['kind'])} ", "bold"), (f"{safe(v['direction'])} ", MUTED),
            safe(v["note"] or ""))))
    for n in detail["notes"]:
        label = "their words " if n["their_words"] else "note "
        events.append((n["at"] or "", 3, Content.assemble(
            (label, "bold $accent" if n["their_words"] else "bold"), safe(n["text"]))))
    events.sort(key=lambda e: (e[0], -e[1]), reverse=True)
    lines = []
    for at, _, content in events[:limit]:
        lines.append(Content.assemble("  ", (_day(at), MUTED), " ", content))
    if not lines:
        lines.append(Content.styled("  nothing yet", MUTED))
    return lines


EXPLAINED_GAUGES = ("warmth", "trust", "value", "health", "trend", "stage")


def explanation(data: dict[str, Any]) -> list[Content]:
    """One line per part of each score: what it added and why (the health model's own words)."""
    lines: list[Content] = []
    for gauge in EXPLAINED_GAUGES:
        parts = (data.get("explanation") or {}).get(gauge) or []
        title = gauge.capitalize()
        if gauge in ("warmth", "trust", "value", "health"):
            value = data.get(gauge)
            title += " ?" if value is None else f" {value}"  # "?": nothing known yet
        for n, part in enumerate(parts):
            points = part.get("value")
            added = (f" {points:+.1f}" if gauge == "trust" and isinstance(points, int | float)
                     else "")
            lines.append(Content.assemble(
                ("  " + (title if n == 0 else "").ljust(11), "bold" if n == 0 else ""),
                (f"{safe(part.get('label', ''))}{added}: ", "$accent"),
                (safe(part.get("detail", "")), ""),
            ))
    return lines


def block(title: str, lines: list[Content]) -> Content:
    return Content("\n").join([heading(title), *lines])
