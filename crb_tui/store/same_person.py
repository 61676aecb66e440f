"""Whether a contact that shares only a phone number with someone is that person (see
docs/cli.md, "Who is who"): e-mail addresses, profile URLs and handles are one person's, a phone
number is not (families share a line, numbers are reassigned and mistyped): the batch writer
matches it last, and only when nothing contradicts."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from crb_tui.identity import is_placeholder


def phone_fits(db: Any, person_id: int, name: str, keys: list[tuple[str, str]]) -> bool:
    """Whether a contact (``name``, identities ``keys``) sharing a phone number with person
    ``person_id`` is that person: when both have a real name, only when the words of one are all
    in the other (``Ann``, ``ann lee``, ``Lee, Ann`` are ``Ann Lee``; ``Frank Cell`` is not
    ``Erin Cell``; case and accents ignored); when one of them has no real name, not when both
    have e-mail addresses (none shared, or an address would have matched first)."""
    row = db.execute("select name from people where id = ?", [person_id]).fetchone()
    theirs = (row[0] if row else "") or ""
    if real_name(name) and real_name(theirs):
        mine, their_words = name_words(name), name_words(theirs)
        return mine <= their_words or their_words <= mine
    if not any(kind == "email" for kind, _ in keys):
        return True
    return db.execute(
        "select 1 from identities where person_id = ? and kind = 'email' limit 1", [person_id]
    ).fetchone() is None


def details_json(details: dict[str, Any], shared: list[str]) -> str | None:
    """A contact's details as stored (JSON, or None when there are none), with the numbers they
    share with someone else added to ``phones`` (``+44... (shared)``): kept as a detail, never as
    an identity, which would make the next call or message from the number theirs as well."""
    if shared:
        known = str(details.get("phones") or "")
        shown = "; ".join(f"{number} (shared)" for number in shared)
        details = {**details, "phones": f"{known}; {shown}" if known else shown}
    return json.dumps(details, sort_keys=True) if details else None


def real_name(name: str) -> bool:
    """A name that names someone: not empty, not an address or number standing in for one."""
    return (bool(name.strip()) and "@" not in name and any(c.isalpha() for c in name)
            and not is_placeholder(name))


def name_words(name: str) -> set[str]:
    """The words of a name, case and accents ignored (``Ann`` is a part of ``Ann Lee``)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name)
                     if not unicodedata.combining(c)).casefold()
    return set("".join(c if c.isalnum() else " " for c in folded).split())
