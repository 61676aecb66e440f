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


source_problems: dict[str, str] = {}
"""Plugins whose ``register_sources`` raised (or registered something that is not a
``Source``), with why: their sources are left out; every other plugin's still work."""


def sources() -> dict[str, Source]:
    """Every registered source by name (the first plugin to register a name wins). Each
    plugin's ``register_sources`` runs in its own ``try``: one that raises, or registers
    something that is not a ``Source``, is noted in ``source_problems`` and all it registered
    is left out."""
    from crb_tui.errors import user_message

    found: dict[str, Source] = {}
    source_problems.clear()  # of the plugins registered now
    for impl in pm.hook.register_sources.get_hookimpls():
        plugin_name = pm.get_name(impl.plugin) or "plugin"
        mine: list[Source] = []

        def register(source: Source, _mine: list[Source] = mine) -> None:
            if not isinstance(source, Source):
                raise TypeError(f"registered {type(source).__name__}, not a Source")
            _mine.append(source)

        try:
            impl.function(register=register)
        except Exception as exc:  # noqa: BLE001 - someone else's plugin must not break sync
            source_problems.setdefault(plugin_name, user_message(exc))
            continue
        for source in mine:
            source.plugin = plugin_name
            found.setdefault(source.name, source)
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
