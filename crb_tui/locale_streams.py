"""Standard output and error under a locale whose encoding is not UTF-8 (ISO-8859-1): what
they can show is shown, the rest is ``?``, never an encoding error (trial 14 F3)."""

from __future__ import annotations

import codecs
import os
import sys


def utf8(stream: object) -> bool:
    """Whether ``stream`` (a text stream) writes UTF-8 (or another UTF)."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name.startswith("utf")
    except LookupError:
        return False


def fit_streams() -> None:
    """Under a locale whose encoding is not UTF-8 (ISO-8859-1), standard output and error
    write a character they cannot encode as ``?`` instead of ending the command with an
    encoding error (JSON output escapes it instead: see ``cli.group.emit_json``). Arguments the
    locale could not decode (``LC_ALL=C PYTHONUTF8=0``) are read as the UTF-8 they were."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and not utf8(stream):
            reconfigure(errors="replace")
    if any("\udc80" <= ch <= "\udcff" for arg in sys.argv for ch in arg):
        sys.argv = [_as_utf8(arg) for arg in sys.argv]


def _as_utf8(arg: str) -> str:
    try:
        return os.fsencode(arg).decode("utf-8")
    except UnicodeDecodeError:
        return arg
