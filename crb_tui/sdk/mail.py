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
- :func:`parse_mail` (headers -> :class:`ParsedMail`) and :func:`mail_records` (-> records);
- :func:`tally_text`: a mail source's count of one run (listed = stored + skipped + ...).

Direction comes from the user's own addresses (``[me] emails``, ``ctx.me``): a message from one
of them is ``out`` and gives one record per To/Cc/Bcc counterpart; any other message is ``in``
and gives one record with its sender (also when the user is only in Cc). With no ``[me] emails``
configured every message counts as inbound.

Every interaction's ``source_key`` is ``msg:<normalised Message-ID>|<counterpart e-mail>`` so
the same mail seen by two sources (or in two files) is stored once.

Import everything from here. The parts: ``_mail_headers`` (header text, addresses, ids, labels,
threads) and ``_mail_dates`` (dates); this module says what a message is (bulk or personal,
inbound or outbound, to whom) and makes its records.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

from crb_tui import clock
from crb_tui.identity import mailbox_key, normalise_email
from crb_tui.records import Identity, Interaction, Record, Reject, Skip
from crb_tui.sdk._mail_dates import (
    MAX_YEAR,
    MIN_YEAR,
    ZONES,
    parse_date,
    parse_from_line_date,
    received_date,
    year_out_of_range,
)
from crb_tui.sdk._mail_headers import (
    MAX_NAME,
    MAX_SUBJECT,
    Address,
    MailHeaders,
    clean_text,
    decode_words,
    fix_8bit,
    headers_from_bytes,
    message_id_of,
    normalise_message_id,
    parse_addresses,
    parse_labels,
    thread_of,
)
from crb_tui.sdk._mail_lists import LIST_FIELDS, LIST_SENDER, MailingLists, list_addresses
from crb_tui.text import one_line

__all__ = [
    "BULK_PRECEDENCE",
    "DEFAULT_SKIP_LABELS",
    "MAX_NAME",
    "MAX_RECIPIENTS",
    "MAX_SUBJECT",
    "MAX_YEAR",
    "MIN_YEAR",
    "ZONES",
    "Address",
    "MailHeaders",
    "MailingLists",
    "ParsedMail",
    "SeenIds",
    "bulk_reason",
    "clean_text",
    "decode_words",
    "fix_8bit",
    "headers_from_bytes",
    "list_addresses",
    "mail_records",
    "message_id_of",
    "normalise_message_id",
    "parse_addresses",
    "parse_date",
    "parse_from_line_date",
    "parse_labels",
    "parse_mail",
    "received_date",
    "skipped_unread",
    "source_key",
    "tally_text",
    "thread_of",
]

DEFAULT_SKIP_LABELS: tuple[str, ...] = ("Spam", "Trash", "Chat", "Chats", "Draft", "Drafts")
"""Gmail labels whose messages are never interactions (Takeout names chats "Chat")."""

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


# -- bulk ---------------------------------------------------------------------------------


BULK_FIELDS = frozenset({"list-unsubscribe", "list-id", "precedence", "auto-submitted",
                         "sender", *LIST_FIELDS})
"""Every field :func:`bulk_reason` reads: a message with none of them is personal mail."""


def bulk_reason(headers: MailHeaders) -> str | None:
    """Why this message is bulk mail (the header that says so), or None for personal mail."""
    if not headers.has_any(BULK_FIELDS):
        return None
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
        if LIST_SENDER.match(address.split("@", 1)[0]):
            return "Sender: a mailing list"
    # ... or Errors-To, X-Mailing-List, Mailing-List, X-BeenThere, List-Post, or an X-Loop
    # naming the sender itself (a bug tracker's robot).
    if list_addresses(headers):
        return "a mailing list's headers"
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
    """Where the date came from: ``Date``, ``envelope`` (From_ line / internalDate),
    ``Received``, ``file`` (the time of the file it is in) or ``import`` (now: a wrong clock's
    ``Date`` and nothing else to go by); empty when there is none."""
    subject: str | None
    thread: str | None
    labels: list[str] = field(default_factory=list)
    bulk: str | None = None
    date_problem: str | None = None
    """Why there is no date when the headers had one that cannot be true (in the future).
    Kept for plugins that read it: such a message now always gets a date (see ``date_from``),
    so this stays None."""
    wrong_date: str | None = None
    """Why the ``Date`` header was not believed when another date (``date_from``) was used."""


