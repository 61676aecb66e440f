"""Turning what went wrong in a worker into a notification that says what to do."""

from __future__ import annotations

from pathlib import Path

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from crb_tui.errors import CrbError, StoreBusy, StoreUnavailable, user_message
from crb_tui.store import as_store_error
from crb_tui.store.faults import describe as database_fault
from crb_tui.store.locking import Busy
from crb_tui.text import plain


class NotSaved(Exception):
    """An action of the user's that the database was too busy to take: its notice names it."""

    def __init__(self, action: str, error: BaseException) -> None:
        super().__init__(action)
        self.action, self.error = action, error


def busy_guard(action: str, error: BaseException) -> BaseException:
    """What an action's worker raises when ``error`` stopped it: :class:`NotSaved` naming the
    action when the database was busy (the notice comes 30 s after the key, by when the user
    may have moved on), else the error as it was."""
    if isinstance(error, Busy) or isinstance(as_store_error(error), StoreBusy):
        return NotSaved(action, error)
    return error


def describe(error: BaseException, path: Path | None = None) -> tuple[str, str]:
    """(title, message) for an error, in words the user can act on; ``path``: the database's
    (named when it is read-only, full or damaged)."""
    fault = database_fault(error, path)
    if fault is not None:
        return "Database problem", plain(fault)
    if isinstance(error, NotSaved):
        why = (str(error.error) if isinstance(error.error, Busy) else
               "another program (a `crb sync` from cron?) is writing to the database; try "
               "again in a moment")
        return "Database busy", plain(f"Not saved: {error.action}. {why[:1].upper()}{why[1:]}.")
    error = as_store_error(error)  # in case one of SQLite's came past the gateway
    if isinstance(error, StoreBusy):
        return "Database busy", (
            "Another program (a `crb sync` from cron?) is writing to the database. "
            "Try again in a moment."
        )
    if isinstance(error, StoreUnavailable):
        return "Database problem", plain(f"{error}. Run `crb doctor` to check the database.")
    if isinstance(error, CrbError):
        return "Not done", plain(str(error))
    if isinstance(error, OSError):
        return "File problem", plain(str(error))
    return "Something went wrong", plain(user_message(error))


def report(node: DOMNode, worker: Worker[object], state: WorkerState) -> None:
    """Show a failed worker's error as a notification (never a crash)."""
    if state is not WorkerState.ERROR or worker.error is None:
        return
    title, message = describe(worker.error, getattr(getattr(node.app, "context", None),
                                                    "db_path", None))
    node.app.notify(message, title=title, severity="error", timeout=8, markup=False)
