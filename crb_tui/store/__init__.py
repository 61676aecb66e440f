"""The store: one SQLite file, migrated on open (``migrations``), written through one path
(``store``: the Store, its connection and look-ups; ``batch`` and ``writer``: the batch writer
sources use, storing new interactions and indexing their subjects a batch at a time in
``subject_index``, handed its store as a ``write_result.WriteTarget`` so that it never imports
the ``Store`` (``write_result``: what the write path and its callers share); ``actions``: what
the user does; ``merge``; ``undo``; ``demo``: the demo data set, built by ``demo_build``,
``demo_history`` and ``demo_facts`` on ``demo_draws`` from ``demo_shape`` and ``demo_words``;
``export``; ``state``: the sources' own key-value state; ``signals``: the plugins' health
signals of a recompute; ``health_basis``: the per-person aggregates the daily health recompute
carries from one day to the next), with transactions that take the write lock up front
(``locking``), read-only connections lent by a pool (``pool``), the read models the rest shows
or reasons on (``queries`` and ``search`` for the Face, ``review_queries`` for the daily review,
``person_rows`` for the plugins' ``crb_tui.query``, ``integrity`` for ``crb doctor``), the one
list of tables (``tables``), and reads that stop once unwanted and SQLite's errors raised as
CRB's own (``reading``).

Owns: every SQL statement about CRB's tables, and the only imports of ``sqlite3`` and
``sqlite_utils`` (tests/test_shape.py and an import-linter contract hold this), the health
model's included (``health_sql``: its formulas and aggregates; ``health_functions``: the SQL
functions it registers; ``health_run``: its runs and the writes of the ``health`` table).
May import: the kernel (``crb_tui.records``, ``clock``, ``config``, ``errors``, ``identity``,
``text``, ``limits``). Never the engine, the host or the Face (import-linter holds this);
whoever writes asks the engine to rescore.

Concurrency, one model (datasette's ``Database`` is the pattern): one writer, and a few
readers.

- **The writer.** A ``Store`` is one read-write connection. Threads take turns on it
  (``Store.turn``): each transaction holds the turn while it runs, and a caller running several
  statements that belong together holds it around them all (an app action, a health recompute
  with its temp tables). In the app, the screens' writes (``crb_tui.tui.data.Gateway.run``)
  and the Sync screen's runs (``Gateway.sync``) share the one writer: a sync takes the turn
  batch by batch, so an action waits at most for one batch's commit. Every write is a
  transaction that takes SQLite's write lock before it reads anything (``BEGIN IMMEDIATE``,
  :func:`locking.transaction`), waiting while another process holds it (cron's ``crb sync``, a
  ``crb log``); so writers never fail on a lock.
- **Readers.** Reads beside the writer go to read-only connections (:class:`Reader`, a
  ``Store`` whose writes fail), lent one read at a time by a :class:`ReadPool` of a few: a
  fixed pool, since the app's workers are new threads each time. Each read is one read
  transaction: the file is in WAL mode, so it sees the last commit whole, and neither waits
  for the writer nor holds it up.
- **The file's locks.** Closing any descriptor of a file drops every POSIX lock the process
  holds on it, SQLite's included; so the store never opens and closes the file by hand while a
  connection of the process has it open (a process-wide registry of open files, in ``store``;
  the checks on opening are in ``opening``).

tests/test_concurrency.py holds this (processes writing at once, readers on several threads
while two writers of one process write), and tests/test_one_writer.py the app's side (reads
during a sync's batch, an action during a sync, no connection left by many worker threads).
"""

from crb_tui.clock import now_utc
from crb_tui.store.pool import Reader, ReadPool
from crb_tui.store.reading import as_store_error, interruptible, store_errors
from crb_tui.store.store import Store, escape_like
from crb_tui.store.write_result import WriteResult, iso

__all__ = [
    "ReadPool",
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
