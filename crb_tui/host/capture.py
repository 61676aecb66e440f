"""What libraries say while a source runs (Python warnings, log lines), kept for its report.

A library's warning printed to the terminal names a file deep in site-packages and interrupts
the progress line; CRB shows it instead as a ``warning:`` line of the source's summary.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

from crb_tui.text import shorten

MAX_WARNINGS = 20
"""Distinct warnings kept per run (a repeated one is counted, not repeated)."""


class _Collect(logging.Handler):
    def __init__(self, seen: Counter[str]) -> None:
        super().__init__(logging.WARNING)
        self.seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.seen[shorten(record.getMessage())] += 1
        except Exception:  # noqa: BLE001 - a log line that cannot be formatted is dropped
            pass


@contextlib.contextmanager
def library_output() -> Iterator[list[str]]:
    """Collect warnings and log lines (WARNING and up) raised inside the block instead of
    printing them; the list yielded is filled when the block ends: each distinct message once,
    with how many times it came (``(3 times)``)."""
    seen: Counter[str] = Counter()
    out: list[str] = []
    handler = _Collect(seen)
    root = logging.getLogger()
    root.addHandler(handler)  # with a handler on the root, Python's last resort stays silent

    def show(message: Any, category: type[Warning], *_args: Any, **_kwargs: Any) -> None:
        seen[shorten(str(message))] += 1  # the words, not the class (UserWarning...)

    try:
        # The filters stay as they are (deprecations stay silent); entering resets the "once
        # per place" memory, so each run reports what it met.
        with warnings.catch_warnings():
            warnings.showwarning = show
            yield out
    finally:
        root.removeHandler(handler)
        for message, times in list(seen.items())[:MAX_WARNINGS]:
            out.append(message if times == 1 else f"{message} ({times} times)")
        if len(seen) > MAX_WARNINGS:
            out.append(f"... and {len(seen) - MAX_WARNINGS} other warnings")
