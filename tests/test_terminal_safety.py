"""Untrusted text never carries control, C1, bidi-override or zero-width characters to a
terminal: not through the CLI's lines, not through CSV on a terminal, not through JSON, not
through the app; and what is stored keeps the original text."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import pty
import select
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crb_tui.host.app_context import AppContext
from crb_tui.text import CONTROL, UNSAFE, json_text, one_line, plain
from tests.conftest import Crb
from tests.test_tui import opened, screen_text, settle

# What a hostile address book can hold: ESC sequences (title, clear screen), BEL, BS, CR, a C1
# CSI, a right-to-left override, the four isolates and a zero-width space.
HOSTILE = (
    "\x1b]0;pwned\x07\x1b[2J\x08\r\x9b31m\u202eevil\u2066a\u2067b\u2068c\u2069\u200bz"
)


def _assert_clean(text: str) -> None:
    found = sorted({f"U+{ord(ch):04X}" for ch in UNSAFE.findall(text)})
    assert not found, f"unsafe characters reached the output: {found}"


@pytest.fixture
def hostile(crb: Crb, tmp_path: Path) -> None:
    """One person whose name, organisation, title and note carry every hostile character."""
    path = tmp_path / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Name", "Email", "Company", "Job Title", "Notes"])
        writer.writerow(["Ann" + HOSTILE, "ann@example.com", "Acme" + HOSTILE, HOSTILE,
                         "note " + HOSTILE])
    crb("import", str(path))


def _stored(crb: Crb, sql: str) -> str:
    conn = sqlite3.connect(crb.db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_plain_shows_every_unsafe_character_visibly() -> None:
    assert plain(HOSTILE) == (
        "^[]0;pwned^G^[[2J^H^M<U+009B>31m<U+202E>evil<U+2066>a<U+2067>b<U+2068>c<U+2069>"
        "<U+200B>z"
    )
    assert plain("a\tb\nc\x7f\ufeff\U000e0041", one_line=True) == "a b c^?<U+FEFF><U+E0041>"
    # Ordinary text, accents, CJK and emoji pass untouched.
    assert plain("Zoë 李 🚀 O'Neil") == "Zoë 李 🚀 O'Neil"


def test_one_rule_for_control_characters() -> None:
    """What importers turn into spaces in a one-line value (``CONTROL``) is what the screen
    shows visibly (``UNSAFE``), tab and newline aside: one list of control characters."""
    controls = {chr(c) for c in range(0x100) if CONTROL.match(chr(c))}
    shown = {chr(c) for c in range(0xA0) if UNSAFE.match(chr(c))}  # (then format characters)
    assert controls == shown == {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\t", "\n"}
    assert one_line("a\x1bb\x9bc\x00d\te", 20) == "a b c d e"


def test_stored_text_keeps_the_original(crb: Crb, hostile: None) -> None:
    name = _stored(crb, "select name from people")
    note = _stored(crb, "select text from notes")
    for ch in ("\x1b", "\x07", "\x08", "\x9b", "\u202e", "\u2066", "\u2069", "\u200b"):
        assert ch in name and ch in note, repr(ch)


def test_people_show_and_tier_print_nothing_unsafe(crb: Crb, hostile: None) -> None:
    out = crb("people").stdout
    _assert_clean(out)
    assert "Ann^[]0;pwned^G^[[2J^H" in out and "<U+202E>evil<U+2066>a" in out
    shown = crb("show", "ann@example.com").stdout
    _assert_clean(shown)
    assert "<U+009B>31m<U+202E>" in shown and "note ^[]0;pwned^G" in shown
    _assert_clean(crb("tier", "ann@example.com", "key").stdout)
    _assert_clean(crb("review").stdout)
    _assert_clean(crb("people", "--search", "ann").stdout)


def test_json_escapes_them_and_keeps_the_text(crb: Crb, hostile: None) -> None:
    for args in (("people",), ("show", "ann@example.com")):
        raw = crb(*args, "--json").stdout
        _assert_clean(raw)
        assert "\\u009b31m\\u202eevil\\u2066a" in raw
        data = json.loads(raw)
        person = data["people"][0] if "people" in data else data
        assert person["name"] == _stored(crb, "select name from people")


def test_json_export_is_escaped_and_lossless(crb: Crb, hostile: None, tmp_path: Path) -> None:
    raw = crb("export").stdout
    _assert_clean(raw)
    doc = json.loads(raw)
    assert doc["tables"]["people"][0]["name"] == _stored(crb, "select name from people")
    other = Crb(tmp_path / "restored.db", crb.config)
    path = tmp_path / "export.json"
    path.write_text(raw, encoding="utf-8")
    other("import", str(path))
    assert _stored(other, "select name from people") == _stored(crb, "select name from people")


def test_csv_export_to_a_pipe_keeps_the_text(crb: Crb, hostile: None) -> None:
    out = crb("export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["name"] == _stored(crb, "select name from people")


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """The real ``crb`` (a new process) with its standard output on a pseudo-terminal."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crb_tui", *args], stdout=follower, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, env=env,
    )
    os.close(follower)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower side closed (Linux reports EIO)
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(leader)
        proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return out


