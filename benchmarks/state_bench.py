"""The Google sources' id map in ``ctx.state`` at mailbox scale, through the real sync runner.

    python benchmarks/state_bench.py --messages 100000

Three full syncs of a mailbox (the first maps every message, the second marks each one seen
again, the third finds the tenth that was deleted and removes it), each yielding one record a
message as Gmail's does, beside a baseline: plain sqlite3 writing the same map once (one
``executemany`` into a table of its own). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from crb_google._ids import IdMap  # noqa: E402

from crb_tui import Skip, Source  # noqa: E402
from crb_tui.config import Config  # noqa: E402
from crb_tui.host.sync import run_sync  # noqa: E402
from crb_tui.store import Store  # noqa: E402

SCOPE = "me@example.com"


def full_sync(ids: IdMap, listed: range, out: list[int]) -> Iterator[Any]:
    """What Gmail's full sync asks of the map: a generation, put and touch a message, sweep."""
    gen = ids.next_gen(SCOPE)
    for i in listed:
        message_id = f"{i:016x}"
        ids.put(SCOPE, message_id, f"msg:<{i}@example.com>|", [], gen)
        ids.touch(SCOPE, message_id, gen)
        yield Skip("benchmark", message_id)
    removed = 0
    for entry in ids.stale(SCOPE, gen):
        ids.mark_removed(SCOPE, entry.id)
        ids.shared(entry.prefix, SCOPE, entry.id)
        removed += 1
    out.append(removed)


def run(messages: int, folder: Path) -> dict[str, Any]:
    store = Store.open(folder / "crb.db")
    figures: dict[str, Any] = {"messages": messages}
    try:
        for name, listed in (("first full sync", range(messages)),
                             ("second full sync", range(messages)),
                             ("full sync removing a tenth", range(messages // 10, messages))):
            removed: list[int] = []
            source = Source(name="gmail", sync=lambda ctx, listed=listed, removed=removed:
                            full_sync(IdMap(ctx.state), listed, removed))
            start, cpu = time.perf_counter(), time.process_time()
            (summary,) = run_sync(store, Config(), {"gmail": source}, ["gmail"])
            assert summary.ok, summary.errors
            figures[f"{name} (s)"] = round(time.perf_counter() - start, 2)
            figures[f"{name} (processor s)"] = round(time.process_time() - cpu, 2)
            figures[f"{name}: removed"] = removed[0]
    finally:
        store.close()
    conn = sqlite3.connect(folder / "baseline.db")
    conn.execute("create table items (scope text, id text, prefix text, keys text, gen int, "
                 "live int, primary key (scope, id))")
    start = time.perf_counter()
    with conn:
        conn.executemany("insert into items values (?, ?, ?, '[]', 1, 1)",
                         ((SCOPE, f"{i:016x}", f"msg:<{i}@example.com>|")
                          for i in range(messages)))
    figures["baseline: plain sqlite3 writing the map once (s)"] = round(
        time.perf_counter() - start, 2)
    conn.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(run(args.messages, Path(folder)), indent=2))


if __name__ == "__main__":
    main()
