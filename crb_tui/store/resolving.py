"""Finding the one person a command names (``crb show ann``, ``crb log 101``): by id, by any
identity (e-mail, phone, URL) or by a name that matches no one else.

An all-digit argument is an id and nothing else: ids are what ``crb show``, ``promise`` and
``merge`` print, so a script that uses one must never reach someone whose *name* holds those
digits. An id that was merged away stands for the person it was merged into (see
:func:`merged_into`), or is refused naming the merge. A name matches as in the people search:
case and accents do not matter (``zoe`` finds ``Zoë``), and it must match exactly one person.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from crb_tui.errors import Ambiguous, NotFound
from crb_tui.identity import normalise
from crb_tui.limits import MAX_ID
from crb_tui.text import fold


class Store(Protocol):
    """What of a ``Store`` the look-up uses (this module is below the store: it imports
    nothing of it)."""

    conn: Any
    phone_region: str

    def find_identity(self, kind: str, value: str) -> dict[str, Any] | None: ...
    def person(self, person_id: int) -> dict[str, Any]: ...

SHOWN = 10
"""People named in the "matches several people" message."""


def resolve_person(store: Store, query: str | int, *, include_merged: bool = False,
                   follow_merges: bool = True) -> int:
    """The id of the one person ``query`` names. A merged-away id gives the person it was
    merged into unless ``follow_merges`` is false (then it is refused, naming the merge);
    ``include_merged`` gives merged-away people themselves."""
    text = str(query).strip()
    if not text:
        raise NotFound("no person given")
    if text.isascii() and text.isdigit():
        return _by_id(store, text, include_merged=include_merged, follow_merges=follow_merges)
    kind = _guess_identity_kind(text)
    if kind is not None:
        found = _by_identity(store, kind, text)
        if found is not None:
            return found
        if kind != "phone":
            raise NotFound(f"no person with {kind} {text!r}")
    return _by_name(store, text, include_merged=include_merged)


def merged_into(store: Store, query: str | int) -> tuple[int, int] | None:
    """``(merged-away id, id now)`` when ``query`` is the id of someone merged away."""
    text = str(query).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
        return None
    row = store.conn.execute("select merged_into from people where id = ?",
                             [int(text)]).fetchone()
    if row is None or row[0] is None:
        return None
    return int(text), live_id(store, int(text))


def live_id(store: Store, person_id: int) -> int:
    """Follow merges to the person that holds everything now."""
    return follow_merges(store.conn, person_id)


def follow_merges(db: Any, person_id: int) -> int:
    """:func:`live_id` on a connection (anything with ``execute(sql, params)``)."""
    for _ in range(50):
        row = db.execute("select merged_into from people where id = ?", [person_id]).fetchone()
        if row is None or row[0] is None:
            return person_id
        person_id = row[0]
    return person_id


def _by_id(store: Store, text: str, *, include_merged: bool, follow_merges: bool) -> int:
    if len(text) <= 19 and int(text) <= MAX_ID:
        row = store.conn.execute("select id, merged_into from people where id = ?",
                                 [int(text)]).fetchone()
        if row is not None:
            if row[1] is None or include_merged:
                return int(row[0])
            now = live_id(store, row[0])
            if follow_merges:
                return now
            name = store.person(now)["name"]
            raise NotFound(f"id {text} was merged into {name} (id {now}); use id {now}")
    # A phone number written as digits only, stored as someone's phone: an identity, not a name.
    found = _by_identity(store, "phone", text) if len(text) >= 5 else None
    if found is None:
        raise NotFound(f"no person with id {text}")
    return found


def _by_identity(store: Store, kind: str, text: str) -> int | None:
    value = normalise(kind, text, store.phone_region)
    row = store.find_identity(kind, value) if value else None
    if row and row["person_id"] is not None:
        return live_id(store, row["person_id"])
    return None


def _by_name(store: Store, text: str, *, include_merged: bool) -> int:
    wanted = fold(text).strip()
    live = "" if include_merged else " and merged_into is null"
    exact: list[tuple[int, str]] = []
    partial: list[tuple[int, str]] = []
    # Folded in SQLite (by search's own fold, registered on every connection of the store):
    # only the names that hold the text come back.
    for pid, name, folded in store.conn.execute(
        f"select id, name, crb_fold(coalesce(name, '')) as folded from people "
        f"where instr(folded, ?) > 0{live} order by id", [wanted]
    ):
        (exact if folded == wanted else partial).append((pid, name))
    if len(exact) == 1:
        return exact[0][0]
    candidates = exact or sorted(partial, key=lambda c: (c[1], c[0]))
    if len(candidates) == 1:
        return candidates[0][0]
    if not candidates:
        raise NotFound(f"no person matches {text!r}")
    shown = ", ".join(f"{name} (id {pid})" for pid, name in candidates[:SHOWN])
    more = " and more" if len(candidates) > SHOWN else ""
    raise Ambiguous(f"{text!r} matches several people: {shown}{more}; use an id or e-mail")


def _guess_identity_kind(text: str) -> str | None:
    if "@" in text and " " not in text:
        return "email"
    if "://" in text or text.lower().startswith(("www.", "linkedin.com")):
        return "url"
    if re.fullmatch(r"[+\d][\d\s().-]{4,}", text):
        return "phone"
    return None
