"""Contact CSV importers: LinkedIn (every era), Google (legacy and newer), Outlook, generic CSV.

Real files come from the shared corpus; the layouts no public file shows are built here from
what the exporters document and write (LinkedIn's preamble, Excel re-saves, Google's newer CSV,
Outlook's CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
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

MINE = ("csv", "linkedin", "google-csv", "outlook-csv", "vcard")
RECORDS = (Person, Interaction, Note, Skip, Reject)


def all_sources() -> dict[str, Any]:
    plugins.load()
    return plugins.sources()


def run(name: str, path: Path, *, config: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None) -> list[Any]:
    """Call a source's sync directly, as the host does, and collect what it yields."""
    source = all_sources()[name]
    ctx = sync_context(source, config=config, paths=[path], options=options)
    return list(source.sync(ctx))


def q(crb: Crb, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(crb.db)) as db:
        return db.execute(sql, args).fetchall()


def imported(crb: Crb, *args: str) -> dict[str, Any]:
    result = crb("import", *args, "--json", ok=False)
    out = json.loads(result.stdout)
    assert isinstance(out, dict) and len(out["sources"]) == 1, out
    summary = out["sources"][0]
    assert summary["ok"] and not summary["errors"], summary
    # Exit 3 exactly when something was rejected (or nothing at all was read).
    assert result.exit_code == (3 if summary["rejected"] or not summary["seen"] else 0), result
    return summary


def people(crb: Crb) -> dict[str, dict[str, Any]]:
    data = crb.json("people", "--all")
    assert isinstance(data, dict)
    return {p["name"]: p for p in data["people"]}


def identities(crb: Crb, name: str) -> set[tuple[str, str]]:
    return set(q(crb, "select i.kind, i.value from identities i join people p on p.id = "
                      "i.person_id where p.name = ? and p.merged_into is null", (name,)))


def detected(path: Path) -> str | None:
    return detect_format(str(path), path.read_bytes()[: 64 * 1024], all_sources())


def claims(path: Path) -> list[str]:
    """Which of this project's contact sources claim the file (their detectors, one by one)."""
    head = path.read_bytes()[: 64 * 1024]
    srcs = all_sources()
    return [n for n in MINE if srcs[n].detect is not None and srcs[n].detect(path, head)]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8",
              newline: str = "\n", delimiter: str = ",", before: str = "") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes((before + buf.getvalue()).encode(encoding))
    return path


# -- LinkedIn ----------------------------------------------------------------------------------

LINKEDIN_NOTES = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email '
    "addresses are missing. You will only see email addresses for connections who have allowed "
    "their connections to see or download their email address using this setting "
    "https://www.linkedin.com/psettings/privacy/email. You can learn more here "
    'https://www.linkedin.com/help/linkedin/answer/261"\n\n'
)
LINKEDIN_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                   "Connected On"]
LINKEDIN_ROWS = [
    ["Ann", "Lee", "https://www.linkedin.com/in/ann-lee", "ann@acme.com", "Acme", "CTO",
     "09 Oct 2024"],
    ["Bo", "Chen", "https://www.linkedin.com/in/bochen", "", "Beta Ltd", "Founder, CEO",
     "01 Feb 2023"],
    ["", "", "", "", "", "", "15 Mar 2022"],
    ["Zoë 🚀", "Ünal", "https://www.linkedin.com/in/zoe-unal", "urn:li:member:123456789", "Gamma",
     "Engineer", "2024-10-09"],
    ["محمد", "العلي", "https://www.linkedin.com/in/mohammed-alali", "", "شركة النور", "مدير",
     "05 Jan 2021"],
    ["Jo\tAnne", "Smith", "https://uk.linkedin.com/in/joanne-smith/", "", "", "", "9 Sep 2022"],
]


def linkedin_modern(folder: Path) -> Path:
    return write_csv(folder / "Connections.csv", [LINKEDIN_HEADER, *LINKEDIN_ROWS],
                     before=LINKEDIN_NOTES)


