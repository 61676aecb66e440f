"""A contact card exported again updates what the same source gave before (name, organisation,
title, birthday); what the user set by hand, and what another source gave, stays; ``crb rename``
(docs/cli.md, "A card exported again"; trial 15, F2)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import Crb

BO = ("BEGIN:VCARD\nVERSION:3.0\nFN:{name}\nEMAIL:bo@berg.example\nTEL:+46701234567\n"
      "{more}END:VCARD\n")
ANN = ("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEMAIL:ann@lee.example\nORG:{org}\nTITLE:VP Sales\n"
       "BDAY:{bday}\nEND:VCARD\n")
MBOX = """From me@example.com Mon Nov 02 10:00:00 2026
From: Me <me@example.com>
To: Ann L <ann@lee.example>
Subject: Hello
Date: Mon, 02 Nov 2026 10:00:00 +0000
Message-ID: <ann-1@lee.example>

hi

From me@example.com Mon Nov 02 11:00:00 2026
From: Me <me@example.com>
To: Bo Berg <bo@berg.example>
Subject: Lunch
Date: Mon, 02 Nov 2026 11:00:00 +0000
Message-ID: <bo-1@berg.example>

lunch?
"""


def summary(crb: Crb, path: Path) -> dict[str, Any]:
    (out,) = crb.json("import", str(path))["sources"]
    counted = (out["imported"] + out["updated"] + out["merged"] + out["unchanged"]
               + sum(out["skipped"].values()) + len(out["rejected"]))
    assert out["seen"] == counted, out
    return out


def counts(out: dict[str, Any]) -> tuple[int, int, int, int]:
    return out["imported"], out["updated"], out["merged"], out["unchanged"]


def row(db: Path, email: str) -> tuple[Any, ...]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select p.name, o.name, p.title, p.birthday from people p "
            "join identities i on i.person_id = p.id left join organizations o on o.id = p.org_id "
            "where i.value = ?", [email]).fetchone()


def cards(path: Path, *texts: str) -> Path:
    path.write_text("".join(texts), encoding="utf-8")
    return path


def test_a_reexported_address_book_updates_what_its_cards_gave_before(
    crb: Crb, tmp_path: Path, db_path: Path
) -> None:
    """Trial 15's repro: people from mail first, then their cards, then the cards changed."""
    (tmp_path / "mail.mbox").write_text(MBOX, encoding="utf-8")
    assert summary(crb, tmp_path / "mail.mbox")["new_people"] == 2
    first = summary(crb, cards(tmp_path / "contacts.vcf", BO.format(name="Bo Berg", more=""),
                               ANN.format(org="Acme", bday="1985-12-15")))
    assert counts(first) == (0, 0, 2, 0)
    assert row(db_path, "ann@lee.example") == ("Ann Lee", "Acme", "VP Sales", "1985-12-15")
    second = summary(crb, cards(tmp_path / "contacts2.vcf",
                                BO.format(name="Bo Berg-Lind", more=""),
                                ANN.format(org="Acme Global", bday="1985-12-16")))
    assert counts(second) == (0, 2, 0, 0)
    assert row(db_path, "bo@berg.example")[0] == "Bo Berg-Lind"
    assert row(db_path, "ann@lee.example") == ("Ann Lee", "Acme Global", "VP Sales", "1985-12-16")
    crb.today = crb.today.replace(month=12, day=20)
    assert "birthday: 16 December 1985" in crb("show", "Ann Lee").stdout
    # The same file again: nothing to change.
    assert counts(summary(crb, tmp_path / "contacts2.vcf")) == (0, 0, 0, 2)


def test_what_the_user_set_by_hand_is_never_overwritten_by_a_card(
    crb: Crb, tmp_path: Path, db_path: Path
) -> None:
    summary(crb, cards(tmp_path / "a.vcf", BO.format(name="Bo Berg", more="BDAY:1980-01-10\n")))
    crb("rename", "Bo Berg", "Bosse", "Berg")
    crb("birthday", "Bosse Berg", "1980-01-11")
    out = summary(crb, cards(tmp_path / "b.vcf", BO.format(
        name="Bo B. Berg", more="BDAY:1980-01-12\nTITLE:Chef\n")))
    assert counts(out) == (0, 0, 1, 0)  # only the title, which was empty, is new
    assert row(db_path, "bo@berg.example") == ("Bosse Berg", None, "Chef", "1980-01-11")
    # The title came from the card: the next export's title replaces it.
    out = summary(crb, cards(tmp_path / "c.vcf", BO.format(
        name="Bo B. Berg", more="BDAY:1980-01-12\nTITLE:Head chef\n")))
    assert counts(out) == (0, 1, 0, 0)
    assert row(db_path, "bo@berg.example") == ("Bosse Berg", None, "Head chef", "1980-01-11")


