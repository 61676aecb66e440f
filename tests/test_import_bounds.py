"""Imported text is bounded: a name, organisation or job title longer than ``MAX_NAME``
characters is cut (a 200,000-character FN is not a name), a note longer than ``MAX_NOTE`` too,
each with a summary line naming the file and the card or row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .conftest import Crb

MAX_NAME, MAX_NOTE = 200, 10_000  # as documented (crb_tui.records)


def lengths(db: Path) -> list[tuple[int, int, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select length(p.name), length(o.name), length(p.title) from people p left join "
            "organizations o on o.id = p.org_id order by p.id").fetchall()


def test_a_huge_vcard_name_is_cut_and_said(crb: Crb, tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "odd.vcf"
    huge = "A" * 200_000
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Archer\r\nEMAIL:ann@example.org\r\nEND:VCARD\r\n"
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{huge}\r\nEMAIL:big@example.org\r\n"
        f"ORG:{'Org' * 100}\r\nTITLE:{'T' * 300}\r\nNOTE:{'n' * 20_000}\r\nEND:VCARD\r\n",
        encoding="utf-8")
    out = crb("import", str(path)).stdout
    assert f"note: {path} card 2: name cut to 200 characters (it had 200,000)" in out
    assert f"note: {path} card 2: organisation cut to 200 characters (it had 300)" in out
    assert f"note: {path} card 2: job title cut to 200 characters (it had 300)" in out
    assert f"note: {path} card 2: note text cut to 10,000 characters (it had 20,000)" in out
    assert len(out) < 2_000
    assert lengths(crb.db) == [(10, None, None), (MAX_NAME, MAX_NAME, MAX_NAME)]
    assert len(crb("show", "big@example.org").stdout) < 20_000
    with sqlite3.connect(crb.db) as conn:
        assert conn.execute("select length(text) from notes").fetchall() == [(MAX_NOTE,)]
    again = crb("import", str(path)).stdout
    assert "unchanged 3, new people 0" in again
    # A corpus card is left as it is (nothing there is that long).
    corpus_out = crb("import", str(corpus / "vcf"), ok=False).stdout
    assert "cut to" not in corpus_out


def test_a_huge_csv_name_is_cut_and_said(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(f"Name,E-mail Address,Company\n{'B' * 5000},b@example.org,Acme\n",
                    encoding="utf-8")
    out = crb("import", str(path)).stdout
    assert f"note: {path}:2: name cut to 200 characters (it had 5,000)" in out
    assert lengths(crb.db) == [(MAX_NAME, 4, None)]
