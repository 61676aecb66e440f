"""What a run's summary says beside its counts: that it waited for another process's run of
the same source (said at once on stderr; third trial's T11: 23 s of silence, then "seen 0"),
why touches were kept for no one, what a library warned of."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from crb_tui import hookimpl

from .conftest import ROOT, Crb

HOLD = """
import sys, time
from pathlib import Path
from crb_tui.store.locking import run_lock
with run_lock(Path(sys.argv[1]), "mbox"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_run_says_whose_run_it_waits_for(crb: Crb, corpus: Path) -> None:
    crb.create_db()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(crb.db), "1.5"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = crb("import", str(corpus / "mbox/perceval/mbox_single.mbox"))
        assert time.monotonic() - started > 0.5  # it did wait
    finally:
        holder.wait(timeout=30)
    assert result.stderr == f"mbox: waiting for another run of mbox (pid {holder.pid}) to end\n"
    assert (f"note: ran after another run of mbox (pid {holder.pid}) had ended: what that run "
            "stored is not counted here (`crb sync --status` shows it)") in result.stdout
    # With nothing to wait for, nothing of the kind.
    result = crb("import", str(corpus / "mbox/perceval/mbox_single.mbox"))
    assert result.stderr == "" and "ran after" not in result.stdout


class CallLog:
    """A plugin source that knows each direction itself (a phone's call log): incoming calls
    from numbers that are no one's yet."""

    @staticmethod
    def sync(_ctx: object) -> list[object]:
        import datetime as dt
        import warnings

        from crb_tui import Identity, Interaction

        warnings.warn("the call log has 2 calls without a number", stacklevel=1)
        at = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
        return [Interaction(source_key=f"call:{n}", kind="call", direction="in", at=at,
                            with_=Identity("phone", f"+44 7700 90012{n}")) for n in range(3)]

    @hookimpl
    def register_sources(self, register: Any) -> None:
        from crb_tui import Source

        register(Source(name="calllog", sync=self.sync))


def test_an_empty_me_is_named_only_where_directions_come_from_it(
    crb: Crb, corpus: Path
) -> None:
    from crb_tui.testing import registered

    crb.config.write_text("[me]\nemails = []\n", encoding="utf-8")
    with registered(CallLog(), "calllog"):
        out = crb("sync", "calllog").stdout
    assert ('note: 3 touches kept for addresses that are not people yet: [identity] '
            'create_people_from = "sent" makes people only of those you wrote to') in out
    assert "[me] emails is empty" not in out
    # A library's (or the plugin's) warning: its words, not its class name.
    assert "  warning: the call log has 2 calls without a number\n" in out
    # Mail: who wrote to whom comes from [me], so its emptiness is the reason.
    out = crb("import", str(corpus / "mbox/perceval/mbox_single.mbox")).stdout
    assert "note: 1 touch kept for addresses that are not people: [me] emails is empty" in out
