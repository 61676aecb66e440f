"""Untrusted text and the terminal: the one place that decides what may reach a screen.

Names, notes, subjects and whatever else came from a file, a server or a plugin may carry
characters a terminal acts on or that change what is shown without being seen:

- C0 controls (ESC, BEL, BS, CR...) and DEL: shown in caret notation, ``^[`` ``^G`` ``^H``
  ``^M`` ``^?`` (as ``cat -v`` shows them);
- C1 controls (U+0080-U+009F, which include the one-byte CSI), bidi overrides, embeddings and
  isolates (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C), zero-width and other
  invisible format characters (U+200B-U+200D, U+2060, U+FEFF, Unicode category Cf) and the line
  and paragraph separators U+2028/U+2029: shown as ``<U+202E>``. The two joiners are the
  exception where a script needs them: ZWNJ and ZWJ (U+200C, U+200D) between two letters or
  marks of a non-Latin script (Persian ``محمدی‌نژاد``, Sinhala ``ශ්‍රී``) are shown as they are, and
  a ZWJ inside an emoji sequence is left out (``👨‍👩‍👧`` shows as its three emoji: terminals
  differ on joining them, and a joined glyph would shift the columns after it).

:func:`plain` does that for every line the CLI prints and every string the app shows;
:func:`json_text` escapes the same characters in JSON as ``\\u202e`` (the same string once
parsed); :func:`one_line` is what importers use to make a header or summary one line. What is
stored keeps the original text: only what is shown changes.

:func:`fold` is how text typed to find someone is compared with what is stored (the people
search, a person named in a command): case and accents aside; it is also the order of names
(the people list sorted by name, by ``people.name_key``).
"""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from typing import Any

_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
CONTROL = re.compile(f"[{_CONTROLS}]")
"""C0 controls except tab and newline, DEL, and C1 controls."""

# Unicode's format characters (category Cf: bidi controls, zero-width characters, the BOM,
# tag characters...) and the line and paragraph separators (Zl, Zp), as of Unicode 14.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
UNSAFE = re.compile(f"[{_CONTROLS}{_FORMAT}]")
"""Everything :func:`plain` makes visible (tab and newline aside, see ``one_line``)."""

_BREAKS = re.compile(r"[\t\n]")
_SPACE = re.compile(r"\s+")


def visible(ch: str) -> str:
    """How one unsafe character is shown: ``^[`` for ESC, ``^?`` for DEL, ``<U+202E>`` else."""
    code = ord(ch)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


_JOINERS = "\u200c\u200d"
_VIRAMA = 9
"""The canonical combining class of the viramas (the vowel killers of the Indic scripts)."""


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _JOINERS:
        return _joiner(ch, match.string, match.start())
    return visible(ch)


def _joiner(ch: str, text: str, at: int) -> str:
    """A ZWNJ or ZWJ at ``text[at]``: kept between letters or marks of a script that needs
    it, and after a virama (Malayalam's chillu letters are spelt so at the end of a word:
    ``അരുണ്‍``), left out between emoji (ZWJ), made visible anywhere else."""
    if at > 0 and unicodedata.combining(text[at - 1]) == _VIRAMA:
        return ch
    if at == 0 or at + 1 >= len(text):
        return visible(ch)
    before, after = text[at - 1], text[at + 1]
    kinds = unicodedata.category(before), unicodedata.category(after)
    if ch == "\u200d" and "So" in kinds:
        return ""
    if kinds[0][0] in "LM" and kinds[1][0] in "LM" and max(ord(before), ord(after)) > 0x2FF:
        return ch
    return visible(ch)


def plain(text: object, *, one_line: bool = False) -> str:
    """``text`` safe to print: every unsafe character made visible (see the module's doc);
    with ``one_line``, tabs and newlines become spaces."""
    if text is None:
        return ""
    value = UNSAFE.sub(_visible, str(text))
    if one_line:
        value = _BREAKS.sub(" ", value)
    return value


def is_safe(text: str) -> bool:
    return UNSAFE.search(text) is None


UNDIRECTED_KINDS = frozenset({"note", "connection"})
"""Touches with no one acting first: a note is the user's own, a connection is made by two."""


def plural(count: float, word: str) -> str:
    """``1 day``, ``2 days``, ``1.5 days``: a count (a fraction shown with ``:g``) and its
    word, the one way every message counts things."""
    shown = count if isinstance(count, int) else f"{count:g}"
    return f"{shown} {word}" if count == 1 else f"{shown} {word}s"


DIRECTION_LABELS = {"in": "from them", "out": "by you", "mutual": "together"}
"""A touch's direction in words, as the app and the CLI show it."""


def direction_word(kind: str, direction: str, labels: dict[str, str] | None = None) -> str:
    """How a touch's direction is shown (``labels``, by default :data:`DIRECTION_LABELS`, maps
    ``in``/``out``/``mutual`` to words): nothing for a note or a connection ("note together"
    said nothing true)."""
    if kind in UNDIRECTED_KINDS:
        return ""
    return (DIRECTION_LABELS if labels is None else labels).get(direction, direction)


MAX_LINE = 500
"""How much of one line of text (a mail subject, an event summary) the store keeps."""


