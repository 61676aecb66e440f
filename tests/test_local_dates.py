"""Touch dates are the user's dates: a call at 21:30 in New York (02:30 UTC the next day) is on
the evening's date and counted from it in `crb show`, `crb people`, the review's reasons and the
app's People list and person page ([me] timezone)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crb_tui import clock
from crb_tui.host.app_context import AppContext

from .conftest import TODAY, Crb
from .test_tui import make_app, screen_text, settle

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
    assert f"  {EVENING} call mutual evening" in shown
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
        app = make_app(context, screen="people")
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
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