def test_a_card_from_another_source_only_fills_in(
    crb: Crb, tmp_path: Path, db_path: Path, corpus: Path
) -> None:
    """A Google CSV row for a person a vCard made: the name and organisation it has differently
    are kept, what was empty is filled in."""
    summary(crb, cards(tmp_path / "a.vcf", ANN.format(org="Acme", bday="1985-12-15")))
    header = (corpus / "csv" / "google" / "mtrazzi_google_contacts_legacy.csv").read_text(
        encoding="utf-8").splitlines()[0].split(",")
    values = {"Name": "Annie Lee", "Given Name": "Annie", "Family Name": "Lee",
              "E-mail 1 - Type": "* ", "E-mail 1 - Value": "ann@lee.example",
              "Organization 1 - Name": "Acme Inc", "Occupation": "x",
              "Phone 1 - Type": "Mobile", "Phone 1 - Value": "+46709999999"}
    google = tmp_path / "google.csv"
    google.write_text(",".join(header) + "\n" + ",".join(values.get(h, "") for h in header)
                      + "\n", encoding="utf-8")
    out = summary(crb, google)
    assert counts(out) == (0, 0, 1, 0)  # the phone number is new
    assert row(db_path, "ann@lee.example")[:2] == ("Ann Lee", "Acme")


def test_a_reexported_google_csv_updates_its_people(
    crb: Crb, tmp_path: Path, db_path: Path, corpus: Path
) -> None:
    source = corpus / "csv" / "google" / "mtrazzi_google_contacts_legacy.csv"
    summary(crb, source)
    assert row(db_path, "rich@caltech.edu")[0] == "Richard Feynman"
    lines = source.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    org = header.index("Organization 1 - Name")
    changed = []
    for line in lines[1:]:
        if line.startswith("Richard Feynman,"):
            cells = line.replace("Richard Feynman,Richard,", "Richard P. Feynman,Richard P.,", 1
                                 ).split(",")
            cells[org] = "Caltech"
            line = ",".join(cells)
        changed.append(line)
    again = tmp_path / "google-again.csv"
    again.write_text("\n".join([lines[0], *changed]) + "\n", encoding="utf-8")
    out = summary(crb, again)
    assert out["updated"] == 1 and out["imported"] == 0 and out["new_people"] == 0
    assert row(db_path, "rich@caltech.edu")[:2] == ("Richard P. Feynman", "Caltech")


def test_rename_renames_and_undo_puts_the_name_back(crb: Crb, tmp_path: Path, db_path: Path
                                                    ) -> None:
    from crb_tui.clock import today
    from crb_tui.store import Store, actions, tables
    from crb_tui.store import undo as rows

    summary(crb, cards(tmp_path / "a.vcf", BO.format(name="Bo Berg", more="")))
    out = crb.json("rename", "Bo Berg", "Bo", "Berg-Lind")
    assert out == {"ok": True, "person_id": 1, "name": "Bo Berg-Lind", "was": "Bo Berg"}
    assert "Bo Berg-Lind" in crb("people", "--search", "lind").stdout
    assert "Bo Berg-Lind is now Bo Lind (id 1)." in crb("rename", "1", "Bo", " Lind").stdout
    result = crb("rename", "1", " ", status=1)
    assert "a name cannot be empty" in result.stderr
    assert row(db_path, "bo@berg.example")[0] == "Bo Lind"
    with sqlite3.connect(db_path) as conn:
        history = conn.execute("select action, detail from review_history").fetchall()
    assert [(a, json.loads(d)["name"]) for a, d in history] == [
        ("rename", "Bo Berg-Lind"), ("rename", "Bo Lind")]
    # What the app's undo does with the rows it took before an action.
    store = Store.open(db_path)
    try:
        before = rows.snapshot(store, tables.PEOPLE, "id", 1)
        actions.rename(store, 1, "Someone Else", today=today())
        rows.take_back(store, [], before, [])
        assert store.person(1)["name"] == "Bo Lind"
    finally:
        store.close()
