"""Mail import speed: ``crb import`` of a large mbox beside the same file read by the standard
library with nothing stored, in the same run on the same machine. Prints JSON.

    python benchmarks/import_bench.py                    # 50,000 messages
    python benchmarks/import_bench.py --messages 5000    # quick
    python benchmarks/import_bench.py --repeat 3         # each figure the median of 3 runs
    python benchmarks/import_bench.py --cpu              # CPU seconds (a busy machine)

Figures (messages per second, each over the same synthetic Takeout-style mbox):

- ``stdlib_mailbox``: ``mailbox.mbox`` iteration reading From / To / Date / Message-ID (the
  standard library's whole-message parse, bodies included; what a naive importer does);
- ``stdlib_headers``: the standard library's bare header parse, the floor (bytes to header
  objects, nothing stored): a plain From_ splitter (``from_lines``: a loop over the file's
  lines, a line starting with ``From `` starts a message, the header block ends at the first
  blank line) + ``email.parser.BytesHeaderParser(policy=compat32)``, reading From / To / Date /
  Message-ID. CRB itself reads a block of well-formed header fields with one regular expression
  (the same names and values, see ``crb_tui.sdk.mail.headers_from_bytes``) and only the rest
  with that parser;
- ``stdlib_headers_crb_split``: the same parse over CRB's own splitter (``crb_mbox.split``,
  which also checks that a From_ line has a date, bounds lines and header blocks, and numbers
  lines for the messages it reports), for comparison;
- ``crb_records``: the mbox source alone, yielding records (headers -> records, no store);
- ``crb_import``: ``crb import`` into a fresh file database (write path, identity resolution,
  dedupe, health recompute), then the same file again (idempotent: nothing added).
"""

from __future__ import annotations

import argparse
import json
import logging
import mailbox
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, BinaryIO

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"
ME = "me@example.com"

FIRST = ["Ann", "Bo", "Chloé", "Dmitri", "Émile", "Fatima", "Gustav", "Hana", "Ivan", "Jürgen",
         "Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomoko"]
LAST = ["Smith", "Müller", "García", "Nguyen", "Kowalski", "O'Brien", "Rossi", "Sato", "Dubois",
        "Andersen", "Novak", "Silva", "Cohen", "Yılmaz", "Larsen", "Fischer", "Moreau", "Kim"]
DOMAINS = ["acme.com", "example.org", "globex.net", "initech.io", "umbrella.co.uk",
           "stark.example", "wayne.example", "hooli.xyz"]
WORDS = ("proposal budget meeting draft review contract launch plan intro coffee invoice "
         "quarterly roadmap feedback hiring offsite demo pricing renewal partnership").split()


def encoded(name: str) -> str:
    """RFC 2047 for non-ASCII names, as mail clients write them."""
    if name.isascii():
        return f'"{name}"' if "'" in name else name
    from email.header import Header

    return Header(name, "utf-8").encode()


