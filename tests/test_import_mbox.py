"""The mbox importer (plugins/crb_mbox): Unix mailboxes, Google Takeout, single .eml messages."""

from __future__ import annotations

import datetime as dt
import io
import os
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import crb_mbox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crb_tui.records import NOBODY_YET, Interaction, Reject, Skip
from crb_tui.testing import sync_context

from .conftest import Crb, interrupt_at_batch, rows, write_mbox

ME = ("me@example.com",)
FIXTURE = HealthCheck.function_scoped_fixture


def iter_source(paths: list[Path], me: tuple[str, ...] = ME, **config: Any) -> Iterator[Any]:
    """The source on its own, without a store: what it yields, as it yields it."""
    found: list[Any] = []
    crb_mbox.register_sources(found.append)
    (source,) = found
    progress: list[tuple[int, int | None, str]] = []
    run_source.progress = progress  # type: ignore[attr-defined]
    ctx = sync_context(
        source, config=config, paths=paths, me=me,
        progress=lambda _s, done, total, msg: progress.append((done, total, msg)),
    )
    yield from source.sync(ctx)


def run_source(paths: list[Path], me: tuple[str, ...] = ME, **config: Any) -> list[Any]:
    return list(iter_source(paths, me, **config))


def kinds(records: list[Any]) -> Counter[str]:
    return Counter(
        r.direction if isinstance(r, Interaction) else f"{type(r).__name__}:{r.reason}"
        for r in records
    )


def keep_bulk(config_file: Path) -> None:
    with open(config_file, "a", encoding="utf-8") as fh:
        fh.write("\n[sources.mbox]\nskip_bulk = false\n")


def corpus_files(corpus: Path, folder: str) -> list[Path]:
    return sorted(p for p in (corpus / folder).rglob("*") if p.is_file())


# -- detection ----------------------------------------------------------------------------


def test_detection_on_every_corpus_file(corpus: Path) -> None:
    for path in corpus_files(corpus, "mbox"):
        assert crb_mbox.detect(path, path.read_bytes()[:65536]) == "mbox", path
    for path in corpus_files(corpus, "eml"):
        assert crb_mbox.detect(path, path.read_bytes()[:65536]) == "eml", path
    for folder in ("ics", "vcf", "csv", "google_api"):
        for path in corpus_files(corpus, folder):
            assert crb_mbox.detect(path, path.read_bytes()[:65536]) is None, path


def test_detection_of_built_files(tmp_path: Path) -> None:
    def detect(name: str, head: bytes) -> str | None:
        return crb_mbox.detect(tmp_path / name, head)

    assert detect("x", b"From 1790000000000000000@xxx Mon Jan 01 00:00:00 +0000 2026\r\n") == "mbox"
    assert detect("x", b"\n\nFrom a@b.c Thu Jan 15 13:22:25 2015\nFrom: a@b.c\n") == "mbox"
    assert detect("1234.host:2,S", b"Return-Path: <a@b.c>\nFrom: a@b.c\nTo: d@e.f\n\nhi") == "eml"
    assert detect("m.eml", b"Content-Type: text/plain\n\nbody") == "eml"
    assert detect("m.txt", b"Content-Type: text/plain\n\nbody") is None
    assert detect("notes.txt", b"From here we go\nand on\n") is None
    assert detect("c.csv", b"Notes:\n\"When exporting your data...\"\n\nFirst Name,Last\n") is None
    assert detect("c.csv", b"Email,Name\nann@x.com,Ann\n") is None
    assert detect("c.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n") is None
    assert detect("e.eml", b"") is None


# -- every corpus file --------------------------------------------------------------------


def test_every_corpus_mbox_and_eml_file_reads_without_a_traceback(corpus: Path) -> None:
    for path in corpus_files(corpus, "mbox") + corpus_files(corpus, "eml"):
        records = run_source([path], skip_bulk=False)
        assert records, path
        assert all(isinstance(r, Interaction | Skip | Reject) for r in records), path
        for r in records:
            if isinstance(r, Reject):
                assert r.where.startswith(str(path)) and r.reason, r


def test_whole_corpus_through_the_cli(crb: Crb, corpus: Path) -> None:
    mboxes = [str(p) for p in corpus_files(corpus, "mbox")]
    emls = [str(p) for p in corpus_files(corpus, "eml")]
    # One run of the mbox source reads the mailboxes and the single messages alike.
    (out,) = crb.json("import", *mboxes, *emls, status=3)["sources"]
    assert out["ok"] and not out["errors"]
    # Almost all of it is mailing-list mail, dropped as bulk; the archivers' copies (and the
    # CRLF copy of the perl mailbox) are duplicates; what is left is personal mail.
    # The personal mail is from people the user never wrote to: kept for when they become
    # people, and counted as skipped with that reason (never as imported while nobody sees it).
    assert (out["seen"], out["imported"], out["skipped"], len(out["rejected"])) == (
        1045 + 107, 0,
        # (two from mailing-list software: majordomo@, a list's -request address; one from a
        # bug tracker whose X-Loop names itself, magick-bugs@)
        {"bulk mail": 373 + 2, "duplicate message-id": 635 + 1, "role address": 2,
         # (+4: saved messages without a usable Date, dated by their file since trial 9 F11;
         # two more of the six turned out to have a sender that is no address: rejected)
         NOBODY_YET: 37 + 68 - 3 + 4}, 33)
    assert all("/eml/" in r["where"] for r in out["rejected"])
    assert out["new_people"] == 0  # nobody the user wrote to
    (again,) = crb.json("import", *mboxes, *emls, status=3)["sources"]
    assert (again["imported"], again["unchanged"]) == (0, 0)
    assert again["skipped"][NOBODY_YET] == 37 + 68 - 3 + 4


