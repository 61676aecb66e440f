"""How commands read the person they are given (``crb show PERSON``, ``log``, ``merge``...):
an all-digit argument is an id only, a merged-away id says where it went, and names match with
case and accents aside, still naming exactly one person."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import Crb

PEOPLE = ["Frank Dawson", "Person 2 Bulk", "Person 3 Bulk", "Zoë Ångström",
          "Person 13 Bulk", "Germán Poo-Caamaño", "Zoe Zed"]


def _seed(crb: Crb, tmp_path: Path) -> None:
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEMAIL:p{n}@x.com\r\nEND:VCARD\r\n"
        for n, name in enumerate(PEOPLE, 1))
    path = tmp_path / "people.vcf"
    path.write_text(cards, encoding="utf-8")
    crb("import", str(path))


def _touches(crb: Crb) -> list[tuple[int, str]]:
    conn = sqlite3.connect(crb.db)
    try:
        return conn.execute("select person_id, subject from interactions order by id").fetchall()
    finally:
        conn.close()


def test_a_merged_away_id_is_never_read_as_a_name(crb: Crb, tmp_path: Path) -> None:
    _seed(crb, tmp_path)
    crb("merge", "1", "3")
    # "3" is in the name "Person 13 Bulk" (id 5): the touch goes to Frank, who holds id 3 now.
    result = crb("log", "3", "--kind", "call", "--note", "meant person 3")
    assert "Logged a call with Frank Dawson." in result.stdout
    assert "id 3 was merged into Frank Dawson (id 1)" in result.stderr
    assert _touches(crb) == [(1, "meant person 3")]
    # Merging a merged-away id again names the merge instead of picking someone.
    result = crb("merge", "2", "3", ok=False)
    assert result.exit_code == 1
    assert "id 3 was merged into Frank Dawson (id 1)" in result.stderr
    result = crb("ignore", "3", ok=False)  # blocklisting Frank's addresses needs his own id
    assert "id 3 was merged into Frank Dawson (id 1)" in result.stderr
    # An id no one ever had is not a name search either ("Person 13 Bulk" holds "13").
    result = crb("show", "13", ok=False)
    assert result.exit_code == 1 and "no person with id 13" in result.stderr
    assert _touches(crb) == [(1, "meant person 3")]


@pytest.mark.parametrize("typed", ["ångström", "ZOË ÅNGSTRÖM", "zoe angstrom", "Angstr"])
def test_names_match_with_case_and_accents_aside(crb: Crb, tmp_path: Path, typed: str) -> None:
    _seed(crb, tmp_path)
    assert crb.json("show", typed)["id"] == 4
    crb("log", typed, "--kind", "call", "--note", "hi")
    assert _touches(crb) == [(4, "hi")]


def test_an_accented_name_still_needs_exactly_one_match(crb: Crb, tmp_path: Path) -> None:
    _seed(crb, tmp_path)
    assert crb.json("show", "german")["id"] == 6
    # "zoe" is in Zoë Ångström and Zoe Zed alike: both are named, nothing is picked.
    result = crb("tier", "zoe", "key", ok=False)
    assert result.exit_code == 1
    assert "'zoe' matches several people: Zoe Zed (id 7), Zoë Ångström (id 4)" in result.stderr
