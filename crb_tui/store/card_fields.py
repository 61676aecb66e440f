"""What a contact card (``Person`` record: a vCard, a CSV row) changes of the person it finds
(see docs/cli.md, "A card exported again").

An address book is the user's own record of a person, so a later export of the same card updates
the fields it carries (name, organisation, title, birthday, cadence, details) — but only a value
that came from that same source earlier and that nobody has changed since. Each source's last
values of each person are kept in ``source_state`` (namespace :data:`CARD_NS`). Anything else
is only filled in when empty: a value the user set by hand in CRB (``crb rename``, a birthday,
a cadence, a detail: their review-history rows say so), one another source gave, or one whose
origin is not known (a store from before this rule: then a person the same source made counts
as its own)."""

from __future__ import annotations

import json
from typing import Any

from crb_tui import records as r
from crb_tui.store.same_person import name_words

CARD_NS = "crb.card"
"""The ``source_state`` namespace of the values each source's cards last gave a person."""

FIELDS = ("name", "org_id", "title", "birthday", "cadence_days")
HAND_ACTIONS = {"rename": "name", "birthday": "birthday", "cadence": "cadence_days",
                "detail": "details"}
"""Review-history actions of the user and the field each sets by hand."""

SPOKEN = "card-run"
"""The run's ``card_keys`` entries of the people a card has already updated in this run: a
second card of theirs in the same file only fills in (two cards never take turns)."""


def card_values(name: str, org_id: int | None, rec: r.Person) -> dict[str, Any]:
    return {"name": name or None, "org_id": org_id, "title": rec.title or None,
            "birthday": rec.birthday or None, "cadence_days": rec.cadence_days or None,
            "details": dict(rec.details)}


def last_given(db: Any, source: str, person_id: int) -> dict[str, Any] | None:
    row = db.execute("select value from source_state where source = ? and ns = ? and key = ?",
                     [source, CARD_NS, str(person_id)]).fetchone()
    return json.loads(row[0]) if row else None


def remember(db: Any, source: str, person_id: int, values: dict[str, Any]) -> None:
    db.execute(
        "insert into source_state (source, ns, key, value) values (?, ?, ?, ?) "
        "on conflict (source, ns, key) do update set value = excluded.value",
        [source, CARD_NS, str(person_id), json.dumps(values, sort_keys=True, ensure_ascii=False)])


def hand_set(db: Any, person_id: int) -> set[str]:
    """The fields of ``person_id`` the user has set by hand."""
    marks = ",".join("?" for _ in HAND_ACTIONS)
    return {HAND_ACTIONS[row[0]] for row in db.execute(
        f"select distinct action from review_history where person_id = ? and action in ({marks})",
        [person_id, *HAND_ACTIONS])}


def named_by_mail(db: Any, person_id: int, made_by: str | None) -> bool:
    """Whether the person's name is one CRB took from mail or a calendar (the sender's own
    display name, ``Ann L``): they were made by a source that gives no cards, and no source's
    card has given them anything yet."""
    if made_by is None or _gives_cards(db, made_by):
        return False
    sources = {row[0] for row in db.execute("select source from sync_state")}
    return all(last_given(db, source, person_id) is None for source in sources)


def _gives_cards(db: Any, source: str) -> bool:
    return db.execute("select 1 from source_state where source = ? and ns = ? limit 1",
                      [source, CARD_NS]).fetchone() is not None


def decide(
    db: Any, person_id: int, current: dict[str, Any], new: dict[str, Any],
    last: dict[str, Any] | None, *, made_by: str | None, source: str, again: bool,
) -> tuple[dict[str, Any], bool]:
    """:func:`changes` for a card of ``source`` found ``person_id``, with what the user set by
    hand and whether their name came from mail read only when a stored value would change."""
    own = made_by == source and not again

    def mail_name(hand: set[str]) -> bool:
        stored = current["name"]
        return (not again and bool(new["name"]) and bool(stored) and new["name"] != stored
                and "name" not in hand and named_by_mail(db, person_id, made_by))

    updates, replaced = changes(current, new, last, own, set(), mail_name(set()))
    if any(current.get(field) for field in updates):  # a stored value would change
        hand = hand_set(db, person_id)
        if hand:
            updates, replaced = changes(current, new, last, own, hand, mail_name(hand))
    return updates, replaced


def changes(
    current: dict[str, Any], new: dict[str, Any], last: dict[str, Any] | None, own: bool,
    hand: set[str], mail_name: bool = False,
) -> tuple[dict[str, Any], bool]:
    """``(updates, replaced)``: the fields to write, and whether a value there was replaced
    (rather than only filled in). ``current``: the stored fields (``details`` as a dict);
    ``last``: what this source gave before (``None``: not known); ``own``: the person was made
    by this source (what counts when ``last`` is not known); ``mail_name``: the stored name is
    one taken from mail (``named_by_mail``), which a card's name replaces."""
    updates: dict[str, Any] = {}
    replaced = False

    def ours(field: str, stored: Any, before: Any) -> bool:
        if field in hand:
            return False
        return stored == before if last is not None else own

    for field in FIELDS:
        value, stored = new[field], current[field]
        if value is None or value == stored:
            continue
        if not stored or (field == "name" and ("@" in stored and "@" not in value
                                               or mail_name and field not in hand)):
            updates[field] = value
        elif isinstance(value, str) and lossy(value, stored):
            continue
        elif ours(field, stored, (last or {}).get(field)):
            updates[field] = value
            replaced = True
    details = dict(current["details"])
    before_details = (last or {}).get("details") or {}
    for key, value in new["details"].items():
        stored = details.get(key)
        if value == stored:
            continue
        if stored is None:
            details[key] = value
        elif ours("details", stored, before_details.get(key)):
            details[key] = value
            replaced = True
    if details != current["details"]:
        updates["details"] = json.dumps(details, sort_keys=True)
    return updates, replaced


def lossy(new: str, stored: str) -> bool:
    """Whether ``new`` is ``stored`` with accents, letters or symbols lost (a re-save in an old
    code page: ``Zoe Unal`` for ``Zoë 🚀 Ünal``): the same words, case and accents ignored,
    with fewer characters beyond ASCII. Never a change worth taking."""
    beyond = sum(not c.isascii() for c in new)
    return name_words(new) == name_words(stored) and beyond < sum(
        not c.isascii() for c in stored)
