"""The app's screens, one module each, and their dialogs: ``dialogs`` gathers them, one module
per family (``dialogs_form``, the frame every form shares; ``dialogs_log``, ``dialogs_person``,
``dialogs_choice``).

Owns: each screen's layout, keys and actions (``acting``: the review's and person's one-key
actions, their undo kept by ``crb_tui.tui.undo``), and the dialogs.
May import: Textual, the kernel, the rest of ``crb_tui.tui`` (the app as the screens see it
through ``app_base``, never ``app``), the host's ``AppContext`` and sync states, the engine and
the store's API. Never ``sqlite3`` or ``sqlite_utils``.
"""