def test_three_archivers_of_one_month_import_as_one_set(
    crb: Crb, corpus: Path, config_file: Path, db_path: Path
) -> None:
    keep_bulk(config_file)
    # Every sender becomes a person (to triage), so that each message is counted as stored.
    with open(config_file, "a", encoding="utf-8") as fh:
        fh.write('\n[identity]\ncreate_people_from = "any"\n')
    apache = corpus / "mbox" / "apache"
    files = [str(apache / f"maven-dev-2017-12-{a}.mbox")
             for a in ("listsao", "mailarchivesao", "mboxvm")]
    together = crb.json("import", *files)["sources"][0]
    # 222 + 221 + 221 messages; listsao holds one message twice; 221 distinct Message-IDs, 51
    # of them from GitHub's relay (git@git.apache.org: many people's comments, no one's).
    assert together["imported"] == 170
    assert together["skipped"] == {"duplicate message-id": 443, "role address": 51}
    assert rows(db_path, "select count(*) from interactions")[0][0] == 170
    # One file at a time, in separate runs, the store's upsert dedupes across runs. The few
    # messages without a Date header take their archiver's From_ line date, seconds apart.
    for f in files:
        out = crb.json("import", f)["sources"][0]
        assert out["imported"] == 0 and out["unchanged"] + out["updated"] == 170
        assert out["updated"] <= 6
    assert rows(db_path, "select count(distinct source_key) from interactions")[0][0] == 170
    # httpd-users-2020-07 and its .asf copy: the same 108 messages.
    pair = [str(apache / "httpd-users-2020-07.mbox"), str(apache / "httpd-users-2020-07.asf.mbox")]
    out = crb.json("import", *pair)["sources"][0]
    assert out["imported"] == 106  # 108 messages, two of them from role addresses
    assert out["skipped"] == {"duplicate message-id": 108, "role address": 2}


def test_default_drops_list_mail_as_bulk(corpus: Path) -> None:
    records = run_source([corpus / "mbox" / "apache" / "maven-dev-2017-12-mboxvm.mbox"])
    assert kinds(records) == {"Skip:bulk mail": 221}
    assert "(List-Unsubscribe)" in records[0].key


def test_pipermail_senders_and_encoded_names(corpus: Path) -> None:
    perceval = corpus / "mbox" / "perceval"
    (march,) = run_source([perceval / "pipermail_2016_march.mbox"])
    assert march.with_.value == "gpoo@example.com" and march.name == "Germán Poo-Caamaño"
    assert march.direction == "in"
    assert march.at == dt.datetime(2016, 3, 3, 17, 20, 35, tzinfo=dt.UTC)
    assert march.source_key == "msg:1457025635.7479.7.camel@calcifer.org|gpoo@example.com"
    november = run_source([perceval / "pipermail_2015_november.mbox"])
    assert [r.with_.value for r in november] == [
        "andy@example.com", "jgb@gsyc.es", "andy@example.com", "andy@example.com"]
    assert november[1].name == "Jesus M. Gonzalez-Barahona"
    complex_ = run_source([perceval / "mbox_complex.mbox"], skip_bulk=False)
    assert [(r.with_.value, r.name) for r in complex_] == [
        ("eloli@hotmail.com", "Eugenia Loli-Queru"), ("danilo@gnome.org", "Danilo Šegan")]


def test_non_ascii_bytes_in_from_lines(corpus: Path) -> None:
    perceval = corpus / "mbox" / "perceval"
    (latin,) = run_source([perceval / "mbox_iso8859_encoding.mbox"])
    assert latin.with_.value == "lucíacharlie@wellsfargo.com" and latin.name == "Lucía Charlie"
    assert latin.subject == "[ovs-dev] Remittance Advice"
    assert latin.at == dt.datetime(2016, 11, 7, 18, 44, 27, tzinfo=dt.UTC)
    (quoted,) = run_source([perceval / "mbox_unixfrom_encoding.mbox"])
    assert quoted.with_.value == "christian@example.org"
    assert quoted.thread == "4ADDAFD4-A226-4F68-B02D-EDA5DE355104@wikimedia.org"


