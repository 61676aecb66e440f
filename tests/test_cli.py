"""The command line, run as a user runs it, against a real SQLite file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from .conftest import TODAY, Crb, rows


def seed(crb: Crb) -> None:
    crb("demo", "--people", "40", "--seed", "3")


def test_demo_then_people_and_show(crb: Crb) -> None:
    seed(crb)
    data = crb.json("people")
    assert data["count"] >= 35
    first = data["people"][0]
    assert {"id", "name", "organization", "stage", "health", "trust", "value", "last_touch"} <= set(
        first
    )
    shown = crb.json("show", str(first["id"]))
    assert shown["id"] == first["id"]
    assert {"warmth", "trust", "value", "health", "trend", "stage"} <= set(shown["health"])
    text = crb("show", str(first["id"])).stdout
    assert first["name"] in text


def test_people_search_and_sort(crb: Crb) -> None:
    seed(crb)
    everyone = crb.json("people")["people"]
    target = everyone[5]
    found = crb.json("people", "--search", target["name"].split()[0])["people"]
    assert target["id"] in {p["id"] for p in found}
    by_health = crb.json("people", "--sort", "health")["people"]
    values = [p["health"] for p in by_health if p["health"] is not None]
    assert values == sorted(values)


def test_actions_change_the_store(crb: Crb, db_path: Path) -> None:
    crb("import", str(_contacts(db_path.parent)))
    out = crb.json("promise", "ann@acme.com", "Send the proposal", "--due", "2026-11-27")
    cid = out["commitment_id"]
    crb("log", "ann@acme.com", "--kind", "call", "--note", "talked pricing")
    crb("value", "ann@acme.com", "--kind", "intro", "--given", "--note", "met Bo")
    crb("goal", "ann@acme.com", "Hire a CTO")
    crb("note", "ann@acme.com", "Wants monthly check-ins", "--their-words")
    crb("done", str(cid))
    crb("tier", "ann@acme.com", "key")
    crb("cadence", "ann@acme.com", "3w")
    crb("snooze", "ann@acme.com", "1w")
    conn = sqlite3.connect(db_path)
    q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
    assert q("select status from commitments") == [("kept",)]
    assert q("select kind, direction, subject from interactions where source = 'manual'") == [
        ("call", "mutual", "talked pricing")
    ]
    assert q("select kind, direction, note from value_moments") == [("intro", "given", "met Bo")]
    assert q("select text from goals") == [("Hire a CTO",)]
    assert q("select their_words from notes") == [(1,)]
    assert q("select tier, cadence_days, snoozed_until from people where name = 'Ann Lee'") == [
        ("key", 21, "2026-11-30")
    ]
    actions = [row[0] for row in q("select action from review_history order by id")]
    assert actions == [
        "promise",
        "log",
        "value",
        "goal",
        "note",
        "done",
        "tier",
        "cadence",
        "snooze",
    ]


def _contacts(folder: Path) -> Path:
    path = folder / "contacts.csv"
    path.write_text(
        "Name,Email,Company\nAnn Lee,ann@acme.com,Acme\nBo Chen,bo@beta.io,Beta\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "nobody-at-all"], "no person matches 'nobody-at-all'"),
        (["promise", "ann@acme.com", "x", "--due", "2020-01-01"], "in the past"),
        (["promise", "ann@acme.com", "x", "--due", "next blursday"], "is not a date"),
        (["cadence", "ann@acme.com", "0"], "days up to 3650, not 0"),
        (["tier", "ann@acme.com", "vip"], "Invalid value for 'TIER'"),
        (["done", "999"], "no commitment with id 999"),
        (["merge", "ann@acme.com"], "merge needs two people"),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(
    crb: Crb, db_path: Path, args: list[str], message: str
) -> None:
    crb("import", str(_contacts(db_path.parent)))
    before = crb("export").stdout
    result = crb(*args, ok=False)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert crb("export").stdout == before


def test_ambiguous_name(crb: Crb, db_path: Path) -> None:
    path = db_path.parent / "c.csv"
    path.write_text("Name,Email\nAnn Lee,a1@x.com\nAnn Moe,a2@x.com\n")
    crb("import", str(path))
    result = crb("show", "ann", ok=False)
    assert "matches several people" in result.stderr and "Ann Lee" in result.stderr


def test_export_import_roundtrip_is_lossless(crb: Crb, tmp_path: Path, config_file: Path) -> None:
    seed(crb)
    crb("merge", "1", "2")
    first = crb("export").stdout
    doc = json.loads(first)
    assert doc["format"] == "crb-export" and doc["tables"]["people"]
    export_file = tmp_path / "export.json"
    export_file.write_text(first, encoding="utf-8")
    other = Crb(tmp_path / "fresh.db", config_file)
    live = sum(1 for p in doc["tables"]["people"] if p["merged_into"] is None)
    dry = other.json("import", str(export_file), "--dry-run")["sources"][0]
    assert dry["new_people"] == live > 0
    restored = other("import", str(export_file)).stdout
    assert f"new people {live}\n" in restored  # (it said "new people 0")
    assert other("export").stdout == first
    # Restoring into a database that already holds data is refused and changes nothing.
    result = other("import", str(export_file), ok=False)
    assert "empty database only" in result.stderr
    assert other("export").stdout == first


def test_export_csv(crb: Crb) -> None:
    seed(crb)
    lines = crb("export", "--format", "csv").stdout.splitlines()
    assert lines[0].startswith("id,name,organization")
    assert len(lines) >= 36


def test_export_csv_quotes_formulas_for_spreadsheets_and_reads_back(
    crb: Crb, tmp_path: Path, config_file: Path
) -> None:
    """Trial finding: a name from a LinkedIn export reached the CSV export as `=cmd|...`, which
    a spreadsheet runs. Every cell a spreadsheet would take for a formula starts with `'`; the
    JSON export keeps the text as it is, and importing the CSV gives the names back."""
    path = tmp_path / "Connections.csv"
    path.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                    "=cmd|' /C calc'!A0,Evil,https://www.linkedin.com/in/evil,,+Corp,-Boss,"
                    "01 Jan 2020\n@SUM(1),Tab,,,X,Plain,02 Jan 2020\n", encoding="utf-8")
    crb("import", str(path))
    out = tmp_path / "people.csv"
    crb("export", "--format", "csv", "-o", str(out))
    for target in (out.read_text(encoding="utf-8"), crb("export", "--format", "csv").stdout):
        rows = list(csv.reader(io.StringIO(target)))
        assert [row[1:4] for row in rows[1:]] == [
            ["'=cmd|' /C calc'!A0 Evil", "'+Corp", "'-Boss"], ["'@SUM(1) Tab", "X", "Plain"]]
    tables = json.loads(crb("export").stdout)["tables"]
    assert {p["name"] for p in tables["people"]} == {"=cmd|' /C calc'!A0 Evil", "@SUM(1) Tab"}
    from crb_tui.store.export import spreadsheet_safe

    assert [spreadsheet_safe(t) for t in ("\tx", "\rx", "x=1", "")] == ["'\tx", "'\rx", "x=1", ""]
    again = Crb(tmp_path / "again.db", config_file)
    again("import", str(out))
    people = again.json("people")
    assert isinstance(people, dict)
    assert sorted((p["name"], p["organization"], p["title"]) for p in people["people"]) == [
        ("=cmd|' /C calc'!A0 Evil", "+Corp", "-Boss"), ("@SUM(1) Tab", "X", "Plain")]


def test_backup_is_a_working_copy(crb: Crb, tmp_path: Path, config_file: Path) -> None:
    seed(crb)
    target = tmp_path / "backup.db"
    crb("backup", str(target))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    copy = Crb(target, config_file)
    assert copy.json("people")["count"] == crb.json("people")["count"]
    assert "already exists" in crb("backup", str(target), ok=False).stderr


def test_merge_and_undo_from_the_cli(crb: Crb, db_path: Path) -> None:
    crb("import", str(_contacts(db_path.parent)))
    crb("log", "bo@beta.io", "--kind", "call")
    crb.json("merge", "ann@acme.com", "bo@beta.io")
    assert crb.json("people")["count"] == 1
    shown = crb.json("show", "bo@beta.io")
    assert shown["name"] == "Ann Lee" and shown["interaction_count"] == 1
    crb("merge", "--undo")
    assert crb.json("people")["count"] == 2
    assert crb.json("show", "bo@beta.io")["interaction_count"] == 1


def test_import_dry_run_and_idempotence(crb: Crb, db_path: Path) -> None:
    path = _contacts(db_path.parent)
    dry = crb.json("import", str(path), "--dry-run")
    assert dry["dry_run"] and dry["sources"][0]["imported"] == 2
    assert crb.json("people")["count"] == 0
    crb("import", str(path))
    again = crb.json("import", str(path))["sources"][0]
    assert again["imported"] == 0 and again["unchanged"] == 2
    assert crb.json("people")["count"] == 2


def test_import_reports_rejected_rows_with_file_and_line(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Name,Email\nAnn,ann@x.com\n,\n,not-an-email\nBo,bo@x.com\n")
    rejects = tmp_path / "rejects.jsonl"
    out = crb.json("import", str(path), "--rejects", str(rejects), status=3)["sources"][0]
    assert out["imported"] == 2
    assert out["skipped"] == {"blank row": 1}
    lines = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert [(x["source"], x["where"]) for x in lines] == [("csv", f"{path}:4")]
    assert "not-an-email" in lines[0]["reason"]
    assert out["rejected"] == [{"where": x["where"], "reason": x["reason"]} for x in lines]


def test_unreadable_or_unknown_file_is_a_rejected_record(crb: Crb, tmp_path: Path) -> None:
    out = crb("import", str(tmp_path / "missing.csv"), status=3).stdout
    assert f"{tmp_path / 'missing.csv'}: no such file or folder" in out
    weird = tmp_path / "blob.bin"
    weird.write_bytes(b"\x00\x01\x02")
    out = crb("import", str(weird), status=3).stdout
    assert f"{weird}: cannot tell what format this is; give --format" in out


def test_corrupt_database_is_a_clear_error(tmp_path: Path, config_file: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 100)
    result = Crb(bad, config_file)("people", ok=False)
    assert "not a SQLite database" in result.stderr and str(bad) in result.stderr
    assert bad.read_bytes() == b"garbage" * 100


def test_config_typo_is_a_clear_error(tmp_path: Path, db_path: Path) -> None:
    cfg = tmp_path / "typo.toml"
    cfg.write_text("[reveiw]\ndaily_limit = 3\n")
    result = Crb(db_path, cfg)("people", ok=False)
    assert "unknown setting 'reveiw'" in result.stderr and str(cfg) in result.stderr


def test_doctor(crb: Crb) -> None:
    seed(crb)
    data = json.loads(crb("doctor", "--json").stdout)
    assert data["ok"], data
    names = {c["check"] for c in data["checks"]}
    assert {"config", "database", "journal", "plugins", "database permissions"} <= names


def test_doctor_flags_loose_permissions(crb: Crb, db_path: Path) -> None:
    seed(crb)
    os.chmod(db_path, 0o644)
    result = crb("doctor", "--json", ok=False)
    data = json.loads(result.stdout)
    failing = [c for c in data["checks"] if not c["ok"]]
    assert failing and "chmod 600" in failing[0]["detail"]


def test_review_on_demo_data(crb: Crb) -> None:
    seed(crb)
    data = crb.json("review")
    # Today's meetings and birthdays have places of their own beyond the day's 12.
    bound = [i for i in data["items"] if i["kind"] == "meeting" or "Birthday today" in
             [i["reason"], *i["also"]] or any(a.startswith("Meeting today") for a in i["also"])]
    assert data["date"] == "2026-11-23" and 0 < data["count"] - len(bound) <= 12
    priorities = [i["priority"] for i in data["items"]]
    assert priorities == sorted(priorities, reverse=True)
    assert all(i["reason"] and i["person"]["name"] for i in data["items"])


def test_untrusted_text_is_printed_literally(crb: Crb, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('Name,Email\n"Evil\x1b[2J\x1b]0;pwned\x07",evil@x.com\n')
    crb("import", str(path))
    out = crb("people").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil^[[2J" in out


@pytest.mark.parametrize("command", [["people"], ["show", "ann"], ["review"], ["export"],
                                     ["backup", "b.db"]])
def test_reading_a_database_that_does_not_exist_is_an_error(
    crb: Crb, tmp_path: Path, command: list[str]
) -> None:
    """Trial finding: a mistyped --db made folders and an empty database, and `crb people` said
    "No people." with exit 0."""
    for missing in (tmp_path / "typo.db", tmp_path / "no" / "dir" / "x.db"):
        result = Crb(missing, crb.config)(*command, status=1)
        assert result.stderr == (
            f"crb: error: no database at {missing}: check --db / CRB_DB (`crb import FILE` "
            "starts one with your own data, `crb demo` fills one with example data)\n")
        assert result.stdout == ""
        assert not missing.exists() and not (tmp_path / "no").exists()


def test_writing_commands_create_the_database_but_never_its_folder(
    crb: Crb, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("Name,Email\nAnn Lee,ann@acme.com\n", encoding="utf-8")
    missing = tmp_path / "no" / "dir" / "x.db"
    result = Crb(missing, crb.config)("import", str(path), status=1)
    assert result.stderr.startswith(f"crb: error: {missing.parent} does not exist (for the "
                                    "database x.db)")
    assert not (tmp_path / "no").exists()
    crb("import", str(path))
    assert stat.S_IMODE(crb.db.stat().st_mode) == 0o600
    assert "Ann Lee" in crb("people").stdout


def test_console_script_errors_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "CRB_DB": str(tmp_path / "x.db"), "XDG_CONFIG_HOME": str(tmp_path)}
    Crb(tmp_path / "x.db", tmp_path / "config.toml").create_db()
    proc = subprocess.run(
        [sys.executable, "-m", "crb_tui", "show", "ghost"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == "crb: error: no person matches 'ghost'"


def test_people_ids_and_rows_page_like_the_list(crb: Crb, db_path: Path, config_file: Path) -> None:
    from crb_tui.host.app_context import AppContext
    from crb_tui.store.queries import list_people, people_ids, people_rows

    seed(crb)
    app = AppContext(db_path=db_path, config_path=config_file)
    for sort in ("name", "health", "last_touch", "overdue"):
        rows = list_people(app.store, sort=sort)
        ids = people_ids(app.store, sort=sort)
        assert ids == [r["id"] for r in rows]
        assert people_rows(app.store, ids[10:20]) == rows[10:20]
    assert people_ids(app.store, search="zzzz-nobody") == []
    app.close()


def test_review_puts_commitments_first(crb: Crb, db_path: Path) -> None:
    crb("import", str(_contacts(db_path.parent)))
    crb("tier", "bo@beta.io", "key")
    crb("log", "bo@beta.io", "--kind", "call", "--at", "2025-01-01")
    crb("promise", "ann@acme.com", "Send the deck", "--due", "today")
    # Acting today takes a person out of today's queue: look at tomorrow's.
    items = crb.json("review", "--date", "2026-11-24")["items"]
    kinds = [i["kind"] for i in items]
    assert kinds[0] == "commitment" and "past_cadence" in kinds


def test_ignore_an_address_a_domain_or_a_person(crb: Crb, tmp_path: Path) -> None:
    mbox = tmp_path / "mail.mbox"
    msgs = []
    for n, (frm, to) in enumerate(
        [
            ("me@example.com", "pat@shop.biz"),
            ("me@example.com", "lee@spam.io"),
            ("me@example.com", "kim@ok.org"),
        ]
    ):
        msgs.append(
            f"From x Mon Jan  5 10:00:00 2026\nFrom: {frm}\nTo: {to}\nSubject: hi {n}\n"
            f"Message-ID: <m{n}@x>\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n\nbody\n"
        )
    mbox.write_text("\n".join(msgs))
    crb("import", str(mbox))
    assert crb.json("people")["count"] == 3
    crb("ignore", "pat@shop.biz")
    crb("ignore", "@spam.io")
    out = crb.json("ignore", "kim@ok.org")
    assert out["archived"] and out["ignored"] == [{"kind": "email", "value": "kim@ok.org"}]
    assert crb.json("people")["count"] == 0
    # New mail from them is skipped and counted, not turned into people again.
    mbox.write_text(mbox.read_text().replace("<m", "<n"))
    again = crb.json("import", str(mbox))["sources"][0]
    assert again["skipped"].get("blocklist") == 3 and again["new_people"] == 0


def test_ignore_takes_underscore_and_percent_literally(crb: Crb, tmp_path: Path) -> None:
    mbox = tmp_path / "mail.mbox"
    msgs = [
        f"From x Mon Jan  5 10:00:00 2026\nFrom: me@example.com\nTo: {to}\nSubject: hi {n}\n"
        f"Message-ID: <u{n}@x>\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n\nbody\n"
        for n, to in enumerate(["axb@x.com", "kim@sxop.biz", "lee@shop.biz"])
    ]
    mbox.write_text("\n".join(msgs))
    crb("import", str(mbox))
    assert crb.json("ignore", "a_b@x.com")["archived"] == []
    assert crb.json("ignore", "@s_op.biz")["archived"] == []
    assert crb.json("ignore", "@%.biz")["archived"] == []
    assert crb.json("people")["count"] == 3
    # The real domain still matches its people, and only them.
    out = crb.json("ignore", "@shop.biz")
    assert len(out["archived"]) == 1
    assert out["ignored"] == [{"kind": "domain", "value": "shop.biz"}]
    assert crb.json("people")["count"] == 2


def test_sync_with_nothing_configured_runs_nothing_and_says_so(crb: Crb) -> None:
    result = crb("sync")
    assert "No sources configured" in result.stdout and "gmail" in result.stdout
    assert crb.json("sync")["sources"] == []


def test_demo_flag_uses_its_own_database(tmp_path: Path, config_file: Path, db_path: Path) -> None:
    from crb_tui.host.app_context import AppContext

    real = AppContext(db_path=db_path, config_path=config_file)
    real.store.counts()
    demo = AppContext(config_path=config_file, demo=True)
    try:
        demo.ensure_demo()
        assert demo.db_path != db_path and demo.store.counts()["people"] == 60
        assert real.store.counts()["people"] == 0
        demo.ensure_demo()  # a second start does not add another set
        assert demo.store.counts()["people"] == 60
    finally:
        demo.close()
        real.close()


def test_people_search_finds_every_word_anywhere_ignoring_case_and_accents(
    crb: Crb, db_path: Path
) -> None:
    import datetime as dt

    from crb_tui import records as r
    from crb_tui.store import Store

    store = Store.open(db_path)
    store.write([
        r.Person("José Álvarez", [r.Identity("email", "jalvarez@ACME.example")], org="Acme",
                 title="Head of Sales"),
        r.Person("Ann Lee", [r.Identity("email", "ann@globex.example")], org="Globex"),
        r.Note(r.Identity("email", "ann@globex.example"), "Wants the Zürich offsite",
               dt.datetime(2026, 11, 1, tzinfo=dt.UTC)),
    ], "test")
    store.close()

    def names(search: str) -> list[str]:
        return sorted(p["name"] for p in crb.json("people", "--search", search)["people"])

    assert names("jose") == names("JOSÉ acme") == ["José Álvarez"]  # across name and org
    assert names("sales alv") == ["José Álvarez"]  # job title; part of a word
    assert names("acme.exam") == ["José Álvarez"]  # part of an e-mail address
    assert names("zurich") == names("offsite ann") == ["Ann Lee"]  # a note's text
    assert names("e") == ["Ann Lee", "José Álvarez"]
    assert names("jose globex") == []  # every word must be found


def test_birthday_detail_and_stage_from_the_cli(crb: Crb, db_path: Path) -> None:
    """What the app's Details and Stage keys do, the CLI does: shown by show, found by the
    review on the day, a bad day refused with the reason and nothing changed."""
    crb("demo", "--people", "12")
    # Again on the same database: refused in the command's own words (no `replace=True`).
    refused = crb("demo", ok=False)
    assert refused.exit_code == 1 and "`crb demo --replace`" in refused.stderr
    assert "replace=True" not in refused.stderr
    assert "12 April" in crb("birthday", "1", "April 12").stdout
    assert crb.json("show", "1")["birthday"] == "--04-12"  # type: ignore[index]
    result = crb("birthday", "1", "31 February", ok=False)
    assert result.exit_code != 0 and "not a day of the year" in result.stderr
    assert crb.json("show", "1")["birthday"] == "--04-12"  # type: ignore[index]
    crb.today = TODAY - dt.timedelta(days=1)
    crb("birthday", "2", f"{TODAY.day} {TODAY.strftime('%B')} 1980")
    crb.today = TODAY
    review = json.dumps(crb.json("review"))
    assert "Birthday today" in review

    crb("detail", "1", "family", "two kids, Mia and Leo")
    crb("detail", "1", "coffee", "flat white")
    assert crb.json("show", "1")["details"] == {  # type: ignore[index]
        "family": "two kids, Mia and Leo", "coffee": "flat white"}
    assert "family: two kids, Mia and Leo" in crb("show", "1").stdout
    crb("detail", "1", "coffee", "--remove")
    assert crb.json("show", "1")["details"] == {"family": "two kids, Mia and Leo"}  # type: ignore[index]
    assert crb("detail", "1", "nothing-here", "--remove", ok=False).exit_code != 0

    crb("stage", "1", "partner")
    assert crb.json("show", "1")["stage_override"] == "partner"  # type: ignore[index]
    assert crb.json("show", "1")["health"]["stage"] == "partner"  # type: ignore[index]
    crb("stage", "1", "auto")
    assert crb.json("show", "1")["stage_override"] is None  # type: ignore[index]


def test_cadence_keeps_someone_new_and_default_clears_it(crb: Crb) -> None:
    from crb_tui import Identity, Person
    from crb_tui.store import Store

    store = Store.open(crb.db)
    store.write([Person("Nia New", [Identity("email", "nia@x.com")], triage=True)], "t")
    store.close()
    assert crb.json("people", "--all")["people"][0]["triage"] in (1, True)  # type: ignore[index]
    assert crb.json("cadence", "nia@x.com", "2w")["cadence_days"] == 14
    nia = crb.json("people", "--all")["people"][0]  # type: ignore[index]
    assert nia["cadence_days"] == 14 and not nia["triage"]
    assert crb.json("cadence", "nia@x.com", "default")["cadence_days"] is None
    assert "their tier's again" in crb("cadence", "nia@x.com", "default").stdout
    assert crb.json("people", "--all")["people"][0]["cadence_days"] is None  # type: ignore[index]


def test_demo_commands_show_the_demo_data_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    from crb_tui.cli.commands import cli

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()
    result = runner.invoke(cli, ["--demo", "people", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["count"] >= 20


def test_demo_never_opens_the_database_crb_db_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    from crb_tui.cli.commands import cli

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    real = tmp_path / "real.db"
    result = CliRunner().invoke(cli, ["--demo", "people", "--json"], env={"CRB_DB": str(real)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["count"] == 60
    assert not real.exists()  # the real path was neither created nor filled with demo people
    assert (tmp_path / "data" / "crb" / "demo.db").is_file()


def test_demo_with_an_explicit_db_is_refused_and_the_db_untouched(crb: Crb) -> None:
    result = crb("--demo", "people", status=1)
    assert "--demo works on its own demo database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not crb.db.exists()


def test_messages_say_whose_promise_and_which_person(crb: Crb) -> None:
    seed(crb)
    mine = crb("promise", "1", "Send it", "--due", "+2d").stdout
    assert mine.startswith("Commitment #") and " to " in mine and "(theirs)" not in mine
    theirs = crb("promise", "1", "Reply", "--due", "+2d", "--theirs").stdout
    assert " from " in theirs and "(theirs)" in theirs
    merged = crb("merge", "1", "2").stdout
    assert "(id 2) into" in merged and "(id 1)" in merged


def test_a_source_error_names_no_exception_class(crb: Crb, db_path: Path) -> None:
    result = crb("sync", "imap", status=1)
    assert "crb: error: sources.imap.host is not set" in result.stderr
    assert "ImapError" not in result.output
    (last_error,) = sqlite3.connect(db_path).execute(
        "select last_error from sync_state where source = 'imap'").fetchone()
    assert last_error.startswith("sources.imap.host is not set")


def test_doctor_on_a_fresh_setup_only_warns_about_me(crb: Crb, config_file: Path) -> None:
    """The quick start's first `crb doctor` (no [me] emails yet) passes, with a warning."""
    config_file.write_text("", encoding="utf-8")
    os.chmod(config_file, 0o600)
    crb.create_db()
    result = crb("doctor")  # exit 0
    assert "[warn] me: no [me] emails" in result.stdout
    assert "FAIL" not in result.stdout


