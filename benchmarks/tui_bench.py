"""The People screen against its budget (issue 4), measured from outside in a real terminal with
``ttylat`` at 160x50, beside a bare Textual app and Textual's own DataTable in the same run.

    .venv/bin/python benchmarks/tui_bench.py                  # 100,000 people (built once, reused)
    .venv/bin/python benchmarks/tui_bench.py --people 10000   # quicker
    .venv/bin/python benchmarks/tui_bench.py --db crb.db      # reuse (or build) this database

Prints one JSON document:
- ``build``: the demo database (``crb demo --people N --seed 7``, CRB_TODAY=2026-11-23), or that it
  was reused;
- ``bare``: a bare Textual app's first paint (``benchmarks/bare_app.py``), the baseline;
- ``crb``: ``crb --db PATH --screen people``: first paint, then keystrokes typed into the filter,
  cursor moves (down) within the screen, cursor moves that scroll the list (after one pagedown
  to the last row on screen) and page moves (pagedown), each as median / p95 / max latency and
  bytes sent per key (ttylat gives each key's median bytes), and the peak resident memory
  (VmHWM) of the app;
- ``datatable``: Textual's DataTable holding the same rows (``benchmarks/datatable_app.py``): first
  paint with every row added, and each filter keystroke (clear, add the matching rows again);
- ``budget``: each figure beside its limit.

First paint is ttylat's ``settled_ms``: the last byte of start-up before 1.5 s of quiet, so it
includes the rows arriving, not just the first frame. A repaint is over after 0.4 s of quiet
(for the DataTable, which blocks for many seconds, after 40 s per 100,000 people).
Every app runs with its text cursor not blinking (a blink is a repaint every 0.5 s, so start-up
would never go quiet): ``crb`` is the real command (the ``crb`` script beside this Python) with
a config of its own holding ``[ui] cursor_blink = false`` (``--blink`` leaves it on).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TODAY = "2026-11-23"
TTYLAT = Path(os.environ.get("CRB_TTYLAT", "/work/shared/tools/ttylat"))

BUDGET = {
    "first_paint_ratio": 1.5,
    "median_ms": 50.0,
    "p95_ms": 100.0,
    "bytes_per_key": 12 * 1000,
    "peak_rss_mb": 120.0,
}

# What is typed into the filter: a first name, cleared, an organisation word, cleared (the
# one-letter prefixes match nearly everyone; the empty filter shows everyone again).
FILTER_KEYS = "text:emily,backspace*5,text:cobalt,backspace*6"
CURSOR_KEYS = "down*40"  # within the first screen
SCROLL_KEYS = "pagedown,down*20"  # to the last row on screen, then every down scrolls the list
PAGE_KEYS = "pagedown*25"
# The DataTable blocks the app while it adds rows (some 25 s for 100,000 here), so ttylat must
# wait longer than that for the first byte of an answer (its quiet doubles as that wait).
DATATABLE_KEYS = "text:em,backspace"
DATATABLE_QUIET_PER_100K = 40.0



def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def app_env(workdir: Path, *, blink: bool = False) -> dict[str, str]:
    """The apps' environment: a fixed today, a config of its own (the text cursor not blinking
    unless ``blink``), a plain 256-colour terminal (as over SSH, which passes TERM but not
    COLORTERM)."""
    config = workdir / "config.toml"
    config.write_text(f"[ui]\ncursor_blink = {'true' if blink else 'false'}\n")
    env = {**os.environ, "CRB_TODAY": TODAY, "CRB_CONFIG": str(config),
           "XDG_CONFIG_HOME": str(workdir / "config"), "TERM": "xterm-256color"}
    for name in ("COLORTERM", "TEXTUAL", "TEXTUAL_DEBUG", "TEXTUAL_LOG"):
        env.pop(name, None)
    return env


# -- the data set ---------------------------------------------------------------------------


def ensure_db(db: Path, people: int, seed: int, env: dict[str, str]) -> dict[str, Any]:
    if db.exists():
        log(f"reusing {db}")
        return {"path": str(db), "reused": True, **db_counts(db)}
    db.parent.mkdir(parents=True, exist_ok=True)
    log(f"building {db}: {people:,} people (a minute or two at 100,000)")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crb_tui", "--db", str(db), "demo", "--people", str(people),
         "--seed", str(seed), "--json"],
        check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    return {"path": str(db), "reused": False, "seconds": round(seconds, 1), **db_counts(db)}


def db_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {
            "people": conn.execute("select count(*) from people").fetchone()[0],
            "interactions": conn.execute("select count(*) from interactions").fetchone()[0],
        }
    finally:
        conn.close()


# -- measuring --------------------------------------------------------------------------------


class PeakMemory(threading.Thread):
    """Polls the peak resident set (VmHWM) of ttylat's child, the app, until it goes."""

    def __init__(self, parent: subprocess.Popen[str]) -> None:
        super().__init__(daemon=True)
        self.parent = parent
        self.peak_kb = 0

    def _child(self) -> int | None:
        try:
            text = Path(f"/proc/{self.parent.pid}/task/{self.parent.pid}/children").read_text()
            return int(text.split()[0]) if text.split() else None
        except (OSError, ValueError):
            return None

    def run(self) -> None:
        child = None
        while self.parent.poll() is None:
            child = child or self._child()
            if child is not None:
                try:
                    for line in Path(f"/proc/{child}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except (OSError, ValueError):
                    pass
            time.sleep(0.05)


def ttylat(command: list[str], env: dict[str, str], *, keys: str = "", cols: int, rows: int,
           timeout: float = 60, quiet: float | None = None) -> dict[str, Any]:
    args = [sys.executable, str(TTYLAT), "--cols", str(cols), "--rows", str(rows),
            "--timeout", str(timeout)]
    if quiet is not None:
        args += ["--quiet", str(quiet), "--settle", str(quiet)]
    if keys:
        args += ["--keys", keys]
    proc = subprocess.Popen([*args, "--", *command], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE)
    memory = PeakMemory(proc)
    memory.start()
    out, _ = proc.communicate()
    memory.join()
    result = json.loads(out)
    result["peak_rss_mb"] = round(memory.peak_kb / 1024, 1) if memory.peak_kb else None
    return result


def steps_summary(result: dict[str, Any]) -> dict[str, Any]:
    """Latency and bytes over every timed step of one ttylat run (one kind of key per run)."""
    steps = result.get("steps", {})
    every = result.get("all_steps", {})
    byte_list = sorted(b for s in steps.values() for b in [s["median_bytes"]] * s["n"])
    return {
        "n": sum(s["n"] for s in steps.values()),
        "answered": sum(s["answered"] for s in steps.values()),
        "median_ms": every.get("median_ms"),
        "p95_ms": every.get("p95_ms"),
        "max_ms": max((s["max_ms"] for s in steps.values() if s["max_ms"] is not None),
                      default=None),
        "median_bytes": int(statistics.median(byte_list)) if byte_list else None,
        "max_bytes": max(byte_list) if byte_list else None,
        "by_key": {k: {"n": s["n"], "median_ms": s["median_ms"], "max_ms": s["max_ms"],
                       "median_bytes": s["median_bytes"]} for k, s in steps.items()},
    }


def startup_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    settled = [r["startup"]["settled_ms"] for r in runs if r["startup"]["settled_ms"]]
    first = [r["startup"]["first_byte_ms"] for r in runs if r["startup"]["first_byte_ms"]]
    return {
        "runs": len(runs),
        "first_paint_ms": round(statistics.median(settled), 1) if settled else None,
        "first_paint_ms_all": settled,
        "first_byte_ms": round(statistics.median(first), 1) if first else None,
        "bytes": int(statistics.median(r["startup"]["bytes"] for r in runs)),
    }


def peak(runs: list[dict[str, Any]]) -> float | None:
    values = [r["peak_rss_mb"] for r in runs if r.get("peak_rss_mb")]
    return max(values) if values else None


# -- the comparison -------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=100_000, help="scale of the demo data set")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db", type=Path, help="database to reuse (built here if missing)")
    ap.add_argument("--reps", type=int, default=3,
                    help="start-ups of each app to take the median of")
    ap.add_argument("--cols", type=int, default=160)
    ap.add_argument("--rows", type=int, default=50)
    ap.add_argument("--no-datatable", action="store_true", help="skip the DataTable comparison")
    ap.add_argument("--datatable-quiet", type=float,
                    help="seconds of quiet that end a DataTable repaint, longer than it blocks "
                         f"(default {DATATABLE_QUIET_PER_100K:g} s per 100,000 people)")
    ap.add_argument("--blink", action="store_true", help="leave CRB's text cursor blinking")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    a = ap.parse_args()
    if not TTYLAT.exists():
        ap.error(f"ttylat not found at {TTYLAT} (set CRB_TTYLAT)")

    # CRB's modules compiled as an installed package has them (Textual's are, by pip): with
    # PYTHONDONTWRITEBYTECODE set, an editable install would compile them at every start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "crb_tui", "plugins"],
                   cwd=ROOT, check=True)
    workdir = Path(tempfile.gettempdir()) / "crb-tui-bench"
    workdir.mkdir(exist_ok=True)
    env = app_env(workdir, blink=a.blink)
    db = a.db or workdir / f"people-{a.people}-seed{a.seed}.db"
    began = time.perf_counter()
    report: dict[str, Any] = {"today": TODAY, "size": f"{a.cols}x{a.rows}"}
    report["build"] = ensure_db(db, a.people, a.seed, env)

    size = {"cols": a.cols, "rows": a.rows}
    bare_cmd = [sys.executable, str(HERE / "bare_app.py")]
    crb_cmd = [str(Path(sys.executable).with_name("crb")), "--db", str(db), "--screen", "people"]

    # Start-ups alternate between the two apps so that drift hits both alike; the three key
    # runs of crb each start it once more, so their start-ups count too.
    bare_runs: list[dict[str, Any]] = []
    crb_runs: list[dict[str, Any]] = []
    keyed = {"filter_keystroke": FILTER_KEYS, "cursor_down": CURSOR_KEYS,
             "scroll_down": SCROLL_KEYS, "page_down": PAGE_KEYS}
    plan = [("", "")] * max(0, a.reps - len(keyed)) + list(keyed.items())
    results: dict[str, dict[str, Any]] = {}
    for name, keys in plan:
        log("bare app: start-up")
        bare_runs.append(ttylat(bare_cmd, env, **size))
        log(f"crb people: start-up{' then ' + name if name else ''}")
        run = ttylat(crb_cmd, env, keys=f"wait:1,{keys}" if keys else "", **size)
        crb_runs.append(run)
        if name:
            results[name] = steps_summary(run)
    report["bare"] = {**startup_summary(bare_runs), "peak_rss_mb": peak(bare_runs)}
    report["crb"] = {**startup_summary(crb_runs), **results, "peak_rss_mb": peak(crb_runs)}

    if not a.no_datatable:
        log("DataTable: start-up with every row, then filter keystrokes (minutes at 100,000)")
        quiet = a.datatable_quiet or max(
            2.0, DATATABLE_QUIET_PER_100K * report["build"]["people"] / 100_000)
        run = ttylat([sys.executable, str(HERE / "datatable_app.py"), str(db)], env,
                     keys=DATATABLE_KEYS, timeout=300, quiet=quiet, **size)
        report["datatable"] = {**startup_summary([run]),
                               "filter_keystroke": steps_summary(run),
                               "peak_rss_mb": run["peak_rss_mb"]}

    report["budget"] = verdict(report)
    report["seconds"] = round(time.perf_counter() - began, 1)
    text = json.dumps(report, indent=1, ensure_ascii=False)
    print(text)
    if a.out:
        a.out.write_text(text + "\n")
    return 0


