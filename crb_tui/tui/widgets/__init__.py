"""Widgets the screens are built from: the nav bar (``nav``), the People list (``people_list``
drawing the rows that ``people_model`` pages in, in the columns of ``people_columns``), a
person's history (``history``), the Sync screen's runs (``sync_run``), gauges and bar charts.

Owns: how each draws itself and what it reads for that (through ``crb_tui.tui.data.Gateway``).
May import: Textual, the kernel, ``crb_tui.tui``'s ``data``, ``display``, ``messages``,
``problems`` and ``screen_list``, the host's sync states and the store's read functions. Never
the screens or the app (import-linter holds this), never ``sqlite3`` or ``sqlite_utils``.
"""