def test_doctor_warns_of_phone_numbers_without_a_country_code(
    crb: Crb, config_file: Path, tmp_path: Path
) -> None:
    """[identity] default_region empty (the default) and a number stored without a country
    code: the same mobile written two ways is two people; the doctor says what to set."""
    cards = tmp_path / "ann.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lee, Ann\r\nTEL;TYPE=CELL:+1 415 555 0101\r\n"
        "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nTEL:(415) 555-0101\r\n"
        "END:VCARD\r\n", encoding="utf-8")
    crb.create_db()
    assert "[warn] phone region" not in crb("doctor").stdout  # nothing stored yet
    crb("import", str(cards))
    result = crb("doctor")  # a warning: exit 0
    assert ("[warn] phone region: 1 stored phone number without a country code, and "
            "[identity] default_region is empty") in result.stdout
    assert 'default_region = "US"' in result.stdout
    (check,) = [c for c in crb.json("doctor")["checks"] if c["check"] == "phone region"]
    assert check["ok"] and check["warning"]
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + '[identity]\ndefault_region = "US"\n', encoding="utf-8")
    # Read again in the US, the two are one number, two people's: said, not merged.
    result = crb("doctor")
    assert ("[warn] phone region: phone +14155550101 is two people's: Lee, Ann (id 1) and Ann "
            "Lee (id 2, stored as 4155550101 before [identity] default_region was set); both "
            "kept: if they are one person, run `crb merge 1 2`") in result.stdout
    crb("merge", "1", "2")
    assert "phone region" not in crb("doctor").stdout


