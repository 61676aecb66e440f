"""The shape of the code: only the store (``crb_tui/store/``) holds SQL and knows SQLite; every
statement the rest needs is a named, documented function of it (``crb_tui.store.queries`` for
what the screens list, ``review_queries`` for the review, ``person_rows`` for the plugins'
``Query``). The Face (the CLI, the web server and the TUI) does not even touch the store's
connection. And no module grows past
``MAX_LINES``: one that does is doing several jobs, to be split along them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "crb_tui"
PLUGINS = ROOT.parent / "plugins"
FACE = sorted([*ROOT.glob("cli/**/*.py"), *ROOT.glob("tui/**/*.py")])

SQLITE_MODULES = {"sqlite3", "sqlite_utils"}
SQL = re.compile(
    r"\bselect\s.*\bfrom\b|\binsert\s+(or\s+\w+\s+)?into\b|\bupdate\s+\S+\s+set\b"
    r"|\bdelete\s+from\b|\bpragma\s+\w+|\b(create|drop|alter)\s+(table|index|trigger|view)\b",
    re.IGNORECASE | re.DOTALL,
)
DATABASE_HANDLES = {"conn", "db"}
"""The store's connection and its sqlite-utils ``Database``: the Face uses neither."""


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant, f-strings whole (each ``{...}`` as ``{}``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                for v in node.values
            )
            found.append((node.lineno, text))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def problems(source: str) -> list[str]:
    """What in ``source`` the Face must not hold: SQL in a string, an import of SQLite (under
    ``TYPE_CHECKING`` too), or a use of the store's connection."""
    tree = ast.parse(source)
    found = [f"{line}: SQL in {text[:60]!r}" for line, text in _strings(tree) if SQL.search(text)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Attribute) and node.attr in DATABASE_HANDLES:
            found.append(f"{node.lineno}: uses .{node.attr}")
            continue
        else:
            continue
        found += [f"{node.lineno}: imports {name}" for name in names
                  if name.split(".")[0] in SQLITE_MODULES]
    return found


def test_the_face_is_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in FACE}
    assert {"cli/commands.py", "cli/serve.py", "tui/data.py", "tui/widgets/people_list.py"} <= names


@pytest.mark.parametrize("path", FACE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_face_holds_no_sql(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "import sqlite3\n",
    "from sqlite_utils import Database\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sqlite_utils.db\n",
    "q = 'select 1 from people limit 1'\n",
    "q = f'select id, {cols} from [{table}] where id = ?'\n",
    "q = ('insert or ignore into ignored (kind) '\n     'values (?)')\n",
    "q = f'update [{table}] set {sets} where id = ?'\n",
    "q = 'DELETE FROM review_history WHERE id = ?'\n",
    "n = store.conn.total_changes\n",
    "rows = ctx.store.db['people'].rows\n",
])
def test_the_scan_finds_sql_and_sqlite(source: str) -> None:
    assert problems(source)


@pytest.mark.parametrize("source", [
    "'''Select a person, then update their goals.'''\n",
    "label = 'Update your cadence, or select someone'\n",
    "items = self.query(Input)\n",
])
def test_the_scan_leaves_words_alone(source: str) -> None:
    assert problems(source) == []


CORE = sorted(p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] != "store")
def _runs_or_imports_sql(source: str) -> list[str]:
    """SQL in a string, an import of SQLite, or a statement run (``.execute(``...)."""
    found = [p for p in problems(source) if not p.endswith(("uses .db", "uses .conn"))]
    return found + [f"{n}: runs {line.strip()[:60]!r}"
                    for n, line in enumerate(source.splitlines(), 1)
                    if re.search(r"\.(execute|executemany|executescript)\(", line)]


def test_the_core_is_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in CORE}
    assert {"query.py", "testing.py", "engine/review.py", "host/doctor.py",
            "cli/commands.py"} <= names
    assert not any(name.startswith("store/") for name in names)
    assert {"engine/health.py", "engine/health_value.py", "engine/health_explain.py"} <= names


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_only_the_store_holds_sql(path: Path) -> None:
    """Every SQL statement is a named function of ``crb_tui.store`` (the engine, the host, the
    plugins' ``Query`` and ``crb_tui.testing`` call them): none is written, nor SQLite
    imported, anywhere else."""
    assert _runs_or_imports_sql(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "rows = store.conn.execute(sql)\n",
    "store.db.executemany(statement, rows)\n",
])
def test_the_core_scan_finds_statements_run(source: str) -> None:
    assert _runs_or_imports_sql(source)


