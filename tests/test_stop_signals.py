"""Signals through the real ``crb`` console script, in a process of its own: SIGTERM and SIGHUP
stop an import as Ctrl-C does (what was stored is counted and the run recorded), and a Ctrl-C
at any moment, the first imports included, is one line and exit status 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, rows

CRB = Path(sys.executable).with_name("crb")
MESSAGES = 20_000


@pytest.fixture(scope="module")
def big_mbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated Takeout-style mbox (benchmarks/import_bench.py) that takes seconds to read."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from import_bench import build_mbox
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    path = tmp_path_factory.mktemp("mail") / "big.mbox"
    build_mbox(path, MESSAGES, seed=1)
    return path


def crb_process(db: Path, config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(CRB), "--db", str(db), "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ.copy())


def stored_touches(db: Path) -> int:
    try:
        return rows(db, "select count(*) from interactions")[0][0]
    except Exception:  # noqa: BLE001 - not created (or not migrated) yet
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_terminating_signal_stops_an_import_as_ctrl_c_does(
    sig: signal.Signals, big_mbox: Path, db_path: Path, config_file: Path
) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + '[identity]\ncreate_people_from = "any"\n', encoding="utf-8")
    proc = crb_process(db_path, config_file, "import", str(big_mbox))
    deadline = time.monotonic() + 60
    while stored_touches(db_path) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert out.startswith("mbox: interrupted\n  seen ")
    assert err.strip().endswith("Interrupted: what is counted above is stored.")
    assert "Traceback" not in err
    (state,) = rows(db_path, "select counts, last_ok from sync_state where source = 'mbox'")
    counts = json.loads(state[0])
    assert counts["status"] == "interrupted" and state[1] is None
    assert 0 < counts["seen"] < MESSAGES
    # Every touch stored is counted (with "any", every address is a person: none wait).
    assert stored_touches(db_path) == counts["imported"] > 0
    assert f"  seen {counts['seen']}, imported {counts['imported']}," in out


@pytest.mark.parametrize(("command", "after"), [
    ("people", "click"), ("people", "crb_tui.config"), ("people", "crb_tui.cli.acting"),
    ("no-such-command", "crb_contacts.vcard"),  # while the plugins are searched for it
])
def test_ctrl_c_while_crb_is_still_loading_is_one_line_and_130(
    command: str, after: str, db_path: Path, config_file: Path
) -> None:
    """Ctrl-C in the first ~0.3 s, while Python is importing CRB's modules, was a 15-line
    traceback. Python's import-time report says when a module is loaded: SIGINT is sent then."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.Popen([str(CRB), "--db", str(db_path), "--config", str(config_file),
                             command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("import time:") and line.split("|")[-1].strip() == after:
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=60)
    said = [line for line in err.splitlines() if not line.startswith("import time:")]
    assert (proc.returncode, said, out) == (130, ["crb: interrupted"], "")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["HUP", "TERM", "q", "terminal closed"])
def test_the_app_ended_during_a_sync_records_the_run(
    how: str, big_mbox: Path, db_path: Path, config_file: Path
) -> None:
    """The app in a real terminal, syncing a large mailbox, ended by SIGHUP (the SSH session
    gone), SIGTERM, `q`, or its terminal closed: the sync stops after its batch and its run is
    recorded with what it stored. Before, a signal killed it on the spot: the Sync screen and
    `crb sync --status` said "never run" over thousands of stored touches."""
    import pty

    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + f'[identity]\ncreate_people_from = "any"\n'
                           f'[sources.mbox]\npaths = ["{big_mbox}"]\n', encoding="utf-8")
    main, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen([str(CRB), "--db", str(db_path), "--config", str(config_file),
                             "--screen", "sync"], stdin=terminal, stdout=terminal,
                            stderr=terminal, env=env, start_new_session=True)
    os.close(terminal)
    shown = bytearray()

    def read_for(seconds: float) -> None:
        import select

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], 0.05)
            if ready:
                try:
                    shown.extend(os.read(main, 65536))
                except OSError:
                    return

    try:
        deadline = time.monotonic() + 60
        while b"Sync all" not in shown and time.monotonic() < deadline:
            read_for(0.2)
        os.write(main, b"a")  # Sync all: the mailbox is the one source configured
        while stored_touches(db_path) == 0 and time.monotonic() < deadline:
            read_for(0.1)
        assert stored_touches(db_path) > 0, bytes(shown[-2000:])
        if how == "q":
            os.write(main, b"q")
        elif how == "terminal closed":
            os.close(main)
            main = -1
            proc.send_signal(signal.SIGHUP)  # (what the kernel sends the session's leader)
        else:
            proc.send_signal(getattr(signal, f"SIG{how}"))
        while proc.poll() is None and time.monotonic() < deadline:
            if main >= 0:
                read_for(0.1)
            else:
                time.sleep(0.1)
        assert proc.returncode == (0 if how == "q" else 130)
    finally:
        if proc.poll() is None:
            proc.kill()
        if main >= 0:
            os.close(main)
    (state,) = rows(db_path, "select counts, last_ok from sync_state where source = 'mbox'")
    counts = json.loads(state[0])
    assert counts["status"] == "cancelled" and state[1] is None
    assert 0 < counts["seen"] < MESSAGES
    assert stored_touches(db_path) == counts["imported"] > 0
    assert b"Traceback" not in shown


def test_after_a_stop_signal_the_app_ends_once_the_sync_has_stored_its_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config_file: Path
) -> None:
    """Trial 15 F0: with its terminal gone, Textual's own ending sometimes waited for ever on
    output nobody reads (4 of 16 closed SSH sessions left the app hung, the database open).
    After SIGTERM or SIGHUP the app ends by itself: once no sync runs (the batch and the run
    are stored), and a grace for Textual to end first."""
    import threading

    import crb_tui.tui.app as app_module
    from crb_tui.host.app_context import AppContext
    from crb_tui.tui.app import CrbApp

    ended: list[int] = []
    monkeypatch.setattr(app_module, "ENDING_GRACE", 0.05)
    monkeypatch.setattr(app_module.os, "_exit", ended.append)
    context = AppContext(db_path=tmp_path / "crb.db", config_path=config_file)
    try:
        app = CrbApp(context)
        app.gateway.syncing = 1
        watchdog = threading.Thread(target=app._end_anyway)
        watchdog.start()
        watchdog.join(0.5)
        assert watchdog.is_alive() and ended == []  # the sync still storing its batch
        app.gateway.syncing = 0
        watchdog.join(10)
        assert ended == [130]
    finally:
        context.close()
