"""Errors the CLI and the TUI turn into one clear message."""

import re
import sys
from typing import NoReturn

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


class CrbError(Exception):
    """A problem the user can fix: the message says what and where."""


def user_message(error: BaseException) -> str:
    """An error in words for the user, never an exception's class name: a :class:`CrbError`'s
    own message, a file problem as the system words it, anything else by its message."""
    if isinstance(error, CrbError):
        return str(error)
    if isinstance(error, OSError):
        what = error.strerror or str(error) or "input/output error"
        return f"{error.filename}: {what}" if error.filename else what
    text = _ERRNO.sub("", str(error).strip())  # "[Errno 111] Connection refused" from httpx
    if isinstance(error, KeyError):
        return f"missing {text or 'key'}"
    return text or "an unexpected error with no message (--debug shows where)"


class NotFound(CrbError):
    """A person, commitment or record that matches nothing."""


class Ambiguous(CrbError):
    """A name that matches several people."""


class StoreUnavailable(CrbError):
    """The database could not do what was asked of it (damaged, unreadable, or it refused a
    statement): the message is SQLite's own. The store raises it in place of SQLite's errors
    (:func:`crb_tui.store.store_errors`), so that the CLI and the TUI need not know SQLite."""


class StoreBusy(StoreUnavailable):
    """Another program (a ``crb sync`` from cron?) held the database locked for longer than a
    write waits."""


class QueryCancelled(Exception):
    """A read stopped because nobody wants its answer any more (a search typed past): not a
    problem to report (see :func:`crb_tui.store.interruptible`)."""


INTERRUPTED_EXIT = 130
"""The exit status after Ctrl-C (docs/cli.md): what was read so far is kept."""


def interrupted() -> NoReturn:
    """Ctrl-C on the command line: ``crb: interrupted`` on stderr (where it can still be
    written) and exit status 130."""
    try:
        sys.stderr.write("crb: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    sys.exit(INTERRUPTED_EXIT)
