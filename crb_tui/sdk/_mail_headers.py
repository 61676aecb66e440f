"""Reading a message's header block: raw values made text (undeclared 8-bit bytes, RFC 2047
encoded words, folding), :class:`MailHeaders`, addresses (:func:`parse_addresses`, pipermail's
``user at domain (Name)`` too), ``Message-ID`` normalisation and a stable stand-in for a message
without one, Gmail labels and thread keys.

Part of :mod:`crb_tui.sdk.mail`, which plugins import it from."""

from __future__ import annotations

import csv
import functools
import hashlib
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.errors import MissingHeaderBodySeparatorDefect
from email.header import decode_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

from crb_tui.text import MAX_LINE, one_line

MAX_SUBJECT = MAX_LINE
clean_text = one_line
"""One line of text as stored (crb_tui.text's one rule, exported by the SDK)."""
MAX_NAME = 200

_FOLD = re.compile(r"\r?\n[ \t]*")
COMMENT = re.compile(r"\([^()]*\)")
_PIPERMAIL = re.compile(
    r"^\s*([^\s@<>(),;:\"]+)\s+at\s+([^\s@<>(),;:\"]+\.[^\s@<>(),;:\"]+)\s*(?:\((.*)\))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


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


_ASCII_LETTER = re.compile(rb"[A-Za-z]")


def _decode_chunk(chunk: bytes, charset: str | None) -> str:
    codec = (charset or "ascii").split("*", 1)[0].strip() or "ascii"
    # Declared charsets lie often (Latin-1 bytes labelled UTF-8): strict first, then fall back.
    for attempt in (codec, "utf-8"):
        try:
            return chunk.decode(attempt)
        except (UnicodeDecodeError, LookupError):
            continue
    if _ASCII_LETTER.search(chunk):
        # Text with a few 8-bit letters ("Luc\xeda"): Latin-1 mislabelled.
        return chunk.decode("cp1252", "replace")
    # Nothing but 8-bit bytes that are not the declared charset ("=?utf-8?B?////?="): not
    # text; U+FFFD says so (a display name of only that is no name: see _clean_name).
    return "\ufffd"


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


# -- headers ------------------------------------------------------------------------------


class MailHeaders:
    """Header fields by lower-cased name, in order, values as text (unfolded, 8-bit fixed).

    Values are cleaned when first asked for: a message carries dozens of fields (Received,
    DKIM...) and CRB reads a handful. Where each name's values are in the message (its *plan*)
    is worked out once for every sequence of field names (the messages of one mailbox repeat a
    few of them), so reading a message's fields is no loop over them."""

    _charset: str | None

    def __init__(self, pairs: Iterable[tuple[str, str]] = (), charset: str | None = None):
        items = [(str(name).strip(), str(value)) for name, value in pairs]
        self._setup(tuple(name for name, _ in items), [value for _, value in items], False)
        self._charset = charset

    def _setup(self, names: tuple[str, ...], values: list[str], plain: bool) -> None:
        self._vals = values
        self._plan = _plan_of(names)
        self._clean: dict[str, list[str]] = {}
        self._plain = plain
        """Every value is ASCII with no CR (a block read by ``headers_from_bytes``'s one pass):
        a value on one line is then clean as it is."""
        self._charset = None
        self.derived: dict[Any, Any] = {}
        """What the mail logic worked out from these fields, kept so it is done once."""

    @classmethod
    def _parsed(cls, pairs: list[tuple[str, str]], plain: bool) -> MailHeaders | None:
        """From names and values that are already ``str`` and names without white space; None
        when a name is empty (a line that is no field, see ``_FIELD_LINES``). ``plain``: every
        value is ASCII without a CR."""
        names = tuple(map(_NAME, pairs))
        if "" in names:
            return None
        headers = cls.__new__(cls)
        headers._setup(names, list(map(_VALUE, pairs)), plain)
        return headers

    def _raw(self, key: str) -> list[str] | None:
        """The values of a (lower-cased) name as written, or None."""
        found = self._plan.get(key)
        if found is None:
            return None
        values = self._vals
        return [values[i] for i in found]

    def _values(self, key: str) -> list[str]:
        values = self._clean.get(key)
        if values is None:
            raw = self._raw(key)
            if not raw:
                return _NONE
            values = self._clean[key] = self._cleaned(raw)
        return values

    def _cleaned(self, raw: list[str]) -> list[str]:
        # (an ASCII value on one line is already clean: nearly every one)
        return [v if v.isascii() and "\n" not in v and "\r" not in v else self._text(v)
                for v in raw]

    def _text(self, value: str) -> str:
        if not value.isascii() and _SURROGATE.search(value):
            if self._charset is None:
                # The body's declared charset is the best guess for undeclared 8-bit bytes.
                self._charset = _charset_of((self._raw("content-type") or [""])[0]) or ""
            value = fix_8bit(value, self._charset or None)
        return _unfold(value)

    def get(self, name: str, default: str | None = None) -> str | None:
        found = self._plan.get(name)
        if found is None:  # (names are kept lower-cased, as CRB asks for them)
            name = name.lower()
            found = self._plan.get(name)
            if found is None:
                return default
        if self._plain:
            value = self._vals[found[0]]
            if "\n" not in value:
                return value  # (a plain value on one line: clean as it is, nearly every one)
        return self._values(name)[0]

    def get_all(self, name: str) -> list[str]:
        found = self._plan.get(name)
        if found is None:
            name = name.lower()
            found = self._plan.get(name)
            if found is None:
                return []
        if self._plain and len(found) == 1:
            value = self._vals[found[0]]
            if "\n" not in value:
                return [value]  # (as ``get``: one plain value on one line)
        return list(self._values(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._plan

    def names(self) -> list[str]:
        return list(self._plan)

    def has_any(self, names: frozenset[str]) -> bool:
        """Whether any of ``names`` (lower-cased) is a field here: one look for a check that
        asks for many fields, most messages having none of them."""
        return not self._plan.keys().isdisjoint(names)


_NONE: list[str] = []
_NAME = operator.itemgetter(0)
_VALUE = operator.itemgetter(1)
_PLANS: dict[tuple[str, ...], dict[str, tuple[int, ...]]] = {}
"""Sequences of field names as written -> each lower-cased name's places (at most 4096 kept)."""


def _plan_of(names: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    plan = _PLANS.get(names)
    if plan is None:
        places: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            places.setdefault(name.lower(), []).append(i)
        plan = {key: tuple(found) for key, found in places.items()}
        if len(_PLANS) >= 4096:
            _PLANS.clear()
        _PLANS[names] = plan
    return plan


def _unfold(text: str) -> str:
    if "\n" in text or "\r" in text:
        return _FOLD.sub(" ", text).replace("\r", " ").replace("\n", " ")
    return text


_HEADER_PARSER = BytesHeaderParser(policy=compat32)
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:|^[ \t]")
_SPACED_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:")


_FIELD_LINES = re.compile(
    r"^(?:([\x21-\x39\x3b-\x7e]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)|(?!\Z)[^\n]*)", re.MULTILINE)
"""Every line of a header block, in one pass: a ``Name: value`` field with its continuation
lines gives ``(name, value)``; any other line (blank, a continuation with no field before it,
``Name :``, junk) gives ``("", "")``, which sends the block to the standard library's parser."""


def headers_from_bytes(raw: bytes) -> MailHeaders:
    """Parse a raw header block (bytes, LF or CRLF) as the standard library's header parser
    (``compat32``) does.

    Lines that are not header fields (a mangled first line, junk before the body) are dropped
    rather than ending the header block early, and ``Name :`` (obsolete syntax) is accepted.
    A block of well-formed fields only (nearly every message) is split by one regular
    expression, in one pass, into exactly the names and values the standard library's parser
    gives; a block with any other line goes through that parser.
    """
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    text = raw.decode("ascii", "surrogateescape")
    if not text.endswith("\n"):
        text += "\n"
    pairs = _FIELD_LINES.findall(text)
    if pairs:
        headers = MailHeaders._parsed(pairs, text.isascii())
        if headers is not None:
            return headers
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
    if not text or ("\ufffd" in text and not any(c.isalnum() for c in text)):
        # Nothing readable ("\ufffd" from bytes that are no text): the person is named by
        # the address, as when there is no name.
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
    if len(value) <= _REMEMBERED:
        return list(_remembered_addresses(value))
    return _addresses(value)


_REMEMBERED = 1000
"""Address headers up to this long are remembered (a mailbox names the same senders and
recipients over and over)."""


@functools.lru_cache(maxsize=8192)
def _remembered_addresses(value: str) -> tuple[Address, ...]:
    return tuple(_addresses(value))


@functools.lru_cache(maxsize=16384)
def _simple_address(part: str) -> Address | None:
    """One mailbox of the common shapes (``a@b``, ``Name <a@b>``), or None (remembered: the
    same people come back in ever other combinations of To and Cc)."""
    m = _SIMPLE_ADDRESS.match(part)
    if m is None:
        return None
    email = m.group("angle") or m.group("bare")
    return Address(email, _clean_name(m.group("name") or "", email))


def _addresses(value: str) -> list[Address]:
    if not _NEEDS_FULL_PARSER.search(value):
        # Fast path for the common shapes (``a@b``, ``Name <a@b>``, lists of them): with no
        # quotes, comments, groups or escapes a comma can only separate mailboxes.
        fast = [_simple_address(part) for part in value.split(",") if part.strip()]
        if fast and all(fast):
            return fast  # type: ignore[return-value]  # (no None in it)
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


_BRACKETED = re.compile(r"<([^<>]*)>")
_MESSAGE_IDS = re.compile(r"<[^<>]+>")
_SIMPLE_ID = re.compile(r"<([!-;=?-~]+)@([!-;=?A-~]+)>")
"""One id in brackets, no white space, comment or second bracket in it (the domain after the
last ``@``, as ``rpartition`` finds it)."""


def normalise_message_id(value: str | None) -> str | None:
    """``<Local@Domain.EXAMPLE>`` -> ``Local@domain.example``: brackets, folding and comments
    removed, the domain lower-cased (local parts are case-sensitive). None when empty."""
    if not value:
        return None
    simple = _SIMPLE_ID.fullmatch(value)
    if simple:  # ``<local@domain>`` as nearly every message writes it: read directly
        local, domain = simple.groups()
        return f"{local}@{domain.lower()}" if len(local) + len(domain) < 900 else None
    m = _BRACKETED.search(value)
    text = m.group(1) if m else COMMENT.sub(" ", value)
    text = "".join(text.split()).strip("<>")
    if not text or len(text) > 900 or min(text) < "!":
        return None  # (RFC 5322: an id is made of characters from "!" up, white space aside)
    if "@" in text:
        local, _, domain = text.rpartition("@")
        text = f"{local}@{domain.lower()}"
    return text


def message_id_of(headers: MailHeaders, extra: str = "") -> tuple[str, bool]:
    """The message's normalised Message-ID, or a stable stand-in made from its From, Date,
    Subject and To (and ``extra``, e.g. the From_ line) when it has none: ``(id, synthetic)``
    (worked out once a message: a source may ask before ``parse_mail`` does)."""
    found = headers.derived.get(("message_id", extra))
    if found is None:
        found = headers.derived[("message_id", extra)] = _message_id_of(headers, extra)
    return found


def _message_id_of(headers: MailHeaders, extra: str) -> tuple[str, bool]:
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
            ids = _MESSAGE_IDS.findall(value) or value.split()
            root = normalise_message_id(ids[0]) if ids else None
            if root:
                return root
    return message_id
