"""What ``crb doctor`` asks SQLite about the store's file: its integrity, its journal mode and
its references."""

from __future__ import annotations

from crb_tui.store import Store

__all__ = [
    "broken_references", "integrity", "journal_mode", "people_with_addresses",
    "phones_without_country_code",
]


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


def people_with_addresses(store: Store, addresses: list[str]) -> list[tuple[int, str, str]]:
    """(id, name, address) of the people listed (not archived, merged or ignored) who hold one
    of ``addresses`` (normalised e-mail addresses), by id."""
    if not addresses:
        return []
    marks = ", ".join("?" for _ in addresses)
    return [(int(pid), str(name), str(value)) for pid, name, value in store.conn.execute(
        "select p.id, p.name, i.value from identities i join people p on p.id = i.person_id "
        f"where i.kind = 'email' and i.value in ({marks}) and p.merged_into is null "
        "and p.archived = 0 order by p.id, i.value", addresses)]


def broken_references(store: Store) -> int:
    """How many rows point at a row that is not there (foreign keys that do not hold)."""
    return len(store.conn.execute("pragma foreign_key_check").fetchall())
