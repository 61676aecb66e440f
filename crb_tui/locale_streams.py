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
    encoding error (JSON output escapes it instead: see ``cli.group.emit_json``). Arguments
    whose bytes are UTF-8 are read as UTF-8 whatever the locale says: the locale could not
    decode them (``LC_ALL=C PYTHONUTF8=0``), or an ISO-8859-1 locale over SSH from a UTF-8
    terminal read them as Latin-1 (a note stored as "à´<U+0095>..." for good). Text typed in
    Latin-1 is never valid UTF-8 beyond ASCII, in practice, and is read as the locale says."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and not utf8(stream):
            reconfigure(errors="replace")
    if not sys.argv or all(arg.isascii() for arg in sys.argv):
        return
    try:
        utf8_locale = codecs.lookup(sys.getfilesystemencoding()).name == "utf-8"
    except LookupError:
        utf8_locale = False
    if not utf8_locale:
        sys.argv = [_as_utf8(arg) for arg in sys.argv]


def _as_utf8(arg: str) -> str:
    if arg.isascii():
        return arg
    try:
        return os.fsencode(arg).decode("utf-8")
    except UnicodeDecodeError:
        return arg
