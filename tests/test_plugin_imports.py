"""The built-in plugins are written as a third party would write one: they import ``crb_tui``
(records, sources, hooks) and ``crb_tui.sdk`` and its modules, nothing else of CRB."""

from __future__ import annotations

import ast
from pathlib import Path

import crb_tui
import crb_tui.sdk

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
ALLOWED = {"crb_tui", "crb_tui.sdk", "crb_tui.sdk.mail", "crb_tui.sdk.calendars",
           "crb_tui.sdk.tabular", "crb_tui.sdk.tokens", "crb_tui.sdk.http"}


def _crb_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crb_tui"):
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.startswith("crb_tui")]
    return found


def test_plugins_import_only_the_public_api() -> None:
    files = sorted(PLUGINS.rglob("*.py"))
    assert len(files) > 10
    wrong = []
    for path in files:
        for line, module, names in _crb_imports(path):
            public = set(crb_tui.__all__) | {"sdk"} if module == "crb_tui" else None
            if module not in ALLOWED or (public is not None and set(names) - public):
                wrong.append(f"{path.relative_to(PLUGINS)}:{line}: {module} {names}")
    assert wrong == []


def test_the_sdk_exports_what_it_lists() -> None:
    for name in crb_tui.sdk.__all__:
        assert getattr(crb_tui.sdk, name) is not None
    for module in ("mail", "calendars", "tabular", "tokens", "http"):
        __import__(f"crb_tui.sdk.{module}")
