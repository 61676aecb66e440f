"""vCard 2.1 / 3.0 / 4.0: every corpus file imports or is rejected card by card; cards built here
cover what phones and mail clients write that the corpus lacks."""

from __future__ import annotations

import json
import quopri
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crb_tui.host import plugins
from crb_tui.host.importing import detect_format
from crb_tui.records import Interaction, Note, Person, Reject, Skip
from crb_tui.testing import sync_context
from tests.conftest import Crb

RECORDS = (Person, Note, Skip, Reject, Interaction)
MINE = ("csv", "linkedin", "google-csv", "outlook-csv", "vcard")


def sources() -> dict[str, Any]:
    plugins.load()
    return plugins.sources()


def run(path: Path) -> list[Any]:
    source = sources()["vcard"]
    ctx = sync_context(source, paths=[path])
    records = list(source.sync(ctx))
    for record in records:
        assert isinstance(record, RECORDS), record
        if isinstance(record, Reject):
            assert record.reason and str(path) in record.where
    return records


def persons(records: list[Any]) -> dict[str, Person]:
    return {r.name: r for r in records if isinstance(r, Person)}


def ids(person: Person) -> list[tuple[str, str]]:
    return [(i.kind, i.value) for i in person.identities]


def q(crb: Crb, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(crb.db)) as db:
        return db.execute(sql, args).fetchall()


def vcf(folder: Path, text: str, name: str = "cards.vcf", newline: str = "\r\n") -> Path:
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


# -- the corpus --------------------------------------------------------------------------------

# file: (people, notes, rejected cards, skipped cards), read straight from the source.
CORPUS = {
    "ez-vcard/John_Doe_ANDROID.vcf": (6, 1, 0, 0),
    "ez-vcard/John_Doe_BLACK_BERRY.vcf": (1, 0, 0, 0),
    "ez-vcard/John_Doe_EVOLUTION.vcf": (1, 1, 0, 0),
    "ez-vcard/John_Doe_GMAIL.vcf": (1, 1, 0, 0),
    "ez-vcard/John_Doe_IPHONE.vcf": (1, 0, 0, 0),
    "ez-vcard/John_Doe_LOTUS_NOTES.vcf": (1, 1, 0, 0),
    "ez-vcard/John_Doe_MAC_ADDRESS_BOOK.vcf": (1, 1, 0, 0),
    "ez-vcard/John_Doe_MS_OUTLOOK.vcf": (1, 1, 0, 0),
    "ez-vcard/fullcontact.vcf": (1, 1, 0, 0),
    "ez-vcard/gmail-list.vcf": (3, 0, 0, 0),
    "ez-vcard/gmail-single.vcf": (1, 1, 0, 0),
    "ez-vcard/gmail-single2.vcf": (1, 1, 0, 0),
    "ez-vcard/issue114.vcf": (1, 0, 0, 0),
    "ez-vcard/outlook-2003.vcf": (1, 1, 0, 0),
    "ez-vcard/outlook-2007.vcf": (1, 1, 0, 0),
    "ez-vcard/rfc2426-example.vcf": (2, 0, 0, 0),
    "ez-vcard/rfc6350-example.vcf": (1, 0, 0, 0),
    "ez-vcard/thunderbird-MoreFunctionsForAddressBook-extension.vcf": (1, 1, 0, 0),
    "khard/altid.vcf": (1, 0, 0, 0),
    "khard/category.vcf": (1, 0, 0, 0),
    "khard/contact1.vcf": (1, 0, 0, 0),
    "khard/contact2.vcf": (1, 0, 0, 0),
    "khard/individual.vcf": (1, 0, 0, 0),
    "khard/issue249.vcf": (1, 0, 0, 0),
    "khard/joe.vcf": (1, 0, 0, 0),
    "khard/korean-c.vcf": (1, 0, 0, 0),
    "khard/korean-j.vcf": (1, 0, 0, 0),
    "khard/labels.vcf": (1, 0, 0, 0),
    "khard/minimal.vcf": (1, 0, 0, 0),
    "khard/nickname.vcf": (1, 0, 0, 0),
    "khard/no-nickname.vcf": (1, 0, 0, 0),
    "khard/org.vcf": (0, 0, 0, 1),
    "khard/photov3.vcf": (1, 0, 0, 0),
    "khard/photov4.vcf": (1, 0, 0, 0),
    "khard/post.vcf": (1, 0, 0, 0),
    "khard/tel-value-uri.vcf": (1, 0, 0, 0),
    "khard/text-bday.vcf": (1, 0, 0, 0),
    "khard/unparsable.vcf": (0, 0, 1, 0),
    "radicale/broken-vcard.vcf": (1, 0, 0, 0),
    "radicale/broken-vcards.vcf": (2, 0, 0, 0),
    "radicale/broken-vcards2-no_uid.vcf": (2, 0, 0, 0),
    "radicale/broken-vcards2.vcf": (2, 0, 0, 0),
    "radicale/contact1.vcf": (1, 0, 0, 0),
    "radicale/contact1_v4.vcf": (1, 0, 0, 0),
    "radicale/contact2-with-bday.vcf": (1, 0, 0, 0),
    "radicale/contact3-with-bday.vcf": (1, 0, 0, 0),
    "radicale/contact4-with-bday-no-year.vcf": (1, 0, 0, 0),
    "radicale/contact_multiple.vcf": (2, 0, 0, 0),
    "radicale/contact_multiple_v4.vcf": (2, 0, 0, 0),
    "radicale/contact_photo_with_data_uri.vcf": (1, 0, 0, 0),
    "radicale/contact_photo_with_data_uri_v4.vcf": (1, 0, 0, 0),
    "thunderbird/export.vcf": (2, 0, 0, 0),
    "vobject/radicale-1587.vcf": (1, 0, 0, 0),
}


