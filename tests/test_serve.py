"""``crb serve``: the app in a real browser, on the database and config it was given, answering
only on localhost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crb_tui.cli.serve import app_command, is_local
from crb_tui.host.app_context import AppContext
from tests.browser import chromium, chromium_path
from tests.conftest import Crb


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True), ("::1", True),
        ("[::1]", True), ("LOCALHOST.", True), ("0.0.0.0", False), ("::", False),
        ("192.168.1.5", False), ("example.com", False), ("", False),
    ],
)
def test_only_loopback_counts_as_local(host: str, local: bool) -> None:
    assert is_local(host) is local


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "myhost.example.com"])
def test_a_reachable_host_is_refused_without_the_flag(crb: Crb, host: str) -> None:
    result = crb("serve", "--host", host, ok=False)
    assert result.exit_code == 1
    assert f"--host {host} would let anyone" in result.stderr
    assert "--allow-remote" in result.stderr


def test_a_bad_database_or_config_is_one_line_before_serving(crb: Crb, tmp_path: Path) -> None:
    crb.db.write_text("not a database", encoding="utf-8")
    result = crb("serve", "--port", str(free_port()), ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("crb: error:") and "not a SQLite database" in result.stderr
    assert "Serving" not in result.stdout
    crb.db, crb.config = tmp_path / "fine.db", tmp_path / "missing.toml"
    result = crb("serve", "--port", str(free_port()), ok=False)
    assert result.exit_code == 1 and "missing.toml does not exist" in result.stderr


def test_the_flag_serves_elsewhere_with_a_loud_warning(crb: Crb) -> None:
    crb.db.write_text("not a database", encoding="utf-8")  # stops it before it listens
    result = crb("serve", "--host", "0.0.0.0", "--allow-remote", ok=False)
    assert "crb: warning: serving on 0.0.0.0:8000: anyone who can reach it" in result.stderr
    assert "not a SQLite database" in result.stderr


def test_a_port_in_use_is_one_line(crb: Crb) -> None:
    crb("demo")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "crb_tui", "--db", str(crb.db), "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=30,
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"crb: error: cannot listen on 127.0.0.1:{port}:")
    assert "address already in use" in result.stderr


def test_each_tab_runs_crb_on_the_same_database_and_config(tmp_path: Path) -> None:
    folder = tmp_path / "with space"
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text("[me]\n", encoding="utf-8")
    app = AppContext(db_path=folder / "my crb.db", config_path=config)
    args = shlex.split(app_command(app, "people"))
    assert args[:3] == [sys.executable, "-m", "crb_tui"]
    assert args[3:] == [
        "--db", str(folder / "my crb.db"), "--config", str(config), "--screen", "people",
    ]


def test_without_a_config_file_the_tab_uses_the_same_default(tmp_path: Path) -> None:
    app = AppContext(db_path=tmp_path / "crb.db")
    args = shlex.split(app_command(app, None))
    assert "--config" not in args and "--screen" not in args
    assert args[-2:] == ["--db", str(tmp_path / "crb.db")]


# -- a real server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(crb: Crb, tmp_path: Path) -> Iterator[str]:
    """``crb serve`` on a free port of 127.0.0.1, on a demo database; its URL."""
    crb("demo")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crb_tui", "--db", str(crb.db), "--config", str(crb.config),
             "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"crb serve did not start:\n{log.read_text()}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()  # textual-serve ends each tab's app as it shuts down
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything of this server's still running
        proc.wait()


def test_the_server_answers_only_its_own_pages_on_localhost(served: str) -> None:
    port = served.rsplit(":", 1)[1]
    page = httpx.get(served + "/", headers={"Host": "localhost:9000"})
    assert page.status_code == 200
    # Through `ssh -L 9000:localhost:PORT` the page must reach the app on the browser's side.
    assert 'data-session-websocket-url="ws://localhost:9000/ws"' in page.text
    # The page asks nothing of another server: its font comes from CRB.
    assert "googleapis" not in page.text and "https://" not in page.text
    font = page.text.split('src:url("', 1)[1].split('"', 1)[0]
    assert httpx.get(served + font).content[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    # Another name for 127.0.0.1 (a site rebinding its name to attack the app): refused.
    rebound = httpx.get(served + "/", headers={"Host": f"attacker.example:{port}"})
    assert rebound.status_code == 403
    # Another site's page in the same browser opening the app's websocket: refused.
    foreign = httpx.get(served + "/ws", headers={"Origin": "http://attacker.example"})
    assert foreign.status_code == 403


def test_a_browser_shows_the_review_and_a_key_changes_the_screen(
    served: str, crb: Crb, tmp_path: Path
) -> None:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs it with apt-get")
        pytest.skip("chromium is not installed and could not be (`make test` installs it)")
    people = crb.json("people", "--all")["count"]  # type: ignore[index]

    async def walk() -> tuple[str, str]:
        async with chromium(tmp_path / "chromium") as page:
            await page.open(served + "/")
            review = await page.wait_for_text("item 1 of")
            await page.press("2")
            return review, await page.wait_for_text("type to filter")

    review, people_screen = asyncio.run(asyncio.wait_for(walk(), 60))
    assert "1 Review" in review and "done" in review
    assert f"{people} people" in people_screen  # the served app reads the database it was given
