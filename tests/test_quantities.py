"""What people type for days, amounts and dates is read exactly or refused, never cut short."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crb_tui.clock import parse_date
from crb_tui.errors import CrbError
from crb_tui.quantities import parse_amount, parse_birthday, parse_days

MONDAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(("text", "days"), [
    ("14", 14), ("14d", 14), ("2w", 14), ("2 weeks", 14), ("3m", 90), ("1y", 365),
    ("every 10 days", 10), (" 7D ", 7),
])
def test_cadence_as_typed(text: str, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["2x", "w2", "0", "-5", "1.5w", "99999999999999999999", "11y",
                                  ""])
def test_cadence_refused_visibly(text: str) -> None:
    with pytest.raises(CrbError, match="cadence"):
        parse_days(text)


@pytest.mark.parametrize(("text", "amount"), [
    ("12000", 12000), ("12,000", 12000), ("12k", 12000), ("1.5k", 1500), ("2m", 2e6),
    ("12_500.50", 12500.5), (".5k", 500), ("1,234,567.5", 1234567.5), ("12 000", 12000),
])
def test_amount_as_typed(text: str, amount: float) -> None:
    assert parse_amount(text) == amount


@pytest.mark.parametrize(("text", "says"), [
    ("12k EUR", "no currency name"), ("€12", "no currency name"), ("inf", "not an amount"),
    ("nan", "not an amount"), ("1e400", "not an amount"), ("0", "out of range"),
    ("-5", "not an amount"), ("12E", "not an amount"),
    # Trial 9 F5: a decimal comma was read as a thousands separator (1,5k stored as 15,000)
    ("1,5k", "a comma only groups thousands"), ("12,00", "a comma only groups thousands"),
    ("1,5", "a comma only groups thousands"), ("12,000,00", "a comma only groups thousands"),
    ("1_0", "not an amount"),
])
def test_amount_refused_visibly(text: str, says: str) -> None:
    with pytest.raises(CrbError, match=says):
        parse_amount(text)


@pytest.mark.parametrize(("text", "day"), [
    ("friday", dt.date(2026, 11, 27)), ("fri", dt.date(2026, 11, 27)),
    ("monday", MONDAY), ("next monday", dt.date(2026, 11, 30)),
    ("next friday", dt.date(2026, 12, 4)), ("next week", dt.date(2026, 11, 30)),
    ("next month", dt.date(2026, 12, 1)), ("in 2 weeks", dt.date(2026, 12, 7)),
    ("3d", dt.date(2026, 11, 26)), ("+2w", dt.date(2026, 12, 7)), ("-1d", dt.date(2026, 11, 22)),
    ("tomorrow", dt.date(2026, 11, 24)), ("2027-01-05", dt.date(2027, 1, 5)),
])
def test_dates_as_typed(text: str, day: dt.date) -> None:
    assert parse_date(text, base=MONDAY) == day


@pytest.mark.parametrize("text", ["fr", "someday", "next year", "+99999d0", "friday week"])
def test_dates_refused_visibly(text: str) -> None:
    with pytest.raises(CrbError, match="not a date"):
        parse_date(text, base=MONDAY)


@given(st.integers(min_value=0, max_value=6), st.dates(min_value=dt.date(2000, 1, 1),
                                                        max_value=dt.date(2100, 1, 1)))
def test_a_weekday_is_the_coming_one(weekday: int, base: dt.date) -> None:
    name = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][weekday]
    day = parse_date(name, base=base)
    assert day.weekday() == weekday and 0 <= (day - base).days < 7
    assert parse_date(f"next {name}", base=base) == day + dt.timedelta(days=7)


@pytest.mark.parametrize(("text", "stored"), [
    ("1985-04-12", "1985-04-12"), ("04-12", "--04-12"), ("--04-12", "--04-12"),
    ("12 April", "--04-12"), ("April 12", "--04-12"), ("12 apr 1985", "1985-04-12"),
    ("Feb 29", "--02-29"), ("April 12, 1985", "1985-04-12"),
])
def test_birthday_as_typed(text: str, stored: str) -> None:
    assert parse_birthday(text, today=MONDAY) == stored


@pytest.mark.parametrize("text", ["31 February", "2030-01-01", "1850-01-01", "someday",
                                  "13-45", "12 April nineteen"])
def test_birthday_refused_visibly(text: str) -> None:
    with pytest.raises(CrbError, match="birthday"):
        parse_birthday(text, today=MONDAY)
