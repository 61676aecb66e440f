"""IMAP sync speed against a real Dovecot on 127.0.0.1 (tests/dovecot_server.py, Debian's
dovecot-imapd): messages per second and IMAP commands per message, printed as JSON.

    python benchmarks/imap_bench.py                      # 5,000 messages
    python benchmarks/imap_bench.py --messages 1000

The mailbox: the corpus's mbox messages (../shared/corpus/mbox: list mail from 1999-2020, with
their real headers), repeated with a fresh Message-ID each until there are ``--messages``, in
INBOX; ``skip_bulk = false`` so that every message goes the whole way to the store.

Measured in one run, on one server:

- ``bare_fetch``: the baseline, imapclient alone fetching the same header fields in the same
  batches, nothing parsed or stored (after one untimed pass that lets Dovecot build its index
  and cache, which CRB's run then also finds);
- ``first_sync``: ``crb sync imap`` on a fresh database;
- ``nothing_new``: the same again with nothing new (one STATUS a folder);
- ``new_mail``: after ``--changes`` new messages arrive.
"""

from __future__ import annotations

import argparse
import imaplib
import json
import mailbox
import platform
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins"))

from tests.dovecot_server import USERS, Dovecot, unavailable  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "mbox"
_MESSAGE_ID = re.compile(rb"^Message-ID:[^\n]*\n(?:[ \t][^\n]*\n)*", re.IGNORECASE | re.MULTILINE)


def corpus_messages() -> list[bytes]:
    out: list[bytes] = []
    for path in sorted(CORPUS.rglob("*.mbox")):
        try:
            out.extend(m.as_bytes() for m in mailbox.mbox(str(path)))
        except (UnicodeDecodeError, ValueError):
            continue  # the two files with 8-bit From_ lines the standard library cannot split
    return out


def messages(n: int, salt: str) -> Iterator[bytes]:
    base = corpus_messages()
    for i in range(n):
        raw = _MESSAGE_ID.sub(b"", base[i % len(base)], count=1)
        yield f"Message-ID: <bench-{salt}-{i}@crb.test>\n".encode() + raw


class Commands:
    """Counts the IMAP commands sent (every imaplib command goes through ``_command``)."""

    def __init__(self) -> None:
        self.count = 0
        self._real = getattr(imaplib.IMAP4, "_command")  # noqa: B009 - private in the stubs
        real = self._real

        def counted(conn: Any, name: str, *args: Any) -> Any:
            self.count += 1
            return real(conn, name, *args)

        setattr(imaplib.IMAP4, "_command", counted)  # noqa: B010

    def close(self) -> None:
        setattr(imaplib.IMAP4, "_command", self._real)  # noqa: B010


def bare_fetch(server: Dovecot, batch: int) -> tuple[int, float]:
    from crb_imap._sync import PEEK

    started = time.perf_counter()
    client = server.client()
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search(["ALL"]))
    got = 0
    for i in range(0, len(uids), batch):
        got += len(client.fetch(uids[i:i + batch], [PEEK, "INTERNALDATE"]))
    client.logout()
    return got, time.perf_counter() - started


def crb_sync(db: Path, config: Path) -> tuple[Any, float]:
    from crb_tui.host.app_context import AppContext

    started = time.perf_counter()
    app = AppContext(db_path=db, config_path=config)
    try:
        (summary,) = app.sync(["imap"])
    finally:
        app.close()
    seconds = time.perf_counter() - started
    if not summary.ok:
        raise SystemExit(f"imap sync failed: {summary.errors}")
    return summary, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        raise SystemExit(f"imap_bench: {reason}")
    import os

    import tomli_w

    server = Dovecot()
    server.add("INBOX", messages(args.messages, "a"))
    server.start()
    commands = Commands()
    out: dict[str, Any] = {"machine": platform.platform(), "python": platform.python_version(),
                           "messages": args.messages, "batch_size": args.batch}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db, config = Path(tmp) / "crb.db", Path(tmp) / "config.toml"
            os.environ["IMAP_PASSWORD"] = USERS["alice"]
            config.write_text(tomli_w.dumps({
                "me": {"emails": ["me@crb.test"], "timezone": "UTC"},
                "sources": {"imap": {
                    "host": "127.0.0.1", "port": server.port, "security": "none",
                    "user": "alice", "password": {"$env": "IMAP_PASSWORD"},
                    "batch_size": args.batch, "skip_bulk": False}}}))
            bare_fetch(server, args.batch)  # Dovecot builds its index and header cache
            got, seconds = bare_fetch(server, args.batch)
            out["bare_fetch"] = {"messages": got, "seconds": round(seconds, 3),
                                 "messages_per_s": round(got / seconds, 1)}
            for name in ("first_sync", "nothing_new", "new_mail"):
                if name == "new_mail":
                    client = server.client()
                    for raw in messages(args.changes, "b"):
                        client.append("INBOX", raw)
                    client.logout()
                before = commands.count
                summary, seconds = crb_sync(db, config)
                sent = commands.count - before
                n = args.messages if name == "first_sync" else (
                    args.changes if name == "new_mail" else 0)
                out[name] = {
                    "messages": n, "records": summary.seen, "imported": summary.imported,
                    "seconds": round(seconds, 3),
                    "messages_per_s": round(n / seconds, 1) if n else None,
                    "imap_commands": sent,
                    "commands_per_message": round(sent / n, 4) if n else None,
                }
    finally:
        commands.close()
        server.cleanup()
    out["ratio_first_sync_to_bare"] = round(
        out["bare_fetch"]["messages_per_s"] / out["first_sync"]["messages_per_s"], 2)
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
