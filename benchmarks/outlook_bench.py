"""Outlook mail sync speed against the local fake Microsoft Graph (tests/graph_server.py):
messages per second and requests per message for a full sync, an incremental sync with new
mail, and one with nothing new, printed as JSON.

    python benchmarks/outlook_bench.py                     # 5,000 messages
    python benchmarks/outlook_bench.py --messages 1000

Scenarios (each on a fresh database and mailbox): ``unthrottled`` (no added latency: what the
client itself can do: HTTP, JSON, the SDK's header logic, the store's write path, checkpoints)
and ``latency`` (every Graph answer delayed by ``--latency`` seconds, a real round trip). The
delta query pages ``page_size`` messages (100, CRB's default ``Prefer: odata.maxpagesize``);
Graph reads one page at a time, so latency costs a round trip per page, not per message.

Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.graph_server import FakeGraph, GraphEnv  # noqa: E402


def graph_requests(graph: FakeGraph, since: int = 0) -> int:
    with graph.lock:
        return len(graph.requests[since:])


def timed(env: GraphEnv) -> float:
    start = time.perf_counter()
    (summary,) = env.run()
    seconds = time.perf_counter() - start
    assert summary.ok, summary.errors
    return seconds


def scenario(name: str, messages: int, *, latency: float, page_size: int, changes: int
             ) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "xdg")  # never the user's own files
        graph = FakeGraph(latency=latency).start()
        try:
            graph.populate_mailbox(messages)
            listed = sum(1 for m in graph.messages.values()
                         if m["folder"] in ("inbox", "sentitems"))
            env = GraphEnv(graph, Path(tmp))
            env.mail.update(page_size=page_size, timeout=30.0, backoff_base=0.5)
            seconds = timed(env)
            stored = len(env.keys())
            assert stored == len(graph.expected_mail_keys())
            total = graph_requests(graph)
            result: dict[str, Any] = {
                "scenario": name, "messages_in_folders": listed, "interactions_stored": stored,
                "latency_s": latency, "page_size": page_size,
                "full_sync_seconds": round(seconds, 3),
                "messages_per_second": round(listed / seconds, 1),
                "requests": total, "requests_per_message": round(total / listed, 4),
            }
            before = graph_requests(graph)
            for i in range(changes):
                graph.add_message(messages + 10 + i, sender=(f"New Person {i}",
                                                             f"new.person{i}@example.org"))
            seconds = timed(env)
            assert len(env.keys()) == len(graph.expected_mail_keys())
            requests = graph_requests(graph, before)
            result["incremental"] = {
                "new_messages": changes, "seconds": round(seconds, 3),
                "messages_per_second": round(changes / seconds, 1), "requests": requests,
                "requests_per_message": round(requests / changes, 4)}
            before = graph_requests(graph)
            seconds = timed(env)
            result["nothing_new"] = {"seconds": round(seconds, 3),
                                     "requests": graph_requests(graph, before)}
            return result
        finally:
            graph.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds added to every Graph answer in the latency scenario")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    results = [
        scenario("unthrottled", args.messages, latency=0.0, page_size=args.page_size,
                 changes=args.changes),
        scenario("latency", args.messages, latency=args.latency, page_size=args.page_size,
                 changes=args.changes),
    ]
    print(json.dumps({
        "benchmark": "outlook mail sync against the local fake Microsoft Graph",
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
