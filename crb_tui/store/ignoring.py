"""Taking an ignore back, and reading what is ignored: ``crb ignore --undo``, ``crb ignore
--list`` and the note of ``crb archive --undo`` for someone whose mail is still skipped.
(Ignoring itself is :func:`crb_tui.store.actions.ignore`.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crb_tui.errors import NotFound
from crb_tui.identity import normalise_email
from crb_tui.store import Store
from crb_tui.store.actions import people_at_domain, person_emails


def shown(kind: str, value: str) -> str:
    """An ``ignored`` row as the user types it: the address, or ``@domain``."""
    return "@" + value if kind == "domain" else value


def ignored_rows(store: Store) -> list[dict[str, Any]]:
    """Every row of the ``ignored`` list, oldest first."""
    return list(store.db.query("select kind, value, reason, created from ignored order by id"))


def config_blocklist(store: Store) -> list[str]:
    """The config's ``[identity] blocklist`` (addresses and ``@domains``), sorted."""
    addresses, domains = store.noise.configured_entries()
    return sorted(addresses) + sorted("@" + d for d in domains)


def still_blocked(store: Store, emails: list[str]) -> list[tuple[str, str]]:
    """Of these addresses, those the blocklist still skips, each with the entry that does
    (the address or an ``@domain``; the config's entries included)."""
    found = []
    for email in emails:
        entry = store.noise.blocked_by(email)
        if entry is not None:
            found.append((email, entry))
    return found


@dataclass
class Unignored:
    """What ``crb ignore --undo`` did."""

    entries: list[tuple[str, str]]
    """The ``ignored`` rows taken back, as ``(kind, value)``."""
    archived: list[int] = field(default_factory=list)
    """The archived people with an address it lets in again (they stay archived)."""
    blocked: list[tuple[str, str]] = field(default_factory=list)
    """Their addresses (or the target's) still skipped, each with the entry that does."""


def unignore(store: Store, target: str) -> Unignored:
    """``crb ignore --undo``: make people again of an address, an ``@domain``'s addresses or a
    person's addresses (``target`` as ``crb ignore`` takes it). Nobody is brought back from
    the archive. :class:`NotFound` (naming what does skip it, if anything) when none of it
    is on the ``ignored`` list."""
    domain = target[1:].lower() if target.startswith("@") and "." in target else None
    email = normalise_email(target) if domain is None else None
    if domain is not None:
        wanted, emails = [("domain", domain)], []
        people = people_at_domain(store, domain)
    elif email is not None:
        wanted, emails = [("email", email)], [email]
        row = store.find_identity("email", email)
        people = [row["person_id"]] if row and row["person_id"] is not None else []
    else:
        person_id = store.resolve_person(target)
        emails = person_emails(store, person_id)
        wanted, people = [("email", e) for e in emails], [person_id]
    with store.transaction():
        taken = [(kind, value) for kind, value in wanted if store.conn.execute(
            "delete from ignored where kind = ? and value = ?", [kind, value]).rowcount]
    if not taken:
        raise NotFound(_not_ignored(store, target, domain, emails))
    store.reload_ignored()
    archived = [pid for pid in people if store.person(pid)["archived"]]
    blocked = still_blocked(store, emails or [
        e for pid in archived for e in person_emails(store, pid)])
    return Unignored(taken, archived, blocked)


def _not_ignored(store: Store, target: str, domain: str | None, emails: list[str]) -> str:
    """Why ``target`` cannot be taken off the ``ignored`` list: what it is instead."""
    entry = ("@" + domain if domain is not None and store.noise.configured("@" + domain)
             else next((e for _, e in still_blocked(store, emails)), None))
    if entry is None:
        return f"{target} is not ignored (`crb ignore --list` shows what is)"
    if store.noise.configured(entry):
        where = "is" if entry == target else f"is skipped by {entry}"
        return (f"{target} {where} in the config's [identity] blocklist: remove it there "
                "(`crb config path` shows the file)")
    return f"{target} is not ignored itself, {entry} is: `crb ignore --undo {entry}`"


def blocked_note(store: Store, person_id: int) -> tuple[list[tuple[str, str]], str]:
    """A person's addresses the blocklist still skips (with the entry that does), and one
    sentence saying so and how to let their mail in again (empty when none is)."""
    blocked = still_blocked(store, person_emails(store, person_id))
    if not blocked:
        return blocked, ""
    addresses = ", ".join(email for email, _ in blocked)
    ways = []
    for entry in dict.fromkeys(entry for _, entry in blocked):
        ways.append(f"{entry} in the config's [identity] blocklist"
                    if store.noise.configured(entry) else f"`crb ignore --undo {entry}`")
    return blocked, (f"their address{'es' if len(blocked) > 1 else ''} {addresses} "
                     f"{'are' if len(blocked) > 1 else 'is'} still ignored (mail from "
                     f"{'them' if len(blocked) > 1 else 'it'} is skipped): {', '.join(ways)}")

