"""CRB's own CSV export read back by `crb import`: everyone comes back with every e-mail, phone
and URL, their tier and cadence (a spreadsheet round trip, or a move to a new machine)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .conftest import Crb

KEPT = slice(1, 9)
"""name, organization, title, tier, cadence_days, emails, phones, urls."""


def _rows(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][KEPT] == ["name", "organization", "title", "tier", "cadence_days", "emails",
                             "phones", "urls"]
    return sorted(row[KEPT] for row in rows[1:])


def test_the_csv_export_imports_back_whole(crb: Crb, tmp_path: Path, config_file: Path) -> None:
    crb("demo", "--people", "60", "--seed", "5")
    first = crb.json("show", "1")
    email = next(i["value"] for i in first["identities"] if i["kind"] == "email")
    card = tmp_path / "more.vcf"  # a second address and two phones for the first person
    card.write_text(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{first['name']}\r\nEMAIL:{email}\r\n"
                    "EMAIL:second@home.example\r\nTEL:+1 415 555 0100\r\n"
                    "TEL:+44 20 7946 0958\r\nEND:VCARD\r\n", encoding="utf-8")
    crb("import", str(card))
    crb("tier", "1", "key")
    crb("cadence", "1", "21")
    out = tmp_path / "people.csv"
    crb("export", "--format", "csv", "-o", str(out))
    before = _rows(out.read_text(encoding="utf-8"))
    assert any(row[6] for row in before) and any(row[7] for row in before)  # phones, URLs
    assert any(";" in row[5] and ";" in row[6] and row[3:5] == ["key", "21"] for row in before)
    again = Crb(tmp_path / "again.db", config_file)
    again("import", str(out))
    assert _rows(again("export", "--format", "csv").stdout) == before
    # The people are known again by their addresses: importing it once more adds no one.
    count = again.json("people")["count"]
    again("import", str(out))
    assert again.json("people")["count"] == count == len(before)


def test_a_bad_tier_or_cadence_is_one_rejected_row(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "edited.csv"
    path.write_text(
        "id,name,organization,title,tier,cadence_days,emails,phones,urls,last_touch,health,stage\n"
        "1,Ann Lee,Acme,CTO,vip,,ann@acme.com; ann@home.org,+1 415 555 0100; +44 20 7946 0958,"
        ",,,\n"
        "2,Bo Chen,,,key,often,bo@x.com,,,,,\n"
        "3,Cy Dee,,,Active,30,cy@x.com,,https://example.com/in/cy,,,\n", encoding="utf-8")
    result = crb("import", str(path), status=3)
    assert f"{path}:2: unknown tier 'vip'" in result.stdout
    assert f"{path}:3: cadence_days 'often' is not a number of days" in result.stdout
    cy = crb.json("show", "cy@x.com")
    assert (cy["tier"], cy["cadence_days"]) == ("active", 30)
    assert {i["value"] for i in cy["identities"]} == {"cy@x.com", "example.com/in/cy"}


def test_archived_people_are_not_in_the_csv(crb: Crb, tmp_path: Path) -> None:
    """Trial 10 W12: the CSV listed archived and ignored people with no column saying so: a
    CSV restore revived everyone the user had archived."""
    crb("demo", "--people", "8", "--seed", "5")
    crb("archive", "2")
    crb("ignore", "3")
    out = tmp_path / "people.csv"
    crb("export", "--format", "csv", "-o", str(out))
    ids = {row[0] for row in list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))[1:]}
    assert "2" not in ids and "3" not in ids and "1" in ids