def test_csv_export_on_a_terminal_shows_them_visibly(crb: Crb, hostile: None) -> None:
    env = {**os.environ, "CRB_DB": str(crb.db), "CRB_CONFIG": str(crb.config)}
    out = _run_on_a_terminal(["export", "--format", "csv"], env).decode("utf-8")
    # (the terminal itself turns each newline into CR LF; no other control reaches it)
    _assert_clean(out.replace("\r\n", "\n").replace("\r", ""))
    assert "Ann^[]0;pwned^G^[[2J^H" in out and "<U+202E>evil" in out


def test_json_text_escapes_astral_format_characters_as_surrogates() -> None:
    raw = json_text({"tag": "flag\U000e0067\U000e0062", "nan": float("nan")})
    assert raw == '{"tag": "flag\\udb40\\udc67\\udb40\\udc62", "nan": null}'
    assert json.loads(raw)["tag"] == "flag\U000e0067\U000e0062"


def test_vcard_text_is_shown_safely(crb: Crb, tmp_path: Path) -> None:
    card = tmp_path / "evil.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo\x1b[31m\u202eRed\u200b\r\n"
        "EMAIL:bo@example.com\r\nORG:Evil\x9b2J\u2066Corp\u2069\r\n"
        "NOTE:likes\x07 \x08bells\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    crb("import", str(card))
    for args in (("people",), ("show", "bo@example.com")):
        out = crb(*args).stdout
        _assert_clean(out)
        assert "Bo^[[31m<U+202E>Red<U+200B>" in out
    _assert_clean(crb("show", "bo@example.com", "--json").stdout)


@pytest.mark.anyio
async def test_the_app_shows_them_visibly(
    crb: Crb, hostile: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crb_tui.tui.screens.people import PeopleScreen
    from crb_tui.tui.screens.person import PersonScreen

    monkeypatch.setenv("CRB_TODAY", crb.today.isoformat())
    context = AppContext(db_path=crb.db, config_path=crb.config)
    try:
        async with opened(context, "people", (160, 40)) as (app, pilot):
            assert isinstance(app.screen, PeopleScreen)
            text = screen_text(app)
            _assert_clean(text)
            assert "Ann^[]0;pwned^G" in text
            app.open_person(context.store.resolve_person("ann@example.com"))
            await settle(pilot)
            assert isinstance(app.screen, PersonScreen)
            text = screen_text(app)
            _assert_clean(text)
            assert "<U+202E>evil<U+2066>a" in text
    finally:
        context.close()


def test_warnings_and_log_lines_on_stderr_are_safe(
    crb: Crb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "bad\x1b[2J.py").write_text('raise RuntimeError("boom \\x1b]0;x\\x07 \\u202e")\n')
    crb.config.write_text(
        crb.config.read_text() + f'\n[plugins]\nplugins_dir = "{folder}"\n', encoding="utf-8"
    )
    crb.create_db()
    err = crb("people").stderr
    _assert_clean(err)
    assert "bad^[[2J.py" in err and "boom ^[]0;x^G <U+202E>" in err
    # A source's or plugin's warning through Python logging (no --debug: the last resort
    # handler writes it; pytest's own log capture stands in front of it here, so it is asked
    # directly).
    capsys.readouterr()
    assert logging.lastResort is not None
    logging.lastResort.handle(logging.LogRecord(
        "crb.test", logging.WARNING, __file__, 1, "calendar %s expired", (HOSTILE,), None))
    logged = capsys.readouterr().err
    _assert_clean(logged)
    assert "calendar ^[]0;pwned^G" in logged
    assert logged.startswith("crb: warning: calendar ")  # CRB's one form of a warning


def _restored_evil_export(crb: Crb, tmp_path: Path) -> Crb:
    """An export file is untrusted too: its tiers, kinds and dates are text like any other."""
    path = tmp_path / "c.csv"
    path.write_text("Name,Email\nAnn Lee,ann@example.com\n", encoding="utf-8")
    crb("import", str(path))
    crb("promise", "1", "Send it", "--due", "+3d")
    crb("log", "1", "--kind", "call")
    crb("goal", "1", "Hire")
    doc = json.loads(crb("export").stdout)
    tables = doc["tables"]
    tables["people"][0]["tier"] = "key\x1b[2J"
    tables["commitments"][0]["due"] = "2026-12-01\x1b]0;t\x07"
    tables["interactions"][0]["kind"] = "call\u202e"
    tables["interactions"][0]["direction"] = "in\x9b5m"
    tables["goals"][0]["confirmed_at"] = "2026\u2066-11-01"
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps(doc), encoding="utf-8")
    other = Crb(tmp_path / "other.db", crb.config)
    other("import", str(evil))
    return other


