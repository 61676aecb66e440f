"""The plugin manager: loads entry-point plugins once, single-file plugins from a folder, and
collects what they register."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from crb_tui.errors import CrbError, user_message
from crb_tui.hooks import BUILTIN_DISTRIBUTION, ENTRY_POINT_GROUP, pm, source_problems, sources

__all__ = ["describe", "load", "pm", "source_problems", "sources"]

_loaded_entry_points = False
_loaded_dirs: set[Path] = set()


def _allowed() -> set[str] | None:
    """Names from ``CRB_LOAD_PLUGINS`` (comma separated), or None when it is unset."""
    value = os.environ.get("CRB_LOAD_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def load_entry_points() -> None:
    """Load plugins from the ``crb_tui`` entry-point group, once per process.

    ``CRB_LOAD_PLUGINS`` restricts which load (by entry-point or distribution name; empty loads
    none). Under the test suite (``sys._called_from_test``) only CRB's own built-in plugins load
    unless ``CRB_LOAD_PLUGINS`` says otherwise, so a developer's installed plugins never leak in.
    """
    global _loaded_entry_points
    if _loaded_entry_points:
        return
    _loaded_entry_points = True
    allowed = _allowed()
    testing = getattr(sys, "_called_from_test", False)
    import importlib.metadata  # here, not at the top: it costs the app's start-up 10 ms

    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else ""
        _known.update(name for name in (ep.name, dist) if name)
        if allowed is not None:
            if ep.name not in allowed and dist not in allowed:
                continue
        elif testing and dist != BUILTIN_DISTRIBUTION:
            continue
        if pm.get_plugin(ep.name) is not None or ep.name in load_problems:
            continue
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break crb
            # (a dependency gone missing after an upgrade is the usual way a plugin breaks)
            load_problems[ep.name] = user_message(exc)
            continue
        _dists[ep.name] = (dist, ep.dist.version if ep.dist else "")


load_problems: dict[str, str] = {}
"""Plugins that could not be loaded (an entry point's name, a ``plugins_dir`` file's path),
with why: they are left out, each said once in a warning, ``crb plugins`` lists them and
``crb doctor`` fails on them; every other plugin and command still works."""


_dists: dict[str, tuple[str, str]] = {}
_known: set[str] = set()
"""Every plugin name ``CRB_LOAD_PLUGINS`` could give, loaded or not (entry points and their
distributions, ``plugins_dir`` files)."""


def unknown_wanted() -> list[str]:
    """The names in ``CRB_LOAD_PLUGINS`` that no installed plugin has (a misspelling loads
    nothing, silently, otherwise)."""
    allowed = _allowed()
    return sorted(allowed - _known) if allowed else []


def known_names() -> list[str]:
    """The plugin names ``CRB_LOAD_PLUGINS`` can give."""
    return sorted(_known)


def load_plugins_dir(path: Path | None) -> None:
    """Load every ``*.py`` file in ``path`` as a single-file plugin (once per folder)."""
    if path is None:
        return
    path = Path(path).expanduser()
    if path in _loaded_dirs:
        return
    _loaded_dirs.add(path)
    if not path.is_dir():
        raise CrbError(f"plugins_dir {path} is not a folder")
    allowed = _allowed()
    for file in sorted(path.glob("*.py")):
        name = f"crb_local_{file.stem}"
        _known.update((file.stem, name))
        if allowed is not None and file.stem not in allowed and name not in allowed:
            continue
        if pm.get_plugin(name) is not None:
            continue
        import importlib.util

        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            pm.register(module, name=name)
        except Exception as exc:  # noqa: BLE001 - one broken file must not keep out the rest
            load_problems[str(file)] = user_message(exc)
            continue
        _dists[name] = (str(file), "")


def load(plugins_dir: Path | None = None) -> pluggy.PluginManager:
    load_entry_points()
    load_plugins_dir(plugins_dir)
    return pm


command_problems: dict[str, str] = {}
"""Plugins whose ``register_commands`` raised, with why: their commands are left out (a
warning says so once, ``crb doctor`` as a failed check); every other command still works."""
_reported: set[tuple[str, str]] = set()
_command_plugins: dict[str, str] = {}


def commands() -> list[Any]:
    """Every plugin's commands, each plugin's ``register_commands`` in its own try (in the
    order pluggy calls them: the plugin registered last first)."""
    found: list[Any] = []
    command_problems.clear()  # of the plugins registered now, as sources() does
    for impl in reversed(pm.hook.register_commands.get_hookimpls()):
        plugin = pm.get_name(impl.plugin) or "plugin"
        mine: list[Any] = []
        try:
            impl.function(register=mine.append)
        except Exception as exc:  # noqa: BLE001 - someone else's plugin must not break crb
            command_problems.setdefault(plugin, user_message(exc))
            continue
        for command in mine:
            if command.name and _dists.get(plugin, ("",))[0] != BUILTIN_DISTRIBUTION:
                _command_plugins.setdefault(command.name, plugin)
        found.extend(mine)
    return found


def unreported_load_problems() -> list[str]:
    """The warning line of each plugin that failed to load, not yet shown in this process."""
    lines = [f"plugin {plugin} failed to load: {why} (its hooks and commands are "
             "left out)" for plugin, why in load_problems.items()
             if ("load", plugin) not in _reported]
    _reported.update(("load", plugin) for plugin in load_problems)
    return lines


def unreported_command_problems() -> list[str]:
    """The warning line of each failed ``register_commands`` not yet shown in this process."""
    return _unreported("register_commands", command_problems, "commands")


def unreported_source_problems() -> list[str]:
    """The warning line of each failed ``register_sources`` not yet shown in this process."""
    return _unreported("register_sources", source_problems, "sources")


def _unreported(hook: str, problems: dict[str, str], what: str) -> list[str]:
    lines = [f"plugin {plugin}: {hook_problem(hook, why, what)}"
             for plugin, why in problems.items() if (hook, plugin) not in _reported]
    _reported.update((hook, plugin) for plugin in problems)
    return lines


def hook_problem(hook: str, why: str, what: str) -> str:
    """How a failed ``register_sources`` or ``register_commands`` is said, in the warning,
    ``crb plugins`` and ``crb doctor`` alike."""
    return f"{hook} failed ({why}); its {what} are left out"


def command_plugin(name: str | None) -> str | None:
    """The third-party plugin that registered the top-level command ``name`` (None for CRB's
    own commands and its built-in plugins')."""
    return _command_plugins.get(name or "")


@dataclass
class PluginInfo:
    name: str
    version: str
    distribution: str
    hooks: list[str]
    sources: list[str] = field(default_factory=list)
    error: str | None = None
    """Why its ``register_sources`` or ``register_commands`` failed (what is left out), as
    ``crb doctor`` says it; None when both worked."""


def describe() -> list[PluginInfo]:
    """What ``crb plugins`` shows: every plugin with its version, hooks, sources and what of
    it failed."""
    by_plugin: dict[str, list[str]] = {}
    for source in sources().values():
        by_plugin.setdefault(source.plugin, []).append(source.name)
    commands()  # fills command_problems for the plugins registered now
    failed: dict[str, list[str]] = {}
    for hook, problems, what in (("register_sources", source_problems, "sources"),
                                 ("register_commands", command_problems, "commands")):
        for name, why in problems.items():
            failed.setdefault(name, []).append(hook_problem(hook, why, what))
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None or name.startswith("_"):
            continue
        dist, version = _dists.get(name, ("", ""))
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        infos.append(
            PluginInfo(
                name=name,
                version=version or getattr(plugin, "__version__", ""),
                distribution=dist,
                hooks=hooks,
                sources=sorted(by_plugin.get(name, [])),
                error="; ".join(failed[name]) if name in failed else None,
            )
        )
    return sorted(infos, key=lambda p: p.name)
