"""Every number and date a user gives is range-checked with one clear line (never an
"unexpected OverflowError"), config values too (naming the file and the key), and usage errors
exit 1: 2 is for the unexpected only."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Crb


@pytest.fixture
def ann(crb: Crb) -> Crb:
    path = crb.db.parent / "ann.csv"
    path.write_text("Name,Email\nAnn Lee,ann@example.com\n", encoding="utf-8")
    crb("import", str(path))
    return crb


def _error(crb: Crb, *args: str) -> str:
    result = crb(*args, ok=False)
    assert result.exit_code == 1, (args, result.exit_code, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crb: error: "), result.stderr
    assert "unexpected" not in lines[0]
    return lines[0]


def _rows(crb: Crb, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(crb.db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("show", "99999999999999999999999"), "no person with id 99999999999999999999999"),
        (("done", "99999999999999999999"), "99999999999999999999 is out of range"),
        (("done", "-5"), "-5 is out of range (from 1 to"),
        (("cadence", "1", "999999999999999999999"), "days up to 3650, not 999999999999999999999"),
        (("cadence", "1", "9223372036854775807"), "days up to 3650, not 9223372036854775807"),
        (("cadence", "1", "-5"), "'DAYS': cadence must be a positive number of days up to 3650"),
        (("cadence", "1", "0"), "days up to 3650, not 0"),
        (("cadence", "1", "x"), "days up to 3650, not x"),
        (("promise", "1", "Send it", "--due", "+99999999d"), "--due: '+99999999d' is too far off"),
        (("promise", "1", "Send it", "--due", "+" + "9" * 5000 + "d"), "is too far off"),
        (("promise", "1", "Send it", "--due", "2999-01-01"), "out of range (dates from 1900"),
        (("review", "--date", "9999-12-31"), "--date: '9999-12-31' is out of range"),
        (("review", "--date", "0001-01-01"), "is out of range"),
        (("log", "1", "--kind", "call", "--at", "0001-01-01"), "--at: '0001-01-01' is out of"),
        (("log", "1", "--kind", "call", "--at", "1850-01-01T10:00"), "is out of range"),
        (("snooze", "1", "+99999999999w"), "snooze: '+99999999999w' is too far off"),
        (("value", "1", "--kind", "deal", "--given", "--amount", "inf"), "not a finite number"),
        (("value", "1", "--kind", "deal", "--given", "--amount", "nan"), "not a finite number"),
        (("value", "1", "--kind", "deal", "--given", "--amount", "-5"), "-5 is out of range"),
        (("value", "1", "--kind", "deal", "--given", "--amount", "1e300"), "out of range"),
        (("people", "--limit", "99999999999999999999"), "is out of range (from 1 to 1000000)"),
        (("people", "--limit", "0"), "0 is out of range"),
        (("demo", "--people", "10000000000"), "out of range (from 1 to 1000000)"),
    ],
)
def test_bad_numbers_and_dates_are_one_clear_line(ann: Crb, args: tuple[str, ...],
                                                  says: str) -> None:
    before = _rows(ann, "select count(*) from interactions") + _rows(
        ann, "select count(*), sum(cadence_days is not null) from people")
    message = _error(ann, *args)
    assert says in message
    after = _rows(ann, "select count(*) from interactions") + _rows(
        ann, "select count(*), sum(cadence_days is not null) from people")
    assert after == before


def test_in_range_values_still_work(ann: Crb) -> None:
    assert ann.json("cadence", "1", "3650")["cadence_days"] == 3650
    assert ann.json("promise", "1", "Send it", "--due", "+30d")["due"] == "2026-12-23"
    ann("value", "1", "--kind", "deal", "--given", "--amount", "1500.5")
    assert _rows(ann, "select amount from value_moments") == [(1500.5,)]
    ann("log", "1", "--kind", "call", "--at", "1999-12-31T10:00")
    assert ann.json("review", "--date", "2200-12-31")["date"] == "2200-12-31"


def test_when_something_happened_reads_backwards(ann: Crb) -> None:
    """Trial 9 F15: `--at friday` said on a Monday (2026-11-23) meant the coming Friday and was
    refused as the future; `yesterday 14:00` was not a date, and the hint offered only forms
    that can only be in the future."""
    for at in ("friday", "last monday", "yesterday 14:00", "friday at 9:30", "08:15",
               "2026-11-20 16:45"):
        ann("log", "1", "--kind", "call", "--at", at)
    assert [r[0][:16] for r in _rows(ann, "select at from interactions order by id")] == [
        "2026-11-20T12:00", "2026-11-16T12:00", "2026-11-22T14:00", "2026-11-20T09:30",
        "2026-11-23T08:15", "2026-11-20T16:45"]
    hint = _error(ann, "log", "1", "--kind", "call", "--at", "soonish")
    assert "yesterday" in hint and "-3d" in hint and "tomorrow" not in hint


def test_value_amounts_take_the_apps_forms(ann: Crb) -> None:
    """Trial 8 V20: the app's Value dialog takes 12k and 1.5k; the CLI refused them."""
    for written in ("12k", "1.5k", "12,000", "2m"):
        ann("value", "1", "--kind", "deal", "--given", "--amount", written)
    assert _rows(ann, "select amount from value_moments order by id") == [
        (12000.0,), (1500.0,), (12000.0,), (2000000.0,)]
    bad = ann("value", "1", "--kind", "deal", "--given", "--amount", "12kk", status=1).stderr
    assert "'12kk' is not an amount (write 12000, 12,000, 12k or 1.5k)" in bad
    assert len(bad.strip().splitlines()) == 1