@pytest.mark.parametrize(("region", "says"), [
    ("UK", "identity.default_region = 'UK' is not a known region code; the United Kingdom is "
           '"GB"'),
    ("ED", "identity.default_region = 'ED' is not a known region code; did you mean \"DE\"?"),
    ("XX", "identity.default_region = 'XX' is not a known region code (ISO 3166 codes such as"),
])
def test_a_phone_region_the_phone_library_does_not_know_is_refused(
    crb: Crb, config_file: Path, tmp_path: Path, region: str, says: str
) -> None:
    """"UK" (the usual slip for "GB") left every local number as it was: the same mobile
    written two ways became two people, and doctor said all was well. Now it is refused, naming
    the file, the line and the key, and doctor fails on it."""
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + f'[identity]\ndefault_region = "{region}"\n', encoding="utf-8")
    cards = tmp_path / "tom.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tom London\r\nTEL;TYPE=CELL:07700 900123"
                     "\r\nEND:VCARD\r\n", encoding="utf-8")
    result = crb("import", str(cards), status=1)
    assert result.stderr == f"crb: error: {config_file}: line 5: {says}" + (
        ' "GB", "US", "DE")\n' if region == "XX" else "\n")
    assert not crb.db.exists()  # nothing was read with it
    doctor = crb("doctor", status=1)
    assert f"[FAIL] config: {config_file}: line 5: {says}" in doctor.stdout
    # Written as meant, the number is stored with its country code.
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        f'"{region}"', '"gb"'), encoding="utf-8")
    crb("import", str(cards))
    assert rows(crb.db, "select value from identities where kind = 'phone'") == [
        ("+447700900123",)]


