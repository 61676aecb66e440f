"""The IMAP sync: per folder, the messages above the last UID read, their headers fetched in
batches (``BODY.PEEK``: nothing is marked read), turned into records by ``crb_tui.sdk.mail``
exactly as an mbox or Gmail copy of the same message is (``msg:<Message-ID>|<counterpart>``).

The checkpoint holds, per folder, its ``UIDVALIDITY``, the last UID read and (after a folder is
read to the end) its ``UIDNEXT`` and ``HIGHESTMODSEQ``: a folder whose ``UIDNEXT`` or (with
CONDSTORE) ``HIGHESTMODSEQ`` has not moved has nothing new and costs one ``STATUS``. It is saved
after every batch, after the batch's records, so a sync killed at any point resumes at the
next batch. A changed ``UIDVALIDITY`` reads the folder again from its first message; the store
dedupes on ``source_key``, so nothing is doubled. A dropped connection is re-opened (up to
``RETRY_WAITS``) and the batch it cut short is fetched again; its records are handed on only
once the whole batch has arrived, so nothing is lost or doubled there either.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from imapclient import IMAPClient

from crb_imap._connect import (
    LOST,
    IMAPClientError,
    ImapError,
    Settings,
    close,
    connect,
    list_folders,
    sent_folder,
    settings,
    status,
)
from crb_tui import Interaction, Reject, Skip, SyncContext
from crb_tui.sdk import Record, normalise_email, user_message
from crb_tui.sdk.mail import (
    MailingLists,
    SeenIds,
    headers_from_bytes,
    mail_records,
    parse_mail,
    tally_text,
)

HEADER_FIELDS = (
    "FROM", "SENDER", "REPLY-TO", "TO", "CC", "BCC", "DATE", "SUBJECT", "MESSAGE-ID",
    "IN-REPLY-TO", "REFERENCES", "LIST-UNSUBSCRIBE", "LIST-ID", "PRECEDENCE", "AUTO-SUBMITTED",
    "CONTENT-TYPE", "X-GM-THRID",
    # mailing lists that predate List-Id (see crb_tui.sdk.mail.MailingLists)
    "ERRORS-TO", "X-MAILING-LIST", "MAILING-LIST", "X-BEENTHERE", "LIST-POST", "X-LOOP",
)
"""Everything ``crb_tui.sdk.mail`` reads (Content-Type for the charset of undeclared 8-bit
text); the Message-ID stand-in hashes From, Date, Subject, To and Cc, as for an mbox copy."""
PEEK = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"

STATE_VERSION = 1
RENUMBERED_TRIES = 3
RETRY_WAITS: tuple[float, ...] = (1.0, 4.0, 15.0)
"""Seconds before each new attempt after a dropped connection; then the sync stops (and
resumes from its last batch next time)."""

T = TypeVar("T")


class UidValidityChanged(Exception):
    """The folder's UIDs were renumbered while it was being read."""


def new_tally() -> dict[str, Any]:
    """Messages listed = stored + skipped + rejected + gone; ``folders_not_read`` apart."""
    return {"listed": 0, "stored": 0, "skipped": {}, "rejected": 0, "gone": 0, "not_read": 0,
            "folders_not_read": 0}


@dataclass
class Work:
    """One folder's new messages, as listed."""

    folder: str
    uidvalidity: int
    uids: list[int]
    uidnext: int | None
    modseq: int | None
    done: int = 0
    """Messages handled so far."""


