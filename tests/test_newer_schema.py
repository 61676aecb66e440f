"""A database upgraded by a newer CRB (core migrations this one does not know) is refused in
one line, before anything is written: this release's statements would meet tables that
changed, fail half-way and report a failure after storing part of the change (trial 13 U1)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import Crb


def test_a_database_from_a_newer_crb_is_refused_and_doctor_says_why(crb: Crb,
                                                                    tmp_path: Path) -> None:
    crb("demo", "--people", "5")
    with sqlite3.connect(crb.db) as conn:
        conn.executemany(
            "insert into _sqlite_migrations (migration_set, name, applied_at) values "
            "('crb_core', ?, '2027-01-01')", [("m998_next",), ("m999_after",)])
        before = conn.execute("select count(*) from interactions").fetchone()[0]
    said = (f"crb: error: {crb.db}: this database was upgraded by a newer CRB (its schema has "
            "m998_next and 1 more, which this CRB does not know): upgrade CRB, or use a "
            "backup taken before the upgrade; nothing was changed\n")
    for args in (["log", "1", "--kind", "call"], ["people"], ["review"]):
        result = crb(*args, ok=False)
        assert result.exit_code == 1 and result.stderr == said, args
    with sqlite3.connect(crb.db) as conn:
        assert conn.execute("select count(*) from interactions").fetchone()[0] == before
    doctor = crb("doctor", ok=False)
    assert "[FAIL] database:" in doctor.stdout and "upgraded by a newer CRB" in doctor.stdout


def test_a_database_an_earlier_crb_made_is_copied_before_it_is_upgraded(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 13 U4: an upgrade changed the database silently and for good (one migration drops
    the stored scores' table), with no copy kept to go back to. Opening an earlier CRB's
    database now keeps a copy of it as it was, beside it (0600), and says so once."""
    import os
    import stat

    from sqlite_utils import Database

    from crb_tui.store.migrations import core
    from crb_tui.store.name_key import register_fold
    from crb_tui.store.store import CORE_MIGRATIONS

    old = Database(str(crb.db))
    register_fold(old.conn)  # (what CRB's connections have)
    core.apply(old, stop_before="m018_health_read_time")  # as CRB was before scores as a view
    old.execute("insert into people (name, created, updated) values ('Ann Old', '2026-01-01',"
                " '2026-01-01')")
    old.conn.commit()
    old.close()
    result = crb("people", ok=False)
    copy = crb.db.with_name(f"{crb.db.name}.before-m018_health_read_time")
    pending = len(CORE_MIGRATIONS) - CORE_MIGRATIONS.index("m018_health_read_time")
    assert result.exit_code == 0 and "Ann Old" in result.stdout
    assert result.stderr == (
        f"crb: warning: upgraded {crb.db} for this CRB ({pending} schema changes); the database"
        f" as it was is kept in {copy}\n")
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
    try:  # the copy is the earlier CRB's database, whole, in one file
        assert conn.execute("select name from people").fetchall() == [("Ann Old",)]
        assert "m018_health_read_time" not in {r[0] for r in conn.execute(
            "select name from _sqlite_migrations")}
        assert conn.execute("select type from sqlite_master where name = 'health'"
                            ).fetchone() == ("table",)
        assert conn.execute("pragma journal_mode").fetchone() == ("delete",)
    finally:
        conn.close()
    # Once upgraded, nothing more is said or copied.
    again = crb("people")
    assert again.stderr == "" and sorted(p.name for p in tmp_path.iterdir()
                                         if ".before-" in p.name) == [copy.name]


def test_an_earlier_schema_with_nothing_in_it_is_upgraded_without_a_copy(crb: Crb,
                                                                       tmp_path: Path) -> None:
    """Nothing to keep (a new file another process is still creating looks the same): no copy,
    nothing said; several processes opening a new file at once must not copy it half-made."""
    from sqlite_utils import Database

    from crb_tui.store.migrations import core
    from crb_tui.store.name_key import register_fold

    old = Database(str(crb.db))
    register_fold(old.conn)
    core.apply(old, stop_before="m018_health_read_time")
    old.close()
    result = crb("people", ok=False)
    assert result.exit_code == 0 and result.stderr == ""
    assert [p.name for p in tmp_path.iterdir() if ".before-" in p.name] == []
