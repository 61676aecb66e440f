"""A fake Microsoft Graph and identity platform on 127.0.0.1 for the tests and the benchmark,
in the shapes of Microsoft's published documentation (``message``, ``event``, delta responses
with ``@odata.nextLink`` / ``@odata.deltaLink`` and ``@removed``, error bodies
``{"error": {"code": ..., "message": ..., "innerError": {...}}}``, the identity platform's
``{"error": ..., "error_description": ..., "error_codes": [...]}``), with switchable faults.

- ``POST /{tenant}/oauth2/v2.0/devicecode``: a device code; ``POST /{tenant}/oauth2/v2.0/token``:
  the device-code grant (answering ``device_answers`` in turn: ``authorization_pending``,
  ``slow_down``, ``expired_token``, ``access_denied``... then the tokens) and the refresh grant
  (a new refresh token each time, as Microsoft does).
- ``GET /v1.0/me/mailFolders/{folder}/messages/delta``: the folder's messages (``$select``ed
  fields only), ``Prefer: odata.maxpagesize``, ``$skiptoken`` pages, a ``$deltatoken`` at the
  end; from a delta token, what changed since (moved out or deleted: ``@removed``); a token
  older than ``expire_delta_links()`` answers ``410 Gone`` with ``syncStateNotFound``.
- ``GET /v1.0/me/messages/{id}`` (``parentFolderId``) and ``/v1.0/me/mailFolders/{name}``.
- ``GET /v1.0/me/calendarView/delta?startDateTime=...&endDateTime=...``: occurrences in the
  window, the same paging and tokens; deleted events come as ``@removed``.

Every Graph call needs ``Authorization: Bearer`` with a live token holding the scope it needs
(``Mail.ReadBasic`` / ``Calendars.Read``). Faults are :class:`tests.fake_http.Fault`: an
HTTP error with Graph's body (``reason`` is the error code) and an optional ``Retry-After``, a
slow answer, a connection dropped half-way, a reset, every access token expired.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from crb_tui import clock
from tests.fake_http import Answer, FakeApi, json_answer, private_json
from tests.google_server import DOMAINS, FIRST, LAST
from tests.source_env import SourceEnv

CLIENT_ID = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
ME = "me@contoso.example"
MAIL = "Mail.ReadBasic"
CALENDARS = "Calendars.Read"
MESSAGE_FIELDS = ("from", "toRecipients", "ccRecipients", "subject", "sentDateTime",
                  "internetMessageId", "inferenceClassification")

GRAPH_ERRORS = {
    400: ("ErrorInvalidParameter", "The value of the parameter is not valid."),
    401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    403: ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    404: ("ErrorItemNotFound", "The specified object was not found in the store."),
    410: ("syncStateNotFound", "The sync state generation is not found."),
    429: ("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
    500: ("generalException", "An unspecified error has occurred."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable."),
}
OAUTH_ERRORS = {
    "authorization_pending": (70016, "The provided request has not yet been authorized by the "
                                     "user. The user must input their code."),
    "slow_down": (70016, "The client is polling too fast."),
    "expired_token": (70020, "The provided value for the input parameter 'device_code' is "
                             "not valid. This device code has expired."),
    "access_denied": (70019, "The user declined the request."),
    "authorization_declined": (70019, "The user declined the request."),
    "bad_verification_code": (70021, "No matching federated identity record found."),
    "invalid_grant": (70000, "The provided value for the 'refresh_token' is not valid."),
    "invalid_client": (7000218, "The request body must contain the following parameter: "
                                "'client_assertion' or 'client_secret'."),
}


def graph_error(status: int, code: str = "", message: str | None = None) -> dict[str, Any]:
    default_code, default_message = GRAPH_ERRORS.get(status, ("generalException", "Error"))
    return {"error": {"code": code or default_code, "message": message or default_message,
                      "innerError": {"date": "2026-12-07T08:00:00",
                                     "request-id": "4c0b7a4e-1111-4c55-9d0e-6b3f0c0d2a11",
                                     "client-request-id": "4c0b7a4e-1111-4c55-9d0e-6b3f0c0d2a11"}}}


def oauth_error(code: str) -> dict[str, Any]:
    number, text = OAUTH_ERRORS.get(code, (50000, "Error."))
    return {"error": code, "error_description": f"AADSTS{number}: {text}\r\nTrace ID: 0000\r\n"
            "Correlation ID: 0000\r\nTimestamp: 2026-12-07 08:00:00Z", "error_codes": [number],
            "timestamp": "2026-12-07 08:00:00Z", "trace_id": "0000", "correlation_id": "0000"}


def graph_id(kind: str, n: int) -> str:
    """An id shaped like Exchange's immutable ids (base64, with ``+``, ``/`` and ``=``)."""
    raw = b"\x00\x00\x09\x00" + kind.encode() + n.to_bytes(6, "big") + hashlib.sha1(
        f"{kind}{n}".encode()).digest()[:23]
    return base64.b64encode(raw).decode()


