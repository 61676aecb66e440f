"""Finding people by what you remember of them: every word typed must appear, as part of a word
or across words, in their name, job title, organisation, any identity (e-mail, phone, handle) or
any note about them. Case and accents do not matter ("jose" finds "José").

The people list and ``crb people --search`` share this one rule. The list keeps everyone's
searchable text in memory (:class:`SearchIndex`, some 17 MB at 100,000 people, read in half a
second) so that a keystroke costs a scan of it in Python, some 30 ms at 100,000 people and less
as the words get longer (each search looks only among the matches of the one before), where
the same scan in SQL takes several times as long.
"""

from __future__ import annotations

import sqlite3
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

from crb_tui.text import fold

if TYPE_CHECKING:
    from crb_tui.store import Store



def terms(search: str) -> list[str]:
    """The words of a search, folded, longest first (the rarest, so the quickest to rule out)."""
    return sorted(set(fold(search).split()), key=len, reverse=True)


def narrows(before: Sequence[str], after: Sequence[str]) -> bool:
    """Whether everyone matching ``after`` also matches ``before`` (each earlier word is part
    of a later one: typing on, never back), so ``after`` need only look among those."""
    return all(any(b in a for a in after) for b in before)


def _person_texts(conn: sqlite3.Connection, include_archived: bool
                  ) -> Iterator[tuple[int, str]]:
    """Everyone listed, by id, with their searchable text folded: three scans in id order
    merged as they stream, so that no more than one person's text is held at a time."""
    listed = "merged_into is null" + ("" if include_archived else " and archived = 0")
    orgs = dict(conn.execute("select id, name from organizations"))
    extra = [
        conn.execute(
            "select person_id, group_concat(value, ' ') from identities "
            "where person_id is not null group by person_id order by person_id"
        ),
        conn.execute(
            "select person_id, group_concat(text, ' ') from notes "
            "where person_id is not null group by person_id order by person_id"
        ),
    ]
    heads = [next(rows, None) for rows in extra]
    for pid, name, title, org in conn.execute(
        f"select id, name, title, org_id from people where {listed} order by id"
    ):
        parts = [name or "", title or "", orgs.get(org) or ""]
        for n, rows in enumerate(extra):
            head = heads[n]
            while head is not None and head[0] < pid:
                head = next(rows, None)
            if head is not None and head[0] == pid:
                parts.append(head[1] or "")
                head = next(rows, None)
            heads[n] = head
        yield pid, fold(" ".join(parts))


def matching(store: Store, search: str, *, include_archived: bool = False) -> set[int]:
    """The ids of everyone listed who matches ``search`` (everyone for an empty one), read as
    they stream (no one's text is kept)."""
    words = terms(search)
    return {pid for pid, doc in _person_texts(store.conn, include_archived)
            if all(w in doc for w in words)}


class Matches(Sequence[int]):
    """The ids of the people a search found, in list order, without copying them out."""

    def __init__(self, order: Sequence[int], positions: Sequence[int]) -> None:
        self.order = order
        self.positions = positions

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self.order[k] for k in self.positions[index]]
        return self.order[self.positions[index]]


class SearchIndex:
    """Everyone's searchable text lined up with one list order.

    ``find(search)`` gives the people matching, in that order, and keeps the latest answers so
    that a search typed on from an earlier one looks only among its matches (and typing back
    costs nothing). Not thread-safe: one call at a time.
    """

    KEPT = 12
    """Answers kept, to narrow later searches from."""

    def __init__(self, ids: Sequence[int], texts: list[str]) -> None:
        """``texts[k]`` is the text of person ``ids[k]``; ``ids`` ascend."""
        self._ids = ids
        self._by_id = texts
        self.order: Sequence[int] = ids
        self._texts = texts
        self._answers: list[tuple[list[str], array[int]]] = []
        self.scans = 0
        """Searches answered by looking at people's text (not from the answers kept)."""

    @classmethod
    def build(cls, conn: sqlite3.Connection, order: Sequence[int], *,
              include_archived: bool = False, pause: Callable[[], None] | None = None
              ) -> SearchIndex:
        """Everyone's text from the database on ``conn``, lined up with ``order`` (their ids
        in list order). ``pause`` is called every thousand people."""
        ids = array("q")
        texts: list[str] = []
        for pid, doc in _person_texts(conn, include_archived):
            ids.append(pid)
            texts.append(doc)
            if pause is not None and not len(texts) % 1000:
                pause()
        index = cls(ids, texts)
        index.reorder(order)
        return index

    @classmethod
    def read(cls, store: Any, order: Sequence[int], *,
             pause: Callable[[], None] | None = None) -> SearchIndex:
        """:meth:`build` from a ``Store`` or a :class:`~crb_tui.store.Reader` of one."""
        return cls.build(store.conn, order, pause=pause)

    def __len__(self) -> int:
        return len(self.order)

    def reorder(self, order: Sequence[int]) -> None:
        """Line the text up with another order of (mostly) the same people (anyone not known
        here has no text, so matches nothing)."""
        if order is self.order:
            return
        ids, by_id, n = self._ids, self._by_id, len(self._ids)
        texts = []
        for pid in order:
            k = bisect_left(ids, pid)
            texts.append(by_id[k] if k < n and ids[k] == pid else "")
        self.order, self._texts, self._answers = order, texts, []

    def find(self, search: str) -> Matches:
        """The people whose text holds every word of ``search``, in order."""
        words = terms(search)
        if not words:
            return Matches(self.order, range(len(self.order)))
        best: array[int] | None = None
        for before, found in self._answers:
            if before == words:
                return Matches(self.order, found)
            if narrows(before, words) and (best is None or len(found) < len(best)):
                best = found
        texts = self._texts
        self.scans += 1
        first, rest = words[0], words[1:]
        if best is None or len(best) * 4 > len(texts):
            # Looking among many earlier matches costs more than looking at everyone.
            found = array("i", [k for k, text in enumerate(texts) if first in text])
        else:
            found = array("i", [k for k in best if first in texts[k]])
        if rest:
            found = array("i", [k for k in found if all(w in texts[k] for w in rest)])
        self._answers.append((words, found))
        if len(self._answers) > self.KEPT:
            self._answers.pop(0)
        return Matches(self.order, found)