def test_doctor_says_who_holds_an_address_added_to_me_later(
    crb: Crb, config_file: Path, tmp_path: Path
) -> None:
    """Trial 13 U11: an alias added to [me] emails after its mail was imported left the user a
    person (two-way touches with themselves, a triage item about themselves), and doctor was
    all ok. It names them and what takes them out."""
    mail = tmp_path / "alias.mbox"
    mail.write_text(
        "From x Tue Nov  3 10:00:00 2026\nFrom: Me <me@example.com>\n"
        "To: Robert <robert@home.example>\nSubject: note to self\n"
        "Date: Tue, 03 Nov 2026 10:00:00 +0000\nMessage-ID: <a1@x>\n\nhi\n\n"
        "From x Tue Nov  3 11:00:00 2026\nFrom: Robert <robert@home.example>\n"
        "To: Alice <alice@x.example>\nSubject: from my other address\n"
        "Date: Tue, 03 Nov 2026 11:00:00 +0000\nMessage-ID: <a2@x>\n\nhi\n", encoding="utf-8")
    crb("import", str(mail))
    assert "yourself" not in crb("doctor").stdout
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        'emails = ["me@example.com"]', 'emails = ["me@example.com", "Robert@Home.example"]'),
        encoding="utf-8")
    result = crb("doctor")  # a warning: exit 0
    assert ("[warn] yourself: people holding an address of [me] emails, made of your mail "
            "before it was there: #1 Robert has robert@home.example; they are you: `crb "
            "archive 1` takes them out of the review and the lists") in result.stdout
    crb("archive", "1")
    assert "yourself" not in crb("doctor").stdout


