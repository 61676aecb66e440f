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
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from crb_tui import Delete, Interaction, Reject, Skip, Source, SyncContext, hookimpl
from crb_tui.sdk import CrbError, normalise_email, today
from crb_tui.sdk.calendars import CalendarOptions, calendar_records, options_from_settings

__version__ = "0.1.0"

NAME = "caldav"
STATE_VERSION = 1
REFRESH_DAYS = 7
"""Recurring series (and events beyond the window) are read again when the window's end has
moved this many days past the one they were last expanded to."""

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

_DAV = "{DAV:}"
_CAL = "{urn:ietf:params:xml:ns:caldav}"
P_RESOURCETYPE = _DAV + "resourcetype"
P_DISPLAYNAME = _DAV + "displayname"
P_SYNC_TOKEN = _DAV + "sync-token"
P_ETAG = _DAV + "getetag"
P_CTAG = "{http://calendarserver.org/ns/}getctag"
P_COMPONENTS = _CAL + "supported-calendar-component-set"
P_HOME = _CAL + "calendar-home-set"
P_ADDRESSES = _CAL + "calendar-user-address-set"
CALENDAR_PROPS = [P_RESOURCETYPE, P_DISPLAYNAME, P_SYNC_TOKEN, P_CTAG, P_COMPONENTS]

REMOVED_DELETED = "event deleted on the CalDAV server"
REMOVED_CHANGED = "event changed on the CalDAV server"


class CalDAVError(CrbError):
    """The CalDAV source cannot go on: the message says what and where (never the password)."""


# -- settings and errors ------------------------------------------------------------------


@dataclass
class Settings:
    url: str
    username: str | None
    password: str | None = field(repr=False)
    calendars: list[str] = field(default_factory=list)
    sync_tokens: bool = True
    batch_size: int = 50
    timeout: float = 30.0
    verify: bool | str = True

    @property
    def shown(self) -> str:
        return shown(self.url)


