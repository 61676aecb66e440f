"""The Outlook calendar source: events from Microsoft Graph -> meeting interactions, through
``crb_tui.sdk.calendars`` (the same records as an ``.ics`` or Google copy of the same meeting).

``/me/calendarView/delta`` over a window (``past_days`` back, ``future_days`` ahead) lists every
occurrence in it, recurring series expanded, page by page through ``@odata.nextLink`` with a
checkpoint after each page; the last page's ``@odata.deltaLink`` is kept, and later syncs see
only what changed. The window is fixed in the link, so a full round runs again every
``resync_days`` days as time moves on; ``410 Gone`` / ``syncStateNotFound`` start one too. At
the end of a full round, meetings CRB stored that the window no longer holds are removed.

Each event becomes a :class:`crb_tui.sdk.calendars.Meeting` for ``meeting_records``: one
``meeting`` interaction per attendee and the organizer, never the user, rooms or resources
(``type: resource``), placeholders or people who declined; events the user declined are skipped.
Keys are the iCalendar ones, ``ics:<UID>|<instance>|<attendee>``: the UID is the event's ``uid``
(the series' iCalendar UID) or, without it, ``iCalUId``; the instance is ``originalStart`` for an
occurrence of a series, else the start, in UTC. A cancelled event and ``@removed`` remove their
meetings; so does a move (the old instance) and an attendee who left.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Generator, Iterator
from typing import Any

from crb_outlook._http import SyncReset
from crb_outlook._ids import IdMap
from crb_outlook._session import Session
from crb_tui import Delete, Interaction, Reject, Skip, SyncContext
from crb_tui.sdk import normalise_email, now_utc
from crb_tui.sdk.calendars import (
    Attendee,
    Meeting,
    clean_text,
    instance_key,
    meeting_records,
    person_name,
)
from crb_tui.sdk.http import Stopped, parse_time

CURSOR_VERSION = 1
SCOPE = "cal"
PARTSTAT = {"accepted": "ACCEPTED", "organizer": "ACCEPTED", "declined": "DECLINED",
            "tentativelyaccepted": "TENTATIVE", "notresponded": "NEEDS-ACTION",
            "none": "NEEDS-ACTION"}
_FRACTION = re.compile(r"(\.\d{6})\d+")


def moment(value: Any) -> dt.datetime:
    """A Graph ``dateTimeTimeZone`` (or a DateTimeOffset string) as an aware UTC datetime."""
    if isinstance(value, str):
        text, zone = value, "UTC"
    elif isinstance(value, dict) and value.get("dateTime"):
        text, zone = str(value["dateTime"]), str(value.get("timeZone") or "UTC")
    else:
        raise ValueError("no start time")
    when = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text).replace("Z", "+00:00"))
    if when.tzinfo is None:
        tz: dt.tzinfo = dt.UTC
        if zone.upper() not in ("UTC", "Z"):
            try:
                tz = zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                tz = dt.UTC  # a Windows zone name: CRB asks Graph for UTC, so rarely here
        when = when.replace(tzinfo=tz)
    return when.astimezone(dt.UTC)


def _person(value: Any) -> tuple[str, str | None]:
    inner = value.get("emailAddress") if isinstance(value, dict) else None
    if not isinstance(inner, dict):
        return "", None
    return str(inner.get("address") or "").strip(), person_name(inner.get("name"))


def to_meeting(event: dict[str, Any]) -> tuple[Meeting, set[str]]:
    """A Graph event as a :class:`Meeting`, and the user's own addresses it reveals."""
    start = moment(event.get("start"))
    all_day = bool(event.get("isAllDay"))
    uid = clean_text(event.get("uid"), 1000) or clean_text(event.get("iCalUId"), 1000) or str(
        event.get("id") or "")
    original = event.get("originalStart")
    first = moment(original) if original and event.get("type") in ("occurrence", "exception") \
        else start
    if all_day:
        day = moment(event.get("start")).date() if not original else first.date()
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        instance = instance_key(day)
    else:
        instance = instance_key(first)
    duration = None
    if not all_day and event.get("end"):
        try:
            delta = moment(event.get("end")) - start
            if dt.timedelta(0) < delta <= dt.timedelta(days=7):
                duration = int(delta.total_seconds() // 60)
        except ValueError:
            duration = None
    mine: set[str] = set()
    organizer = None
    raw, name = _person(event.get("organizer"))
    if raw:
        organizer = Attendee(email=normalise_email(raw), raw=raw, name=name)
        if event.get("isOrganizer") and organizer.email:
            mine.add(organizer.email)
    attendees = []
    for a in event.get("attendees") or []:
        if not isinstance(a, dict):
            continue
        raw, name = _person(a)
        kind = str(a.get("type") or "required").lower()
        answer = str((a.get("status") or {}).get("response") or "").lower()
        attendees.append(Attendee(
            email=normalise_email(raw) if raw else None, raw=raw, name=name,
            partstat=PARTSTAT.get(answer, ""),
            role="OPT-PARTICIPANT" if kind == "optional" else "REQ-PARTICIPANT",
            cutype="RESOURCE" if kind == "resource" else "INDIVIDUAL",
        ))
    meeting = Meeting(
        uid=uid, instance=instance, start=start, all_day=all_day, duration_minutes=duration,
        summary=clean_text(event.get("subject")),
        status="CANCELLED" if event.get("isCancelled") else "CONFIRMED",
        organizer=organizer, attendees=attendees,
    )
    return meeting, mine


class OutlookCalendar:
    def __init__(self, ctx: SyncContext, session: Session) -> None:
        cfg = ctx.config
        self.ctx = ctx
        self.session = session
        self.api = session.api
        self.me = {m.lower() for m in ctx.me}
        self.now = now_utc()
        self.max_attendees = int(cfg["max_attendees"])
        self.skip_declined = bool(cfg["skip_declined"])
        cursor = ctx.checkpoint.get() or {}
        if not isinstance(cursor, dict) or cursor.get("v") != CURSOR_VERSION:
            cursor = {"v": CURSOR_VERSION}
        self.cursor: dict[str, Any] = cursor
        self.ids = IdMap(ctx.state)
        self.me |= {str(m) for m in cursor.get("me", [])}
        self.seen = 0
        self.last_read = parse_time(cursor.get("last_read") or cursor.get("last_full"))
        """When the calendar was last read up to date: a meeting begun by then took place."""

    def save(self) -> None:
        out = dict(self.cursor)
        if "me" in out:
            out["me"] = list(out["me"])
        self.ctx.checkpoint.set(out)

    # -- records ----------------------------------------------------------------------------

    def forget(self, event_id: str, reason: str, *, held: bool = False) -> Iterator[Any]:
        """Remove what the event stored; ``held``: not its meetings that had begun when the
        calendar was last read (deleted or cancelled afterwards, or gone out of the window:
        they took place)."""
        entry, shared = self.ids.drop(f"{SCOPE}/{event_id}")
        if entry is not None and not shared:
            yield Delete(prefix=entry.prefix, reason=reason,
                         keep_before=self.last_read if held else None)

    def event(self, event: dict[str, Any], gen: int) -> Iterator[Any]:
        event_id = str(event.get("id") or "")
        if not event_id:
            return
        self.seen += 1
        where = f"outlook calendar event {event_id[-24:]}"
        if "@removed" in event:
            yield from self.forget(event_id, "removed in Outlook", held=True)
            return
        if event.get("isCancelled"):
            known = self.ids.get(f"{SCOPE}/{event_id}") is not None
            yield from self.forget(event_id, "cancelled in Outlook", held=True)
            if not known and event.get("start"):
                try:
                    meeting, _ = to_meeting(event)
                    yield Delete(prefix=f"ics:{meeting.uid}|{meeting.instance}|",
                                 reason="cancelled in Outlook", keep_before=self.last_read)
                except (ValueError, TypeError):
                    pass
            yield Skip("cancelled event", where)
            return
        if str(event.get("type") or "") == "seriesMaster":
            return  # the calendar view lists its occurrences
        try:
            meeting, mine = to_meeting(event)
        except (ValueError, TypeError, KeyError) as exc:
            yield Reject(f"cannot read event: {exc}", where)
            return
        answer = str((event.get("responseStatus") or {}).get("response") or "").lower()
        records: list[Any]
        if self.skip_declined and answer == "declined":
            records = [Skip("declined by you", where)]
        elif meeting.start.date() > self.last_day:
            records = [Skip("outside window", where)]
        else:
            records = meeting_records(meeting, me=self.me | mine, where=where,
                                      max_attendees=self.max_attendees,
                                      skip_declined=self.skip_declined)
        keys = [r.source_key for r in records if isinstance(r, Interaction)]
        prefix = f"ics:{meeting.uid}|{meeting.instance}|"
        old = self.ids.get(f"{SCOPE}/{event_id}")
        if old is not None:
            if old.prefix != prefix:
                yield from self.forget(event_id, "event moved")
            else:
                why = "attendee left the event" if keys else (
                    f"now {getattr(records[0], 'reason', 'skipped')}" if records else "removed")
                for key in old.keys:
                    if key not in keys:
                        yield Delete(source_key=key, reason=why)
                if not keys:
                    self.ids.drop(f"{SCOPE}/{event_id}")
        if keys:
            self.ids.put(f"{SCOPE}/{event_id}", prefix, keys, gen)
        yield from records

    def learn_me(self, events: list[dict[str, Any]]) -> None:
        """The organizer of an event the user organised (``isOrganizer``) is the user: known
        before the page's events are read, and kept in the cursor (Graph marks no attendee as
        the user, as Google's ``self`` does; ``[me] emails`` says it from the start)."""
        for event in events:
            raw, _ = _person(event.get("organizer")) if event.get("isOrganizer") else ("", None)
            own = normalise_email(raw) if raw else None
            if own and own not in self.me:
                self.me.add(own)
                self.cursor["me"] = sorted({*self.cursor.get("me", []), own})

    # -- rounds -----------------------------------------------------------------------------

    def round(self) -> Generator[Any, None, None]:
        st = self.cursor
        params: dict[str, str] | None = None
        if st.get("next"):
            url = str(st["next"])
        elif st.get("delta") and not self.resync_due():
            url = str(st["delta"])
            st["mode"] = "delta"
        else:
            cfg = self.ctx.config
            start = self.now - dt.timedelta(days=int(cfg["past_days"]))
            end = self.now + dt.timedelta(days=int(cfg["future_days"]) + 1)
            url = f"{self.session.graph}/me/calendarView/delta"
            params = {"startDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "endDateTime": end.strftime("%Y-%m-%dT%H:%M:%SZ")}
            st.update(mode="full", gen=self.ids.next_gen(SCOPE), started=self.now.isoformat(),
                      delta=None, next=None)
            self.save()
        gen = int(st.get("gen") or 0)
        page: dict[str, Any] = {}
        for page in self.api.delta_pages(url, params, "calendarView delta", st, self.save):
            items = [item for item in page.get("value") or [] if isinstance(item, dict)]
            self.learn_me(items)
            for item in items:
                yield from self.event(item, gen)
            self.ctx.progress(self.seen, None, "events")
        if st.get("mode") == "full":
            for entry in self.ids.stale(SCOPE, gen):
                yield from self.forget(entry.id.split("/", 1)[1], "no longer in the calendar",
                                       held=True)
            st["last_full"] = st.get("started")
        st["last_read"] = st.get("started") if st.get("mode") == "full" else self.now.isoformat()
        st["next"] = None
        st["delta"] = str(page.get("@odata.deltaLink") or st.get("delta") or "")
        self.save()

    def resync_due(self) -> bool:
        days = int(self.ctx.config["resync_days"])
        try:
            last = dt.datetime.fromisoformat(str(self.cursor.get("last_full") or ""))
        except ValueError:
            return True
        return bool(days) and self.now - last >= dt.timedelta(days=days)

    @property
    def last_day(self) -> dt.date:
        return self.now.date() + dt.timedelta(days=int(self.ctx.config["future_days"]))

    def run(self) -> Iterator[Any]:
        cursor = self.cursor
        try:
            yield from self.round()
        except SyncReset as exc:
            self.ctx.logger.warning("%s: the delta link is no longer valid (%s); reading the "
                                    "calendar again", self.ctx.source, exc)
            for key in ("next", "delta", "last_full"):
                cursor.pop(key, None)
            yield from self.round()


def sync(ctx: SyncContext) -> Iterator[Any]:
    session = Session(ctx, prefer='outlook.timezone="UTC"')
    try:
        yield from OutlookCalendar(ctx, session).run()
    except Stopped:
        return
    finally:
        session.close()
