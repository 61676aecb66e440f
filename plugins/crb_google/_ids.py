"""Which Google item produced which CRB records: the map that deletions need, kept in the
source's own state (``ctx.state``, in CRB's database, written with the records).

Gmail reports a deleted message, and Calendar a cancelled event, by its Google id alone, while
CRB's records are keyed by Message-ID (``msg:<id>|<counterpart>``) and by iCalendar UID and
instance (``ics:<uid>|<instance>|<attendee>``) so that the same mail or meeting from any source is
stored once. The map: ``(scope, google id) -> key prefix, full keys, generation, live``.

- ``scope`` is the mailbox's address or the calendar id;
- ``gen`` is the full sync that last saw the item: at the end of a full sync, live items of an
  older generation are gone from the listing (deleted while the cursor had expired), and the
  source decides what becomes of them (Gmail keeps mail deleted or binned, removes spam);
- ``live`` is false once the records were removed, when the item gave none, or when it is
  gone from Google for good (deleted mail, whose records stay).

Namespaces of the state: ``items/<scope>`` (google id -> entry), ``by-prefix`` (``<prefix>␟
<scope>␟<id>`` for each live item: whether another item still stands behind a prefix) and
``""`` (``gen/<scope>``, the generation counters).

Before the state existed the map was a SQLite file beside the database
(``crb.gmail-index.sqlite``, ``crb.google-calendar-index.sqlite``, or ``index_file``): on the
first run that finds one, its rows are copied in once (the file is left where it is).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from crb_tui import State, SyncContext
from crb_tui.sdk import CrbError

SEP = "\x1f"
"""Between the parts of a ``by-prefix`` key: no prefix, address or id holds a control character."""


@dataclass
class Entry:
    id: str
    prefix: str
    keys: list[str]
    gen: int
    live: bool


def side_file_path(source: str, database: Path | None = None) -> Path:
    """Where the map was kept before ``ctx.state``: beside the CRB database (``crb.db`` ->
    ``crb.gmail-index.sqlite``), in the user data folder when there was none."""
    name = source.replace("_", "-")
    if database is not None:
        return database.with_name(f"{database.stem}.{name}-index.sqlite")
    return Path(platformdirs.user_data_dir("crb")) / f"{name}-index.sqlite"


class IdMap:
    def __init__(self, state: State) -> None:
        self.state = state
        self.by_prefix = state.namespace("by-prefix")
        self.scopes: dict[str, State] = {}

    def _items(self, scope: str) -> State:
        if scope not in self.scopes:
            self.scopes[scope] = self.state.namespace(f"items/{scope}")
        return self.scopes[scope]

    def next_gen(self, scope: str) -> int:
        gen = int(self.state.get(f"gen/{scope}", 0)) + 1
        self.state.set(f"gen/{scope}", gen)
        return gen

    def get(self, scope: str, item_id: str) -> Entry | None:
        return _entry(item_id, self._items(scope).get(item_id))

    def with_id_prefix(self, scope: str, id_prefix: str) -> list[Entry]:
        """Instances of a recurring event: ids ``<series id>_<start>``."""
        found = (_entry(k, v) for k, v in self._items(scope).items(id_prefix) if k != id_prefix)
        return [e for e in found if e is not None]

    def put(self, scope: str, item_id: str, prefix: str, keys: list[str], gen: int,
            live: bool = True) -> None:
        old = self.get(scope, item_id)
        if old is not None:
            gen = max(gen, old.gen)
            if old.live and (old.prefix != prefix or not live):
                self.by_prefix.delete(_link(old.prefix, scope, item_id))
        self._items(scope).set(item_id, {"prefix": prefix, "keys": keys, "gen": gen,
                                         "live": live})
        if live and (old is None or not old.live or old.prefix != prefix):
            self.by_prefix.set(_link(prefix, scope, item_id), True)

    def touch(self, scope: str, item_id: str, gen: int) -> None:
        entry = self.get(scope, item_id)
        if entry is not None and entry.gen < gen:
            self._put(scope, entry, gen=gen)

    def mark_removed(self, scope: str, item_id: str) -> None:
        entry = self.get(scope, item_id)
        if entry is not None and entry.live:
            self.by_prefix.delete(_link(entry.prefix, scope, item_id))
            self._put(scope, entry, live=False)

    def shared(self, prefix: str, scope: str, item_id: str) -> bool:
        """Whether another live item (another copy of the same mail, the same event in another
        calendar) still stands behind the records under ``prefix``."""
        own = _link(prefix, scope, item_id)
        return any(key != own for key, _ in self.by_prefix.items(prefix + SEP))

    def stale(self, scope: str, gen: int) -> Iterator[Entry]:
        """Live items no full sync has seen since generation ``gen`` began."""
        for key, value in self._items(scope).items():
            entry = _entry(key, value)
            if entry is not None and entry.live and entry.gen < gen:
                yield entry

    def _put(self, scope: str, entry: Entry, **changes: Any) -> None:
        value = {"prefix": entry.prefix, "keys": entry.keys, "gen": entry.gen,
                 "live": entry.live, **changes}
        self._items(scope).set(entry.id, value)

    # -- the upgrade from the side file ----------------------------------------------------

    def adopt_side_file(self, path: Path, kind: str) -> int:
        """Copy the rows of the old side file at ``path`` (of ``kind``: ``gmail`` or ``gcal``)
        in, once: the number copied (0 when there is no file or it was copied before)."""
        marker = "side file imported"
        if not path.is_file() or self.state.get(marker):
            return 0
        try:
            rows = self.state.side_file_rows(path, "items")
            meta = self.state.side_file_rows(path, "meta")
        except CrbError as exc:
            raise CrbError(f"{exc} (the Google sources' id index of earlier versions: move it "
                           "away to go on without it)") from exc
        copied = 0
        for row in rows:
            if row.get("kind") != kind or not row.get("id"):
                continue
            keys = _keys(row.get("keys"))
            self.put(str(row["scope"]), str(row["id"]), str(row["prefix"]), keys,
                     int(row.get("gen") or 0), live=bool(row.get("live")))
            copied += 1
        for row in meta:
            name = str(row.get("key") or "")
            if name.startswith(f"gen:{kind}:"):
                scope = name[len(f"gen:{kind}:"):]
                self.state.set(f"gen/{scope}", max(int(row.get("value") or 0),
                                                   int(self.state.get(f"gen/{scope}", 0))))
        self.state.set(marker, str(path))
        return copied


def open_map(ctx: SyncContext, label: str, kind: str) -> IdMap:
    """The map of this source, with the old side file's rows copied in on the first run."""
    ids = IdMap(ctx.state)
    setting = str(ctx.config.get("index_file") or "").strip()
    path = Path(setting).expanduser() if setting else side_file_path(label, ctx.store_path)
    copied = ids.adopt_side_file(path, kind)
    if copied:
        ctx.logger.info("%s: copied %d entries of %s into CRB's database", ctx.source, copied,
                        path)
    return ids


def _link(prefix: str, scope: str, item_id: str) -> str:
    return f"{prefix}{SEP}{scope}{SEP}{item_id}"


def _keys(value: Any) -> list[str]:
    try:
        keys = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return [str(k) for k in keys] if isinstance(keys, list) else []


def _entry(item_id: str, value: Any) -> Entry | None:
    if value is None:
        return None
    try:
        return Entry(item_id, str(value["prefix"]), list(value["keys"]), int(value["gen"]),
                     bool(value["live"]))
    except (KeyError, TypeError, ValueError):
        return None  # not written by this module: as if unknown
