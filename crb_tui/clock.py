"""The one clock: what "now" and "today" are for the user, in their time zone from config (or
the system's). Every "now" and "today" in CRB comes from here.

``CRB_TODAY=YYYY-MM-DD`` pins the date (for demos, tests and snapshots): "now" is then 09:00 of
that day in the user's time zone, and every stamp CRB writes (a logged call, a kept promise,
a row's ``created``) is taken at that moment, so nothing written is ever "in the future" of
the pinned day. Only what must follow the real world (an OAuth token's expiry, a server's
``Retry-After``) reads the wall clock itself.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

from crb_tui.errors import CrbError

_configured_tz = ""
"""The ``[me] timezone`` of the config in use (set once the config is read)."""


def configure(tz_name: str) -> None:
    """Use the time zone ``tz_name`` (``[me] timezone``; empty: the system's) for every "now"
    that is not given one explicitly."""
    global _configured_tz
    user_tz(tz_name)  # refuse an unknown zone now, not at the first stamp
    _configured_tz = tz_name


def user_tz(name: str | None = None) -> dt.tzinfo:
    if name is None:
        name = _configured_tz
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CrbError(f"unknown time zone {name!r} in [me] timezone") from exc
    tz = dt.datetime.now().astimezone().tzinfo
    return tz or dt.UTC


def now(tz_name: str | None = None) -> dt.datetime:
    """Now, in the user's time zone, to the second (09:00 of the pinned day under ``CRB_TODAY``)."""
    tz = user_tz(tz_name)
    pinned = os.environ.get("CRB_TODAY")
    if pinned:
        # (relative pins such as "+3d" count from the real date)
        day = parse_date(pinned, what="CRB_TODAY", base=dt.datetime.now(tz).date())
        return dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
    return dt.datetime.now(tz).replace(microsecond=0)


def today(tz_name: str | None = None) -> dt.date:
    return now(tz_name).date()


def now_utc() -> dt.datetime:
    """Now in UTC, to the second: what stored stamps are made of."""
    return now().astimezone(dt.UTC)


_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}


def parse_date(text: str, *, what: str = "date", base: dt.date | None = None) -> dt.date:
    """A date as the user types it: ``2026-03-01``, ``today``, ``tomorrow``, ``+3d``, ``-1m``..."""
    raw = str(text).strip().lower()
    base = base or today()
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
        day = parse_date(raw, what=what, base=now(tz_name=None).astimezone(tz).date())
        return dt.datetime.combine(day, dt.time(12, 0), tzinfo=tz)
