"""A new day's full recompute with one scoring plugin, at N people (trial 8 V13).

    python benchmarks/signals_bench.py --people 20000 [--hook history|key-history|person|none]

Builds the demo at N people in a temporary file, then times ``compute_all`` for everyone on
three consecutive new days (the carried basis in use), with a plugin whose ``health_signals``
takes ``history`` (reads everyone's, or only key people's), takes only ``person``, or no
plugin. Prints CPU seconds per run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

from crb_tui import Signal, hookimpl
from crb_tui.config import Config
from crb_tui.engine.health import compute_all
from crb_tui.store import Store
from crb_tui.store.demo import generate
from crb_tui.testing import registered


class WithHistory:
    @hookimpl
    def health_signals(self, person: dict[str, Any], history: dict[str, Any]) -> Any:
        if len(history["interactions"]) > 40:
            return [Signal("trust", 1, "a long history")]
        return None


class KeyHistory:
    """Takes ``history`` but looks into it for key people only."""

    @hookimpl
    def health_signals(self, person: dict[str, Any], history: dict[str, Any]) -> Any:
        if person["tier"] == "key" and len(history["interactions"]) > 40:
            return [Signal("trust", 1, "a long history")]
        return None


class PersonOnly:
    @hookimpl
    def health_signals(self, person: dict[str, Any]) -> Any:
        return [Signal("trust", 1, "key")] if person["tier"] == "key" else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--hook", choices=("history", "key-history", "person", "none"),
                        default="history")
    args = parser.parse_args()
    today = dt.date(2026, 12, 7)
    plugin = {"history": WithHistory(), "key-history": KeyHistory(), "person": PersonOnly(),
              "none": None}[args.hook]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        store = Store.open(Path(tmp) / "bench.db")
        generate(store, people=args.people, today=today)
        if plugin is not None:
            stack.enter_context(registered(plugin, "bench_signals"))
        config = Config()
        compute_all(store, config, today)
        for days in (1, 2, 3):
            start = time.process_time()
            compute_all(store, config, today + dt.timedelta(days=days))
            print(f"{args.hook}: day +{days}: {time.process_time() - start:.2f} s CPU")
        store.close()


if __name__ == "__main__":
    main()
