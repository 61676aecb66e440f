"""CRB's benchmark harness: builds a data set at a chosen scale with `crb demo` and prints figures
as JSON, each beside a baseline measured in the same run on the same machine.

    python benchmarks/run.py --people 10000            # quick
    python benchmarks/run.py --people 100000           # the scale the issues budget for
    python benchmarks/run.py --people 100000 --cpu --queries-only --keep DIR
                                                       # the health recompute, CPU seconds

Figures:
- demo build: `crb demo` wall time at the chosen scale;
- store write rate: interactions per second through the single write path (identity resolution,
  dedupe, FTS) against plain sqlite3 `executemany` of the same rows (as the write path stored
  them, person and identity ids included) into the same table, and against the same rows with
  no person or identity (the baseline of earlier figures); ratios are rates (0.6 = the write
  path stores 0.6 rows for each row executemany stores), medians of ``--repeat`` runs;
- re-import of the same batch (idempotent: nothing added) against the same baseline;
- whole-store queries: the full health recompute against the single aggregate query that finds
  each person's last interaction (measured before and after the recomputes, the median kept),
  both as the daily run (a new day: only the people whose stored parameters stop holding are
  scored again) and from scratch (the first run, or after a model change: the basis built from
  every interaction), medians of ``--repeat`` runs, and the daily run of each of the seven days
  after (nothing written in between); how many of the scores a day changes (all of a row's
  columns, and all but ``overdue``); the people list's first page and a search.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"


CLOCK = time.perf_counter
"""Wall time; ``--cpu`` makes it this process's CPU time (what other work on a busy machine
takes is left out; the demo build, a child process, is always wall time)."""


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Median time of ``repeat`` runs (see ``CLOCK``), and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = CLOCK()
        result = fn()
        times.append(CLOCK() - start)
    return statistics.median(times), result


def crb(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    # The user's own config stays out of the figures.
    env = {**os.environ, "CRB_TODAY": TODAY, "XDG_CONFIG_HOME": str(db.parent / "config")}
    env.pop("CRB_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "crb_tui", "--db", str(db), *args],
        capture_output=True, text=True, check=True, env=env,
    )


def build(db: Path, people: int, seed: int) -> dict[str, Any]:
    seconds, proc = timed(lambda: crb("demo", "--people", str(people), "--seed", str(seed),
                                      "--json", db=db))
    counts = json.loads(proc.stdout)["counts"]
    return {"seconds": round(seconds, 2), "counts": counts,
            "db_mb": round(db.stat().st_size / 1e6, 1)}


def batch_records(n: int, seed: int) -> list[Any]:
    from crb_tui import Identity, Interaction

    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    people = max(1, n // 20)
    out = []
    for i in range(n):
        who = rng.randrange(people)
        out.append(Interaction(
            source_key=f"bench:{i}", kind="email", direction=rng.choice(("in", "out")),
            at=start + dt.timedelta(minutes=rng.randrange(600_000)),
            with_=Identity("email", f"person{who}@bench.example"), name=f"Person {who}",
            subject=f"Re: project {rng.randrange(1000)} update",
        ))
    return out


def write_rate(n: int, seed: int, workdir: Path, repeat: int = 3) -> dict[str, Any]:
    """The write path against plain executemany of the same rows into the same schema, each
    measured ``repeat`` times (a fresh database each time; medians)."""
    from crb_tui.records import NOBODY_YET
    from crb_tui.store import Store, iso

    records = batch_records(n, seed)
    insert = (
        "insert into interactions (person_id, kind, direction, at, subject, thread, "
        "duration_minutes, identity_id, source, source_key) values (?,?,?,?,?,?,?,?,?,?)"
    )
    # The earlier baseline: the same rows with no person or identity (a cheaper insert, as
    # every index entry of those columns then goes to the same place).
    bare = [(None, r.kind, r.direction, iso(r.at), r.subject, None, None, None, "bench",
             r.source_key) for r in records]

    def plain(name: str, rows: list[Any]) -> float:
        path = workdir / name
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        Store.open(path).close()  # a fresh copy of the same schema
        conn = sqlite3.connect(path)
        start = CLOCK()
        conn.executemany(insert, rows)
        conn.commit()
        seconds = CLOCK() - start
        conn.close()
        return seconds

    firsts, agains, same, without = [], [], [], []
    for _ in range(repeat):
        path = workdir / "write.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        store = Store.open(path)
        seconds, result = timed(lambda s=store: s.write(records, "bench"))
        again, result2 = timed(lambda s=store: s.write(records, "bench"))
        # Every record stored once: imported, or kept for an address that is no one's yet.
        assert result.imported + result.skipped[NOBODY_YET] == n and result2.unchanged == n
        # Baseline: the rows the write path stored, ids included, in the order it stored them.
        stored = store.conn.execute(
            "select person_id, kind, direction, at, subject, thread, duration_minutes, "
            "identity_id, source, source_key from interactions order by id").fetchall()
        store.close()
        firsts.append(seconds)
        agains.append(again)
        same.append(plain("baseline.db", stored))
        without.append(plain("baseline-bare.db", bare))
    first_s, again_s, same_s, bare_s = map(statistics.median, (firsts, agains, same, without))
    return {
        "records": n,
        "repeat": repeat,
        "write_path_per_s": round(n / first_s),
        "reimport_same_batch_per_s": round(n / again_s),
        "baseline_executemany_per_s": round(n / same_s),
        "baseline_executemany_without_ids_per_s": round(n / bare_s),
        "write_path_vs_baseline": round(same_s / first_s, 2),
        "write_path_vs_baseline_without_ids": round(bare_s / first_s, 2),
        "reimport_vs_baseline": round(same_s / again_s, 2),
    }


def queries(db: Path, repeat: int = 3) -> dict[str, Any]:
    from crb_tui.config import Config
    from crb_tui.engine import health
    from crb_tui.host.app_context import open_store
    from crb_tui.store import health_basis
    from crb_tui.store.queries import list_people, people_ids
    from crb_tui.store.search import SearchIndex

    config = Config()
    store = open_store(db, config)
    today = dt.date.fromisoformat(TODAY)
    agg_s, _ = timed(lambda: store.db.execute(
        "select person_id, max(at) from interactions group by person_id").fetchall(), repeat=3)
    # The full recompute, twice: from scratch (the first run, or after a model change: the
    # carried basis is built from every interaction), then on the next day (the daily run: the
    # basis carried from the day before, brought up to date).
    rebuilds, dailies = [], []
    for _ in range(repeat):
        with store.transaction():
            health_basis.forget(store.conn)
        seconds, _ = timed(lambda: health.compute_all(
            store, config, today - dt.timedelta(days=1)))
        rebuilds.append(seconds)
        before = _scores(store)
        seconds, n = timed(lambda: health.compute_all(store, config, today))
        dailies.append(seconds)
    after = _scores(store)
    # The days after it, one daily run each with nothing written (how many people each one
    # scores again varies: a window or a week turning for many on some days).
    week = []
    for k in range(1, 8):
        seconds, _ = timed(lambda k=k: health.compute_all(
            store, config, today + dt.timedelta(days=k)))
        week.append(seconds)
    # What a daily run must write: the rows whose scores differ from the day before's, all
    # columns but the day stamp, and the same without `overdue` (days past the cadence, which
    # moves every day for everyone with a cadence and a touch).
    changed = sum(after[k] != before.get(k) for k in after)
    changed_but_overdue = sum(after[k][:-1] != before.get(k, ())[:-1] for k in after)
    rebuild_s, full_s = statistics.median(rebuilds), statistics.median(dailies)
    agg2_s, _ = timed(lambda: store.db.execute(
        "select person_id, max(at) from interactions group by person_id").fetchall(), repeat=3)
    agg_s = statistics.median([agg_s, agg2_s])
    some = [row[0] for row in store.db.execute("select id from people order by id limit 100")]
    part_s, _ = timed(lambda: health.compute_all(store, config, today, some), repeat=3)
    page_s, _ = timed(lambda: list_people(store, sort="health", limit=50), repeat=5)
    order_s, order = timed(lambda: people_ids(store, sort="health"), repeat=3)
    # `crb people --search`: everyone's text read, then matched (the CLI keeps nothing).
    search_s, _ = timed(lambda: list_people(store, search="ann", limit=50), repeat=3)
    # The people list: the same text read once into memory, then each keystroke scans it.
    index_s, index = timed(lambda: SearchIndex.build(store.conn, order), repeat=1)
    typed = []
    for text in ("a", "an", "ann", "anna", "ann", "an", "a", "", "c", "co", "cob", "coba"):
        key_s, _ = timed(lambda t=text: index.find(t), repeat=1)
        typed.append(round(key_s * 1000, 1))
    pid = some[0]
    explain_s, _ = timed(lambda: health.explain(store, config, pid, today), repeat=5)
    store.close()
    return {
        "people_scored": n,
        "baseline_last_interaction_aggregate_s": round(agg_s, 3),
        "health_full_recompute_daily_s": round(full_s, 3),
        "ratio_daily_recompute_vs_aggregate": round(full_s / agg_s, 2),
        "health_daily_recompute_next_7_days_s": [round(x, 3) for x in week],
        "ratio_next_7_days_median_max": [round(statistics.median(week) / agg_s, 2),
                                         round(max(week) / agg_s, 2)],
        "health_full_recompute_from_scratch_s": round(rebuild_s, 3),
        "ratio_from_scratch_vs_aggregate": round(rebuild_s / agg_s, 2),
        "health_rows_changed_by_a_day": round(changed / max(1, len(after)), 3),
        "health_rows_changed_by_a_day_but_overdue": round(
            changed_but_overdue / max(1, len(after)), 3),
        "health_recompute_100_people_s": round(part_s, 4),
        "health_explain_one_person_s": round(explain_s, 4),
        "people_first_page_by_health_s": round(page_s, 4),
        "people_whole_order_by_health_s": round(order_s, 4),
        "people_search_cli_s": round(search_s, 4),
        "search_index_build_s": round(index_s, 3),
        "search_keystrokes_ms": typed,
    }


def _scores(store: Any) -> dict[int, tuple[Any, ...]]:
    """Everyone's stored scores, ``overdue`` last (the day stamp left out)."""
    return {row[0]: tuple(row[1:]) for row in store.conn.execute(
        "select person_id, warmth, trust, value, health, health_past, trend, stage, one_sided,"
        " last_touch, last_two_way, cadence_days, overdue from health")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=50_000,
                        help="interactions in the write-rate batch")
    parser.add_argument("--write-only", action="store_true",
                        help="only the write rate (no demo data set, no queries)")
    parser.add_argument("--queries-only", action="store_true",
                        help="only the whole-store queries (no write rate)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="write-rate runs (medians are reported)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the data set in this folder (reused if present)")
    parser.add_argument("--cpu", action="store_true",
                        help="time in this process's CPU seconds, not wall time")
    args = parser.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    sys.path.insert(0, str(ROOT))
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="crb-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"demo-{args.people}.db"
    report: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "sqlite": sqlite3.sqlite_version, "platform": platform.platform()},
        "scale": {"people": args.people, "seed": args.seed},
        "clock": "cpu" if args.cpu else "wall",
    }
    if not args.write_only and not db.exists():
        report["demo_build"] = build(db, args.people, args.seed)
    if not args.queries_only:
        report["write"] = write_rate(args.batch, args.seed, workdir, args.repeat)
    if not args.write_only:
        report["queries"] = queries(db, args.repeat)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
