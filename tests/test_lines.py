"""The lines the code keeps beside the store's (tests/test_shape.py): each part says what it
owns and may import; one clock; one control-character rule; one place that opens SQLite
connections; every ``noqa`` names a rule the linter runs (sources use the public API only:
tests/test_plugin_imports.py).
docs/architecture.md lists every line of the design and the test or contract holding it."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CRB = ROOT / "crb_tui"
PLUGINS = ROOT / "plugins"
MODULES = sorted(p for p in [*CRB.rglob("*.py"), *PLUGINS.glob("crb_*/**/*.py")]
                 if "plugin_template" not in p.parts)


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _dotted(node: ast.AST) -> str:
    """``dt.datetime.now`` for the expression it names (empty for anything else)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def test_the_modules_are_found() -> None:
    names = {_name(p) for p in MODULES}
    assert {"crb_tui/clock.py", "crb_tui/text.py", "crb_tui/store/store.py",
            "plugins/crb_mbox/__init__.py"} <= names
    assert len(names) > 150


# -- folders show the parts ------------------------------------------------------------------

PACKAGES = sorted(p.parent for p in CRB.rglob("__init__.py") if "plugin_template" not in p.parts)


def test_the_packages_are_found() -> None:
    assert {p.relative_to(ROOT).as_posix() for p in PACKAGES} >= {
        "crb_tui", "crb_tui/store", "crb_tui/engine", "crb_tui/host", "crb_tui/sdk",
        "crb_tui/cli", "crb_tui/tui", "crb_tui/tui/screens", "crb_tui/tui/widgets"}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_package_says_what_it_owns_and_may_import(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and re.search(r"^Owns: \S", doc, re.M) and re.search(r"^May import: \S", doc, re.M)


# -- one clock -------------------------------------------------------------------------------

_CLOCK_CALLS = re.compile(
    r"(^|\.)(datetime|date)\.(now|utcnow|today)$|^time\.(time|time_ns|localtime|gmtime|ctime|"
    r"asctime)$|(^|\.)getmtime$")
_CLOCK_NAMES = {"time", "time_ns", "localtime", "gmtime", "ctime", "asctime"}


def wall_clock_reads(source: str) -> list[str]:
    """Where ``source`` reads the wall clock (now, today, a file's time) by itself. Timers
    (``time.monotonic``, ``perf_counter``) are not clocks."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _CLOCK_CALLS.search(_dotted(node.func)):
            found.append(f"{node.lineno}: {_dotted(node.func)}()")
        elif (isinstance(node, ast.Call) and _dotted(node.func) == "time.strftime"
              and len(node.args) < 2):
            found.append(f"{node.lineno}: time.strftime of now")
        elif isinstance(node, ast.Attribute) and node.attr in {"st_mtime", "st_ctime",
                                                                 "st_atime"}:
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            found += [f"{node.lineno}: from time import {a.name}" for a in node.names
                      if a.name in _CLOCK_NAMES]
    return found


@pytest.mark.parametrize("source", [
    "import datetime as dt\nx = dt.datetime.now(dt.UTC)\n",
    "from datetime import date\nx = date.today()\n",
    "import datetime\nx = datetime.datetime.utcnow()\n",
    "import time\nx = time.time()\n",
    "from time import time\n",
    "import os\nx = os.stat('f').st_mtime\n",
    "import os.path\nx = os.path.getmtime('f')\n",
    "import time\nx = time.strftime('%Y')\n",
])
def test_the_clock_scan_finds_wall_clock_reads(source: str) -> None:
    assert wall_clock_reads(source)


def test_the_clock_scan_leaves_timers_and_conversions_alone() -> None:
    assert wall_clock_reads(
        "import time, datetime as dt\nt = time.monotonic()\n"
        "d = dt.date.fromisoformat('2026-01-01')\nn = clock.now_utc()\n") == []


@pytest.mark.parametrize("path", [p for p in MODULES if _name(p) != "crb_tui/clock.py"],
                         ids=_name)
def test_nothing_but_the_clock_reads_the_wall_clock(path: Path) -> None:
    """Every "now", "today" and file time comes from ``crb_tui.clock`` (which honours
    ``CRB_TODAY``); what must follow the real world asks it for ``wall_time()``."""
    assert wall_clock_reads(path.read_text(encoding="utf-8")) == []


# -- one control-character rule --------------------------------------------------------------

_RE_FUNCTIONS = {"compile", "sub", "subn", "search", "match", "fullmatch", "findall", "finditer",
                 "split"}
_CONTROL_IN_PATTERN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # a control character written in the pattern
    r"|\\x[01][0-9a-fA-F]|\\x7[fF]|\\x[89][0-9a-fA-F]|\\u00[0189][0-9a-fA-F]|\\u007[fF]"
    r"|\\[0-3][0-7]{2}|\\c"                   # or as an escape
)


def control_patterns(source: str) -> list[str]:
    """Regular expressions in ``source`` that name control characters."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and _dotted(node.func.value) == "re" and node.func.attr in _RE_FUNCTIONS
                and node.args):
            pattern = node.args[0]
            texts = [pattern.value] if isinstance(pattern, ast.Constant) else [
                v.value for v in getattr(pattern, "values", []) if isinstance(v, ast.Constant)]
            found += [f"{node.lineno}: {t[:40]!r}" for t in texts
                      if isinstance(t, str) and _CONTROL_IN_PATTERN.search(t)]
    return found