def shown(url: str) -> str:
    """A URL as reports may show it: no user name or password, no query."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url.rsplit("@", 1)[-1]
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path or '/'}"


def settings(ctx: SyncContext) -> Settings:
    cfg = ctx.config
    url = str(cfg.get("url") or "").strip()
    if not url:
        raise CalDAVError(
            "sources.caldav.url is not set: give the address of your CalDAV server "
            "(e.g. https://cloud.example.com/remote.php/dav)"
        )
    password = ctx.secret("password")
    reference = cfg.get("password")
    if isinstance(reference, dict) and password is None:
        raise CalDAVError(
            f"sources.caldav.password: the secret reference {reference!r} gives no value "
            "(is the variable set, is the keyring entry there?)"
        )
    ca_file = str(cfg.get("ca_file") or "").strip()
    return Settings(
        url=url,
        username=str(cfg.get("username") or "").strip() or None,
        password=password or None,
        calendars=[str(c) for c in cfg.get("calendars") or [] if str(c).strip()],
        sync_tokens=bool(cfg.get("sync_tokens", True)),
        batch_size=max(1, int(cfg.get("batch_size", 50))),
        timeout=float(cfg.get("timeout", 30.0)) or 30.0,
        verify=ca_file or bool(cfg.get("verify_tls", True)),
    )


def _network_reason(exc: BaseException) -> str:
    text = str(exc)
    for needle, plain in (("refused", "connection refused"), ("timed out", "timed out"),
                          ("Timeout", "timed out"), ("Name or service not known", "unknown host"),
                          ("nodename nor servname", "unknown host"),
                          ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted"),
                          ("reset by peer", "connection reset"),
                          ("RemoteDisconnected", "connection closed by the server")):
        if needle in text:
            return plain
    return type(exc).__name__


def _status(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    reason = str(getattr(exc, "reason", "") or "").strip().splitlines()
    text = reason[0][:80] if reason and reason[0] != "no reason" else ""
    if isinstance(status, int):
        return f"HTTP {status}" + (f" {text}" if text else "")
    return text or type(exc).__name__


def why(exc: BaseException) -> str:
    """What went wrong with one request, in a few words."""
    from caldav.lib import error

    if isinstance(exc, error.AuthorizationError):
        return f"access refused ({_status(exc)})"
    if isinstance(exc, error.NotFoundError):
        return "not found"
    if isinstance(exc, error.DAVError):
        return f"{type(exc).__name__} ({_status(exc)})"
    if isinstance(exc, OSError):
        return _network_reason(exc)
    return f"{type(exc).__name__}: {exc}"


def translate(exc: BaseException, s: Settings, what: str, *, login: bool = False) -> Exception:
    """A library or network error as one clear :class:`CalDAVError` (or the error itself when it
    is neither: a bug should show as one)."""
    from caldav.lib import error

    if isinstance(exc, CalDAVError):
        return exc
    if _is_network(exc):
        return CalDAVError(f"cannot reach the CalDAV server at {s.shown}: "
                           f"{_network_reason(exc)}")
    if login and isinstance(exc, error.AuthorizationError):
        who = f"user {s.username!r}" if s.username else "an anonymous user"
        return CalDAVError(f"the CalDAV server at {s.shown} refused the login of {who} "
                           f"({_status(exc)}): check sources.caldav username and password")
    if login and isinstance(exc, error.NotFoundError):
        return CalDAVError(f"no CalDAV service at {s.shown} (not found): check sources.caldav "
                           "url")
    if isinstance(exc, error.DAVError):
        return CalDAVError(f"CalDAV server at {s.shown}: {what}: {why(exc)}")
    return exc


def _is_network(exc: BaseException) -> bool:
    from caldav.lib import error

    return isinstance(exc, OSError) and not isinstance(exc, error.DAVError)


# -- paths --------------------------------------------------------------------------------


def path_of(url: Any) -> str:
    """An object's or collection's path, percent-decoded: the one spelling the cursor uses
    (servers and the library disagree on ``@`` vs ``%40``)."""
    return unquote(urlsplit(str(url)).path)


def url_of(base: str, path: str) -> str:
    return urljoin(base, quote(path, safe="/:+,;=~!$&'()*"))


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


# -- the server ---------------------------------------------------------------------------


@dataclass
class Calendar:
    url: str
    path: str
    name: str
    token: str | None = None
    ctag: str | None = None


def connect(s: Settings) -> Any:
    import caldav

    try:
        return caldav.DAVClient(
            url=s.url, username=s.username, password=s.password, timeout=s.timeout,
            ssl_verify_cert=s.verify,
            # Discovery by DNS (RFC 6764) only for a bare domain or address, never for a URL.
            enable_rfc6764="://" not in s.url,
            headers={"User-Agent": f"crb-tui/{__version__} (caldav)"},
        )
    except Exception as exc:  # noqa: BLE001
        raise translate(exc, s, "connecting", login=True) from None


def _props(response: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(str(r.href), dict(r.properties or {})) for r in (response.results or [])]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    return str(getattr(value, "text", value)).strip() or None


def _hrefs(value: Any) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(getattr(v, "text", v)).strip() for v in values if v is not None]


def _calendar_of(base: str, href: str, props: dict[str, Any]) -> Calendar | Skip | None:
    kinds = [str(k) for k in (props.get(P_RESOURCETYPE) or [])]
    if not any(k == _CAL + "calendar" for k in kinds):
        return None
    url = urljoin(base, href)
    path = path_of(url)
    name = _text(props.get(P_DISPLAYNAME)) or path.rstrip("/").rsplit("/", 1)[-1] or path
    components = props.get(P_COMPONENTS)
    if isinstance(components, list) and components and "VEVENT" not in {
            str(c).upper() for c in components}:
        return Skip("calendar without events", name)
    return Calendar(url=url, path=path, name=name, token=_text(props.get(P_SYNC_TOKEN)),
                    ctag=_text(props.get(P_CTAG)))


def discover(client: Any, s: Settings) -> tuple[list[Calendar | Skip | Reject], set[str]]:
    """The calendars to sync (or why one is not) and the principal's own e-mail addresses."""
    wanted = list(s.calendars)
    only_urls = bool(wanted) and all("://" in w for w in wanted)
    found: list[Calendar | Skip] = []
    me: set[str] = set()
    if not only_urls:
        try:
            principal = client.principal()
            home_response = client.propfind(str(principal.url), props=[P_HOME, P_ADDRESSES],
                                            depth=0)
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, s, "finding your calendars", login=True) from None
        homes: list[str] = []
        for _, props in _props(home_response):
            homes += _hrefs(props.get(P_HOME))
            for address in _hrefs(props.get(P_ADDRESSES)):
                if address.lower().startswith("mailto:"):
                    email = normalise_email(address[len("mailto:"):])
                    if email:
                        me.add(email)
        home = urljoin(str(principal.url), homes[0]) if homes else str(principal.url)
        try:
            listing = client.propfind(home, props=CALENDAR_PROPS, depth=1)
        except Exception as exc:  # noqa: BLE001
            raise translate(exc, s, "listing your calendars", login=True) from None
        for href, props in _props(listing):
            cal = _calendar_of(home, href, props)
            if cal is not None:
                found.append(cal)
    if not wanted:
        return list(found), me
    chosen: list[Calendar | Skip | Reject] = []
    for want in wanted:
        match = _match(want, [c for c in found if isinstance(c, Calendar)])
        if match is None and "://" in want:
            try:
                response = client.propfind(want, props=CALENDAR_PROPS, depth=0)
            except Exception as exc:  # noqa: BLE001
                if _is_network(exc) or getattr(exc, "status", None) == 401:
                    raise translate(exc, s, "reading a calendar", login=True) from None
                chosen.append(Reject(f"cannot read this calendar: {why(exc)}", shown(want)))
                continue
            for href, props in _props(response)[:1]:
                match = _calendar_of(want, href, props)
        if match is None:
            names = ", ".join(sorted(c.name for c in found if isinstance(c, Calendar)))
            chosen.append(Reject(f"no such calendar (found: {names or 'none'})",
                                 f"sources.caldav.calendars: {want}"))
        elif not any(isinstance(c, Calendar) and isinstance(match, Calendar)
                     and c.path == match.path for c in chosen):
            chosen.append(match)
    return chosen, me


