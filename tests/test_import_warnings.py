"""Bad values inside otherwise good files, through the real ``crb import``: what is stored and
the one line that says what was wrong (third trial's T5, T6, T7, T8)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import Crb, rows

MBOX = "mbox/perceval/mbox_single.mbox"
"""One real message, from goran@domain.com (Göran Lastname) on 2010-12-01."""


def edited(corpus: Path, tmp_path: Path, name: str, *changes: tuple[bytes, bytes]) -> Path:
    """The corpus message with header lines replaced (old, new), written to tmp_path/name."""
    data = (corpus / MBOX).read_bytes()
    for old, new in changes:
        assert old in data
        data = data.replace(old, new, 1)
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_name_in_bytes_that_are_not_its_charset_falls_back_to_the_address(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    # Mail of mine to them (so that they become a person).
    path = edited(corpus, tmp_path, "broken-name.mbox", (
        b"From: goran at domain.com (=?ISO-8859-1?Q?G=F6ran_Lastname?=)",
        b"From: me@example.com\nTo: =?utf-8?B?////?= <goran@domain.com>",
    ))
    crb("import", str(path))
    assert rows(crb.db, "select name from people") == [("goran@domain.com",)]
    # A Latin-1 name labelled UTF-8 is still read as Latin-1 (the charset lies, the text is fine).
    path = edited(corpus, tmp_path, "latin.mbox", (
        b"From: goran at domain.com (=?ISO-8859-1?Q?G=F6ran_Lastname?=)",
        b"From: me@example.com\nTo: =?utf-8?Q?G=F6ran_Lastname?= <other@domain.com>",
    ), (b"Message-ID: <4CF64D10", b"Message-ID: <other"))
    crb("import", str(path))
    assert ("Göran Lastname",) in rows(crb.db, "select name from people")


def test_a_birthday_that_is_no_date_is_kept_as_a_detail_and_said(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    card = (corpus / "vcf/ez-vcard/gmail-single.vcf").read_text(encoding="utf-8")
    path = tmp_path / "greg.vcf"
    path.write_text(card.replace("BDAY:1960-09-10", "BDAY:1990-02-30")
                    .replace("X-ABDATE:1970-06-02", "X-ABDATE:1970-13-02"), encoding="utf-8")
    out = crb("import", str(path)).stdout
    assert f"warning: {path} card 1: BDAY 1990-02-30 is not a date: kept as a detail" in out
    assert f"warning: {path} card 1: X-ABDATE 1970-13-02 is not a date: kept as a detail" in out
    assert rows(crb.db, "select birthday, json_extract(details, '$.birthday'), "
                "json_extract(details, '$.anniversary') from people") == [
        (None, "1990-02-30", "1970-13-02")]
    # The file as it is: dates that are dates, no warning.
    clean = tmp_path / "clean.vcf"
    clean.write_text(card, encoding="utf-8")
    out = crb("import", str(clean)).stdout
    assert "warning" not in out
    assert rows(crb.db, "select birthday from people") == [("1960-09-10",)]


def test_a_csv_birthday_that_is_no_date_is_said_not_dropped(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    import csv

    source = corpus / "csv/google/mtrazzi_google_contacts_legacy.csv"
    table = list(csv.reader(source.open(encoding="utf-8", newline="")))
    table[1][table[0].index("Birthday")] = "1990-02-30"
    path = tmp_path / "google.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)
    out = crb("import", str(path)).stdout
    assert f"warning: {path}:2: Birthday 1990-02-30 is not a date: kept as a detail" in out
    assert rows(crb.db, "select birthday, json_extract(details, '$.birthday') from people "
                "where name = 'Richard Feynman'") == [(None, "1990-02-30")]


@pytest.mark.parametrize(("date", "why"), [
    ("Mon, 2 Nov 2099 16:00:00 +0000",
     "Date header 2099-11-02 is more than a day after its delivery date (a wrong clock)"),
    # Trial 8 V5: ``Date: ... 0001`` was read as the two-digit year 01 (2001), silently.
    ("Mon, 01 Jan 0001 10:00:00 +0000",
     "Date header year 0001 is out of range (years 1971 to 2200; a wrong clock)"),
], ids=["year-2099", "year-0001"])
def test_a_date_from_a_wrong_clock_is_replaced_by_the_delivery_date_and_said(
    crb: Crb, corpus: Path, tmp_path: Path, date: str, why: str
) -> None:
    path = edited(corpus, tmp_path, "wrong-clock.mbox", (
        b"Date: Wed, 01 Dec 2010 14:26:40 +0100", f"Date: {date}".encode()))
    out = crb("import", str(path)).stdout
    assert f"warning: {path}:1: {why}: dated 2010-12-01, the delivery date, instead" in out
    assert rows(crb.db, "select at from interactions") == [("2010-12-01T08:26:40+00:00",)]


def test_a_calendar_event_in_year_0001_is_rejected_not_a_touch(
    crb: Crb, tmp_path: Path
) -> None:
    path = tmp_path / "odd.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u2\r\n"
        "DTSTART:00010101T100000Z\r\nDTEND:00010101T110000Z\r\nSUMMARY:Year one\r\n"
        "ORGANIZER:mailto:me@example.com\r\nATTENDEE;CN=Ancient:mailto:ancient@example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    result = crb("import", str(path), status=3)
    assert (f"{path} event u2: event date 0001-01-01 is out of range (dates from 1900-01-01 to "
            "2200-12-31)") in result.stdout + result.stderr
    assert rows(crb.db, "select count(*) from interactions") == [(0,)]


def test_unusable_addresses_on_a_contact_are_said_and_kept_as_a_detail(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    """Trial 8 V15: a card's addresses that no mail reaches vanished without a word."""
    card = tmp_path / "badmail.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad Mail\r\nEMAIL:not-an-email\r\n"
                    "EMAIL:laszlo.@gmail.com\r\nTEL:+1 555 0100\r\nEND:VCARD\r\n")
    out = crb("import", str(card)).stdout
    for value in ("not-an-email", "laszlo.@gmail.com"):
        assert (f"warning: {card} card 1: '{value}' is not an e-mail address CRB can use: "
                "kept as a detail") in out
    shown = crb.json("show", "Bad Mail")
    assert shown["details"] == {  # type: ignore[index]
        "unusable e-mail": "not-an-email; laszlo.@gmail.com"}
    thunderbird = corpus / "csv" / "thunderbird" / "export.csv"
    out = crb("import", str(thunderbird)).stdout
    assert (f"warning: {thunderbird}:2: 'contact1@invalid' is not an e-mail address CRB can use: "
            "kept as a detail") in out
    assert crb.json("show", "contact number one")["details"] == {  # type: ignore[index]
        "unusable e-mail": "contact1@invalid"}