def build_mbox(path: Path, n: int, seed: int) -> dict[str, int]:
    """A Takeout-style mbox: Received chains, DKIM, Gmail labels and thread ids, multipart
    bodies; a quarter sent by the user, a tenth list mail, some spam; ~3,000 correspondents."""
    rng = random.Random(seed)
    people = [(f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"p{i}@{rng.choice(DOMAINS)}")
              for i in range(3000)]
    start = 1_700_000_000
    counts = {"out": 0, "list": 0, "spam": 0}
    with open(path, "wb") as fh:
        for i in range(n):
            ts = start + i * 600 + rng.randrange(600)
            date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))
            from_line_date = time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(ts))
            thread = 1_780_000_000_000_000_000 + i // 3
            labels = ["Inbox", "Opened"]
            kind = rng.random()
            name, addr = rng.choice(people)
            headers = []
            if kind < 0.25:
                counts["out"] += 1
                labels = ["Sent", "Opened"]
                sender = f"Me Myself <{ME}>"
                rcpt = rng.sample(people, rng.randint(1, 3))
                to = ", ".join(f"{encoded(nm)} <{a}>" for nm, a in rcpt[:2])
                cc = ", ".join(f"{encoded(nm)} <{a}>" for nm, a in rcpt[2:])
            else:
                sender = f"{encoded(name)} <{addr}>"
                to = f"Me Myself <{ME}>"
                cc = ""
                if kind < 0.35:
                    counts["list"] += 1
                    headers.append("List-Id: <dev.lists.example.org>")
                    headers.append("List-Unsubscribe: <mailto:leave@lists.example.org>")
                elif kind < 0.37:
                    counts["spam"] += 1
                    labels = ["Spam"]
            subject = " ".join(rng.sample(WORDS, 3)).capitalize()
            if i % 3:
                subject = "Re: " + subject
                headers.append(f"In-Reply-To: <t{i // 3}.0@mail.example>")
                headers.append(f"References: <t{i // 3}.0@mail.example>")
            if rng.random() < 0.1:
                subject = encoded(subject + " — café")
            received = "".join(
                f"Received: from mx{h}.example.net (mx{h}.example.net [10.0.{h}.{i % 250}])\n"
                f"        by mx.google.com with ESMTPS id x{i}y{h}\n"
                f"        for <{ME}>; {date}\n"
                for h in range(3)
            )
            signature = "".join(rng.choice("abcdefghijklmnop0123456789") for _ in range(170))
            dkim = ("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1;\n"
                    "        h=from:to:subject:date:message-id; bh=" + "A" * 44 + ";\n"
                    f"        b={signature}\n")
            body_text = " ".join(rng.choice(WORDS) for _ in range(120))
            msg = (
                f"From {thread}@xxx {from_line_date}\n"
                f"X-GM-THRID: {thread}\n"
                f"X-Gmail-Labels: {','.join(labels)}\n"
                f"Delivered-To: {ME}\n"
                f"{received}{dkim}"
                f"MIME-Version: 1.0\n"
                f"From: {sender}\n"
                f"To: {to}\n" + (f"Cc: {cc}\n" if cc else "") +
                f"Subject: {subject}\n"
                f"Date: {date}\n"
                f"Message-ID: <t{i // 3}.{i % 3}@mail.example>\n"
                + "".join(h + "\n" for h in headers) +
                f'Content-Type: multipart/alternative; boundary="b{i}"\n'
                f"\n"
                f"--b{i}\nContent-Type: text/plain; charset=UTF-8\n\n{body_text}\n\n"
                f"--b{i}\nContent-Type: text/html; charset=UTF-8\n\n<p>{body_text}</p>\n\n"
                f"--b{i}--\n\n"
            )
            fh.write(msg.encode("utf-8"))
    return counts


CLOCK = time.perf_counter
"""Wall time; ``--cpu`` makes it this process's CPU time (what other work on a busy machine
takes is left out)."""


def timed(fn: Any) -> tuple[float, Any]:
    t = CLOCK()
    result = fn()
    return CLOCK() - t, result


def stdlib_mailbox(path: Path) -> int:
    n = 0
    for msg in mailbox.mbox(str(path), create=False):
        _ = (msg["From"], msg["To"], msg["Date"], msg["Message-ID"])
        n += 1
    return n


def from_lines(fh: BinaryIO) -> Iterator[bytes]:
    """A From_ splitter as one writes it with the standard library: a loop over the file's lines,
    where a line starting with ``From `` starts a message (``mailbox.mbox``'s rule) and its
    header block is the lines up to the first blank one."""
    header: list[bytes] = []
    started = in_header = False
    for line in fh:
        if line.startswith(b"From "):
            if started:
                yield b"".join(header)
            header, started, in_header = [], True, True
        elif in_header:
            if line == b"\n" or line == b"\r\n":
                in_header = False
            else:
                header.append(line)
    if started:
        yield b"".join(header)


def stdlib_headers(path: Path, split: str = "lines") -> int:
    """Header blocks parsed by ``BytesHeaderParser(policy=compat32)``, split by ``from_lines``
    (or, ``split="crb"``, by CRB's splitter)."""
    from crb_mbox import iter_messages

    parser = BytesHeaderParser(policy=compat32)
    n = 0
    with open(path, "rb") as fh:
        blocks = (raw.header for raw in iter_messages(fh)) if split == "crb" else from_lines(fh)
        for header in blocks:
            msg = parser.parsebytes(header)
            _ = (msg["From"], msg["To"], msg["Date"], msg["Message-ID"])
            n += 1
    return n


def crb_records(path: Path) -> int:
    import crb_mbox

    from crb_tui.sources import Checkpoint, SyncContext

    found: list[Any] = []
    crb_mbox.register_sources(found.append)
    (source,) = found
    ctx = SyncContext(source="mbox", config=dict(source.config_schema),
                      checkpoint=Checkpoint(lambda: None, lambda v: None),
                      logger=logging.getLogger("bench"), paths=[path], me=(ME,))
    return sum(1 for _ in source.sync(ctx))


