"""One calendar's sync: the cursor (``State``: per calendar its sync-token, ctag and, per
object, its ETag and the meeting keys it produced) and ``CalendarSync``, which asks the server
(``_server``) what changed, turns each changed object into meetings with
:func:`crb_tui.sdk.calendars.calendar_records`, and deletes the meetings an object no longer
produces (unless another object still does)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from crb_caldav._server import (
    NAME,
    Calendar,
    NoSyncReport,
    Settings,
    TokenExpired,
    etag_listing,
    fetch,
    sync_report,
)
from crb_tui import Delete, Interaction, Reject, Skip, SyncContext
from crb_tui.sdk import now_utc
from crb_tui.sdk.calendars import CalendarOptions, calendar_records
from crb_tui.sdk.http import parse_time

STATE_VERSION = 1
REFRESH_DAYS = 7
"""Recurring series (and events beyond the window) are read again when the window's end has
moved this many days past the one they were last expanded to."""

REMOVED_DELETED = "event deleted on the CalDAV server"
REMOVED_CHANGED = "event changed on the CalDAV server"


# -- the cursor ---------------------------------------------------------------------------


def _key(uid: str, suffix: str) -> str:
    return f"ics:{uid}|{suffix}"


class State:
    """The cursor: per calendar path ``{name, token, ctag, mode, items}``, ``items`` mapping an
    object's path to ``{etag, keys: {uid: [instance|attendee, ...]}, until}``; plus who holds
    which meeting key, so a key another object still produces is never removed."""

    def __init__(self, raw: Any, server: str) -> None:
        raw = raw if isinstance(raw, dict) and raw.get("v") == STATE_VERSION else {}
        self.calendars: dict[str, dict[str, Any]] = dict(raw.get("calendars") or {})
        if raw.get("server") not in (None, server):
            # Another server: its tokens mean nothing here; the ETag listing will reconcile.
            for cal in self.calendars.values():
                cal["token"] = cal["ctag"] = None
        self.server = server
        self.key_holders: Counter[str] = Counter()
        self.uid_holders: Counter[str] = Counter()
        for cal in self.calendars.values():
            for item in cal.get("items", {}).values():
                self._count(item, 1)

    def dump(self) -> dict[str, Any]:
        return {"v": STATE_VERSION, "server": self.server, "calendars": self.calendars}

    def calendar(self, path: str, name: str) -> dict[str, Any]:
        cal = self.calendars.setdefault(path, {"token": None, "ctag": None, "mode": "sync",
                                               "items": {}})
        cal["name"] = name
        cal.setdefault("items", {})
        return cal

    def _count(self, item: dict[str, Any], sign: int) -> None:
        for uid, suffixes in (item.get("keys") or {}).items():
            self.uid_holders[uid] += sign
            for suffix in suffixes:
                self.key_holders[_key(uid, suffix)] += sign

    def put(self, items: dict[str, Any], path: str, item: dict[str, Any]) -> None:
        old = items.get(path)
        if old is not None:
            self._count(old, -1)
        items[path] = item
        self._count(item, 1)

    def pop(self, items: dict[str, Any], path: str) -> dict[str, Any] | None:
        old = items.pop(path, None)
        if old is not None:
            self._count(old, -1)
        return old


def _group(keys: Iterable[str], uid_of: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key in sorted(keys):
        uid = uid_of[key]
        out.setdefault(uid, []).append(key[len(f"ics:{uid}|"):])
    return out


def _instance_day(suffix: str) -> dt.date | None:
    """The date of a key's instance (``YYYYMMDD`` or ``YYYYMMDDTHHMMSSZ``, then ``|email``)."""
    try:
        return dt.date(int(suffix[0:4]), int(suffix[4:6]), int(suffix[6:8]))
    except (ValueError, IndexError):
        return None


# -- one calendar -------------------------------------------------------------------------