def test_linkedin_modern_export_with_notes_preamble(crb: Crb, tmp_path: Path) -> None:
    path = linkedin_modern(tmp_path)
    assert detected(path) == "linkedin"
    out = imported(crb, str(path))
    assert out["source"] == "linkedin"
    assert out["new_people"] == 5
    assert out["skipped"] == {"hidden profile": 1}
    assert out["rejected"] == []
    found = people(crb)
    assert set(found) == {"Ann Lee", "Bo Chen", "Zoë 🚀 Ünal", "محمد العلي", "Jo Anne Smith"}
    assert found["Ann Lee"]["organization"] == "Acme" and found["Ann Lee"]["title"] == "CTO"
    assert found["Bo Chen"]["title"] == "Founder, CEO"
    assert found["محمد العلي"]["organization"] == "شركة النور"
    assert identities(crb, "Ann Lee") == {("email", "ann@acme.com"),
                                          ("url", "linkedin.com/in/ann-lee")}
    # urn:li:member is not an address: ignored, the row still imports with its URL.
    assert identities(crb, "Zoë 🚀 Ünal") == {("url", "linkedin.com/in/zoe-unal")}
    assert not q(crb, "select 1 from identities where value like 'urn:%'")
    # "Connected On" is the first interaction: with the e-mail when known, else the URL.
    rows = q(crb, "select p.name, i.kind, i.direction, substr(i.at, 1, 10), d.kind "
                  "from interactions i join people p on p.id = i.person_id "
                  "join identities d on d.id = i.identity_id order by p.name")
    assert rows == [
        ("Ann Lee", "connection", "mutual", "2024-10-09", "email"),
        ("Bo Chen", "connection", "mutual", "2023-02-01", "url"),
        ("Jo Anne Smith", "connection", "mutual", "2022-09-09", "url"),
        ("Zoë 🚀 Ünal", "connection", "mutual", "2024-10-09", "url"),
        ("محمد العلي", "connection", "mutual", "2021-01-05", "url"),
    ]
    # The same file again adds nothing.
    again = imported(crb, str(path))
    assert again["imported"] == 0 and again["new_people"] == 0 and again["merged"] == 0
    assert again["skipped"] == {"hidden profile": 1}
    assert len(people(crb)) == 5 and len(q(crb, "select * from interactions")) == 5


def test_linkedin_every_era_is_one_set_of_people(crb: Crb, tmp_path: Path) -> None:
    """Old export (no URL column), modern export, Excel re-save and a header-less copy of the
    same connections end as the same five people with one connection each."""
    old = write_csv(tmp_path / "old.csv", [
        ["First Name", "Last Name", "Email Address", "Company", "Position", "Connected On"],
        ["Ann", "Lee", "ann@acme.com", "Acme", "CTO", "09 Oct 2024"],
        ["Bo", "Chen", "", "Beta Ltd", "Founder, CEO", "01 Feb 2023"],
    ])
    excel = write_csv(tmp_path / "excel.csv", [
        LINKEDIN_HEADER,
        ["Ann", "Lee", "https://www.linkedin.com/in/ann-lee", "ann@acme.com", "Acme", "CTO",
         "9-Oct-24"],
        ["Zoe", "Unal", "https://www.linkedin.com/in/zoe-unal", "", "Gamma", "Engineer",
         "9-Oct-24"],
        ["", "", "", "", "", "", "15-Mar-22"],
        ["", "", "", "", "", "", ""],
    ], newline="\r\n", encoding="cp1252")
    headerless = write_csv(tmp_path / "noheader.csv", LINKEDIN_ROWS[:2], newline="\r\n")
    for path in (old, excel, headerless):
        assert detected(path) == "linkedin", path
    first = imported(crb, str(old))
    assert first["new_people"] == 2
    # Bo has neither e-mail nor URL in the old export: a person, but no interaction to hang.
    assert first["skipped"] == {"connection not stored: no e-mail or profile URL": 1}
    imported(crb, str(linkedin_modern(tmp_path)))
    out = imported(crb, str(excel))
    assert out["skipped"] == {"hidden profile": 1, "blank row": 1}
    # "Zoe Unal" (the ANSI re-save lost the diacritics and the emoji) shares Zoë's URL.
    assert out["new_people"] == 0 and out["imported"] == 0
    out = imported(crb, str(headerless))
    assert out["new_people"] == 0 and out["imported"] == 0
    names = set(people(crb))
    assert names == {"Ann Lee", "Bo Chen", "Zoë 🚀 Ünal", "محمد العلي", "Jo Anne Smith"}
    # One connection each, whichever era's row said so.
    assert q(crb, "select count(*) from interactions where kind = 'connection'") == [(5,)]
    assert identities(crb, "Bo Chen") == {("url", "linkedin.com/in/bochen")}


