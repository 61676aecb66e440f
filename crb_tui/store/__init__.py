"""The store: one SQLite file, migrated on open, written through one path; readers of its own
for long reads on other threads, and SQLite's errors raised as CRB's own."""

from crb_tui.store.reading import Reader, as_store_error, interruptible, store_errors
from crb_tui.store.store import Store, WriteResult, escape_like, iso, now_utc

__all__ = [
    "Reader",
    "Store",
    "WriteResult",
    "as_store_error",
    "escape_like",
    "interruptible",
    "iso",
    "now_utc",
    "store_errors",
]