def test_missing_empty_and_broken_dates_and_ids(corpus: Path) -> None:
    records = run_source([corpus / "mbox" / "perceval" / "mbox_no_fields.mbox"])
    # 6 messages: 1, 2, 3 and 5 share one Message-ID (3 has no Date, 5 an empty one),
    # 4 has an empty Message-Id (a stand-in id), 6 a Date with junk in front.
    assert kinds(records) == {"in": 3, "Skip:duplicate message-id": 3}
    got = [(r.source_key.split("|")[0], r.at) for r in records if isinstance(r, Interaction)]
    assert got[0] == ("msg:4CF64D10.9020206@domain.com",
                      dt.datetime(2010, 12, 1, 13, 26, 40, tzinfo=dt.UTC))
    assert got[1][0].endswith("@no-message-id.crb")
    assert got[2] == ("msg:0000be042b7b@domain.com",
                      dt.datetime(2016, 9, 21, 19, 42, 7, tzinfo=dt.UTC))
    (no_date,) = run_source([corpus / "mbox" / "apache" / "no_date.mbox"], skip_bulk=False)
    assert isinstance(no_date, Reject) and no_date.where.endswith("no_date.mbox:1")


def test_crlf_mailbox_reads_like_the_lf_one_and_own_mail_is_outbound(corpus: Path) -> None:
    perl = corpus / "mbox" / "perl-mail-box"
    me = ("markov@atcomputing.nl",)
    lf = run_source([perl / "mbox.src.mbox"], me=me, skip_bulk=False)
    crlf = run_source([perl / "mbox.win.mbox"], me=me, skip_bulk=False)
    assert len(lf) == 46

    def key(r: Any) -> tuple[Any, ...]:
        if isinstance(r, Skip):
            return (r.reason, r.key.split(":")[-1])
        return (r.source_key, r.at, r.direction)

    assert [key(r) for r in lf] == [key(r) for r in crlf]
    # The list (magick@wizards.dupont.com, learned from its Sender: owner-magick@) and the bug
    # tracker (magick-bugs@, its X-Loop naming itself) are no one, also when written to.
    assert kinds(lf) == {"in": 30, "out": 12, "Skip:mailing list address": 4}
    assert {r.key.rsplit(" ", 1)[-1] for r in lf if isinstance(r, Skip)} == {
        "(magick@wizards.dupont.com)", "(magick-bugs@simple.dallas.tx.us)"}
    people = run_source([perl / "mbox.src.mbox"], me=me)
    assert kinds(people) == {
        "in": 9, "out": 12, "Skip:bulk mail": 22, "Skip:mailing list address": 3}


def test_eml_files(corpus: Path) -> None:
    legacy = corpus / "eml" / "stalwart-mail-parser" / "legacy"
    (rec,) = run_source([legacy / "001.eml"])
    assert (rec.with_.value, rec.name, rec.subject) == (
        "doug@example.com", "Doug Sauder", "Die Hasen und die Frösche (Microsoft Outlook 00)")
    assert rec.at == dt.datetime(2000, 5, 17, 23, 18, 39, tzinfo=dt.UTC)
    malformed = corpus / "eml" / "stalwart-mail-parser" / "malformed"
    (only_mime,) = run_source([malformed / "000.eml"])
    assert isinstance(only_mime, Reject) and "no sender" in only_mime.reason
    (mangled,) = run_source([malformed / "019.eml"])
    assert isinstance(mangled, Reject) and mangled.where == str(malformed / "019.eml") + ":1"


# -- a Google Takeout mailbox -------------------------------------------------------------

THRID = 1790000000000000001


def message(n: int, headers: str, body: str = "Hello.\n", *, from_line: bytes | None = None,
            thrid: int = THRID + 1, labels: str = "Inbox") -> bytes:
    # Delivered (the From_ line) a day after the Date, as a real mailbox has it.
    day = min(n + 1, 28)
    top = from_line or f"From {THRID + n}@xxx Mon Jan {day:02d} 10:00:00 +0000 2026".encode()
    head = f"X-GM-THRID: {thrid + n}\nX-Gmail-Labels: {labels}\n{headers.strip()}\n"
    return top + b"\n" + head.encode() + b"\n" + body.encode() + b"\n"


