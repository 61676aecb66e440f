"""One contact as every importer reads it, and how it becomes CRB records."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crb_contacts import _dates, _text
from crb_tui import Identity, Note, Person, Reject, Skip, SyncContext, sdk


@dataclass
class Contact:
    where: str
    """``FILE:LINE`` or ``FILE card N``: named in every rejection."""
    name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    """Numbers that reach this one person (mobile, unlabelled)."""
    urls: list[str] = field(default_factory=list)
    org: str = ""
    title: str = ""
    birthday: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    not_emails: list[str] = field(default_factory=list)
    """Values found in an e-mail field that are not addresses (kept for the rejection reason)."""
    warnings: list[str] = field(default_factory=list)
    """What was read but is not what it claims to be (a birthday that is no date): each is a
    ``warning:`` line of the run, naming the file and the card or line."""

    def set_birthday(self, value: str | None, field_name: str, order: str = "mdy",
                     *, warn: bool = True) -> None:
        """The first birthday that is a date; one that is not (``1990-02-30``, ``circa 1800``)
        is kept as a detail, and said (unless ``warn`` is False: text the file marks as text)."""
        text = (value or "").strip()
        parsed = _dates.birthday(text, order)
        if parsed:
            self.birthday = self.birthday or parsed
        elif text and not _dates.is_blank(text):
            self.add_detail("birthday", text)
            if warn:
                self.warnings.append(f"{field_name} {text} is not a date: kept as a detail")

    def add_date(self, key: str, value: str | None, field_name: str, order: str = "mdy",
                 label: str = "") -> None:
        """A dated detail (an anniversary, ``label: date``): as CRB writes dates when it is
        one, else as written, and said."""
        text = (value or "").strip()
        if not text or _dates.is_blank(text):
            return
        parsed = _dates.birthday(text, order) or _dates.birthday(text[:10], order)
        if parsed is None:
            self.warnings.append(f"{field_name} {text} is not a date: kept as a detail")
        shown = parsed or text
        self.add_detail(key, f"{label}: {shown}" if label else shown)

    def add_email(self, value: str | None) -> None:
        for part in _split_multi(value):
            address = _text.email(part)
            if address is not None and sdk.normalise_email(address) is None:
                address = None  # an address no mail reaches (``laszlo.@gmail.com``)
            if address is None:
                if part.strip():
                    self.not_emails.append(part.strip())
            elif address.lower() not in {e.lower() for e in self.emails}:
                self.emails.append(address)

    def add_phone(self, value: str | None, label: str = "") -> None:
        for part in _split_multi(value):
            number = _text.phone(part)
            if number is None:
                continue
            if _text.personal_phone(label):
                if number not in self.phones:
                    self.phones.append(number)
            else:
                shown = f"{number} ({_text.clean(label).lower()})" if label.strip() else number
                self.add_detail("phones", shown)

    def add_url(self, value: str | None) -> None:
        for part in _split_multi(value):
            address = _text.url(part)
            if address is None:
                continue
            if _text.is_profile_url(address):
                if address not in self.urls:
                    self.urls.append(address)
                continue
            bare = address.split("://", 1)[-1].rstrip("/").lower()
            known = [w.split("://", 1)[-1].rstrip("/").lower()
                     for w in str(self.details.get("website", "")).split("; ")]
            if bare not in known:
                self.add_detail("website", address)

    def add_detail(self, key: str, value: str | None) -> None:
        """Add to a details entry (values joined with ``; `` when there are several)."""
        value = (value or "").strip()
        if not value:
            return
        old = self.details.get(key)
        if not old:
            self.details[key] = value
        elif value not in str(old).split("; "):
            self.details[key] = f"{old}; {value}"

    def add_note(self, value: str | None) -> None:
        text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if text and text not in self.notes:
            self.notes.append(text)


def _split_multi(value: str | None) -> list[str]:
    """Google packs several values in one cell as ``a ::: b``."""
    if not value:
        return []
    return [p for p in (x.strip() for x in value.split(":::")) if p]


UNUSABLE = "unusable e-mail"
"""The detail that keeps what an e-mail field held that is no address CRB can use."""


def source_key(name: str, org: str) -> str:
    """The stable key of a person with no identity: their name and organisation as written.
    The same prefix for every contact format, so the same identity-less person exported from two
    address books is one person."""
    return f"contact:{_text.name_key(name)}|{_text.name_key(org)}"


def records(contact: Contact, ctx: SyncContext, *, note_at: dt.datetime) -> Iterator[Any]:
    """The records for one contact: a ``Person``, then a ``Note`` per note; or a ``Reject`` /
    ``Skip`` saying why not."""
    for warning in contact.warnings:
        ctx.logger.warning("%s: %s", contact.where, warning)
    me = {m.lower() for m in ctx.me}
    own = [e for e in contact.emails if e.lower() in me]
    emails = [e for e in contact.emails if e.lower() not in me]
    identities = (
        [Identity("email", e) for e in emails]
        + [Identity("phone", p) for p in contact.phones]
        + [Identity("url", u) for u in contact.urls]
    )
    name = _text.clean(contact.name)
    if own:  # the user's own card (a phone's "My Card"): never a contact
        said = sdk.own_card_note(contact.where, emails)
        if said:
            ctx.note(said)
        yield Skip("your own contact card", contact.where)
        return
    if not name and not identities:
        if contact.not_emails:
            shown = ", ".join(repr(v) for v in contact.not_emails[:3])
            reason = f"no name, and {shown} is not an e-mail address"
        else:
            reason = "no name, e-mail address, mobile phone or profile URL"
        yield Reject(reason, contact.where)
        return
    details = dict(contact.details)
    for value in contact.not_emails:  # said, and kept where the user can see and fix it
        ctx.logger.warning("%s: %r is not an e-mail address CRB can use: kept as a detail",
                           contact.where, value)
        details[UNUSABLE] = "; ".join(filter(None, (details.get(UNUSABLE), value)))
    # Name and organisation together identify a person well enough to find them again, and
    # to join an identity-less row (an old LinkedIn export without URLs) to the person a newer
    # export made. A name alone does not: without an organisation only identity-less people
    # get a key (or two John Smiths with different addresses would become one).
    if not identities and contact.notes:
        # A note needs an identity to find its person again; keep it with the person instead.
        details.setdefault("notes", "\n\n".join(contact.notes)[:sdk.MAX_NOTE])
    person = Person(
        name=name,
        identities=identities,
        org=_text.clean(contact.org) or None,
        title=_text.clean(contact.title) or None,
        birthday=contact.birthday,
        details=details,
        where=contact.where,
    )
    for cut in sdk.bounded(person):  # a 200,000-character FN is not a name
        ctx.note(f"{contact.where}: {cut}")
    name, org = person.name, person.org or ""
    person.source_key = source_key(name, org) if name and (org or not identities) else None
    yield person
    if identities:
        who = identities[0]
        for text in contact.notes:
            digest = hashlib.sha1(
                f"{who.kind}:{who.value.lower()}\n{text}".encode("utf-8", "surrogatepass")
            ).hexdigest()[:24]
            note = Note(who=who, text=text, at=note_at, source_key=f"contact-note:{digest}",
                        where=contact.where)
            for cut in sdk.bounded(note):
                ctx.note(f"{contact.where}: note {cut}")
            yield note


def file_time(path: Any) -> dt.datetime:
    """When the export was written (its modification time, never after now), for the notes it
    carries."""
    return sdk.file_time(path)