def test_the_table_covers_every_corpus_vcf(corpus: Path) -> None:
    found = {str(p.relative_to(corpus / "vcf")) for p in (corpus / "vcf").rglob("*")
             if p.is_file()}
    assert found == set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_imports_card_by_card(corpus: Path, name: str) -> None:
    path = corpus / "vcf" / name
    head = path.read_bytes()[: 64 * 1024]
    assert detect_format(str(path), head, sources()) == "vcard"
    assert [n for n in MINE if sources()[n].detect(path, head)] == ["vcard"]
    records = run(path)
    counts = tuple(sum(isinstance(r, kind) for r in records) for kind in (Person, Note, Reject,
                                                                          Skip))
    assert counts == CORPUS[name]


def test_corpus_details_that_tolerant_parsing_must_get_right(corpus: Path) -> None:
    folder = corpus / "vcf"
    # 2.1 quoted-printable with soft line breaks and a UTF-8 charset (vobject fails this file).
    android = persons(run(folder / "ez-vcard/John_Doe_ANDROID.vcf"))
    assert "Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ" in android
    assert ids(android["ÑÑÑÑ"]) == [("email", "henry@company.com"), ("phone", "55556666")]
    assert android["Ñ Ñ Ñ Ñ"].org == "ÑÑÑÑÑÑÑÑÑÑÑÑ"
    # CR CR LF line ends and a folded base64 photo (vobject fails this file).
    iphone = persons(run(folder / "ez-vcard/John_Doe_IPHONE.vcf"))["Mr. John Richter James Doe Sr."]
    assert (iphone.org, iphone.title, iphone.birthday) == ("IBM", "Money Counter", "2012-06-06")
    # Only the mobile is an identity; home, work, fax, pager and assistant lines are details.
    assert ids(iphone) == [("email", "john.doe@ibm.com"), ("phone", "905-555-1234")]
    assert "905-888-1234 (home fax)" in iphone.details["phones"]
    assert iphone.details["website"] == "http://www.ibm.com"  # a company page: not an identity
    # Raw continuation lines after a quoted-printable soft break (vobject fails this file).
    outlook = run(folder / "ez-vcard/John_Doe_MS_OUTLOOK.vcf")
    assert persons(outlook)["Mr. John Richter James Doe Sr."].birthday == "1980-03-22"
    records = run(folder / "ez-vcard/outlook-2003.vcf")
    (note,) = [r for r in records if isinstance(r, Note)]
    assert note.text == "This is the note field!!\nSecond line\n\nThird line is empty"
    assert note.at.isoformat() == "2012-10-12T00:00:00+00:00"  # from REV
    john = persons(records)["John Doe III"]
    assert (john.org, john.birthday) == ("Company, The", "1980-03-21")
    assert ids(john) == [("email", "jdoe@hotmail.com")]  # "MobilePhone" is not a number
    # Lotus Notes' PROFILE line and LABEL continuation (vobject fails this file).
    lotus = persons(run(folder / "ez-vcard/John_Doe_LOTUS_NOTES.vcf"))["Mr. Doe John I Johny"]
    assert ("email", "billy_bob@gmail.com") in ids(lotus)
    # Evolution's folded 3.0 with escaped commas.
    evo = persons(run(folder / "ez-vcard/John_Doe_EVOLUTION.vcf"))
    assert evo["Mr. John Richter, James Doe Sr."].details["spouse"] == "Maria"
    # vCard 4.0: no-year birthday, tel: URI.
    simon = persons(run(folder / "ez-vcard/rfc6350-example.vcf"))["Simon Perreault"]
    assert simon.birthday == "--02-03"
    assert ("phone", "+1-418-262-6501") in ids(simon)
    # Apple/Thunderbird no-year birthday 16040101, text birthday kept as a detail.
    tb = persons(run(folder / "radicale/contact4-with-bday-no-year.vcf"))
    assert tb["Test bday without year Thunderbird CardBook"].birthday == "--01-01"
    text = persons(run(folder / "khard/text-bday.vcf"))["text birthday"]
    assert (text.birthday, text.details["birthday"]) == (None, "circa 1800")
    # Korean names, lower-case 2.1 with quoted-printable NOTE, no UID.
    assert set(persons(run(folder / "khard/korean-c.vcf"))) == {"최유림"}
    thunder = persons(run(folder / "thunderbird/export.vcf"))["contact number two"]
    assert thunder.details["notes"] == "here's some unicode text…"
    # A card cut short is one rejection naming the card.
    (reject,) = run(folder / "khard/unparsable.vcf")
    assert isinstance(reject, Reject)
    assert reject.where == f"{folder / 'khard/unparsable.vcf'} card 1"
    assert "END:VCARD" in reject.reason


