"""Which Google item produced which CRB records: the map that deletions need.

Gmail reports a deleted message, and Calendar a cancelled event, by its Google id alone, while
CRB's records are keyed by Message-ID (``msg:<id>|<counterpart>``) and by iCalendar UID and
instance (``ics:<uid>|<instance>|<attendee>``) so that the same mail or meeting from any source is
stored once. This small SQLite file (mode 0600, beside the CRB database by default) maps one to the
other: ``(kind, scope, google id) -> key prefix, full keys, generation, live``.

- ``scope`` is the mailbox's address or the calendar id;
- ``gen`` is the full sync that last saw the item: at the end of a full sync, live items of an
  older generation are gone from Google (deleted while the cursor had expired) and are removed;
- ``live`` is 0 once the records were removed (rows are kept, so a removal that a dry run
  rolled back is made again by the next full sync).

It is a cache of facts about the Google account, not CRB data: losing it only means a later
deletion cannot be matched (reported as a skip, never silent). A core ``ctx.state`` key-value
store would be its natural home (see the plugin's README notes).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from crb_tui.sdk import CrbError

SCHEMA = """
create table if not exists items (
    kind text not null,
    scope text not null,
    id text not null,
    prefix text not null,
    keys text not null default '[]',
    gen integer not null default 0,
    live integer not null default 1,
    primary key (kind, scope, id)
);
create index if not exists items_prefix on items (kind, prefix);
create table if not exists meta (key text primary key, value text);
"""


@dataclass
class Entry:
    id: str
    prefix: str
    keys: list[str]
    gen: int
    live: bool


def default_index_path(source: str, database: Path | None = None) -> Path:
    """Beside the CRB database (``crb.db`` -> ``crb.gmail-index.sqlite``), so that each
    database has the index that matches it; in the user data folder when there is none."""
    name = source.replace("_", "-")
    if database is not None:
        return database.with_name(f"{database.stem}.{name}-index.sqlite")
    return Path(platformdirs.user_data_dir("crb")) / f"{name}-index.sqlite"


class Index:
    def __init__(self, path: Path | None, *, keep: bool = True) -> None:
        """``None`` keeps the index in memory (nothing survives the run). ``keep=False`` (a dry
        run) rolls every change back at the end, as the store does."""
        self.keep = keep
        self.path = Path(path).expanduser() if path is not None else None
        if path is None:
            self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            path = Path(path).expanduser()
            if path.is_symlink():
                raise CrbError(f"{path} is a symbolic link; CRB does not write its sync index "
                               "through one: give index_file a real path")
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
                os.close(os.open(path, flags, 0o600))
            self.conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
            # A cache: losing the last commits to a power cut is fine, an fsync per
            # checkpoint is not.
            self.conn.execute("pragma journal_mode = wal")
            self.conn.execute("pragma synchronous = normal")
        self.conn.executescript(SCHEMA)
        self.conn.commit()

    def close(self) -> None:
        if self.keep:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.conn.close()
        if self.path is not None:
            for extra in ("-wal", "-shm"):
                side = str(self.path) + extra
                try:
                    if not os.path.islink(side):  # never chmod through a link
                        os.chmod(side, 0o600)
                except OSError:
                    pass

    def commit(self) -> None:
        if self.keep:
            self.conn.commit()

    def next_gen(self, kind: str, scope: str) -> int:
        key = f"gen:{kind}:{scope}"
        row = self.conn.execute("select value from meta where key = ?", [key]).fetchone()
        gen = (int(row[0]) if row else 0) + 1
        self.conn.execute("insert into meta (key, value) values (?, ?) on conflict(key) do "
                          "update set value = excluded.value", [key, str(gen)])
        self.commit()
        return gen

    def get(self, kind: str, scope: str, item_id: str) -> Entry | None:
        row = self.conn.execute(
            "select id, prefix, keys, gen, live from items where kind = ? and scope = ? and id = ?",
            [kind, scope, item_id],
        ).fetchone()
        return _entry(row) if row else None

    def with_id_prefix(self, kind: str, scope: str, id_prefix: str) -> list[Entry]:
        """Instances of a recurring event: ids ``<series id>_<start>``."""
        rows = self.conn.execute(
            "select id, prefix, keys, gen, live from items where kind = ? and scope = ? "
            "and id > ? and id < ?", [kind, scope, id_prefix, id_prefix + "\uffff"],
        )
        return [_entry(r) for r in rows]

    def put(self, kind: str, scope: str, item_id: str, prefix: str, keys: list[str], gen: int,
            live: bool = True) -> None:
        self.conn.execute(
            "insert into items (kind, scope, id, prefix, keys, gen, live) values (?,?,?,?,?,?,?) "
            "on conflict(kind, scope, id) do update set prefix = excluded.prefix, "
            "keys = excluded.keys, gen = max(items.gen, excluded.gen), live = excluded.live",
            [kind, scope, item_id, prefix, json.dumps(keys), gen, int(live)],
        )

    def touch(self, kind: str, scope: str, item_id: str, gen: int) -> None:
        self.conn.execute("update items set gen = max(gen, ?) where kind = ? and scope = ? "
                          "and id = ?", [gen, kind, scope, item_id])

    def mark_removed(self, kind: str, scope: str, item_id: str) -> None:
        self.conn.execute("update items set live = 0 where kind = ? and scope = ? and id = ?",
                          [kind, scope, item_id])

    def shared(self, kind: str, prefix: str, scope: str, item_id: str) -> bool:
        """Whether another live item (another copy of the same mail, the same event in another
        calendar) still stands behind the records under ``prefix``."""
        row = self.conn.execute(
            "select 1 from items where kind = ? and prefix = ? and live = 1 "
            "and not (scope = ? and id = ?) limit 1", [kind, prefix, scope, item_id],
        ).fetchone()
        return row is not None

    def stale(self, kind: str, scope: str, gen: int) -> list[Entry]:
        """Live items no full sync has seen since generation ``gen`` began."""
        rows = self.conn.execute(
            "select id, prefix, keys, gen, live from items where kind = ? and scope = ? "
            "and live = 1 and gen < ?", [kind, scope, gen],
        )
        return [_entry(r) for r in rows]


def _entry(row: tuple[str, str, str, int, int]) -> Entry:
    try:
        keys = json.loads(row[2] or "[]")
    except ValueError:
        keys = []
    return Entry(id=row[0], prefix=row[1], keys=list(keys), gen=int(row[3]), live=bool(row[4]))
