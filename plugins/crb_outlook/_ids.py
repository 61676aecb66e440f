"""Which Graph item gave which CRB records: the map that ``@removed`` needs.

Graph reports a deleted message or event by its Graph id alone, while CRB's records are keyed
by Message-ID (``msg:<id>|<counterpart>``) and by iCalendar UID and instance
(``ics:<uid>|<instance>|<attendee>``), so that the same mail or meeting from any source is
stored once. The map keeps, per ``<scope>/<graph id>``: the key prefix, the full keys and the
generation (the full sync that last saw it), and per key prefix the ids behind it (a message
in both the Inbox and Sent Items, sent to oneself, keeps its records until both copies are
junk). A message moved to Deleted Items keeps its entry (its records stay, and a full sync can
tell if it went on to Junk Email); one deleted or filed away is forgotten, its records kept.

It lives in the source's ``ctx.state`` (namespace ``ids``): in CRB's database, stored in the
same transaction as the records, rolled back with them by a dry run.
"""

from __future__ import annotations

from dataclasses import dataclass

from crb_tui import State


@dataclass
class Entry:
    id: str
    prefix: str
    keys: list[str]
    gen: int


class IdMap:
    def __init__(self, state: State) -> None:
        self.kv = state.namespace("ids")

    def next_gen(self, scope: str) -> int:
        """A new generation for a full sync of ``scope``."""
        gen = int(self.kv.get(f"g:{scope}") or 0) + 1
        self.kv.set(f"g:{scope}", gen)
        return gen

    def get(self, item: str) -> Entry | None:
        value = self.kv.get(f"i:{item}")
        if not isinstance(value, dict):
            return None
        return Entry(item, str(value.get("p") or ""), list(value.get("k") or []),
                     int(value.get("g") or 0))

    def put(self, item: str, prefix: str, keys: list[str], gen: int) -> None:
        old = self.get(item)
        if old is not None and old.prefix != prefix:
            self._unref(old.prefix, item)
        self.kv.set(f"i:{item}", {"p": prefix, "k": keys, "g": gen})
        holders = self.holders(prefix)
        if item not in holders:
            self.kv.set(f"r:{prefix}", sorted([*holders, item]))

    def drop(self, item: str) -> tuple[Entry | None, bool]:
        """Forget ``item``: ``(its entry, whether another item still stands behind its
        records)``."""
        old = self.get(item)
        if old is None:
            return None, False
        self.kv.delete(f"i:{item}")
        return old, bool(self._unref(old.prefix, item))

    def holders(self, prefix: str) -> list[str]:
        return [str(x) for x in self.kv.get(f"r:{prefix}") or []]

    def stale(self, scope: str, gen: int) -> list[Entry]:
        """Items of ``scope`` that no full sync has seen since generation ``gen`` began."""
        found = []
        for key, value in self.kv.items(f"i:{scope}/"):
            if isinstance(value, dict) and int(value.get("g") or 0) < gen:
                found.append(Entry(key[2:], str(value.get("p") or ""),
                                   list(value.get("k") or []), int(value.get("g") or 0)))
        return found

    def _unref(self, prefix: str, item: str) -> list[str]:
        rest = [x for x in self.holders(prefix) if x != item]
        if rest:
            self.kv.set(f"r:{prefix}", rest)
        else:
            self.kv.delete(f"r:{prefix}")
        return rest