def test_whole_corpus_through_the_cli_and_again(crb: Crb, corpus: Path) -> None:
    files = sorted(str(p) for p in (corpus / "vcf").rglob("*.vcf"))
    out = crb.json("import", *files, status=3)
    assert isinstance(out, dict)
    (summary,) = out["sources"]
    assert summary["ok"] and summary["source"] == "vcard"
    assert summary["rejected"] == [{
        "where": f"{corpus / 'vcf/khard/unparsable.vcf'} card 1",
        "reason": "the file ends before END:VCARD (cut short?); the card starts at line 1"}]
    assert summary["skipped"] == {"org card, not a person": 1}
    count = q(crb, "select count(*) from people where merged_into is null")[0][0]
    assert count == summary["new_people"] == 50
    # The six John Doe cards that share john.doe@ibm.com are one person; cards that only share
    # a phone number with someone of another name are not (see the shared-mobile tests).
    (row,) = q(crb, "select p.name, p.birthday from people p join identities i on "
                    "i.person_id = p.id where i.value = 'john.doe@ibm.com'")
    assert row == ("Mr. John Richter, James Doe Sr.", "1980-03-22")
    again = crb.json("import", *files, status=3)
    assert isinstance(again, dict)
    (summary,) = again["sources"]
    assert (summary["imported"], summary["new_people"], summary["merged"]) == (0, 0, 0)
    assert q(crb, "select count(*) from people where merged_into is null")[0][0] == 50


