"""Mail headers -> CRB records: the logic every mail source shares (mbox files today, the Gmail
API and IMAP later), so that the same message from any source becomes the same records.

What lives here:

- reading raw header values: undeclared 8-bit bytes, RFC 2047 encoded words, folding;
- addresses (:func:`parse_addresses`), including pipermail's ``user at domain (Name)``;
- ``Message-ID`` normalisation (:func:`normalise_message_id`) and a stable stand-in for messages
  that have none (:func:`message_id_of`);
- dates with fallbacks (:func:`parse_date`, :func:`parse_from_line_date`, the ``Received`` chain);
- bulk mail by headers (:func:`bulk_reason`): ``List-Unsubscribe``, ``List-Id``,
  ``Precedence: bulk|list|junk``, ``Auto-Submitted`` other than ``no``;
- Gmail labels (:func:`parse_labels`) and thread keys (``X-GM-THRID`` or the References root);
- :func:`parse_mail` (headers -> :class:`ParsedMail`) and :func:`mail_records` (-> records).

Direction comes from the user's own addresses (``[me] emails``, ``ctx.me``): a message from one
of them is ``out`` and gives one record per To/Cc/Bcc counterpart; any other message is ``in``
and gives one record with its sender (also when the user is only in Cc). With no ``[me] emails``
configured every message counts as inbound.

Every interaction's ``source_key`` is ``msg:<normalised Message-ID>|<counterpart e-mail>`` so
the same mail seen by two sources (or in two files) is stored once.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.errors import MissingHeaderBodySeparatorDefect
from email.header import decode_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_tz

from crb_tui.identity import normalise_email
from crb_tui.records import Identity, Interaction, Record, Reject, Skip
from crb_tui.text import one_line

DEFAULT_SKIP_LABELS: tuple[str, ...] = ("Spam", "Trash", "Chat", "Chats", "Draft", "Drafts")
"""Gmail labels whose messages are never interactions (Takeout names chats "Chat")."""

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})

MAX_SUBJECT = 500
MAX_NAME = 200

_FOLD = re.compile(r"\r?\n[ \t]*")
_COMMENT = re.compile(r"\([^()]*\)")
_BELOW_BANG = re.compile(r"[\x00-\x20]")
_NUMERIC_ZONE = re.compile(r"(?<![\d:])[+-]\d{4}\b")
_PIPERMAIL = re.compile(
    r"^\s*([^\s@<>(),;:\"]+)\s+at\s+([^\s@<>(),;:\"]+\.[^\s@<>(),;:\"]+)\s*(?:\((.*)\))?\s*$",
    re.IGNORECASE | re.DOTALL,
)

# Zone abbreviations seen in old mail (RFC 822 named only the US ones; `MET` is everywhere in
# 1990s European mail). Minutes east of UTC.
ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 60, "WEST": 60,
    "CET": 60, "MET": 60, "MEZ": 60, "CEST": 120, "MEST": 120, "MESZ": 120, "METDST": 120,
    "EET": 120, "EEST": 180, "MSK": 180, "IST": 330, "SGT": 480, "HKT": 480, "AWST": 480,
    "JST": 540, "KST": 540, "ACST": 570, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
}
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_LOOSE_DATE = re.compile(
    r"(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*([+-]\d{4}|[A-Za-z]{1,5})\b)?"
)
_ASCTIME = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+([A-Za-z]{3})[a-z]*\s+(\d{1,2})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([A-Za-z]{1,5}|[+-]\d{4})\s+)?(\d{4})"
    r"(?:\s+([+-]\d{4}))?",
    re.IGNORECASE,
)
_RFC5322_DATE = re.compile(
    r"\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]\d{3}) "
    r"(\d\d):(\d\d)(?::(\d\d))? ([+-]\d{4})\s*$"
)
"""``Mon, 20 Nov 2023 01:53:20 +0000``: a date :func:`parse_date` reads without the general
parser (which gives the same for it)."""
MIN_YEAR = 1971
MAX_YEAR = 2200


# -- text ---------------------------------------------------------------------------------


_SURROGATE = re.compile("[\udc80-\udcff]")


def fix_8bit(value: str, charset: str | None = None) -> str:
    """A header value as read by :mod:`email` (undeclared 8-bit bytes kept as surrogate escapes)
    turned into real text: UTF-8 if it is, else the message's declared charset, else cp1252."""
    if not _SURROGATE.search(value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    for codec in ("utf-8", charset):
        if not codec:
            continue
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("cp1252", "replace")


def _decode_chunk(chunk: bytes, charset: str | None) -> str:
    codec = (charset or "ascii").split("*", 1)[0].strip() or "ascii"
    # Declared charsets lie often (Latin-1 bytes labelled UTF-8): strict first, then fall back.
    for attempt in (codec, "utf-8"):
        try:
            return chunk.decode(attempt)
        except (UnicodeDecodeError, LookupError):
            continue
    return chunk.decode("cp1252", "replace")


def decode_words(value: str | None) -> str:
    """RFC 2047 encoded words decoded (``=?utf-8?Q?...?=``), tolerant of broken ones."""
    if not value:
        return ""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 - a malformed encoded word stays as written
        return value
    out = []
    for chunk, charset in parts:
        out.append(_decode_chunk(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def clean_text(value: str | None, limit: int = MAX_SUBJECT) -> str | None:
    """One line of text: white space collapsed, control characters removed (crb_tui.text)."""
    return one_line(value, limit)


# -- headers ------------------------------------------------------------------------------


class MailHeaders:
    """Header fields by lower-cased name, in order, values as text (unfolded, 8-bit fixed).

    Values are cleaned when first asked for: a message carries dozens of fields (Received,
    DKIM...) and CRB reads a handful."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = (), charset: str | None = None):
        self._raw: dict[str, list[str]] = {}
        for name, value in pairs:
            self._raw.setdefault(str(name).strip().lower(), []).append(str(value))
        self._clean: dict[str, list[str]] = {}
        self._charset = charset

    @classmethod
    def _parsed(cls, pairs: list[tuple[str, str]]) -> MailHeaders:
        """From names and values that are already ``str`` and names without white space."""
        headers = cls()
        raw = headers._raw
        for name, value in pairs:
            key = name.lower()
            found = raw.get(key)
            if found is None:
                raw[key] = [value]
            else:
                found.append(value)
        return headers

    def _values(self, key: str) -> list[str]:
        values = self._clean.get(key)
        if values is None:
            raw = self._raw.get(key)
            if not raw:
                return _NONE
            values = [self._text(v) for v in raw]
            self._clean[key] = values
        return values

    def _text(self, value: str) -> str:
        if _SURROGATE.search(value):
            if self._charset is None:
                # The body's declared charset is the best guess for undeclared 8-bit bytes.
                self._charset = _charset_of((self._raw.get("content-type") or [""])[0]) or ""
            value = fix_8bit(value, self._charset or None)
        return _unfold(value)

    def get(self, name: str, default: str | None = None) -> str | None:
        key = name.lower()
        values = self._clean.get(key)
        if values is None:
            if key not in self._raw:
                return default
            values = self._values(key)
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return list(self._values(name.lower()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._raw

    def names(self) -> list[str]:
        return list(self._raw)


_NONE: list[str] = []


def _unfold(text: str) -> str:
    if "\n" in text or "\r" in text:
        return _FOLD.sub(" ", text).replace("\r", " ").replace("\n", " ")
    return text


_HEADER_PARSER = BytesHeaderParser(policy=compat32)
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:|^[ \t]")
_SPACED_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:")


_PLAIN_BLOCK = re.compile(r"(?:[\x21-\x39\x3b-\x7e]+:[^\n]*\n(?:[ \t][^\n]*\n)*)*")
"""A header block of nothing but ``Name: value`` fields and their continuation lines."""
_FIELD = re.compile(r"^([\x21-\x39\x3b-\x7e]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE)


def headers_from_bytes(raw: bytes) -> MailHeaders:
    """Parse a raw header block (bytes, LF or CRLF) as the standard library's header parser
    (``compat32``) does.

    Lines that are not header fields (a mangled first line, junk before the body) are dropped
    rather than ending the header block early, and ``Name :`` (obsolete syntax) is accepted.
    A block of well-formed fields only (nearly every message) is split by one regular
    expression into exactly the names and values the standard library's parser gives; anything
    else goes through that parser.
    """
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    text = raw.decode("ascii", "surrogateescape")
    if not text.endswith("\n"):
        text += "\n"
    if _PLAIN_BLOCK.fullmatch(text):
        return MailHeaders._parsed(_FIELD.findall(text))
    msg = _HEADER_PARSER.parsebytes(raw)
    if any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in msg.defects):
        lines = [_SPACED_NAME.sub(rb"\1:", line) for line in raw.split(b"\n")]
        kept = b"\n".join(line for line in lines if _HEADER_LINE.match(line))
        msg = _HEADER_PARSER.parsebytes(kept + b"\n\n")
    return MailHeaders(msg.raw_items())


def _charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:+-]+)", content_type, re.IGNORECASE)
    return m.group(1) if m else None


# -- addresses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """One mailbox from a header: ``email`` as written (check it with ``normalise_email``)."""

    email: str
    name: str | None = None


def _clean_name(name: str, email: str) -> str | None:
    if not name:
        return None
    text = clean_text(decode_words(name), MAX_NAME)
    if not text:
        return None
    text = text.strip("'\" ").strip()
    if not text or text.lower() == email.lower() or text.lower() == f"<{email.lower()}>":
        return None
    return text


_NEEDS_FULL_PARSER = re.compile(r'["()\\;:]')
_SIMPLE_ADDRESS = re.compile(
    r"^\s*(?:(?P<name>[^<>@,]*?)\s*<\s*(?P<angle>[^<>@\s,]+@[^<>@\s,]+)\s*>"
    r"|(?P<bare>[^<>@\s,]+@[^<>@\s,]+))\s*$"
)


def parse_addresses(value: str | None) -> list[Address]:
    """Every mailbox in an address header, display names decoded (RFC 2047), in order.

    Pipermail archives write senders as ``user at domain (Name)``; that form is read too.
    Group syntax (``undisclosed-recipients:;``) yields nothing. Entries that are not e-mail
    addresses are kept as written so the caller can report them.
    """
    if not value or not value.strip():
        return []
    if not _NEEDS_FULL_PARSER.search(value):
        # Fast path for the common shapes (``a@b``, ``Name <a@b>``, lists of them): with no
        # quotes, comments, groups or escapes a comma can only separate mailboxes.
        fast = [_SIMPLE_ADDRESS.match(part) for part in value.split(",") if part.strip()]
        if fast and all(fast):
            found = []
            for m in fast:
                assert m is not None
                email = m.group("angle") or m.group("bare")
                found.append(Address(email, _clean_name(m.group("name") or "", email)))
            return found
    m = _PIPERMAIL.match(value)
    if m:
        email = f"{m.group(1)}@{m.group(2)}"
        return [Address(email, _clean_name(m.group(3) or "", email))]
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001 - the stdlib parser has raised on odd input before
        pairs = []
    out = []
    for name, addr in pairs:
        addr = (addr or "").strip()
        if not addr:
            continue
        at = _PIPERMAIL.match(addr)
        if at and "@" not in addr:
            addr = f"{at.group(1)}@{at.group(2)}"
        out.append(Address(addr, _clean_name(name or "", addr)))
    if not out and "@" in value:
        # A header the parser gave up on: take what looks like addresses.
        for found in re.findall(r"[^\s<>(),;:\"']+@[^\s<>(),;:\"']+", value):
            out.append(Address(found, None))
    return out


# -- message ids, labels, threads ---------------------------------------------------------


def normalise_message_id(value: str | None) -> str | None:
    """``<Local@Domain.EXAMPLE>`` -> ``Local@domain.example``: brackets, folding and comments
    removed, the domain lower-cased (local parts are case-sensitive). None when empty."""
    if not value:
        return None
    m = re.search(r"<([^<>]*)>", value)
    text = m.group(1) if m else _COMMENT.sub(" ", value)
    text = "".join(text.split()).strip("<>")
    if not text or len(text) > 900 or _BELOW_BANG.search(text):
        return None
    if "@" in text:
        local, _, domain = text.rpartition("@")
        text = f"{local}@{domain.lower()}"
    return text


def message_id_of(headers: MailHeaders, extra: str = "") -> tuple[str, bool]:
    """The message's normalised Message-ID, or a stable stand-in made from its From, Date,
    Subject and To (and ``extra``, e.g. the From_ line) when it has none: ``(id, synthetic)``."""
    mid = normalise_message_id(headers.get("message-id"))
    if mid:
        return mid, False
    parts = [headers.get(n) or "" for n in ("from", "date", "subject", "to", "cc")]
    digest = hashlib.sha1("\0".join([*parts, extra]).encode("utf-8", "replace")).hexdigest()
    return f"{digest[:32]}@no-message-id.crb", True


def parse_labels(value: str | None) -> list[str]:
    """Gmail's ``X-Gmail-Labels: Inbox,Important,"Quoted, label"`` as a list of labels."""
    if not value:
        return []
    text = decode_words(value)
    if '"' not in text:
        row = text.split(",")  # what the CSV reader gives when nothing is quoted
    else:
        try:
            row = next(csv.reader([text], skipinitialspace=True), [])
        except csv.Error:
            row = text.split(",")
    return [label.strip() for label in row if label.strip()]


def thread_of(headers: MailHeaders, message_id: str | None = None) -> str | None:
    """``gmail:<thread id in hex>`` from ``X-GM-THRID`` (the Gmail API's threadId), else the
    root of ``References`` (or ``In-Reply-To``), else the message's own id."""
    thrid = (headers.get("x-gm-thrid") or "").strip()
    if thrid:
        return f"gmail:{int(thrid):x}" if thrid.isdigit() else f"gmail:{thrid[:100]}"
    for name in ("references", "in-reply-to"):
        value = headers.get(name)
        if value:
            ids = re.findall(r"<[^<>]+>", value) or value.split()
            root = normalise_message_id(ids[0]) if ids else None
            if root:
                return root
    return message_id


# -- bulk ---------------------------------------------------------------------------------


def bulk_reason(headers: MailHeaders) -> str | None:
    """Why this message is bulk mail (the header that says so), or None for personal mail."""
    if (headers.get("list-unsubscribe") or "").strip():
        return "List-Unsubscribe"
    if (headers.get("list-id") or "").strip():
        return "List-Id"
    precedence = (headers.get("precedence") or "").strip().lower().split()
    if precedence and precedence[0].strip(";") in BULK_PRECEDENCE:
        return f"Precedence: {precedence[0].strip(';')}"
    auto = (headers.get("auto-submitted") or "").split(";", 1)[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto[:40]}"
    # Older list software (majordomo, listserv) marks nothing but its own Sender:
    # owner-list@..., list-owner@..., list-request@... or list-bounces@...
    sender = headers.get("sender")
    for _, address in getaddresses([sender]) if sender else ():
        if _LIST_SENDER.match(address.split("@", 1)[0]):
            return "Sender: a mailing list"
    return None


_LIST_SENDER = re.compile(r"^(owner-.+|.+-(owner|request|bounces?))$", re.IGNORECASE)


# -- dates --------------------------------------------------------------------------------


def _aware(year: int, month: int, day: int, hh: int, mm: int, ss: int,
           offset_minutes: int) -> dt.datetime | None:
    if year < 100:
        year += 2000 if year < 50 else 1900
    if not MIN_YEAR <= year <= MAX_YEAR or abs(offset_minutes) >= 24 * 60:
        return None
    zone = _ZONES.get(offset_minutes)
    if zone is None:
        zone = _ZONES[offset_minutes] = dt.timezone(dt.timedelta(minutes=offset_minutes))
    try:
        local = dt.datetime(year, month, day, hh, mm, min(ss, 59), tzinfo=zone)
    except ValueError:
        return None
    return local if zone is dt.UTC else local.astimezone(dt.UTC)


_ZONES: dict[int, dt.tzinfo] = {0: dt.UTC}


def _zone_minutes(token: str | None) -> int:
    if not token:
        return 0
    if token[0] in "+-" and token[1:].isdigit():
        sign = -1 if token[0] == "-" else 1
        return sign * (int(token[1:3]) * 60 + int(token[3:5]))
    return ZONES.get(token.upper(), 0)


def parse_date(value: str | None) -> dt.datetime | None:
    """An RFC 5322 date (and the broken ones real mail carries) as an aware UTC datetime.

    Comments like ``(MET DST)`` are ignored, named zones (``MET``, ``EST``...) are known,
    junk around the date is tolerated (``RANDOM_Wed, 21 Sep 2016 22:42:07 +0300``), ISO 8601
    is accepted; a date without a zone is taken as UTC. None when nothing usable is there.
    """
    if not value or not value.strip():
        return None
    m = _RFC5322_DATE.match(value)
    if m:
        # The form nearly every message has: read directly, as the general path below would.
        day, month, year, hh, mm, ss, zone = m.groups()
        found = _aware(int(year), _MONTHS[month.lower()], int(day), int(hh), int(mm),
                       int(ss or 0), _zone_minutes(zone))
        if found is not None:
            return found
    text = _COMMENT.sub(" ", value).strip()
    try:
        parsed = parsedate_tz(text)
    except Exception:  # noqa: BLE001 - the stdlib date parser raises on some garbage
        parsed = None
    if parsed is not None and parsed[0] is not None:
        year, month, day, hh, mm, ss = parsed[:6]
        if _NUMERIC_ZONE.search(text):
            offset = (parsed[9] or 0) // 60
        else:
            words = re.findall(r"\b([A-Za-z]{1,5})\s*$", text)
            offset = _zone_minutes(words[0]) if words else 0
        found = _aware(year, month, day, hh, mm, ss, offset)
        if found is not None:
            return found
    m = _LOOSE_DATE.search(text)
    if m and m.group(2).lower() in _MONTHS:
        found = _aware(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)),
                       int(m.group(4)), int(m.group(5)), int(m.group(6) or 0),
                       _zone_minutes(m.group(7)))
        if found is not None:
            return found
    asc = parse_from_line_date(text)
    if asc is not None:
        return asc
    try:
        iso = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if iso.tzinfo is None:
        iso = iso.replace(tzinfo=dt.UTC)
    return iso.astimezone(dt.UTC) if MIN_YEAR <= iso.year <= MAX_YEAR else None


def parse_from_line_date(line: str | bytes | None) -> dt.datetime | None:
    """The date of an mbox ``From_`` line (``From x Wed Dec  1 08:26:40 2010``, Takeout's
    ``From 1790...@xxx Mon Jan 01 00:00:00 +0000 2026``, ``Wed Feb  9 22:02 MET 2000``)."""
    if not line:
        return None
    if isinstance(line, bytes):
        line = line.decode("latin-1")
    m = _ASCTIME.search(line)
    if not m or m.group(1).lower() not in _MONTHS:
        return None
    zone = m.group(6) or m.group(8)
    return _aware(int(m.group(7)), _MONTHS[m.group(1).lower()], int(m.group(2)),
                  int(m.group(3)), int(m.group(4)), int(m.group(5) or 0), _zone_minutes(zone))


def received_date(headers: MailHeaders) -> dt.datetime | None:
    """The date of the first ``Received`` header that has one (the last hop)."""
    for value in headers.get_all("received"):
        if ";" in value:
            found = parse_date(value.rsplit(";", 1)[1])
            if found is not None:
                return found
    return None


# -- headers -> records -------------------------------------------------------------------


@dataclass
class ParsedMail:
    """What CRB needs from one message, whatever source it came from."""

    message_id: str
    synthetic_id: bool
    sender: Address | None
    recipients: list[Address]
    date: dt.datetime | None
    date_from: str
    """Where the date came from: ``Date``, ``envelope`` (From_ line / internalDate) or
    ``Received``; empty when there is none."""
    subject: str | None
    thread: str | None
    labels: list[str] = field(default_factory=list)
    bulk: str | None = None


def parse_mail(
    headers: MailHeaders,
    *,
    envelope_date: dt.datetime | Callable[[], dt.datetime | None] | None = None,
    envelope_sender: str | None = None,
    labels: Sequence[str] | None = None,
    thread: str | None = None,
    id_salt: str = "",
) -> ParsedMail:
    """Read one message's headers. ``envelope_*`` come from outside the headers (the mbox
    From_ line, the Gmail API's internalDate; ``envelope_date`` may be a function, called only
    when the Date header is unusable); ``labels`` and ``thread`` override the
    ``X-Gmail-Labels`` / ``X-GM-THRID`` headers when the source knows them better."""
    message_id, synthetic = message_id_of(headers, id_salt)
    sender = None
    for name in ("from", "sender", "reply-to"):
        found = parse_addresses(headers.get(name))
        if found:
            sender = found[0]
            break
    if sender is None and envelope_sender:
        found = parse_addresses(envelope_sender)
        if found and normalise_email(found[0].email):
            sender = found[0]
    recipients: list[Address] = []
    for name in ("to", "cc", "bcc"):
        for value in headers.get_all(name):
            recipients.extend(parse_addresses(value))
    date, date_from = parse_date(headers.get("date")), "Date"
    if date is None:
        date = envelope_date() if callable(envelope_date) else envelope_date
        date_from = "envelope"
    if date is None:
        date, date_from = received_date(headers), "Received"
    if date is None:
        date_from = ""
    return ParsedMail(
        message_id=message_id,
        synthetic_id=synthetic,
        sender=sender,
        recipients=recipients,
        date=date,
        date_from=date_from,
        subject=clean_text(decode_words(headers.get("subject"))),
        thread=thread or thread_of(headers, None if synthetic else message_id),
        labels=list(labels) if labels is not None else parse_labels(headers.get("x-gmail-labels")),
        bulk=bulk_reason(headers),
    )


MAX_RECIPIENTS = 50
"""Default of the mail sources' ``max_recipients``: more counterparts make a mass mail."""


def source_key(message_id: str, email: str) -> str:
    """The interaction key every mail source uses: the same mail from two sources is one."""
    return f"msg:{message_id}|{email}"


def mail_records(
    mail: ParsedMail,
    *,
    me: Iterable[str],
    where: str,
    skip_labels: Iterable[str] = DEFAULT_SKIP_LABELS,
    skip_bulk: bool = True,
    max_recipients: int = MAX_RECIPIENTS,
) -> list[Record]:
    """The records for one message: ``Interaction`` per counterpart, or one ``Skip`` (label,
    bulk mail, too many recipients, no counterpart) or ``Reject`` (no sender, no date) saying
    why there are none.

    Outbound (from one of ``me``): one ``out`` record per To/Cc/Bcc address that is not the
    user's. Anything else is inbound: one ``in`` record with the sender. A message to more than
    ``max_recipients`` addresses besides the user's (0: no limit) is a mass mail, not a touch
    with each of them: skipped as ``too many recipients``.
    """
    mine = _own(tuple(me))
    skipped = {label.lower() for label in skip_labels}
    for label in mail.labels:
        if label.lower() in skipped:
            return [Skip(f"label {label}", where)]
    if skip_bulk and mail.bulk:
        return [Skip("bulk mail", f"{where} ({mail.bulk})")]
    if mail.sender is None:
        return [Reject("no sender address (no From, Sender or Reply-To header)", where)]
    if mail.date is None:
        return [Reject("no usable date (no valid Date, From_ line or Received header)", where)]
    if max_recipients > 0 and len(mail.recipients) > max_recipients:
        others = {normalise_email(a.email) for a in mail.recipients} - mine - {None}
        if len(others) > max_recipients:
            return [Skip("too many recipients", f"{where} ({len(others)} recipients)")]
    sender_email = normalise_email(mail.sender.email) if mail.sender else None
    common = {"kind": "email", "at": mail.date, "subject": mail.subject, "thread": mail.thread}
    if sender_email is not None and sender_email in mine:
        out: list[Record] = []
        seen: set[str] = set()
        for addr in mail.recipients:
            email = normalise_email(addr.email)
            if email is None:
                out.append(Skip("invalid address", f"{where} ({clean_text(addr.email, 80)})"))
                continue
            if email in mine or email in seen:
                continue
            seen.add(email)
            out.append(Interaction(
                source_key=source_key(mail.message_id, email), direction="out",
                with_=Identity("email", email), name=addr.name, **common,
            ))
        if not seen:
            out.append(Skip("no counterpart", where))
        return out
    if sender_email is None:
        shown = clean_text(mail.sender.email, 80)
        return [Reject(f"sender is not an e-mail address: {shown!r}", where)]
    return [Interaction(
        source_key=source_key(mail.message_id, sender_email), direction="in",
        with_=Identity("email", sender_email), name=mail.sender.name, **common,
    )]


@functools.lru_cache(maxsize=64)
def _own(me: tuple[str, ...]) -> frozenset[str]:
    return frozenset(e for e in (normalise_email(x) for x in me) if e)


class SeenIds:
    """Message-IDs already seen in this run, in bounded memory: two generations of 64-bit
    digests, ``capacity`` each (about 70 bytes an id: 14 MB at most). Older ids fall out;
    the store's ``source_key`` upsert still dedupes those, only the "duplicate message-id"
    count misses them."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._new: set[int] = set()
        self._old: set[int] = set()

    def add(self, message_id: str) -> bool:
        """Remember the id; False when it was already there."""
        key = int.from_bytes(
            hashlib.blake2b(message_id.encode("utf-8", "replace"), digest_size=8).digest(), "big"
        )
        if key in self._new or key in self._old:
            return False
        if len(self._new) >= self.capacity:
            self._old, self._new = self._new, set()
        self._new.add(key)
        return True
