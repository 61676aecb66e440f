"""A third party's plugin whose commands fail: installed as ``pip install`` leaves it (an
entry point), run through the real ``crb`` in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_PLUGIN = '''
import os
import click
from crb_tui import hookimpl

@hookimpl
def register_commands(register):
    if os.environ.get("TRIAL_RAISE") == "register":
        raise RuntimeError("trialplug boom in register")

    @click.command(name="trial-hello")
    def hello():
        if os.environ.get("TRIAL_RAISE") == "command":
            raise RuntimeError("trialplug boom in command")
        click.echo("hello from trialplug")
    register(hello)
'''


def _crb(tmp_path: Path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    site.mkdir()
    (site / "crb_trialplug.py").write_text(_PLUGIN)
    info = site / "crb_trialplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crb-trialplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[crb_tui]\ntrialplug = crb_trialplug\n")
    config = tmp_path / "c.toml"
    config.write_text('[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n')
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(site),
            "CRB_TODAY": "2026-11-23", "CRB_DB": str(tmp_path / "x.db"),
            "CRB_CONFIG": str(config)}

    def crb(*args: str, raising: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crb_tui", *args], capture_output=True,
                              text=True, env={**base, "TRIAL_RAISE": raising})

    return crb


def test_a_plugin_whose_register_commands_raises_leaves_the_rest_of_crb_working(
    tmp_path: Path,
) -> None:
    crb = _crb(tmp_path)
    assert crb("trial-hello").stdout.strip() == "hello from trialplug"
    helped = crb("--help", raising="register")
    assert helped.returncode == 0 and "Traceback" not in helped.stderr
    assert "auth" in helped.stdout and "review" in helped.stdout  # built-in plugins' too
    assert helped.stderr.strip().splitlines() == [
        "crb: warning: plugin trialplug: register_commands failed (trialplug boom in register);"
        " its commands are left out"
    ]
    assert crb("auth", "--help", raising="register").returncode == 0
    unknown = crb("nosuch", raising="register")
    assert unknown.returncode == 1 and "No such command" in unknown.stderr
    doctor = crb("doctor", raising="register")
    assert "plugin trialplug" in doctor.stdout and "trialplug boom in register" in doctor.stdout


def test_a_plugin_command_that_raises_is_reported_naming_the_plugin(tmp_path: Path) -> None:
    result = _crb(tmp_path)("trial-hello", raising="command")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "crb: error: plugin trialplug: its command trial-hello failed: trialplug boom in "
        "command (a bug in that plugin; run with --debug)"
    ]