class CalendarSync:
    """Brings one calendar up to date, saving the cursor after every batch."""

    def __init__(self, ctx: SyncContext, client: Any, cal: Calendar, state: State,
                 opts: CalendarOptions, me: tuple[str, ...], s: Settings) -> None:
        self.ctx = ctx
        self.client = client
        self.cal = cal
        self.state = state
        self.opts = opts
        self.me = me
        self.s = s
        self.cs = state.calendar(cal.path, cal.name)
        self.items: dict[str, Any] = self.cs["items"]
        self.requests = {"listing": 0, "fetched": 0}
        self.last_read: dt.datetime | None = None

    def run(self) -> Iterator[Any]:
        from caldav.collection import Calendar as DAVCalendar

        calendar = DAVCalendar(client=self.client, url=self.cal.url)
        started = now_utc()
        # When the calendar was last read up to date: a meeting begun by then took place, and
        # stays when its event is deleted afterwards (a series ended by deleting it).
        self.last_read = parse_time(self.cs.get("last_read"))
        changed, gone, token, listed = self.what_changed(calendar)
        due = [p for p, item in self.items.items()
               if p not in changed and p not in gone and self._refresh_due(item)]
        for path in sorted(gone):
            yield from self.forget(path, REMOVED_DELETED)
        todo = sorted(changed) + sorted(due)
        total = len(todo)
        self.ctx.progress(0, total, self.cal.name)
        for start in range(0, total, self.s.batch_size):
            if self.ctx.cancelled:
                self.save()
                return
            chunk = todo[start:start + self.s.batch_size]
            got = fetch(self.client, calendar, self.cal, chunk)
            self.requests["fetched"] += len(chunk)
            for path in chunk:
                if path in got:
                    data, etag = got[path]
                    yield from self.read(path, data, etag or changed.get(path))
                else:
                    yield from self.forget(path, REMOVED_DELETED)
            self.save()
            self.ctx.progress(min(total, start + len(chunk)), total, self.cal.name)
        if token is not None:
            self.cs["token"] = token
        # The tag seen before listing: whatever changed since is seen next time.
        self.cs["ctag"] = self.cal.ctag or self.cal.token
        self.cs["last_read"] = started.isoformat()
        self.save()

    def save(self) -> None:
        self.ctx.checkpoint.set(self.state.dump())

    def what_changed(self, calendar: Any) -> tuple[dict[str, str | None], set[str],
                                                   str | None, bool]:
        """``(changed path -> ETag, gone paths, new sync-token, whether the calendar was
        fully compared)``."""
        stored = self.cs.get("token")
        if self.s.sync_tokens and self.cs.get("mode") != "etag":
            try:
                try:
                    changed, deleted, token = sync_report(calendar, stored)
                except TokenExpired:
                    self.ctx.logger.info("%s: sync-token of %s expired; comparing ETags",
                                         NAME, self.cal.name)
                    stored = None
                    changed, deleted, token = sync_report(calendar, None)
                self.requests["listing"] += 1
                if stored is None:  # a full listing: compare every ETag
                    return (*self._diff(changed), token, True)
                known = {p: e for p, e in changed.items()
                         if e is None or (self.items.get(p) or {}).get("etag") != e}
                return known, deleted & set(self.items), token, False
            except NoSyncReport as exc:
                self.ctx.logger.info("%s: %s has no sync-collection REPORT (%s); using ctag "
                                     "and ETags", NAME, self.cal.name, exc)
                self.cs["mode"] = "etag"
                self.cs["token"] = None
        tag = self.cal.ctag or self.cal.token
        if tag and tag == self.cs.get("ctag"):
            return {}, set(), None, False
        listing = etag_listing(self.client, self.cal)
        self.requests["listing"] += 1
        changed, gone = self._diff(listing)
        return changed, gone, None, True

    def _diff(self, listing: dict[str, str | None]) -> tuple[dict[str, str | None], set[str]]:
        changed = {p: e for p, e in listing.items()
                   if e is None or (self.items.get(p) or {}).get("etag") != e}
        return changed, set(self.items) - set(listing)

    def _refresh_due(self, item: dict[str, Any]) -> bool:
        until = item.get("until")
        if not until:
            return False
        try:
            day = dt.date.fromisoformat(until)
        except ValueError:
            return True
        return day + dt.timedelta(days=REFRESH_DAYS) <= self.opts.window_end

    def where(self, path: str) -> str:
        return f"{self.cal.name}/{path.rstrip('/').rsplit('/', 1)[-1]}"

    def read(self, path: str, data: str | bytes, etag: str | None) -> Iterator[Any]:
        records = list(calendar_records(data, where=self.where(path), me=self.me,
                                        options=self.opts))
        uid_of: dict[str, str] = {}
        for rec in records:
            if isinstance(rec, Interaction) and rec.thread and rec.thread.startswith("ics:"):
                uid = rec.thread[len("ics:"):]
                if rec.source_key.startswith(f"ics:{uid}|"):
                    uid_of[rec.source_key] = uid
        # A broken object never takes meetings away: what it produced before stays.
        broken = any(isinstance(r, Reject) for r in records)
        stale: list[str] = []
        for uid, suffixes in ((self.items.get(path) or {}).get("keys") or {}).items():
            for suffix in suffixes:
                key = _key(uid, suffix)
                if key in uid_of:
                    continue
                day = _instance_day(suffix)
                if broken or (day is not None and not (self.opts.window_start <= day
                                                       <= self.opts.window_end)):
                    uid_of[key] = uid  # kept: outside the window (history), or unreadable now
                else:
                    stale.append(key)
        new_keys = set(uid_of)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        upper = text.upper()
        revisit = ("RRULE" in upper or "RDATE" in upper
                   or any(isinstance(r, Skip) and r.reason == "outside window" for r in records))
        item: dict[str, Any] = {"etag": etag, "keys": _group(new_keys, uid_of)}
        if revisit:
            item["until"] = self.opts.window_end.isoformat()
        self.state.put(self.items, path, item)
        yield from records
        for key in sorted(stale):
            if self.state.key_holders[key] <= 0:
                yield Delete(source_key=key, reason=REMOVED_CHANGED)

    def forget(self, path: str, reason: str) -> Iterator[Any]:
        item = self.state.pop(self.items, path)
        if not item:
            return
        for uid, suffixes in (item.get("keys") or {}).items():
            if self.state.uid_holders[uid] <= 0:
                yield Delete(prefix=f"ics:{uid}|", reason=reason, keep_before=self.last_read)
                continue
            for suffix in suffixes:
                key = _key(uid, suffix)
                if self.state.key_holders[key] <= 0:
                    yield Delete(source_key=key, reason=reason, keep_before=self.last_read)
