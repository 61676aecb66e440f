"""Every corpus mbox and .eml file imported gives exactly the rows it gave before the import's
speed work: the counts of each run and the people, identities and interactions stored, row by
row, against ``tests/data/mail_corpus_rows.txt``. A change meant to alter what is stored
rewrites that file (``CRB_WRITE_GOLDEN=1``) and its diff shows what changed."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Crb

GOLDEN = Path(__file__).parent / "data" / "mail_corpus_rows.txt"
ME = ["herve.boutemy@free.fr", "rfscholte@apache.org", "khmarbaise@gmx.de"]
"""The corpus's most frequent senders, made the user: their mail is outbound."""

RUNS = {
    "defaults, no [me] emails": "",
    "three senders are me, everyone a person, list mail kept": (
        f"[me]\nemails = {json.dumps(ME)}\ntimezone = \"UTC\"\n"
        "[identity]\ncreate_people_from = \"any\"\n"
        "[sources.mbox]\nskip_bulk = false\n"
    ),
}

COUNTS = ("seen", "imported", "updated", "unchanged", "skipped", "new_people")


def _rows(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        out = []
        for table, columns in (
            ("people", "id, name, triage, source, merged_into"),
            ("identities", "id, person_id, kind, value, display_name, source"),
            ("interactions", "person_id, identity_id, kind, direction, at, subject, thread, "
                             "source_key"),
        ):
            rows = conn.execute(f"select {columns} from {table}").fetchall()
            out.append(f"-- {table} {len(rows)}")
            out.extend(sorted(json.dumps(row, ensure_ascii=False) for row in rows))
        return out
    finally:
        conn.close()


FILE_TIME = 1_763_600_000  # 2025-11-20: a saved message without a date is dated by its file


def _copy_with_fixed_times(corpus: Path, to: Path) -> Path:
    """The corpus's mail folders, every file's time fixed, so what is dated by it is the same
    on every machine and checkout."""
    for folder in ("mbox", "eml"):
        shutil.copytree(corpus / folder, to / folder)
    for path in to.rglob("*"):
        os.utime(path, (FILE_TIME, FILE_TIME))
    return to


def _dump(crb: Crb, corpus: Path, tmp_path: Path) -> list[str]:
    corpus = _copy_with_fixed_times(corpus, tmp_path / "corpus")
    lines: list[str] = []
    for n, (label, config) in enumerate(RUNS.items()):
        run = Crb(tmp_path / f"corpus-{n}.db", tmp_path / f"corpus-{n}.toml")
        run.config.write_text(config or '[me]\ntimezone = "UTC"\n', encoding="utf-8")
        # (exit status 3: some corpus messages are rejected, on purpose)
        report = run.json("import", str(corpus / "mbox"), str(corpus / "eml"), status=3)
        assert isinstance(report, dict)
        lines.append(f"== {label}")
        for summary in report["sources"]:
            lines.append(json.dumps({k: summary[k] for k in COUNTS}, sort_keys=True))
            lines.extend(
                json.dumps([r["where"].replace(str(corpus), "CORPUS"), r["reason"]])
                for r in summary["rejected"]
            )
        lines.extend(_rows(run.db))
    return lines


def test_the_corpus_imports_to_the_same_rows(crb: Crb, corpus: Path, tmp_path: Path) -> None:
    got = _dump(crb, corpus, tmp_path)
    if os.environ.get("CRB_WRITE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text("\n".join(got) + "\n", encoding="utf-8")
        pytest.skip(f"wrote {GOLDEN}")
    want = GOLDEN.read_text(encoding="utf-8").splitlines()
    if got != want:
        diff = "\n".join(list(difflib.unified_diff(want, got, "before", "now", lineterm=""))[:60])
        raise AssertionError(f"the corpus imports to other rows than before:\n{diff}")