def takeout(tmp_path: Path, crlf: bool = False) -> Path:
    parts = [
        message(1, """
From: Alice Smith <alice@example.org>
To: me@example.com
Subject: =?UTF-8?Q?Caf=C3=A9_on_Friday=3F?=
Date: Thu, 01 Jan 2026 09:00:00 +0100
Message-ID: <alice-1@example.org>""", labels='Inbox,Important,"Quoted, label"'),
        message(2, """
From: Me <me@example.com>
To: Bob <bob@example.net>
Cc: carol@example.net, me@example.com
Bcc: dave@example.net
Subject: Proposal
Date: Fri, 02 Jan 2026 10:00:00 +0000
Message-ID: <me-2@example.com>""", labels="Sent", thrid=THRID),
        message(3, """
From: Bob <bob@example.net>
To: me@example.com
Subject: Re: Proposal
Date: Sat, 03 Jan 2026 11:00:00 +0000
In-Reply-To: <me-2@example.com>
References: <me-2@example.com>
Message-ID: <bob-3@example.net>""", labels="Inbox,Opened", thrid=THRID - 1),
        message(4, """
From: Prince <prince@scam.example>
To: me@example.com
Subject: Money
Date: Sun, 04 Jan 2026 12:00:00 +0000
Message-ID: <spam-4@scam.example>""", labels="Spam"),
        message(5, """
From: Old Friend <old@example.org>
To: me@example.com
Subject: deleted
Date: Mon, 05 Jan 2026 12:00:00 +0000
Message-ID: <trash-5@example.org>""", labels="Trash,Opened"),
        message(6, """
From: Chat Person <chat@example.org>
Subject: Chat with Chat Person
Date: Tue, 06 Jan 2026 12:00:00 +0000
Message-ID: <chat-6@example.org>""", labels="Chat"),
        message(7, """
From: Shop News <news@shop.example>
To: me@example.com
Subject: 50% off
Date: Wed, 07 Jan 2026 12:00:00 +0000
List-Unsubscribe: <mailto:unsubscribe@shop.example>
Message-ID: <news-7@shop.example>""", labels="Category Promotions"),
        message(8, """
From: Erin <erin@example.org>
To: alice@example.org
Cc: me@example.com
Subject: Intro
Date: Thu, 08 Jan 2026 12:00:00 +0000
Message-ID: <erin-8@example.org>""",
                body="Alice, meet Me.\n\n>From the archive, escaped.\nFrom here it goes on.\n\n"
                     "From Mon to Fri, 9:30 to 17:00 in 2026\n"),
        message(9, """
From: No Date <nodate@example.org>
To: me@example.com
Subject: undated
Message-ID: <nodate-9@example.org>""",
                from_line=b"From 17900000000000000\xe9\xff@xxx Fri Jan 09 08:07:06 +0000 2026"),
        message(10, """
From: GitHub <noreply@github.com>
To: me@example.com
Subject: [repo] build passed
Date: Fri, 09 Jan 2026 12:00:00 +0000
Message-ID: <gh-10@github.com>"""),
        message(11, """
From: Auto <frank@example.org>
To: me@example.com
Subject: Out of office
Date: Sat, 10 Jan 2026 12:00:00 +0000
Auto-Submitted: auto-replied
Message-ID: <ooo-11@example.org>"""),
    ]
    data = b"".join(parts)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    path = tmp_path / ("takeout-crlf.mbox" if crlf else "All mail Including Spam and Trash.mbox")
    path.write_bytes(data)
    return path


def test_takeout_mailbox(crb: Crb, tmp_path: Path, db_path: Path) -> None:
    path = takeout(tmp_path)
    out = crb.json("import", str(path))["sources"][0]
    assert out["ok"] and not out["rejected"]
    # alice, erin and nodate are nobody the user wrote to: kept, counted as skipped.
    assert out["skipped"] == {"label Spam": 1, "label Trash": 1, "label Chat": 1,
                              "bulk mail": 2, "role address": 1, NOBODY_YET: 3}
    assert out["imported"] == 3 + 1  # bob+carol+dave, bob
    assert out["new_people"] == 3  # only the people the user wrote to
    got = rows(db_path, "select source_key, direction, at, subject, thread, person_id is not null "
                        "from interactions order by at, source_key")
    assert got == [
        ("msg:alice-1@example.org|alice@example.org", "in", "2026-01-01T08:00:00+00:00",
         "Café on Friday?", f"gmail:{THRID + 2:x}", 0),
        ("msg:me-2@example.com|bob@example.net", "out", "2026-01-02T10:00:00+00:00",
         "Proposal", f"gmail:{THRID + 2:x}", 1),
        ("msg:me-2@example.com|carol@example.net", "out", "2026-01-02T10:00:00+00:00",
         "Proposal", f"gmail:{THRID + 2:x}", 1),
        ("msg:me-2@example.com|dave@example.net", "out", "2026-01-02T10:00:00+00:00",
         "Proposal", f"gmail:{THRID + 2:x}", 1),
        ("msg:bob-3@example.net|bob@example.net", "in", "2026-01-03T11:00:00+00:00",
         "Re: Proposal", f"gmail:{THRID + 2:x}", 1),
        ("msg:erin-8@example.org|erin@example.org", "in", "2026-01-08T12:00:00+00:00",
         "Intro", f"gmail:{THRID + 1 + 8:x}", 0),
        ("msg:nodate-9@example.org|nodate@example.org", "in", "2026-01-09T08:07:06+00:00",
         "undated", f"gmail:{THRID + 1 + 9:x}", 0),
    ]
    assert rows(db_path, "select name from people order by name") == [
        ("Bob",), ("carol@example.net",), ("dave@example.net",)]
    # Everyone else waits in triage as an identity with the name their mail gave.
    assert ("erin@example.org", "Erin") in rows(
        db_path, "select value, display_name from identities where person_id is null")
    # Importing the same file again adds nothing.
    again = crb.json("import", str(path))["sources"][0]
    assert again["imported"] == 0 and again["unchanged"] == 4 and again["new_people"] == 0
    assert again["skipped"][NOBODY_YET] == 3
    assert rows(db_path, "select count(*) from interactions")[0][0] == 7


