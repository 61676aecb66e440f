"""A locale whose encoding is not UTF-8 (ISO-8859-1), and no terminal at all, through the real
``crb`` console script:
every command that printed a name the encoding lacks (or CRB's own typographic quotes) ended
with "unexpected error: 'latin-1' codec can't encode ..." and printed nothing, JSON included,
and the app drew its boxes as ``\\u2502`` (trial 14 F3). Text now shows what the encoding can
(``?`` for the rest), JSON and the export lose nothing, and the app says what to do."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TODAY, Crb

CRB = Path(sys.executable).with_name("crb")
NAMES = ("Zoë Ångström", "Łukasz Wójcik", "王芳")


def run(crb: Crb, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(CRB), "--db", str(crb.db), "--config", str(crb.config), *args],
        capture_output=True, timeout=60,
        env={**os.environ, "CRB_TODAY": TODAY.isoformat(), **env})


@pytest.fixture
def named(crb: Crb, tmp_path: Path) -> Crb:
    cards = tmp_path / "people.vcf"
    cards.write_text("".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEMAIL:p{n}@example.org\r\nEND:VCARD\r\n"
        for n, name in enumerate(NAMES)), encoding="utf-8")
    crb("import", str(cards))
    return crb


def test_text_output_shows_what_a_latin_1_output_can(named: Crb) -> None:
    result = run(named, "people", PYTHONIOENCODING="latin-1")
    assert result.returncode == 0, result.stderr
    shown = result.stdout.decode("latin-1")
    assert "Zoë Ångström" in shown  # (what Latin-1 has is shown as it is)
    assert "?ukasz Wójcik" in shown and "??" in shown
    assert result.stderr == b""


def test_json_and_the_export_lose_nothing_in_a_latin_1_locale(named: Crb) -> None:
    people = run(named, "people", "--json", PYTHONIOENCODING="latin-1")
    assert people.returncode == 0, people.stderr
    assert people.stdout.isascii()  # (escaped: \u00eb)
    assert {p["name"] for p in json.loads(people.stdout)["people"]} == set(NAMES)
    export = run(named, "export", PYTHONIOENCODING="latin-1")
    assert export.returncode == 0, export.stderr
    assert {p["name"] for p in json.loads(export.stdout)["tables"]["people"]} == set(NAMES)
    table = run(named, "export", "--format", "csv", PYTHONIOENCODING="latin-1")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout.decode("utf-8"))))
    assert {row["name"] for row in rows} == set(NAMES)


def test_the_app_in_a_latin_1_locale_says_what_to_do(crb: Crb) -> None:
    crb.create_db()
    result = run(crb, PYTHONIOENCODING="latin-1")
    assert result.returncode == 1
    assert result.stderr.decode("latin-1") == (
        "crb: error: the terminal's encoding is iso8859-1, not UTF-8: the app cannot draw in it "
        "(run it in a UTF-8 locale: LANG=C.UTF-8 crb)\n")


def test_arguments_the_c_locale_cannot_decode_are_read_as_utf8(named: Crb) -> None:
    result = run(named, "people", "--search", "王", "--json", LC_ALL="C", PYTHONUTF8="0")
    assert result.returncode == 0, result.stderr
    assert [p["name"] for p in json.loads(result.stdout)["people"]] == ["王芳"]


@pytest.mark.parametrize("stdin", ["devnull", "pipe"])
def test_the_app_without_a_terminal_says_so_and_ends(crb: Crb, stdin: str) -> None:
    """Trial 14 F21: `crb` alone from cron or a script (no terminal) started the full-screen
    app anyway, wrote escape codes into the log and waited for keys for ever."""
    crb.create_db()
    result = subprocess.run(
        [str(CRB), "--db", str(crb.db), "--config", str(crb.config)],
        **({"stdin": subprocess.DEVNULL} if stdin == "devnull" else {"input": b"\n"}),
        capture_output=True, timeout=60, env={**os.environ, "CRB_TODAY": TODAY.isoformat()})
    assert result.returncode == 1
    assert result.stderr.decode() == (
        "crb: error: the app needs a terminal (standard input and output are not one); without "
        "one, `crb review` prints today's review (`crb --help`: every command)\n")
    assert result.stdout == b""


def test_utf8_typed_under_a_latin_1_locale_is_stored_as_typed(named: Crb, tmp_path: Path) -> None:
    """Trial 15 F10: an ISO-8859-1 locale over SSH from a UTF-8 terminal stored a note typed
    in Malayalam as "à´<U+0095>..." for good. Arguments whose bytes are UTF-8 are UTF-8; text
    typed in Latin-1 (not UTF-8) is read as the locale says."""
    import shutil
    import sqlite3

    if shutil.which("localedef") is None:
        pytest.skip("no localedef to make an ISO-8859-1 locale")
    (tmp_path / "loc").mkdir()
    made = subprocess.run(["localedef", "-i", "en_US", "-f", "ISO-8859-1",
                           str(tmp_path / "loc" / "en_US.ISO-8859-1")], capture_output=True)
    if not (tmp_path / "loc" / "en_US.ISO-8859-1").exists():
        pytest.skip(f"localedef failed: {made.stderr!r}")
    env = {**os.environ, "CRB_TODAY": TODAY.isoformat(), "LOCPATH": str(tmp_path / "loc"),
           "LC_ALL": "en_US.ISO-8859-1"}
    env.pop("PYTHONUTF8", None)
    for note in ("കുമാർ met — “quoted”".encode(), "café con José".encode("latin-1")):
        result = subprocess.run(
            [str(CRB).encode(), b"--db", bytes(named.db), b"--config", bytes(named.config),
             b"log", b"p0@example.org", b"--kind", b"note", b"--note", note],
            capture_output=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
    with sqlite3.connect(named.db) as conn:
        notes = [row[0] for row in conn.execute(
            "select subject from interactions where kind = 'note' order by id")]
    assert notes == ["കുമാർ met — “quoted”", "café con José"]


def test_malayalam_chillu_in_either_spelling_finds_the_person(crb: Crb, tmp_path: Path) -> None:
    """Trial 15 F8: a name stored in the older chillu spelling (virama + ZWJ, as many phones
    and address books write it) was not found when typed with today's single chillu letters,
    nor the other way round (Unicode does not equate them)."""
    cards = tmp_path / "ml.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:അരുണ്\u200d കുമാര്\u200d\r\n"
                     "EMAIL:arun@x.example\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\n"
                     "FN:സ്വാതി നായർ\r\nEMAIL:swathi@x.example\r\nEND:VCARD\r\n", encoding="utf-8")
    crb("import", str(cards))
    for typed, found in (("അരുൺ", "arun@x.example"), ("കുമാർ", "arun@x.example"),
                         ("അരുണ്\u200d", "arun@x.example"), ("നായര്\u200d", "swathi@x.example")):
        (person,) = crb.json("people", "--search", typed)["people"]
        assert crb.json("show", str(person["id"]))["identities"][0]["value"] == found, typed
