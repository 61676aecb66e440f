"""The mail reader's shortcuts give exactly what the general code gives: header blocks of
well-formed fields split without the standard library's parser, and RFC 5322 dates read
directly. Each is checked against the general path on the corpus and on generated input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from crb_mbox import iter_messages
from hypothesis import given, settings
from hypothesis import strategies as st

from crb_tui.sdk import _mail_dates, _mail_headers
from crb_tui.sdk.mail import MailHeaders, headers_from_bytes, parse_date

NEVER = re.compile(r"(?!x)x")


def fields(headers: MailHeaders) -> list[tuple[str, str | None, list[str]]]:
    # (``get`` first: a plain value is given without the cleaning ``get_all`` goes through)
    return [(name, headers.get(name), headers.get_all(name)) for name in headers.names()]


def both_ways(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> tuple[list, list]:
    fast = fields(headers_from_bytes(raw))
    with monkeypatch.context() as m:
        m.setattr(_mail_headers, "_FIELD_LINES", NEVER)  # everything through the standard library
        general = fields(headers_from_bytes(raw))
    return fast, general


def test_a_plain_block_is_read_without_the_standard_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Refuses:
        def parsebytes(self, raw: bytes) -> None:
            raise AssertionError("the general parser was used")

    monkeypatch.setattr(_mail_headers, "_HEADER_PARSER", Refuses())
    headers = headers_from_bytes(
        b"From: Ann <ann@x.com>\r\nSubject: =?utf-8?q?caf=C3=A9?= and\r\n\tmore\r\n"
        b"To: bo@x.com\r\nTo: cy@x.com\r\nX-Empty:\r\n"
    )
    assert headers.get("subject") == "=?utf-8?q?caf=C3=A9?= and more"
    assert headers.get_all("to") == ["bo@x.com", "cy@x.com"]
    assert headers.get("x-empty") == ""
    assert headers.names() == ["from", "subject", "to", "x-empty"]


def test_every_corpus_message_reads_the_same_both_ways(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(p for d in ("mbox", "eml") for p in (corpus / d).rglob("*") if p.is_file())
    assert files
    count = 0
    for path in files:
        with open(path, "rb") as fh:
            for raw in iter_messages(fh):
                fast, general = both_ways(monkeypatch, raw.header)
                assert fast == general, f"{path}:{raw.line}"
                count += 1
    assert count > 500


PIECES = [
    b"From: a@b.c", b"To:", b"Subject", b"X", b":", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\n\n",
    b"\n ", b"\n\t", b"\x0b", b"\x0c", b"\x00", b"\x7f", b"\x85", b"\xc3\xa9", b"From ",
    b"=?utf-8?q?x?=", b"a b", b"Name :", b"Date: x\n", b"To: a@b.c,\n\tc@d.e\n",
    b'To: "Doe, Jo" <j@x.y>\n', b"Cc: friends: a@b.c, (the boss) d@e.f;\n",
    b"Date: Mon, 1 Jan 2024 10:00:00 +0000 (UTC)\n", b"FROM: =?iso-8859-1?q?J=FCrgen?= <j@x>\n",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14))
def test_generated_header_blocks_read_the_same_both_ways(pieces: list[bytes]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, general = both_ways(monkeypatch, b"".join(pieces))
    assert fast == general


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["", "Mon, ", "Sun, ", "Foo, ", "  Tue, "]),
    st.integers(0, 40),
    st.sampled_from(["Jan", "Feb", "Nov", "nov", "Xyz"]),
    st.sampled_from([1000, 1899, 1970, 1971, 2023, 2200, 2201, 9999]),
    st.integers(0, 25),
    st.integers(0, 61),
    st.sampled_from(["", ":00", ":59", ":60", ":99"]),
    st.sampled_from(["+0000", "-0000", "+0130", "-0530", "+2359", "+2400", "-9999", "GMT"]),
    st.sampled_from(["", " ", "\t"]),
)
def test_rfc5322_dates_read_directly_as_the_general_parser_reads_them(
    weekday: str, day: int, month: str, year: int, hh: int, mm: int, ss: str, zone: str,
    tail: str,
) -> None:
    text = f"{weekday}{day} {month} {year} {hh:02d}:{mm:02d}{ss} {zone}{tail}"
    direct = parse_date(text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(_mail_dates, "_RFC5322_DATE", NEVER)
        assert parse_date(text) == direct, text


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["a@b", "MAILER-DAEMON", "178@xxx", "x@mon", "Monday", "a@Tue,", "-"]),
    st.sampled_from(["Mon", "Sun", "mon", "Xyz"]),
    st.sampled_from(["Jan", "Dec", "jan", "Foo"]),
    st.sampled_from(["1", " 1", "01", "31", "32", "0"]),
    st.sampled_from(["00", "8", "23", "24"]),
    st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59", "61"]),
    st.sampled_from(["", "+0000 ", "-0130 ", "MET ", "+2500 "]),
    st.sampled_from(["2010", "1970", "2300", "0001"]),
    st.sampled_from(["", " +0100", "  ", "\r"]),
)
def test_from_lines_read_directly_as_the_general_pattern_reads_them(
    sender: str, weekday: str, month: str, day: str, hh: str, mm: str, ss: str, zone: str,
    year: str, tail: str,
) -> None:
    line = f"From {sender} {weekday} {month} {day} {hh}:{mm}:{ss} {zone}{year}{tail}"
    direct = _mail_dates.parse_from_line_date(line)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(_mail_dates, "_FROM_LINE_DATE", NEVER)
        assert _mail_dates.parse_from_line_date(line) == direct, line
        assert _mail_dates.parse_from_line_date(line.encode("latin-1")) == direct, line


def test_every_corpus_from_line_reads_the_same_both_ways(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [raw.from_line for path in sorted((corpus / "mbox").rglob("*")) if path.is_file()
             for raw in iter_messages(open(path, "rb")) if raw.from_line]  # noqa: SIM115
    assert len(lines) > 100
    direct = [_mail_dates.parse_from_line_date(line) for line in lines]
    monkeypatch.setattr(_mail_dates, "_FROM_LINE_DATE", NEVER)
    assert [_mail_dates.parse_from_line_date(line) for line in lines] == direct


def test_an_address_header_read_again_is_the_same_and_not_shared() -> None:
    value = "=?utf-8?q?Zo=C3=AB?= <zoe@x.com>, bo@x.com"
    first = _mail_headers.parse_addresses(value)
    first.append(_mail_headers.Address("changed@x.com"))  # the caller's list is its own
    again = _mail_headers.parse_addresses(value)
    assert [(a.email, a.name) for a in again] == [("zoe@x.com", "Zoë"), ("bo@x.com", None)]
    long = ", ".join(f"p{i}@x.com" for i in range(200))  # too long to be remembered
    assert len(_mail_headers.parse_addresses(long)) == 200


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    list("ab é ") + ["\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\x9b", "\xa0",
                    "\u200b", "\u202e", "\u2028", "\u3000", "\ufeff"]), max_size=12))
def test_one_line_text_reads_the_same_without_the_general_cleaning(text: str) -> None:
    from crb_tui import text as t

    general = t._SPACE.sub(" ", t.CONTROL.sub(" ", text)).strip()[:5] or None
    assert t.one_line(text, 5) == general


def test_a_message_read_once_for_its_lists_and_its_bulk_mark(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The source learns a message's mailing lists, then bulk_reason asks again: worked out
    # once, and the caller's set is its own.
    from crb_tui.sdk import _mail_lists
    from crb_tui.sdk.mail import MailingLists, bulk_reason

    calls = []
    real = _mail_lists._list_addresses
    monkeypatch.setattr(_mail_lists, "_list_addresses", lambda h: calls.append(1) or real(h))
    headers = headers_from_bytes(b"From: a@x.com\nSender: owner-magick@lists.example\n")
    lists = MailingLists()
    lists.learn(headers)
    assert bulk_reason(headers) == "Sender: a mailing list"
    found = _mail_lists.list_addresses(headers)
    found.add("changed@x.com")
    assert _mail_lists.list_addresses(headers) == {"magick@lists.example"} == lists.known
    assert len(calls) == 1


def test_a_source_reads_the_clock_and_the_envelope_sender_only_when_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datetime as dt

    from crb_tui import clock
    from crb_tui.sdk.mail import parse_mail

    now = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now_utc", lambda: pytest.fail("the clock was read"))
    asked: list[int] = []

    def envelope() -> str:
        asked.append(1)
        return "env@x.org"

    # A Date more than a day after the given now is a wrong clock, as after the clock's now,
    # and with no other date the message is dated then (the import).
    late = headers_from_bytes(b"From: a@x.com\nDate: Thu, 4 Jan 2024 09:00:00 +0000\n")
    parsed = parse_mail(late, envelope_sender=envelope, now=now)
    assert (parsed.date, parsed.date_from) == (now, "import")
    assert "a wrong clock" in (parsed.wrong_date or "")
    ok = headers_from_bytes(b"From: a@x.com\nDate: Mon, 1 Jan 2024 09:00:00 +0000\n")
    assert parse_mail(ok, envelope_sender=envelope, now=now).date == now.replace(hour=9)
    assert asked == []  # the From header named the sender
    nobody = headers_from_bytes(b"Date: Mon, 1 Jan 2024 09:00:00 +0000\n")
    assert parse_mail(nobody, envelope_sender=envelope, now=now).sender.email == "env@x.org"
    assert asked == [1]


def test_an_address_read_in_another_header_is_the_same_and_not_shared() -> None:
    # Each mailbox of a list is remembered on its own: the same person in another To/Cc.
    one = _mail_headers.parse_addresses("=?utf-8?q?Zo=C3=AB?= <zoe@x.com>, bo@x.com")
    other = _mail_headers.parse_addresses("cy@x.com, =?utf-8?q?Zo=C3=AB?= <zoe@x.com>")
    assert [(a.email, a.name) for a in other] == [("cy@x.com", None), ("zoe@x.com", "Zoë")]
    assert other[1] == one[0]
    other.append(_mail_headers.Address("changed@x.com"))
    assert len(_mail_headers.parse_addresses("cy@x.com, =?utf-8?q?Zo=C3=AB?= <zoe@x.com>")) == 2


@pytest.mark.parametrize("field", ["List-Id: <l.example>", "Precedence: bulk",
                                   "Auto-Submitted: auto-replied", "X-BeenThere: l@x.org",
                                   "Sender: owner-l@x.org", "List-Unsubscribe: <mailto:u@x>"])
def test_a_message_without_any_bulk_field_is_personal_and_one_with_one_is_not(
    field: str,
) -> None:
    from crb_tui.sdk.mail import bulk_reason

    plain = b"From: a@x.com\nTo: b@x.com\nSubject: hi\n"
    assert bulk_reason(headers_from_bytes(plain)) is None
    assert bulk_reason(headers_from_bytes(plain + field.encode() + b"\n")) is not None
    asked = MailHeaders([("FROM", "a@x.com")])
    assert asked.get("From") == asked.get("from") == "a@x.com"  # any case asked


@pytest.mark.parametrize("raw", [
    b"From: a@b.c\n\nTo: d@e.f\n",  # a blank line inside
    b" folded: first\nFrom: a@b.c\n",  # a continuation with no field before it
    b"From : a@b.c\nTo: d@e.f\n",  # obsolete ``Name :``
    b"From: a@b.c\njunk line\nTo: d@e.f\n",  # a line that is no field
    b"Fr\xc3\xb6m: a@b.c\n",  # 8-bit bytes in a name
])
def test_a_block_with_a_line_that_is_no_field_goes_to_the_standard_parser(
    monkeypatch: pytest.MonkeyPatch, raw: bytes,
) -> None:
    used: list[bytes] = []
    parser = _mail_headers._HEADER_PARSER

    class Counting:
        def parsebytes(self, data: bytes) -> object:
            used.append(data)
            return parser.parsebytes(data)

    fast, general = both_ways(monkeypatch, raw)
    assert fast == general
    monkeypatch.setattr(_mail_headers, "_HEADER_PARSER", Counting())
    headers_from_bytes(raw)
    assert used, "a block with a line that is no field was split by the fast path"


ID_PIECES = ["<", ">", "@", "a", "B", ".", " ", "\t", "\n ", "(c)", "=", "?", ";", ":", "~", "é",
             "\x7f", "x" * 450]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(ID_PIECES), min_size=1, max_size=10))
def test_message_ids_read_the_same_without_the_shortcut(pieces: list[str]) -> None:
    value = "".join(pieces)
    fast = _mail_headers.normalise_message_id(value)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(_mail_headers, "_SIMPLE_ID", NEVER)
        assert _mail_headers.normalise_message_id(value) == fast
    assert _mail_headers.normalise_message_id("<Abc.1@B@Example.COM>") == "Abc.1@B@example.com"


def test_messages_with_the_same_fields_share_where_they_are_not_their_values() -> None:
    one = headers_from_bytes(b"From: a@x.com\nTo: b@x.com\nReceived: 1\nReceived: 2\n")
    two = headers_from_bytes(b"From: c@x.com\nTo: d@x.com\nReceived: 3\nReceived: 4\n")
    assert one._plan is two._plan  # (worked out once for the sequence of names)
    assert [one.get("from"), two.get("from"), two.get("to")] == ["a@x.com", "c@x.com", "d@x.com"]
    assert one.get_all("received") == ["1", "2"] and two.get_all("Received") == ["3", "4"]
    other = headers_from_bytes(b"to: e@x.com\nFROM: f@x.com\nX-A: 1\nx-a: 2\n")
    assert other.names() == ["to", "from", "x-a"] and other.get("From") == "f@x.com"
    assert other.get_all("x-a") == ["1", "2"] and "X-A" in other and "cc" not in other
    assert other.get("cc", "none") == "none" and other.get_all("cc") == []
