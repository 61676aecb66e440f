"""A touch written while its address was nobody's, whose address became a person later in the
same run (the user's reply further down the mailbox), counts as imported: the summary's skip
and its note about `create_people_from` are only for addresses still nobody's at the end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crb_tui.records import NOBODY_YET

from .conftest import Crb


def message(n: int, sender: str, to: str, day: int) -> str:
    return (f"From sender@test.example Mon Nov {day:2d} 10:00:00 2026\n"
            f"From: {sender}\nTo: {to}\nSubject: topic {n}\n"
            f"Date: Mon, {day:02d} Nov 2026 10:00:00 +0000\n"
            f"Message-ID: <m{n}@test.example>\n\nbody {n}\n\n")


def test_touches_of_someone_made_a_person_later_in_the_run(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "mail.mbox"
    # In file order: Ann writes 600 times (more than one batch is written) before the user's
    # first reply; Zed is never answered.
    ann = "Ann Archer <ann@acme.example>"
    path.write_text(
        "".join(message(n, ann, "me@example.com", 1 + n % 20) for n in range(600))
        + message(600, "Zed Zero <zed@else.example>", "me@example.com", 21)
        + message(601, "Me <me@example.com>", ann, 22),
        encoding="utf-8")
    printed = crb("import", str(path)).stdout
    assert "seen 602, imported 601, updated 0, merged 0, unchanged 0, new people 1" in printed
    assert f"skipped: {NOBODY_YET} 1" in printed
    # The note speaks of Zed's one touch only.
    assert "note: 1 touch kept for addresses that are not people yet" in printed
    with sqlite3.connect(crb.db) as conn:
        assert conn.execute("select count(*) from interactions where person_id is not null"
                            ).fetchone() == (601,)
    again = crb.json("import", str(path))["sources"][0]
    assert (again["unchanged"], again["skipped"]) == (601, {NOBODY_YET: 1})
