"""What ``crb doctor`` asks SQLite about the store's file: its integrity, its journal mode and
its references."""

from __future__ import annotations

from crb_tui.store import Store

__all__ = ["broken_references", "integrity", "journal_mode"]


def integrity(store: Store) -> str:
    """SQLite's quick check of the file: ``ok``, or the first problem it found."""
    return str(store.conn.execute("pragma quick_check").fetchone()[0])


def journal_mode(store: Store) -> str:
    """The journal mode (CRB's is ``wal``: readers never wait for a writer)."""
    return str(store.conn.execute("pragma journal_mode").fetchone()[0])


def phones_without_country_code(store: Store) -> int:
    """Stored phone numbers with no country code (read without ``[identity] default_region``)."""
    return int(store.conn.execute(
        "select count(*) from identities where kind = 'phone' and value not like '+%'"
    ).fetchone()[0])


def broken_references(store: Store) -> int:
    """How many rows point at a row that is not there (foreign keys that do not hold)."""
    return len(store.conn.execute("pragma foreign_key_check").fetchall())
