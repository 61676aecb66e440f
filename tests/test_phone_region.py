"""Phone numbers stored while ``[identity] default_region`` was empty, read again once it is set
(``crb_tui.store.phone_region``): every card finds its person again, a number two people have
is said (with the ``crb merge`` to run), never merged silently, and ``crb doctor`` tells the
truth before and after."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from crb_tui import records as r
from crb_tui.store import Store
from tests.conftest import Crb

ANNA = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna de Vries\r\nTEL;TYPE=CELL:06 1234 5678\r\n"
        "END:VCARD\r\n")


def set_region(config_file: Path, region: str) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + f'[identity]\ndefault_region = "{region}"\n', encoding="utf-8")


def phones(db: Path) -> list[tuple[str, int | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select value, person_id from identities where kind = 'phone' "
                            "order by value").fetchall()


def live_people(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(
            "select count(*) from people where merged_into is null").fetchone()[0])


def person_id(db: Path, name: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("select id from people where name = ?", [name]).fetchone()[0])


def calls(db: Path, *numbers: str) -> None:
    """Calls from these numbers (a call log), written while the region is empty; each number
    becomes a person (``create_people_from = "any"``)."""
    store = Store.open(db, create_people_from="any")
    try:
        store.write([r.Interaction(
            source_key=f"calls:{number}", kind="call", direction="in",
            at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), with_=r.Identity("phone", number),
        ) for number in numbers], "calls")
    finally:
        store.close()


def test_the_corpus_address_book_imported_again_after_setting_the_region_adds_no_one(
    crb: Crb, config_file: Path, db_path: Path, corpus: Path
) -> None:
    """Trial 12 T5: the same cards imported after `default_region = "NL"` made three people
    again (cards known by a number stored as `123456789` looked for `+31123456789`)."""
    vcf = str(corpus / "vcf")
    crb("import", vcf, ok=False)  # (the corpus has a broken card: exit status 1)
    before = live_people(db_path)
    assert "17 stored phone numbers without a country code" in crb("doctor").stdout
    set_region(config_file, "NL")
    doctor = crb("doctor").stdout
    assert ("[warn] phone region: 16 stored phone numbers without a country code: the next "
            "`crb import` or `crb sync` reads them again as NL numbers") in doctor
    # Two cards of the corpus are one number in the Netherlands: 123456789 and 0123456789.
    first, second = person_id(db_path, "Ñ Ñ Ñ Ñ Ñ"), person_id(db_path, "second contact")
    clash = (f"phone +31123456789 is two people's: Ñ Ñ Ñ Ñ Ñ (id {first}) and second contact "
             f"(id {second}, stored as 0123456789 before [identity] default_region was set); "
             f"both kept: if they are one person, run `crb merge {first} {second}`")
    assert f"[warn] phone region: {clash}" in doctor

    for run in range(2):
        (summary,) = json.loads(crb("import", vcf, "--json", ok=False).stdout)["sources"]
        assert (summary["imported"], summary["merged"], summary["new_people"]) == (0, 0, 0)
        assert live_people(db_path) == before
        assert clash in summary["notes"]
        read_again = ("16 phone numbers stored without a country code read again as NL "
                      "numbers ([identity] default_region)")
        assert (read_again in summary["notes"]) == (run == 0)
    stored = phones(db_path)
    assert [v for v, _ in stored if not v.startswith("+")] == ["0123456789"]
    assert ("+31123456789", first) in stored and ("+311115554444", person_id(
        db_path, "Mr. Michael Angstadt Jr.")) in stored
    doctor = crb("doctor").stdout
    assert "without a country code" not in doctor and f"[warn] phone region: {clash}" in doctor

    crb("merge", str(first), str(second))
    assert "phone region" not in crb("doctor").stdout
    crb("import", vcf, ok=False)  # the two spellings of the merged person's number: one
    assert [v for v, _ in phones(db_path) if not v.startswith("+")] == []
    assert live_people(db_path) == before - 1
    assert "phone region" not in crb("doctor").stdout


def test_a_number_two_people_have_is_said_not_merged(
    crb: Crb, config_file: Path, db_path: Path, tmp_path: Path
) -> None:
    """A call log's `+31612345678` made one person, the card `06 1234 5678` another. With the
    region set they are one number: the import and the doctor name both people and the merge
    to run; the card is still found by its number (unchanged, no one new); once merged, the
    next import keeps one identity with every call."""
    card = tmp_path / "anna.vcf"
    card.write_text(ANNA, encoding="utf-8")
    crb.create_db()
    calls(db_path, "+31 6 12345678")
    crb("import", str(card))
    calls(db_path, "0612345678")  # a call the card's number took
    caller, anna = person_id(db_path, "+31612345678"), person_id(db_path, "Anna de Vries")
    set_region(config_file, "NL")

    out = crb("import", str(card)).stdout
    assert "seen 1, imported 0, updated 0, merged 0, unchanged 1, new people 0" in out
    line = (f"phone +31612345678 is two people's: +31612345678 (id {caller}) and Anna de Vries "
            f"(id {anna}, stored as 0612345678 before [identity] default_region was set); both "
            f"kept: if they are one person, run `crb merge {anna} {caller}`")
    assert f"  note: {line}" in out
    assert f"[warn] phone region: {line}" in crb("doctor").stdout
    assert phones(db_path) == [("+31612345678", caller), ("0612345678", anna)]
    assert live_people(db_path) == 2

    crb("merge", str(anna), str(caller))
    out = crb("import", str(card)).stdout
    assert "1 phone number stored without a country code read again as NL numbers" in out
    assert phones(db_path) == [("+31612345678", anna)]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*), count(distinct identity_id) from interactions "
                            "where person_id = ?", [anna]).fetchone() == (2, 1)
    assert "phone region" not in crb("doctor").stdout


def test_touches_kept_for_a_number_go_to_its_person_once_read_again(
    crb: Crb, config_file: Path, db_path: Path, tmp_path: Path
) -> None:
    """A call from `06 1234 5678` kept for no one (mail and calls make no one by default), then
    the card `+31 6 1234 5678`: with the region set the two are one identity, the card's, and
    the call is hers."""
    crb.create_db()
    store = Store.open(db_path)
    try:
        store.write([r.Interaction(source_key="calls:1", kind="call", direction="in",
                                   at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
                                   with_=r.Identity("phone", "06 1234 5678"))], "calls")
    finally:
        store.close()
    card = tmp_path / "anna.vcf"
    card.write_text(ANNA.replace("06 1234 5678", "+31 6 1234 5678"), encoding="utf-8")
    crb("import", str(card))
    anna = person_id(db_path, "Anna de Vries")
    assert phones(db_path) == [("+31612345678", anna), ("0612345678", None)]
    set_region(config_file, "NL")
    assert "1 stored phone number without a country code" in crb("doctor").stdout
    crb("import", str(card), "--dry-run")
    assert len(phones(db_path)) == 2  # a dry run keeps nothing
    out = crb("import", str(card)).stdout
    assert "1 phone number stored without a country code read again as NL numbers" in out
    assert phones(db_path) == [("+31612345678", anna)]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select person_id from interactions").fetchall() == [(anna,)]
    assert "phone region" not in crb("doctor").stdout


def test_one_import_of_two_sources_says_it_once(
    crb: Crb, config_file: Path, db_path: Path, tmp_path: Path
) -> None:
    """A card and a CSV row imported in one command (two sources, one run each): the numbers
    are read again before the first writes, and each line is said once, by the first."""
    card, sheet = tmp_path / "anna.vcf", tmp_path / "people.csv"
    card.write_text(ANNA, encoding="utf-8")
    sheet.write_text("name,phone\nPiet Jansen,+31 6 12345678\n", encoding="utf-8")
    crb("import", str(card), str(sheet))
    assert live_people(db_path) == 2
    set_region(config_file, "NL")
    sources = json.loads(crb("import", str(card), str(sheet), "--json").stdout)["sources"]
    assert [s["new_people"] for s in sources] == [0, 0]
    notes = [n for s in sources for n in s["notes"]]
    assert len([n for n in notes if "is two people's" in n]) == 1
    assert "run `crb merge" in sources[0]["notes"][0]
    assert live_people(db_path) == 2