def test_linkedin_excel_resave_dates_encoding_and_delimiter(tmp_path: Path) -> None:
    rows = [
        ["Ann", "Lee", "https://www.linkedin.com/in/ann-lee", "ann@acme.com", "Acme", "CTO",
         "22/10/2024"],
        ["Zoë", "Ünal", "https://www.linkedin.com/in/zoe-unal", "", "Gamma", "Engineer",
         "09/10/2024"],
    ]
    path = write_csv(tmp_path / "Connections.csv", [LINKEDIN_HEADER, *rows], delimiter=";",
                     newline="\r\n", encoding="cp1252")
    assert claims(path) == ["linkedin"]
    records = run("linkedin", path)
    named = {r.name: r for r in records if isinstance(r, Person)}
    assert set(named) == {"Ann Lee", "Zoë Ünal"}
    dates = sorted(r.at.date().isoformat() for r in records if isinstance(r, Interaction))
    # 22/10 can only be day-first, so 09/10 is the 9th of October too.
    assert dates == ["2024-10-09", "2024-10-22"]
    month_first = write_csv(tmp_path / "us.csv", [LINKEDIN_HEADER, [*rows[1][:6], "10/9/24"]])
    (at,) = [r.at for r in run("linkedin", month_first) if isinstance(r, Interaction)]
    assert at.date().isoformat() == "2024-10-09"


def test_linkedin_utf16_and_headerless_six_columns(tmp_path: Path) -> None:
    utf16 = tmp_path / "Connections.csv"
    text = LINKEDIN_NOTES + ",".join(LINKEDIN_HEADER) + "\r\n" + \
        "Ann,Lee,https://www.linkedin.com/in/ann-lee,ann@acme.com,Acme,CTO,09 Oct 2024\r\n"
    utf16.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert detected(utf16) == "linkedin"
    (person,) = [r for r in run("linkedin", utf16) if isinstance(r, Person)]
    assert person.name == "Ann Lee" and person.org == "Acme"
    six = write_csv(tmp_path / "six.csv", [
        ["Ann", "Lee", "ann@acme.com", "Acme", "CTO", "09 Oct 2019"],
        ["Bo", "Chen", "", "Beta", "CEO", "10 Oct 2019"],
    ])
    assert detected(six) == "linkedin"
    records = run("linkedin", six)
    ann = next(r for r in records if isinstance(r, Person) and r.name == "Ann Lee")
    assert [(i.kind, i.value) for i in ann.identities] == [("email", "ann@acme.com")]
    assert ann.title == "CTO" and ann.org == "Acme"


def test_linkedin_rejects_and_skips_are_counted_with_their_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "Connections.csv", [
        LINKEDIN_HEADER,
        ["Ann", "Lee", "https://www.linkedin.com/in/ann-lee", "", "Acme", "CTO", "someday"],
        ["", "", "", "", "Acme", "", "09 Oct 2024"],
        ["", "", "", "urn:li:member:42", "", "", "09 Oct 2024"],
    ], before=LINKEDIN_NOTES)
    records = run("linkedin", path)
    # The preamble takes lines 1-3 and the header line 4.
    assert Skip("connection not stored: unreadable Connected On date", f"{path}:5") in records
    assert Reject("row has no name, e-mail address or profile URL", f"{path}:6") in records
    assert Skip("hidden profile", f"{path}:7") in records
    assert not [r for r in records if isinstance(r, Interaction)]


def test_linkedin_progress_is_reported(tmp_path: Path) -> None:
    rows = [[f"P{i}", "X", f"https://www.linkedin.com/in/p{i}", "", "", "", "01 Jan 2024"]
            for i in range(450)]
    path = write_csv(tmp_path / "Connections.csv", [LINKEDIN_HEADER, *rows])
    seen: list[tuple[int, int | None]] = []
    source = all_sources()["linkedin"]
    ctx = sync_context(source, paths=[path],
                       progress=lambda _s, done, total, _m: seen.append((done, total)))
    records = list(source.sync(ctx))
    assert len([r for r in records if isinstance(r, Person)]) == 450
    assert seen == [(200, 450), (400, 450)]


# -- Google ------------------------------------------------------------------------------------


def test_google_legacy_corpus_file(crb: Crb, corpus: Path) -> None:
    path = corpus / "csv" / "google" / "mtrazzi_google_contacts_legacy.csv"
    assert claims(path) == ["google-csv"] and detected(path) == "google-csv"
    out = imported(crb, str(path))
    assert out["source"] == "google-csv"
    assert (out["imported"], out["new_people"], out["rejected"]) == (3, 3, [])
    found = people(crb)
    # The nameless contact is named by its address.
    assert set(found) == {"Richard Feynman", "Elon Musk",
                          "iforgotthisguysnamebutihavehisemail@gmail.com"}
    assert identities(crb, "Elon Musk") == {("email", "elon.musk@tesla.com")}
    again = imported(crb, str(path))
    assert again["imported"] == 0 and again["unchanged"] == 3