MAX_LINES = 600
"""The longest a module of CRB (``crb_tui/``, ``plugins/``) may be."""


def test_no_module_is_over_600_lines() -> None:
    modules = sorted([*ROOT.rglob("*.py"), *PLUGINS.rglob("*.py")])
    assert len(modules) > 100
    too_long = {
        path.relative_to(ROOT.parent).as_posix(): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


PACKAGES = ("crb_tui", "crb_csv", "crb_contacts", "crb_mbox", "crb_ics", "crb_caldav", "crb_google",
            "crb_imap", "crb_outlook")


def _modules_in_cycles(*packages: str) -> set[str]:
    """Every module of ``packages`` that imports (directly) a module of theirs which imports
    it back, however indirectly, even only for a type or inside a function."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph(*packages, cache_dir=None)  # (a cache can lag behind an edit)
    return {
        importer
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.split(".")[0] in packages
        and graph.chain_exists(importer=imported, imported=importer)
    }


def test_no_import_cycle() -> None:
    """No module of CRB or its plugins is in an import cycle (the app's screens know the app
    through ``tui.app_base``; the CLI's commands share ``cli.group``; the batch writer is handed
    its store as a ``store.write_result.WriteTarget`` and never imports the ``Store``)."""
    assert {p.parent.name for p in PLUGINS.glob("crb_*/__init__.py")} <= set(PACKAGES)
    assert _modules_in_cycles(*PACKAGES) == set()


def test_the_cycle_check_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above sees a cycle made only of a lazy import and a type-only one."""
    package = tmp_path / "crb_cycle_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from crb_cycle_probe import b\n    return b\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                  "    from crb_cycle_probe import a\n")
    (package / "c.py").write_text("from crb_cycle_probe import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _modules_in_cycles("crb_cycle_probe") == {"crb_cycle_probe.a", "crb_cycle_probe.b"}


PLUGIN_MODULES = sorted(PLUGINS.glob("crb_*/**/*.py"))


def test_the_plugins_are_found() -> None:
    names = {p.parent.name for p in PLUGIN_MODULES}
    assert names == {"crb_caldav", "crb_contacts", "crb_csv", "crb_google", "crb_ics", "crb_imap",
                     "crb_mbox", "crb_outlook"}


@pytest.mark.parametrize("path", PLUGIN_MODULES,
                         ids=lambda p: p.relative_to(ROOT.parent).as_posix())
def test_the_built_in_plugins_hold_no_sql(path: Path) -> None:
    """A source keeps what it must remember in ``ctx.state``, never in SQLite of its own."""
    source = path.read_text(encoding="utf-8")
    found = problems(source)
    found += [f"{n}: runs {line.strip()[:60]!r}" for n, line in enumerate(source.splitlines(), 1)
              if re.search(r"\.(execute|executemany|executescript)\(", line)]
    assert found == []


def test_every_table_is_listed_once() -> None:
    """``crb_tui.store.tables`` is the one list of tables: each table of a new database is in
    ``TABLES`` or (derived, or not the user's data) in ``NOT_LISTED``, never both; the others
    are SQLite's and the full-text indexes'."""
    from crb_tui.store import Store, tables

    store = Store.open(None)
    try:
        schema = {name for (name,) in store.conn.execute(
            "select name from sqlite_master where type = 'table'")}
    finally:
        store.close()
    own = {name for name in schema
           if not name.startswith(("sqlite_", "_sqlite_")) and "_fts" not in name}
    listed = {t.name for t in tables.TABLES}
    assert not listed & set(tables.NOT_LISTED)
    assert own == listed | set(tables.NOT_LISTED)
    assert set(tables.PEOPLES_OWN) <= listed and set(tables.COUNTED) <= listed

