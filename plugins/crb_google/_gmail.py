"""The Gmail API source: mail headers -> e-mail interactions, through ``crb_tui.sdk.mail``.

First sync (and after an expired history id):

1. ``users.getProfile``: the mailbox address (one of the user's own) and its ``historyId``,
   taken *before* listing so that the incremental sync that follows catches what changed during
   the listing;
2. ``users.messages.list`` page by page (500 ids; SPAM and TRASH are not listed), the next page
   requested while the current one is fetched;
3. ``users.messages.get?format=metadata`` for each id, ``concurrency`` requests in flight, within
   the quota (``quota_per_second`` units, ``messages.get`` costing 5), results handled in list
   order; each message's labels decide whether it is skipped (never the ``q`` parameter: Gmail
   refuses it with the ``gmail.metadata`` scope);
4. a checkpoint every ``checkpoint_every`` messages: the page's token and the ids done in it, so
   a sync killed at any point resumes there and stores nothing twice;
5. at the end, messages CRB had stored that the listing no longer shows (deleted, or moved to
   spam or the bin while the cursor had expired) are read again: only those now marked as spam
   (or given another skip label) are removed; the reconciliation (listed = stored + skipped by
   reason + rejected + gone; removed, kept) is logged and kept in the cursor.

Later syncs: ``users.history.list`` from the stored ``historyId`` (messageAdded, messageDeleted,
labelAdded, labelRemoved). Added messages are fetched (or skipped straight away when the history
already shows a skipped label); a label change that involves a skipped label re-reads the
message, and a message that is now skipped loses its interactions. A 404 (history id expired)
falls back to a full sync, which dedupes on ``source_key``.

A touch that happened stays: a stored message deleted in Gmail, moved to the bin (``TRASH``,
even when it is a skip label) or gone from the listing keeps its interactions, counted nowhere
as removed (the id map forgets a deleted one), as the IMAP source keeps mail deleted on the
server; restored from the bin, it is the same interactions again (``unchanged``). A message
later marked as spam, or given another skip label (``CATEGORY_PROMOTIONS``), was never a real
touch: its interactions are removed (``removed: now label SPAM``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from crb_google._deletes import Delete
from crb_google._schema import GMAIL_SCHEMA
from crb_google._session import Session
from crb_tui import Interaction, Reject, Skip, SyncContext
from crb_tui.sdk import user_message
from crb_tui.sdk.http import ApiError, Stopped
from crb_tui.sdk.mail import MAX_RECIPIENTS, MailHeaders, mail_records, parse_mail, tally_text

METADATA_HEADERS = (
    "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Date", "Subject", "Message-ID",
    "List-Unsubscribe", "List-Id", "Precedence", "Auto-Submitted",
)
"""Everything ``crb_tui.sdk.mail`` reads; the Message-ID stand-in for mail without one hashes
From, Date, Subject, To and Cc, the same as for an mbox copy."""

FIELDS = "id,threadId,labelIds,internalDate,historyId,payload/headers"
HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
COST = {"get": 5, "list": 5, "history": 2, "profile": 1, "label": 1}
"""Gmail's quota units per call."""

PROGRESS_EVERY = 10
"""Messages between two progress reports (a checkpoint is every ``checkpoint_every``)."""

SCHEMA = GMAIL_SCHEMA

CURSOR_VERSION = 1


class HistoryExpired(Exception):
    pass


class _Gone:
    """``messages.get`` said 404: the message went between listing and reading."""


GONE = _Gone()

BIN = "TRASH"
"""Gmail's bin: a message there was deleted, not judged, and its touches stay."""


def new_tally() -> dict[str, Any]:
    return {"listed": 0, "stored": 0, "skipped": {}, "rejected": 0, "gone": 0, "removed": 0,
            "kept": 0}