class Connection:
    """The client, re-opened when the connection drops; remembers the selected folder."""

    def __init__(self, ctx: SyncContext, s: Settings) -> None:
        self.ctx = ctx
        self.s = s
        self.client: IMAPClient | None = None
        self.selected: str | None = None
        self.capabilities: set[bytes] = set()

    def open(self) -> IMAPClient:
        if self.client is None:
            self.client = connect(self.s)
            self.selected = None
            self.capabilities = {bytes(c).upper() for c in self.client.capabilities()}
        return self.client

    def drop(self) -> None:
        client, self.client, self.selected = self.client, None, None
        try:
            if client is not None:
                client.shutdown()
        except Exception:  # noqa: BLE001 - it is gone already
            pass

    def close(self) -> None:
        client, self.client = self.client, None
        close(client)

    @property
    def condstore(self) -> bool:
        return b"CONDSTORE" in self.capabilities

    @property
    def gmail(self) -> bool:
        return b"X-GM-EXT-1" in self.capabilities

    def call(self, what: str, fn: Callable[[IMAPClient], T]) -> T:
        """``fn(client)``, again on a new connection when the old one drops (RETRY_WAITS)."""
        for attempt in range(len(RETRY_WAITS) + 1):
            try:
                return fn(self.open())
            except (*LOST, ImapError) as exc:
                if isinstance(exc, ImapError) and not exc.retry:
                    raise
                self.drop()
                if attempt == len(RETRY_WAITS):
                    raise ImapError(
                        f"lost the connection to the IMAP server at {self.s.shown} while "
                        f"{what} and could not get it back ({user_message(exc)}); "
                        "the next sync resumes from the last batch read") from exc
                self.ctx.logger.warning("imap: connection to %s lost while %s (%s); "
                                        "reconnecting", self.s.shown, what, exc)
                time.sleep(RETRY_WAITS[attempt])
        raise AssertionError("unreachable")

    def select(self, client: IMAPClient, folder: str) -> int:
        """Select ``folder`` read-only (EXAMINE: nothing can be marked read); its UIDVALIDITY."""
        info = client.select_folder(folder, readonly=True)
        self.selected = folder
        return int(info[b"UIDVALIDITY"])


