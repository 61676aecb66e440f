"""Lossless JSON export and restore, a people CSV export, and online backups of the store."""

from __future__ import annotations

import csv
import errno
import io
import sqlite3
from pathlib import Path
from typing import Any

from crb_tui.errors import CrbError, user_message
from crb_tui.store import Store, tables
from crb_tui.store.opening import copy_database
from crb_tui.text import json_text, plain

EXPORT_FORMAT = "crb-export"
EXPORT_VERSION = 1

# Tables that hold what the user has; derived ones (FTS, the health cache) are rebuilt.
EXPORTED_TABLES = tables.EXPORTED


def _columns(store: Store, table: str) -> list[str]:
    return [c.name for c in store.db[table].columns]


def _pk(table: str) -> str:
    return {"sync_state": "source", "source_state": "source, ns, key"}.get(table, "id")


def table_rows(store: Store, table: str) -> list[dict[str, Any]]:
    """Every row of one of CRB's tables (``tables.TABLES``), by its key, each a dict (without
    the columns derived from the others, ``tables.DERIVED_COLUMNS``)."""
    derived = tables.DERIVED_COLUMNS.get(table, ())
    columns = ", ".join(f"[{c}]" for c in _columns(store, table) if c not in derived)
    order = ", ".join(f"[{c.strip()}]" for c in _pk(table).split(","))
    return store.rows(f"select {columns} from [{table}] order by {order}")


def export_document(store: Store) -> dict[str, Any]:
    """Everything the user has, as one JSON-able document. Rows keep their ids."""
    tables: dict[str, list[dict[str, Any]]] = {}
    # One snapshot: a sync writing meanwhile cannot leave rows pointing at people not exported.
    with store.snapshot():
        for table in EXPORTED_TABLES:
            if not store.db[table].exists():
                continue
            tables[table] = table_rows(store, table)
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "tables": tables}


def dump_json(document: dict[str, Any], *, ascii_only: bool = False) -> str:
    # Control, bidi and zero-width characters are escaped (\u202e): the same text once parsed.
    return json_text(document, indent=1, sort_keys=True, ascii_only=ascii_only) + "\n"


def write_json_export(store: Store, out: io.TextIOBase | Any, *, ascii_only: bool = False) -> None:
    out.write(dump_json(export_document(store), ascii_only=ascii_only))


def is_export_document(head: bytes) -> bool:
    text = head.lstrip()[:400].decode("utf-8", "ignore")
    return text.startswith("{") and f'"{EXPORT_FORMAT}"' in text


