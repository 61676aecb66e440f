"""The host: where plugins live and run. The plugin manager and hook specifications
(``plugins``, ``hookspecs``), the source contract (``sources``: ``Source``, ``SyncContext``,
``Checkpoint``, exported from ``crb_tui``), the sync runner (``sync``) and file imports
(``importing``, ``capture`` keeps libraries' warnings out of the terminal), ``doctor``, and
``app_context``: the one object the CLI and the app build, holding the store, the config, the
clock and the loaded plugins.

May import: the kernel, the store, the engine and the SDK. Never the Face (``crb_tui.cli``,
``crb_tui.tui``) and never Textual.
"""
