"""Reading CSV-like files the way real exporters write them: the logic every tabular source
shares (the generic ``csv`` source and the LinkedIn / Google / Outlook contact importers).

- :func:`decode` and :func:`read_text` turn bytes into text whatever the exporter used: a BOM
  (UTF-8, UTF-16, UTF-32), UTF-16 without a BOM (told by its NUL bytes), UTF-8 (a head cut inside
  its last character included), Windows-1252, and Latin-1 last, so decoding never fails.
- :func:`delimiter` tells which of ``,`` ``;`` tab ``|`` separates the columns, counting only
  outside quotes, so a ``Notes:`` preamble or a tab inside a name never decides.
- :func:`rows` yields every row as a :class:`Row` with the line it starts on (quoted cells may
  hold line breaks); a row the csv module cannot read comes back with its error instead of
  ending the file.
- :func:`header_key` and :func:`contact_export` read a header row: its column names as compared,
  and which contact app's export it is (LinkedIn, Google, Outlook), so that the generic ``csv``
  source leaves those files to the contact importers, which tell them apart the same way.
- :func:`row_records` is the loop over the data rows: progress every 200 rows, a ``Reject`` for
  an unreadable row, a ``Skip`` for a blank one, and the source's own records for every other
  row, which is named ``FILE:LINE``.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crb_tui.records import Reject, Skip
from crb_tui.sources import SyncContext

log = logging.getLogger("crb.tabular")

__all__ = [
    "DELIMITERS",
    "Row",
    "contact_export",
    "decode",
    "delimiter",
    "header_key",
    "not_text",
    "read_text",
    "row_records",
    "rows",
]

_GOOGLE_COLUMN = re.compile(
    r"^(e-mail|phone|address|organization|website|relation|event|custom field|im|external id)"
    r" \d+ - (type|label|value|formatted|name|title|street|city)$"
)
_OUTLOOK_MARKERS = frozenset(
    {
        "e-mail 2 address",
        "e-mail display name",
        "e-mail type",
        "mobile phone",
        "business phone",
        "home phone",
        "business street",
        "home street",
        "primary phone",
        "company main phone",
    }
)


def header_key(cells: list[str]) -> list[str]:
    """Column names as compared: no BOM, quotes or runs of spaces, lower case."""
    return [re.sub(r"\s+", " ", c.replace("\ufeff", "")).strip().strip('"').lower() for c in cells]


def contact_export(cols: list[str]) -> str | None:
    """``"linkedin"``, ``"google"`` or ``"outlook"`` when header ``cols`` (see
    :func:`header_key`) is that app's contacts export, else ``None``."""
    names = set(cols)
    if "connected on" in names and ("first name" in names or "last name" in names):
        return "linkedin"
    if any(_GOOGLE_COLUMN.match(c) for c in cols) or (
        {"given name", "family name", "group membership"} <= names
    ):
        return "google"
    if (
        "e-mail address" in names
        and ("first name" in names or "last name" in names)
        and bool(names & _OUTLOOK_MARKERS)
    ):
        return "outlook"
    return None


DELIMITERS = (",", ";", "\t", "|")
"""The delimiters :func:`delimiter` chooses from (a comma when none splits any line)."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def not_text(text: str) -> bool:
    """True for what only looks like a row because bytes were read as Latin-1 (a binary file):
    more than a quarter control or high-Latin-1 characters."""
    odd = sum(1 for ch in text if not ch.isprintable() or "\x80" <= ch <= "\xff")
    return bool(text) and odd * 4 > len(text)


def decode(raw: bytes) -> tuple[str, str]:
    """Decode an exported file or the head of one: BOM first (UTF-8, UTF-16 LE/BE, UTF-32),
    then UTF-16 without a BOM (recognised by its NUL bytes), then UTF-8, then Windows-1252, then
    Latin-1 (never fails). Returns the text and the name of the encoding used."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(name, errors="replace"), name
    sample = raw[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        name = "utf-16-le" if odd_nuls >= even_nuls else "utf-16-be"
        return raw.decode(name, errors="replace"), name
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A file cut in the middle of a character is still UTF-8.
        if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            return raw.decode("utf-8", errors="replace"), "utf-8"
    if _UTF8_SEQUENCE.search(raw):
        # UTF-8 with a few lines from somewhere else (a card saved by an old tool): each line
        # in what it is, never the whole file read as Windows-1252 (every ë made Ã«).
        return "".join(_line_text(line) for line in raw.splitlines(keepends=True)), MIXED
    return _single_byte(raw)


MIXED = "utf-8, some lines cp1252"
"""The encoding :func:`decode` names for UTF-8 text with lines in a single-byte encoding."""
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|"
                            rb"[\xf0-\xf4][\x80-\xbf]{3}")