def test_doctor_fails_on_a_database_that_is_not_there(crb: Crb, tmp_path: Path) -> None:
    """A mistyped --db is a failed check, and no database is made there."""
    typo = tmp_path / "typo.db"
    result = crb("--db", str(typo), "doctor", status=1)
    assert f"[FAIL] database: no database at {typo}" in result.stdout
    assert "[ok  ] database" not in result.stdout
    assert not typo.exists()
    data = json.loads(crb("--db", str(typo), "doctor", "--json", status=1).stdout)
    assert not data["ok"] and not typo.exists()


def test_people_all_marks_the_archived(crb: Crb, db_path: Path) -> None:
    seed(crb)
    first = crb.json("people")["people"][0]
    crb("archive", str(first["id"]))
    assert f"{first['id']:>6}  " not in crb("people").stdout
    (line,) = [x for x in crb("people", "--all").stdout.splitlines()
               if x.startswith(f"{first['id']:>6}  ")]
    assert "[archived]" in line


def test_notes_and_connections_have_no_direction_in_last_touches(
    crb: Crb, tmp_path: Path
) -> None:
    connections = tmp_path / "Connections.csv"
    connections.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Nia,Okoro,https://www.linkedin.com/in/nia-okoro,nia@example.org,Acme,CTO,01 Jan 2025\n",
        encoding="utf-8")
    crb("import", str(connections))
    crb("log", "Nia Okoro", "--kind", "note", "--note", "likes sailing")
    crb("log", "Nia Okoro", "--kind", "call")
    touches = crb("show", "Nia Okoro").stdout.split("Last touches", 1)[1]
    assert " note likes sailing" in touches and " connection" in touches
    assert " call together" in touches  # the app's words, not "mutual"
    assert "note together" not in touches and "connection together" not in touches
    assert "mutual" not in touches