CLASS_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Property|Warning)\b")
"""An exception's class name (``ValueError``, ``BrokenCalendarProperty``) in a line for users."""


def test_reasons_are_in_the_files_words_never_a_parsers_class_name(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    event = (corpus / "ics/biweekly/rfc5545-example1.ics").read_text(encoding="utf-8")
    bad = tmp_path / "bad.ics"
    event = event.replace("ORGANIZER:mailto:jsmith@example.com",
                          "ORGANIZER:mailto:me@example.com\nATTENDEE:mailto:jsmith@example.com")
    bad.write_text(re.sub(r"DTSTART[^\r\n]*", "DTSTART:2026-13-45T99", event, count=1),
                   encoding="utf-8")
    out = crb("import", str(bad), str(corpus / "ics"), status=3).stdout
    assert re.search(r"bad\.ics event \S+: broken event: DTSTART 2026-13-45T99 is not a date\n",
                     out), out
    assert "invalid_tzoffset.ics:3: broken VTIMEZONE 'Europe/Berlin': Offset must be" in out
    assert not CLASS_NAME.search(out), out

    # Random bytes named .csv: said in a few words, not printed whole.
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 2)
    out = crb("import", "--format", "google-csv", str(binary), status=3).stdout
    assert f"{binary}:1: not a Google Contacts CSV: the first row is not text (a binary " \
        "file?)" in out
    out = crb("import", "--format", "csv", str(binary), status=3).stdout
    assert f"{binary}:1: the first row is not text (a binary file?)" in out
    # Another program's CSV: its header cut to 40 characters.
    other = corpus / "csv/thunderbird/export.csv"
    out = crb("import", "--format", "google-csv", str(other), status=3).stdout
    assert (f"{other}:1: not a Google Contacts CSV: the header row is 'First Name,Last Name,"
            "Display Name,Nickna...'") in out


def test_a_setting_that_should_be_a_list_says_how_to_write_it(crb: Crb) -> None:
    with crb.config.open("a", encoding="utf-8") as fh:
        fh.write('[sources.imap]\nhost = "127.0.0.1"\nuser = "a"\nfolders = "INBOX"\n')
    result = crb("sync", "imap", ok=False)
    assert result.exit_code == 1
    assert (f'crb: error: imap: {crb.config}: sources.imap.folders should be a list, not '
            '"INBOX": write ["INBOX"]') in result.stderr
    assert not CLASS_NAME.search(result.output)