def test_takeout_crlf_and_labels_setting(crb: Crb, tmp_path: Path, config_file: Path) -> None:
    with open(config_file, "a", encoding="utf-8") as fh:
        fh.write('\n[sources.mbox]\nskip_labels = ["Spam"]\n')
    out = crb.json("import", str(takeout(tmp_path, crlf=True)))["sources"][0]
    assert out["skipped"] == {"label Spam": 1, "bulk mail": 2, "role address": 1, NOBODY_YET: 5}
    assert out["imported"] == 4


def test_dry_run_writes_nothing(crb: Crb, tmp_path: Path, db_path: Path) -> None:
    path = takeout(tmp_path)
    dry = crb.json("import", str(path), "--dry-run")
    assert dry["dry_run"] and dry["sources"][0]["imported"] == 4
    assert dry["sources"][0]["skipped"][NOBODY_YET] == 3
    assert rows(db_path, "select count(*) from interactions")[0][0] == 0


def test_split_only_on_real_from_lines(tmp_path: Path) -> None:
    records = run_source([takeout(tmp_path)])
    assert len([r for r in records if isinstance(r, Interaction | Skip | Reject)]) == 13
    assert run_source.progress[-1][1] == takeout(tmp_path).stat().st_size  # type: ignore[attr-defined]


def test_unreadable_files_change_nothing(crb: Crb, tmp_path: Path, db_path: Path) -> None:
    crb("import", str(takeout(tmp_path)))
    before = rows(db_path, "select count(*) from interactions")
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.mbox"
    garbage.write_bytes(bytes(range(256)) * 40)
    for path in (empty, garbage):
        out = crb.json("import", "--format", "mbox", str(path), status=3)["sources"][0]
        assert out["ok"] and out["imported"] == 0 and len(out["rejected"]) == 1, out
        assert out["rejected"][0]["where"].startswith(str(path))
    assert rows(db_path, "select count(*) from interactions") == before
    assert run_source([tmp_path / "missing.mbox"]) == [
        Reject("cannot read: No such file or directory", str(tmp_path / "missing.mbox"))]


# -- constant memory ----------------------------------------------------------------------


def test_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    body = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 2 + "\n") * 300
    with open(path, "wb") as fh:
        for i in range(1000):
            fh.write(message(i, f"""
From: Person {i % 50} <p{i % 50}@example.org>
To: me@example.com
Subject: Message {i}
Date: Thu, 01 Jan 2026 09:00:00 +0000
Message-ID: <m{i}@example.org>""", body=body))
        # One message with a 8 MB body line that never ends, and a 2 MB header line.
        fh.write(b"From x@y.z Mon Jan 05 10:00:00 2026\nFrom: huge@example.org\n"
                 b"X-Junk: " + b"j" * 2_000_000 + b"\nMessage-ID: <huge@x>\n"
                 b"Date: Mon, 05 Jan 2026 10:00:00 +0000\n\n" + b"b" * 8_000_000 + b"\n")
    size = path.stat().st_size
    assert size > 30_000_000
    tracemalloc.start()
    try:
        count = 0
        for _record in iter_source([path]):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1001
    assert peak < 6_000_000, f"peak {peak} bytes while streaming a {size} byte file"


def test_splitter_reads_lines_in_bounded_pieces() -> None:
    data = b"From a@b Mon Jan 05 10:00:00 2026\nFrom: a@b.c\n\n" + b"x" * 300_000 + b"\n" + \
        b"From a@b Mon Jan 05 10:00:01 2026\nFrom: d@e.f\n\nbody\n"
    got = list(crb_mbox.iter_messages(io.BytesIO(data)))
    assert [(m.number, m.line, m.header) for m in got] == [
        (1, 1, b"From: a@b.c\n"), (2, 5, b"From: d@e.f\n")]
    long_from = b"\xef\xbb\xbfFrom " + b"s" * 200_000 + b" Mon Jan 05 10:00:00 2026\nTo: x@y.z\n\n"
    (only,) = crb_mbox.iter_messages(io.BytesIO(long_from))
    assert only.header == b"To: x@y.z\n" and only.from_line.startswith(b"From sss")


# -- never a traceback --------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[FIXTURE])
@given(data=st.binary(max_size=3000), from_first=st.booleans())
def test_arbitrary_bytes_give_a_clear_reject_never_a_traceback(
    tmp_path: Path, data: bytes, from_first: bool
) -> None:
    path = tmp_path / "fuzz.mbox"
    path.write_bytes((b"From x Mon Jan 01 00:00:00 2026\n" if from_first else b"") + data)
    for record in run_source([path]):
        assert isinstance(record, Interaction | Skip | Reject)
        if isinstance(record, Reject):
            assert record.reason and record.where.startswith(str(path))


