"""CRB's built-in iCalendar importer: ``.ics`` files and ``https://`` calendar URLs (Google's
secret address, Outlook's published calendar, any CalDAV server's export). A plain plugin,
written only against the public plugin API and the shared logic in :mod:`crb_tui.sdk.calendars`.

Events with attendees become meetings (kind ``meeting``, direction ``mutual``) with each
participant other than the user; recurring events are expanded from ``past_days`` ago to
``future_days`` ahead; cancelled events and instances, events the user declined, events
with more than ``max_attendees`` attendees, and attendees who are nobody (rooms, resources,
groups, placeholders such as ``redacted`` or ``XXX``, invalid addresses) are skipped and
counted, each with its reason.

The user is known by ``[me] emails``: with none configured, the user's own address cannot be
told apart and is counted as a participant like anyone else. Series recurring more often than
daily are skipped (no meeting does; expanding them would take hours).

Settings (``[sources.ics]``): ``paths`` (files or URLs read by ``crb sync ics``), ``past_days``,
``future_days``, ``max_attendees`` (0: no limit), ``skip_declined``, ``timezone`` (IANA name for
floating times and unknown zones; empty: the system's).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crb_tui import Reject, Source, SyncContext, hookimpl
from crb_tui.sdk import today, user_message
from crb_tui.sdk.calendars import (
    CalendarOptions,
    calendar_records,
    check_calendar_settings,
    later_note,
    looks_like_icalendar,
    options_from_settings,
)

__version__ = "0.1.0"

MAX_BYTES = 64 * 1024 * 1024
"""A calendar larger than this is refused (a URL serving something else, a runaway export)."""

_URL_HINTS = (".ics", ".ical", ".ifb", "ical", "calendar", "webcal")


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://",
                                                                "webcal://"))


def detect(path: Path, head: bytes) -> str | None:
    """``ics`` for iCalendar content (``BEGIN:VCALENDAR``, or a bare ``BEGIN:VEVENT`` /
    ``BEGIN:VTIMEZONE`` as some tools write); for a URL (no bytes to look at), one whose address
    says calendar (``.ics``, ``ical``, ``calendar``). Never vCard (``BEGIN:VCARD``)."""
    if not head:
        text = str(path).lower()
        # crb import hands a URL over as Path("https://..."), which folds "//" to "/".
        if text.startswith(("http:/", "https:/", "webcal:/")):
            return "ics" if any(h in text for h in _URL_HINTS) else None
        return None
    sample = head[:256].decode("utf-8", "replace")
    return "ics" if looks_like_icalendar(sample) else None


def shown(url: str) -> str:
    """A calendar URL as it may appear in reports and logs: secret addresses carry their token
    in the path or the query, so only the host and the last path segment are shown."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return f"{parts.scheme}://{parts.hostname or ''}/…/{last}" if last else (
        f"{parts.scheme}://{parts.hostname or ''}/")


def fetch(ctx: SyncContext, url: str) -> bytes | Reject:
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    try:
        with ctx.http_client() as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                return Reject(f"cannot fetch: HTTP {response.status_code}", shown(url))
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    return Reject(f"larger than {MAX_BYTES // 2**20} MiB", shown(url))
                chunks.append(chunk)
            return b"".join(chunks)
    except Exception as exc:  # noqa: BLE001 - httpx raises many kinds; report, never crash
        return Reject(f"cannot fetch: {user_message(exc)}", shown(url))


def read(path: Path) -> bytes | Reject:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return Reject(f"larger than {MAX_BYTES // 2**20} MiB", str(path))
        return path.read_bytes()
    except OSError as exc:
        return Reject(f"cannot read: {exc.strerror or exc}", str(path))


def options(ctx: SyncContext) -> CalendarOptions:
    return options_from_settings(ctx.config, today())


def sync(ctx: SyncContext) -> Iterator[Any]:
    items = list(ctx.paths) or [
        p if _is_url(p) else Path(p).expanduser() for p in ctx.config.get("paths", [])
    ]
    opts = options(ctx)
    # Each event's SEQUENCE and stored occurrences, across files and runs (see calendar_records).
    events = ctx.state.namespace("events")
    this_run: set[str] = set()  # the events read in this run (copies of one are compared)
    later: list[int] = []  # occurrences of series after the window, one note for the run
    for n, item in enumerate(items, 1):
        if _is_url(item):
            where = shown(str(item))
            data = fetch(ctx, str(item))
        else:
            where = str(item)
            data = read(Path(item))
        if isinstance(data, Reject):
            yield data
            continue
        yield from calendar_records(data, where=where, me=ctx.me, options=opts, state=events,
                                    this_run=this_run, later=later)
        ctx.progress(n, len(items), where)
    note = later_note(ctx.source, sum(later), opts, int(ctx.config.get("future_days", 60)))
    if note:
        ctx.note(note)


@hookimpl
def register_sources(register: Any) -> None:
    register(
        Source(
            name="ics",
            sync=sync,
            description="Meetings from iCalendar (.ics) files and calendar URLs",
            config_schema={
                "paths": [],
                "past_days": 730,
                "future_days": 60,
                "max_attendees": 25,
                "skip_declined": True,
                "timezone": "",
            },
            formats=("ics",),
            direction_from_me=True,
            detect=detect,
            check=lambda cfg: check_calendar_settings("ics", cfg),
        )
    )
