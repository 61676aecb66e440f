"""The host: where plugins are found and run. Loading them (``plugins``: entry points and
``plugins_dir`` files, into the kernel's ``crb_tui.hooks`` manager), the sync runner
(``sync``) and file imports (``importing``; ``capture`` keeps libraries' warnings out of the
terminal), ``doctor``, and ``app_context``: the one object the CLI and the app build, holding
the store, the config, the clock and the loaded plugins.

Owns: which plugins are loaded and how each hook is called, a sync run from its lock to its
summary, and what an import does with a file.
May import: the kernel, the store, the engine and the SDK. Never the Face (``crb_tui.cli``,
``crb_tui.tui``) and never Textual.
"""