def message_records(msg: dict[str, Any], *, me: set[str], skip_labels: list[str],
                    skip_bulk: bool, max_recipients: int = MAX_RECIPIENTS,
                    ) -> tuple[str | None, list[Any]]:
    """One ``messages.get?format=metadata`` answer -> ``(normalised Message-ID, records)``.

    The single call that turns Gmail's headers into CRB records (``crb_tui.sdk.mail`` does the work,
    exactly as for an mbox message, so both dedupe on ``msg:<Message-ID>|<counterpart>``).
    """
    where = f"gmail message {msg.get('id', '?')}"
    payload = msg.get("payload") or {}
    pairs = [(h.get("name", ""), h.get("value", "")) for h in payload.get("headers") or []
             if isinstance(h, dict)]
    headers = MailHeaders(pairs)
    envelope = None
    internal = str(msg.get("internalDate") or "")
    if internal.isdigit():
        try:
            envelope = dt.datetime.fromtimestamp(int(internal) / 1000, dt.UTC)
        except (OverflowError, OSError, ValueError):
            envelope = None
    thread = None
    thread_id = str(msg.get("threadId") or "")
    if thread_id:
        try:
            thread = f"gmail:{int(thread_id, 16):x}"  # X-GM-THRID in hex, as mbox has it
        except ValueError:
            thread = f"gmail:{thread_id[:100]}"
    mail = parse_mail(headers, envelope_date=envelope, labels=list(msg.get("labelIds") or []),
                      thread=thread)
    records = mail_records(mail, me=me, where=where, skip_labels=skip_labels, skip_bulk=skip_bulk,
                           max_recipients=max_recipients)
    return mail.message_id, records


