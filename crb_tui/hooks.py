"""The plugin manager every part calls hooks through. The host fills it (``crb_tui.host.plugins``
loads entry points and ``plugins_dir`` files); the engine asks it for ``health_signals`` and
``review_items``, the host for sources and commands. Part of the kernel, so the engine needs
nothing of the host to call a hook."""

from __future__ import annotations

import pluggy

from crb_tui import hookspecs
from crb_tui.sources import Source

ENTRY_POINT_GROUP = "crb_tui"
"""The entry-point group plugins register under (``[project.entry-points.crb_tui]``)."""
BUILTIN_DISTRIBUTION = "crb-tui"
"""The distribution of CRB's own plugins."""

pm = pluggy.PluginManager("crb_tui")
pm.add_hookspecs(hookspecs)


def sources() -> dict[str, Source]:
    """Every registered source by name (the first plugin to register a name wins)."""
    found: dict[str, Source] = {}
    for impl in pm.hook.register_sources.get_hookimpls():
        plugin_name = pm.get_name(impl.plugin) or ""

        def register(source: Source, _plugin: str = plugin_name) -> None:
            source.plugin = _plugin
            found.setdefault(source.name, source)

        impl.function(register=register)
    return found