def restore_document(store: Store, document: Any, *, where: str = "export") -> dict[str, int]:
    """Load an export into an empty store, ids and all, in one transaction."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise CrbError(f'{where}: not a CRB export (no "format": "{EXPORT_FORMAT}")')
    if document.get("version") != EXPORT_VERSION:
        raise CrbError(f"{where}: export version {document.get('version')!r} is not supported")
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise CrbError(f'{where}: "tables" is missing or not an object')
    unknown = set(tables) - set(EXPORTED_TABLES)
    if unknown:
        raise CrbError(f"{where}: unknown tables {', '.join(sorted(unknown))}")
    filled = [
        t for t in EXPORTED_TABLES if store.db.execute(f"select 1 from [{t}] limit 1").fetchone()
    ]
    if filled:
        raise CrbError(
            f"{where}: a CRB export restores into an empty database only; this one already holds "
            f"{', '.join(filled)} (use --db with a new file)"
        )
    counts: dict[str, int] = {}
    try:
        with store.transaction():
            # people reference each other (merged_into): load without the check, verify after.
            store.db.execute("pragma defer_foreign_keys = on")
            for table in EXPORTED_TABLES:
                rows = tables.get(table, [])
                if not isinstance(rows, list):
                    raise CrbError(f"{where}: tables.{table} is not a list")
                allowed = set(_columns(store, table))
                for i, row in enumerate(rows):
                    if not isinstance(row, dict) or not set(row) <= allowed:
                        extra = set(row) - allowed if isinstance(row, dict) else set()
                        raise CrbError(
                            f"{where}: tables.{table}[{i}] is not a {table} row"
                            + (f" (unknown columns {', '.join(sorted(extra))})" if extra else "")
                        )
                    cols = ", ".join(f"[{c}]" for c in row)
                    marks = ", ".join("?" for _ in row)
                    store.db.execute(
                        f"insert into [{table}] ({cols}) values ({marks})", list(row.values())
                    )
                counts[table] = len(rows)
    except sqlite3.IntegrityError as exc:
        raise CrbError(
            f"{where}: the export is inconsistent ({exc}); nothing was imported"
        ) from exc
    return counts


CSV_COLUMNS = ("id", "name", "organization", "title", "tier", "cadence_days", "emails", "phones",
               "urls", "last_touch", "health", "stage")

SQLITE_FULL = 13
"""SQLite's "database or disk is full" (an extended code's low byte)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (OWASP's CSV injection list)."""


def spreadsheet_safe(text: str) -> str:
    """``text`` with a ``'`` in front when a spreadsheet would take it for a formula
    (``=cmd|' /C calc'!A0``, ``+44 ...``, ``@SUM(...)``): shown as text, never evaluated."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_people_csv(store: Store, out: Any, *, to_terminal: bool = False) -> int:
    """One row per live person (archived and ignored people are left out: read back, they
    would come back as live; the JSON export has them) with their identities joined by
    ``; `` (a phone number has spaces): for spreadsheets, and read back by ``crb import``
    (the csv source) with every identity, tier and cadence, though not the history (the JSON
    export is the restore).
    Text that starts like a formula is quoted for spreadsheets (:func:`spreadsheet_safe`);
    ``to_terminal``: the text is shown as ``crb people`` shows it (crb_tui.text.plain)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    has_health = store.conn.execute(
        "select 1 from sqlite_master where name = 'health'").fetchone() is not None
    health_cols = "h.last_touch, h.health, h.stage" if has_health else "null, null, null"
    health_join = "left join health h on h.person_id = p.id" if has_health else ""
    sql = f"""
        select p.id, p.name, o.name as org, p.title, p.tier, p.cadence_days,
          (select group_concat(value, '; ') from identities
             where person_id = p.id and kind = 'email'),
          (select group_concat(value, '; ') from identities
             where person_id = p.id and kind = 'phone'),
          (select group_concat(value, '; ') from identities
             where person_id = p.id and kind = 'url'),
          {health_cols}
        from people p left join organizations o on o.id = p.org_id {health_join}
        where p.merged_into is null and p.archived = 0 order by p.id
    """
    n = 0
    for row in store.db.execute(sql):
        cells = ["" if v is None else v for v in row]
        show = plain if to_terminal else spreadsheet_safe
        writer.writerow([show(v) if isinstance(v, str) else v for v in cells])
        n += 1
    return n


def backup(store: Store, target: Path) -> Path:
    """A consistent copy of the live database (SQLite online backup), created with mode 0600,
    put at ``target`` only once complete (:func:`crb_tui.store.opening.copy_database`)."""
    target = Path(target).expanduser()
    if target.is_dir() and not target.is_symlink():
        raise CrbError(f"{target} is a folder; give a file name for the backup")
    try:
        return copy_database(store.conn, target, "backup")
    except (sqlite3.Error, OSError) as exc:
        why = user_message(exc)
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF == SQLITE_FULL or getattr(
                exc, "errno", None) == errno.ENOSPC:
            size = store.conn.execute("select page_count * page_size from pragma_page_count, "
                                      "pragma_page_size").fetchone()[0]
            why = (f"the disk holding {target.parent} is full (the copy needs about "
                   f"{max(1, round(size / 1e6))} MB)")
        raise CrbError(f"backup to {target} failed: {why}; nothing was written") from exc