GOOGLE_NEW_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,"
    "E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,"
    "Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,"
    "Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,"
    "Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Website 1 - Label,Website 1 - Value,Relation 1 - Label,Relation 1 - Value,"
    "Event 1 - Label,Event 1 - Value"
).split(",")


def google_new(folder: Path, encoding: str = "utf-8") -> Path:
    def row(**values: str) -> list[str]:
        return [values.get(h, "") for h in GOOGLE_NEW_HEADER]

    rows = [
        GOOGLE_NEW_HEADER,
        row(**{"First Name": "Ann", "Middle Name": "Marie", "Last Name": "Lee",
               "Nickname": "Annie", "Organization Name": "Acme", "Organization Title": "CTO",
               "Birthday": "1985-04-15", "Notes": "Loves sailing.\nTwo kids.",
               "Labels": "* myContacts ::: Friends ::: * starred",
               "E-mail 1 - Label": "* Work", "E-mail 1 - Value": "ann@acme.com ::: ann@gmail.com",
               "E-mail 2 - Label": "Home", "E-mail 2 - Value": "ann@home.org",
               "Phone 1 - Label": "Mobile", "Phone 1 - Value": "+1 415 555 0100",
               "Phone 2 - Label": "Home", "Phone 2 - Value": "+1 415 555 0199",
               "Address 1 - Label": "Home", "Address 1 - Formatted": "1 Main St\nSpringfield",
               "Website 1 - Label": "Profile",
               "Website 1 - Value": "https://www.linkedin.com/in/annlee",
               "Relation 1 - Label": "Spouse", "Relation 1 - Value": "Sam",
               "Event 1 - Label": "Anniversary", "Event 1 - Value": "2010-06-12"}),
        row(**{"First Name": "Bo", "Last Name": "Chen", "Birthday": "--03-22",
               "Phone 1 - Label": "Mobile", "Phone 1 - Value": "+44 7700 900123",
               "Website 1 - Label": "Work", "Website 1 - Value": "https://beta.example.com"}),
        row(**{"Organization Name": "Dentist Office", "Phone 1 - Label": "Work",
               "Phone 1 - Value": "+1 212 555 0123"}),
        row(**{"Labels": "* myContacts"}),
        row(),
    ]
    return write_csv(folder / "contacts.csv", rows, encoding=encoding,
                     newline="\r\n" if encoding != "utf-8" else "\n")


def test_google_newer_layout(crb: Crb, tmp_path: Path) -> None:
    path = google_new(tmp_path)
    assert claims(path) == ["google-csv"]
    out = imported(crb, str(path))
    assert out["source"] == "google-csv"
    assert out["new_people"] == 3
    assert out["skipped"] == {"blank row": 1}
    # Ann's row spans lines 2-4 (line breaks in her note and address): the row that is only
    # "* myContacts" starts on line 7.
    assert [r["where"] for r in out["rejected"]] == [f"{path}:7"]
    found = people(crb)
    assert set(found) == {"Ann Marie Lee", "Bo Chen", "Dentist Office"}
    assert (found["Ann Marie Lee"]["organization"], found["Ann Marie Lee"]["title"]) == (
        "Acme", "CTO")
    assert identities(crb, "Ann Marie Lee") == {
        ("email", "ann@acme.com"), ("email", "ann@gmail.com"), ("email", "ann@home.org"),
        ("phone", "+14155550100"), ("url", "linkedin.com/in/annlee")}
    # A home line is shared with the family: a detail, never an identity to match on.
    assert identities(crb, "Bo Chen") == {("phone", "+447700900123")}
    assert identities(crb, "Dentist Office") == set()
    rows = dict(q(crb, "select name, birthday from people"))
    assert rows["Ann Marie Lee"] == "1985-04-15" and rows["Bo Chen"] == "--03-22"
    details = json.loads(q(crb, "select details from people where name = 'Ann Marie Lee'")[0][0])
    assert details["groups"] == "Friends, starred"
    assert details["spouse"] == "Sam" and details["anniversary"] == "2010-06-12"
    assert details["phones"] == "+1 415 555 0199 (home)" and details["nickname"] == "Annie"
    assert details["address"] == "1 Main St, Springfield"
    assert q(crb, "select text from notes") == [("Loves sailing.\nTwo kids.",)]
    again = imported(crb, str(path))
    assert again["imported"] == 0 and again["new_people"] == 0
    assert len(q(crb, "select * from notes")) == 1