"""A multi-byte UTF-8 character: Windows-1252 text almost never holds one (``Ã«``)."""


def _single_byte(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _line_text(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return _single_byte(line)[0]


def not_utf8_lines(raw: bytes, limit: int = 5) -> list[int]:
    """The numbers (from 1) of the first ``limit`` lines of ``raw`` that are not UTF-8."""
    found: list[int] = []
    for n, line in enumerate(raw.splitlines(), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            found.append(n)
            if len(found) >= limit:
                break
    return found


def read_text(path: Path) -> tuple[str, str]:
    """Read and :func:`decode` a whole file, NUL characters removed: the text and the encoding.
    A UTF-8 file with lines in another encoding is a warning naming them (the run's summary
    shows it). Raises OSError when the file cannot be read."""
    raw = path.read_bytes()
    text, encoding = decode(raw)
    if encoding == MIXED:
        lines = not_utf8_lines(raw)
        log.warning("%s:%s: not UTF-8 like the rest of the file: read as Windows-1252 (check "
                    "the names there)", path, ",".join(map(str, lines)))
    return text.replace("\x00", ""), encoding


def _count_outside_quotes(line: str, ch: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            count += 1
    return count


def delimiter(text: str, lines: int = 20) -> str:
    """The delimiter of a CSV text: the one that splits some line among the first ``lines``
    non-empty ones most often (so a ``Notes:`` preamble, or a tab inside a name, never decides).
    Commas win ties."""
    sample = [line for line in text.splitlines()[: lines * 4] if line.strip()][:lines]
    counts = {
        d: max((_count_outside_quotes(line, d) for line in sample), default=0) for d in DELIMITERS
    }
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


@dataclass
class Row:
    """One row of a CSV text."""

    line: int
    """Line on which the row starts (1-based)."""
    cells: list[str] | None
    """The cells, or None when the csv module could not read the row."""
    error: str | None = None
    """Why the row could not be read (when ``cells`` is None)."""

    @property
    def empty(self) -> bool:
        """Whether the row was read and every cell is blank."""
        return self.cells is not None and not any(c.strip() for c in self.cells)


def rows(text: str, delim: str | None = None, *, first_line: int = 1) -> Iterator[Row]:
    """Every row with the line it starts on, split on ``delim`` (by default the text's
    :func:`delimiter`). A row the csv module cannot read comes back with ``cells=None`` and the
    error, and reading goes on with the next line. A quote that is never closed would make the
    rest of the file one cell: that row is refused and reading goes on with the line after the
    one it started on."""
    sep = delim or delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    last = 0
    while True:
        start = last + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num <= last:
                return
            last = reader.line_num
            yield Row(start + first_line - 1, None, str(exc))
            continue
        if reader.line_num > start and any("\n" in c or "\r" in c for c in cells):
            lines = text.splitlines(keepends=True)
            if _unclosed("".join(lines[start - 1:reader.line_num]), sep):
                yield Row(start + first_line - 1, None,
                          "a quote is opened and never closed (the rest of the file would be "
                          "one cell)")
                yield from rows("".join(lines[start:]), sep, first_line=start + first_line)
                return
        last = reader.line_num
        yield Row(start + first_line - 1, cells)


def _unclosed(record: str, sep: str) -> bool:
    """Whether a record's text ends inside a quoted cell (read strictly, it runs out)."""
    try:
        list(csv.reader(io.StringIO(record, newline=""), delimiter=sep, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def row_records(
    ctx: SyncContext,
    path: Path,
    data: Sequence[Row],
    records: Callable[[list[str], str], Iterable[Any]],
) -> Iterator[Any]:
    """The records of the data rows of ``path`` (the rows after its header): progress every 200
    rows, a ``Reject`` for a row that cannot be read, a ``Skip`` for a blank one (a row with no
    cells at all is passed over), and ``records(cells, where)`` for every other row, ``where``
    being ``FILE:LINE``."""
    total = len(data)
    for n, row in enumerate(data, 1):
        if n % 200 == 0:
            ctx.progress(n, total, path.name)
        where = f"{path}:{row.line}"
        if row.cells is None:
            yield Reject(f"unreadable row: {row.error}", where)
            continue
        if not row.cells:
            continue
        if row.empty:
            yield Skip("blank row", where)
            continue
        yield from records(row.cells, where)
