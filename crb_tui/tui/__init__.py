"""CRB's Textual app (part of the Face): the review, people, person, dashboard and sync screens,
their dialogs and widgets, and the one list of screens (``screen_list``). ``app`` is the app,
which loads the screens; they know it through ``app_base``, so no import goes round in a circle
(tests/test_shape.py holds this).

Owns: everything the app shows and every key it takes; the Help screen and the footer are
made from the bindings, the nav bar and ``crb --screen`` from ``screen_list``.
May import: Textual, the kernel, the host (``app_context``), the engine and the store's API
(through ``data.Gateway`` on a worker thread). Never ``sqlite3`` or ``sqlite_utils``
(import-linter and tests/test_shape.py hold this).

The database, in the store's one concurrency model (``crb_tui.store``): the screens read through
``Gateway.read`` (a read-only connection lent by a pool of a few, beside any write), write
through ``Gateway.run`` (the one writer, one call at a time), and the Sync screen's runs go
through ``Gateway.sync`` (that same writer, a batch at a time). The app opens no other
connection.
"""