@settings(max_examples=40, deadline=None, suppress_health_check=[FIXTURE])
@given(cut=st.floats(min_value=0.0, max_value=1.0), pick=st.integers(min_value=0))
def test_truncated_corpus_files(corpus: Path, tmp_path: Path, cut: float, pick: int) -> None:
    files = corpus_files(corpus, "mbox")[:-2] + corpus_files(corpus, "eml")[::5]
    source = files[pick % len(files)]
    data = source.read_bytes()
    path = tmp_path / "truncated.mbox"
    path.write_bytes(data[: int(len(data) * cut)])
    for record in run_source([path], skip_bulk=False):
        assert isinstance(record, Interaction | Skip | Reject)


def _mass_mailbox(tmp_path: Path) -> Path:
    def mail(n: int, count: int) -> str:
        to = ",\n ".join(f"person{i}@example.org" for i in range(count))
        return (f"From me@example.com Mon Jan 05 10:00:00 +0000 2026\nFrom: Me <me@example.com>\n"
                f"To: {to}\nSubject: Note {n}\nDate: Mon, 05 Jan 2026 10:0{n}:00 +0000\n"
                f"Message-ID: <mass-{n}@example.com>\n\nHello\n\n")

    path = tmp_path / "sent.mbox"
    path.write_text(mail(1, 60_000) + mail(2, 50))
    return path


def test_a_mass_mail_is_skipped_not_made_into_people(
    crb: Crb, tmp_path: Path, db_path: Path, config_file: Path
) -> None:
    path = _mass_mailbox(tmp_path)
    (out,) = crb.json("import", str(path))["sources"]
    assert out["skipped"] == {"too many recipients": 1}
    assert out["imported"] == 50 and out["new_people"] == 50
    assert rows(db_path, "select count(*) from people") == [(50,)]
    # The limit is a setting of the source (0: no limit).
    config_file.write_text(config_file.read_text() + "\n[sources.mbox]\nmax_recipients = 10\n")
    (again,) = crb.json("import", str(path))["sources"]
    assert again["skipped"] == {"too many recipients": 2} and again["imported"] == 0


def test_a_date_after_delivery_or_today_is_a_wrong_clock(
    crb: Crb, tmp_path: Path, db_path: Path
) -> None:
    """A Date header from a wrong clock (2099, or years after the From_ line) is not believed:
    the From_ line's date is used; a single message with no other date is dated by its file's
    time (when it existed at the latest), with a warning line saying so, never rejected."""
    box = tmp_path / "clocks.mbox"
    box.write_bytes(
        message(1, """
From: Ann <ann@example.org>
To: me@example.com
Subject: from the future
Date: Mon, 2 Nov 2099 16:00:00 +0000
Message-ID: <future-1@example.org>""", from_line=b"From ann@example.org Tue Mar 03 10:00:00 2026")
        + message(2, """
From: Ben <ben@example.org>
To: me@example.com
Subject: skewed
Date: Fri, 5 Jun 2015 16:00:00 +0000
Message-ID: <skew-2@example.org>""", from_line=b"From ben@example.org Wed Jun 02 10:00:00 2010")
        + message(3, """
From: Cy <cy@example.org>
To: me@example.com
Subject: a few hours late is fine
Date: Wed, 2 Jun 2010 20:00:00 +0000
Message-ID: <late-3@example.org>""", from_line=b"From cy@example.org Wed Jun 02 10:00:00 2010"))
    out = crb.json("import", str(box))["sources"][0]
    assert out["skipped"][NOBODY_YET] == 3 and not out["rejected"]  # stored, nobody yet
    assert rows(db_path, "select subject, at from interactions order by subject") == [
        ("a few hours late is fine", "2010-06-02T20:00:00+00:00"),
        ("from the future", "2026-03-03T10:00:00+00:00"),
        ("skewed", "2010-06-02T10:00:00+00:00"),
    ]
    eml = tmp_path / "future.eml"
    eml.write_text("From: Dee <dee@example.org>\nTo: me@example.com\nSubject: later\n"
                   "Date: Mon, 2 Nov 2099 16:00:00 +0000\nMessage-ID: <dee@example.org>\n\nHi\n")
    written = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    os.utime(eml, (written.timestamp(), written.timestamp()))
    result = crb("import", str(eml))  # exit 0: nothing rejected
    assert (f"warning: {eml}:1: Date header 2099-11-02 is more than a day after the file's "
            "time (a wrong clock): dated 2026-11-20, the file's time, instead") in result.output
    assert rows(db_path, "select at from interactions where subject = 'later'") == [
        ("2026-11-20T09:30:00+00:00",)]
    (again,) = crb.json("import", str(eml))["sources"]
    assert again["imported"] == 0 and not again["rejected"], again


