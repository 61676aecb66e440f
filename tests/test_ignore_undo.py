"""Trial 12 T12: `crb ignore` could not be taken back. `crb ignore --undo`, `crb ignore --list`,
the people an ignore archives named, and `crb archive --undo` saying what is still ignored;
all through the real `crb` against a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crb_tui.identity import NoiseRules

from .conftest import Crb


def _mbox(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """An mbox of one message per ``(from, to, message id)``."""
    path.write_text("\n".join(
        f"From x Mon Jan  5 10:00:00 2026\nFrom: {frm}\nTo: {to}\nSubject: hi\n"
        f"Message-ID: <{mid}@x>\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n\nbody\n"
        for frm, to, mid in rows), encoding="utf-8")
    return path


def _people(crb: Crb, tmp_path: Path) -> None:
    """Arnold Smith (1, key, at gmail.com), John Doe (2: a work address and one at gmail.com),
    Kim (3, gmail.com) and Lee (4, ok.org), each from mail the user sent them."""
    _mbox(tmp_path / "sent.mbox", [
        ("me@example.com", "Arnold Smith <asmithk@gmail.com>", "s1"),
        ("me@example.com", "John Doe <john.doe@ibm.com>", "s2"),
        ("me@example.com", "Kim <kim@gmail.com>", "s3"),
        ("me@example.com", "Lee <lee@ok.org>", "s4"),
        ("me@example.com", "Johnny <jdoe77@gmail.com>", "s5"),
    ])
    crb("import", str(tmp_path / "sent.mbox"))
    crb("merge", "2", "5")
    crb("tier", "1", "key")


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_domain_ignored_and_taken_back(crb: Crb, tmp_path: Path) -> None:
    _people(crb, tmp_path)
    # The ignore names whom it archives: a key person archived by a domain is visible.
    said = crb("ignore", "@gmail.com").stdout
    assert said.startswith("Ignoring @gmail.com; archived 3: Arnold Smith (id 1), "
                           "John Doe (id 2), Kim (id 3)"), said
    assert "`crb ignore --undo @gmail.com`" in said
    assert _rows(crb.db, "select id from people where archived = 1 order by id") == [
        (1,), (2,), (3,)]
    arnold = _mbox(tmp_path / "arnold.mbox",
                   [("Arnold Smith <asmithk@gmail.com>", "me@example.com", "a1")])
    before = crb.json("import", str(arnold))["sources"][0]  # type: ignore[index]
    assert before["imported"] == 0 and before["skipped"] == {"blocklist": 1}
    # Restoring him from the archive says his mail is still skipped, and what lets it in.
    said = crb("archive", "--undo", "1").stdout
    assert said == ("Arnold Smith restored; their address asmithk@gmail.com is still ignored "
                    "(mail from it is skipped): `crb ignore --undo @gmail.com`.\n")
    # His address is not ignored itself: the one line names the domain that is (exit 1).
    refused = crb("ignore", "--undo", "asmithk@gmail.com", status=1)
    assert "@gmail.com is: `crb ignore --undo @gmail.com`" in refused.stderr
    out = crb.json("ignore", "--undo", "@gmail.com")
    assert out == {"ok": True, "unignored": [{"kind": "domain", "value": "gmail.com"}],
                   "archived": [2, 3], "still_ignored": []}
    assert _rows(crb.db, "select count(*) from ignored") == [(0,)]
    # Nobody is brought back from the archive by it.
    assert _rows(crb.db, "select id from people where archived = 1 order by id") == [(2,), (3,)]
    after = crb.json("import", str(arnold))["sources"][0]  # type: ignore[index]
    assert after["imported"] == 1 and after["skipped"] == {}
    assert _rows(crb.db, "select person_id from interactions where source_key like '%a1@x%'") \
        == [(1,)]
    # Not ignored any more: said so, exit 1.
    again = crb("ignore", "--undo", "@gmail.com", status=1)
    assert "@gmail.com is not ignored (`crb ignore --list` shows what is)" in again.stderr


def test_taking_back_names_who_stays_archived(crb: Crb, tmp_path: Path) -> None:
    _people(crb, tmp_path)
    crb("ignore", "@gmail.com")
    said = crb("ignore", "--undo", "@gmail.com").stdout
    assert said == ("Stopped ignoring @gmail.com: its mail is stored again from the next import "
                    "or sync; still archived: Arnold Smith (id 1), John Doe (id 2), Kim (id 3) "
                    "(`crb archive --undo ID` brings one back).\n")
    assert crb("archive", "--undo", "2").stdout == "John Doe restored.\n"
    assert crb.json("archive", "--undo", "3")["still_ignored"] == []  # type: ignore[index]


def test_an_address_and_a_person_taken_back(crb: Crb, tmp_path: Path) -> None:
    _people(crb, tmp_path)
    assert "archived 1: Lee (id 4) (`crb ignore --undo lee@ok.org` takes it back)." in crb(
        "ignore", "lee@ok.org").stdout
    assert crb.json("ignore", "John Doe") == {
        "ok": True, "archived": [2], "ignored": [
            {"kind": "email", "value": "john.doe@ibm.com"},
            {"kind": "email", "value": "jdoe77@gmail.com"}]}
    archived = crb.json("archive", "--undo", "2")
    assert archived["still_ignored"] == [  # type: ignore[index]
        {"address": "john.doe@ibm.com", "by": "john.doe@ibm.com"},
        {"address": "jdoe77@gmail.com", "by": "jdoe77@gmail.com"}]
    crb("archive", "2")
    # A person as `crb ignore` takes them: every address of theirs that is ignored.
    out = crb.json("ignore", "--undo", "John Doe")
    assert out["unignored"] == [  # type: ignore[index]
        {"kind": "email", "value": "john.doe@ibm.com"},
        {"kind": "email", "value": "jdoe77@gmail.com"}]
    assert out["archived"] == [2]  # type: ignore[index]
    said = crb("ignore", "--undo", "lee@ok.org").stdout
    assert said.startswith("Stopped ignoring lee@ok.org: its mail is stored again")
    assert "still archived: Lee (id 4)" in said
    assert _rows(crb.db, "select count(*) from ignored") == [(0,)]
    mail = _mbox(tmp_path / "back.mbox", [("Lee <lee@ok.org>", "me@example.com", "b1"),
                                          ("John <john.doe@ibm.com>", "me@example.com", "b2")])
    assert crb.json("import", str(mail))["sources"][0]["imported"] == 2  # type: ignore[index]


def test_an_ignore_names_a_few_then_how_many_more(crb: Crb, tmp_path: Path) -> None:
    _mbox(tmp_path / "sent.mbox", [
        ("me@example.com", f"P{n} <p{n}@many.example>", f"m{n}") for n in range(1, 7)])
    crb("import", str(tmp_path / "sent.mbox"))
    out = crb("ignore", "@many.example").stdout
    assert "archived 6: P1 (id 1), P2 (id 2), P3 (id 3) and 3 more (" in out
    assert crb.json("ignore", "@many.example")["archived"] == [1, 2, 3, 4, 5, 6]  # type: ignore[index]


def test_the_list_of_what_is_ignored(crb: Crb, tmp_path: Path, config_file: Path) -> None:
    crb.create_db()
    assert crb("ignore").stdout == "Nothing is ignored.\n"
    assert crb.json("ignore", "--list") == {"ignored": [], "blocklist": []}
    config_file.write_text(config_file.read_text() + '[identity]\nblocklist = ["@spam.example"]\n')
    crb("ignore", "chrisy55d@yahoo.com")
    crb.today = crb.today.replace(day=25)
    crb("ignore", "@gmail.com")
    assert crb("ignore", "--list").stdout == (
        "email  chrisy55d@yahoo.com  since 2026-11-23\n"
        "domain @gmail.com           since 2026-11-25\n"
        "config @spam.example  ([identity] blocklist)\n")
    listed = crb.json("ignore")
    assert [(r["kind"], r["value"], r["created"][:10]) for r in listed["ignored"]] == [  # type: ignore[index]
        ("email", "chrisy55d@yahoo.com", "2026-11-23"), ("domain", "gmail.com", "2026-11-25")]
    assert listed["blocklist"] == ["@spam.example"]  # type: ignore[index]
    # The config's blocklist is changed in the config, and the error says so.
    refused = crb("ignore", "--undo", "@spam.example", status=1)
    assert "@spam.example is in the config's [identity] blocklist" in refused.stderr
    refused = crb("ignore", "--undo", "x@mail.spam.example", status=1)
    assert "is skipped by @spam.example in the config's" in refused.stderr


def test_usage_errors(crb: Crb) -> None:
    crb.create_db()
    assert "--undo needs the TARGET" in crb("ignore", "--undo", status=1).stderr
    assert "--list takes no TARGET" in crb("ignore", "--list", "a@b.com", status=1).stderr
    assert "not ignored" in crb("ignore", "--undo", "a@b.com", status=1).stderr


def test_the_entry_that_blocks_an_address() -> None:
    rules = NoiseRules(blocklist=["@spam.example", "bo@ok.org"])
    rules.block("domain", "gmail.com")
    assert rules.blocked_by("x@mail.spam.example") == "@spam.example"
    assert rules.blocked_by("x@spam.example") == "@spam.example"
    assert rules.blocked_by("x@notspam.example") is None
    assert rules.blocked_by("bo@ok.org") == "bo@ok.org"
    assert rules.blocked_by("a@gmail.com") == "@gmail.com"
    assert rules.configured("@spam.example") and not rules.configured("@gmail.com")
    assert rules.reason("email", "x@mail.spam.example") == "blocklist"


def test_a_store_open_all_day_follows_the_ignores_of_other_processes(
    crb: Crb, tmp_path: Path, config_file: Path
) -> None:
    """The app's store read the ignore list once, when it opened: its syncs went on skipping an
    address `crb ignore --undo` had let in (and storing one `crb ignore` had just ignored)."""
    from crb_tui.host.app_context import AppContext

    _people(crb, tmp_path)
    crb("ignore", "@gmail.com")
    app = AppContext(db_path=crb.db, config_path=config_file)
    try:
        app.load_plugins()
        arnold = _mbox(tmp_path / "arnold.mbox",
                       [("Arnold Smith <asmithk@gmail.com>", "me@example.com", "a1")])
        assert app.sync(["mbox"], paths=[arnold])[0].skipped == {"blocklist": 1}
        crb("ignore", "--undo", "@gmail.com")
        crb("ignore", "lee@ok.org")
        lee = _mbox(tmp_path / "lee.mbox", [("Lee <lee@ok.org>", "me@example.com", "l1")])
        assert app.sync(["mbox"], paths=[arnold])[0].imported == 1
        assert app.sync(["mbox"], paths=[lee])[0].skipped == {"blocklist": 1}
    finally:
        app.close()
