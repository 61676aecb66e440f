"""How the write path finds a person again: by another spelling of their mailbox
(:class:`Mailboxes`) and, for a contact with no known identity, by name (:func:`same_name`)."""

from __future__ import annotations

from typing import Any

from crb_tui.identity import PLUS_DOMAINS, mailbox_key


class Mailboxes:
    """Mailbox (:func:`crb_tui.identity.mailbox_key`) -> the stored spelling, for the providers
    where two spellings reach one mailbox, preferring one that belongs to a person; read from
    the store at the first need, then kept up to date by the writer (:meth:`stored`)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, str]] | None = None

    def twin(self, db: Any, key: tuple[str, str]) -> tuple[str, str] | None:
        """Another stored spelling of this address's mailbox, or None."""
        kind, value = key
        if kind != "email" or value.rpartition("@")[2] not in PLUS_DOMAINS:
            return None
        if self._known is None:
            self._known = {}
            likes = " or ".join("value like ?" for _ in PLUS_DOMAINS)
            for (stored,) in db.execute(
                f"select value from identities where kind = 'email' and ({likes}) "
                "order by person_id is null, id",
                [f"%@{d}" for d in PLUS_DOMAINS],
            ):
                self._known.setdefault(mailbox_key(stored), ("email", stored))
        twin = self._known.get(mailbox_key(value))
        return twin if twin != key else None

    def stored(self, key: tuple[str, str], has_person: bool) -> None:
        """An identity was stored (or given a person): the spelling to find its mailbox by."""
        if self._known is None or key[0] != "email":
            return
        mailbox = mailbox_key(key[1])
        if has_person or mailbox not in self._known:
            self._known[mailbox] = key


def same_name(
    db: Any,
    name: str,
    org_id: int | None,
    title: str | None,
    keys: list[tuple[str, str]],
    source_key: str | None,
    linkedin_key: str,
) -> int | None:
    """The one person a contact with no known identity is, found by name (case ignored)
    and the same organisation or the same job title, when exactly one person fits: a
    re-export whose rows lost or gained e-mail and URL (LinkedIn's older exports have no
    URLs) or whose person changed jobs keeps that person. Someone who has an identity of a
    kind the contact brings (another LinkedIn URL, another e-mail) is someone else, and so
    is another LinkedIn connection (made on another day: ``linkedin:<day>:<name>``)."""
    title = (title or "").strip().casefold()
    if not name or not (org_id or title):
        return None
    linkedin = (source_key or "").startswith(linkedin_key)
    fits = [
        pid
        for pid, their_org, their_title, their_key in db.execute(
            "select id, org_id, title, source_key from people where name = ? collate nocase "
            "and merged_into is null",
            [name],
        )
        if ((org_id and their_org == org_id)
            or (title and (their_title or "").strip().casefold() == title))
        and not (linkedin and (their_key or "").startswith(linkedin_key))
    ]
    kinds = sorted({kind for kind, _ in keys})
    if kinds and fits:
        marks = ",".join("?" for _ in kinds)
        taken = {
            row[0]
            for row in db.execute(
                f"select distinct person_id from identities where kind in ({marks}) "
                f"and person_id in ({','.join('?' for _ in fits)})",
                [*kinds, *fits],
            )
        }
        fits = [pid for pid in fits if pid not in taken]
    return fits[0] if len(fits) == 1 else None