def test_every_field_of_a_restored_export_is_shown_safely(crb: Crb, tmp_path: Path) -> None:
    other = _restored_evil_export(crb, tmp_path)
    for args in (("people",), ("show", "1"), ("review",)):
        _assert_clean(other(*args).stdout)
    shown = other("show", "1").stdout
    assert "call<U+202E>" in shown and "(due 2026-12-01^[]0;t^G)" in shown


@pytest.mark.anyio
async def test_the_person_screen_shows_a_restored_exports_fields_safely(
    crb: Crb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crb_tui.tui.screens.person import PersonScreen

    other = _restored_evil_export(crb, tmp_path)
    monkeypatch.setenv("CRB_TODAY", crb.today.isoformat())
    context = AppContext(db_path=other.db, config_path=other.config)
    try:
        async with opened(context, "people", (160, 50)) as (app, pilot):
            app.open_person(1)
            await settle(pilot)
            assert isinstance(app.screen, PersonScreen)
            text = screen_text(app)
            _assert_clean(text)
            assert "tier key^[[2J" in text and "call<U+202E>" in text
    finally:
        context.close()


@pytest.mark.parametrize(("name", "shown"), [
    ("زهرا محمدی\u200cنژاد", "زهرا محمدی\u200cنژاد"),  # Persian's ZWNJ is spelling
    ("ශ්\u200dරී Perera", "ශ්\u200dරී Perera"),  # a Sinhala conjunct needs its ZWJ
    # Malayalam's chillu letters, spelt virama + ZWJ at the end of a word (trial 14 F20)
    ("അരുണ്\u200d കുമാര്\u200d", "അരുണ്\u200d കുമാര്\u200d"),
    ("a\u0301\u200d b", "a\u0301<U+200D> b"),  # (a mark that is no virama: still visible)
    ("👨\u200d👩\u200d👧 Family", "👨👩👧 Family"),  # an emoji sequence shown as its parts
    ("ad\u200cmin", "ad<U+200C>min"),  # nothing in Latin needs one: visible
    ("ann\u200d", "ann<U+200D>"), ("\u200cann", "<U+200C>ann"),
    ("ad\u200bmin", "ad<U+200B>min"), ("a\u202eb", "a<U+202E>b"),
])
def test_joiners_a_script_needs_are_shown_as_they_are(name: str, shown: str) -> None:
    """Trial 9 F2: a Persian address book read with ``<U+200C>`` inside every "-nejad"."""
    assert plain(name) == shown


def test_a_persian_name_is_listed_as_written(crb: Crb, tmp_path: Path) -> None:
    card = tmp_path / "fa.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:زهرا محمدی\u200cنژاد\r\n"
                    "EMAIL:zahra@x.example\r\nEND:VCARD\r\n", encoding="utf-8")
    crb("import", str(card))
    assert "زهرا محمدی\u200cنژاد" in crb("people", "--all").stdout