def _match(want: str, calendars: list[Calendar]) -> Calendar | None:
    w = want.strip()
    wpath = path_of(w).rstrip("/") if ("://" in w or w.startswith("/")) else None
    for cal in calendars:
        if wpath is not None and cal.path.rstrip("/") == wpath:
            return cal
    for cal in calendars:
        if cal.name.casefold() == w.casefold():
            return cal
    for cal in calendars:
        if cal.path.rstrip("/").rsplit("/", 1)[-1] == w.strip("/"):
            return cal
    return None


class _TokenExpired(Exception):
    pass


class _NoSyncReport(Exception):
    pass


def sync_report(calendar: Any, token: str | None) -> tuple[dict[str, str | None], set[str],
                                                           str | None]:
    """RFC 6578 sync-collection: ``(changed path -> ETag, deleted paths, new token)``."""
    from caldav.elements import dav
    from caldav.lib import error

    try:
        result = calendar.get_objects_by_sync_token(sync_token=token, load_objects=False,
                                                    disable_fallback=True)
    except error.AuthorizationError as exc:
        pre = set(getattr(exc, "preconditions", None) or ())
        if dav.ValidSyncToken.tag in pre:
            raise _TokenExpired() from None
        if dav.SupportedReport.tag in pre:
            raise _NoSyncReport(str(exc)) from None
        raise
    except error.DAVError as exc:
        status = getattr(exc, "status", None)
        if token and (status == 412 or dav.ValidSyncToken.tag in (exc.preconditions or ())):
            raise _TokenExpired() from None  # Xandikos answers an unknown token with 412
        if isinstance(status, int) and status >= 500 and status != 501:
            raise  # a server in trouble, not a server without the REPORT: try again next time
        raise _NoSyncReport(why(exc)) from None
    deleted = {path_of(u) for u in (getattr(result, "deleted_urls", None) or ())}
    changed: dict[str, str | None] = {}
    for obj in result:
        path = path_of(obj.url)
        if path in deleted:
            continue
        changed[path] = (getattr(obj, "props", None) or {}).get(P_ETAG)
    return changed, deleted, getattr(result, "sync_token", None)


def etag_listing(client: Any, cal: Calendar) -> dict[str, str | None]:
    """Every object in the calendar with its ETag (one PROPFIND, depth 1)."""
    response = client.propfind(cal.url, props=[P_RESOURCETYPE, P_ETAG], depth=1)
    out: dict[str, str | None] = {}
    for href, props in _props(response):
        path = path_of(urljoin(cal.url, href))
        if path.rstrip("/") == cal.path.rstrip("/"):
            continue
        kinds = props.get(P_RESOURCETYPE) or []
        if any("collection" in str(k) for k in kinds):
            continue
        out[path] = _text(props.get(P_ETAG))
    return out


def fetch(client: Any, calendar: Any, cal: Calendar, paths: list[str]
          ) -> dict[str, tuple[str | bytes, str | None]]:
    """The data and ETag of each object, in one calendar-multiget REPORT; objects the REPORT
    did not bring are fetched one by one, and those the server says are gone are left out."""
    import caldav
    from caldav.lib import error
    from caldav.lib.url import URL

    out: dict[str, tuple[str | bytes, str | None]] = {}
    try:
        objects = calendar.multiget([URL.objectify(url_of(cal.url, p)) for p in paths])
    except Exception as exc:
        if _is_network(exc) or isinstance(exc, error.AuthorizationError):
            raise
        objects = []
    for obj in objects:
        data = getattr(obj, "raw_data", None) or obj.data
        if data:
            out[path_of(obj.url)] = (data, (obj.props or {}).get(P_ETAG))
    for path in paths:
        if path in out:
            continue
        obj = caldav.CalendarObjectResource(client=client, url=url_of(cal.url, path),
                                            parent=calendar)
        try:
            obj.load()
        except error.NotFoundError:
            continue
        data = getattr(obj, "raw_data", None) or obj.data
        if data:
            out[path] = (data, (obj.props or {}).get(P_ETAG))
    return out


# -- one calendar -------------------------------------------------------------------------


class CalendarSync:
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

    def run(self) -> Iterator[Any]:
        import caldav

        calendar = caldav.Calendar(client=self.client, url=self.cal.url)
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
                except _TokenExpired:
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
            except _NoSyncReport as exc:
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
                yield Delete(prefix=f"ics:{uid}|", reason=reason)
                continue
            for suffix in suffixes:
                key = _key(uid, suffix)
                if self.state.key_holders[key] <= 0:
                    yield Delete(source_key=key, reason=reason)


# -- the source ---------------------------------------------------------------------------


def sync(ctx: SyncContext) -> Iterator[Any]:
    s = settings(ctx)
    opts = options_from_settings(ctx.config, today())
    state = State(ctx.checkpoint.get(), shown(s.url))
    client = connect(s)
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
                if _is_network(exc) or not isinstance(err, CalDAVError):
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
        )
    )