def test_an_ignored_contact_is_not_made_a_person_again_by_the_next_import(
    crb: Crb, corpus: Path, tmp_path: Path
) -> None:
    joe = corpus / "vcf" / "khard" / "joe.vcf"
    crb("import", str(joe))
    crb("ignore", "Joe Citizen")
    again = crb.json("import", str(joe))["sources"][0]
    assert again["new_people"] == 0 and again["skipped"] == {"blocklist": 1}
    rows = crb.json("people", "--all")["people"]
    assert [(p["name"], p["archived"]) for p in rows] == [("Joe Citizen", True)]  # type: ignore[index]
    # A domain: every card at it is skipped, whatever its role or personal addresses.
    roles = tmp_path / "roles.vcf"
    roles.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Acme Sales\nEMAIL:sales@acme.example\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Pat One\nEMAIL:pat@acme.example\n"
        "EMAIL:sales@acme.example\nEND:VCARD\n", encoding="utf-8")
    crb("import", str(roles))
    crb("ignore", "@acme.example")
    again = crb.json("import", str(roles))["sources"][0]
    assert again["new_people"] == 0 and again["skipped"] == {"blocklist": 2}
    assert crb.json("people")["count"] == 0


def test_a_restored_export_keeps_what_imports_learned(
    crb: Crb, corpus: Path, tmp_path: Path, config_file: Path
) -> None:
    """Trial 10 W5: the "lossless" export left out source_state, so a restored database forgot
    the mailing lists its imports had learned (the next mail to a list made the list a person)
    and the calendars' event versions."""
    crb("import", str(corpus / "mbox" / "apache" / "httpd-users-2020-07.asf.mbox"),
        str(corpus / "ics" / "khal"), ok=False)
    doc = json.loads(crb("export").stdout)
    learned = doc["tables"]["source_state"]
    assert {row["source"] for row in learned} >= {"mbox", "ics"}, learned
    export_file = tmp_path / "export.json"
    export_file.write_text(json.dumps(doc), encoding="utf-8")
    other = Crb(tmp_path / "fresh.db", config_file)
    other("import", str(export_file))
    assert json.loads(other("export").stdout)["tables"]["source_state"] == learned


