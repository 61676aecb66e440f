"""The Google Calendar API source: events -> meeting interactions (``crb_tui.sdk.calendars``).

For each calendar in ``calendars`` (default ``primary``):

- full sync: ``events.list`` with ``singleEvents=true`` (recurring events come as instances),
  ``showDeleted=true``, ``timeMin`` = ``past_days`` ago, page by page with a checkpoint after
  each page; the last page's ``nextSyncToken`` is stored; events CRB stored that the listing no
  longer shows are removed. A full sync runs again every ``resync_days`` days, so that instances
  beyond the ``future_days`` window come in as time moves on.
- later syncs: ``events.list`` with the ``syncToken``; ``410 fullSyncRequired`` falls back to a
  full sync.

Each event becomes a :class:`crb_tui.sdk.calendars.Meeting` and goes through ``meeting_records``,
the function the ``.ics`` importer uses: one ``meeting`` interaction (direction ``mutual``) per
attendee and the organizer, never the user (``self: true``, or one of ``[me] emails``), never
rooms, resources, group calendars, placeholders or invalid addresses (each counted as skipped with
its reason), never people who declined. Keys are the iCalendar ones,
``ics:<iCalUID>|<instance>|<attendee>`` with the instance from ``originalStartTime`` (the
RECURRENCE-ID) or ``start`` in UTC, so the same occurrence from an ``.ics`` file and from Google
is stored once.

A cancelled event (or instance) removes its meetings; so does an event the user has declined
since, one that moved (its old instance key), and an attendee who left the event.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from crb_google._deletes import Delete
from crb_google._ids import Entry
from crb_google._schema import CALENDAR_SCHEMA
from crb_google._session import Session
from crb_tui import Interaction, Reject, Skip, SyncContext, sdk
from crb_tui.sdk import normalise_email
from crb_tui.sdk.calendars import (
    Attendee,
    Meeting,
    clean_text,
    instance_key,
    meeting_records,
    person_name,
)
from crb_tui.sdk.http import ApiError, Stopped, parse_time

SCHEMA = CALENDAR_SCHEMA

SKIP_EVENT_TYPES = frozenset({"birthday", "outOfOffice", "focusTime", "workingLocation"})
PARTSTAT = {"needsAction": "NEEDS-ACTION", "declined": "DECLINED", "tentative": "TENTATIVE",
            "accepted": "ACCEPTED"}
CURSOR_VERSION = 1


class SyncTokenExpired(Exception):
    pass


def when(value: dict[str, Any] | None) -> tuple[dt.datetime, bool]:
    """An ``EventDateTime`` as ``(aware UTC datetime, all_day)``; all-day at 00:00 UTC."""
    if not isinstance(value, dict):
        raise ValueError("no start time")
    if value.get("dateTime"):
        moment = dt.datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            tz: dt.tzinfo = dt.UTC
            if value.get("timeZone"):
                try:
                    tz = zoneinfo.ZoneInfo(str(value["timeZone"]))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    tz = dt.UTC
            moment = moment.replace(tzinfo=tz)
        return moment.astimezone(dt.UTC), False
    if value.get("date"):
        day = dt.date.fromisoformat(str(value["date"]))
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), True
    raise ValueError("no start time")


def instance_of(event: dict[str, Any]) -> tuple[str, str]:
    """``(uid, instance)``: the event's iCalendar identity, as ``crb_tui.sdk.calendars`` keys it."""
    uid = clean_text(event.get("iCalUID"), 1000) or str(event.get("id") or "")
    original = event.get("originalStartTime")
    moment, all_day = when(original if isinstance(original, dict) and original
                           else event.get("start"))
    return uid, instance_key(moment.date() if all_day else moment)


