"""Phone numbers stored without a country code, read again once ``[identity] default_region``
is set (or changed).

With the region empty a number written without a country code is stored as its digits
(``0612345678``); with ``default_region = "NL"`` the same writing is ``+31612345678``, which
the stored digits are not: a call log or a re-imported card would then make a second person.
So every import and sync first reads such numbers again (:func:`reread`, in its transaction):

- a number whose full form is stored nowhere takes it (the identity keeps its id, person and
  touches);
- a number whose full form is stored for the same person, or for no one yet (or is itself no
  one's), is folded into that identity: its touches move to it, then it goes;
- a number whose full form is another person's stays as it is, and the two are NOT merged: the
  run's summary and ``crb doctor`` name both and the ``crb merge`` that joins them
  (:class:`Clash`). The write path finds the card that made the local copy by it again
  (``Store.local_phone``), so nothing is added twice meanwhile.

Numbers that are no possible number of the region stay as they are (their digits are what the
same writing gives again). ``crb doctor`` asks the same without writing (``write=False``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crb_tui.identity import normalise_phone
from crb_tui.store.resolving import follow_merges
from crb_tui.store.same_person import real_name
from crb_tui.text import plain

SHOWN = 20
"""Clashes named one by one in a summary or by ``crb doctor``; the rest are counted."""


@dataclass(frozen=True)
class Clash:
    """A number stored twice, two people's: in full (``holder``) and without a country code
    (``other``, as ``local``). Each person is ``(id, name)``."""

    number: str
    local: str
    holder: tuple[int, str]
    other: tuple[int, str]

    def line(self) -> str:
        (a, a_name), (b, b_name) = self.holder, self.other
        # `crb merge KEEP OTHER` keeps KEEP's name: the one with a name, not a number.
        keep, other = (b, a) if real_name(b_name) and not real_name(a_name) else (a, b)
        a_name, b_name = plain(a_name, one_line=True), plain(b_name, one_line=True)
        return (f"phone {self.number} is two people's: {a_name} (id {a}) and {b_name} (id {b}, "
                f"stored as {self.local} before [identity] default_region was set); both kept: "
                f"if they are one person, run `crb merge {keep} {other}`")


@dataclass
class Reread:
    """What reading the numbers again did (or, asked without writing, would do)."""

    region: str = ""
    changed: int = 0
    """Numbers given their full form (or folded into the stored full form, where it was no one's
    or they were)."""
    doubles: int = 0
    """Numbers stored both ways for one person (after a ``crb merge``), folded into one."""
    clashes: list[Clash] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    """People whose identities or touches changed (their scores are worked out again)."""

    def lines(self) -> list[str]:
        """The summary's notes: how many numbers were read again, and each clash."""
        out = []
        if self.changed + self.doubles:
            n = self.changed + self.doubles
            out.append(f"{n} phone number{'s' if n != 1 else ''} stored "
                       f"without a country code read again as {self.region} numbers "
                       "([identity] default_region)")
        out.extend(c.line() for c in self.clashes[:SHOWN])
        if len(self.clashes) > SHOWN:
            out.append(f"... and {len(self.clashes) - SHOWN} more numbers that are two people's "
                       "(`crb doctor` names them all)")
        return out


def reread(conn: Any, region: str, *, write: bool = True) -> Reread:
    """Read every stored phone number without a country code again in ``region``; with
    ``write`` False nothing is written (what the next import would do). Run it in a write
    transaction."""
    done = Reread(region=region)
    if not region:
        return done
    full_forms: dict[str, tuple[int, int | None]] = {}
    """Full forms given in this pass: their identity and person (not written when asked)."""
    rows = conn.execute("select id, value, person_id from identities "
                        "where kind = 'phone' and value not like '+%' order by id").fetchall()
    for ident_id, value, person_id in rows:
        full = normalise_phone(value, region)
        if not full or not full.startswith("+"):
            continue  # no possible number there: the same writing gives these digits again
        stored = full_forms.get(full) or conn.execute(
            "select id, person_id from identities where kind = 'phone' and value = ?", [full]
        ).fetchone()
        mine = None if person_id is None else follow_merges(conn, person_id)
        if stored is None:
            if write:
                conn.execute("update identities set value = ? where id = ?", [full, ident_id])
            full_forms[full] = (ident_id, mine)
            done.changed += 1
            continue
        theirs = None if stored[1] is None else follow_merges(conn, stored[1])
        if mine is not None and theirs is not None and mine != theirs:
            done.clashes.append(Clash(full, value, _person(conn, theirs), _person(conn, mine)))
            continue
        owner = theirs if theirs is not None else mine
        if write:
            _fold(conn, ident_id, stored[0], owner)
        full_forms[full] = (stored[0], owner)
        if theirs is None or mine is None:
            done.changed += 1
        else:
            done.doubles += 1
        done.touched.update(p for p in (mine, theirs) if p is not None)
    return done


def _person(conn: Any, person_id: int) -> tuple[int, str]:
    row = conn.execute("select name from people where id = ?", [person_id]).fetchone()
    return person_id, (row[0] if row else "") or ""


def _fold(conn: Any, local_id: int, full_id: int, owner: int | None) -> None:
    """One identity of the two spellings of a number: the full one keeps the local one's touches
    (and its name and first sighting where it had none or a later one), then the local goes."""
    conn.execute(
        "update identities set person_id = :owner, display_name = coalesce(display_name, "
        "(select display_name from identities where id = :local)), first_seen = (select "
        "min(coalesce(l.first_seen, f.first_seen), coalesce(f.first_seen, l.first_seen)) "
        "from identities l, identities f where l.id = :local and f.id = :full) where id = :full",
        {"owner": owner, "local": local_id, "full": full_id},
    )
    conn.execute("update interactions set identity_id = ? where identity_id = ?",
                 [full_id, local_id])
    if owner is not None:  # touches kept for no one belong to the number's person now
        conn.execute("update interactions set person_id = ? where identity_id = ? "
                     "and person_id is null", [owner, full_id])
    conn.execute("delete from identities where id = ?", [local_id])
