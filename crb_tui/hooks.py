"""The plugin manager every part calls hooks through. The host fills it (``crb_tui.host.plugins``
loads entry points and ``plugins_dir`` files); the engine asks it for ``health_signals`` and
``review_items``, the host for sources and commands. Part of the kernel, so the engine needs
nothing of the host to call a hook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from crb_tui import hookspecs
from crb_tui.sources import Source

if TYPE_CHECKING:
    from crb_tui.config import Config

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


def plugin_settings(config: Config, plugin: str) -> dict[str, Any]:
    """A plugin's own settings, as its ``health_signals`` and ``review_items`` get them: the
    settings of every source it registers (``[sources.NAME]`` over the schema's defaults), in
    one dict (sources in name order, a later one's key winning)."""
    from crb_tui.config import source_config

    merged: dict[str, Any] = {}
    for name, source in sorted(sources().items()):
        if source.plugin == plugin:
            merged.update(source_config(config, name, source.config_schema))
    return merged
