"""A fake Google on 127.0.0.1 for the tests and the benchmark: the OAuth endpoints, Gmail v1 and
Calendar v3, in the shapes of Google's discovery documents
(``../shared/corpus/google_api/discovery/``), with error bodies from
``../shared/corpus/google_api/errors/error_samples.json`` and switchable faults.

- ``GET /o/oauth2/auth``: the consent page, answered at once with a redirect to
  ``redirect_uri?state=...&code=...`` (``deny=1`` answers ``error=access_denied``); it checks
  the client id, the scope and the PKCE method and remembers the challenge.
- ``POST /token``: ``authorization_code`` (checks redirect URI and the PKCE verifier) and
  ``refresh_token`` grants.
- ``GET /gmail/v1/users/me/profile | messages | messages/{id} | history``: a mailbox of
  generated messages; SPAM and TRASH are listed only with ``includeSpamTrash``; ``q`` is refused
  with 403 (as Gmail does for the ``gmail.metadata`` scope), and so is any format but metadata;
  history older than ``expire_history()`` answers 404.
- ``GET /calendar/v3/calendars/{id}/events``: ``singleEvents`` instances, ``showDeleted``,
  paging, ``nextSyncToken``; ``syncToken`` older than ``expire_sync_tokens()`` answers 410.

Every API call needs ``Authorization: Bearer`` with a live access token of the right scope:
``expire_access_tokens()`` makes the next call answer 401. Faults
(:class:`tests.fake_http.Fault`) hit requests whose path contains ``match``: an HTTP error with
Google's body and an optional ``Retry-After``, a slow answer, a connection dropped half-way
through the body, or a connection reset. The server, its log and its faults are
:class:`tests.fake_http.FakeApi`'s.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from crb_tui import clock
from tests.fake_http import FakeApi, private_json
from tests.fake_http import json_answer as _json
from tests.source_env import SourceEnv

ROOT = Path(__file__).resolve().parent.parent
ERRORS_FILE = ROOT.parent / "shared" / "corpus" / "google_api" / "errors" / "error_samples.json"

GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.metadata"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
CLIENT_ID = "1234567890-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-client-secret"
ME = "me@example.com"

SKIP_LABELS = {"SPAM", "TRASH", "CHAT", "DRAFT", "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL",
               "CATEGORY_FORUMS", "CATEGORY_UPDATES"}


def ensure_plugin_importable() -> None:
    """``crb_google`` is importable once the package is reinstalled with its entry point; until
    then the tests find it in ``plugins/``."""
    try:
        import crb_google  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / "plugins"))


# -- error bodies ---------------------------------------------------------------------------

_FALLBACK_BODIES: dict[tuple[int, str], dict[str, Any]] = {
    (401, "authError"): {"error": {"code": 401, "message": "Invalid Credentials", "errors": [
        {"domain": "global", "reason": "authError", "message": "Invalid Credentials",
         "locationType": "header", "location": "Authorization"}]}},
    (403, "rateLimitExceeded"): {"error": {"code": 403, "message": "Rate Limit Exceeded",
                                           "errors": [{"domain": "usageLimits",
                                                       "reason": "rateLimitExceeded",
                                                       "message": "Rate Limit Exceeded"}]}},
    (403, "userRateLimitExceeded"): {"error": {
        "code": 403, "message": "User Rate Limit Exceeded",
        "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded",
                    "message": "User Rate Limit Exceeded"}]}},
    (429, "rateLimitExceeded"): {"error": {"code": 429, "message": "Resource has been exhausted "
                                           "(e.g. check quota).", "errors": [
        {"message": "Resource has been exhausted (e.g. check quota).", "domain": "global",
         "reason": "rateLimitExceeded"}], "status": "RESOURCE_EXHAUSTED"}},
    (404, "notFound"): {"error": {"code": 404, "message": "Requested entity was not found.",
                                  "errors": [{"message": "Requested entity was not found.",
                                              "domain": "global", "reason": "notFound"}],
                                  "status": "NOT_FOUND"}},
    (410, "fullSyncRequired"): {"error": {"errors": [
        {"domain": "calendar", "reason": "fullSyncRequired",
         "message": "Sync token is no longer valid, a full sync is required.",
         "locationType": "parameter", "location": "syncToken"}], "code": 410,
        "message": "Sync token is no longer valid, a full sync is required."}},
    (400, "invalidArgument"): {"error": {"code": 400, "errors": [
        {"domain": "global", "reason": "invalidArgument",
         "message": "Missing/invalid parameter: startHistoryId"}],
        "message": "Missing/invalid parameter: startHistoryId"}},
}


def error_bodies() -> dict[tuple[int, str], dict[str, Any]]:
    """Google's error bodies by (HTTP status, reason), from the shared corpus when present
    (the first sample of each pair wins), else the same bodies kept here."""
    bodies = dict(_FALLBACK_BODIES)
    try:
        samples = json.loads(ERRORS_FILE.read_text(encoding="utf-8"))["samples"]
    except (OSError, ValueError, KeyError):
        return bodies
    seen: set[tuple[int, str]] = set()
    for sample in samples:
        body = sample.get("body")
        status = sample.get("http_status")
        if not isinstance(body, dict) or not isinstance(status, int):
            continue
        error = body.get("error") or {}
        errors = error.get("errors") or [{}]
        reason = errors[0].get("reason") or error.get("status") or ""
        if (status, reason) not in seen:
            seen.add((status, reason))
            bodies[(status, reason)] = body
    return bodies


BODIES = error_bodies()


def error_body(status: int, reason: str = "", message: str | None = None) -> dict[str, Any]:
    body = BODIES.get((status, reason))
    if body is None:
        text = message or {500: "Backend Error", 502: "Bad Gateway", 503: "Service Unavailable",
                           403: "Forbidden", 400: "Bad Request"}.get(status, "Error")
        reason = reason or {500: "backendError", 503: "backendError"}.get(status, "error")
        body = {"error": {"code": status, "message": text, "errors": [
            {"message": text, "domain": "global", "reason": reason}]}}
    body = json.loads(json.dumps(body))
    if message is not None:
        body["error"]["message"] = message
    return body


# -- the data -------------------------------------------------------------------------------

FIRST = ["ada", "bob", "carla", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jonas",
         "kemal", "lena", "marco", "nadia", "omar", "priya", "quentin", "rosa", "sven", "tara"]
LAST = ["lovelace", "smith", "mendes", "petrov", "garcia", "haddad", "hopper", "tanaka",
        "costa", "berg"]
DOMAINS = ["acme.example", "globex.example", "initech.example", "umbrella.example"]


def contact(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first.title()} {last.title()}", f"{first}.{last}@{rng.choice(DOMAINS)}"


def rfc2822(when: dt.datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def gmail_id(n: int) -> str:
    return f"{0x18c2a00000000000 + n * 7919:016x}"


def _start_of(event: dict[str, Any]) -> dt.datetime:
    """When an event (or instance) begins, in UTC (an all-day one at midnight UTC)."""
    start = event["start"]
    if "dateTime" in start:
        return dt.datetime.fromisoformat(start["dateTime"]).astimezone(dt.UTC)
    return dt.datetime.combine(dt.date.fromisoformat(start["date"]), dt.time(), dt.UTC)


class FakeGoogle(FakeApi):
    def __init__(self, *, user: str = ME, token_lifetime: int = 3600,
                 latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.user = user
        self.token_lifetime = token_lifetime
        self.messages: dict[str, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self.history_id = 5000
        self.min_history_id = 0
        self.handed: set[str] = set()
        """Messages handed out by ``messages.get`` while they were real mail (no skip label,
        no bulk headers): the ones a sync stored (a dry run's too; a test that deletes after
        one runs a real sync first)."""
        self.kept: set[str] = set()
        """Keys of stored messages since deleted or moved to the bin: a touch that happened
        stays in CRB (see :meth:`expected_mail_keys`)."""
        self.events: dict[str, dict[str, dict[str, Any]]] = {}
        self.seq = 0
        self.min_sync_seq = 0
        self.access_tokens: dict[str, str] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.codes: dict[str, dict[str, str]] = {}

    def error_body(self, status: int, reason: str, message: str | None) -> Any:
        return error_body(status, reason, message)

    def slowed(self, path: str) -> bool:
        return not path.startswith(("/token", "/o/"))

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    @property
    def auth_uri(self) -> str:
        return f"{self.url}/o/oauth2/auth"

    # -- tokens -----------------------------------------------------------------------

    def issue(self, scope: str) -> tuple[str, str]:
        """A live (access token, refresh token) pair for ``scope``."""
        access, refresh = self._next("ya29.fake-access-"), self._next("1//fake-refresh-")
        with self.lock:
            self.access_tokens[access] = scope
            self.refresh_tokens[refresh] = scope
        return access, refresh

    def token_json(self, scope: str, *, expired: bool = False) -> dict[str, Any]:
        """An authorized-user token record for ``scope`` pointing at this server."""
        access, refresh = self.issue(scope)
        expiry = clock.now_utc() + dt.timedelta(seconds=-30 if expired else 3000)
        return {"type": "authorized_user", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "refresh_token": refresh, "token": access, "token_uri": self.token_uri,
                "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"), "scopes": [scope]}

    # -- mailbox ----------------------------------------------------------------------

    def populate_mailbox(self, n: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        base = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
        for i in range(n):
            self._put_message(self._generate(i, rng, base + dt.timedelta(hours=i), seed))
        with self.lock:
            self.history_id += n

    def _generate(self, i: int, rng: random.Random, when: dt.datetime, seed: int
                  ) -> dict[str, Any]:
        roll = rng.random()
        name, addr = contact(rng)
        headers: list[tuple[str, str]] = []
        labels: list[str]
        counterparts: list[str]
        if roll < 0.14:  # sent mail to one to three people
            people = [contact(rng) for _ in range(rng.randint(1, 3))]
            headers += [("From", f"Me Myself <{self.user}>"),
                        ("To", ", ".join(f"{n_} <{a}>" for n_, a in people[:2]))]
            if len(people) > 2:
                headers.append(("Cc", f"{people[2][0]} <{people[2][1]}>"))
            labels = ["SENT"]
            counterparts = list(dict.fromkeys(a for _, a in people))
        else:
            headers += [("From", f"{name} <{addr}>"), ("To", f"Me Myself <{self.user}>")]
            counterparts = [addr]
            if roll < 0.62:
                labels = ["INBOX", "CATEGORY_PERSONAL"] + (["UNREAD"] if i % 3 else [])
            elif roll < 0.70:
                labels = ["INBOX", "CATEGORY_PROMOTIONS"]
                headers.append(("List-Unsubscribe", f"<mailto:unsub@{addr.split('@')[1]}>"))
            elif roll < 0.74:
                labels = ["INBOX", "CATEGORY_SOCIAL"]
            elif roll < 0.77:
                labels = ["INBOX", "CATEGORY_UPDATES"]
            elif roll < 0.79:
                labels = ["INBOX", "CATEGORY_FORUMS"]
            elif roll < 0.82:
                labels = ["SPAM"]
            elif roll < 0.85:
                labels = ["TRASH"]
            elif roll < 0.87:
                labels = ["CHAT"]
            elif roll < 0.88:
                labels = ["DRAFT"]
                headers[0] = ("From", f"Me Myself <{self.user}>")
                headers[1] = ("To", f"{name} <{addr}>")
            elif roll < 0.92:  # bulk by headers, in the primary tab
                labels = ["INBOX", "CATEGORY_PERSONAL"]
                headers.append(("Precedence", "bulk"))
            else:
                labels = ["INBOX", "IMPORTANT", "CATEGORY_PERSONAL"]
        headers += [("Date", rfc2822(when)), ("Subject", f"Message {i} about plans"),
                    ("Message-ID", f"<gm{i}.{seed}@Mail.Example.COM>"),
                    ("Received", "from mx.example by mx.google.com; " + rfc2822(when)),
                    ("X-Spam-Noise", "not requested, never returned")]
        return {"id": gmail_id(i + seed * 1_000_000), "labelIds": labels, "headers": headers,
                "internalDate": str(int(when.timestamp() * 1000)),
                "mid": f"gm{i}.{seed}@mail.example.com", "counterparts": counterparts}

    def _put_message(self, msg: dict[str, Any]) -> None:
        msg.setdefault("threadId", msg["id"])
        with self.lock:
            self.history_id += 1
            msg["historyId"] = str(self.history_id)
            self.messages[msg["id"]] = msg

    def _record(self, **change: Any) -> None:
        with self.lock:
            self.history_id += 7  # ids increase with gaps, as Gmail's do
            self.history.append({"id": str(self.history_id), **change})

    def add_message(self, i: int, *, labels: list[str] | None = None, seed: int = 99,
                    sender: tuple[str, str] | None = None) -> dict[str, Any]:
        """A new message (numbered ``i`` within ``seed``) with a messageAdded record."""
        rng = random.Random(seed * 100_003 + i)
        when = dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i)
        msg = self._generate(i, rng, when, seed)
        if sender is not None:
            msg["headers"] = [h for h in msg["headers"] if h[0] not in ("From", "To", "Cc")]
            msg["headers"] += [("From", f"{sender[0]} <{sender[1]}>"), ("To", self.user)]
            msg["counterparts"] = [sender[1]]
            msg["headers"] = [h for h in msg["headers"] if h[0] not in ("List-Unsubscribe",
                                                                          "Precedence")]
            msg["labelIds"] = ["INBOX", "CATEGORY_PERSONAL"]
        if labels is not None:
            msg["labelIds"] = list(labels)
        self._put_message(msg)
        self._record(messagesAdded=[{"message": self._stub(msg)}],
                     messages=[{"id": msg["id"], "threadId": msg["threadId"]}])
        return msg

    def delete_message(self, message_id: str) -> None:
        with self.lock:
            self._keep(self.messages[message_id])
            msg = self.messages.pop(message_id)
        self._record(messagesDeleted=[{"message": {"id": message_id,
                                                   "threadId": msg["threadId"]}}])

    def add_label(self, message_id: str, label: str) -> None:
        with self.lock:
            msg = self.messages[message_id]
            if label == "TRASH":
                self._keep(msg)
            elif label in SKIP_LABELS:  # spam (or the like) in the bin: never a touch
                self.kept -= self._keys({**msg, "labelIds": []}, SKIP_LABELS)
            msg["labelIds"] = [x for x in msg["labelIds"] if x != label] + [label]
            if label in ("TRASH", "SPAM"):
                msg["labelIds"] = [x for x in msg["labelIds"] if x != "INBOX"]
        self._record(labelsAdded=[{"message": self._stub(msg), "labelIds": [label]}])

    def remove_label(self, message_id: str, label: str) -> None:
        with self.lock:
            msg = self.messages[message_id]
            if label == "TRASH":  # restored: real mail of the mailbox again, or not
                self.kept -= self._keys({**msg, "labelIds": []}, SKIP_LABELS)
            msg["labelIds"] = [x for x in msg["labelIds"] if x != label]
            if label in ("TRASH", "SPAM") and "INBOX" not in msg["labelIds"]:
                msg["labelIds"].append("INBOX")
        self._record(labelsRemoved=[{"message": self._stub(msg), "labelIds": [label]}])

    def expire_history(self) -> None:
        """Every history id handed out so far is too old now (Gmail answers 404)."""
        with self.lock:
            self.min_history_id = self.history_id + 1
            self.history_id += 100

    @staticmethod
    def _stub(msg: dict[str, Any]) -> dict[str, Any]:
        return {"id": msg["id"], "threadId": msg["threadId"], "labelIds": list(msg["labelIds"])}

    def _keep(self, msg: dict[str, Any]) -> None:
        """``msg`` is being deleted or moved to the bin: if a sync stored it (handed out as
        real mail, and real mail still), its touches stay in CRB. The caller holds the lock."""
        if msg["id"] in self.handed:
            self.kept |= self._keys(msg, SKIP_LABELS)

    @staticmethod
    def _keys(msg: dict[str, Any], skip_labels: set[str]) -> set[str]:
        """The interactions one message is, if it is real mail now."""
        if set(msg["labelIds"]) & skip_labels:
            return set()
        if {h[0].lower() for h in msg["headers"]} & {"list-unsubscribe", "precedence"}:
            return set()
        return {f"msg:{msg['mid']}|{a}" for a in msg["counterparts"]}

    def expected_mail_keys(self, skip_labels: set[str] = SKIP_LABELS) -> set[str]:
        """What CRB should hold: the oracle, written apart from the plugin's logic. The real
        mail in the mailbox, and the mail a sync stored that was deleted or moved to the bin
        since (a touch that happened stays); mail marked as spam or given another skip label
        is not real mail, and goes."""
        keys = set()
        with self.lock:
            for msg in self.messages.values():
                keys |= self._keys(msg, skip_labels)
            keys |= self.kept
        return keys

    def listed_ids(self) -> list[str]:
        with self.lock:
            return sorted((i for i, m in self.messages.items()
                           if not {"SPAM", "TRASH"} & set(m["labelIds"])), reverse=True)

    # -- calendars --------------------------------------------------------------------

    def _touch(self, cal: str, event: dict[str, Any]) -> None:
        with self.lock:
            self.seq += 1
            event["_seq"] = self.seq
            event["updated"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            event["etag"] = f'"{self.seq}"'
            self.events.setdefault(cal, {})[event["id"]] = event

    def add_event(self, cal: str = "primary", *, event_id: str, start: dt.datetime | dt.date,
                  attendees: list[dict[str, Any]], summary: str = "Meeting",
                  minutes: int = 30, uid: str | None = None,
                  recurring: tuple[str, dt.datetime | dt.date] | None = None,
                  event_type: str = "default", organizer: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
        if isinstance(start, dt.datetime):
            when: dict[str, Any] = {"dateTime": start.isoformat(), "timeZone": "Europe/Paris"}
            end: dict[str, Any] = {"dateTime": (start + dt.timedelta(minutes=minutes)).isoformat(),
                                   "timeZone": "Europe/Paris"}
        else:
            when, end = {"date": start.isoformat()}, {"date": (start + dt.timedelta(days=1))
                                                      .isoformat()}
        event: dict[str, Any] = {
            "kind": "calendar#event", "id": event_id, "status": "confirmed",
            "summary": summary, "iCalUID": uid or f"{event_id}@google.com",
            "start": when, "end": end, "eventType": event_type,
            "organizer": organizer or {"email": self.user, "self": True},
            "creator": {"email": self.user, "self": True},
            "attendees": attendees,
        }
        if recurring is not None:
            series, original = recurring
            event["recurringEventId"] = series
            event["originalStartTime"] = (
                {"dateTime": original.isoformat(), "timeZone": "Europe/Paris"}
                if isinstance(original, dt.datetime) else {"date": original.isoformat()})
        self._touch(cal, event)
        return event

    def update_event(self, cal: str, event_id: str, **changes: Any) -> dict[str, Any]:
        with self.lock:
            event = dict(self.events[cal][event_id])
            event.update(changes)
        self._touch(cal, event)
        return event

    def cancel_event(self, cal: str, event_id: str) -> None:
        with self.lock:
            event = self.events[cal][event_id]
            keep = {k: event[k] for k in ("recurringEventId", "originalStartTime") if k in event}
            minimal = {"kind": "calendar#event", "id": event_id, "status": "cancelled", **keep,
                       "_full": event}
        self._touch(cal, minimal)

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.min_sync_seq = self.seq + 1

    def populate_calendar(self, n: int, cal: str = "primary", seed: int = 3) -> None:
        """``n`` single events and a few weekly series around today, deterministic by seed."""
        rng = random.Random(seed)
        # around CRB's today (the pinned CRB_TODAY in the tests), not the machine's date
        today = clock.now_utc().replace(hour=9, minute=0, second=0, microsecond=0)
        for i in range(n):
            people = [contact(rng) for _ in range(rng.randint(0, 3))]
            attendees = [{"email": self.user, "self": True, "responseStatus": "accepted"}]
            attendees += [{"email": a, "displayName": nm,
                           "responseStatus": rng.choice(["accepted", "needsAction", "tentative"])}
                          for nm, a in people]
            if i % 7 == 0:
                attendees.append({"email": f"room-{i}@resource.calendar.google.com",
                                  "resource": True, "responseStatus": "accepted"})
            if i % 11 == 0 and len(people) > 1:
                attendees[-1 if i % 7 else -2]["responseStatus"] = "declined"
            start: dt.datetime | dt.date = today + dt.timedelta(days=rng.randint(-200, 30),
                                                                hours=rng.randint(0, 8))
            if i % 13 == 0:
                start = start.date()  # type: ignore[union-attr]
            kind = "birthday" if i % 17 == 0 else "default"
            self.add_event(cal, event_id=f"ev{seed}x{i:04d}", start=start, attendees=attendees,
                           summary=f"Meeting {i}", event_type=kind)
        for s in range(max(1, n // 20)):
            series = f"series{seed}x{s}"
            who = contact(rng)
            first = today - dt.timedelta(days=21 + s)
            for k in range(4):
                at = first + dt.timedelta(days=7 * k)
                self.add_event(
                    cal, event_id=f"{series}_{at.strftime('%Y%m%dT%H%M%SZ')}", start=at,
                    uid=f"{series}@google.com", recurring=(series, at), summary=f"Weekly {s}",
                    attendees=[{"email": self.user, "self": True, "responseStatus": "accepted"},
                               {"email": who[1], "displayName": who[0],
                                "responseStatus": "accepted"}])

    def expected_meeting_keys(self, cal: str = "primary", future_days: int = 60,
                              held_before: dt.datetime | None = None) -> set[str]:
        """The oracle for meetings: one key per attendee or organizer who is not the user, not a
        room, and did not decline; nothing for cancelled, declined-by-me, birthday or far-future
        events, except (``held_before``: when the calendar was last read) a cancelled one that
        had begun by then: it took place."""
        keys = set()
        last = (clock.now_utc() + dt.timedelta(days=future_days)).date()
        with self.lock:
            events = list(self.events.get(cal, {}).values())
        for ev in events:
            if ev.get("status") == "cancelled" and held_before is not None and "_full" in ev:
                full = ev["_full"]
                if _start_of(full) < held_before:
                    ev = full
            if ev.get("status") == "cancelled" or ev.get("eventType") != "default":
                continue
            start = ev["start"]
            if "dateTime" in start:
                moment = dt.datetime.fromisoformat(start["dateTime"]).astimezone(dt.UTC)
                day = moment.date()
            else:
                day = dt.date.fromisoformat(start["date"])
                moment = None
            if day > last:
                continue
            orig = ev.get("originalStartTime")
            if orig and "dateTime" in orig:
                inst = dt.datetime.fromisoformat(orig["dateTime"]).astimezone(dt.UTC)
                instance = inst.strftime("%Y%m%dT%H%M%SZ")
            elif moment is not None:
                instance = moment.strftime("%Y%m%dT%H%M%SZ")
            else:
                instance = day.strftime("%Y%m%d")
            attendees = ev.get("attendees") or []
            if any(a.get("self") and a.get("responseStatus") == "declined" for a in attendees):
                continue
            emails = []
            for a in attendees:
                if a.get("self") or a.get("resource") or a.get("responseStatus") == "declined":
                    continue
                emails.append(a["email"].lower())
            org = ev.get("organizer") or {}
            if org.get("email") and not org.get("self") and org["email"].lower() not in {
                    a["email"].lower() for a in attendees}:
                emails.append(org["email"].lower())
            keys |= {f"ics:{ev['iCalUID']}|{instance}|{e}" for e in emails}
        return keys

    # -- answers ----------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, list[str]], form: dict[str, str],
               headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path == "/token" and method == "POST":
            return self._token(form)
        if path == "/o/oauth2/auth":
            return self._consent(query)
        if path.startswith("/gmail/v1/users/me/"):
            denied = self._check_auth(headers, GMAIL_SCOPE)
            return denied or self._gmail(path[len("/gmail/v1/users/me/"):], query)
        if path.startswith("/calendar/v3/calendars/"):
            denied = self._check_auth(headers, CALENDAR_SCOPE)
            rest = path[len("/calendar/v3/calendars/"):]
            cal, _, tail = rest.partition("/")
            if tail == "events":
                return denied or self._events(unquote(cal), query)
        return _json(404, error_body(404, "notFound"))

    def _check_auth(self, headers: dict[str, str], scope: str
                    ) -> tuple[int, dict[str, str], bytes] | None:
        value = headers.get("authorization", "")
        token = value[7:] if value.lower().startswith("bearer ") else ""
        with self.lock:
            granted = self.access_tokens.get(token)
        if granted is None:
            return _json(401, error_body(401, "authError"),
                         {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
        if granted != scope:
            return _json(403, error_body(403, "insufficientPermissions",
                                         "Request had insufficient authentication scopes."))
        return None

    def _consent(self, q: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        p = {k: v[0] for k, v in q.items()}
        if p.get("client_id") != CLIENT_ID:
            return _json(400, {"error": "invalid_client", "error_description": "The OAuth client "
                               "was not found."})
        if (p.get("response_type") != "code" or p.get("code_challenge_method") != "S256"
                or not p.get("code_challenge") or p.get("scope") not in (GMAIL_SCOPE,
                                                                         CALENDAR_SCOPE)
                or not p.get("redirect_uri", "").startswith("http://127.0.0.1:")):
            return _json(400, {"error": "invalid_request", "error_description": "bad request"})
        target = p["redirect_uri"]
        if p.get("deny"):
            location = f"{target}?{urlencode({'error': 'access_denied', 'state': p['state']})}"
        else:
            code = self._next("4/0fake-code-")
            with self.lock:
                self.codes[code] = {"challenge": p["code_challenge"], "redirect_uri": target,
                                    "scope": p["scope"]}
            answer = {"state": p["state"], "code": code, "scope": p["scope"]}
            location = f"{target}?{urlencode(answer)}"
        return 302, {"Location": location, "Content-Length": "0"}, b""

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        bad = _json(400, {"error": "invalid_grant", "error_description": "Bad Request"})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _json(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self.lock:
                code = self.codes.pop(form.get("code", ""), None)
            if code is None or form.get("redirect_uri") != code["redirect_uri"]:
                return bad
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if digest.rstrip(b"=").decode() != code["challenge"]:
                return bad
            access, refresh = self.issue(code["scope"])
            return _json(200, {"access_token": access, "expires_in": self.token_lifetime,
                               "refresh_token": refresh, "scope": code["scope"],
                               "token_type": "Bearer"})
        if grant == "refresh_token":
            with self.lock:
                scope = self.refresh_tokens.get(form.get("refresh_token", ""))
            if scope is None:
                return bad
            access = self._next("ya29.fake-access-")
            with self.lock:
                self.access_tokens[access] = scope
                self.refreshes += 1
            return _json(200, {"access_token": access, "expires_in": self.token_lifetime,
                               "scope": scope, "token_type": "Bearer"})
        return _json(400, {"error": "unsupported_grant_type"})

    def _gmail(self, rest: str, q: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        one = {k: v[0] for k, v in q.items()}
        if rest == "profile":
            with self.lock:
                return _json(200, {"emailAddress": self.user, "messagesTotal": len(self.messages),
                                   "threadsTotal": len(self.messages),
                                   "historyId": str(self.history_id)})
        if rest.startswith("labels/"):
            label = rest[len("labels/"):]
            with self.lock:
                count = sum(1 for m in self.messages.values() if label in m["labelIds"])
            return _json(200, {"id": label, "name": label, "type": "system",
                               "messagesTotal": count, "threadsTotal": count})
        if rest == "messages":
            if "q" in q:
                return _json(403, error_body(403, "forbidden",
                                             "Metadata scope does not support 'q' parameter"))
            size = min(500, int(one.get("maxResults", 100)))
            with self.lock:
                spam = one.get("includeSpamTrash", "false") == "true"
                ids = sorted((i for i, m in self.messages.items()
                              if spam or not {"SPAM", "TRASH"} & set(m["labelIds"])),
                             reverse=True)
                after = one.get("pageToken")
                if after:
                    ids = [i for i in ids if i < base64.urlsafe_b64decode(after).decode()]
                page = ids[:size]
                body: dict[str, Any] = {
                    "messages": [{"id": i, "threadId": self.messages[i]["threadId"]}
                                 for i in page],
                    "resultSizeEstimate": len(ids)}
                if len(ids) > size:
                    body["nextPageToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
                if not page:
                    body.pop("messages")
            return _json(200, body)
        if rest.startswith("messages/"):
            message_id = rest[len("messages/"):]
            if one.get("format", "full") != "metadata":
                return _json(403, error_body(403, "forbidden", "Metadata scope doesn't allow "
                                             f"format {one.get('format', 'full').upper()}"))
            with self.lock:
                msg = self.messages.get(message_id)
                if msg is None:
                    return _json(404, error_body(404, "notFound"))
                if self._keys(msg, SKIP_LABELS):
                    self.handed.add(message_id)
                wanted = {h.lower() for h in q.get("metadataHeaders", [])}
                headers = [{"name": n, "value": v} for n, v in msg["headers"]
                           if not wanted or n.lower() in wanted]
                return _json(200, {
                    "id": msg["id"], "threadId": msg["threadId"],
                    "labelIds": list(msg["labelIds"]), "snippet": "",
                    "historyId": msg["historyId"], "internalDate": msg["internalDate"],
                    "sizeEstimate": 2048,
                    "payload": {"partId": "", "mimeType": "multipart/alternative",
                                "filename": "", "headers": headers},
                })
        if rest == "history":
            start = one.get("startHistoryId", "")
            if not start.isdigit():
                return _json(400, error_body(400, "invalidArgument"))
            types = set(q.get("historyTypes", [])) or {"messageAdded", "messageDeleted",
                                                         "labelAdded", "labelRemoved"}
            field_of = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted",
                        "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}
            fields = {field_of[t] for t in types if t in field_of}
            with self.lock:
                if int(start) < self.min_history_id:
                    return _json(404, error_body(404, "notFound"))
                records = [h for h in self.history if int(h["id"]) > int(start)
                           and fields & set(h)]
                offset = int(one.get("pageToken", "0") or 0)
                size = min(500, int(one.get("maxResults", 100)))
                page = records[offset:offset + size]
                body = {"historyId": str(self.history_id)}
                if page:
                    body["history"] = json.loads(json.dumps(page))
                if offset + size < len(records):
                    body["nextPageToken"] = str(offset + size)
            return _json(200, body)
        return _json(404, error_body(404, "notFound"))

    def _events(self, cal: str, q: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        one = {k: v[0] for k, v in q.items()}
        if one.get("singleEvents") != "true":
            return _json(400, error_body(400, "badRequest", "this fake serves singleEvents only"))
        size = min(2500, int(one.get("maxResults", 250)))
        with self.lock:
            if cal not in self.events:
                return _json(404, error_body(404, "notFound"))
            token = one.get("pageToken")
            if "syncToken" in one:
                if "timeMin" in one:
                    return _json(400, error_body(400, "invalid", "Sync token cannot be used "
                                                 "with timeMin"))
                raw = one["syncToken"]
                since = int(raw[5:]) if raw.startswith("sync-") and raw[5:].isdigit() else -1
                if since < self.min_sync_seq:
                    return _json(410, error_body(410, "fullSyncRequired"))
                items = sorted((e for e in self.events[cal].values() if e["_seq"] > since),
                               key=lambda e: e["_seq"])
            else:
                show_deleted = one.get("showDeleted") == "true"
                floor = one.get("timeMin")
                items = sorted((e for e in self.events[cal].values()
                                if show_deleted or e.get("status") != "cancelled"),
                               key=lambda e: e["id"])
                if floor:
                    limit = dt.datetime.fromisoformat(floor.replace("Z", "+00:00"))
                    items = [e for e in items if _end(e) is None or _end(e) > limit]
            offset, snapshot = 0, self.seq
            if token:
                offset_text, _, snap = token.partition(":")
                offset, snapshot = int(offset_text), int(snap)
            page = items[offset:offset + size]
            body: dict[str, Any] = {"kind": "calendar#events", "summary": self.user,
                                    "timeZone": "Europe/Paris",
                                    "items": [{k: v for k, v in e.items() if not k.startswith("_")}
                                              for e in page]}
            if offset + size < len(items):
                body["nextPageToken"] = f"{offset + size}:{snapshot}"
            else:
                body["nextSyncToken"] = f"sync-{snapshot}"
        return _json(200, body)


def _end(event: dict[str, Any]) -> dt.datetime | None:
    end = event.get("end") or (event.get("_full") or {}).get("end")
    if not end:
        return None
    if "dateTime" in end:
        return dt.datetime.fromisoformat(end["dateTime"]).astimezone(dt.UTC)
    day = dt.date.fromisoformat(end["date"])
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# -- running the sources against it ---------------------------------------------------------


class Env(SourceEnv):
    """A CRB database, a config and tokens wired to a :class:`FakeGoogle`."""

    def __init__(self, google: FakeGoogle, tmp: Path) -> None:
        ensure_plugin_importable()
        self.google = google
        self.tmp = tmp
        self.db = tmp / "crb.db"
        self.source = "gmail"
        self.plugin = "crb_google"
        self.me = [ME]
        self.gmail_token = tmp / "tokens" / "gmail-token.json"
        self.calendar_token = tmp / "tokens" / "google-calendar-token.json"
        private_json(self.gmail_token, google.token_json(GMAIL_SCOPE))
        private_json(self.calendar_token, google.token_json(CALENDAR_SCOPE))
        self.gmail: dict[str, Any] = {
            "api_base": google.url, "token_uri": google.token_uri, "auth_uri": google.auth_uri,
            "token_file": str(self.gmail_token), "index_file": str(tmp / "gmail-index.sqlite"),
            "quota_per_second": 0.0, "backoff_base": 0.01, "backoff_max": 0.05,
            "max_retries": 4, "timeout": 5.0, "page_size": 70, "checkpoint_every": 25,
            "concurrency": 4,
        }
        self.calendar: dict[str, Any] = {
            "api_base": google.url, "token_uri": google.token_uri, "auth_uri": google.auth_uri,
            "token_file": str(self.calendar_token),
            "index_file": str(tmp / "calendar-index.sqlite"), "quota_per_second": 0.0,
            "backoff_base": 0.01, "backoff_max": 0.05, "max_retries": 4, "timeout": 5.0,
            "page_size": 20,
        }

    def settings(self) -> dict[str, dict[str, Any]]:
        return {"gmail": self.gmail, "google_calendar": self.calendar}

    def query_write(self, sql: str, args: Any = ()) -> None:
        import sqlite3

        conn = sqlite3.connect(self.db)
        try:
            with conn:
                conn.execute(sql, args)
        finally:
            conn.close()

    def state_rows(self, source: str = "gmail") -> list[tuple[str, str, str]]:
        """The source's ``ctx.state``: (namespace, key, JSON value) in order."""
        return [(str(ns), str(key), str(value)) for ns, key, value in self.query(
            "select ns, key, value from source_state where source = ? order by ns, key",
            [source])]



def write_old_side_file(path: Path, rows: list[tuple[str, str, str]], kind: str) -> int:
    """The SQLite file the Google sources kept before ``ctx.state`` (their schema then), holding
    what ``rows`` of the state (:meth:`Env.state_rows`) say; the number of items written."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.executescript(
        "create table items (kind text not null, scope text not null, id text not null, "
        "prefix text not null, keys text not null default '[]', gen integer not null default 0,"
        " live integer not null default 1, primary key (kind, scope, id));"
        "create index items_prefix on items (kind, prefix);"
        "create table meta (key text primary key, value text);")
    n = 0
    for ns, key, value in rows:
        if ns.startswith("items/"):
            entry = json.loads(value)
            conn.execute("insert into items values (?, ?, ?, ?, ?, ?, ?)",
                         [kind, ns[len("items/"):], key, entry["prefix"],
                          json.dumps(entry["keys"]), entry["gen"], int(entry["live"])])
            n += 1
        elif ns == "" and key.startswith("gen/"):
            conn.execute("insert into meta values (?, ?)", [f"gen:{kind}:{key[4:]}", value])
    conn.commit()
    conn.close()
    return n