def parse_mail(
    headers: MailHeaders,
    *,
    envelope_date: dt.datetime | Callable[[], dt.datetime | None] | None = None,
    envelope_sender: str | Callable[[], str | None] | None = None,
    labels: Sequence[str] | None = None,
    thread: str | None = None,
    id_salt: str = "",
    not_after: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ParsedMail:
    """Read one message's headers. ``envelope_*`` come from outside the headers (the mbox
    From_ line, the Gmail API's internalDate; either may be a function: ``envelope_sender``
    is called only when no header names a sender); ``labels`` and ``thread`` override the
    ``X-Gmail-Labels`` / ``X-GM-THRID`` headers when the source knows them better;
    ``not_after`` is when the message existed at the latest, when the source knows it (a
    single message file's time); ``now`` is the clock's now (UTC), read once by a source that
    parses many messages (default: read here). See :func:`_pick_date` for the dates that are
    not believed."""
    message_id, synthetic = message_id_of(headers, id_salt)
    sender = None
    for name in ("from", "sender", "reply-to"):
        found = parse_addresses(headers.get(name))
        if found:
            sender = found[0]
            break
    envelope = envelope_sender() if sender is None and callable(envelope_sender) \
        else envelope_sender
    if sender is None and isinstance(envelope, str) and envelope:
        found = parse_addresses(envelope)
        if found and normalise_email(found[0].email):
            sender = found[0]
    recipients: list[Address] = []
    for name in ("to", "cc", "bcc"):
        for value in headers.get_all(name):
            recipients.extend(parse_addresses(value))
    date, date_from, problem = _pick_date(headers, envelope_date, not_after, now)
    return ParsedMail(
        message_id=message_id,
        synthetic_id=synthetic,
        sender=sender,
        recipients=recipients,
        date=date,
        date_from=date_from,
        date_problem=problem if date is None else None,
        wrong_date=problem if date is not None else None,
        subject=clean_text(decode_words(headers.get("subject"))),
        thread=thread or thread_of(headers, None if synthetic else message_id),
        labels=list(labels) if labels is not None else parse_labels(headers.get("x-gmail-labels")),
        bulk=bulk_reason(headers),
    )


SLACK = dt.timedelta(days=1)
"""How far a ``Date`` header may lie after the moment the message is known to have existed
(its delivery, a file's time, now): clocks are wrong by hours, not by days."""


def _pick_date(
    headers: MailHeaders,
    envelope_date: dt.datetime | Callable[[], dt.datetime | None] | None,
    not_after: dt.datetime | None,
    now: dt.datetime | None = None,
) -> tuple[dt.datetime | None, str, str | None]:
    """The message's date, where it came from, and why the ``Date`` header was not believed.

    The ``Date`` header is the sender's clock; a date more than a day after the message was
    delivered (the envelope: the mbox From_ line, the Gmail API's internalDate, IMAP's
    INTERNALDATE), after ``not_after`` or after now is a wrong clock (``Date: ... 2099``), and
    the envelope date (then the ``Received`` chain) is used instead; with neither, the time it
    existed by (``not_after``: a single message file's time), else now (the import): the
    message did exist, only its sender's clock was wrong. ``date_problem`` says why the
    ``Date`` was not believed."""
    current = now or clock.now_utc()
    latest = current + SLACK
    envelope = envelope_date() if callable(envelope_date) else envelope_date
    if envelope is not None and envelope > latest:
        envelope = None
    bound, after = latest, "today"  # the earliest of these (the first of equal ones)
    if not_after is not None and not_after + SLACK < bound:
        bound, after = not_after + SLACK, "the file's time"
    if envelope is not None and envelope + SLACK < bound:
        bound, after = envelope + SLACK, "its delivery date"
    problem = None
    date = parse_date(headers.get("date"))
    if date is not None and date <= bound:
        return date, "Date", None
    if date is not None:
        problem = f"Date header {date:%Y-%m-%d} is more than a day after {after} (a wrong clock)"
    elif (year := year_out_of_range(headers.get("date"))) is not None:
        problem = (f"Date header year {year:04d} is out of range (years {MIN_YEAR} to "
                   f"{MAX_YEAR}; a wrong clock)")
    if envelope is not None:
        return envelope, "envelope", problem
    received = received_date(headers)
    if received is not None and received <= bound:
        return received, "Received", problem
    if problem is not None:  # a Date that cannot be true, and no other date in the message
        if not_after is not None and not_after.year > 1970:  # (1970: the time was unreadable)
            return min(not_after, current), "file", problem
        return current, "import", problem
    if not_after is not None and not_after.year > 1970:
        # No Date at all, or one that is not a date (``Date: Whenever``), and nothing else in
        # the message: a saved message existed by its file's time.
        raw = one_line(headers.get("date"), 60)
        problem = f"Date header {raw!r} is not a date" if raw else "no Date header"
        return min(not_after, current), "file", problem
    return None, "", problem


log = logging.getLogger("crb.mail")

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
    lists: Container[str] = (),
) -> list[Record]:
    """The records for one message: ``Interaction`` per counterpart, or one ``Skip`` (label,
    bulk mail, too many recipients, no counterpart) or ``Reject`` (no sender, no date) saying
    why there are none.

    Outbound (from one of ``me``): one ``out`` record per To/Cc/Bcc address that is not the
    user's. Anything else is inbound: one ``in`` record with the sender. A message to more than
    ``max_recipients`` addresses besides the user's (0: no limit) is a mass mail, not a touch
    with each of them: skipped as ``too many recipients``. An address in ``lists`` (a mailing
    list's, see :class:`MailingLists`) is never a counterpart: ``mailing list address``.
    """
    mine = _own(tuple(me))
    skip = _skip(mail.labels, mail.bulk, where, skip_labels, skip_bulk)
    if skip is not None:
        return [skip]
    if mail.sender is None:
        return [Reject("no sender address (no From, Sender or Reply-To header)", where)]
    if mail.date is None:
        return [Reject("no usable date (no valid Date, From_ line or Received header)", where)]
    if mail.wrong_date:
        # Said once per message (the run's summary lists these as warnings, with a count).
        used = {"envelope": "the delivery date", "file": "the file's time",
                "import": "the time of this import"}.get(mail.date_from, "the Received header")
        log.warning("%s: %s: dated %s, %s, instead", where, mail.wrong_date,
                    f"{mail.date:%Y-%m-%d}", used)
    if max_recipients > 0 and len(mail.recipients) > max_recipients:
        others = {mailbox_key(e) for e in (normalise_email(a.email) for a in mail.recipients)
                  if e} - mine
        if len(others) > max_recipients:
            return [Skip("too many recipients", f"{where} ({len(others)} recipients)")]
    sender_email = normalise_email(mail.sender.email) if mail.sender else None
    if sender_email is not None and mailbox_key(sender_email) in mine:
        out: list[Record] = []
        seen: set[str] = set()
        for addr in mail.recipients:
            email = normalise_email(addr.email)
            if email is None:
                out.append(Skip("invalid address", f"{where} ({clean_text(addr.email, 80)})"))
                continue
            if mailbox_key(email) in mine or email in seen:
                continue
            seen.add(email)
            if email in lists:
                out.append(Skip("mailing list address", f"{where} ({email})"))
                continue
            out.append(Interaction(
                source_key=source_key(mail.message_id, email), kind="email", direction="out",
                at=mail.date, with_=Identity("email", email), name=addr.name,
                subject=mail.subject, thread=mail.thread,
            ))
        if not seen:
            out.append(Skip("no counterpart", where))
        return out
    if sender_email is None:
        shown = clean_text(mail.sender.email, 80)
        return [Reject(f"sender is not an e-mail address: {shown!r}", where)]
    if sender_email in lists:
        return [Skip("mailing list address", f"{where} ({sender_email})")]
    return [Interaction(
        source_key=source_key(mail.message_id, sender_email), kind="email", direction="in",
        at=mail.date, with_=Identity("email", sender_email), name=mail.sender.name,
        subject=mail.subject, thread=mail.thread,
    )]