def test_a_negative_positional_is_a_value_not_an_option(ann: Crb) -> None:
    # ... while a real unknown option is still refused as one.
    assert "No such option '--jsn'" in _error(ann, "cadence", "1", "-5", "--jsn")
    assert "up to 3650, not -5" in _error(ann, "cadence", "1", "--json", "-5")


def test_nan_and_infinity_never_reach_json(ann: Crb) -> None:
    conn = sqlite3.connect(ann.db)
    conn.execute("insert into value_moments (person_id, kind, direction, at, amount, source) "
                 "values (1, 'deal', 'given', '2026-11-01T10:00:00+00:00', 9e999, 'old')")
    conn.commit()
    conn.close()
    raw = ann("export").stdout
    assert "Infinity" not in raw
    assert json.loads(raw)["tables"]["value_moments"][0]["amount"] is None
    show = ann("show", "1", "--json").stdout
    assert "Infinity" not in show and json.loads(show)["id"] == 1


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("[cadence]\nkey = -5\n", "cadence.key = -5 is out of range (from 0 to 3650)"),
        ("[review]\ndaily_limit = -1\n", "review.daily_limit = -1 is out of range"),
        ("[review]\naftercare_days = [7, 0]\n", "review.aftercare_days[1] = 0 is out of range"),
        ('[identity]\ncreate_people_from = "sometimes"\n',
         "identity.create_people_from = 'sometimes' is not one of 'sent', 'any', 'never'"),
        ("[health]\nvalue_scale = nan\n", "health.value_scale = nan is out of range"),
        ("[health]\nwarmth_half_life_cadences = 0\n", "warmth_half_life_cadences = 0.0 is out"),
        ("[health.value_points]\nintro = inf\n", "health.value_points.intro = inf is out of"),
        ('[me]\ntimezone = "Mars/Olympus"\n', "me.timezone = 'Mars/Olympus' is not a time zone"),
        ('[identity]\ndefault_region = "GBR"\n', "identity.default_region = 'GBR' should be"),
    ],
)
def test_config_values_are_checked_naming_file_and_key(
    tmp_path: Path, toml: str, says: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml, encoding="utf-8")
    crb = Crb(tmp_path / "crb.db", config)
    message = _error(crb, "people")
    assert message.startswith(f"crb: error: {config}: ") and says in message


def test_the_starter_and_example_configs_pass_the_checks(tmp_path: Path) -> None:
    from crb_tui.config import load_config
    from crb_tui.config_example import write_starter

    load_config(Path(__file__).resolve().parent.parent / "config.example.toml")
    starter = write_starter(tmp_path / "starter.toml")
    load_config(starter)


@pytest.mark.parametrize(
    "args",
    [("--screen", "bad"), ("nosuch",), ("people", "--sort", "x"), ("people", "--bogus"),
     ("show",), ("merge", "--undo", "--nope"), ("log", "1", "--at", "2026-11-01")],
)
def test_usage_errors_exit_1_in_one_line(crb: Crb, args: tuple[str, ...]) -> None:
    message = _error(crb, *args)
    assert "--help`)" in message
    if args[0] == "log":  # a missing choice's values, one line (trial 8 V6)
        assert "Missing option '--kind'. Choose from: call, meeting, email," in message


def test_a_source_setting_that_is_not_a_finite_number_is_refused(
    tmp_path: Path, google_plugin: object
) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[sources.gmail]\ntimeout = inf\n", encoding="utf-8")
    crb = Crb(tmp_path / "crb.db", config)
    result = crb("sync", "gmail", ok=False)
    assert result.exit_code == 1  # (the source fails, reported in its summary)
    assert f"{config}: sources.gmail.timeout = inf is not a finite number" in result.stderr