# -- cards built from the specifications -------------------------------------------------------

PHONE_21 = """begin:vcard
version:2.1
n;charset=iso-8859-1;encoding=quoted-printable:M=FCller;J=FCrgen;;;
fn;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:J=FCrgen M=FCller, Gesch=E4fts=
f=FChrer
tel;cell;pref:+49 170 1234567
tel;home:+49 30 1234567
PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////
//////////////////////////////////////////////////////////////////////////8=

ADR;HOME:;;Hauptstr. 1
Hinterhaus;Berlin;;10115;Germany
EMAIL;INTERNET:juergen@example.de
BDAY:--0415
NOTE;ENCODING=QUOTED-PRINTABLE:Erste Zeile=0D=0A=
Zweite Zeile
end:vcard
"""


def test_phone_style_21_card(tmp_path: Path) -> None:
    path = vcf(tmp_path, PHONE_21)
    records = run(path)
    (person,) = [r for r in records if isinstance(r, Person)]
    assert person.name == "Jürgen Müller, Geschäftsführer"
    assert ids(person) == [("email", "juergen@example.de"), ("phone", "+49 170 1234567")]
    assert person.birthday == "--04-15"
    assert person.details["phones"] == "+49 30 1234567 (home)"
    assert person.details["address"] == "Hauptstr. 1 Hinterhaus, Berlin, 10115, Germany"
    (note,) = [r for r in records if isinstance(r, Note)]
    assert note.text == "Erste Zeile\nZweite Zeile"
    assert note.who.kind == "email" and note.source_key


@pytest.mark.parametrize(("bday", "want"), [
    ("1604-04-15", "--04-15"), ("16040415", "--04-15"), ("--0415", "--04-15"),
    ("--04-15", "--04-15"), ("19800322", "1980-03-22"), ("1980-03-22T00:00:00Z", "1980-03-22"),
    ("0000-12-01", "--12-01"), ("--0230", None), ("not a date", None),
])
def test_birthdays(tmp_path: Path, bday: str, want: str | None) -> None:
    path = vcf(tmp_path, f"BEGIN:VCARD\nVERSION:3.0\nFN:B Day\nBDAY:{bday}\nEND:VCARD\n")
    (person,) = run(path)
    assert isinstance(person, Person) and person.birthday == want


def test_ios_cr_cr_lf_line_ends_keep_folded_values(tmp_path: Path) -> None:
    path = vcf(tmp_path, "BEGIN:VCARD\nVERSION:3.0\nFN:Maria de los Angeles Garcia-\n Lopez\n"
                         "EMAIL:maria@example.com\nNOTE:first half\\, \n second half\nEND:VCARD\n",
               newline="\r\r\n")
    records = run(path)
    assert set(persons(records)) == {"Maria de los Angeles Garcia-Lopez"}
    assert [r.text for r in records if isinstance(r, Note)] == ["first half, second half"]


def test_charsets(tmp_path: Path) -> None:
    # A Windows-1252 file whose card says what it is; a UTF-8 file whose card wrongly says
    # Latin-1 (common): both read right. A charset that is no text codec is not fatal.
    latin = tmp_path / "latin.vcf"
    latin.write_bytes("BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1:Jürgen Groß\r\n"
                      "END:VCARD\r\n".encode("cp1252"))
    lying = vcf(tmp_path, "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=ISO-8859-1:Jürgen Groß\n"
                          "END:VCARD\nBEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=idna:Ida\n"
                          "NOTE;CHARSET=undefined;ENCODING=QUOTED-PRINTABLE:caf=C3=A9\n"
                          "EMAIL:ida@example.com\nEND:VCARD\n", name="lying.vcf")
    assert set(persons(run(latin))) == {"Jürgen Groß"}
    records = run(lying)
    assert set(persons(records)) == {"Jürgen Groß", "Ida"}
    assert [r.text for r in records if isinstance(r, Note)] == ["café"]


