"""The mbox splitter's shortcuts (a body passed over by one search, a plain header block taken
whole, the file read in chunks) give exactly the messages of the plain line loop over the
file's own ``readline``: on the corpus, and on generated mailboxes with the awkward parts
(``>From`` quoting, CRLF, no newline at the end, a From_ line at the end of the file, blank and
folded lines, lines longer than a read, headers over the size cut, chunk edges anywhere)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from crb_mbox import split
from crb_mbox.split import Buffered, iter_messages
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

FROM = b"From a@b.c Mon Jan 05 10:00:00 2026"


def both(data: bytes) -> tuple[list[split.RawMessage], list[split.RawMessage]]:
    return (list(iter_messages(io.BytesIO(data))),
            list(iter_messages(io.BytesIO(data), fast=False)))


def test_every_corpus_file_splits_the_same_both_ways(corpus: Path) -> None:
    files = sorted(p for d in ("mbox", "eml") for p in (corpus / d).rglob("*") if p.is_file())
    assert files
    messages = 0
    for path in files:
        fast, plain = both(path.read_bytes())
        assert fast == plain, path
        messages += len(fast)
    assert messages > 1000


def test_a_body_is_passed_over_not_read_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b"".join(b"line %d of the body, From here or there\n" % i for i in range(500))
    data = b"".join(FROM + b"\nFrom: a@b.c\nSubject: %d\n\n" % i + body + b">From x\n\n"
                    for i in range(20))
    calls = []
    readline = Buffered.readline
    monkeypatch.setattr(Buffered, "readline", lambda self: calls.append(1) or readline(self))
    got = list(iter_messages(io.BytesIO(data)))
    assert [(m.number, m.line, m.header) for m in got[:2]] == [
        (1, 1, b"From: a@b.c\nSubject: 0\n"), (2, 507, b"From: a@b.c\nSubject: 1\n")]
    assert len(got) == 20 and len(calls) <= 3 * 20  # From_ line, blank line, end of file
    monkeypatch.undo()
    assert both(data)[0] == both(data)[1]


def test_progress_is_where_reading_got_to() -> None:
    data = (FROM + b"\nFrom: a@b.c\n\nbody\n") * 3
    reader = Buffered(io.BytesIO(data))
    messages = iter_messages(reader)
    next(messages)
    assert 0 < reader.tell() < len(data)
    assert len(list(messages)) == 2 and reader.tell() == len(data)


LINES = st.sampled_from([
    FROM + b"\n", FROM + b"\r\n", b"From " + FROM + b"\n", FROM.replace(b"a@b.c", b"x y") + b"\n",
    b"From not a date at all\n", b"From \n", b">" + FROM + b"\n", b"From: Ann <a@b.c>\n",
    b"Subject: hi\r\n", b"To: x@y.z\n", b" folded on\n", b"\tand on\r\n", b"\n", b"\r\n",
    b"\r\r\n", b" \n", b"body text\n", b"\xef\xbb\xbf" + FROM + b"\n", b"\xff\xfe junk\n",
    b"X-Long: " + b"y" * 45 + b"\n", b"X-Longer: " + b"z" * 130 + b"\r\n",
    b"From " + b"s" * 60 + b" Mon Jan 05 10:00:00 2026\n",
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.one_of(LINES, LINES, st.binary(max_size=12)), max_size=40),
    cut_end=st.booleans(),
    chunk=st.integers(min_value=1, max_value=70),
    line_limit=st.one_of(st.integers(min_value=8, max_value=80), st.just(1000)),
    max_header=st.one_of(st.integers(min_value=0, max_value=200), st.just(10_000)),
)
@example(lines=[FROM + b"\n", b"To: x@y.z\n", FROM + b"\n", b"To: a@b.c\n\nbody\n"],
         cut_end=False, chunk=7, line_limit=1000, max_header=10_000)  # From_ in a header
@example(lines=[FROM + b"\n", b"To: x@y.z\n", b"X-Longer: " + b"z" * 130 + b"\r\n\n"],
         cut_end=False, chunk=64, line_limit=100, max_header=10_000)  # a line over a read
@example(lines=[FROM + b"\n", b"To: x@y.z\n", b"X-Long: " + b"y" * 45 + b"\n\n"],
         cut_end=True, chunk=64, line_limit=1000, max_header=40)  # a header over the cut
@example(lines=[FROM + b"\n", b"To: x@y.z\nCc: a@b.cd\n\n"],
         cut_end=False, chunk=64, line_limit=1000, max_header=20)  # a byte over the cut
def test_generated_mailboxes_split_the_same_both_ways(
    lines: list[bytes], cut_end: bool, chunk: int, line_limit: int, max_header: int,
) -> None:
    data = b"".join(lines)
    if cut_end:
        data = data.rstrip(b"\r\n")  # no newline at the end (a From_ line there, often)
    with pytest.MonkeyPatch.context() as m:
        # Small reads, lines and header cuts: every edge met within a few hundred bytes.
        m.setattr(split, "CHUNK", chunk)
        m.setattr(split, "LINE_LIMIT", line_limit)
        m.setattr(split, "MAX_HEADER_BYTES", max_header)
        m.setattr(split, "FROM_LINE_MAX", 50)
        fast, plain = both(data)
    assert fast == plain


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400), chunk=st.integers(min_value=1, max_value=50))
def test_buffered_lines_are_the_files_own(data: bytes, chunk: int) -> None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(split, "CHUNK", chunk)
        m.setattr(split, "LINE_LIMIT", 16)
        reader, fh = Buffered(io.BytesIO(data)), io.BytesIO(data)
        while True:
            line = reader.readline()
            assert line == fh.readline(16)
            assert reader.tell() == fh.tell()
            if not line:
                break
