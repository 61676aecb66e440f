"""Writing beside a large import: how long a write waits for the database's write lock while
``crb import`` of a large mbox runs in another process, and how long ``crb log`` takes then
against alone, in the same run on the same machine. Prints JSON.

    python benchmarks/lock_bench.py                    # 50,000 messages
    python benchmarks/lock_bench.py --messages 10000   # quick

Figures:

- ``lock_wait_ms``: a probe process takes the write lock (``store.transaction()``, one small
  write) every 0.2 s while the import runs: median, 90th percentile and longest wait;
- ``crb_log_s``: wall time of ``crb log`` (a whole process: start, write, health refresh)
  during the import and alone afterwards (median);
- ``failures``: writes or commands that failed (must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import ME, TODAY, build_mbox


def command(db: Path, config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crb_tui", "--db", str(db), "--config", str(config), *args]


def environment(db: Path) -> dict[str, str]:
    # The user's own config and plugins stay out of the figures.
    return {**os.environ, "CRB_TODAY": TODAY, "XDG_CONFIG_HOME": str(db.parent / "xdg")}


def crb(db: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(db, config, *args), capture_output=True, text=True,
                          env=environment(db))


def start_import(db: Path, config: Path, mbox: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(command(db, config, "import", str(mbox), "--json"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment(db))


def probe(db: Path, running: subprocess.Popen[str]) -> tuple[list[float], int]:
    from crb_tui.store import Store

    store = Store.open(db)
    waits: list[float] = []
    failures = 0
    n = 0
    while running.poll() is None:
        n += 1
        started = time.perf_counter()
        try:
            with store.transaction():
                store.conn.execute("insert or ignore into ignored (kind, value, reason, created) "
                                   "values ('email', ?, 'bench', '')", [f"probe{n}@bench"])
            waits.append(time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - counted: the figure that must stay 0
            failures += 1
        time.sleep(0.2)
    store.close()
    return waits, failures


def logs(db: Path, config: Path, count: int) -> tuple[list[float], int]:
    times, failures = [], 0
    for _ in range(count):
        started = time.perf_counter()
        if crb(db, config, "log", "p1@example.org", "--kind", "call").returncode != 0:
            failures += 1
        times.append(time.perf_counter() - started)
    return times, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "config.toml"
        config.write_text(f'[me]\nemails = ["{ME}"]\ntimezone = "UTC"\n', encoding="utf-8")
        db = work / "crb.db"
        seed = work / "seed.mbox"
        seed.write_text(f"From x Mon Jan  5 10:00:00 2026\nFrom: {ME}\nTo: P <p1@example.org>\n"
                        "Date: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <seed@x>\n\nhi\n\n",
                        encoding="utf-8")
        assert crb(db, config, "import", str(seed)).returncode == 0
        mbox = work / "mail.mbox"
        build_mbox(mbox, args.messages, args.seed)
        started = time.perf_counter()
        importing = start_import(db, config, mbox)
        waits, probe_failures = probe(db, importing)
        out, err = importing.communicate()
        import_s = time.perf_counter() - started
        importing_ok = importing.returncode == 0
        # crb log during a second import of the same size (new Message-IDs: real writes)
        second = work / "mail2.mbox"
        second.write_bytes(mbox.read_bytes().replace(b"@mail.example>", b"@mail2.example>"))
        importing = start_import(db, config, second)
        during: list[float] = []
        log_failures = 0
        while importing.poll() is None:
            times, failed = logs(db, config, 1)
            during += times
            log_failures += failed
        importing.communicate()
        importing_ok = importing_ok and importing.returncode == 0
        alone, failed = logs(db, config, max(3, min(10, len(during))))
        log_failures += failed
        conn = sqlite3.connect(db)
        stored = conn.execute("select count(*) from interactions where source = 'mbox'"
                              ).fetchone()[0]
        conn.close()
    waits_ms = sorted(w * 1000 for w in waits)
    print(json.dumps({
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "sqlite": sqlite3.sqlite_version},
        "messages": args.messages,
        "import_s": round(import_s, 2),
        "imported": json.loads(out)["sources"][0]["imported"] if out else None,
        "mbox_interactions_stored": stored,
        "lock_wait_ms": {
            "probes": len(waits_ms),
            "median": round(statistics.median(waits_ms), 1) if waits_ms else None,
            "p90": round(waits_ms[int(len(waits_ms) * 0.9)], 1) if waits_ms else None,
            "max": round(waits_ms[-1], 1) if waits_ms else None,
        },
        "crb_log_s": {
            "during_import": round(statistics.median(during), 3) if during else None,
            "alone": round(statistics.median(alone), 3),
            "during_count": len(during),
        },
        "failures": {"probe": probe_failures, "crb_log": log_failures,
                     "imports": 0 if importing_ok else 1, "import_stderr": err[-300:]},
    }, indent=2))


if __name__ == "__main__":
    main()
