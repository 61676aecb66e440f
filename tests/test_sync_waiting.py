"""A run that waits for another process's run of the same source says so at once (stderr), and
its summary says it ran after it (third trial's T11: 23 s of silence, then "seen 0")."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

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