def test_spellings_of_one_gmail_mailbox_are_one_person(
    crb: Crb, tmp_path: Path, db_path: Path
) -> None:
    """Gmail ignores dots and +tags (and answers at googlemail.com); Fastmail, Outlook, iCloud
    deliver +tags to the plain address; elsewhere a + may be another mailbox and is kept."""
    def mail(n: int, sender: str, to: str) -> bytes:
        return message(n, f"From: {sender}\nTo: {to}\nSubject: m{n}\n"
                          f"Date: Thu, 0{n} Jan 2026 09:00:00 +0000\nMessage-ID: <m{n}@x.example>")
    box = tmp_path / "spellings.mbox"
    box.write_bytes(
        mail(1, "Ann Example <Ann.Example@Gmail.com>", "me@example.com")
        + mail(2, "me@example.com", "ann.example+crm@gmail.com")
        + mail(3, "me@example.com", "annexample@googlemail.com")
        + mail(4, "me@example.com", "bo+work@fastmail.com")
        + mail(5, "Bo <bo@fastmail.com>", "me@example.com")
        + mail(6, "me@example.com", "cy+x@example.org, cy@example.org"))
    out = crb.json("import", str(box))["sources"][0]
    assert out["imported"] == 7 and not out["rejected"]
    people = rows(db_path, "select p.name, group_concat(i.value, ' ') from people p "
                           "join identities i on i.person_id = p.id group by p.id order by p.name")
    assert people == [
        ("Ann Example",
         "ann.example@gmail.com ann.example+crm@gmail.com annexample@googlemail.com"),
        ("Bo", "bo+work@fastmail.com bo@fastmail.com"),
        ("cy+x@example.org", "cy+x@example.org"),
        ("cy@example.org", "cy@example.org"),
    ]
    # Every message, Ann's own included, is a touch with its person.
    assert rows(db_path, "select count(*) from interactions where person_id is null") == [(0,)]
    shown = crb("show", "Ann Example").output
    assert "ann.example+crm@gmail.com" in shown and "Ann Example" in shown


def test_the_summary_says_why_mail_made_no_one(
    crb: Crb, corpus: Path, config_file: Path, db_path: Path
) -> None:
    """Mail from people the user never wrote to is kept for no one: the summary says how many
    and which setting decides (and that an empty [me] emails means nothing is ever sent)."""
    perceval = str(corpus / "mbox" / "perceval")
    out = crb("import", perceval).stdout
    kept = rows(db_path, "select count(*) from interactions where person_id is null")[0][0]
    assert kept > 0
    assert (f'  note: {kept} touches kept for addresses that are not people yet: [identity] '
            'create_people_from = "sent" makes people only of those you wrote to') in out
    config_file.write_text("[me]\nemails = []\n", encoding="utf-8")
    db_path.unlink()
    out = crb("import", perceval).stdout
    assert f"  note: {kept} touches kept for addresses that are not people: [me] emails is " \
           "empty, so only what a source knows to be yours (a Gmail account's own address) " \
           "counts as sent by you" in out
    # Everyone made a person: no note.
    config_file.write_text('[identity]\ncreate_people_from = "any"\n', encoding="utf-8")
    db_path.unlink()
    assert "note:" not in crb("import", perceval).stdout


def test_old_mailing_list_addresses_never_become_people(
    crb: Crb, corpus: Path, config_file: Path, db_path: Path
) -> None:
    """2000-era lists have no List-Id: magick@wizards.dupont.com is learned from its copies'
    Sender: owner-magick@, magick-bugs@ is a bug tracker; writing to them makes no one, and
    what was learned holds for the next import too. The real correspondents stay people."""
    config_file.write_text('[me]\nemails = ["markov@ATComputing.nl"]\n', encoding="utf-8")
    perl = corpus / "mbox" / "perl-mail-box" / "mbox.src.mbox"
    out = crb.json("import", str(perl))["sources"][0]
    assert out["skipped"]["mailing list address"] == 3
    names = [n for (n,) in rows(db_path, "select name from people order by name")]
    assert names == ["Bryan Burchette", "Carl Knoos", "Chris Wareham", "Cristy",
                     "Pletschette Andre"]
    assert rows(db_path, "select count(*) from identities where value like 'magick%'") == [(0,)]
    # A later mailbox with only the user's own message to the list: the list is still known.
    box = db_path.parent / "later.mbox"
    box.write_bytes(message(1, """
From: Mark Overmeer <markov@ATComputing.nl>
To: magick@wizards.dupont.com
Subject: one more question
Date: Thu, 01 Jan 2026 09:00:00 +0000
Message-ID: <later-1@atcomputing.nl>"""))
    again = crb.json("import", str(box))["sources"][0]
    assert again["skipped"] == {"mailing list address": 1} and again["new_people"] == 0