class Gmail:
    def __init__(self, ctx: SyncContext, session: Session) -> None:
        cfg = ctx.config
        self.ctx = ctx
        self.session = session
        self.api = session.api
        self.ids = session.ids
        self.base = str(cfg["api_base"]).rstrip("/") + "/gmail/v1/users/me"
        self.page_size = int(cfg["page_size"])
        self.skip_labels = [str(label) for label in cfg["skip_labels"]]
        self.skip_set = {label.upper() for label in self.skip_labels}
        self.skip_bulk = bool(cfg["skip_bulk"])
        self.max_recipients = max(0, int(cfg["max_recipients"]))
        self.checkpoint_every = int(cfg["checkpoint_every"])
        self.me = {m.lower() for m in ctx.me}
        self.account = ""
        self.pool = ThreadPoolExecutor(max_workers=int(cfg["concurrency"]),
                                       thread_name_prefix="crb-gmail")
        self.lister = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crb-gmail-list")
        self.messages_read = 0

    def close(self) -> None:
        self.session.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.lister.shutdown(wait=True, cancel_futures=True)

    # -- calls ----------------------------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        return self.api.get(f"{self.base}/profile", cost=COST["profile"], what="users.getProfile")

    def listed_total(self, profile: dict[str, Any]) -> int | None:
        """How many messages the listing will show: the mailbox's ``messagesTotal`` less
        those in SPAM and TRASH (not listed), so that the count can reach it; None when a
        label's count cannot be had."""
        total = profile.get("messagesTotal")
        if not isinstance(total, int):
            return None
        for label in ("SPAM", "TRASH"):
            try:
                found = self.api.get(f"{self.base}/labels/{label}", cost=COST["label"],
                                     what=f"users.labels.get {label}")
            except ApiError as exc:
                self.ctx.logger.info("gmail: no count of %s (%s)", label, exc)
                return None
            count = found.get("messagesTotal")
            if not isinstance(count, int):
                return None
            total -= count
        return max(total, 0)

    def list_page(self, token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"maxResults": self.page_size, "includeSpamTrash": "false"}
        if token:
            params["pageToken"] = token
        return self.api.get(f"{self.base}/messages", params, cost=COST["list"],
                            what="users.messages.list")

    def get_message(self, message_id: str) -> dict[str, Any] | _Gone:
        params: list[tuple[str, Any]] = [("format", "metadata")]
        params += [("metadataHeaders", h) for h in METADATA_HEADERS]
        params.append(("fields", FIELDS))
        try:
            return self.api.get(f"{self.base}/messages/{message_id}", params, cost=COST["get"],
                                what=f"users.messages.get {message_id}")
        except ApiError as exc:
            if exc.status == 404:
                return GONE
            raise

    def history_page(self, start: str, token: str | None) -> dict[str, Any]:
        params: list[tuple[str, Any]] = [("startHistoryId", start), ("maxResults", 500)]
        params += [("historyTypes", t) for t in HISTORY_TYPES]
        if token:
            params.append(("pageToken", token))
        try:
            return self.api.get(f"{self.base}/history", params, cost=COST["history"],
                                what="users.history.list")
        except ApiError as exc:
            if exc.status == 404 or (exc.status == 400 and "startHistoryId" in exc.message):
                raise HistoryExpired(exc.message) from exc
            raise

    def fetch(self, ids: list[str]) -> Iterator[tuple[str, dict[str, Any] | _Gone]]:
        """Every message in ``ids``, read concurrently, handed back in the order given."""
        futures: list[Future[dict[str, Any] | _Gone]] = [
            self.pool.submit(self.get_message, i) for i in ids
        ]
        try:
            for message_id, future in zip(ids, futures, strict=True):
                result = future.result()
                self.messages_read += 1
                yield message_id, result
        finally:
            for future in futures:
                future.cancel()

    # -- records --------------------------------------------------------------------------

    def save(self, state: dict[str, Any]) -> None:
        self.ctx.checkpoint.set(_copy(state))

    def unjust(self, labels: list[Any]) -> str | None:
        """The skip label (other than the bin) that says a message was never a real touch,
        or None."""
        return next((str(x) for x in labels if str(x).upper() in self.skip_set - {BIN}), None)

    def forget(self, message_id: str, reason: str) -> Iterator[Any]:
        """Remove what CRB stored for this Gmail message (now skipped: spam, promotions)."""
        entry = self.ids.get(self.account, message_id)
        if entry is None or not entry.live:
            return
        self.ids.mark_removed(self.account, message_id)
        if self.ids.shared(entry.prefix, self.account, message_id):
            return  # another copy of the same mail is still in the mailbox
        yield Delete(prefix=entry.prefix, reason=reason)

    def handle(self, message_id: str, result: dict[str, Any] | _Gone, tally: dict[str, Any],
               gen: int) -> Iterator[Any]:
        """The records for one fetched message, the tally updated and the id map kept."""
        where = f"gmail message {message_id}"
        if isinstance(result, _Gone):
            tally["gone"] += 1
            self.ids.mark_removed(self.account, message_id)  # what it gave stays
            yield Skip("gone before it could be read", where)
            return
        try:
            mid, records = message_records(result, me=self.me, skip_labels=self.skip_labels,
                                           skip_bulk=self.skip_bulk,
                                           max_recipients=self.max_recipients)
        except Exception as exc:  # noqa: BLE001 - one odd message never stops the sync
            tally["rejected"] += 1
            yield Reject(f"cannot read message: {user_message(exc)}", where)
            return
        keys = [r.source_key for r in records if isinstance(r, Interaction)]
        if keys and mid:
            tally["stored"] += 1
            self.ids.put(self.account, message_id, f"msg:{mid}|", [], gen)
        else:
            first = records[0] if records else Skip("no records", where)
            if isinstance(first, Reject):
                tally["rejected"] += 1
            else:
                reason = getattr(first, "reason", "skipped")
                tally["skipped"][reason] = tally["skipped"].get(reason, 0) + 1
                labels = list(result.get("labelIds") or [])
                if self.unjust(labels) or BIN not in {str(x).upper() for x in labels}:
                    yield from self.forget(message_id, f"now {reason}")
                # else in the bin only: what it gave stays, and its entry too (taken out of
                # the bin as spam, it is removed then)
        yield from records

    # -- full sync ------------------------------------------------------------------------

    def full(self, state: dict[str, Any]) -> Generator[Any, None, dict[str, Any]]:
        """Returns (through ``yield from``) the incremental cursor.

        Cancelling is the host's: it stops pulling records and closes this generator, whose
        ``finally`` stops the worker threads; the last checkpoint stays where it was."""
        profile = self.profile()
        total = self.listed_total(profile)
        about = profile.get("messagesTotal") if total is None else None

        def progress() -> None:
            done = _done(tally)
            # Without an exact total: "1,200 of about 5,000 messages" (the mailbox's own
            # count, SPAM and TRASH included, which the listing leaves out).
            self.ctx.progress(done, total, f"{done:,} of about {about:,} messages"
                              if isinstance(about, int) else "messages")

        if state.get("mode") == "full":
            self.account = str(state.get("account") or profile.get("emailAddress") or "")
            self.ctx.logger.info("gmail: resuming the full sync (%d messages done)",
                                 _done(state["tally"]))
        else:
            self.account = str(profile.get("emailAddress") or "")
            state = {
                "v": CURSOR_VERSION, "mode": "full", "account": self.account,
                "history_id": str(profile["historyId"]), "page_token": None, "done": [],
                "gen": self.ids.next_gen(self.account), "tally": new_tally(),
            }
            self.save(state)
        if self.account:
            self.me.add(self.account.lower())
        tally = state["tally"]
        gen = int(state["gen"])
        progress()  # at once: a resumed run says how far the last one got
        pending: Future[dict[str, Any]] = self.lister.submit(self.list_page, state["page_token"])
        while True:
            page = pending.result()
            next_token = page.get("nextPageToken")
            if next_token:
                pending = self.lister.submit(self.list_page, next_token)
            done = set(state["done"])
            ids = [str(m["id"]) for m in page.get("messages") or [] if m.get("id")]
            todo = [i for i in ids if i not in done]
            for i in ids:
                if i in done:
                    self.ids.touch(self.account, i, gen)
            tally["listed"] += len(todo)
            for message_id, result in self.fetch(todo):
                yield from self.handle(message_id, result, tally, gen)
                self.ids.touch(self.account, message_id, gen)
                state["done"].append(message_id)
                if len(state["done"]) % self.checkpoint_every == 0:
                    self.save(state)
                if len(state["done"]) % PROGRESS_EVERY == 0:
                    progress()
            if not next_token:
                break
            state["page_token"] = next_token
            state["done"] = []
            self.save(state)
            progress()
        yield from self.sweep(gen, tally)
        self.ctx.logger.info("gmail: full sync of %s: %s", self.account or "the mailbox",
                             tally_text(tally))
        self.ctx.progress(_done(tally), _done(tally), tally_text(tally))
        result = {"v": CURSOR_VERSION, "mode": "incremental", "account": self.account,
                  "history_id": state["history_id"], "last_full": tally}
        self.save(result)
        return result

    def sweep(self, gen: int, tally: dict[str, Any]) -> Iterator[Any]:
        """Stored before, not listed now: deleted, or moved to spam or the bin, while the cursor
        had expired. Each is read again: spam (or another skip label) is removed; deleted or in
        the bin, it stays (``kept``)."""
        stale = [entry.id for entry in self.ids.stale(self.account, gen)]
        for message_id, result in self.fetch(stale):
            label = None if isinstance(result, _Gone) else self.unjust(
                list(result.get("labelIds") or []))
            if label is not None:
                tally["removed"] += 1
                yield from self.forget(message_id, f"now label {label}")
                continue
            tally["kept"] = tally.get("kept", 0) + 1  # a cursor of an older version has none
            if isinstance(result, _Gone):
                self.ids.mark_removed(self.account, message_id)
            else:  # in the bin (or back in the mailbox since the listing): seen by this sync
                self.ids.touch(self.account, message_id, gen)

    # -- incremental sync -----------------------------------------------------------------

    def incremental(self, state: dict[str, Any]) -> Generator[Any, None, dict[str, Any]]:
        self.account = str(state.get("account") or "")
        if self.account:
            self.me.add(self.account.lower())
        start = str(state["history_id"])
        token: str | None = None
        tally = new_tally()
        deleted = 0
        while True:
            page = self.history_page(start, token)
            actions: dict[str, tuple[str, str]] = {}
            last_id = None
            for record in page.get("history") or []:
                last_id = str(record.get("id") or last_id or "")
                for added in record.get("messagesAdded") or []:
                    msg = added.get("message") or {}
                    mid = str(msg.get("id") or "")
                    if not mid or actions.get(mid, ("",))[0] == "delete":
                        continue
                    labels = [str(x) for x in msg.get("labelIds") or []]
                    hit = next((x for x in labels if x.upper() in self.skip_set), None)
                    actions[mid] = ("skip", hit) if hit else ("fetch", "")
                for gone in record.get("messagesDeleted") or []:
                    mid = str((gone.get("message") or {}).get("id") or "")
                    if mid:
                        actions[mid] = ("delete", "")
                for change in (record.get("labelsAdded") or []) + (record.get("labelsRemoved")
                                                                   or []):
                    mid = str((change.get("message") or {}).get("id") or "")
                    changed = {str(x).upper() for x in change.get("labelIds") or []}
                    if mid and changed & self.skip_set and actions.get(mid, ("",))[0] != "delete":
                        actions[mid] = ("fetch", "")
            to_fetch = [m for m, (what, _) in actions.items() if what == "fetch"]
            fetched = dict(self.fetch(to_fetch))
            for n, (mid, (what, label)) in enumerate(actions.items(), 1):
                if what == "delete":  # what it gave stays; the map forgets it
                    deleted += 1
                    self.ids.mark_removed(self.account, mid)
                elif what == "skip":
                    tally["listed"] += 1
                    reason = f"label {label}"
                    tally["skipped"][reason] = tally["skipped"].get(reason, 0) + 1
                    yield Skip(reason, f"gmail message {mid}")
                else:
                    tally["listed"] += 1
                    yield from self.handle(mid, fetched[mid], tally, 0)
                if n % PROGRESS_EVERY == 0:
                    self.ctx.progress(n, len(actions), "changes")
            token = page.get("nextPageToken")
            if not token:
                break
            if last_id:
                self.save({**state, "history_id": last_id})
        state = {**state, "history_id": str(page.get("historyId") or start)}
        self.save(state)
        self.ctx.logger.info("gmail: incremental sync from history %s: %s; %d deleted in Gmail "
                             "(kept)", start, tally_text(tally), deleted)
        return state

    # -- the whole run --------------------------------------------------------------------

    def run(self) -> Iterator[Any]:
        state = self.ctx.checkpoint.get() or {}
        if not isinstance(state, dict) or state.get("v") != CURSOR_VERSION:
            state = {}
        if state.get("mode") == "incremental" and state.get("history_id"):
            try:
                yield from self.incremental(state)
                return
            except HistoryExpired:
                self.ctx.logger.warning("gmail: history id %s has expired; running a full sync",
                                        state.get("history_id"))
                state = {}
        result = yield from self.full(state)
        try:
            # Catch up with what changed while the mailbox was being listed.
            yield from self.incremental(result)
        except HistoryExpired:
            self.ctx.logger.warning("gmail: history expired right after a full sync")


def _done(tally: dict[str, Any]) -> int:
    return (tally["stored"] + sum(tally["skipped"].values()) + tally["rejected"]
            + tally["gone"])


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    out = dict(state)
    if "done" in out:
        out["done"] = list(out["done"])
    if "tally" in out:
        out["tally"] = {**out["tally"], "skipped": dict(out["tally"]["skipped"])}
    return out


def sync(ctx: SyncContext) -> Iterator[Any]:
    session = Session(ctx, concurrency=int(ctx.config["concurrency"]),
                      quota_per_second=float(ctx.config["quota_per_second"]), label="gmail")
    gmail = Gmail(ctx, session)
    try:
        yield from gmail.run()
    except Stopped:
        return
    finally:
        gmail.close()
        session.close()