def test_doctor_fails_on_a_named_config_that_is_not_there(crb: Crb, tmp_path: Path) -> None:
    """Trial 10 W8: `--config missing.toml doctor` said "[ok] config: read ... (absent:
    defaults)" and then failed the database and the plugins for it."""
    missing = tmp_path / "missing.toml"
    result = Crb(crb.db, missing)("doctor", status=1)
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert lines == [f"[FAIL] config: config file {missing} does not exist (create one with "
                     "`crb config init`)"]


def test_syncing_a_file_source_with_no_paths_says_there_is_nothing_to_read(crb: Crb) -> None:
    """Trial 12: `crb sync vcard` with no paths set said `vcard: ok  seen 0` and nothing else."""
    crb.create_db()
    out = crb("sync", "vcard").stdout
    assert "note: no paths set for vcard: nothing to read (`crb import FILE`, or paths = [...] "\
        "under [sources.vcard] in the config)" in out


def test_a_calendar_kept_for_nobody_under_never_is_not_called_mail(
    crb: Crb, config_file: Path, tmp_path: Path
) -> None:
    """Trial 12: an .ics import under create_people_from = "never" said it "makes no one from
    mail"."""
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + '[identity]\ncreate_people_from = "never"\n', encoding="utf-8")
    cal = tmp_path / "c.ics"
    cal.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                   "UID:u1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261101T100000Z\r\n"
                   "SUMMARY:Lunch\r\nORGANIZER:mailto:me@example.com\r\n"
                   "ATTENDEE:mailto:ann@x.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                   encoding="utf-8")
    out = crb("import", str(cal)).stdout
    assert ('note: 1 touch kept for addresses that are not people: [identity] '
            'create_people_from = "never" makes no one from what is imported') in out