def test_utf16_file_and_v4_values(tmp_path: Path) -> None:
    text = ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana Lima\r\nN:Lima;Ana;;;\r\n"
            'TEL;VALUE=uri;TYPE="cell,voice":tel:+55-11-91234-5678;ext=12\r\n'
            "URL:https://github.com/analima\r\nEND:VCARD\r\n")
    path = tmp_path / "contacts"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert detect_format(str(path), path.read_bytes(), sources()) == "vcard"
    (person,) = run(path)
    assert isinstance(person, Person)
    assert ids(person) == [("phone", "+55-11-91234-5678"), ("url", "https://github.com/analima")]


def test_bad_cards_are_rejected_one_by_one(tmp_path: Path) -> None:
    path = vcf(tmp_path, "\n".join([
        "BEGIN:VCARD", "VERSION:3.0", "FN:First Good", "EMAIL:first@example.com", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "NOTE:nothing to know this person by", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Never Closed",
        "BEGIN:VCARD", "VERSION:3.0", "FN:After The Unclosed", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Me", "EMAIL:Me@Example.com", "END:VCARD",
        "BEGIN:VCARD", "VERSION:4.0", "KIND:group", "FN:Book club", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Cut Sh",
    ]) + "\n")
    records = run(path)
    assert set(persons(records)) == {"First Good", "After The Unclosed"}
    rejects = {r.where.rsplit(" ", 1)[-1]: r.reason for r in records if isinstance(r, Reject)}
    assert set(rejects) == {"2", "3", "7"}
    assert rejects["2"] == "no name, e-mail address, mobile phone or profile URL"
    assert rejects["3"].startswith("no END:VCARD before the next BEGIN:VCARD (line 13)")
    assert rejects["7"].startswith("the file ends before END:VCARD")
    skips = [r for r in records if isinstance(r, Skip)]
    assert skips == [Skip("your own contact card", f"{path} card 5"),
                     Skip("group card, not a person", f"{path} card 6")]


def test_shared_company_url_and_home_phone_do_not_merge_people(crb: Crb, tmp_path: Path) -> None:
    path = vcf(tmp_path, "".join(
        f"BEGIN:VCARD\nVERSION:3.0\nFN:{name}\nORG:IBM\nURL:http://www.ibm.com/\n"
        f"TEL;TYPE=HOME:+1 905 666 1234\nEND:VCARD\n" for name in ("Ann Doe", "Ben Doe")))
    out = crb.json("import", str(path))
    assert isinstance(out, dict) and out["sources"][0]["new_people"] == 2
    assert q(crb, "select count(*) from identities") == [(0,)]
    details = [json.loads(d) for (d,) in q(crb, "select details from people order by name")]
    assert details[0] == {"phones": "+1 905 666 1234 (home)", "website": "http://www.ibm.com/"}


def test_a_shared_mobile_does_not_fuse_two_people(crb: Crb, corpus: Path) -> None:
    # gmail-single2.vcf ("VCard Test") shares its mobile 555 555 1111 with gmail-single.vcf
    # ("Greg Dartmouth"): two people, each with their own name, addresses and birthday.
    folder = corpus / "vcf/ez-vcard"
    crb("import", str(folder / "gmail-single.vcf"), str(folder / "gmail-single2.vcf"))
    people = q(crb, "select id, name, birthday from people where merged_into is null "
                    "order by name")
    assert [(name, bday) for _, name, bday in people] == [
        ("Greg Dartmouth", "1960-09-10"), ("VCard Test", "1912-06-23")]
    test_id = people[1][0]
    assert "VCard Test" in crb("people", "--search", "vcard test").stdout
    emails = q(crb, "select count(*) from identities where person_id = ? and kind = 'email'",
               (test_id,))
    assert emails == [(5,)]
    # The number stays with the person who had it first; the other keeps it as a detail.
    assert q(crb, "select p.name from identities i join people p on p.id = i.person_id "
                  "where i.kind = 'phone' and i.value like '%5555551111'") == [("Greg Dartmouth",)]
    (details,) = q(crb, "select details from people where id = ?", (test_id,))[0]
    assert "(shared)" in json.loads(details)["phones"]


