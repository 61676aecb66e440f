"""The store: one SQLite file, migrated on open (``migrations``), written through one path
(``store``: the Store, its connection and look-ups; ``writer``: the batch writer sources use;
``actions``: what the user does; ``merge``; ``undo``; ``demo``: the demo data set, built by
``demo_build``, ``demo_history`` and ``demo_facts`` on ``demo_draws`` from ``demo_shape`` and
``demo_words``; ``export``; ``state``: the sources' own key-value state), with transactions
that take the write lock up front (``locking``), readers of its own for long reads on other
threads (``reading``), the read models the Face shows (``queries``, ``search``), and SQLite's
errors raised as CRB's own.

Owns: every SQL statement about CRB's tables. May import: the kernel (``crb_tui.records``,
``clock``, ``config``, ``errors``, ``identity``, ``text``, ``limits``). Never the engine, the
host or the Face (import-linter holds this); whoever writes asks the engine to rescore.
"""

from crb_tui.clock import now_utc
from crb_tui.store.reading import Reader, as_store_error, interruptible, store_errors
from crb_tui.store.store import Store, WriteResult, escape_like, iso

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