def test_an_interrupted_import_shows_where_it_stopped(
    tmp_path: Path, db_path: Path, config_file: Path, monkeypatch: Any
) -> None:
    """Ctrl-C leaves the progress bar where the reading got to (bytes of the file), not full."""
    from crb_tui.host.app_context import AppContext

    path = tmp_path / "big.mbox"
    path.write_bytes(b"".join(message(i, f"""
From: P{i} <p{i}@example.org>
To: me@example.com
Subject: m{i}
Date: Thu, 01 Jan 2026 09:00:00 +0000
Message-ID: <big{i}@example.org>""") for i in range(3000)))
    interrupt_at_batch(monkeypatch, 3)
    shown: list[tuple[int, int | None, str]] = []
    ctx = AppContext(db_path=db_path, config_path=config_file)
    try:
        (summary,) = ctx.sync(
            ["mbox"], paths=[path],
            progress=lambda _s, done, total, msg: shown.append((done, total, msg)))
    finally:
        ctx.close()
    assert summary.interrupted
    done, total, msg = shown[-1]
    assert msg == "interrupted" and total == path.stat().st_size and 0 < done < total


def test_mail_left_out_by_a_label_or_as_bulk_is_told_before_the_rest_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A duplicate is counted as one whatever its labels; a labelled or bulk message is skipped
    # with the reason mail_records gives, without its addresses and dates being read.
    box = tmp_path / "takeout.mbox"
    box.write_bytes(
        b"From 1@xxx Mon Jan 01 10:00:00 +0000 2024\nX-Gmail-Labels: Spam\n"
        b"From: a@x.com\nMessage-ID: <1@x>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nbody\n"
        b"From 2@xxx Mon Jan 01 11:00:00 +0000 2024\nList-Id: <l.x.org>\n"
        b"From: b@x.com\nMessage-ID: <2@x>\nDate: Mon, 1 Jan 2024 11:00:00 +0000\n\nbody\n"
        b"From 1@xxx Mon Jan 01 12:00:00 +0000 2024\nX-Gmail-Labels: Inbox\n"
        b"From: a@x.com\nMessage-ID: <1@x>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nbody\n"
    )
    monkeypatch.setattr(crb_mbox, "parse_mail", lambda *a, **k: pytest.fail("read whole"))
    got = run_source([box])
    assert [(type(r).__name__, r.reason, r.key.rsplit(":", 1)[-1]) for r in got] == [
        ("Skip", "label Spam", "1"),
        ("Skip", "bulk mail", "8 (List-Id)"),
        ("Skip", "duplicate message-id", "15"),
    ]
    monkeypatch.undo()
    from crb_tui.sdk.mail import headers_from_bytes, mail_records, parse_mail, skipped_unread

    for raw in (b"X-Gmail-Labels: Inbox,Trash\nFrom: a@x.com\n", b"From: a@x.com\n"
                b"Precedence: bulk\n", b"From: a@x.com\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n"):
        headers = headers_from_bytes(raw)
        whole = mail_records(parse_mail(headers), me=ME, where="w")
        early = skipped_unread(headers, where="w")
        assert early == (whole[0] if isinstance(whole[0], Skip) else None)


def test_a_code_hosts_relay_is_no_one() -> None:
    """Trial 11 T7: GitHub's relay writes each commenter's comments under their name from one
    address (`Tibor17 <git@git.apache.org>`, `olamy <git@git.apache.org>`, ...): that address
    is no one's, so a dozen people's messages are not one person's, named after the first."""
    from crb_tui.identity import is_role_address

    for relay in ("git@git.apache.org", "gitbox@apache.org", "jenkins@builds.apache.org",
                  "github@example.org", "gerrit-review@x.org"):
        assert is_role_address(relay), relay
    for person in ("gitte@x.dk", "gitta.m@x.org", "jenkinson@x.org", "travisd@x.com"):
        assert not is_role_address(person), person


def test_a_mailbox_cut_inside_its_last_headers_leaves_that_message_out(
    crb: Crb, tmp_path: Path
) -> None:
    """Trial 13 U9: a mailbox copied while the mail client appended to it ended inside the last
    message's header fields (its Date and Message-ID not there yet): that message was stored
    under a made-up key, and the whole file later stored it a second time. It is rejected,
    saying why, and the whole file then stores it once."""
    whole = write_mbox(tmp_path, [
        ("me@example.com", "Ann <ann@x.com>", "Mon, 02 Nov 2026 10:00:00 +0000"),
        ("me@example.com", "Bo <bo@x.com>", "Tue, 03 Nov 2026 10:00:00 +0000"),
    ])
    text = whole.read_text(encoding="utf-8")
    cut = tmp_path / "cut.mbox"
    cut.write_text(text[: text.index("Message-ID: <m1@x>")], encoding="utf-8")
    (out,) = crb.json("import", str(cut), status=3)["sources"]
    assert out["imported"] == 1
    (reject,) = out["rejected"]
    assert reject["where"] == f"{cut}:10"  # (its From_ line)
    assert reject["reason"] == (
        "the file ends inside message 2's header fields (cut short, or still being written?): "
        "left out; import the file again once it is whole")
    (again,) = crb.json("import", str(whole))["sources"]
    assert (again["imported"], again["unchanged"]) == (1, 1)
    keys = [row[0] for row in rows(crb.db, "select source_key from interactions order by id")]
    assert keys == ["msg:m0@x|ann@x.com", "msg:m1@x|bo@x.com"]
