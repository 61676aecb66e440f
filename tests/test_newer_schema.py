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
