"""CRB's built-in mbox importer: Unix mailboxes, Google Takeout's Gmail export and single
``.eml`` messages. A plain plugin, written only against the public plugin API and the shared
mail logic in :mod:`crb_tui.sdk.mail`.

The file is streamed in constant memory: a From_-line splitter over bytes (:mod:`.split`) keeps
only the current message's header block (bodies are skipped, never held), and each block is
read into the fields the standard library's header parser gives. ``mailbox.mbox`` is not used:
it indexes the whole file first and raises ``UnicodeDecodeError`` on non-ASCII bytes in From_
lines.

Settings (``[sources.mbox]``):

- ``paths``: files read by ``crb sync mbox`` (``crb import`` hands its own);
- ``skip_labels``: Gmail labels (``X-Gmail-Labels``) whose messages are skipped;
- ``skip_bulk``: drop bulk mail (``List-Unsubscribe``, ``List-Id``, ``Precedence: bulk|list|
  junk``, ``Auto-Submitted`` other than ``no``); set to false to import mailing-list archives;
- ``max_recipients`` (default 50, 0: no limit): a message to more addresses than this is a mass
  mail, skipped as ``too many recipients`` (a mail to 60,000 must not make 60,000 people).

Direction comes from ``[me] emails``: with none configured every message counts as inbound.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crb_mbox.split import (
    FROM_LINE,
    Buffered,
    RawMessage,
    iter_messages,
)
from crb_tui import Reject, Skip, Source, SyncContext, hookimpl
from crb_tui.sdk import Record, check_range, file_time, now_utc, user_message
from crb_tui.sdk.mail import (
    DEFAULT_SKIP_LABELS,
    MAX_RECIPIENTS,
    MailingLists,
    SeenIds,
    headers_from_bytes,
    mail_records,
    message_id_of,
    parse_from_line_date,
    parse_labels,
    parse_mail,
    skipped_unread,
)

__version__ = "0.1.0"

PROGRESS_EVERY = 500

_HEADER = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")
_KNOWN = frozenset({
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
    b"mime-version", b"content-type", b"delivered-to", b"reply-to", b"sender", b"references",
    b"in-reply-to", b"content-transfer-encoding", b"x-gm-thrid", b"x-gmail-labels",
    b"dkim-signature", b"x-mailer", b"list-id", b"user-agent", b"thread-topic",
})
_ADDRESSY = frozenset({b"from", b"to", b"subject", b"date", b"message-id", b"received",
                       b"return-path", b"delivered-to"})


# -- detection ----------------------------------------------------------------------------


def _lines(head: bytes, n: int = 60) -> list[bytes]:
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    return [line.rstrip(b"\r") for line in text.lstrip(b"\r\n").split(b"\n", n)[:n]]


def _header_block(lines: list[bytes]) -> list[bytes] | None:
    """The header lines before the first blank line, or None if any is not a header line."""
    block: list[bytes] = []
    for i, line in enumerate(lines):
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and block:
            continue
        if not _HEADER.match(line):
            # The head may end mid-line: the last line read is allowed to be cut short.
            if i == len(lines) - 1:
                break
            return None
        block.append(line.split(b":", 1)[0].strip().lower())
    return block


def detect(path: Path, head: bytes) -> str | None:
    """``mbox`` for a Unix mailbox (a From_ line, then header fields), ``eml`` for one RFC 5322
    message; None for anything else (vCard and iCalendar start with ``BEGIN:``, CSV has no
    header fields)."""
    lines = _lines(head)
    if not lines or not lines[0]:
        return None
    first = lines[0]
    if first.startswith(b"From "):
        if FROM_LINE.match(first):
            return "mbox"
        block = _header_block(lines[1:])
        return "mbox" if block and any(name in _KNOWN for name in block) else None
    if first[:6].upper() == b"BEGIN:":
        return None
    block = _header_block(lines)
    if not block:
        return None
    known = [name for name in block if name in _KNOWN]
    if path.suffix.lower() == ".eml":
        return "eml" if known else None
    if len(known) >= 2 and any(name in _ADDRESSY for name in known):
        return "eml"
    return None


_ENVELOPE_SENDER = re.compile(r"\s*(.*?)\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")


def _envelope_sender(from_line: bytes | None) -> str | None:
    if not from_line:
        return None
    text = from_line[5:].decode("utf-8", "replace")
    m = _ENVELOPE_SENDER.match(text)
    sender = (m.group(1) if m else text).strip()
    return sender or None


# -- the source ---------------------------------------------------------------------------


def read_mailbox(
    ctx: SyncContext, path: Path, seen: SeenIds, done_before: int = 0, total: int | None = None,
    lists: MailingLists | None = None,
) -> Iterator[Record]:
    """Every record of one mailbox or message file."""
    skip_labels = list(ctx.config.get("skip_labels", DEFAULT_SKIP_LABELS))
    skip_bulk = bool(ctx.config.get("skip_bulk", True))
    limit = max(0, int(ctx.config.get("max_recipients", MAX_RECIPIENTS)))
    if lists is None:
        lists = MailingLists.from_state(ctx.state)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, the generator may stop early
    except OSError as exc:
        yield Reject(f"cannot read: {exc.strerror or exc}", str(path))
        return
    with fh:
        reader = Buffered(fh)
        written = file_time(path)  # no message in the file is later than the file
        now = now_utc()  # (read once: a Date after it is a wrong clock)
        count = 0
        try:
            for raw in iter_messages(reader):
                count += 1
                where = f"{path}:{raw.line}"
                try:
                    yield from _message_records(
                        raw, where, ctx.me, seen, skip_labels, skip_bulk, limit, written, lists,
                        now)
                except Exception as exc:  # noqa: BLE001 - one bad message never stops a file
                    yield Reject(f"cannot read message {raw.number}: {user_message(exc)}",
                                 where)
                if count % PROGRESS_EVERY == 0:
                    ctx.progress(done_before + reader.tell(), total,
                                 f"{path.name}: {count} messages")
                    if ctx.cancelled:
                        return
        except OSError as exc:
            yield Reject(f"cannot read past message {count}: {exc.strerror or exc}", str(path))
            return
        if count == 0:
            yield Reject("empty file: no message in it", str(path))
        ctx.progress(done_before + reader.tell(), total, f"{path.name}: {count} messages")


def _message_records(
    raw: RawMessage, where: str, me: tuple[str, ...], seen: SeenIds,
    skip_labels: list[str], skip_bulk: bool, max_recipients: int = MAX_RECIPIENTS,
    written: dt.datetime | None = None,
    lists: MailingLists | None = None,
    now: dt.datetime | None = None,
) -> list[Record]:
    if not raw.header or raw.header.isspace():
        return [Reject(f"message {raw.number} has no header fields", where)]
    if raw.cut_short:
        # Stored now under what is there (its Message-ID may be in the part not read yet), it
        # would be stored again, whole, by the next import of the file.
        return [Reject(f"the file ends inside message {raw.number}'s header fields (cut "
                       "short, or still being written?): left out; import the file again "
                       "once it is whole", where)]
    headers = headers_from_bytes(raw.header)
    if not headers.names():
        return [Reject(f"message {raw.number} has no header fields", where)]
    if lists is not None:
        lists.learn(headers)
    message_id, synthetic = message_id_of(headers)
    labels = None
    if not synthetic:
        # A message seen before, or left out by a label or as bulk mail, is told from its
        # headers before its addresses and dates are read.
        if not seen.add(message_id):
            return [Skip("duplicate message-id", where)]
        labels = parse_labels(headers.get("x-gmail-labels"))
        skip = skipped_unread(headers, where=where, labels=labels, skip_labels=skip_labels,
                              skip_bulk=skip_bulk)
        if skip is not None:
            return [skip]
    mail = parse_mail(
        headers,
        envelope_date=lambda: parse_from_line_date(raw.from_line),
        envelope_sender=lambda: _envelope_sender(raw.from_line),
        labels=labels,
        not_after=written,
        now=now,
    )
    # A stand-in id only dedupes messages that have a sender and a date to tell them apart.
    countable = mail.sender is not None and mail.date is not None
    if synthetic and countable and not seen.add(mail.message_id):
        return [Skip("duplicate message-id", where)]
    return mail_records(mail, me=me, where=where, skip_labels=skip_labels, skip_bulk=skip_bulk,
                        max_recipients=max_recipients, lists=lists if lists is not None else ())


def sync(ctx: SyncContext) -> Iterator[Any]:
    given = list(ctx.paths) or [Path(p).expanduser() for p in ctx.config.get("paths", [])]
    paths = [Path(p) for p in given]
    sizes = []
    for p in paths:
        try:
            sizes.append(p.stat().st_size)
        except OSError:
            sizes.append(0)
    total = sum(sizes) or None
    seen = SeenIds()
    lists = MailingLists.from_state(ctx.state)
    done = 0
    for path, size in zip(paths, sizes, strict=True):
        yield from read_mailbox(ctx, path, seen, done, total, lists)
        done += size


@hookimpl
def register_sources(register: Any) -> None:
    register(
        Source(
            name="mbox",
            sync=sync,
            description="Mail from mbox files (Google Takeout's Gmail export, any Unix "
                        "mailbox) and single .eml messages",
            config_schema={
                "paths": [],
                "skip_labels": list(DEFAULT_SKIP_LABELS),
                "skip_bulk": True,
                "max_recipients": MAX_RECIPIENTS,
            },
            formats=("mbox", "eml"),
            direction_from_me=True,
            detect=detect,
            check=lambda cfg: check_range("mbox", cfg, "max_recipients", 0),
        )
    )
