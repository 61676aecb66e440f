"""Re-exports of one address book or one LinkedIn network, in any era and any order, make each
person once (docs/cli.md, "Who is who")."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crb
from tests.test_import_contacts import (
    GOOGLE_NEW_HEADER,
    LINKEDIN_HEADER,
    LINKEDIN_NOTES,
    OUTLOOK_HEADER,
    write_csv,
)

OLD_HEADER = ["First Name", "Last Name", "Email Address", "Company", "Position", "Connected On"]


def linkedin_2021(folder: Path) -> Path:
    """The older export: no preamble, no URL column, few e-mail addresses."""
    return write_csv(folder / "Connections-2021.csv", [
        OLD_HEADER,
        ["Jonas", "Okafor", "", "Acme GmbH", "Data Scientist", "14 Mar 2019"],
        ["Yusuf", "Adeyemi", "", "Globex", "Product Manager", "02 Jun 2020"],
        ["Mei", "Tanaka", "mei.tanaka@example.org", "Initech", "Engineer", "11 Jan 2021"],
        ["Ann", "Lee", "", "Acme GmbH", "Designer", "05 May 2018"],
        ["Ann", "Lee", "", "Umbrella", "Nurse", "06 May 2018"],
        ["Sam", "Park", "", "Hooli", "Engineer", "07 Jul 2017"],
        # Another Sam Park at Hooli, connected another day: someone else.
        ["Sam", "Park", "", "Hooli", "Designer", "08 Aug 2018"],
    ])


def linkedin_2024(folder: Path) -> Path:
    """Three years on: a Notes preamble, profile URLs, hidden addresses, new jobs."""
    return write_csv(folder / "Connections-2024.csv", [
        LINKEDIN_HEADER,
        # A new company, the same position.
        ["Jonas", "Okafor", "https://www.linkedin.com/in/jonas-okafor", "", "Beta Analytics",
         "Data Scientist", "14 Mar 2019"],
        # The same company, a new position.
        ["Yusuf", "Adeyemi", "https://www.linkedin.com/in/yusufadeyemi", "", "Globex",
         "Director of Product", "02 Jun 2020"],
        # The address is hidden now; the URL is new.
        ["Mei", "Tanaka", "https://www.linkedin.com/in/mei-tanaka", "", "Initech",
         "Senior Engineer", "11 Jan 2021"],
        ["Ann", "Lee", "https://www.linkedin.com/in/ann-lee-design", "", "Studio Lee",
         "Designer", "05 May 2018"],
        ["Ann", "Lee", "https://www.linkedin.com/in/ann-lee-rn", "", "Umbrella", "Nurse",
         "06 May 2018"],
        # Everything changed but the name and the day they connected.
        ["Sam", "Park", "https://www.linkedin.com/in/sampark", "", "Pied Piper", "CTO",
         "07 Jul 2017"],
        ["Noor", "Haddad", "https://www.linkedin.com/in/noor-haddad", "", "Initech", "Engineer",
         "01 Feb 2024"],
        ["Sam", "Park", "https://www.linkedin.com/in/sam-park-design", "", "Hooli", "Designer",
         "08 Aug 2018"],
    ], before=LINKEDIN_NOTES)


def summary(crb: Crb, path: Path) -> dict[str, Any]:
    (out,) = crb.json("import", str(path))["sources"]
    counted = (out["imported"] + out["updated"] + out["merged"] + out["unchanged"]
               + sum(out["skipped"].values()) + len(out["rejected"]))
    assert out["seen"] == counted and out["ok"], out
    return out


def people(db: Path) -> list[tuple[str, str | None, str | None, str]]:
    """(name, organisation, title, identities) of every person, by name then URL."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select p.name, o.name, p.title, coalesce((select group_concat(value, ' ') from "
            "(select value from identities where person_id = p.id order by value)), '') as ids "
            "from people p left join organizations o on o.id = p.org_id "
            "where p.merged_into is null order by p.name, ids"
        ).fetchall()


@pytest.mark.parametrize("order", ["2021 then 2024", "2024 then 2021"])
def test_linkedin_exports_of_two_eras_make_each_person_once(
    crb: Crb, tmp_path: Path, db_path: Path, order: str
) -> None:
    files = [linkedin_2021(tmp_path), linkedin_2024(tmp_path)]
    if order == "2024 then 2021":
        files.reverse()
    first = summary(crb, files[0])
    second = summary(crb, files[1])
    assert first["new_people"] == (7 if order == "2021 then 2024" else 8)
    assert second["new_people"] == (1 if order == "2021 then 2024" else 0)
    names = [p[0] for p in people(db_path)]
    assert names == ["Ann Lee", "Ann Lee", "Jonas Okafor", "Mei Tanaka", "Noor Haddad",
                     "Sam Park", "Sam Park", "Yusuf Adeyemi"]
    ids = {p[3] for p in people(db_path)}
    # Every person has the URL of the newer export (the older ones are not left without).
    assert ids == {
        "linkedin.com/in/ann-lee-design", "linkedin.com/in/ann-lee-rn",
        "linkedin.com/in/jonas-okafor", "linkedin.com/in/mei-tanaka mei.tanaka@example.org",
        "linkedin.com/in/noor-haddad", "linkedin.com/in/sampark", "linkedin.com/in/sam-park-design",
        "linkedin.com/in/yusufadeyemi",
    }
    # One connection per person, on the day both exports give.
    with sqlite3.connect(db_path) as conn:
        per_person = conn.execute(
            "select count(*), count(distinct person_id) from interactions where kind = "
            "'connection'").fetchone()
    assert per_person == (8, 8)
    # Both files again: nothing new.
    for path in files:
        again = summary(crb, path)
        assert again["new_people"] == 0 and again["imported"] == 0