def test_snoozed_people_say_so_in_show_and_people(crb: Crb, db_path: Path) -> None:
    crb("import", str(_contacts(db_path.parent)))
    crb("snooze", "ann@acme.com", "1w")
    until = (crb.today + dt.timedelta(days=7)).isoformat()
    shown = crb("show", "ann@acme.com").stdout.splitlines()
    assert shown[1].startswith(f"  snoozed until {until}")
    listed = {line.split()[1]: line for line in crb("people").stdout.splitlines()}
    assert f"[snoozed until {until}]" in listed["Ann"] and "snoozed" not in listed["Bo"]
    crb("snooze", "ann@acme.com", "--clear")
    assert "snoozed" not in crb("show", "ann@acme.com").stdout + crb("people").stdout


def test_people_sorted_by_overdue_show_days_late(crb: Crb, db_path: Path) -> None:
    crb("import", str(_contacts(db_path.parent)))
    crb("cadence", "ann@acme.com", "10")
    crb("log", "ann@acme.com", "--kind", "call", "--at",
        (crb.today - dt.timedelta(days=30)).isoformat())
    crb("cadence", "bo@beta.io", "1")
    lines = crb("people", "--sort", "overdue").stdout.splitlines()
    assert lines[0].split()[1] == "Ann" and lines[0].endswith("  20d late")
    assert lines[1].endswith("  every 1d")  # a cadence, no touch yet
    assert "late" not in crb("people").stdout  # only the overdue sort says it
    assert "shows days late" in " ".join(crb("people", "--help").stdout.split())


def test_a_cadence_of_one_day_is_singular(crb: Crb, db_path: Path) -> None:
    crb("import", str(_contacts(db_path.parent)))
    assert "every 1 day." in crb("cadence", "ann@acme.com", "1").stdout
    crb("log", "ann@acme.com", "--kind", "call")
    shown = crb("show", "ann@acme.com").stdout
    assert "cadence 1 day: full warmth for 1 day, then halving every 1 day" in shown
    assert "1 days" not in shown
