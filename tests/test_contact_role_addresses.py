"""Contacts whose only address is a role one (info@, sales@, noreply@) or none that identifies
anyone (a placeholder such as null@, the user's own): importing the address book again adds
nobody, and the card's note is that person's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .conftest import Crb

V5 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Acme Sales\r\nEMAIL:sales@acme.example\r\n"
    "NOTE:our supplier\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Acme Info\r\nEMAIL:info@acme.example\r\nNOTE:desk\r\n"
    "END:VCARD\r\n"
)


def people(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select p.name, group_concat(i.value) from people p left join identities i "
            "on i.person_id = p.id where p.merged_into is null group by p.id order by p.name"
        ).fetchall()


def notes(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select p.name, n.text from notes n join people p on p.id = "
                            "n.person_id order by p.name").fetchall()


def test_a_role_address_is_the_contacts_identity(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "v5.vcf"
    path.write_text(V5, encoding="utf-8")
    first = crb("import", str(path)).stdout
    assert "imported 4" in first and "rejected" not in first
    again = crb("import", str(path)).stdout
    assert "imported 0, updated 0, merged 0, unchanged 4, new people 0" in again
    assert people(crb.db) == [("Acme Info", "info@acme.example"),
                              ("Acme Sales", "sales@acme.example")]
    assert notes(crb.db) == [("Acme Info", "desk"), ("Acme Sales", "our supplier")]
    assert "Acme Sales" in crb("show", "sales@acme.example").stdout


def test_outlook_csv_with_role_and_placeholder_addresses(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "outlook.csv"
    path.write_text("First Name,Last Name,E-mail Address,Notes\n"
                    "Info,Desk,info@shop.example,front desk\n"
                    "No,Reply,noreply@shop.example,\n"
                    "Null,Person,null@odd.example,hi\n", encoding="utf-8")
    for _ in range(3):
        out = crb("import", str(path)).stdout
        assert "rejected" not in out
    assert "unchanged 5, new people 0" in out
    # null@ is a placeholder: never an identity, yet the card is found again by its name.
    assert people(crb.db) == [("Info Desk", "info@shop.example"), ("No Reply",
                              "noreply@shop.example"), ("Null Person", None)]
    assert notes(crb.db) == [("Info Desk", "front desk"), ("Null Person", "hi")]


def test_colleagues_sharing_a_role_address_stay_two_people(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "team.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Archer\r\nEMAIL:ann@acme.example\r\n"
        "EMAIL:sales@acme.example\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo Baker\r\nEMAIL:bo@acme.example\r\n"
        "EMAIL:sales@acme.example\r\nEND:VCARD\r\n", encoding="utf-8")
    crb("import", str(path))
    assert people(crb.db) == [("Ann Archer", "ann@acme.example"),
                              ("Bo Baker", "bo@acme.example")]


def test_the_users_own_card_is_not_a_contact(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "me.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Me Myself\r\nEMAIL:me@example.com\r\n"
                    "TEL;TYPE=CELL:+1 212 555 0100\r\nEND:VCARD\r\n", encoding="utf-8")
    out = crb("import", str(path)).stdout
    assert "skipped: your own contact card 1" in out
    assert people(crb.db) == []


def test_copies_made_before_are_not_added_to(crb: Crb, tmp_path: Path) -> None:
    """An older CRB made a person with no identity of such a card on every import: the next
    import finds the oldest of them and gives it the address, adding no one."""
    crb.create_db()
    with sqlite3.connect(crb.db) as conn:
        conn.executemany("insert into people (name, tier, triage, details, created, updated) "
                         "values (?, 'none', 0, '{}', '2026-11-01', '2026-11-01')",
                         [("Acme Sales",), ("Acme Sales",)])
    path = tmp_path / "v5.vcf"
    path.write_text(V5, encoding="utf-8")
    out = crb("import", str(path)).stdout
    assert "merged 1" in out and "new people 1" in out
    with sqlite3.connect(crb.db) as conn:
        assert conn.execute("select person_id from identities where value = "
                            "'sales@acme.example'").fetchall() == [(1,)]


def test_google_contacts_csv_from_the_corpus_with_role_addresses(
    crb: Crb, tmp_path: Path, corpus: Path
) -> None:
    """The corpus's Google export with two of its addresses made role ones."""
    text = (corpus / "csv" / "google" / "mtrazzi_google_contacts_legacy.csv").read_text(
        encoding="utf-8")
    path = tmp_path / "google.csv"
    path.write_text(text.replace("elon.musk@tesla.com", "press@tesla.com")
                    .replace("rich@caltech.edu", "info@caltech.edu"), encoding="utf-8")
    crb("import", str(path))
    again = crb("import", str(path)).stdout
    assert "imported 0" in again and "new people 0" in again
    assert sorted(value for _, value in people(crb.db)) == [
        "iforgotthisguysnamebutihavehisemail@gmail.com", "info@caltech.edu", "press@tesla.com"]


def _cards(n: int) -> list[str]:
    return [f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nEMAIL:p{i}@x.example\r\nEND:VCARD\r\n"
            for i in range(n)]


def test_a_cards_note_in_the_next_batch_finds_its_person(crb: Crb, tmp_path: Path) -> None:
    """Records are stored 500 at a time: a card whose addresses identify no one (null@) or
    whose note is named by a role address beside a personal one, as the 500th record, has its
    note in the next batch; the note is still that card's person's, on every import."""
    plain = _cards(997)
    path = tmp_path / "big.vcf"
    path.write_text("".join([
        *plain[:499],
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Null Person\r\nEMAIL:null@odd.example\r\n"
        "NOTE:hi\r\nEND:VCARD\r\n",  # record 500, its note 501
        *plain[499:],
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Desk\r\nEMAIL:sales@acme.example\r\n"
        "EMAIL:ann@acme.example\r\nNOTE:ann note\r\nEND:VCARD\r\n",  # record 1000, note 1001
    ]), encoding="utf-8")
    for _ in range(2):
        (out,) = crb.json("import", str(path))["sources"]
        assert out["rejected"] == [] and out["seen"] == 1001, out["rejected"]
    assert out["unchanged"] == 1001
    assert notes(crb.db) == [("Ann Desk", "ann note"), ("Null Person", "hi")]
    with sqlite3.connect(crb.db) as conn:
        assert conn.execute("select count(*) from people").fetchone() == (999,)


def test_a_csv_rows_note_in_the_next_batch_finds_its_person(crb: Crb, tmp_path: Path) -> None:
    """The same in a CSV: the row with a placeholder address is the 500th record."""
    path = tmp_path / "outlook.csv"
    rows = [f"P{i},Person,p{i}@x.example," for i in range(499)]
    path.write_text("First Name,Last Name,E-mail Address,Notes\n" + "\n".join(
        [*rows, "Info,Desk,null@shop.example,front desk"]) + "\n", encoding="utf-8")
    for _ in range(2):
        (out,) = crb.json("import", str(path))["sources"]
        assert out["rejected"] == [], out["rejected"]
    assert notes(crb.db) == [("Info Desk", "front desk")]
