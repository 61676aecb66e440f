"""Someone the user archived who writes again: the import says so, once per run."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Crb, rows, write_mbox


def test_touches_from_archived_people_are_noted_once(crb: Crb, tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    crb("import", str(write_mbox(first, [
        ("me@example.com", "Zoe <zoe@two.org>", "Mon, 2 Nov 2026 10:00:00 +0000"),
        ("me@example.com", "Otto <otto@one.org>", "Mon, 2 Nov 2026 11:00:00 +0000"),
    ])))
    (zoe,) = rows(crb.db, "select id from people where name = 'Zoe'")
    crb("archive", str(zoe[0]))
    later = tmp_path / "later"
    later.mkdir()
    mbox = write_mbox(later, [
        ("Zoe <zoe@two.org>", "me@example.com", "Fri, 20 Nov 2026 10:00:00 +0000"),
        ("Zoe <zoe@two.org>", "me@example.com", "Sat, 21 Nov 2026 10:00:00 +0000"),
        ("Otto <otto@one.org>", "me@example.com", "Sat, 21 Nov 2026 11:00:00 +0000"),
    ])
    mbox.write_text(mbox.read_text().replace("<m", "<later-m"))  # other messages
    note = (f"2 touches from archived people: Zoe (id {zoe[0]}) "
            "(`crb archive --undo ID` brings one back)")
    dry = crb.json("import", "--dry-run", str(mbox))["sources"][0]
    assert dry["notes"] == [note]
    out = crb("import", str(mbox)).stdout
    assert out.count("from archived people") == 1 and f"note: {note}" in out
    assert rows(crb.db, "select archived from people where id = ?", zoe[0]) == [(1,)]
    # Read again: nothing new stored, nothing to say.
    assert crb.json("import", str(mbox))["sources"][0]["notes"] == []