def test_a_row_without_identity_joins_the_one_person_of_that_name_and_job(
    crb: Crb, tmp_path: Path, db_path: Path
) -> None:
    """Google, then Outlook, then Google again re-exported: a contact with neither e-mail nor
    phone is found by name with the same company or the same job title, when one person fits."""

    def google(path: Path, *rows: dict[str, str]) -> Path:
        return write_csv(path, [GOOGLE_NEW_HEADER,
                                *[[r.get(h, "") for h in GOOGLE_NEW_HEADER] for r in rows]])

    def outlook(path: Path, *rows: dict[str, str]) -> Path:
        return write_csv(path, [OUTLOOK_HEADER,
                                *[[r.get(h, "") for h in OUTLOOK_HEADER] for r in rows]],
                         newline="\r\n", encoding="cp1252")

    summary(crb, google(
        tmp_path / "google-2022.csv",
        {"First Name": "Tom", "Last Name": "Baker", "Organization Name": "Acme",
         "Organization Title": "Buyer"},
        {"First Name": "Lena", "Last Name": "Vogel", "Organization Name": "Acme",
         "Organization Title": "Counsel"},
        {"First Name": "Lena", "Last Name": "Vogel", "Organization Name": "Initech",
         "Organization Title": "Chemist"},
    ))
    # Acme renamed itself; Tom has a mobile now.
    out = summary(crb, outlook(
        tmp_path / "outlook.csv",
        {"First Name": "Tom", "Last Name": "Baker", "Company": "Acme Corp", "Job Title": "Buyer",
         "Mobile Phone": "+1 415 555 0142"},
        {"First Name": "Lena", "Last Name": "Vogel", "Company": "Initech",
         "Job Title": "Head of Chemistry"},
    ))
    # Tom gains his phone (merged); Lena at Initech has nothing new (unchanged).
    assert (out["new_people"], out["merged"], out["unchanged"]) == (0, 1, 1)
    # Google's newer export: Tom at a new company with the same title; a third "Lena Vogel"
    # sharing neither company nor title with either is somebody else.
    out = summary(crb, google(
        tmp_path / "google-2024.csv",
        {"First Name": "Tom", "Last Name": "Baker", "Organization Name": "Globex",
         "Organization Title": "Buyer"},
        {"First Name": "Lena", "Last Name": "Vogel", "Organization Name": "Hooli",
         "Organization Title": "Designer"},
    ))
    # Tom's company came from Google's earlier export (Outlook's "Acme Corp" only filled in
    # nothing): Google's newer export updates it.
    assert (out["new_people"], out["updated"]) == (1, 1)
    assert sorted(people(db_path), key=str) == [
        ("Lena Vogel", "Acme", "Counsel", ""),
        ("Lena Vogel", "Hooli", "Designer", ""),
        ("Lena Vogel", "Initech", "Chemist", ""),
        ("Tom Baker", "Globex", "Buyer", "+14155550142"),
    ]


def test_the_skip_says_the_person_was_stored(crb: Crb, tmp_path: Path) -> None:
    out = summary(crb, linkedin_2021(tmp_path))
    assert out["imported"] == 8  # seven people and Mei's connection (she has an address)
    assert out["skipped"] == {"connection not stored: no e-mail or profile URL": 6}
    assert json.dumps(out).count("skipped") == 1


def test_google_legacy_export_then_the_newer_layout(
    crb: Crb, corpus: Path, tmp_path: Path, db_path: Path
) -> None:
    legacy = corpus / "csv" / "google" / "mtrazzi_google_contacts_legacy.csv"
    assert summary(crb, legacy)["new_people"] == 3
    newer = write_csv(tmp_path / "contacts.csv", [GOOGLE_NEW_HEADER, *[
        [{"First Name": first, "Last Name": last, "E-mail 1 - Label": "* Other",
          "E-mail 1 - Value": mail, "Organization Name": org}.get(h, "")
         for h in GOOGLE_NEW_HEADER]
        for first, last, mail, org in [
            ("Richard", "Feynman", "rich@caltech.edu", "Caltech"),
            ("Elon", "Musk", "elon.musk@tesla.com", "Tesla"),
            ("", "", "iforgotthisguysnamebutihavehisemail@gmail.com", ""),
        ]]])
    out = summary(crb, newer)
    assert (out["new_people"], out["merged"], out["unchanged"]) == (0, 2, 1)
    assert [p[:2] for p in people(db_path)] == [
        ("Elon Musk", "Tesla"), ("Richard Feynman", "Caltech"),
        ("iforgotthisguysnamebutihavehisemail@gmail.com", None)]
