"""The built-in plugins are written as a third party would write one: they import ``crb_tui``
(records, sources, hooks) and ``crb_tui.sdk`` and its public modules, and from each only the names
in its ``__all__``, nothing else of CRB. The import-linter contract for sources forbids every other
module of CRB."""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import crb_tui
import crb_tui.sdk

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
CRB = ROOT / "crb_tui"
SDK_MODULES = {f"crb_tui.sdk.{p.stem}" for p in (CRB / "sdk").glob("*.py")
               if not p.name.startswith("_")}
ALLOWED = {"crb_tui", "crb_tui.sdk", *SDK_MODULES}


def _crb_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crb_tui"):
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.startswith("crb_tui")]
    return found


def test_the_sdks_modules_are_found() -> None:
    assert {"crb_tui.sdk.mail", "crb_tui.sdk.calendars", "crb_tui.sdk.tabular",
            "crb_tui.sdk.tokens", "crb_tui.sdk.http"} <= SDK_MODULES


def test_plugins_import_only_the_public_api() -> None:
    files = sorted(PLUGINS.rglob("*.py"))
    assert len(files) > 10
    wrong = []
    for path in files:
        for line, module, names in _crb_imports(path):
            if module not in ALLOWED:
                wrong.append(f"{path.relative_to(PLUGINS)}:{line}: {module}")
                continue
            public = set(importlib.import_module(module).__all__)
            wrong += [f"{path.relative_to(PLUGINS)}:{line}: {name} from {module}"
                      for name in names if name not in public and f"{module}.{name}" not in ALLOWED]
    assert wrong == []


def test_the_sdk_exports_what_it_lists() -> None:
    for name in crb_tui.sdk.__all__:
        assert getattr(crb_tui.sdk, name) is not None
    for module in SDK_MODULES:
        loaded = importlib.import_module(module)
        assert all(hasattr(loaded, name) for name in loaded.__all__), module


def test_the_sources_contract_forbids_the_rest_of_crb() -> None:
    """pyproject.toml's import-linter contract for sources forbids every module of crb_tui but
    the public ones: a module added to CRB is forbidden to sources from its first day."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"]
                   if c["name"].startswith("Sources use the public API only")]
    forbidden = set(contract["forbidden_modules"])
    every = {f"crb_tui.{p.stem}" for p in CRB.glob("*.py") if p.name != "__init__.py"}
    every |= {f"crb_tui.{p.parent.name}" for p in CRB.glob("*/__init__.py")}
    every |= {f"crb_tui.sdk.{p.stem}" for p in (CRB / "sdk").glob("_*.py")
              if p.name != "__init__.py"}
    assert forbidden >= every - ALLOWED
    assert not forbidden & ALLOWED