def folder_id(name: str) -> str:
    return base64.b64encode(f"folder:{name}".encode() + b"\xfb\xff").decode()


def recipient(name: str, address: str) -> dict[str, Any]:
    return {"emailAddress": {"name": name, "address": address}}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return json_answer(status, body, headers, content_type="application/json; "
                       "odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; "
                       "charset=utf-8")


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGraph(FakeApi):
    def __init__(self, *, user: str = ME, token_lifetime: int = 3600,
                 latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.user = user
        self.token_lifetime = token_lifetime
        self.messages: dict[str, dict[str, Any]] = {}
        self.left: dict[tuple[str, str], int] = {}
        """(folder, message id) -> seq of the change that took it out of the folder."""
        self.events: dict[str, dict[str, Any]] = {}
        self.events_gone: dict[str, int] = {}
        self.seq = 1
        self.min_seq = 0
        self.reset_code = "syncStateNotFound"
        self.rounds: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, set[str]] = {}
        self.refresh_tokens: dict[str, set[str]] = {}
        self.device_answers: list[str] = ["authorization_pending"]
        self.device_codes: dict[str, list[str]] = {}
        self.device_interval: float = 0.05
        self.device_scopes: set[str] = set()
        self.polls: list[float] = []

    def error_body(self, status: int, reason: str, message: str | None) -> Any:
        return graph_error(status, reason, message)

    def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
        return _json(status, body, headers)

    def slowed(self, path: str) -> bool:
        return path.startswith("/v1.0/")

    @property
    def token_uri(self) -> str:
        return f"{self.url}/common/oauth2/v2.0/token"

    # -- tokens and faults --------------------------------------------------------------------

    def issue(self, scopes: set[str]) -> tuple[str, str]:
        access, refresh = self._next("eyJ0eXAiOiJKV1Qi.fake-access-"), self._next("0.AXkA-refresh-")
        with self.lock:
            self.access_tokens[access] = set(scopes)
            self.refresh_tokens[refresh] = set(scopes)
        return access, refresh

    def token_json(self, scopes: set[str] | None = None, *, expired: bool = False
                   ) -> dict[str, Any]:
        """A stored token, as ``crb auth microsoft`` writes it, pointing at this server."""
        scopes = scopes or {MAIL, CALENDARS}
        access, refresh = self.issue(scopes)
        now = clock.now_utc()
        expiry = now + dt.timedelta(seconds=-30 if expired else 3000)
        return {"client_id": CLIENT_ID, "tenant": "common", "token_uri": self.token_uri,
                "refresh_token": refresh, "token": access, "expiry": _iso(expiry),
                "scopes": sorted(scopes) + ["offline_access"]}

    def expire_delta_links(self, code: str = "syncStateNotFound") -> None:
        """Every delta link handed out so far now answers 410 Gone."""
        with self.lock:
            self.min_seq = self.seq + 1
            self.reset_code = code
            self.seq += 1

    def _bump(self) -> int:
        with self.lock:
            self.seq += 1
            return self.seq

    # -- the mailbox --------------------------------------------------------------------------

    def add_message(self, n: int, *, folder: str = "inbox", sender: tuple[str, str] | None = None,
                    to: list[tuple[str, str]] | None = None, cc: list[tuple[str, str]] | None
                    = None, subject: str = "", kind: str = "focused", when: dt.datetime | None
                    = None, message_id: str | None = None) -> str:
        when = when or clock.now_utc() - dt.timedelta(hours=n)
        mid = graph_id("msg", n)
        internet_id = message_id or f"<{n:05d}.{mid[8:16]}@mail.contoso.example>"
        msg: dict[str, Any] = {
            "@odata.etag": f'W/"CQAAABYAAAD{n:08d}"', "id": mid, "folder": folder,
            "from": recipient(*(sender or ("Me", self.user))),
            "toRecipients": [recipient(*a) for a in (to or [("Me", self.user)])],
            "ccRecipients": [recipient(*a) for a in cc or []],
            "subject": subject or f"Message {n}", "sentDateTime": _iso(when),
            "internetMessageId": internet_id.replace("/", "_").replace("+", "-"),
            "inferenceClassification": kind, "seq": self._bump(),
        }
        with self.lock:
            self.messages[mid] = msg
            self.left.pop((folder, mid), None)
        return mid

    def populate_mailbox(self, n: int, seed: int = 7) -> None:
        """``n`` messages: inbound Focused and Other mail in the Inbox, sent mail (some to
        several people, some in copy), junk, a mass mail, one to oneself (in both folders)."""
        rng = random.Random(seed)
        for i in range(n):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            person = (f"{first.title()} {last.title()}", f"{first}.{last}@{rng.choice(DOMAINS)}")
            roll = i % 10
            if roll < 5:
                self.add_message(i, sender=person, kind="focused")
            elif roll == 5:
                self.add_message(i, sender=("Newsletter", "news@shop.example"), kind="other")
            elif roll == 6:
                self.add_message(i, folder="junkemail", sender=("Prize", "win@spam.example"))
            elif roll == 7:
                other = (f"{rng.choice(FIRST).title()} Costa", f"{rng.choice(FIRST)}@acme.example")
                self.add_message(i, folder="sentitems", sender=("Me", self.user),
                                 to=[person], cc=[other], kind="focused")
            elif roll == 8:
                self.add_message(i, folder="sentitems", sender=("Me", self.user), to=[person])
            else:
                self.add_message(i, sender=(f"Zoë {last.title()}", f"zoe.{person[1]}"),
                                 to=[("Me", self.user), ("Team", "team@contoso.example")])
        crowd = [(f"P{k}", f"p{k}@crowd.example") for k in range(60)]
        self.add_message(n + 1, folder="sentitems", to=crowd, subject="To everyone")
        self.to_self(n + 2)

    def to_self(self, n: int) -> tuple[str, str]:
        """A message to oneself and a colleague: one copy in Sent Items, one in the Inbox."""
        message_id = f"<self-{n}@mail.contoso.example>"
        colleague = [("Me", self.user), ("Kemal Berg", "kemal.berg@contoso.example")]
        sent = self.add_message(n, folder="sentitems", to=colleague, message_id=message_id)
        inbox = self.add_message(n + 100000, folder="inbox", to=colleague, message_id=message_id)
        return sent, inbox

    def move(self, mid: str, folder: str) -> None:
        with self.lock:
            msg = self.messages[mid]
            self.left[(msg["folder"], mid)] = self._bump()
            msg["folder"] = folder
            msg["seq"] = self._bump()

    def delete(self, mid: str) -> None:
        with self.lock:
            msg = self.messages.pop(mid)
            self.left[(msg["folder"], mid)] = self._bump()

    def classify(self, mid: str, kind: str, *, partial: bool = False) -> None:
        """Move a message between Focused and Other; ``partial``: the delta then names only
        the changed property (as Graph may for an update)."""
        with self.lock:
            msg = self.messages[mid]
            msg["inferenceClassification"] = kind
            msg["added"] = msg["seq"]
            msg["seq"] = self._bump()
            if partial:
                msg["changed"] = ["inferenceClassification"]

    def expected_mail_keys(self, folders: tuple[str, ...] = ("inbox", "sentitems")) -> set[str]:
        keys: set[str] = set()
        for msg in self.messages.values():
            if msg["folder"] not in folders or msg["inferenceClassification"] == "other":
                continue
            mid = msg["internetMessageId"].strip("<>")
            local, _, domain = mid.rpartition("@")
            mid = f"{local}@{domain.lower()}"
            sender = msg["from"]["emailAddress"]["address"].lower()
            if sender == self.user:
                people = {r["emailAddress"]["address"].lower()
                          for r in msg["toRecipients"] + msg["ccRecipients"]} - {self.user}
                if len(people) > 50:
                    continue
                keys |= {f"msg:{mid}|{p}" for p in people}
            else:
                keys.add(f"msg:{mid}|{sender}")
        return keys

    # -- the calendar -------------------------------------------------------------------------

    def add_event(self, n: int, *, start: dt.datetime, minutes: int = 30,
                  attendees: list[dict[str, Any]] | None = None,
                  organizer: tuple[str, str] | None = None, all_day: bool = False,
                  subject: str = "", response: str = "accepted", uid: str | None = None,
                  occurrence_of: str | None = None) -> str:
        eid = graph_id("evt", n)
        organizer = organizer or ("Me", self.user)
        if all_day:
            start = start.replace(hour=0, minute=0, second=0, microsecond=0)
            end = start + dt.timedelta(days=1)
        else:
            end = start + dt.timedelta(minutes=minutes)
        fmt = "%Y-%m-%dT%H:%M:%S.0000000"
        event: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.event", "@odata.etag": f'W/"DwAAABYAAAA{n:06d}"',
            "id": eid, "subject": subject or f"Meeting {n}",
            "iCalUId": uid or f"040000008200E00074C5B7101A82E0080000000{n:06d}",
            "type": "occurrence" if occurrence_of else "singleInstance",
            "seriesMasterId": occurrence_of, "isAllDay": all_day, "isCancelled": False,
            "isOrganizer": organizer[1] == self.user,
            "start": {"dateTime": start.astimezone(dt.UTC).strftime(fmt), "timeZone": "UTC"},
            "end": {"dateTime": end.astimezone(dt.UTC).strftime(fmt), "timeZone": "UTC"},
            "responseStatus": {"response": "organizer" if organizer[1] == self.user
                               else response, "time": "0001-01-01T00:00:00Z"},
            "organizer": recipient(*organizer),
            "attendees": attendees or [],
            "seq": self._bump(),
        }
        if occurrence_of:
            event["originalStart"] = _iso(start)
            event["uid"] = uid
            event["iCalUId"] = f"{uid}-{n}"
        with self.lock:
            self.events[eid] = event
            self.events_gone.pop(eid, None)
        return eid

    @staticmethod
    def attendee(name: str, address: str, kind: str = "required", response: str = "accepted"
                 ) -> dict[str, Any]:
        return {"type": kind, "status": {"response": response, "time": "2026-01-01T00:00:00Z"},
                "emailAddress": {"name": name, "address": address}}

    def populate_calendar(self, n: int, seed: int = 5) -> None:
        """Past and future meetings: with rooms, optional and declining attendees, all-day
        events, a weekly series, one declined by the user, one too big."""
        rng = random.Random(seed)
        now = clock.now_utc().replace(minute=0, second=0, microsecond=0)
        for i in range(n):
            start = now - dt.timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 8))
            people = []
            for _ in range(rng.randint(1, 3)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                people.append(self.attendee(f"{first.title()} {last.title()}",
                                            f"{first}.{last}@{rng.choice(DOMAINS)}"))
            if i % 4 == 0:
                people.append(self.attendee("Room 4.01", "room401@contoso.example", "resource"))
            if i % 5 == 0:
                people.append(self.attendee("Opt Ional", "opt@globex.example", "optional",
                                            "tentativelyAccepted"))
            if i % 6 == 0:
                people.append(self.attendee("No Way", "noway@globex.example", response="declined"))
            if i % 9 == 0:
                self.add_event(i, start=start, attendees=people, all_day=True)
            elif i % 11 == 0:
                self.add_event(i, start=start, attendees=[*people, self.attendee(
                    "Me", self.user, response="declined")], organizer=("Boss", "boss@acme.example"),
                    response="declined")
            else:
                self.add_event(i, start=start, attendees=people)
        series = "040000008200E00074C5B7101A82E00800000000SERIES"
        for k in range(4):
            self.add_event(n + k, start=now - dt.timedelta(days=7 * (k + 1)), uid=series,
                           occurrence_of=graph_id("evt", 999999),
                           attendees=[self.attendee("Ines Costa", "ines.costa@acme.example")])
        crowd = [self.attendee(f"P{k}", f"p{k}@crowd.example") for k in range(30)]
        self.add_event(n + 10, start=now - dt.timedelta(days=3), attendees=crowd)
        self.add_event(n + 11, start=now + dt.timedelta(days=5),
                       attendees=[self.attendee("Future Person", "future@acme.example")])

    def cancel_event(self, eid: str) -> None:
        with self.lock:
            self.events[eid]["isCancelled"] = True
            self.events[eid]["seq"] = self._bump()

    def delete_event(self, eid: str) -> None:
        with self.lock:
            self.events.pop(eid)
            self.events_gone[eid] = self._bump()

    def expected_meeting_keys(self, past_days: int = 730, future_days: int = 60,
                              held_before: dt.datetime | None = None) -> set[str]:
        """The oracle: nothing for cancelled events, except (``held_before``: when the calendar
        was last read) one that had begun by then: it took place."""
        now = clock.now_utc()
        keys: set[str] = set()
        for ev in self.events.values():
            start = dt.datetime.fromisoformat(ev["start"]["dateTime"][:19]).replace(
                tzinfo=dt.UTC)
            held = held_before is not None and start < held_before
            if (ev["isCancelled"] and not held) or start < now - dt.timedelta(days=past_days) or (
                    start.date() > now.date() + dt.timedelta(days=future_days)):
                continue
            if ev["responseStatus"]["response"] == "declined" or len(ev["attendees"]) > 25:
                continue
            uid = ev.get("uid") or ev["iCalUId"]
            moment = dt.datetime.fromisoformat(ev.get("originalStart", "").replace(
                "Z", "+00:00")) if ev.get("originalStart") else start
            instance = (start.strftime("%Y%m%d") if ev["isAllDay"]
                        else moment.strftime("%Y%m%dT%H%M%SZ"))
            people = {a["emailAddress"]["address"].lower() for a in ev["attendees"]
                      if a["type"] != "resource" and a["status"]["response"] != "declined"}
            people.add(ev["organizer"]["emailAddress"]["address"].lower())
            keys |= {f"ics:{uid}|{instance}|{p}" for p in people - {self.user}}
        return keys

    # -- answers ------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, list[str]], form: dict[str, str],
               headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path.endswith("/oauth2/v2.0/devicecode") and method == "POST":
            return self._devicecode(form)
        if path.endswith("/oauth2/v2.0/token") and method == "POST":
            return self._token(form)
        if not path.startswith("/v1.0/me/"):
            return _json(404, graph_error(404, "UnknownError", "Resource not found"))
        rest = path[len("/v1.0/me/"):]
        need = CALENDARS if rest.startswith("calendarView") else MAIL
        denied = self._check_auth(headers, need)
        if denied:
            return denied
        q = {k: v[0] for k, v in query.items()}
        size = 10
        for part in headers.get("prefer", "").split(","):
            if part.strip().startswith("odata.maxpagesize="):
                size = int(part.strip().split("=", 1)[1])
        if rest.startswith("mailFolders/") and rest.endswith("/messages/delta"):
            return self._delta(unquote(rest.split("/")[1]), q, size)
        if rest == "calendarView/delta":
            return self._delta("calendar", q, size)
        if rest.startswith("mailFolders/"):
            return _json(200, {"id": folder_id(unquote(rest.split("/")[1]))})
        if rest.startswith("messages/"):
            msg = self.messages.get(unquote(rest.split("/", 1)[1]))
            if msg is None:
                return _json(404, graph_error(404))
            fields = set(q.get("$select", "parentFolderId").split(","))
            body = {"id": msg["id"], "parentFolderId": folder_id(msg["folder"]),
                    **{k: v for k, v in msg.items() if k in MESSAGE_FIELDS}}
            return _json(200, {k: v for k, v in body.items() if k == "id" or k in fields})
        return _json(400, graph_error(400, "BadRequest", f"Resource not found for the segment "
                                      f"'{rest.split('/')[0]}'."))

    def _check_auth(self, headers: dict[str, str], need: str
                    ) -> tuple[int, dict[str, str], bytes] | None:
        value = headers.get("authorization", "")
        token = value[7:] if value.lower().startswith("bearer ") else ""
        with self.lock:
            scopes = self.access_tokens.get(token)
        if scopes is None:
            return _json(401, graph_error(401), {"WWW-Authenticate": 'Bearer realm=""'})
        if need not in scopes:
            return _json(403, graph_error(403))
        return None

    def _devicecode(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if form.get("client_id") != CLIENT_ID:
            return _json(400, oauth_error("invalid_client"))
        scopes = set(form.get("scope", "").split())
        code = self._next("DAQABAAEAAAD--DLA3VO7QrddgJg7Wevr-")
        with self.lock:
            self.device_codes[code] = list(self.device_answers)
            self.device_scopes = scopes - {"offline_access"}
        user_code = "G" + hashlib.sha1(code.encode()).hexdigest()[:7].upper()
        return _json(200, {
            "user_code": user_code, "device_code": code,
            "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900,
            "interval": self.device_interval,
            "message": f"To sign in, use a web browser to open the page "
                       f"https://microsoft.com/devicelogin and enter the code {user_code} to "
                       "authenticate."})

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        grant = form.get("grant_type")
        if form.get("client_id") != CLIENT_ID:
            return _json(400, oauth_error("invalid_client"))
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            with self.lock:
                self.polls.append(time.monotonic())
                answers = self.device_codes.get(form.get("device_code", ""))
                if answers is None:
                    return _json(400, oauth_error("bad_verification_code"))
                if answers:
                    return _json(400, oauth_error(answers.pop(0)))
                scopes = self.device_scopes
        elif grant == "refresh_token":
            with self.lock:
                found = self.refresh_tokens.get(form.get("refresh_token", ""))
                if found is None:
                    return _json(400, oauth_error("invalid_grant"))
                self.refreshes += 1
                scopes = found
        else:
            return _json(400, oauth_error("unsupported_grant_type"))
        access, refresh = self.issue(scopes)
        return _json(200, {
            "token_type": "Bearer", "expires_in": self.token_lifetime, "ext_expires_in": 3600,
            "scope": " ".join(f"https://graph.microsoft.com/{s}" for s in sorted(scopes))
            + " openid profile email",
            "access_token": access, "refresh_token": refresh, "id_token": "eyJ0eXAi.fake.id"})

    def _delta(self, what: str, q: dict[str, str], size: int
               ) -> tuple[int, dict[str, str], bytes]:
        base = (f"{self.url}/v1.0/me/calendarView/delta" if what == "calendar"
                else f"{self.url}/v1.0/me/mailFolders/{quote(what)}/messages/delta")
        with self.lock:
            if "$skiptoken" in q:
                round_ = self.rounds.get(q["$skiptoken"].split(".")[0])
                if round_ is None:
                    return _json(410, graph_error(410, self.reset_code))
                offset = int(q["$skiptoken"].split(".")[1])
            else:
                if "$deltatoken" in q:
                    since, window = q["$deltatoken"].split(".", 1)
                    if int(since) < self.min_seq:
                        return _json(410, graph_error(410, self.reset_code))
                    start, end = window.split("_") if window else ("", "")
                    items = self._changes(what, int(since), start, end, q)
                else:
                    start, end = q.get("startDateTime", ""), q.get("endDateTime", "")
                    if what == "calendar" and not (start and end):
                        return _json(400, graph_error(400, "ErrorInvalidParameter",
                                                      "startDateTime and endDateTime are "
                                                      "required."))
                    if what != "calendar" and "$select" not in q:
                        return _json(400, graph_error(400, "ErrorInvalidParameter",
                                                      "CRB's fake wants $select."))
                    items = self._changes(what, 0, start, end, q)
                round_id = self._next("r")
                round_ = {"items": items, "seq": self.seq, "window": f"{start}_{end}"
                          if what == "calendar" else "", "select": q.get("$select", "")}
                self.rounds[round_id] = round_
                offset = 0
                q["$skiptoken"] = f"{round_id}.0"
            items = round_["items"]
            page = items[offset:offset + size]
            body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/v1.0/"
                                    "$metadata#Collection(message)", "value": page}
            if offset + size < len(items):
                rid = q["$skiptoken"].split(".")[0]
                body["@odata.nextLink"] = f"{base}?$skiptoken={rid}.{offset + size}"
            else:
                body["@odata.deltaLink"] = (f"{base}?$deltatoken={round_['seq']}."
                                            f"{round_['window']}")
        return _json(200, body)

    def _changes(self, what: str, since: int, start: str, end: str, q: dict[str, str]
                 ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if what == "calendar":
            low = dt.datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
            high = dt.datetime.fromisoformat(end.replace("Z", "+00:00")) if end else None
            for _eid, ev in sorted(self.events.items()):
                at = dt.datetime.fromisoformat(ev["start"]["dateTime"][:19]).replace(
                    tzinfo=dt.UTC)
                if ev["seq"] > since and (low is None or at >= low) and (
                        high is None or at < high):
                    out.append({k: v for k, v in ev.items() if k != "seq"})
            for eid, seq in sorted(self.events_gone.items()):
                if seq > since and since:
                    out.append({"id": eid, "@removed": {"reason": "deleted"}})
            return out
        fields = set(MESSAGE_FIELDS)
        for mid, msg in sorted(self.messages.items()):
            if msg["folder"] == what and msg["seq"] > since:
                shown = fields
                if since and msg.get("changed") and since >= msg.get("added", 0):
                    shown = set(msg["changed"])  # an update naming only what changed
                out.append({"@odata.type": "#microsoft.graph.message",
                            "@odata.etag": msg["@odata.etag"], "id": mid,
                            **{k: v for k, v in msg.items() if k in shown}})
        for (folder, mid), seq in sorted(self.left.items()):
            current = self.messages.get(mid)
            if folder == what and seq > since and since and (
                    current is None or current["folder"] != what):
                out.append({"@odata.type": "#microsoft.graph.message", "id": mid,
                            "@removed": {"reason": "deleted"}})
        return out


# -- running the sources against it ---------------------------------------------------------


class GraphEnv(SourceEnv):
    """A CRB database, a config and a token wired to a :class:`FakeGraph`."""

    def __init__(self, graph: FakeGraph, tmp: Path) -> None:
        self.graph = graph
        self.tmp = tmp
        self.db = tmp / "crb.db"
        self.source = "outlook_mail"
        self.plugin = "crb_outlook"
        self.token = tmp / "tokens" / "microsoft-token.json"
        private_json(self.token, graph.token_json())
        common = {"graph_base": f"{graph.url}/v1.0", "login_base": graph.url,
                  "token_file": str(self.token), "backoff_base": 0.01, "backoff_max": 0.05,
                  "max_retries": 4, "timeout": 5.0}
        self.mail: dict[str, Any] = {**common, "page_size": 25}
        self.calendar: dict[str, Any] = {**common, "page_size": 20}
        self.me = [ME]
        """``[me] emails``."""

    def settings(self) -> dict[str, dict[str, Any]]:
        return {"outlook_mail": self.mail, "outlook_calendar": self.calendar}