def verdict(report: dict[str, Any]) -> dict[str, Any]:
    crb, bare = report["crb"], report["bare"]
    checks: dict[str, Any] = {}
    if crb["first_paint_ms"] and bare["first_paint_ms"]:
        ratio = round(crb["first_paint_ms"] / bare["first_paint_ms"], 2)
        checks["first_paint_ratio"] = {"value": ratio, "limit": BUDGET["first_paint_ratio"],
                                       "ok": ratio <= BUDGET["first_paint_ratio"]}
    for name in ("filter_keystroke", "cursor_down", "scroll_down", "page_down"):
        s = crb.get(name)
        if not s:
            continue
        for key, limit in (("median_ms", "median_ms"), ("p95_ms", "p95_ms"),
                           ("max_bytes", "bytes_per_key")):
            value = s.get(key)
            checks[f"{name}.{key}"] = {"value": value, "limit": BUDGET[limit],
                                       "ok": value is not None and value <= BUDGET[limit]}
    rss = crb.get("peak_rss_mb")
    checks["peak_rss_mb"] = {"value": rss, "limit": BUDGET["peak_rss_mb"],
                             "ok": rss is not None and rss <= BUDGET["peak_rss_mb"]}
    checks["all_ok"] = all(c["ok"] for c in checks.values())
    return checks


if __name__ == "__main__":
    sys.exit(main())