class ImapSync:
    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.s = settings(ctx)
        cfg = ctx.config
        self.batch = max(1, int(cfg.get("batch_size") or 200))
        self.skip_bulk = bool(cfg.get("skip_bulk", True))
        self.max_recipients = max(0, int(cfg.get("max_recipients") or 0))
        self.me = set(ctx.me)
        user = normalise_email(self.s.user)
        if user:
            self.me.add(user)
        if self.s.security == "none" and self.s.host not in ("127.0.0.1", "::1", "localhost"):
            ctx.logger.warning('imap: security = "none": the password goes to %s unencrypted',
                               self.s.host)
        self.link = Connection(ctx, self.s)
        self.seen = SeenIds()
        self.lists = MailingLists.from_state(ctx.state)
        self.state: dict[str, Any] = {}
        self.tally = new_tally()
        self.current: Work | None = None

    # -- state ----------------------------------------------------------------------------

    def load(self) -> None:
        state = self.ctx.checkpoint.get() or {}
        if (not isinstance(state, dict) or state.get("v") != STATE_VERSION
                or state.get("account") != self.s.account):
            if state:
                self.ctx.logger.info("imap: another account or an old checkpoint: "
                                     "reading every folder from the start")
            state = {"v": STATE_VERSION, "account": self.s.account, "folders": {}}
        self.state = state

    def save(self) -> None:
        folders = {k: dict(v) for k, v in self.state["folders"].items()}
        self.ctx.checkpoint.set({**self.state, "folders": folders})

    def folder_state(self, name: str) -> dict[str, Any]:
        folders: dict[str, dict[str, Any]] = self.state["folders"]
        return folders.setdefault(name, {"uidvalidity": 0, "last_uid": 0})

    # -- listing --------------------------------------------------------------------------

    def folders(self) -> Iterator[Record | str]:
        """The folders to read (as ``str``), and a Reject for each that does not exist."""
        found = self.link.call("listing the folders", list_folders)
        wanted = list(self.s.folders)
        if not wanted:
            wanted = ["INBOX"]
            sent = sent_folder(found)
            if sent:
                wanted.append(sent)
            else:
                self.ctx.logger.info("imap: no folder on %s carries the \\Sent flag; "
                                     "reading INBOX only", self.s.shown)
        names = {f.name: f for f in found}
        lower = {f.name.lower(): f for f in found}
        given: set[str] = set()
        for name in dict.fromkeys(wanted):
            folder = names.get(name) or (lower.get("inbox") if name.upper() == "INBOX" else None)
            if folder is None or not folder.selectable:
                there = ", ".join(sorted(f.name for f in found if f.selectable)[:20])
                self.tally["folders_not_read"] += 1
                yield Reject(f"folder {name!r} does not exist on {self.s.shown} (folders "
                             f"there: {there or 'none'}); the other folders were synced",
                             f"imap folder {name}")
                continue
            if folder.name not in given:  # each once ("inbox" is INBOX)
                given.add(folder.name)
                yield folder.name

    def listing(self, client: IMAPClient, name: str) -> Work | None:
        """What is new in ``name``; None when STATUS shows that nothing is."""
        st = status(client, name, self.link.condstore)
        saved = self.folder_state(name)
        modseq = st.get("HIGHESTMODSEQ")
        if saved["uidvalidity"] == st["UIDVALIDITY"] and saved.get("uidnext"):
            if st["UIDNEXT"] == saved["uidnext"] or (
                    modseq is not None and modseq == saved.get("modseq")):
                return None
        uidvalidity = self.link.select(client, name)
        if uidvalidity != st["UIDVALIDITY"]:  # renumbered between the two commands
            modseq, st["UIDNEXT"] = None, 0
        last = int(saved["last_uid"]) if saved["uidvalidity"] == uidvalidity else 0
        if saved["uidvalidity"] and saved["uidvalidity"] != uidvalidity:
            self.ctx.logger.warning(
                "imap: the UIDVALIDITY of %s changed (%s -> %s): reading it again from its "
                "first message (stored mail is not doubled)", name, saved["uidvalidity"],
                uidvalidity)
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        return Work(name, uidvalidity, uids, st["UIDNEXT"] or None, modseq)

    # -- reading --------------------------------------------------------------------------

    def fetch(self, client: IMAPClient, work: Work, uids: list[int]) -> dict[int, Any]:
        if self.link.selected != work.folder:
            if self.link.select(client, work.folder) != work.uidvalidity:
                raise UidValidityChanged(work.folder)
        items = [PEEK, "INTERNALDATE"] + (["X-GM-THRID"] if self.link.gmail else [])
        answer: dict[int, Any] = client.fetch(uids, items)
        return answer

    def message(self, folder: str, uid: int, data: dict[bytes, Any]) -> list[Record]:
        where = f"imap {folder} uid {uid}"
        raw = next((v for k, v in data.items() if k.upper().startswith(b"BODY[HEADER")), b"")
        headers = headers_from_bytes(bytes(raw or b""))
        self.lists.learn(headers)
        envelope = data.get(b"INTERNALDATE")
        if isinstance(envelope, dt.datetime):
            envelope = (envelope if envelope.tzinfo else envelope.replace(tzinfo=dt.UTC)
                        ).astimezone(dt.UTC)
        else:
            envelope = None
        thrid = data.get(b"X-GM-THRID")
        mail = parse_mail(headers, envelope_date=envelope,
                          thread=f"gmail:{int(thrid):x}" if thrid else None)
        countable = not mail.synthetic_id or (mail.sender is not None and mail.date is not None)
        if countable and not self.seen.add(mail.message_id):
            return [Skip("duplicate message-id", where)]
        return mail_records(mail, me=self.me, where=where, skip_labels=(),
                            skip_bulk=self.skip_bulk, max_recipients=self.max_recipients,
                            lists=self.lists)

    def count(self, records: list[Record]) -> None:
        if any(isinstance(r, Interaction) for r in records):
            self.tally["stored"] += 1
        elif records and isinstance(records[0], Reject):
            self.tally["rejected"] += 1
        else:
            reason = records[0].reason if records and isinstance(records[0], Skip) else "none"
            self.tally["skipped"][reason] = self.tally["skipped"].get(reason, 0) + 1

    def read(self, work: Work, done: int, total: int) -> Iterator[Record]:
        saved = self.folder_state(work.folder)
        if saved["uidvalidity"] != work.uidvalidity:
            saved.update(uidvalidity=work.uidvalidity, last_uid=0, uidnext=None, modseq=None)
        for start in range(0, len(work.uids), self.batch):
            chunk = work.uids[start:start + self.batch]
            answer = self.link.call(f"reading {work.folder}",
                                    functools.partial(self.fetch, work=work, uids=chunk))
            for uid in chunk:
                work.done += 1
                data = answer.get(uid)
                if data is None:
                    self.tally["gone"] += 1
                    yield Skip("gone before it could be read", f"imap {work.folder} uid {uid}")
                    continue
                try:
                    records = self.message(work.folder, uid, data)
                except Exception as exc:  # noqa: BLE001 - one odd message never stops a sync
                    records = [Reject(f"cannot read message: {user_message(exc)}",
                                      f"imap {work.folder} uid {uid}")]
                self.count(records)
                yield from records
            saved.update(last_uid=chunk[-1], uidnext=None, modseq=None)
            self.save()
            done += len(chunk)
            self.ctx.progress(done, total, f"{work.folder}: {start + len(chunk)} of "
                                           f"{len(work.uids)} messages")
            if self.ctx.cancelled:
                return
        saved.update(uidnext=work.uidnext, modseq=work.modseq)
        self.save()

    # -- the whole run --------------------------------------------------------------------

    def run(self) -> Iterator[Record]:
        self.load()
        self.link.open()  # a server that is not there, or refuses the login, fails at once
        names: list[str] = []
        for item in self.folders():
            if isinstance(item, str):
                names.append(item)
            else:
                yield item
        plan: list[Work] = []
        for name in names:
            try:
                work = self.link.call(f"listing {name}",
                                      functools.partial(self.listing, name=name))
            except IMAPClientError as exc:
                self.tally["folders_not_read"] += 1
                yield Reject(f"cannot open the folder on {self.s.shown}: {exc}",
                             f"imap folder {name}")
                continue
            if work is None:
                self.ctx.logger.info("imap: %s: nothing new", name)
            else:
                plan.append(work)
        total = sum(len(w.uids) for w in plan)
        self.tally["listed"] = total
        self.ctx.progress(0, total, f"{total} new messages in {len(names)} folders")
        done = 0
        for work in plan:
            self.current = work
            try:
                yield from self.read_folder(work, done, total)
            except IMAPClientError as exc:
                self.not_read(self.current or work)
                yield Reject(f"cannot read the folder on {self.s.shown}: {exc}",
                             f"imap folder {work.folder}")
            done += len(work.uids)
            if self.ctx.cancelled:
                return
        self.state["last_run"] = dict(self.tally)
        self.save()
        self.ctx.logger.info("imap: %s: %s", self.s.account, tally_text(self.tally))
        self.ctx.progress(total, total, tally_text(self.tally))
        self.ctx.note(f"messages {tally_text(self.tally)}")

    def read_folder(self, work: Work, done: int, total: int) -> Iterator[Record]:
        """Read one folder. Renumbered while being read (its UIDVALIDITY changed), it is
        listed again and read whole, up to ``RENUMBERED_TRIES`` times."""
        for _ in range(RENUMBERED_TRIES):
            try:
                yield from self.read(work, done, total)
                return
            except UidValidityChanged:
                self.ctx.logger.warning("imap: %s was renumbered (UIDVALIDITY) while being "
                                        "read: reading it again", work.folder)
                self.tally["listed"] -= len(work.uids) - work.done  # listed again, whole
                again = self.link.call(f"listing {work.folder}",
                                       functools.partial(self.listing, name=work.folder))
                if again is None:
                    return
                self.tally["listed"] += len(again.uids)
                done, total = done + work.done, total + len(again.uids)
                work = self.current = again
        self.not_read(work)
        yield Reject(f"renumbered {RENUMBERED_TRIES} times while being read: read again at "
                     "the next sync", f"imap folder {work.folder}")

    def not_read(self, work: Work) -> None:
        self.tally["not_read"] += len(work.uids) - work.done
        self.tally["folders_not_read"] += 1

    def close(self) -> None:
        self.link.close()


def sync(ctx: SyncContext) -> Iterator[Record]:
    run = ImapSync(ctx)
    try:
        yield from run.run()
    finally:
        run.close()
