"""What `crb import` and a file source's `paths` take, and how they are read (trial 9): folders
and globs in `paths`, content over a file's name, archives named, saved messages without a
date."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import CORPUS, Crb


def _configure(crb: Crb, section: str) -> None:
    with crb.config.open("a", encoding="utf-8") as fh:
        fh.write(section)


def test_a_folder_and_a_glob_in_paths_are_synced_like_an_import(crb: Crb, tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    shutil.copytree(CORPUS / "vcf" / "khard", cards / "khard")
    (cards / "notes.txt").write_text("not a card\n", encoding="utf-8")
    cals = tmp_path / "cals"
    shutil.copytree(CORPUS / "ics" / "khal", cals)
    _configure(crb, f'[sources.vcard]\npaths = ["{cards}"]\n'
                    f'[sources.ics]\npaths = ["{cals}/*.ics", "{tmp_path}/none/*.ics"]\n')
    synced = json.loads(crb("sync", "vcard", "--json", ok=False).stdout)
    imported = json.loads(crb("import", str(cards / "khard"), "--json", "--dry-run",
                              ok=False).stdout)
    mine, = [s for s in synced["sources"] if s["source"] == "vcard"]
    theirs, = [s for s in imported["sources"] if s["source"] == "vcard"]
    assert mine["seen"] == theirs["seen"] > 10
    assert mine["new_people"] > 10
    # the text file beside the cards is not the vCard source's business: not read, not rejected
    assert not any("notes.txt" in r["where"] for r in mine["rejected"])
    ics = json.loads(crb("sync", "ics", "--json", ok=False).stdout)
    cal, = [s for s in ics["sources"] if s["source"] == "ics"]
    reasons = {r["where"]: r["reason"] for r in cal["rejected"]}
    assert reasons[f"{tmp_path}/none/*.ics"] == "no file ics reads (ics) matches this pattern"
    assert not any("Is a directory" in r or "No such file" in r for r in reasons.values())
    assert cal["seen"] > len(reasons)


def test_content_decides_and_archives_are_named(crb: Crb, tmp_path: Path) -> None:
    """Trial 9 F8: an iCalendar file saved as .vcf was handed to the vCard reader ("no vCard
    in this file"); a Takeout .zip or an .mbox.gz was told to "give --format", which no
    format reads."""
    import gzip
    import zipfile

    misnamed = tmp_path / "misnamed.vcf"
    shutil.copy(CORPUS / "ics" / "khal" / "event_dt_simple.ics", misnamed)
    box = CORPUS / "mbox" / "perl-mail-box" / "mbox.src.mbox"
    (tmp_path / "mail.mbox.gz").write_bytes(gzip.compress(box.read_bytes()))
    with zipfile.ZipFile(tmp_path / "takeout.zip", "w") as z:
        z.write(box, "Takeout/Mail/All mail Including Spam and Trash.mbox")
    result = json.loads(crb("import", str(misnamed), str(tmp_path / "mail.mbox.gz"),
                            str(tmp_path / "takeout.zip"), "--json", ok=False).stdout)
    by_source = {s["source"]: s for s in result["sources"]}
    assert "ics" in by_source and "vcard" not in by_source
    reasons = {Path(r["where"]).name: r["reason"] for r in by_source["import"]["rejected"]}
    assert reasons == {
        "mail.mbox.gz": "a gzip-compressed file: unpack it and import what is in it "
                        "(crb import FOLDER)",
        "takeout.zip": "a zip archive: unpack it and import what is in it (crb import FOLDER)",
    }


def test_a_saved_message_without_a_date_is_dated_by_its_file(crb: Crb, tmp_path: Path) -> None:
    """Trial 9 F11: a .eml with no Date, or `Date: Whenever`, was rejected as "no usable
    date" though docs/cli.md promises a saved message is dated by its file, never rejected."""
    import os

    for n, date in enumerate(("", "Date: Whenever\n")):
        eml = tmp_path / f"nodate{n}.eml"
        eml.write_text(f"From: P{n} <p{n}@x.example>\nTo: Me <me@example.com>\n{date}"
                       f"Subject: hello\nMessage-ID: <nd{n}@x>\n\nhi\n", encoding="utf-8")
        os.utime(eml, (1_763_632_800, 1_763_632_800))  # 2025-11-20 10:00 UTC
    report = json.loads(crb("import", str(tmp_path / "nodate0.eml"),
                            str(tmp_path / "nodate1.eml"), "--json").stdout)
    mail, = report["sources"]
    assert mail["rejected"] == [] and mail["seen"] == 2
    assert sorted(w.split(": ", 1)[1] for w in mail["warnings"]) == [
        "Date header 'Whenever' is not a date: dated 2025-11-20, the file's time, instead",
        "no Date header: dated 2025-11-20, the file's time, instead",
    ]


def test_one_latin1_line_leaves_a_utf8_file_utf8(crb: Crb, tmp_path: Path) -> None:
    """Trial 9 F13: one card saved by an old tool (a Windows-1252 é) made the whole UTF-8
    file read as Windows-1252: every ë stored as Ã«, silently and for good. Each line is read
    in what it is, and the odd line is a warning naming it."""
    cards = b"".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Müller {i}\r\nEMAIL:z{i}@x.example"
                     "\r\nEND:VCARD\r\n".encode() for i in range(3))
    old = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Old Caf\xe9 card\r\nEMAIL:old@x.example\r\n"
           b"END:VCARD\r\n")
    vcf = tmp_path / "mostly.vcf"
    vcf.write_bytes(cards + old)
    csv_file = tmp_path / "mostly.csv"
    csv_file.write_bytes("Name,Email\nRenée Ødegård,r@x.example\n".encode()
                         + b"Jos\xe9,j@x.example\n")
    report = json.loads(crb("import", str(vcf), str(csv_file), "--json").stdout)
    warnings = [w for s in report["sources"] for w in s["warnings"]]
    assert f"{vcf}:18: not UTF-8 like the rest of the file" in " ".join(warnings)
    assert f"{csv_file}:3: not UTF-8" in " ".join(warnings)
    names = {p["name"] for p in crb.json("people", "--all")["people"]}  # type: ignore[index]
    assert {"Zoë Müller 0", "Old Café card", "Renée Ødegård", "José"} <= names


def test_a_csv_with_columns_crb_does_not_know_says_how_to_map_them(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 9 F18: a French CSV was "cannot tell what format this is; give --format", then
    "no name or e-mail column"; neither named --map, the option that works."""
    fr = tmp_path / "fr.csv"
    fr.write_text("Nom;Courriel;Société\nJean Dupont;jean@x.example;Acme\n", encoding="utf-8")
    out = crb("import", str(fr), status=3).stdout
    assert "give --format" not in out
    assert "say which with --map name=COLUMN --map email=COLUMN" in out
    crb("import", str(fr), "--map", "name=Nom", "--map", "email=Courriel", "--map", "org=Société")
    assert "Jean Dupont (Acme)" in crb("people").stdout