def skipped_unread(
    headers: MailHeaders,
    *,
    where: str,
    labels: Sequence[str] | None = None,
    skip_labels: Iterable[str] = DEFAULT_SKIP_LABELS,
    skip_bulk: bool = True,
) -> Skip | None:
    """The ``Skip`` :func:`mail_records` gives a message left out by a label or as bulk mail,
    told from its headers before its addresses, dates and subject are read (much of a Gmail
    export is such mail); None for any other message. ``labels`` as for :func:`parse_mail`."""
    if labels is None:
        labels = parse_labels(headers.get("x-gmail-labels"))
    bulk = bulk_reason(headers) if skip_bulk else None
    return _skip(labels, bulk, where, skip_labels, skip_bulk)


def _skip(labels: Sequence[str], bulk: str | None, where: str, skip_labels: Iterable[str],
          skip_bulk: bool) -> Skip | None:
    if labels:
        skipped = _lowered(tuple(skip_labels))
        for label in labels:
            if label.lower() in skipped:
                return Skip(f"label {label}", where)
    if skip_bulk and bulk:
        return Skip("bulk mail", f"{where} ({bulk})")
    return None


@functools.lru_cache(maxsize=64)
def _lowered(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(label.lower() for label in labels)


@functools.lru_cache(maxsize=64)
def _own(me: tuple[str, ...]) -> frozenset[str]:
    """The user's mailboxes (:func:`mailbox_key`: every spelling of their Gmail address)."""
    return frozenset(mailbox_key(e) for e in (normalise_email(x) for x in me) if e)


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
        key = hash(message_id)  # 64-bit SipHash, keyed per process: a digest for this run only
        if key in self._new or key in self._old:
            return False
        if len(self._new) >= self.capacity:
            self._old, self._new = self._new, set()
        self._new.add(key)
        return True


def tally_text(tally: dict[str, Any]) -> str:
    """A mail source's reconciliation of one run, for its log and ``ctx.note``: ``listed N =
    stored N + skipped N (reason N, ...) + rejected N``, then ``+ gone before read N`` where the
    tally counts ``gone`` (a source that reads messages after listing them) and ``+ not read
    (folder error) N``, ``; removed N``, ``; kept N`` (stored mail no longer listed, kept: it
    was a touch) and ``; folders not read: N`` where those are not 0."""
    t = tally
    skipped = sum(t["skipped"].values())
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(t["skipped"].items()))
    return (f"listed {t['listed']} = stored {t['stored']} + skipped {skipped}"
            + (f" ({reasons})" if reasons else "") + f" + rejected {t['rejected']}"
            + (f" + gone before read {t['gone']}" if "gone" in t else "")
            + (f" + not read (folder error) {t['not_read']}" if t.get("not_read") else "")
            + (f"; removed {t['removed']}" if t.get("removed") else "")
            + (f"; kept though no longer listed {t['kept']}" if t.get("kept") else "")
            + (f"; folders not read: {t['folders_not_read']}" if t.get("folders_not_read")
               else ""))