def one_line(value: Any, limit: int = MAX_LINE) -> str | None:
    """One line of text for the store (a mail subject, an event summary, a display name):
    control characters and runs of white space become one space, cut to ``limit``; ``None``
    when nothing is left. The SDK exports it as ``clean_text``."""
    if value is None:
        return None
    text = str(value)
    # Printable text (no control, format or separator character but the space) without a run
    # of spaces is already one line (nearly every subject and name): only the ends to strip.
    if not text.isprintable() or "  " in text:
        text = _SPACE.sub(" ", CONTROL.sub(" ", text))
    return text.strip()[:limit] or None


def shorten(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters, ending in ``…`` when it was cut (a reason that
    quotes a 10,000-column header must not print a 100 KB line)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def warning_line(text: str) -> str:
    """A warning as CRB prints it on standard error: ``crb: warning: ...``, one line, safe to
    show (the form of ``crb: error: ...``). Every warning CRB prints there has this form; the
    text itself (a review's ``"warnings"``, a notice in the app) never starts with the word."""
    return f"crb: warning: {plain(text, one_line=True)}"


class SafeFormatter(logging.Formatter):
    """Log lines as :func:`plain` shows text (a plugin's or a server's words end up in them)."""

    def format(self, record: logging.LogRecord) -> str:
        return plain(super().format(record))


class _CrbLines(SafeFormatter):
    """A log line that reaches standard error by Python's last resort (no logging set up: every
    command but ``--debug``) in CRB's own form: ``crb: warning: ...``, ``crb: error: ...``."""

    def format(self, record: logging.LogRecord) -> str:
        level = "error" if record.levelno >= logging.ERROR else "warning"
        return f"crb: {level}: {super().format(record)}"


def guard_logging() -> None:
    """Make the log lines that reach standard error safe: Python's last-resort handler (warnings
    when logging is not set up, in CRB's form) and every handler on the root logger
    (``--debug``)."""
    if logging.lastResort is not None and not isinstance(logging.lastResort.formatter, _CrbLines):
        logging.lastResort.setFormatter(_CrbLines())
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, SafeFormatter):
            fmt = handler.formatter._fmt if handler.formatter else None
            handler.setFormatter(SafeFormatter(fmt))


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def json_text(data: Any, *, ascii_only: bool = False, **kwargs: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, **kwargs)`` with every unsafe character escaped
    (``\\u0085``, ``\\u202e``): still valid JSON and the same data once parsed, but nothing in it
    acts on a terminal. A NaN or an infinity (not JSON) is written as ``null``. ``ascii_only``:
    every character beyond ASCII escaped too (for an output whose encoding is not UTF-8)."""
    try:
        text = json.dumps(data, ensure_ascii=ascii_only, allow_nan=False, **kwargs)
    except ValueError:
        # A NaN or infinity stored before amounts were checked: null, as it is not a number.
        text = json.dumps(_finite(data), ensure_ascii=ascii_only, allow_nan=False, **kwargs)
    # Outside strings JSON is ASCII punctuation, digits and keywords: every match is in a string.
    return UNSAFE.sub(_json_escape, text)


_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
"""Combining marks (the accents NFKD splits off letters)."""


_LATIN = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i",
                        "æ": "ae", "œ": "oe", "þ": "th"})
"""Latin letters that are a base letter with a stroke (or two letters in one) but that NFKD
does not decompose, as the user reads them: "Łukasz" is an L name, "Søren" an O one."""


def fold(text: str) -> str:
    """``text`` as searched and as names sort: case-folded, accents and strokes removed
    (``Íñigo`` -> ``inigo``, ``Łukasz`` -> ``lukasz``, ``Søren`` -> ``soren``), on one line."""
    text = text.replace("\n", " ")
    if text.isascii():
        return text.lower()
    # Decomposed first: "𝐉" or "ℌ" (letter-like symbols, common in decorated names) only
    # become "J" and "H" there, and must still be folded to "j" and "h".
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold().translate(_LATIN)
    if "\u200d" in folded:
        # Malayalam's chillu letters in their older spelling (consonant, virama, ZWJ), which
        # Unicode does not equate with the single letters keyboards type now: one spelling.
        folded = _CHILLU.sub(lambda m: _CHILLU_LETTERS[m.group(1)], folded)
    return folded


_CHILLU_LETTERS = {"\u0d23": "\u0d7a", "\u0d28": "\u0d7b", "\u0d30": "\u0d7c",
                   "\u0d32": "\u0d7d", "\u0d33": "\u0d7e", "\u0d15": "\u0d7f"}
"""Malayalam consonants whose "dead" form (virama, ZWJ) is a chillu letter: ണ ന ര ല ള ക."""
_CHILLU = re.compile("([" + "".join(_CHILLU_LETTERS) + "])\u0d4d\u200d")


def sentence(text: str) -> str:
    """``text`` ended as a sentence: a full stop, unless it already ends with one (a name such
    as "James Doe Sr." or "Yahoo!" last: "Logged a call with James Doe Sr.", never "Sr..").
    The one rule for every confirmation that ends with a name, in the CLI and the app."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."
