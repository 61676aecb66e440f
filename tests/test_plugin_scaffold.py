"""``crb plugins new``: the package it writes is complete, its own tests pass with pytest, and
installed (its dist-info and entry point, as pip leaves them) it is a plugin of the real crb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import Crb


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRB_")}
    env.pop("PYTEST_XDIST_WORKER", None)
    return {**env, **extra}


@pytest.fixture
def package(crb: Crb, tmp_path: Path) -> Path:
    out = crb("plugins", "new", "chat", "--dir", str(tmp_path / "work")).stdout
    target = tmp_path / "work" / "crb-chat"
    assert f"Created {target}" in out
    return target


def test_the_package_has_every_part(package: Path) -> None:
    files = sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file())
    assert files == ["README.md", "pyproject.toml", "src/crb_chat/__init__.py",
                     "tests/conftest.py", "tests/example.chat", "tests/test_plugin.py"]
    project = tomllib.loads((package / "pyproject.toml").read_text())
    assert project["project"]["name"] == "crb-chat"
    assert project["project"]["entry-points"]["crb_tui"] == {"chat": "crb_chat"}
    code = (package / "src" / "crb_chat" / "__init__.py").read_text()
    for hook in ("register_sources", "register_commands", "health_signals", "review_items"):
        assert f"def {hook}(" in code
    assert "config_schema=CONFIG_SCHEMA" in code and "ctx.checkpoint.set" in code
    assert "crb sync chat" in (package / "README.md").read_text()


def test_its_own_tests_pass_with_pytest_right_away(package: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=package, capture_output=True, text=True,
        env=_env(PYTHONPATH=str(package / "src")), timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def test_its_review_items_read_everyone_in_one_query(package: Path) -> None:
    """Trial 10 W9: the example ``review_items`` (what a plugin's author starts from) asked for
    each person's chats, a query each on every review (seconds at 100,000 people, every
    action in the app). It reads everyone's last chat at once: the same statements for 3
    people as for 60, and the same items as asking person by person."""
    import datetime as dt
    import importlib.util

    from crb_tui import Identity, Interaction, Person, Query
    from crb_tui.testing import temporary_store

    spec = importlib.util.spec_from_file_location(
        "crb_chat_scaffold", package / "src" / "crb_chat" / "__init__.py")
    assert spec is not None and spec.loader is not None
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    today = dt.date(2026, 5, 1)

    def statements(people: int) -> tuple[int, list[tuple[int, str]]]:
        with temporary_store() as store:
            for n in range(people):
                who = Identity("email", f"p{n}@x.com")
                at = dt.datetime(2026, 1 + n % 4, 1, tzinfo=dt.UTC)
                store.write([Person(f"P{n}", [who]),
                             Interaction(f"chat:{n}", "message", "in", at, who)], "chat")
            seen: list[str] = []
            store.conn.set_trace_callback(seen.append)
            items = plugin.review_items(Query(store, today), today, {"quiet_days": 60})
            store.conn.set_trace_callback(None)
            return len(seen), sorted((i.person_id, i.reason) for i in items)

    few, small = statements(3)
    many, large = statements(60)
    assert few == many, (few, many)
    # People whose last chat was 60 days or more before 1 May: on 1 January, February or March.
    assert [pid for pid, _ in large] == [n + 1 for n in range(60) if n % 4 != 3]
    assert large[0][1] == "No message in chat since 2026-01-01"


def test_installed_it_is_a_plugin_of_the_real_crb(package: Path, tmp_path: Path) -> None:
    """What ``pip install`` leaves (the dist-info with the pyproject's entry points) on the
    path, then the walk-through of docs/plugins.md: plugins, import, show, review, the command."""
    project = tomllib.loads((package / "pyproject.toml").read_text())["project"]
    site = tmp_path / "site"
    info = site / "crb_chat-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    points = "".join(f"{k} = {v}\n" for k, v in project["entry-points"]["crb_tui"].items())
    (info / "entry_points.txt").write_text(f"[crb_tui]\n{points}")
    config = tmp_path / "config.toml"
    config.write_text('[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n')
    env = _env(PYTHONPATH=f"{site}{os.pathsep}{package / 'src'}", HOME=str(tmp_path),
               CRB_DB=str(tmp_path / "crb.db"), CRB_CONFIG=str(config), CRB_TODAY="2026-11-23")

    def crb(*args: str, status: int = 0) -> str:
        result = subprocess.run([sys.executable, "-m", "crb_tui", *args], capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == status, result.stdout + result.stderr
        return result.stdout

    listed = {p["name"]: p for p in json.loads(crb("plugins", "--json"))}
    chat = listed["chat"]
    assert (chat["distribution"], chat["version"], chat["sources"]) == ("crb-chat", "0.1.0",
                                                                        ["chat"])
    assert chat["hooks"] == ["health_signals", "register_commands", "register_sources",
                             "review_items"]
    imported = crb("import", str(package / "tests" / "example.chat"), status=3)
    assert "chat" in imported and "example.chat:5" in imported
    assert "they thanked you in a chat" in crb("show", "Ann Lee")
    assert "[Quiet chat] Ann Lee: No message in chat since 2026-05-01" in crb("review")
    assert crb("chat-stats").splitlines() == ["Ann Lee: 2"]
    # Its own tests pass installed too (registered by its entry point, under its name).
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=package, capture_output=True, text=True, env={**env, "CRB_TODAY": ""}, timeout=300,
    )
    assert tests.returncode == 0 and "6 passed" in tests.stdout, tests.stdout + tests.stderr


def test_a_wrong_name_or_a_folder_in_use_is_one_line(crb: Crb, package: Path) -> None:
    bad = crb("plugins", "new", "Chat!", status=1)
    assert "plugin name 'Chat!'" in bad.stderr
    again = crb("plugins", "new", "chat", "--dir", str(package.parent), status=1)
    assert "already exists and is not empty" in again.stderr