@pytest.mark.parametrize(("mtime", "expected"), [
    ("2026-03-01T12:00:00+00:00", "2026-03-01T12:00:00+00:00"),  # when the file was written
    ("2030-01-01T00:00:00+00:00", "2026-11-23T09:00:00+00:00"),  # after now: now
])
def test_notes_date_from_the_file_but_never_after_now(
        crb: Crb, tmp_path: Path, mtime: str, expected: str) -> None:
    # The file system keeps the machine's clock; CRB's now is the pinned CRB_TODAY (09:00 UTC).
    google = google_new(tmp_path)
    generic = tmp_path / "crm.csv"
    generic.write_text("Name,Email,Notes\nCy Diaz,cy@delta.io,Met in Lisbon\n", encoding="utf-8")
    stamp = dt.datetime.fromisoformat(mtime).timestamp()
    for path in (google, generic):
        os.utime(path, (stamp, stamp))
    imported(crb, str(google))
    imported(crb, str(generic), "--format", "csv")
    assert q(crb, "select text, at from notes order by text") == [
        ("Loves sailing.\nTwo kids.", expected), ("Met in Lisbon", expected)]


def test_google_utf16_export(tmp_path: Path) -> None:
    path = google_new(tmp_path, encoding="utf-16")
    assert path.read_bytes()[:2] == b"\xff\xfe"
    assert detected(path) == "google-csv"
    names = {r.name for r in run("google-csv", path) if isinstance(r, Person)}
    assert names == {"Ann Marie Lee", "Bo Chen", "Dentist Office"}


# -- Outlook -----------------------------------------------------------------------------------

OUTLOOK_HEADER = (
    "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,"
    "E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,Business Phone,"
    "Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,Pager,Business Fax,"
    "Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,TTY/TDD Phone,IMAddress,"
    "Job Title,Department,Company,Office Location,Manager's Name,Assistant's Name,"
    "Assistant's Phone,Company Yomi,Business Street,Business City,Business State,"
    "Business Postal Code,Business Country/Region,Home Street,Home City,Home State,"
    "Home Postal Code,Home Country/Region,Other Street,Other City,Other State,"
    "Other Postal Code,Other Country/Region,Personal Web Page,Spouse,Schools,Hobby,Location,"
    "Web Page,Birthday,Anniversary,Notes"
).split(",")


def outlook_file(folder: Path) -> Path:
    def row(**values: str) -> list[str]:
        return [values.get(h, "") for h in OUTLOOK_HEADER]

    return write_csv(folder / "outlook.csv", [
        OUTLOOK_HEADER,
        row(**{"First Name": "Carla", "Last Name": "Diaz", "Title": "Dr.",
               "E-mail Address": "carla@delta.com", "E-mail 2 Address": "carla.diaz@gmail.com",
               "Mobile Phone": "+1 (212) 555-0101", "Home Phone": "+1 212 555 0000",
               "Business Fax": "+1 212 555 0999", "Job Title": "Head of Sales",
               "Company": "Delta", "Department": "Sales", "Spouse": "Eli",
               "Home Street": "5 Park Ave", "Home City": "New York", "Home State": "NY",
               "Home Postal Code": "10016", "Web Page": "http://www.delta.com/",
               "Birthday": "3/22/1980", "Anniversary": "0/0/00",
               "Notes": "Met at SaaStr.\r\nWants the Q3 deck."}),
        row(**{"First Name": "Eli", "Last Name": "Diaz", "Home Phone": "+1 212 555 0000",
               "Company": "Delta", "Birthday": "0/0/00"}),
        row(**{"First Name": "Me", "Last Name": "Myself", "E-mail Address": "ME@example.com"}),
    ], newline="\r\n", encoding="cp1252")


def test_outlook_csv(crb: Crb, tmp_path: Path) -> None:
    path = outlook_file(tmp_path)
    assert claims(path) == ["outlook-csv"]
    out = imported(crb, str(path))
    assert out["source"] == "outlook-csv"
    assert out["new_people"] == 2
    assert out["skipped"] == {"your own contact card": 1}
    found = people(crb)
    assert set(found) == {"Carla Diaz", "Eli Diaz"}
    # "Title" is the honorific: the job title is "Job Title".
    assert (found["Carla Diaz"]["title"], found["Carla Diaz"]["organization"]) == (
        "Head of Sales", "Delta")
    # Carla and Eli share a home phone: still two people, the number kept as a detail.
    assert identities(crb, "Carla Diaz") == {
        ("email", "carla@delta.com"), ("email", "carla.diaz@gmail.com"),
        ("phone", "+12125550101")}
    assert identities(crb, "Eli Diaz") == set()
    rows = dict(q(crb, "select name, birthday from people"))
    assert rows == {"Carla Diaz": "1980-03-22", "Eli Diaz": None}
    assert q(crb, "select text from notes") == [("Met at SaaStr.\nWants the Q3 deck.",)]
    again = imported(crb, str(path))
    assert again["imported"] == again["new_people"] == again["merged"] == 0


