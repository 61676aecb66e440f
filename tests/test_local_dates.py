"""Touch dates are the user's dates: a call at 21:30 in New York (02:30 UTC the next day) is on
the evening's date and counted from it in `crb show`, `crb people`, the review's reasons and the
app's People list and person page ([me] timezone)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from crb_tui import clock
from crb_tui.host.app_context import AppContext

from .conftest import TODAY, Crb
from .test_tui import opened, screen_text, settle

EVENING = (TODAY - dt.timedelta(days=1)).isoformat()
"""The day before TODAY: Frank's call is at 21:30 of it in New York, 02:30 UTC of TODAY."""


@pytest.fixture
def new_york(crb: Crb, tmp_path: Path) -> Crb:
    crb.config.write_text('[me]\nemails = ["me@example.com"]\ntimezone = "America/New_York"\n',
                          encoding="utf-8")
    cards = tmp_path / "people.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Frank Dawson\r\nEMAIL:frank@x.com\r\n"
                     "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tim Ode\r\n"
                     "EMAIL:tim@x.com\r\nEND:VCARD\r\n", encoding="utf-8")
    crb("import", str(cards))
    crb("log", "frank@x.com", "--kind", "call", "--at", f"{EVENING} 21:30", "--note", "evening")
    return crb


def test_clock_gives_a_stamps_date_in_the_users_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_configured_tz", "America/New_York")
    assert clock.local_date("2026-12-07T02:30:00+00:00") == dt.date(2026, 12, 6)
    # Dates stored as stamps (all-day events, LinkedIn days) and bare dates stay as they are.
    assert clock.local_date("2026-12-07T12:00:00+00:00") == dt.date(2026, 12, 7)
    assert clock.local_date("2026-12-07T00:00:00+00:00") == dt.date(2026, 12, 7)
    assert clock.local_date("2026-12-07") == dt.date(2026, 12, 7)


def test_show_and_people_date_an_evening_call_on_its_evening(new_york: Crb) -> None:
    crb = new_york
    assert crb.json("show", "frank")["interactions"][0]["at"].startswith(
        TODAY.isoformat() + "T02:30")  # stored in UTC
    shown = crb("show", "frank").stdout
    assert f"  {EVENING} call together evening" in shown
    assert f"last two-way touch: 1 day ago ({EVENING})" in shown
    assert f"last {EVENING}" in crb("people", "--search", "frank").stdout


def test_review_reasons_count_days_on_the_users_calendar(new_york: Crb) -> None:
    crb = new_york
    crb.today = TODAY - dt.timedelta(days=10)  # acted on before today: today's review has him
    crb("log", "tim@x.com", "--kind", "call", "--at", "2026-11-01 21:00")  # 02:00 UTC Nov 2
    crb("cadence", "tim@x.com", "14")
    crb.today = TODAY
    reasons = [i["reason"] for i in crb.json("review")["items"] if i["person"]["name"] == "Tim Ode"]
    assert reasons and reasons[0].startswith("last touch 22 days ago"), reasons


@pytest.mark.anyio
async def test_app_dates_an_evening_call_on_its_evening(new_york: Crb) -> None:
    crb = new_york
    crb("cadence", "frank@x.com", "10")
    crb("log", "tim@x.com", "--kind", "call", "--at", "2026-11-01 21:00")  # 02:00 UTC Nov 2
    crb("cadence", "tim@x.com", "14")
    crb("tier", "tim@x.com", "key")
    context = AppContext(db_path=crb.db, config_path=crb.config)
    try:
        async with opened(context, "people", (120, 30)) as (app, pilot):
            line = next(x for x in screen_text(app).splitlines() if "Frank Dawson" in x)
            assert "1d ago" in line and "ok 9d" in line, line
            app.open_person(context.store.resolve_person("frank"))
            await settle(pilot)
            text = screen_text(app)
            assert "last touch 1d ago" in text and f"{EVENING} " in text, text
            await pilot.press("3")  # the dashboard: Tim is going cold, 22 - 14 days late
            await settle(pilot)
            line = next(x for x in screen_text(app).splitlines() if "Tim Ode" in x)
            assert "last 3w ago · 8d late" in line, line
    finally:
        context.close()


# -- the scores count days on the user's calendar too ------------------------------------------

ELEVEN = (TODAY - dt.timedelta(days=11)).isoformat()
"""11 days before TODAY: past a 10-day cadence on the user's calendar, 10 days in UTC for an
evening in New York (a morning in Tokyo is 12 days before in UTC)."""