def crb_import(path: Path, workdir: Path) -> tuple[float, float, dict[str, Any], dict[str, Any]]:
    from crb_tui.host.app_context import AppContext
    from crb_tui.host.importing import import_paths

    config = workdir / "config.toml"
    config.write_text(f'[me]\nemails = ["{ME}"]\ntimezone = "UTC"\n', encoding="utf-8")
    db = workdir / "import.db"
    for name in ("import.db", "import.db-wal", "import.db-shm"):
        (workdir / name).unlink(missing_ok=True)
    app = AppContext(db_path=db, config_path=config)
    try:
        first_s, first = timed(lambda: import_paths(app, [str(path)]))
        again_s, again = timed(lambda: import_paths(app, [str(path)]))
    finally:
        app.close()
    return first_s, again_s, first[0].as_dict(), again[0].as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of every measurement; each figure is the median")
    parser.add_argument("--keep", type=Path, default=None, help="work in (and keep) this folder")
    parser.add_argument("--cpu", action="store_true",
                        help="time in this process's CPU seconds, not wall time")
    args = parser.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    sys.path.insert(0, str(ROOT))
    os.environ["CRB_TODAY"] = TODAY
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="crb-import-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "xdg-config")
    os.environ["XDG_DATA_HOME"] = str(workdir / "xdg-data")
    path = workdir / f"takeout-{args.messages}.mbox"
    build_s, counts = timed(lambda: build_mbox(path, args.messages, args.seed))
    n = args.messages

    runs: dict[str, list[float]] = {k: [] for k in ("mailbox", "headers", "headers_crb_split",
                                                     "records", "import", "again")}
    for _ in range(args.repeat):
        # Interleaved, so that a busy moment of the machine falls on every figure alike.
        mailbox_s, got = timed(lambda: stdlib_mailbox(path))
        assert got == n, got
        headers_s, got = timed(lambda: stdlib_headers(path))
        assert got == n, got
        split_s, got = timed(lambda: stdlib_headers(path, split="crb"))
        assert got == n, got
        records_s, _ = timed(lambda: crb_records(path))
        import_s, again_s, first, again = crb_import(path, workdir)
        assert first["seen"] >= n - counts["list"] - counts["spam"], first
        assert again["imported"] == 0, again
        for key, value in zip(runs, (mailbox_s, headers_s, split_s, records_s, import_s,
                                     again_s), strict=True):
            runs[key].append(value)
    mailbox_s, headers_s, split_s, records_s, import_s, again_s = (
        statistics.median(v) for v in runs.values())

    def rate(seconds: float) -> int:
        return round(n / seconds)

    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "sqlite": sqlite3.sqlite_version, "platform": platform.platform()},
        "repeat": args.repeat,
        "clock": "cpu" if args.cpu else "wall",
        "mbox": {"messages": n, "mb": round(path.stat().st_size / 1e6, 1),
                 "sent_by_me": counts["out"], "list_mail": counts["list"],
                 "spam": counts["spam"], "build_s": round(build_s, 1)},
        "messages_per_s": {
            "stdlib_mailbox": rate(mailbox_s),
            "stdlib_headers": rate(headers_s),
            "stdlib_headers_crb_split": rate(split_s),
            "crb_records": rate(records_s),
            "crb_import": rate(import_s),
            "crb_reimport": rate(again_s),
        },
        "seconds": {"stdlib_mailbox": round(mailbox_s, 2), "stdlib_headers": round(headers_s, 2),
                    "stdlib_headers_crb_split": round(split_s, 2),
                    "crb_records": round(records_s, 2), "crb_import": round(import_s, 2),
                    "crb_reimport": round(again_s, 2)},
        "ratio_crb_import_vs_stdlib_mailbox": round(mailbox_s / import_s, 2),
        "ratio_crb_import_vs_stdlib_headers": round(headers_s / import_s, 2),
        "ratio_crb_import_vs_stdlib_headers_crb_split": round(split_s / import_s, 2),
        # (each run's own ratio: how much the machine's load moved the figure within this run)
        "ratio_crb_import_vs_stdlib_headers_each_run": [
            round(h / i, 2) for h, i in zip(runs["headers"], runs["import"], strict=True)],
        "import": {k: first[k] for k in ("seen", "imported", "skipped", "new_people")},
        "reimport": {k: again[k] for k in ("imported", "updated", "unchanged", "skipped")},
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.keep is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
