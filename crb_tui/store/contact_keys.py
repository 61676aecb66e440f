"""Which of a contact's addresses identify it (``Person`` records: cards, CSV rows).

Role and no-reply addresses (``info@``, ``sales@``, ``noreply@``) are never people when they
send mail, but a contact the user keeps in an address book under such an address is that
contact: ``Acme Sales <sales@acme.example>`` is found again by it on the next import. Only when
the card has a personal address too is the role address left out, so that two colleagues who
both list ``sales@`` stay two people. Own, blocked and placeholder addresses (``null@``,
``redacted@``) never identify anyone; a card left with none of its addresses is found again by
its name (and organisation) among the people who have no identity at all."""

from __future__ import annotations

from typing import Any

from crb_tui import records as r

ROLE_REASONS = frozenset({"role address", "no-reply address"})
"""Noise reasons that only concern mail senders: such an address may be a contact's."""

Key = tuple[str, str]


def person_keys(store: Any, rec: r.Person) -> tuple[list[Key], list[Key], bool]:
    """``(keys, dropped, weak)``: the normalised identities that identify the contact, those
    that do not (own, blocked, placeholder; role addresses beside a personal one), and whether
    the contact had addresses but none of its own (only role ones, or none kept)."""
    keys: list[Key] = []
    roles: list[Key] = []
    dropped: list[Key] = []
    for ident in rec.identities:
        key = store.norm(ident)
        if key is None:
            continue
        reason = store.noise.reason(*key)
        into = keys if reason is None else roles if reason in ROLE_REASONS else dropped
        if key not in into:
            into.append(key)
    weak = not keys and bool(roles or dropped)
    if any(kind == "email" for kind, _ in keys):
        dropped.extend(roles)
    else:
        keys.extend(roles)
    return keys, dropped, weak


def all_ignored(store: Any, keys: list[Key], dropped: list[Key]) -> bool:
    """Whether a card that found no one has none of its addresses left to identify it and one
    of them is on the ignore list (``crb ignore``, the config's blocklist): it never becomes a
    person again (a card with no address at all is not checked: the list holds addresses)."""
    return not keys and any(store.noise.reason(*key) == "blocklist" for key in dropped)


def identityless_namesake(db: Any, name: str, org_id: int | None) -> int | None:
    """The oldest person named ``name`` (case ignored), of the same organisation (or none),
    who has no identity at all: the copy an earlier import made of a card whose addresses did
    not identify it."""
    if not name:
        return None
    row = db.execute(
        "select p.id from people p where p.name = ? collate nocase and p.merged_into is null "
        "and p.org_id is ? and not exists (select 1 from identities i where i.person_id = p.id)"
        " order by p.id limit 1",
        [name, org_id],
    ).fetchone()
    return int(row[0]) if row else None
