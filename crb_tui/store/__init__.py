"""The store: one SQLite file, migrated on open (``migrations``), written through one path
(``store``: the Store, its connection and look-ups; ``writer``: the batch writer sources use;
``actions``: what the user does; ``merge``; ``undo``; ``demo``: the demo data set, built by
``demo_build``, ``demo_history`` and ``demo_facts`` on ``demo_draws`` from ``demo_shape`` and
``demo_words``; ``export``; ``state``: the sources' own key-value state; ``signals``: the
plugins' health signals of a recompute; ``health_basis``: the per-person aggregates the daily
health recompute carries from one day to the next), with transactions that take the write lock
up front (``locking``), readers of its own for long reads on other threads (``reading``), the
read models the rest shows or reasons on (``queries`` and ``search`` for the Face,
``review_queries`` for the daily review, ``person_rows`` for the plugins' ``crb_tui.query``,
``integrity`` for ``crb doctor``), the one list of tables (``tables``), and SQLite's errors
raised as CRB's own.

Owns: every SQL statement about CRB's tables, and the only imports of ``sqlite3`` and
``sqlite_utils`` (tests/test_shape.py and an import-linter contract hold this; the health
recompute's statements are the one, temporary, exception, moving here with its redesign).
May import: the kernel (``crb_tui.records``, ``clock``, ``config``, ``errors``, ``identity``,
``text``, ``limits``). Never the engine, the host or the Face (import-linter holds this);
whoever writes asks the engine to rescore.

Concurrency, one model (datasette's ``Database`` is the pattern): a writer, and readers per
thread.

- **The writer.** A ``Store`` is one read-write connection, used by one thread at a time: the
  CLI's one thread, or the app's worker threads one after another (``crb_tui.tui.data.Gateway``
  holds the lock they take turns on). Every write is a transaction that takes SQLite's write
  lock before it reads anything (``BEGIN IMMEDIATE``, :func:`locking.transaction`), waiting
  while another writer holds it; so writers never fail on a lock, whether they are other
  processes (cron's ``crb sync``, a ``crb log``) or, in the app, the sync runner's own
  ``Store`` on its thread (a sync writes for minutes while the screens keep working).
- **Readers per thread.** A thread that reads beside the writer, for longer than a screen
  should wait, takes a read-only connection of its own (``Store.reader()``: a
  :class:`Reader`) for that read and closes it after. The file is in WAL mode: a reader sees
  the last commit, never waits for the writer nor holds it up.
- **The file's locks.** Closing any descriptor of a file drops every POSIX lock the process
  holds on it, SQLite's included; so the store never opens and closes the file by hand while a
  connection of the process has it open (a process-wide registry of open files, in ``store``).

tests/test_concurrency.py holds this: processes writing at once, and readers on several
threads while two writers of one process write.
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
