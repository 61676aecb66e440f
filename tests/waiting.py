"""Waiting in tests for another thread, by polling with short sleeps.

``threading.Event.wait(timeout)`` and ``Thread.join(timeout)`` block on a lock acquired with a
deadline, which under ``faketime`` (libfaketime before 0.9.11) may never end even once the
event is set; a plain sleep is not affected. The suite must pass on any date, so tests that
wait for a thread use these instead.
"""

from __future__ import annotations

import threading
import time

STEP = 0.01


def wait_for(event: threading.Event, timeout: float = 10.0) -> bool:
    """True once ``event`` is set, False if ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not event.is_set():
        if time.monotonic() >= deadline:
            return False
        time.sleep(STEP)
    return True


def join(thread: threading.Thread, timeout: float = 10.0) -> bool:
    """Wait for ``thread`` to end, at most ``timeout`` seconds; True if it has ended."""
    deadline = time.monotonic() + timeout
    while thread.is_alive():
        if time.monotonic() >= deadline:
            return False
        time.sleep(STEP)
    thread.join()
    return True
