"""The Outlook mail source: message headers from Microsoft Graph -> e-mail interactions, through
``crb_tui.sdk.mail`` (the same records as an mbox or Gmail copy of the same message).

Per folder in ``folders`` (default the Inbox and Sent Items), the delta query
``/me/mailFolders/{folder}/messages/delta`` with ``$select`` of the header fields CRB needs
(``from``, ``toRecipients``, ``ccRecipients``, ``subject``, ``sentDateTime``,
``internetMessageId``, ``inferenceClassification``) and immutable ids:

- the first round lists the whole folder, page by page through ``@odata.nextLink``, a
  checkpoint after each page (a sync killed at any point resumes at the page it was on);
  its last page's ``@odata.deltaLink`` is kept in the cursor, one per folder;
- later syncs start from that link and see only what changed;
- ``410 Gone`` / ``syncStateNotFound`` / ``resyncRequired`` (the link expired) start the folder
  over with a full round, which stores nothing twice (records are keyed by Message-ID) and at
  its end asks where each message CRB had stored that the folder no longer lists went.

Each message is labelled with its folder and its Focused Inbox class (``Focused`` / ``Other``);
``skip_labels`` (default ``Other``, ``JunkEmail``, ``DeletedItems``) says which are no
interactions, as Gmail's categories are. A message whose class changes to a skipped one loses
its interactions.

A touch that happened stays, as for Gmail and IMAP. A stored message no longer in its folder
(``@removed`` in the delta, or not listed by a full round): CRB asks where it went. Deleted,
moved to Deleted Items (the bin, even when ``DeletedItems`` is a skip label) or to another
folder (archived), it keeps its interactions, counted nowhere as removed (the log's
reconciliation says ``kept``); restored from Deleted Items, it is the same interactions again.
Moved to Junk Email (while ``JunkEmail`` is a skip label), it was never a real touch: its
interactions are removed (``removed: moved to JunkEmail``). CRB does not read Deleted Items, so
mail moved from there to Junk Email goes with the next full round.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import quote

from crb_outlook._http import SyncReset
from crb_outlook._ids import IdMap
from crb_outlook._session import Session
from crb_tui import Delete, Interaction, Reject, Skip, SyncContext
from crb_tui.sdk import normalise_email, user_message
from crb_tui.sdk.http import ApiError, Stopped
from crb_tui.sdk.mail import MAX_RECIPIENTS, MailHeaders, mail_records, parse_mail, tally_text

SELECT = ("from,toRecipients,ccRecipients,subject,sentDateTime,internetMessageId,"
          "inferenceClassification")
CURSOR_VERSION = 1
WELL_KNOWN = {"inbox": "Inbox", "sentitems": "SentItems", "junkemail": "JunkEmail",
              "deleteditems": "DeletedItems", "archive": "Archive", "drafts": "Drafts"}
BIN = "deleteditems"
"""Deleted Items: a message there was deleted, not judged, and its touches stay."""
MOVED_TO = ("junkemail", BIN)
"""Folders whose id is looked up to tell where a removed message went."""


def _address(value: Any) -> str:
    """A Graph ``recipient`` as an address header value (``"Name" <a@b>``)."""
    if not isinstance(value, dict):
        return ""
    inner = value.get("emailAddress")
    if not isinstance(inner, dict):
        return ""
    address = str(inner.get("address") or "").strip()
    if not address:
        return ""
    return email.utils.formataddr((str(inner.get("name") or "").strip(), address))


def new_tally() -> dict[str, Any]:
    return {"listed": 0, "stored": 0, "skipped": {}, "rejected": 0, "removed": 0, "kept": 0}


def message_records(msg: dict[str, Any], *, folder_label: str, me: set[str],
                    skip_labels: list[str], max_recipients: int = MAX_RECIPIENTS,
                    ) -> tuple[str | None, list[Any]]:
    """One Graph ``message`` -> ``(normalised Message-ID, records)``, through the SDK's mail
    logic, exactly as an mbox or Gmail copy of the same message."""
    where = f"outlook message {str(msg.get('id') or '?')[-24:]}"
    pairs: list[tuple[str, str]] = []
    sender = _address(msg.get("from"))
    if sender:
        pairs.append(("From", sender))
    for header, field in (("To", "toRecipients"), ("Cc", "ccRecipients")):
        values = [a for a in (_address(r) for r in msg.get(field) or []) if a]
        if values:
            pairs.append((header, ", ".join(values)))
    sent = None
    if msg.get("sentDateTime"):
        try:
            sent = dt.datetime.fromisoformat(str(msg["sentDateTime"]).replace("Z", "+00:00"))
            if sent.tzinfo is None:
                sent = sent.replace(tzinfo=dt.UTC)
            pairs.append(("Date", email.utils.format_datetime(sent.astimezone(dt.UTC))))
        except ValueError:
            sent = None
    if msg.get("subject"):
        pairs.append(("Subject", str(msg["subject"])))
    if msg.get("internetMessageId"):
        pairs.append(("Message-ID", str(msg["internetMessageId"])))
    labels = [folder_label]
    kind = str(msg.get("inferenceClassification") or "").strip()
    if kind:
        labels.append(kind[:1].upper() + kind[1:].lower())
    mail = parse_mail(MailHeaders(pairs), envelope_date=sent, labels=labels)
    records = mail_records(mail, me=me, where=where, skip_labels=skip_labels, skip_bulk=False,
                           max_recipients=max_recipients)
    return mail.message_id, records


class OutlookMail:
    def __init__(self, ctx: SyncContext, session: Session) -> None:
        cfg = ctx.config
        self.ctx = ctx
        self.session = session
        self.api = session.api
        self.me = {m.lower() for m in ctx.me}
        self.folders = [str(f).strip() for f in cfg["folders"] if str(f).strip()]
        self.skip_labels = [str(x) for x in cfg["skip_labels"]]
        self.skip_set = {x.lower() for x in self.skip_labels}
        self.max_recipients = int(cfg["max_recipients"])
        cursor = ctx.checkpoint.get() or {}
        if not isinstance(cursor, dict) or cursor.get("v") != CURSOR_VERSION:
            cursor = {"v": CURSOR_VERSION, "folders": {}}
        self.cursor: dict[str, Any] = cursor
        self.ids = IdMap(ctx.state)
        self.me |= {str(m) for m in cursor.get("me", [])}
        self.seen = 0

    def save(self) -> None:
        self.ctx.checkpoint.set(_copy(self.cursor))

    def label(self, folder: str) -> str:
        return WELL_KNOWN.get(folder.lower(), folder)

    # -- calls ------------------------------------------------------------------------------

    def read(self, graph_id: str, select: str = SELECT) -> dict[str, Any] | None:
        """One message's ``select``ed fields (None when it is gone)."""
        try:
            found = self.api.get(f"{self.session.graph}/me/messages/{quote(graph_id, safe='')}",
                                 {"$select": select}, what="message")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return found if isinstance(found, dict) else None

    def where_now(self, graph_id: str) -> str | None:
        """Where a message removed from a folder went: ``None`` (deleted), the well-known name
        of Junk Email or Deleted Items, or ``""`` (another folder)."""
        found = self.read(graph_id, "parentFolderId")
        if found is None:
            return None
        parent = str(found.get("parentFolderId") or "")
        known = self.cursor.setdefault("folder_ids", {})
        for name in MOVED_TO:
            if name not in known:
                try:
                    folder = self.api.get(f"{self.session.graph}/me/mailFolders/{name}",
                                          {"$select": "id"}, what=f"folder {name}")
                    known[name] = str((folder or {}).get("id") or "")
                except ApiError as exc:
                    if exc.status != 404:
                        raise
                    known[name] = ""
            if parent and parent == known[name]:
                return name
        return ""

    # -- records ----------------------------------------------------------------------------

    def learn_me(self, msg: dict[str, Any]) -> None:
        """Mail in Sent Items is the user's: its sender is one of their addresses (as the
        Gmail source learns the mailbox's from its profile), kept in the cursor."""
        sender = normalise_email(str(((msg.get("from") or {}).get("emailAddress") or {})
                                     .get("address") or ""))
        if sender and sender not in self.me:
            self.me.add(sender)
            self.cursor["me"] = sorted({*self.cursor.get("me", []), sender})
            self.ctx.logger.info("%s: %s is one of your addresses (it sent mail in Sent Items)",
                                 self.ctx.source, sender)

    def forget(self, folder: str, graph_id: str, reason: str) -> Iterator[Any]:
        entry, shared = self.ids.drop(f"{folder}/{graph_id}")
        if entry is not None and not shared:
            yield Delete(prefix=entry.prefix, reason=reason)

    def removed(self, folder: str, graph_id: str, gen: int,
                tally: dict[str, Any]) -> Iterator[Any]:
        """A stored message no longer in ``folder``: moved to Junk Email (a skip label), it was
        never a touch and its interactions go; deleted, in Deleted Items or filed away, they
        stay (``kept``). The map keeps a message in Deleted Items (seen by this round's
        ``gen``), so that a full round can tell if it went to Junk Email from there."""
        item = f"{folder}/{graph_id}"
        entry = self.ids.get(item)
        if entry is None:
            return  # nothing stored for it (skipped, or never seen)
        went = self.where_now(graph_id)
        if went and went != BIN and self.label(went).lower() in self.skip_set:
            deletes = list(self.forget(folder, graph_id, f"moved to {self.label(went)}"))
            if deletes:
                tally["removed"] += 1
                yield from deletes
                return
            # else its other copy (mail to oneself, in the other folder) still stands
        tally["kept"] = tally.get("kept", 0) + 1  # a cursor of an older version has none
        if went == BIN:
            self.ids.put(item, entry.prefix, entry.keys, gen)
        else:
            self.ids.drop(item)

    def item(self, folder: str, msg: dict[str, Any], gen: int,
             tally: dict[str, Any]) -> Iterator[Any]:
        graph_id = str(msg.get("id") or "")
        if not graph_id:
            return
        self.seen += 1
        if "@removed" in msg:
            yield from self.removed(folder, graph_id, gen, tally)
            return
        if not any(msg.get(k) for k in ("from", "sentDateTime", "internetMessageId")):
            # An update that names only what changed (e.g. the Focused Inbox class).
            kind = str(msg.get("inferenceClassification") or "").lower()
            if kind and kind in self.skip_set:
                yield from self.forget(folder, graph_id, f"now label {kind.title()}")
                return
            if self.ids.get(f"{folder}/{graph_id}") is not None:
                return  # stored already: the headers CRB reads do not change
            full = self.read(graph_id)
            if full is None:
                return
            msg = full
        where = f"outlook {folder} message {graph_id[-24:]}"
        if self.label(folder) == "SentItems":
            self.learn_me(msg)
        tally["listed"] += 1
        try:
            mid, records = message_records(msg, folder_label=self.label(folder), me=self.me,
                                           skip_labels=self.skip_labels,
                                           max_recipients=self.max_recipients)
        except Exception as exc:  # noqa: BLE001 - one odd message never stops the sync
            tally["rejected"] += 1
            yield Reject(f"cannot read message: {user_message(exc)}", where)
            return
        keys = [r.source_key for r in records if isinstance(r, Interaction)]
        if keys and mid:
            tally["stored"] += 1
            self.ids.put(f"{folder}/{graph_id}", f"msg:{mid}|", keys, gen)
        else:
            first = records[0] if records else Skip("no records", where)
            if isinstance(first, Reject):
                tally["rejected"] += 1
            else:
                reason = getattr(first, "reason", "skipped")
                tally["skipped"][reason] = tally["skipped"].get(reason, 0) + 1
                yield from self.forget(folder, graph_id, f"now {reason}")
        yield from records

    # -- rounds -----------------------------------------------------------------------------

    def round(self, folder: str, st: dict[str, Any]) -> Generator[Any, None, None]:
        params: dict[str, str] | None = None
        if st.get("next"):
            url = str(st["next"])
            self.ctx.logger.info("%s: %s: resuming a %s round", self.ctx.source, folder,
                                 st.get("mode"))
        elif st.get("delta"):
            url = str(st["delta"])
            st.update(mode="delta", gen=int(st.get("gen") or 0), tally=new_tally())
        else:
            url = f"{self.session.graph}/me/mailFolders/{quote(folder, safe='')}/messages/delta"
            params = {"$select": SELECT}
            st.clear()
            st.update(mode="full", gen=self.ids.next_gen(folder), tally=new_tally())
            self.save()
        gen, tally = int(st["gen"]), st["tally"]
        page: dict[str, Any] = {}
        for page in self.api.delta_pages(url, params, f"messages delta {folder}", st, self.save):
            for msg in page.get("value") or []:
                if isinstance(msg, dict):
                    yield from self.item(folder, msg, gen, tally)
            self.ctx.progress(self.seen, None, f"{folder}: {tally['listed']} messages")
        if st["mode"] == "full":
            # Stored before, not in the folder now: moved or deleted while the delta link had
            # expired (or in Deleted Items since an earlier round).
            for entry in self.ids.stale(folder, gen):
                yield from self.removed(folder, entry.id.split("/", 1)[1], gen, tally)
            st["last_full"] = dict(tally)
        st["next"] = None
        st["delta"] = str(page.get("@odata.deltaLink") or st.get("delta") or "")
        self.save()
        self.ctx.logger.info("%s: %s (%s round): %s", self.ctx.source, folder, st["mode"],
                             tally_text(tally))

    def run(self) -> Iterator[Any]:
        cursor = self.cursor
        # Sent Items first: it tells which addresses are the user's before the Inbox is read.
        for folder in sorted(self.folders, key=lambda f: self.label(f) != "SentItems"):
            st = cursor["folders"].setdefault(folder, {})
            try:
                yield from self.round(folder, st)
            except SyncReset as exc:
                self.ctx.logger.warning("%s: %s: the delta link is no longer valid (%s); "
                                        "reading the folder again", self.ctx.source, folder, exc)
                st.clear()
                yield from self.round(folder, st)


def _copy(cursor: dict[str, Any]) -> dict[str, Any]:
    out = dict(cursor)
    out["folders"] = {k: {**v, "tally": {**v["tally"], "skipped": dict(v["tally"]["skipped"])}}
                      if isinstance(v.get("tally"), dict) else dict(v)
                      for k, v in cursor.get("folders", {}).items()}
    if "folder_ids" in out:
        out["folder_ids"] = dict(cursor["folder_ids"])
    if "me" in out:
        out["me"] = list(cursor["me"])
    return out


def sync(ctx: SyncContext) -> Iterator[Any]:
    session = Session(ctx, prefer='IdType="ImmutableId"')
    try:
        yield from OutlookMail(ctx, session).run()
    except Stopped:
        return
    finally:
        session.close()
