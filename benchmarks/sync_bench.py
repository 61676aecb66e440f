"""Gmail sync speed against the local fake Google (tests/google_server.py): messages per second
and requests per message, for a full sync and an incremental one, printed as JSON.

    python benchmarks/sync_bench.py                      # 5,000 messages
    python benchmarks/sync_bench.py --messages 1000 --quick

Scenarios (each on a fresh database and mailbox):

- ``unthrottled``: no quota limit, no added latency: what the client itself can do (HTTP, header
  parsing, the store's write path, checkpoints);
- ``latency``: every API answer delayed by ``--latency`` seconds (a real network round trip),
  ``concurrency`` requests in flight, still no quota limit;
- ``gmail_quota``: the default settings, 250 quota units per second (``messages.get`` costs 5),
  so at most ~50 messages a second: the ceiling a real Gmail account imposes;
- then, on the last database, an incremental sync after ``--changes`` new messages.

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

from tests.google_server import Env, FakeGoogle, ensure_plugin_importable  # noqa: E402

ensure_plugin_importable()


def api_requests(google: FakeGoogle, since: int = 0) -> dict[str, int]:
    with google.lock:
        calls = google.requests[since:]
    out = {"total": 0, "messages.get": 0, "messages.list": 0, "history.list": 0,
           "getProfile": 0, "token": 0}
    for r in calls:
        out["total"] += 1
        if r.path == "/token":
            out["token"] += 1
        elif "/users/me/messages/" in r.path:
            out["messages.get"] += 1
        elif r.path.endswith("/users/me/messages"):
            out["messages.list"] += 1
        elif r.path.endswith("/history"):
            out["history.list"] += 1
        elif r.path.endswith("/profile"):
            out["getProfile"] += 1
    return out


def scenario(name: str, messages: int, *, latency: float, quota: float, concurrency: int,
             changes: int = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, FakeGoogle(latency=latency) as google:
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "xdg")  # never the user's own files
        google.populate_mailbox(messages)
        env = Env(google, Path(tmp))
        env.gmail.update(quota_per_second=quota, concurrency=concurrency, page_size=500,
                         checkpoint_every=100, timeout=30.0, backoff_base=0.5)
        start = time.perf_counter()
        (summary,) = env.run()
        seconds = time.perf_counter() - start
        assert summary.ok, summary.errors
        listed = len(google.listed_ids())
        stored = len(env.keys())
        expected = len(google.expected_mail_keys())
        assert stored == expected, (stored, expected)
        reqs = api_requests(google)
        result: dict[str, Any] = {
            "scenario": name,
            "messages_in_mailbox": messages,
            "messages_listed": listed,
            "interactions_stored": stored,
            "latency_s": latency,
            "quota_units_per_s": quota or None,
            "concurrency": concurrency,
            "full_sync_seconds": round(seconds, 3),
            "messages_per_second": round(listed / seconds, 1),
            "requests": reqs,
            "requests_per_message": round(reqs["total"] / listed, 4),
        }
        if changes:
            before = len(google.requests)
            for i in range(changes):
                google.add_message(i, sender=(f"New Person {i}", f"new.person{i}@example.org"))
            start = time.perf_counter()
            (inc,) = env.run()
            inc_seconds = time.perf_counter() - start
            assert inc.ok, inc.errors
            assert len(env.keys()) == len(google.expected_mail_keys())
            inc_reqs = api_requests(google, before)
            result["incremental"] = {
                "new_messages": changes,
                "seconds": round(inc_seconds, 3),
                "messages_per_second": round(changes / inc_seconds, 1),
                "requests": inc_reqs,
                "requests_per_message": round(inc_reqs["total"] / changes, 4),
            }
            start = time.perf_counter()
            env.run()
            result["no_change_sync_seconds"] = round(time.perf_counter() - start, 3)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds added to every API answer in the latency scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--quick", action="store_true",
                        help="skip the quota-limited scenario (it takes messages / 50 seconds)")
    args = parser.parse_args()
    results = [
        scenario("unthrottled", args.messages, latency=0.0, quota=0.0,
                 concurrency=args.concurrency),
        scenario("latency", args.messages, latency=args.latency, quota=0.0,
                 concurrency=args.concurrency),
    ]
    if not args.quick:
        results.append(scenario("gmail_quota", args.messages, latency=0.0, quota=250.0,
                                concurrency=args.concurrency, changes=args.changes))
    else:
        results[0] = scenario("unthrottled", args.messages, latency=0.0, quota=0.0,
                              concurrency=args.concurrency, changes=args.changes)
    print(json.dumps({
        "benchmark": "gmail sync against the local fake Google",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
