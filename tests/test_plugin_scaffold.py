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