def test_outlook_desktop_layout_exchange_address_and_day_first(tmp_path: Path) -> None:
    header = ["Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company",
              "Department", "Job Title", "Business Street", "Home Phone", "Mobile Phone",
              "Birthday", "E-mail Address", "E-mail Type", "E-mail Display Name",
              "E-mail 2 Address", "Notes"]
    path = write_csv(tmp_path / "contacts.CSV", [
        header,
        ["Mr.", "Dan", "", "Ek", "Jr.", "Delta", "", "CFO", "", "", "", "22/03/1980",
         "/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=dan", "EX",
         "Dan Ek (dan.ek@delta.com)", "", ""],
        ["", "Flo", "", "Ng", "", "", "", "", "", "", "", "05/04/1990", "flo@ng.io", "SMTP",
         "Flo Ng (flo@ng.io)", "", ""],
    ], newline="\r\n")
    assert claims(path) == ["outlook-csv"]
    records = run("outlook-csv", path)
    dan = next(r for r in records if isinstance(r, Person) and r.name == "Dan Ek Jr.")
    assert [(i.kind, i.value) for i in dan.identities] == [("email", "dan.ek@delta.com")]
    assert dan.birthday == "1980-03-22" and dan.title == "CFO"
    flo = next(r for r in records if isinstance(r, Person) and r.name == "Flo Ng")
    assert flo.birthday == "1990-04-05"  # day first, as the 22/03 row shows for the file
    month_first = run("outlook-csv", path, config={"date_order": "mdy"})
    assert next(r for r in month_first if isinstance(r, Person) and r.name == "Flo Ng"
                ).birthday == "1990-05-04"


# -- generic CSV -------------------------------------------------------------------------------

THUNDERBIRD = ("basic_csv_addressbook.csv", "csv_semicolon.csv", "export.csv")


@pytest.mark.parametrize("name", THUNDERBIRD)
def test_thunderbird_corpus_files(crb: Crb, corpus: Path, name: str) -> None:
    path = corpus / "csv" / "thunderbird" / name
    assert claims(path) == ["csv"] and detected(path) == "csv"
    out = imported(crb, str(path))
    assert out["source"] == "csv"
    assert (out["new_people"], out["rejected"], out["skipped"]) == (2, [], {})
    found = people(crb)
    if name == "export.csv":
        # "contact1@invalid" has no dot in its domain: not an address (kept as a detail, and
        # said), so these two are known by name alone (and the tab, newline and "…" in the row
        # are read, not choked on).
        assert set(found) == {"contact number one", "contact number two"}
        assert found["contact number two"]["title"] == '"worker"'
        details = q(crb, "select details from people where name = 'contact number two'")
        assert json.loads(details[0][0]) == {"notes": "here's some unicode text…",
                                             "unusable e-mail": "contact2@invalid"}
    else:
        assert set(found) == {"John Doe", "Jane Doe"}
        assert identities(crb, "Jane Doe") == {("email", "jane@doe.invalid")}
    again = imported(crb, str(path))
    assert again["imported"] == 0 and again["unchanged"] == 2


