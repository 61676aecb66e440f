"""The mbox splitter: a mailbox (or one message) as header blocks, streamed in constant memory.

A message starts at a From_ line (``From `` + an asctime date; the very first line of the file
only needs ``From ``). A file whose first line is not a From_ line is one message. Only the
header block of the current message is held; bodies are skipped, never held.

The rules are those of a loop over the file's lines (read at most ``LINE_LIMIT`` bytes at a
time). The file is read in large chunks, and two shortcuts leave that loop's result unchanged
while doing far less per line: a body is passed over with one search for the next line that
starts with ``From `` (only such a line can end it), and a plain header block (no line starting
with ``From ``, short, ended by a blank line) is taken whole. ``iter_messages(fh, fast=False)``
is the plain loop over the file's own ``readline``: the tests check that both give the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, cast

LINE_LIMIT = 64 * 1024
"""Longest line read at once: a longer one is read in pieces, never held whole."""
MAX_HEADER_BYTES = 256 * 1024
"""A header block beyond this is cut (the fields CRB needs come first in practice)."""
FROM_LINE_MAX = 1024
"""A longer line is never a From_ line (after the first line of the file)."""
CHUNK = 256 * 1024
"""How much of the file is read at once."""

_WEEKDAYS = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTHS = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
FROM_LINE = re.compile(
    rb"^From .{0,400}?" + _WEEKDAYS + rb"[a-z]*,?\s+" + _MONTHS
    + rb"[a-z]*\s+\d{1,2}\s+\d{1,2}:\d{2}"
)
"""A From_ line: ``From <sender> <asctime date>`` (the sender may hold spaces or any bytes)."""


@dataclass
class RawMessage:
    """One message of a mailbox: where it starts and its header block (bodies are skipped)."""

    number: int
    line: int
    from_line: bytes | None
    header: bytes
    truncated: bool = False
    cut_short: bool = False
    """The file ends inside this message's header fields (a mailbox read while a mail client
    appends to it, a download cut off): what is there of them is not the whole message."""


class Buffered:
    """A binary file read ``CHUNK`` bytes at a time, with the file's own ``readline`` (at most
    ``LINE_LIMIT`` bytes) and the splitter's two shortcuts. ``tell`` is where reading got to."""

    def __init__(self, fh: BinaryIO) -> None:
        self._read = fh.read
        self._buf = b""
        self._pos = 0
        self._offset = 0  # where _buf starts in the file
        self._eof = False
        self._crlf = False  # (the kind of line ends the last header block had)

    def tell(self) -> int:
        return self._offset + self._pos

    def _more(self) -> bool:
        """Read another chunk after what is left; False at the end of the file."""
        if self._eof:
            return False
        chunk = self._read(CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._offset += self._pos
        self._buf = self._buf[self._pos:] + chunk
        self._pos = 0
        return True

    def readline(self) -> bytes:
        """What the file's ``readline(LINE_LIMIT)`` gives."""
        while True:
            buf, pos = self._buf, self._pos
            end = pos + LINE_LIMIT
            nl = buf.find(b"\n", pos, end)
            if nl >= 0:
                self._pos = nl + 1
                return buf[pos : nl + 1]
            if len(buf) >= end or not self._more():
                line = buf[pos:end]
                self._pos = pos + len(line)
                return line

    def skip_to_from(self) -> int:
        """From the start of a line, pass every line up to the next one that starts with
        ``From `` (or the end of the file); the number of line ends passed."""
        lines = 0
        at_start = True
        while True:
            buf, pos = self._buf, self._pos
            if at_start:
                if len(buf) - pos < 5 and self._more():
                    continue
                if buf.startswith(b"From ", pos):
                    return lines
            found = buf.find(b"\nFrom ", pos)
            if found >= 0:
                self._pos = found + 1
                return lines + buf.count(b"\n", pos, found + 1)
            last = buf.rfind(b"\n", pos)  # (a From_ line may start in the next chunk)
            if last >= 0:
                lines += buf.count(b"\n", pos, last + 1)
                self._pos, at_start = last + 1, True
            else:
                self._pos, at_start = len(buf), False  # within a line: all of it is passed
            if not self._more():
                return lines

    def header_block(self, room: int) -> tuple[bytes, int] | None:
        """From the start of a header, its lines before the blank line that ends it and their
        count, when the line loop would take every one of them as it is: they come to fewer
        than ``LINE_LIMIT`` bytes and at most ``room``, and none starts with ``From ``. None
        otherwise (the caller reads line by line)."""
        limit = min(LINE_LIMIT - 1, room)
        while True:
            buf, pos = self._buf, self._pos
            if buf.startswith(b"\n", pos) or buf.startswith(b"\r\n", pos):
                return b"", 0
            # The first blank line ("\n\n" or "\n\r\n"): the kind the last header ended
            # with looked for first, the other only before it.
            first, other = (b"\n\r\n", b"\n\n") if self._crlf else (b"\n\n", b"\n\r\n")
            end = buf.find(first, pos, pos + limit + 2)
            stop = end + 2 if end >= 0 else pos + limit + 2
            # (with no CR before it, no "\n\r\n" either: one fast look for a byte)
            if self._crlf or buf.find(b"\r", pos, stop) >= 0:
                before = buf.find(other, pos, stop)
                if before >= 0 and (end < 0 or before < end):
                    end, self._crlf = before, not self._crlf
            if end < 0:
                if len(buf) - pos < limit + 2 and self._more():
                    continue
                return None
            block = buf[pos : end + 1]
            if len(block) > limit:
                return None
            if block.startswith(b"From ") or b"\nFrom " in block:
                return None
            self._pos = pos + len(block)
            return block, block.count(b"\n")


def iter_messages(fh: BinaryIO | Buffered, *, fast: bool = True) -> Iterator[RawMessage]:
    """Split a mailbox (or a single message) into header blocks, streaming (see the module's
    text). ``fast=False``: the plain line loop, without the shortcuts."""
    reader: Buffered | None = None
    if fast:
        reader = fh if isinstance(fh, Buffered) else Buffered(fh)
        readline = reader.readline
    else:
        plain = cast(BinaryIO, fh).readline

        def readline() -> bytes:
            return plain(LINE_LIMIT)

    line_no = 0
    first = b""
    while True:  # leading blank lines
        first = readline()
        line_no += 1
        if not first or first.strip():
            break
    if not first:
        return
    if first.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark some tools write
        first = first[3:]
    single = not first.startswith(b"From ")
    number = 1
    start = line_no
    from_line: bytes | None = None if single else first.rstrip(b"\r\n")
    parts: list[bytes] = [first] if single else []
    size = len(first) if single else 0
    truncated = False
    in_header = True
    continued = not first.endswith(b"\n")
    in_from_line = continued and not single  # the rest of an over-long From_ line
    whole_block = reader is not None  # (tried once a header)
    while True:
        if reader is not None and not continued and not in_from_line:
            if in_header:
                if whole_block:
                    whole_block = False
                    found = reader.header_block(MAX_HEADER_BYTES - size)
                    if found is not None and found[0]:
                        parts.append(found[0])
                        size += len(found[0])
                        line_no += found[1]
            elif not single:
                line_no += reader.skip_to_from()
        line = readline()
        if not line:
            break
        fragment = continued
        continued = not line.endswith(b"\n")
        if in_from_line:
            in_from_line = continued
            continue
        if not fragment:
            line_no += 1
            if (
                not single
                and line.startswith(b"From ")
                and len(line) < FROM_LINE_MAX
                and FROM_LINE.match(line)
            ):
                yield RawMessage(number, start, from_line, b"".join(parts), truncated)
                number += 1
                start = line_no
                from_line = line.rstrip(b"\r\n")
                parts, size, truncated, in_header = [], 0, False, True
                whole_block = reader is not None
                continue
        if not in_header:
            continue
        if not fragment and line in (b"\n", b"\r\n"):
            in_header = False
            if single:
                break  # one message: the body is not needed at all
            continue
        if size + len(line) > MAX_HEADER_BYTES:
            truncated = True
            continue
        parts.append(line)
        size += len(line)
    # (a mailbox's last message whose header block never ended; a single message file may
    # hold header fields alone)
    yield RawMessage(number, start, from_line, b"".join(parts), truncated,
                     cut_short=in_header and not single and bool(parts))
