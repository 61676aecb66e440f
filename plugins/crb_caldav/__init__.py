"""CRB's built-in CalDAV source: meetings from any CalDAV server (Nextcloud, Fastmail, iCloud,
Radicale, ...) through the ``caldav`` library, synced incrementally. A plain plugin, written only
against the public plugin API and the calendar logic it shares with the ``.ics`` importer
(:mod:`crb_tui.sdk.calendars`): the same event read from a file, a URL or
a CalDAV server is the same meeting (``ics:<UID>|<instance>|<attendee>``), stored once.

How a sync goes, per calendar:

1. Discovery: the principal, its calendar home and the calendars in it (one depth-1 PROPFIND
   of the home, which also brings each calendar's sync-token and ctag; none at all when
   ``calendars`` lists URLs only); the principal's own addresses
   (``calendar-user-address-set``) count as the user's, besides ``[me] emails``. Calendars that
   hold no events (task lists) are skipped. ``calendars`` picks some by name, id or URL.
2. What changed: an RFC 6578 ``sync-collection`` REPORT from the stored sync-token lists the
   objects added, changed and deleted since. Without a token (first sync), with an expired one
   (the server forgot it) or when ``sync_tokens`` is off or the server has no such REPORT, the
   calendar's ctag (or sync-token property) is compared with the stored one and, when it moved,
   one PROPFIND lists every object's ETag, compared with the stored ETags.
3. Only the objects that changed are fetched, ``batch_size`` at a time with one
   ``calendar-multiget`` REPORT each, and turned into meetings by
   :func:`crb_tui.sdk.calendars.calendar_records` (recurrences expanded from ``past_days`` ago to
   ``future_days`` ahead, EXDATE / overrides / cancelled instances honoured, Windows time zone
   names understood).
4. Removal: an object deleted on the server takes its meetings with it; an object that changed
   takes away the meetings it no longer produces (moved, cancelled, an attendee removed, an
   instance excluded, now declined). Meetings before the window are kept (history). A meeting
   another stored object still produces (the same invitation in two calendars) stays.
5. Recurring series, and events beyond the window, are read again once the window has moved a
   week further, so a weekly meeting keeps arriving although nobody edits it.

The cursor (``sync_state``) holds per calendar the sync-token, the ctag and, per object, its
ETag and the meeting keys it produced; it is saved after every batch, so an interrupted sync
resumes without loss or duplicates.

Settings (``[sources.caldav]``): ``url`` (the server, e.g.
``https://cloud.example.com/remote.php/dav``; a bare domain is discovered by RFC 6764),
``username``, ``password`` (a secret reference: ``{"$env" = "CALDAV_PASSWORD"}`` or
``{"$keyring" = "service/user"}``), ``calendars`` (names, ids or URLs; empty: every calendar
with events), ``past_days``, ``future_days``, ``max_attendees``, ``skip_declined``,
``timezone``, ``sync_tokens``, ``batch_size``, ``timeout`` (seconds), ``verify_tls``,
``ca_file``.

The parts: ``_server`` talks to the server (settings, errors, discovery, listing, fetching);
``_sync`` keeps the cursor and turns one calendar's objects into meetings and deletions; this
module runs them over every calendar and registers the source.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crb_caldav._server import (
    NAME,
    CalDAVError,
    Calendar,
    check_url,
    connect,
    discover,
    is_network,
    settings,
    shown,
    translate,
    why,
)
from crb_caldav._sync import REMOVED_CHANGED, REMOVED_DELETED, CalendarSync, State
from crb_tui import Reject, Source, SyncContext, hookimpl
from crb_tui.sdk import check_range, today
from crb_tui.sdk.calendars import check_calendar_settings, options_from_settings

__version__ = "0.1.0"

__all__ = ["NAME", "REMOVED_CHANGED", "REMOVED_DELETED", "CalDAVError", "register_sources", "sync"]

CONFIG_SCHEMA: dict[str, Any] = {
    "url": "",
    "username": "",
    "password": "",
    "calendars": [],
    "past_days": 730,
    "future_days": 60,
    "max_attendees": 25,
    "skip_declined": True,
    "timezone": "",
    "sync_tokens": True,
    "batch_size": 50,
    "timeout": 30.0,
    "verify_tls": True,
    "ca_file": "",
}


# -- the source ---------------------------------------------------------------------------


def check(cfg: dict[str, Any]) -> None:
    """The settings, checked before a sync and by ``crb doctor`` (``Source.check``)."""
    check_url(cfg)
    check_calendar_settings(NAME, cfg)
    check_range(NAME, cfg, "batch_size", 1)
    check_range(NAME, cfg, "timeout", 0.01)


def sync(ctx: SyncContext) -> Iterator[Any]:
    s = settings(ctx)
    opts = options_from_settings(ctx.config, today())
    state = State(ctx.checkpoint.get(), shown(s.url))
    client = connect(s, f"crb-tui/{__version__} (caldav)")
    try:
        calendars, own = discover(client, s)
        me = tuple(sorted(set(ctx.me) | own))
        todo = [c for c in calendars if isinstance(c, Calendar)]
        yield from (c for c in calendars if not isinstance(c, Calendar))
        for n, cal in enumerate(todo, 1):
            if ctx.cancelled:
                break
            job = CalendarSync(ctx, client, cal, state, opts, me, s)
            try:
                yield from job.run()
            except Exception as exc:  # noqa: BLE001 - one calendar never stops the others
                err = translate(exc, s, f"calendar {cal.name!r}")
                if is_network(exc) or not isinstance(err, CalDAVError):
                    raise err from None
                ctx.logger.warning("%s: %s", NAME, err)
                yield Reject(f"cannot sync this calendar: {why(exc)}", cal.name)
            ctx.logger.info("%s: %s: %d listing request(s), %d object(s) fetched", NAME,
                            cal.name, job.requests["listing"], job.requests["fetched"])
            ctx.progress(n, len(todo), f"{cal.name} done")
    finally:
        try:
            client.close()
        except Exception:  # noqa: BLE001
            pass


@hookimpl
def register_sources(register: Any) -> None:
    register(
        Source(
            name=NAME,
            sync=sync,
            description="Meetings from a CalDAV server (Nextcloud, Fastmail, iCloud, Radicale)",
            config_schema=dict(CONFIG_SCHEMA),
            check=check,
            direction_from_me=True,
        )
    )
