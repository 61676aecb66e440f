"""What "now" and "today" are for the user: their time zone from config, or the system's.

``CRB_TODAY=YYYY-MM-DD`` pins the date (for demos, tests and snapshots).
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

from crb_tui.errors import CrbError


def user_tz(name: str = "") -> dt.tzinfo:
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CrbError(f"unknown time zone {name!r} in [me] timezone") from exc
    tz = dt.datetime.now().astimezone().tzinfo
    return tz or dt.UTC


def now(tz_name: str = "") -> dt.datetime:
    tz = user_tz(tz_name)
    pinned = os.environ.get("CRB_TODAY")
    if pinned:
        day = parse_date(pinned, what="CRB_TODAY")
        return dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
    return dt.datetime.now(tz).replace(microsecond=0)


def today(tz_name: str = "") -> dt.date:
    return now(tz_name).date()


_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}


def parse_date(text: str, *, what: str = "date", base: dt.date | None = None) -> dt.date:
    """A date as the user types it: ``2026-03-01``, ``today``, ``tomorrow``, ``+3d``, ``-1m``..."""
    raw = str(text).strip().lower()
    base = base or dt.date.today()
    if raw in _RELATIVE:
        return base + dt.timedelta(days=_RELATIVE[raw])
    if len(raw) >= 3 and raw[0] in "+-" and raw[-1] in "dwm" and raw[1:-1].isdigit():
        n = int(raw[1:-1]) * (-1 if raw[0] == "-" else 1)
        days = {"d": 1, "w": 7, "m": 30}[raw[-1]] * n
        return base + dt.timedelta(days=days)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(raw).date()
    except ValueError:
        raise CrbError(
            f"{what}: {text!r} is not a date (use YYYY-MM-DD, today, tomorrow or +3d/+2w/+1m)"
        ) from None


def parse_datetime(text: str, tz: dt.tzinfo, *, what: str = "date") -> dt.datetime:
    raw = str(text).strip()
    try:
        value = dt.datetime.fromisoformat(raw)
        return value if value.tzinfo else value.replace(tzinfo=tz)
    except ValueError:
        day = parse_date(raw, what=what, base=dt.datetime.now(tz).date())
        return dt.datetime.combine(day, dt.time(12, 0), tzinfo=tz)
