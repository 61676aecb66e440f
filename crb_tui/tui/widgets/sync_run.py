"""``SyncRun``: one source's line in a running sync: its name, how far it got in numbers
("3,900 / 30,000") and what the source says it is doing ("INBOX: 3900 of 30000 messages"),
over a progress bar. A run that stops early (cancelled, failed, interrupted) keeps its bar
where it got to, never a full one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, ProgressBar

from crb_tui.host.sync import RUNNING, WAITING
from crb_tui.sources import Status
from crb_tui.tui.display import safe

FINAL = ("done", "failed", "cancelled", "interrupted")
"""The last progress words of a run (from the sync runner)."""

STATUS_STYLES = {"ok": "bold $success", "cancelled": "bold $warning",
                 "interrupted": "bold $warning", "failed": "bold $error",
                 "rejected": "bold $error"}

MESSAGE_CELLS = 60
"""The source's own words are cut to this (a file name can be long)."""


def count(done: int, total: int | None) -> str:
    return f"{done:,} / {total:,}" if total else f"{done:,}"


class SyncRun(Vertical):
    """The label and the bar of one source's run."""

    DEFAULT_CSS = """
        SyncRun { height: auto; margin-bottom: 1; }
        SyncRun Label { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source
        self.done = 0
        self.total: int | None = None
        self.status: str | None = None
        """``ok``, ``cancelled``, ``interrupted`` or ``failed`` once the run ended."""
        self.waiting = False
        self.waited = False
        """Whether the run waited for another process's run of the source (which stored what
        it found: this one's counts are only what came after)."""
        self._said = ""
        self.telling = ""
        """What the source says it is doing (``waiting 90 s: Google asks to (rate limit)``),
        until its next message."""
        self.label = Label(Content(safe(source)))
        self.bar = ProgressBar(total=None, show_eta=False)

    def compose(self) -> ComposeResult:
        yield self.label
        yield self.bar

    def progress(self, done: int, total: int | None, message: str) -> None:
        """What the source reported (``message`` may be a final word or the waiting one)."""
        self.waiting = message == WAITING
        self.waited = self.waited or self.waiting
        self.telling = safe(message) if isinstance(message, Status) else ""
        if message not in FINAL and message not in (WAITING, RUNNING) and not self.telling:
            self._said = safe(message)
        if not self.waiting and (done or total):
            self.done, self.total = done, total or None
            if total:
                self.bar.update(total=total, progress=done)
        self._show()

    def finished(self, status: str, seen: int) -> None:
        """The run ended: a full bar only for a complete one; a stopped run's bar stays where
        it got to (or goes, when the source never said how much there was)."""
        self.status = status
        self.waiting = False
        self.telling = ""
        if status == "ok":
            self.done = max(seen, self.done)
            whole = max(1, self.total or self.done)
            self.bar.update(total=whole, progress=whole)
        elif self.total is None or self.bar.total is None:
            self.bar.display = False
        self._show()

    def _where(self) -> str:
        """How far the run got: the source's own words when they carry numbers ("INBOX: 3900
        of 30000 messages", "big.mbox: 3500 messages": the numbers it passes may be bytes),
        else its numbers ("3,900 / 30,000") and words ("messages")."""
        said = self._said
        if len(said) > MESSAGE_CELLS:
            said = said[:MESSAGE_CELLS - 1] + "…"
        if any(ch.isdigit() for ch in said):
            return said
        numbers = count(self.done, self.total) if (self.done or self.total) else ""
        return f"{numbers}  {said}".strip()

    def _show(self) -> None:
        name = (safe(self.source), "bold")
        if self.waiting or (self.telling and self.status is None):
            said = WAITING if self.waiting else self.telling
            self.label.update(Content.assemble(name, (f"  {said} (x cancels)", "$warning")))
            return
        where = self._where()
        if self.status is None:
            self.label.update(Content.assemble(name, "  ", where))
            return
        word = "done" if self.status == "ok" else self.status
        if self.status == "ok":
            where = f"seen {self.done:,}"
        self.label.update(Content.assemble(
            name, "  ", (word, STATUS_STYLES[self.status]), (f" · {where}" if where else "")))
