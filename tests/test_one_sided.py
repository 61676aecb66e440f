"""Trial 9 F7 through the real CLI: "One-sided" means one side carries the relationship (writes
at least 5 messages and 3 times as many as the other, lately), never a balanced exchange whose
Value is still low, nor someone met once."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import Crb


def _person(crb: Crb, folder: Path, name: str) -> None:
    contacts = folder / f"{name.split()[0].lower()}.csv"
    email = name.split()[0].lower() + "@example.org"
    contacts.write_text(f"Name,Email\n{name},{email}\n", encoding="utf-8")
    crb("import", str(contacts))


def _write(crb: Crb, name: str, direction: str, count: int, last_days_ago: int = 1,
           gap: int = 7) -> None:
    """``count`` e-mails one way, ``gap`` days apart, the last ``last_days_ago`` days ago."""
    for k in range(count):
        at = crb.today - dt.timedelta(days=last_days_ago + gap * k)
        crb("log", name, "--kind", "email", "--direction", direction, "--at", f"{at}T10:00")


def _health(crb: Crb, name: str) -> dict[str, Any]:
    shown: Any = crb.json("show", name)
    return dict(shown["health"])


def _listed(crb: Crb) -> dict[str, Any]:
    people: Any = crb.json("people", "--all")
    return {p["name"]: p["one_sided"] for p in people["people"]}


def _stored(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute(
            "select p.name, h.one_sided from health h join people p on p.id = h.person_id"))
    finally:
        conn.close()


def test_a_balanced_exchange_and_someone_met_once_are_not_one_sided(
        crb: Crb, db_path: Path) -> None:
    _person(crb, db_path.parent, "Dalia Martin")
    _write(crb, "Dalia Martin", "in", 22, gap=1)  # daily for three weeks: few exchange weeks
    _write(crb, "Dalia Martin", "out", 23, gap=1)
    _person(crb, db_path.parent, "Vic Test")
    crb("log", "Vic Test", "--kind", "meeting", "--at", f"{crb.today}T09:00")
    dalia = _health(crb, "Dalia Martin")
    # what made the old flag fire: Trust from the prior and reciprocity, Value low (mail only)
    assert dalia["trust"] >= 60 and dalia["value"] <= 30
    assert not dalia["one_sided"] and not _health(crb, "Vic Test")["one_sided"]
    for name in ("Dalia Martin", "Vic Test"):
        assert "One-sided" not in crb("show", name).stdout
    assert _listed(crb) == {"Dalia Martin": False, "Vic Test": False}
    assert _stored(db_path) == {"Dalia Martin": 0, "Vic Test": 0}


def test_you_writing_twelve_to_their_one_is_one_sided_and_says_so(
        crb: Crb, db_path: Path) -> None:
    _person(crb, db_path.parent, "Ann Ask")
    _write(crb, "Ann Ask", "out", 12)
    _write(crb, "Ann Ask", "in", 1, last_days_ago=30)
    text = crb("show", "Ann Ask").stdout
    (summary,) = [line for line in text.splitlines() if line.startswith("Health ")]
    assert summary.endswith("One-sided: you carry it.")
    assert "you carry it: you wrote 12 of the 13 messages, they 1, no time together" in text
    assert _health(crb, "Ann Ask")["one_sided"] is True
    assert _listed(crb) == {"Ann Ask": True}
    assert _stored(db_path) == {"Ann Ask": 1}
    # time together counts for both sides: 12 + 4 against 1 + 4 is still 3:1, 12 + 5 against
    # 1 + 5 no longer
    for days in (3, 10, 17, 24):
        crb("log", "Ann Ask", "--kind", "meeting", "--at",
            f"{crb.today - dt.timedelta(days=days)}T09:00")
    assert _stored(db_path) == {"Ann Ask": 1}
    assert "you wrote 12 of the 13 messages, they 1, 4 times together" in crb(
        "show", "Ann Ask").stdout
    crb("log", "Ann Ask", "--kind", "call", "--at", f"{crb.today - dt.timedelta(days=1)}T08:00")
    assert _stored(db_path) == {"Ann Ask": 0}


def test_someone_you_keep_writing_to_who_never_answers_is_one_sided_until_it_is_old(
        crb: Crb, db_path: Path) -> None:
    _person(crb, db_path.parent, "Quiet Person")
    _write(crb, "Quiet Person", "out", 4)
    assert _stored(db_path) == {"Quiet Person": 0}  # four messages: not enough to judge
    _write(crb, "Quiet Person", "out", 1, last_days_ago=29)
    health = _health(crb, "Quiet Person")
    assert health["one_sided"] and health["warmth"] == 0  # no two-way touch needed
    assert "you wrote all 5 messages, they none" in crb("show", "Quiet Person").stdout
    crb.today += dt.timedelta(days=181)  # nothing written for half a year: not "now" any more
    assert not _health(crb, "Quiet Person")["one_sided"]
    assert _stored(db_path) == {"Quiet Person": 0}


def test_they_writing_and_you_never_answering_is_one_sided_their_way(
        crb: Crb, db_path: Path) -> None:
    _person(crb, db_path.parent, "Eager Writer")
    _write(crb, "Eager Writer", "in", 15)
    text = crb("show", "Eager Writer").stdout
    assert "One-sided: they carry it." in text
    assert "they carry it: they wrote all 15 messages, you none" in text
    assert _stored(db_path) == {"Eager Writer": 2}
    assert _listed(crb) == {"Eager Writer": True}


def test_the_settings_of_one_sided_and_a_former_config_still_load(
        crb: Crb, db_path: Path, config_file: Path) -> None:
    _person(crb, db_path.parent, "Ann Ask")
    _write(crb, "Ann Ask", "out", 12)
    _write(crb, "Ann Ask", "in", 1, last_days_ago=30)
    assert _stored(db_path) == {"Ann Ask": 1}
    base = config_file.read_text(encoding="utf-8")
    # a starter config of a former version holds the retired settings: it still loads
    config_file.write_text(base + "[health]\none_sided_high = 60\none_sided_low = 30\n"
                           "one_sided_ratio = 20\n", encoding="utf-8")
    assert "One-sided" not in crb("show", "Ann Ask").stdout
    assert _stored(db_path) == {"Ann Ask": 0}
    config_file.write_text(base + "[health]\none_sided_messages = 13\n", encoding="utf-8")
    assert not _health(crb, "Ann Ask")["one_sided"]
    config_file.write_text(base + "[health]\none_sided_ratio = 0.5\n", encoding="utf-8")
    result = crb("show", "Ann Ask", ok=False)
    assert result.exit_code != 0 and "one_sided_ratio" in result.stderr