def test_generic_csv_mapping_on_the_command_line(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    path.write_text("Full,Work E-mail,Employer,Notes\nAnn Lee,ann@acme.com,Acme,VIP\n"
                    "Bo Chen,bo@beta.io,Beta,\n", encoding="utf-8")
    # Nothing here names a name or an e-mail column: the generic CSV source takes the .csv and
    # says how to map it (trial 9 F18), rather than "give --format".
    assert detected(path) == "csv"
    out = imported(crb, str(path), "--format", "csv", "--map", "name=Full",
                   "--map", "email=Work E-mail", "--map", "org=Employer")
    assert out["new_people"] == 2 and out["rejected"] == []
    found = people(crb)
    assert found["Ann Lee"]["organization"] == "Acme"
    assert identities(crb, "Bo Chen") == {("email", "bo@beta.io")}
    assert q(crb, "select text from notes") == [("VIP",)]
    # A mapped column that is not there rejects the file, naming it; nothing is written.
    out = imported(crb, str(path), "--format", "csv", "--map", "email=Mail")
    assert out["imported"] == 0
    assert out["rejected"][0]["where"] == f"{path}:1"
    assert "email='Mail'" in out["rejected"][0]["reason"]
    out = imported(crb, str(path), "--format", "csv", "--map", "shoe=Full")
    assert "unknown field 'shoe'" in out["rejected"][0]["reason"]


def test_generic_csv_mapping_in_config(tmp_path: Path) -> None:
    path = tmp_path / "list.tsv"
    path.write_text("Who\tMail\tBirthday\nAnn Lee\tann@acme.com\t1985-04-15\n",
                    encoding="utf-16")
    records = run("csv", path, config={"columns": {"name": "Who", "email": "Mail"}})
    (person,) = records
    assert isinstance(person, Person)
    assert (person.name, person.birthday) == ("Ann Lee", "1985-04-15")
    assert [(i.kind, i.value) for i in person.identities] == [("email", "ann@acme.com")]


def test_dry_run_writes_nothing(crb: Crb, tmp_path: Path) -> None:
    path = linkedin_modern(tmp_path)
    out = crb.json("import", str(path), "--dry-run")
    assert isinstance(out, dict) and out["dry_run"]
    assert out["sources"][0]["new_people"] == 5
    assert people(crb) == {}
    assert q(crb, "select count(*) from interactions") == [(0,)]


# -- detection ---------------------------------------------------------------------------------


def test_detection_on_every_corpus_contact_file(corpus: Path) -> None:
    expected = {"csv/google/mtrazzi_google_contacts_legacy.csv": "google-csv"}
    expected.update({f"csv/thunderbird/{n}": "csv" for n in THUNDERBIRD})
    files = sorted(p for p in (corpus / "csv").rglob("*") if p.is_file())
    assert {str(p.relative_to(corpus)) for p in files} == set(expected)
    for path in files:
        want = expected[str(path.relative_to(corpus))]
        assert detected(path) == want, path
        assert claims(path) == [want], path


def test_detection_on_built_files(tmp_path: Path) -> None:
    built = {
        linkedin_modern(tmp_path): "linkedin",
        google_new(tmp_path): "google-csv",
        outlook_file(tmp_path): "outlook-csv",
    }
    (tmp_path / "u16").mkdir()
    built[google_new(tmp_path / "u16", encoding="utf-16")] = "google-csv"
    # Excel's "CSV UTF-8" puts a BOM before the first header cell.
    bom = write_csv(tmp_path / "bom.csv", [LINKEDIN_HEADER, LINKEDIN_ROWS[0]],
                    encoding="utf-8-sig", newline="\r\n")
    built[bom] = "linkedin"
    (ann,) = [r for r in run("linkedin", bom) if isinstance(r, Person)]
    assert (ann.name, ann.org) == ("Ann Lee", "Acme")
    for path, want in built.items():
        assert claims(path) == [want], path
        assert detected(path) == want, path


def test_contact_detectors_leave_mail_and_calendars_alone(corpus: Path) -> None:
    others = [p for folder in ("mbox", "ics", "eml") for p in (corpus / folder).rglob("*")
              if p.is_file()]
    assert others
    for path in others:
        assert claims(path) == [], path


def test_unknown_csv_is_only_claimed_by_the_generic_source(tmp_path: Path) -> None:
    """A .csv of columns CRB does not know goes to the generic CSV source, whose rejection says
    how to map them (trial 9 F18); a .txt of the same is not claimed."""
    path = tmp_path / "numbers.csv"
    path.write_text("a,b,c\n1,2,3\n")
    assert claims(path) == ["csv"] and detected(path) == "csv"
    text = tmp_path / "numbers.txt"
    text.write_text("a,b,c\n1,2,3\n")
    assert claims(text) == [] and detected(text) is None


# -- robustness --------------------------------------------------------------------------------

CSV_SOURCES = ("linkedin", "google-csv", "outlook-csv", "csv")
FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


def _check(records: list[Any], path: Path) -> None:
    for record in records:
        assert isinstance(record, RECORDS), record
        if isinstance(record, Reject):
            assert record.reason and str(path) in record.where


@settings(max_examples=60, **FUZZ)
@given(data=st.binary(max_size=1500))
def test_arbitrary_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.csv"
    path.write_bytes(data)
    for name in CSV_SOURCES:
        _check(run(name, path), path)
        all_sources()[name].detect(path, data)


_CELLS = st.sampled_from([
    "", "Ann", "Lee", "ann@acme.com", "urn:li:member:1", "09 Oct 2024", "9-Oct-24", "--03-22",
    "First Name", "Last Name", "Connected On", "E-mail 1 - Value", "E-mail Address",
    "Mobile Phone", '"', '""', "a\nb", "x\ty", ";", ",", "::: ", "* myContacts", "\ufeff",
    "https://www.linkedin.com/in/x", "+1 555 0100", "0/0/00", "Notes:",
])


@settings(max_examples=80, **FUZZ)
@given(rows=st.lists(st.lists(_CELLS, max_size=9), max_size=8),
       sep=st.sampled_from([",", ";", "\t"]))
def test_csv_shaped_garbage_never_raises(tmp_path: Path, rows: list[list[str]], sep: str) -> None:
    path = tmp_path / "shaped.csv"
    path.write_text("\n".join(sep.join(r) for r in rows), encoding="utf-8")
    for name in CSV_SOURCES:
        _check(run(name, path), path)


@settings(max_examples=40, **FUZZ)
@given(cut=st.floats(min_value=0, max_value=1))
def test_truncated_files_are_read_or_rejected(tmp_path: Path, cut: float) -> None:
    sources = {"linkedin": linkedin_modern(tmp_path), "google-csv": google_new(tmp_path),
               "outlook-csv": outlook_file(tmp_path)}
    for name, full in sources.items():
        data = full.read_bytes()
        path = tmp_path / f"cut-{name}.csv"
        path.write_bytes(data[: int(len(data) * cut)])
        _check(run(name, path), path)


def test_unreadable_file_is_one_rejection(tmp_path: Path) -> None:
    missing = tmp_path / "gone.csv"
    for name in CSV_SOURCES:
        (record,) = run(name, missing)
        assert isinstance(record, Reject) and "cannot read" in record.reason


@pytest.mark.parametrize("sep", [",", ";"])
def test_an_unclosed_quote_is_one_rejected_row_not_the_rest_of_the_file(
    crb: Crb, tmp_path: Path, sep: str
) -> None:
    path = tmp_path / "unclosed.csv"
    path.write_text(
        sep.join(["First Name", "Last Name", "E-mail Address"]) + "\n"
        + sep.join(["Ann", "Quote", "ann@q.example"]) + "\n"
        # a cell with a line break, quoted properly, is still one cell
        + sep.join(["Dee", '"Multi\nLine"', "dee@q.example"]) + "\n"
        + '"' + sep.join(["Bob", "Unclosed", "bob@q.example"]) + "\n"
        + sep.join(["Carl", "After", "carl@q.example"]) + "\n",
        encoding="utf-8")
    out = crb.json("import", str(path), status=3)["sources"][0]
    assert [r["where"] for r in out["rejected"]] == [f"{path}:5"]
    assert "never closed" in out["rejected"][0]["reason"]
    assert set(people(crb)) == {"Ann Quote", "Carl After", "Dee Multi Line"}


def test_your_own_card_names_the_addresses_it_lists_beside_yours(crb: Crb,
                                                                 tmp_path: Path) -> None:
    """Trial 12 T10: the user's own card (it has an address of [me] emails) was skipped in
    silence though it listed a second address of theirs; mail from that address then made
    them a person to triage. The summary says which addresses to add to [me] emails."""
    card = tmp_path / "me.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Me Myself\r\nEMAIL:me@example.com\r\n"
                    "EMAIL:me.too@gmail.com\r\nTEL:+31 6 5555 1234\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEMAIL:ann@x.com\r\n"
                    "END:VCARD\r\n", encoding="utf-8")
    out = imported(crb, str(card))
    assert out["skipped"] == {"your own contact card": 1}
    assert out["notes"] == [
        f"{card} card 1: your own contact card also lists me.too@gmail.com, not in [me] emails:"
        " add it there, or mail from it counts as someone else's"]
    sheet = tmp_path / "me.csv"
    sheet.write_text('Name,Email\nMe Myself,"ME@example.com, a@b.org, c@d.org"\n',
                     encoding="utf-8")
    out = imported(crb, str(sheet), "--format", "csv")
    assert out["skipped"] == {"your own contact card": 1}
    assert out["notes"] == [
        f"{sheet}:2: your own contact card also lists a@b.org, c@d.org, not in [me] emails:"
        " add them there, or mail from them counts as someone else's"]
    # A card of the user's with nothing else on it says nothing.
    alone = tmp_path / "alone.vcf"
    alone.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Me\r\nEMAIL:me@example.com\r\n"
                     "END:VCARD\r\n", encoding="utf-8")
    assert imported(crb, str(alone))["notes"] == []