def _zone(crb: Crb, tmp_path: Path, zone: str, at: str) -> dict[str, object]:
    """Frank, on a 10-day cadence, with one call at ``at`` in ``zone``: his health row as the
    real SQLite file holds it, and the review item he has today (or None)."""
    import sqlite3

    crb.config.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "{zone}"\n',
                          encoding="utf-8")
    cards = tmp_path / "frank.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Frank Dawson\r\nEMAIL:frank@x.com\r\n"
                     "END:VCARD\r\n", encoding="utf-8")
    crb.today = TODAY - dt.timedelta(days=12)  # acted on before today: today's review has him
    crb("import", str(cards))
    crb("cadence", "frank@x.com", "10")
    crb.today = TODAY - dt.timedelta(days=1)
    crb("log", "frank@x.com", "--kind", "call", "--at", at)
    crb.today = TODAY
    items = {i["person"]["name"]: i for i in crb.json("review")["items"]}  # type: ignore[index]
    with sqlite3.connect(crb.db) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute(
            "select h.* from health h join people p on p.id = h.person_id"
            " where p.name = 'Frank Dawson'").fetchone())
    return {**row, "item": items.get("Frank Dawson")}


def test_scores_count_an_evening_call_in_new_york_on_its_evening(crb: Crb,
                                                                  tmp_path: Path) -> None:
    frank = _zone(crb, tmp_path, "America/New_York", f"{ELEVEN} 21:30")  # 02:30 UTC a day later
    assert str(frank["last_touch"]).startswith(
        (TODAY - dt.timedelta(days=10)).isoformat() + "T02:30")
    # 11 days on a 10-day cadence: a day past it (UTC's 10 days: on time), and Warmth decays
    # for that day beyond its one-cadence grace: 100 * 2 ** -0.1 (UTC: 100).
    assert frank["overdue"] == 0.1
    assert frank["warmth"] == 93
    assert frank["item"] is not None and frank["item"]["kind"] == "past_cadence"
    assert "last touch 11 days ago" in frank["item"]["reason"]
    shown = crb("show", "frank").stdout
    assert f"last two-way touch: 11 days ago ({ELEVEN})" in shown


def test_scores_count_a_morning_call_in_tokyo_on_its_morning(crb: Crb, tmp_path: Path) -> None:
    ten = (TODAY - dt.timedelta(days=10)).isoformat()
    frank = _zone(crb, tmp_path, "Asia/Tokyo", f"{ten} 08:00")  # 23:00 UTC the day before
    assert str(frank["last_touch"]).startswith(ELEVEN + "T23:00")
    # 10 days on a 10-day cadence: due today, not past it (UTC's 11 days: past it).
    assert frank["overdue"] == 0.0
    assert frank["warmth"] == 100
    assert frank["item"] is None or frank["item"]["kind"] != "past_cadence"
    assert f"last two-way touch: 10 days ago ({ten})" in crb("show", "frank").stdout


def test_local_day_functions_follow_the_clocks_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from crb_tui.store.health_functions import register_local_days

    monkeypatch.setattr(clock, "_configured_tz", "America/New_York")
    conn = sqlite3.connect(":memory:")
    register_local_days(conn)
    got = conn.execute(
        "select crb_local_day('2026-12-07T02:30:00+00:00'), crb_local_day('2026-12-07'),"
        " crb_local_day('2026-12-07T00:00:00+00:00'), crb_local_day('2026-12-07T12:00:00+00:00'),"
        " crb_local_day(null), crb_local_day('soon'),"
        " crb_local_jd('2026-12-07T02:30:00+00:00') = julianday('2026-12-06')").fetchone()
    assert got == ("2026-12-06", "2026-12-07", "2026-12-07", "2026-12-07", None, None, 1)


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Lord_Howe", "America/Havana",
                                  "Asia/Kolkata", "UTC"])
def test_local_days_kept_by_utc_day_agree_with_the_clock(monkeypatch: pytest.MonkeyPatch,
                                                         zone: str) -> None:
    """The SQL function keeps each UTC day's answers: over a year of stamps every 37 minutes
    (offset changes at half hours and at local midnight included) it says what the clock says."""
    import sqlite3

    from crb_tui.store.health_functions import register_local_days

    monkeypatch.setattr(clock, "_configured_tz", zone)
    conn = sqlite3.connect(":memory:")
    register_local_days(conn)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    stamps = [(start + dt.timedelta(minutes=37 * n)).isoformat() for n in range(365 * 39)]
    got = [row[0] for row in conn.execute(
        "select crb_local_day(value) from json_each(?)", [json.dumps(stamps)])]
    assert got == [clock.local_date(s).isoformat() for s in stamps]