def to_meeting(event: dict[str, Any]) -> tuple[Meeting, set[str]]:
    """A Google event as a :class:`Meeting`, and the user's own addresses it reveals."""
    start, all_day = when(event.get("start"))
    uid, instance = instance_of(event)
    duration = None
    if not all_day and isinstance(event.get("end"), dict):
        try:
            end, _ = when(event["end"])
            delta = end - start
            if dt.timedelta(0) < delta <= dt.timedelta(days=7):
                duration = int(delta.total_seconds() // 60)
        except ValueError:
            duration = None
    mine: set[str] = set()
    attendees: list[Attendee] = []
    for a in event.get("attendees") or []:
        if not isinstance(a, dict):
            continue
        raw = str(a.get("email") or "")
        email = normalise_email(raw) if raw else None
        if a.get("self") and email:
            mine.add(email)
        attendees.append(Attendee(
            email=email, raw=raw, name=person_name(a.get("displayName")),
            partstat=PARTSTAT.get(str(a.get("responseStatus") or ""), ""),
            role="OPT-PARTICIPANT" if a.get("optional") else "REQ-PARTICIPANT",
            cutype="RESOURCE" if a.get("resource") else "INDIVIDUAL",
        ))
    for who in ("organizer", "creator"):
        person = event.get(who)
        if isinstance(person, dict) and person.get("self") and person.get("email"):
            own = normalise_email(str(person["email"]))
            if own:
                mine.add(own)
    organizer = None
    org = event.get("organizer")
    if isinstance(org, dict) and org.get("email"):
        # A shared calendar as the organizer (``...@group.calendar.google.com``) is nobody: it
        # is skipped and counted like any other calendar address; the organizer's attendee
        # entry, if any, keeps its answer and its own name.
        raw = str(org["email"])
        organizer = Attendee(email=normalise_email(raw), raw=raw,
                             name=person_name(org.get("displayName")))
    meeting = Meeting(
        uid=uid, instance=instance, start=start, all_day=all_day, duration_minutes=duration,
        summary=clean_text(event.get("summary")),
        status=str(event.get("status") or "confirmed").upper(),
        organizer=organizer, attendees=attendees,
    )
    return meeting, mine


class GoogleCalendar:
    def __init__(self, ctx: SyncContext, session: Session) -> None:
        cfg = ctx.config
        self.ctx = ctx
        self.session = session
        self.api = session.api
        self.ids = session.ids
        self.root = str(cfg["api_base"]).rstrip("/") + "/calendar/v3/calendars"
        self.me = {m.lower() for m in ctx.me}
        self.page_size = int(cfg["page_size"])
        self.now = sdk.now_utc()
        self.last_day = self.now.date() + dt.timedelta(days=int(cfg["future_days"]))
        self.max_attendees = int(cfg["max_attendees"])
        self.skip_declined = bool(cfg["skip_declined"])
        self.cursor: dict[str, Any] = {}
        self.seen = 0
        self.last_read: dict[str, dt.datetime | None] = {}
        """Each calendar's last read, up to date: meetings begun by then had taken place."""

    def save(self) -> None:
        self.ctx.checkpoint.set({"v": CURSOR_VERSION,
                                 "calendars": {k: dict(v) for k, v in
                                               self.cursor["calendars"].items()}})

    def list_events(self, cal: str, params: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.root}/{quote(cal, safe='@')}/events"
        try:
            return self.api.get(url, {"singleEvents": "true", "showDeleted": "true",
                                      "maxResults": self.page_size, **params},
                                what=f"events.list {cal}")
        except ApiError as exc:
            if exc.status == 410:
                raise SyncTokenExpired(exc.message) from exc
            raise

    def pages(self, cal: str, state: dict[str, Any], params: dict[str, Any]
              ) -> Iterator[dict[str, Any]]:
        """The pages of ``events.list`` from the ``page_token`` in ``state`` on: after each page
        the caller has handled, the next page's token is saved in ``state`` (a checkpoint)."""
        while True:
            token = state.get("page_token")
            page = self.list_events(cal, {**params, "pageToken": token} if token else params)
            yield page
            if not page.get("nextPageToken"):
                return
            state["page_token"] = page["nextPageToken"]
            self.save()

    # -- records --------------------------------------------------------------------------

    def remove(self, cal: str, entry: Entry, reason: str, *, held: bool = False
               ) -> Iterator[Any]:
        """Remove what ``entry`` stored; ``held``: not its meetings that had begun when the
        calendar was last read (a series ended by deleting it, an event deleted afterwards,
        one gone out of the window: they took place)."""
        self.ids.mark_removed(cal, entry.id)
        if self.ids.shared(entry.prefix, cal, entry.id):
            return
        yield Delete(prefix=entry.prefix, reason=reason,
                     keep_before=self.last_read.get(cal) if held else None)

    def cancelled(self, cal: str, event: dict[str, Any], where: str) -> Iterator[Any]:
        event_id = str(event.get("id") or "")
        entry = self.ids.get(cal, event_id) if event_id else None
        # A cancelled series: its instances are "<series id>_<start>".
        entries = [entry] if entry else (
            self.ids.with_id_prefix(cal, event_id + "_") if event_id else [])
        for e in entries:
            if e.live:
                yield from self.remove(cal, e, "cancelled in Google Calendar", held=True)
        if not entries and event.get("iCalUID") and (event.get("originalStartTime")
                                                     or event.get("start")):
            try:
                uid, instance = instance_of(event)
            except ValueError:
                uid = ""
            if uid:
                prefix = f"ics:{uid}|{instance}|"
                if not self.ids.shared(prefix, cal, event_id):
                    yield Delete(prefix=prefix, reason="cancelled in Google Calendar",
                                 keep_before=self.last_read.get(cal))
        yield Skip("cancelled event", where)

    def event(self, cal: str, event: dict[str, Any], gen: int) -> Iterator[Any]:
        event_id = str(event.get("id") or "")
        where = f"google calendar {cal} event {event_id}"
        self.seen += 1
        if str(event.get("status") or "").lower() == "cancelled":
            yield from self.cancelled(cal, event, where)
            return
        kind = str(event.get("eventType") or "default")
        try:
            meeting, mine = to_meeting(event)
        except (ValueError, TypeError, KeyError) as exc:
            yield Reject(f"cannot read event: {exc}", where)
            return
        records: list[Any]
        if kind in SKIP_EVENT_TYPES:
            records = [Skip(f"{kind} event", where)]
        elif meeting.start.date() > self.last_day:
            records = [Skip("outside window", where)]
        else:
            records = meeting_records(meeting, me=self.me | mine, where=where,
                                      max_attendees=self.max_attendees,
                                      skip_declined=self.skip_declined)
        keys = [r.source_key for r in records if isinstance(r, Interaction)]
        prefix = f"ics:{meeting.uid}|{meeting.instance}|"
        old = self.ids.get(cal, event_id) if event_id else None
        if old is not None and old.live:
            if old.prefix != prefix:
                yield from self.remove(cal, old, "event moved")
            elif not self.ids.shared(prefix, cal, event_id):
                why = "attendee left the event" if keys else (
                    f"now {getattr(records[0], 'reason', 'skipped')}" if records else "removed")
                for key in old.keys:
                    if key not in keys:
                        yield Delete(source_key=key, reason=why)
        if event_id and (keys or old is not None):
            self.ids.put(cal, event_id, prefix, keys, gen, live=bool(keys))
        yield from records

    # -- syncs ----------------------------------------------------------------------------

    def full(self, cal: str, state: dict[str, Any]) -> Iterator[Any]:
        if state.get("mode") != "full":
            time_min = self.now - dt.timedelta(days=int(self.ctx.config["past_days"]))
            state = {"mode": "full", "page_token": None,
                     "gen": self.ids.next_gen(cal),
                     "time_min": time_min.strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "started": self.now.isoformat(), "last_read": state.get("last_read")}
            self.cursor["calendars"][cal] = state
            self.save()
        else:
            self.ctx.logger.info("google_calendar: resuming the full sync of %s", cal)
        gen = int(state["gen"])
        page: dict[str, Any] = {}
        for page in self.pages(cal, state, {"timeMin": state["time_min"]}):
            for item in page.get("items") or []:
                if isinstance(item, dict):
                    yield from self.event(cal, item, gen)
                    self.ids.touch(cal, str(item.get("id") or ""), gen)
            self.ctx.progress(self.seen, None, f"calendar {cal}")
        for entry in self.ids.stale(cal, gen):
            yield from self.remove(cal, entry, "no longer in the calendar", held=True)
        self.cursor["calendars"][cal] = {
            "mode": "incremental", "sync_token": page.get("nextSyncToken"),
            "page_token": None, "last_full": state["started"], "last_read": state["started"],
        }
        self.save()

    def incremental(self, cal: str, state: dict[str, Any]) -> Iterator[Any]:
        page: dict[str, Any] = {}
        for page in self.pages(cal, state, {"syncToken": state["sync_token"]}):
            for item in page.get("items") or []:
                if isinstance(item, dict):
                    yield from self.event(cal, item, 0)
            self.ctx.progress(self.seen, None, f"calendar {cal}")
        state["sync_token"] = page.get("nextSyncToken") or state["sync_token"]
        state["page_token"] = None
        state["last_read"] = self.now.isoformat()
        self.save()

    def run(self) -> Iterator[Any]:
        cursor = self.ctx.checkpoint.get() or {}
        if not isinstance(cursor, dict) or cursor.get("v") != CURSOR_VERSION:
            cursor = {"v": CURSOR_VERSION, "calendars": {}}
        self.cursor = cursor
        for cal in [str(c) for c in self.ctx.config["calendars"]]:
            try:
                yield from self.calendar(cal)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                # A calendar deleted by its owner, or unsubscribed from: one rejected line, and
                # the calendars after it are read (it failed the whole source, every run).
                yield Reject(f"calendar {cal} not found (deleted, or no longer shared with "
                             "you?): take it out of calendars in the config",
                             f"google calendar {cal}")

    def calendar(self, cal: str) -> Iterator[Any]:
        """One calendar's sync: incremental from its sync token, or a full one."""
        cursor = self.cursor
        resync = dt.timedelta(days=int(self.ctx.config["resync_days"]))
        if "@" in cal:
            own = normalise_email(cal)
            if own:
                self.me.add(own)
        state = dict(cursor["calendars"].get(cal) or {})
        cursor["calendars"][cal] = state
        # When the calendar was last read whole (a meeting begun by then had taken place).
        self.last_read[cal] = parse_time(state.get("last_read") or state.get("last_full"))
        if state.get("mode") == "incremental" and state.get("sync_token"):
            last_full = parse_time(state.get("last_full"))
            if resync and last_full and self.now - last_full >= resync:
                self.ctx.logger.info("google_calendar: %s: periodic full sync", cal)
            else:
                try:
                    yield from self.incremental(cal, state)
                    return
                except SyncTokenExpired:
                    self.ctx.logger.warning("google_calendar: %s: sync token expired; "
                                            "running a full sync", cal)
            state = {"last_read": state.get("last_read")}
        try:
            yield from self.full(cal, state)
        except SyncTokenExpired:
            # The page token of an interrupted full sync expired: start that calendar over.
            self.ctx.logger.warning("google_calendar: %s: full sync restarted", cal)
            yield from self.full(cal, {})


def sync(ctx: SyncContext) -> Iterator[Any]:
    session = Session(ctx, concurrency=1, quota_per_second=float(ctx.config["quota_per_second"]),
                      label="google_calendar")
    try:
        yield from GoogleCalendar(ctx, session).run()
    except Stopped:
        return
    finally:
        session.close()
