"""The store: one SQLite file, migrated on open, written through one path."""

from crb_tui.store.store import Store, WriteResult, iso, now_utc

__all__ = ["Store", "WriteResult", "iso", "now_utc"]
