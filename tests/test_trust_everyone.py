"""Trial 8 V22 through the real CLI: Trust has the same three parts with a cadence or without,
so ancient contact is not "one-sided" and giving someone a cadence does not cost them Trust."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import Crb


def _jane(crb: Crb, folder: Path) -> None:
    contacts = folder / "contacts.csv"
    contacts.write_text("Name,Email\nJane Doe,jane@example.org\n", encoding="utf-8")
    crb("import", str(contacts))
    crb("log", "Jane Doe", "--kind", "meeting", "--at", "1997-03-24T10:00")
    crb("log", "Jane Doe", "--kind", "meeting", "--at", "2014-04-09T10:00")


def _trust_parts(crb: Crb) -> dict[str, Any]:
    shown: Any = crb.json("show", "Jane Doe")
    health = shown["health"]
    return {part["label"]: part["value"] for part in health["explanation"]["trust"]} | {
        "trust": health["trust"], "one_sided": health["one_sided"]}


def test_two_meetings_decades_ago_are_neither_trusted_nor_one_sided(
        crb: Crb, db_path: Path) -> None:
    _jane(crb, db_path.parent)
    before = _trust_parts(crb)
    # 0.45 * 50% (the prior) + 0.30 * 0.5 / 7 (no touch in 6 windows of 180 days) + 0.25 * 100%
    assert before == {"commitments": 22.5, "consistency": 2.14, "reciprocity": 25.0,
                      "trust": 50, "one_sided": False}
    assert "Trust 50" in crb("show", "Jane Doe").stdout
    crb("tier", "Jane Doe", "key")
    assert _trust_parts(crb) == before
    text = crb("show", "Jane Doe").stdout
    assert "a touch in 0 of the last 6 windows of 14 days" in text
    crb("tier", "Jane Doe", "none")
    assert _trust_parts(crb) == before
    # the stored scores (the list, the dashboard) agree with the explanation
    conn = sqlite3.connect(db_path)
    assert conn.execute("select trust, one_sided from health").fetchall() == [(50, 0)]
    conn.close()