def test_a_shared_mobile_joins_cards_only_when_nothing_contradicts(
    crb: Crb, tmp_path: Path
) -> None:
    def card(name: str, email: str) -> str:
        lines = [f"FN:{name}"] if name else []
        lines += [f"EMAIL:{email}"] if email else []
        return "BEGIN:VCARD\nVERSION:3.0\n" + "\n".join(
            [*lines, "TEL;TYPE=CELL:+44 7700 900123", "END:VCARD\n"])

    path = vcf(tmp_path, card("Erin Cell", "erin@x.example") + card("Frank Cell", "frank@y.example")
               + card("ERIN  cell", "erin@work.example") + card("", "")
               + card("Erin", "e.cell@home.example"))
    out = crb.json("import", str(path))
    assert isinstance(out, dict) and out["sources"][0]["new_people"] == 2
    rows = q(crb, "select p.name, i.value from people p join identities i on i.person_id = p.id "
                  "where i.kind = 'email' order by i.value")
    # Frank is his own person with his own address; Erin's other cards (the same name or a part
    # of it, another address) and the nameless card with only the number are Erin.
    assert rows == [("Erin Cell", "e.cell@home.example"), ("Erin Cell", "erin@work.example"),
                    ("Erin Cell", "erin@x.example"), ("Frank Cell", "frank@y.example")]
    assert "Frank Cell" in crb("show", "frank@y.example").stdout


def test_reimport_and_dry_run(crb: Crb, tmp_path: Path) -> None:
    path = vcf(tmp_path, PHONE_21 + "BEGIN:VCARD\nVERSION:3.0\nFN:Nobody Known\nEND:VCARD\n")
    dry = crb.json("import", str(path), "--dry-run")
    assert isinstance(dry, dict) and dry["dry_run"] and dry["sources"][0]["new_people"] == 2
    assert q(crb, "select count(*) from people") == [(0,)]
    first = crb.json("import", str(path))
    assert isinstance(first, dict)
    assert (first["sources"][0]["new_people"], first["sources"][0]["imported"]) == (2, 3)
    again = crb.json("import", str(path))
    assert isinstance(again, dict)
    summary = again["sources"][0]
    assert (summary["imported"], summary["new_people"], summary["unchanged"]) == (0, 0, 3)
    assert q(crb, "select count(*) from people") == [(2,)]
    assert q(crb, "select count(*) from notes") == [(1,)]