@pytest.mark.parametrize("source", [
    "import re\nC = re.compile(r'[\\x00-\\x1f]')\n",
    "import re\nC = re.compile('[\\x00-\\x08\\x7f]')\n",
    "import re\nx = re.sub(f'[{a}\\x7f-\\x9f]', '', t)\n",
    "import re\nC = re.compile(r'[\\u0080-\\u009f]')\n",
])
def test_the_control_scan_finds_control_patterns(source: str) -> None:
    assert control_patterns(source)


def test_the_control_scan_leaves_white_space_alone() -> None:
    assert control_patterns("import re\nF = re.compile(r'\\r?\\n[ \\t]*')\n") == []


@pytest.mark.parametrize("path", [p for p in MODULES if _name(p) != "crb_tui/text.py"],
                         ids=_name)
def test_only_the_text_module_names_control_characters(path: Path) -> None:
    """``crb_tui.text`` holds the one rule (``CONTROL``, ``UNSAFE``: :func:`plain` for what is
    shown, :func:`one_line` for what is stored); no other module writes its own."""
    assert control_patterns(path.read_text(encoding="utf-8")) == []


def test_the_sdks_clean_text_is_the_text_modules_rule() -> None:
    from crb_tui.sdk import calendars, mail
    from crb_tui.text import one_line

    assert mail.clean_text is calendars.clean_text is one_line


# -- one place opens connections -------------------------------------------------------------

CONNECTING = {
    "crb_tui/store/store.py": "the writer (Store.open)",
    "crb_tui/store/pool.py": "the read-only readers (Reader, ReadPool)",
    "crb_tui/store/opening.py": "the copies crb backup writes and the one kept before an upgrade",
    "crb_tui/store/state.py": "a side file a source kept before ctx.state, read-only, once",
}


def test_only_the_store_opens_sqlite_connections() -> None:
    """One writer per store and read-only readers from its pool: nothing else connects."""
    opening = {_name(p) for p in MODULES
               if re.search(r"\bsqlite3\.connect\(|import connect", p.read_text(encoding="utf-8"))}
    assert opening == set(CONNECTING)


# -- the linter's rules ----------------------------------------------------------------------

def test_every_noqa_names_a_selected_rule() -> None:
    """A ``# noqa: CODE`` for a rule ruff does not run hides nothing and says something false
    (ruff's RUF100 also reports it)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    selected = tuple(config["tool"]["ruff"]["lint"]["select"])
    ignored = set(config["tool"]["ruff"]["lint"].get("ignore", []))
    codes: dict[str, str] = {}
    for path in [*MODULES, *sorted((ROOT / "tests").rglob("*.py")),
                 *sorted((ROOT / "benchmarks").rglob("*.py"))]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for found in re.finditer(r"#\s*noqa:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)", line):
                for code in re.split(r"\s*,\s*", found.group(1)):
                    codes.setdefault(code, f"{_name(path)}:{n}")
    assert len(codes) > 5
    dead = {code: where for code, where in codes.items()
            if not code.startswith(selected) or code in ignored}
    assert dead == {}
