"""Stopping a run from outside: Ctrl-C, and on the command line SIGTERM (``timeout``,
``systemctl stop``) and SIGHUP (a closed terminal or SSH session), all alike."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
_asked: list[str] = []
"""The signals that asked the run in progress to stop, in ``stopped_like_ctrl_c``."""
_holding = [0, False]
"""How deep in ``held`` blocks the main thread is, and whether a stop waits for their end."""


def stop_asked() -> bool:
    """Whether a signal asked the run to stop: an error raised now may be that stop's doing (a
    ``KeyboardInterrupt`` raised inside an SQL function comes out as an SQLite error)."""
    return bool(_asked)


def _stop(signum: int, _frame: Any) -> None:
    _asked.append(signal.Signals(signum).name)
    if _holding[0]:
        _holding[1] = True  # raised where the held block ends
        return
    raise KeyboardInterrupt(_asked[-1])


@contextlib.contextmanager
def held(*, then_stop: bool = True) -> Iterator[None]:
    """A stop asked in here (by a signal ``stopped_like_ctrl_c`` handles) waits for the block
    to end: a batch is stored and counted whole, never stored and left out of the counts.
    ``then_stop`` False: not even then (the scores after a run: the command ends as it would,
    and ``stop_asked`` says it was asked to stop)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # (signals are handled in the main thread only)
        return
    _holding[0] += 1
    try:
        yield
    finally:
        _holding[0] -= 1
    if not _holding[0] and _holding[1] and then_stop:
        _holding[1] = False
        raise KeyboardInterrupt(_asked[-1])


@contextlib.contextmanager
def stopped_like_ctrl_c() -> Iterator[None]:
    """SIGTERM and SIGHUP stop what runs here as Ctrl-C does (a ``KeyboardInterrupt``): a run
    keeps what it read, is recorded as ``interrupted`` and its summary is printed. A signal
    ignored when CRB started (``nohup``) stays ignored; outside the main thread (which alone
    may set handlers) nothing changes."""
    before = {}
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                before[sig] = signal.signal(sig, _stop)
    _asked.clear()
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        _asked.clear()
        _holding[1] = False