def test_detection_of_vcards_by_content(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("\ufeff\nbegin:vcard\nfn:X\nend:vcard\n", encoding="utf-8")
    assert [n for n in MINE if sources()[n].detect(path, path.read_bytes())] == ["vcard"]
    other = tmp_path / "notes.txt"
    other.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    assert [n for n in MINE if sources()[n].detect(other, other.read_bytes())] == []


def test_a_file_with_no_card_is_one_rejection(tmp_path: Path) -> None:
    path = vcf(tmp_path, "just some text\n")
    assert run(path) == [Reject("no vCard in this file (no BEGIN:VCARD line)", str(path))]
    (record,) = run(tmp_path / "missing.vcf")
    assert isinstance(record, Reject) and "cannot read" in record.reason


# -- robustness --------------------------------------------------------------------------------

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.vcf"
    path.write_bytes(data)
    run(path)
    sources()["vcard"].detect(path, data)


_LINES = st.sampled_from([
    "BEGIN:VCARD", "END:VCARD", "begin:vcard", "VERSION:2.1", "VERSION:4.0", "FN:Ann",
    "N:Lee;Ann;;;", "N;ENCODING=QUOTED-PRINTABLE;CHARSET=utf-8:=C3=91=", "=C3", "=",
    "EMAIL:ann@example.com", "EMAIL;PREF;INTERNET:", "TEL;CELL:+1 555 0100", "TEL:tel:",
    "PHOTO;ENCODING=BASE64:/9j/", "AAAA", " AAAA", "", " folded", "\tfolded", "NOTE:a\\nb\\",
    "BDAY:--0230", "BDAY:1604-02-29", "ADR:;;a;b", "raw line, with comma", "item1.X-ABLabel:x",
    "item1.TEL:12345", 'TEL;TYPE="work,cell":1 2 3 4 5', "KIND:org", "X-ABShowAs:COMPANY",
    "CATEGORIES:a\\,b,c", "REV:garbage", "URL:http\\://x.y/z", ":", ";;;", "\x00", "é",
    "FN;CHARSET=idna:x", "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=undefined:=FF=",
    "FN;ENCODING=B;CHARSET=utf-16:////", "EMAIL;CHARSET=rot13:a@b.cc",
])


@SETTINGS
@given(lines=st.lists(_LINES, max_size=30),
       newline=st.sampled_from(["\n", "\r\n", "\r", "\r\r\n"]))
def test_vcard_shaped_garbage_never_raises(tmp_path: Path, lines: list[str], newline: str) -> None:
    path = tmp_path / "shaped.vcf"
    path.write_text(newline.join(lines), encoding="utf-8", newline="")
    records = run(path)
    cards = sum(1 for line in lines if line.upper() == "BEGIN:VCARD")
    # Every card is accounted for: a person, a skip or a rejection (never silently lost).
    if cards:
        accounted = [r for r in records if isinstance(r, Person | Skip | Reject)]
        assert len(accounted) == cards


@SETTINGS
@given(pick=st.integers(min_value=0), cut=st.floats(min_value=0, max_value=1))
def test_truncated_corpus_files_are_read_or_rejected(corpus: Path, tmp_path: Path, pick: int,
                                                     cut: float) -> None:
    files = sorted((corpus / "vcf").rglob("*.vcf"))
    data = files[pick % len(files)].read_bytes()
    path = tmp_path / "cut.vcf"
    path.write_bytes(data[: int(len(data) * cut)])
    run(path)


def test_quoted_printable_soft_break_keeps_the_space_that_starts_the_next_line(
    crb: Crb, tmp_path: Path
) -> None:
    # A phone's encoder broke the line after "the": the space starting the next line is text
    # (RFC 2045, as the standard library decodes it), not folding.
    encoded = "A note long enough to be wrapped by the=\r\n encoder, and=\r\n  again=0D=0Aend"
    text = quopri.decodestring(encoded.replace("\r\n", "\n").encode()).decode()
    assert text == "A note long enough to be wrapped by the encoder, and  again\r\nend"
    path = tmp_path / "qp.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Lee;Ann\r\nEMAIL:ann@example.org\r\n"
                    f"NOTE;ENCODING=QUOTED-PRINTABLE:{encoded}\r\nEND:VCARD\r\n", newline="")
    crb("import", str(path))
    assert q(crb, "select text from notes") == [(text.replace("\r\n", "\n"),)]


def test_a_cards_records_say_which_card_they_came_from(tmp_path: Path) -> None:
    """The person and the note of a card carry its place, for any reject line of theirs."""
    path = vcf(tmp_path, "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEMAIL:ann@x.example\nEND:VCARD\n"
                         "BEGIN:VCARD\nVERSION:3.0\nFN:Bo Po\nEMAIL:bo@x.example\nNOTE:hi\n"
                         "END:VCARD\n")
    records = run(path)
    assert [(type(r).__name__, r.where) for r in records] == [
        ("Person", f"{path} card 1"), ("Person", f"{path} card 2"), ("Note", f"{path} card 2")]
