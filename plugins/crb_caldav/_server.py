"""Talking to the CalDAV server: the settings (``[sources.caldav]``) and the password kept out
of every message, errors from the library or the network said in one line, discovery of the
principal's calendars and own addresses, and the three ways of learning what is on a calendar
(an RFC 6578 ``sync-collection`` REPORT, an ETag listing, a ``calendar-multiget`` fetch).
Nothing here knows about meetings or the cursor: that is ``_sync``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from crb_tui import Reject, Skip, SyncContext
from crb_tui.sdk import CrbError, normalise_email, user_message

NAME = "caldav"

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


def check_url(cfg: dict[str, Any]) -> str:
    """``url``: set, and an http(s) address."""
    url = str(cfg.get("url") or "").strip()
    if not url:
        raise CalDAVError(
            "sources.caldav.url is not set: give the address of your CalDAV server "
            "(e.g. https://cloud.example.com/remote.php/dav)"
        )
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise CalDAVError(f"sources.caldav.url = {url!r} is not an http:// or https:// address")
    return url


def settings(ctx: SyncContext) -> Settings:
    cfg = ctx.config
    url = check_url(cfg)
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
    return user_message(exc)


def _status(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    reason = str(getattr(exc, "reason", "") or "").strip().splitlines()
    text = reason[0][:80] if reason and reason[0] != "no reason" else ""
    if isinstance(status, int):
        return f"HTTP {status}" + (f" {text}" if text else "")
    return text or "no reason given"


def why(exc: BaseException) -> str:
    """What went wrong with one request, in a few words."""
    from caldav.lib import error

    if isinstance(exc, error.AuthorizationError):
        return f"access refused ({_status(exc)})"
    if isinstance(exc, error.NotFoundError):
        return "not found"
    if isinstance(exc, error.DAVError):
        return f"the server refused it ({_status(exc)})"
    if isinstance(exc, OSError):
        return _network_reason(exc)
    return user_message(exc)


def translate(exc: Exception, s: Settings, what: str, *, login: bool = False) -> Exception:
    """A library or network error as one clear :class:`CalDAVError` (or the error itself when it
    is neither: a bug should show as one)."""
    from caldav.lib import error

    if isinstance(exc, CalDAVError):
        return exc
    if is_network(exc):
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


def is_network(exc: BaseException) -> bool:
    from caldav.lib import error

    return isinstance(exc, OSError) and not isinstance(exc, error.DAVError)


# -- paths --------------------------------------------------------------------------------


def path_of(url: Any) -> str:
    """An object's or collection's path, percent-decoded: the one spelling the cursor uses
    (servers and the library disagree on ``@`` vs ``%40``)."""
    return unquote(urlsplit(str(url)).path)


def url_of(base: str, path: str) -> str:
    return urljoin(base, quote(path, safe="/:+,;=~!$&'()*"))


# -- the server ---------------------------------------------------------------------------


@dataclass
class Calendar:
    url: str
    path: str
    name: str
    token: str | None = None
    ctag: str | None = None


def connect(s: Settings, user_agent: str) -> Any:
    # From its module: caldav's lazy top-level names are typed as plain objects.
    from caldav.davclient import DAVClient

    try:
        return DAVClient(
            url=s.url, username=s.username, password=s.password,
            # caldav types it int; it hands it to niquests, which takes seconds as a float.
            timeout=s.timeout,  # type: ignore[arg-type]
            ssl_verify_cert=s.verify,
            # Discovery by DNS (RFC 6764) only for a bare domain or address, never for a URL.
            enable_rfc6764="://" not in s.url,
            headers={"User-Agent": user_agent},
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
        match: Calendar | Skip | None = _match(want, [c for c in found if isinstance(c, Calendar)])
        if match is None and "://" in want:
            try:
                response = client.propfind(want, props=CALENDAR_PROPS, depth=0)
            except Exception as exc:  # noqa: BLE001
                if is_network(exc) or getattr(exc, "status", None) == 401:
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


class TokenExpired(Exception):
    """The server forgot the stored sync-token."""


class NoSyncReport(Exception):
    """The server (or this calendar) has no sync-collection REPORT."""


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
            raise TokenExpired() from None
        if dav.SupportedReport.tag in pre:
            raise NoSyncReport(str(exc)) from None
        raise
    except error.DAVError as exc:
        status = getattr(exc, "status", None)
        if token and (status == 412 or dav.ValidSyncToken.tag in (exc.preconditions or ())):
            raise TokenExpired() from None  # Xandikos answers an unknown token with 412
        if isinstance(status, int) and status >= 500 and status != 501:
            raise  # a server in trouble, not a server without the REPORT: try again next time
        raise NoSyncReport(why(exc)) from None
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
    from caldav.calendarobjectresource import CalendarObjectResource
    from caldav.lib import error
    from caldav.lib.url import URL

    out: dict[str, tuple[str | bytes, str | None]] = {}
    try:
        objects = calendar.multiget([URL.objectify(url_of(cal.url, p)) for p in paths])
    except Exception as exc:
        if is_network(exc) or isinstance(exc, error.AuthorizationError):
            raise
        objects = []
    for obj in objects:
        data = getattr(obj, "raw_data", None) or obj.data
        if data:
            out[path_of(obj.url)] = (data, (obj.props or {}).get(P_ETAG))
    for path in paths:
        if path in out:
            continue
        obj = CalendarObjectResource(client=client, url=url_of(cal.url, path),
                                            parent=calendar)
        try:
            obj.load()
        except error.NotFoundError:
            continue
        data = getattr(obj, "raw_data", None) or obj.data
        if data:
            out[path] = (data, (obj.props or {}).get(P_ETAG))
    return out
