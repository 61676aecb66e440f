"""Sources and their last runs; start one or all, watch the progress, cancel. The sync runs on
a worker, writing through the app's one writer a batch at a time (``data.Gateway.sync``), so
the rest of the app stays responsive."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from crb_tui import clock
from crb_tui.host.sync import RUNNING, WAITING
from crb_tui.sources import Status
from crb_tui.tui import data
from crb_tui.tui.display import MUTED, ago, moment, safe
from crb_tui.tui.messages import SyncFinished, SyncOverviewLoaded, SyncProgress
from crb_tui.tui.problems import describe
from crb_tui.tui.screens.base import CrbScreen
from crb_tui.tui.widgets.sync_run import FINAL, STATUS_STYLES, SyncRun

PROGRESS_EVERY = 0.1
"""Seconds between progress messages from one source (the last one always gets through)."""

COLUMNS = ("Source", "Last run", "Status", "Seen", "New", "Updated", "Same", "Skipped",
           "Rejected")
"""Seen = New + Updated (merged into a person too) + Same (unchanged) + Skipped + Rejected."""


_STATUS_STYLES = {"ok": "green", "failed": "bold red", "rejected": "bold red",
                  "interrupted": "yellow", "cancelled": "yellow"}
"""How a run's status (``SourceSummary.status``, as `crb sync --status` says it) looks."""


def _number(value: Any) -> str:
    """A count as the table shows it: "12,201", or "—" for none."""
    return f"{value:,}" if isinstance(value, int) else "—"


def run_counts(s: dict[str, Any]) -> str:
    """A run's counts, every one that makes up ``seen`` (they add up), then the people made:
    ``seen 216, new 76, updated 0, unchanged 1, skipped 139 (bulk mail 39, label
    CATEGORY_PROMOTIONS 100), rejected 0; new people 12``."""
    skipped = s["skipped"]
    reasons = ", ".join(f"{safe(k)} {v}" for k, v in sorted(skipped.items()))
    merged = f", merged {s['merged']}" if s.get("merged") else ""
    return (f"seen {s['seen']}, new {s['imported']}, updated {s['updated']}{merged}, unchanged "
            f"{s['unchanged']}, skipped {sum(skipped.values())}"
            + (f" ({reasons})" if reasons else "")
            + f", rejected {len(s['rejected'])}; new people {s['new_people']}")


class SyncScreen(CrbScreen):
    """One row per source; the log below keeps what each run did."""

    # Loaded with the screen, not with the app: start-up parses only the first screen's CSS
    # (the same priority as the app's stylesheet; global selectors, as there).
    SCOPED_CSS = False
    CSS = """
        #sync-sources { height: auto; max-height: 50%; }
        #sync-bottom { height: 1fr; padding: 0 1; }
        #sync-detail { margin: 1 0; }
        #sync-progress { height: auto; }
    """

    MODE = "sync"

    BINDINGS = [
        Binding("s", "sync_one", "Sync", id="sync.one",
                tooltip="Sync the highlighted source (or Enter on it)"),
        Binding("a", "sync_all", "Sync all", id="sync.all",
                tooltip="Sync every source configured in config.toml"),
        Binding("x", "cancel", "Cancel", id="sync.cancel",
                tooltip="Stop the running sync after the current batch"),
        Binding("r", "refresh", "Refresh", id="sync.refresh", show=False,
                tooltip="Read the sources and their last runs again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[dict[str, Any]] = []
        self.running = False
        self._cancel = threading.Event()
        self._runs: dict[str, SyncRun] = {}
        self._log: list[Content] = []
        self.loaded = False
        self._asked: str | None = None
        """A key pressed before the sources were read ("one" or "all"), done once they are."""

    def body(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(id="sync-sources", cursor_type="row",
                                                     zebra_stripes=True)
        yield table
        with VerticalScroll(id="sync-bottom"):
            yield Static("", id="sync-detail", markup=False)
            yield Vertical(id="sync-progress")
            yield Static("", id="sync-log", markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, group="sync-load", exclusive=True)
    def _load(self) -> None:
        self.post_message(SyncOverviewLoaded(self.gateway.read(data.sync_overview)))

    def on_sync_overview_loaded(self, message: SyncOverviewLoaded) -> None:
        self.sources = message.sources
        table = self.query_one(DataTable)
        row = table.cursor_row
        rows = [self._row(source) for source in self.sources]
        # Each column as wide as its widest cell, measured now: the table's own measuring
        # waits for it to be idle, and until then a longer count was cut ("1220" for 12201).
        table.clear(columns=True)
        for n, name in enumerate(COLUMNS):
            table.add_column(name, key=name,
                             width=max([len(name)] + [r[n].cell_len for r in rows]))
        for source, cells in zip(self.sources, rows, strict=True):
            table.add_row(*cells, key=source["name"])
        if self.sources:
            table.move_cursor(row=min(row, len(self.sources) - 1))
        self.set_status(Content(f"{len(self.sources)} sources"))
        self._show_detail()
        context = getattr(self.app, "context", None)
        while context is not None and context.hook_warnings:
            self.notify(context.hook_warnings.pop(0), severity="warning", markup=False,
                        timeout=10)
        self.loaded = True
        asked, self._asked = self._asked, None
        if asked == "one":
            self.action_sync_one()
        elif asked == "all":
            self.action_sync_all()

    def _row(self, source: dict[str, Any]) -> list[Text]:
        counts = source["counts"]
        if source["last_run"] is None:
            status = Text("never run", style="dim")
        else:  # the word `crb sync --status` says (runs recorded before it: from their error)
            word = counts.get("status") or (
                "failed" if source["last_error"] else
                "cancelled" if counts.get("cancelled") else "ok")
            status = Text(word, style=_STATUS_STYLES.get(word, ""))
        skipped = sum((counts.get("skipped") or {}).values())
        rejected = counts.get("rejected_count", len(counts.get("rejected", [])))
        return [
            Text(safe(source["name"])),
            Text(ago(source["last_run"], self.crb.today) if source["last_run"] else "—"),
            status,
            Text(_number(counts.get("seen"))),
            Text(_number(counts.get("imported"))),
            Text(_number(counts.get("updated", 0) + counts.get("merged", 0) if counts else None)),
            Text(_number(counts.get("unchanged", 0) if counts else None)),
            Text(_number(skipped if counts else None)),
            Text(_number(rejected if counts else None)),
        ]

    def on_data_table_row_selected(self) -> None:
        self.action_sync_one()

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    def _selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.sources or table.cursor_row >= len(self.sources):
            return None
        return self.sources[table.cursor_row]

    def _show_detail(self) -> None:
        source = self._selected()
        detail = self.query_one("#sync-detail", Static)
        if source is None:
            detail.update(Content.assemble(
                ("No sources yet. ", "bold"),
                "Install a source plugin or configure one under [sources.NAME] in config.toml; "
                "files are imported with `crb import PATH`."))
            return
        lines = [Content.assemble((safe(source["name"]), "bold $accent"), "  ",
                                  safe(source["description"]))]
        if source["file_importer"]:
            lines.append(Content.styled("A file importer: run `crb import PATH` with a file.",
                                        "$foreground-muted"))
        elif source["paths"]:
            lines.append(Content.styled(
                "Syncs the files in its paths: " + ", ".join(safe(p) for p in source["paths"]),
                "$foreground-muted"))
        elif not source["configured"]:
            lines.append(Content.styled(
                f"Not configured: add [sources.{safe(source['name'])}] to config.toml "
                "to include it in Sync all.", "$foreground-muted"))
        if source["last_run"]:
            today = self.crb.today
            lines.append(Content(f"Last run {moment(source['last_run'], today)}; last success "
                                 f"{moment(source['last_ok'], today)}"))
        skipped = (source["counts"] or {}).get("skipped") or {}
        if skipped:
            lines.append(Content("Skipped: " + ", ".join(
                f"{safe(reason)} {n}" for reason, n in sorted(skipped.items()))))
        if source["last_error"]:
            lines.append(Content.assemble(("Error: ", "bold $error"),
                                          safe(source["last_error"])))
        detail.update(Content("\n").join(lines))

    # -- running ---------------------------------------------------------------------------

    def action_sync_one(self) -> None:
        if not self.loaded:
            self._asked = "one"
            return
        source = self._selected()
        if source is None:
            self.say("There is no source to sync.")
            return
        if source["file_importer"]:
            self.say(f"{safe(source['name'])} imports files: run `crb import PATH`.")
            return
        if not source["available"]:
            self.say(f"No installed plugin offers {safe(source['name'])} any more.", error=True)
            return
        if not source["configured"] and source.get("needs_config"):
            # Run, it could only fail (a CalDAV source without its server's address).
            self.say(f"{safe(source['name'])} is not configured: add [sources."
                     f"{safe(source['name'])}] to config.toml, then sync it.", error=True)
            return
        self._start([source["name"]])

    def action_sync_all(self) -> None:
        if not self.loaded:
            self._asked = "all"
            return
        names = [s["name"] for s in self.sources if s["configured"] and s["available"]]
        if not names:
            self.say("No sources are configured: add [sources.NAME] to config.toml.")
            return
        self._start(names)

    def _start(self, names: list[str]) -> None:
        if self.running:
            self.say("A sync is already running (x cancels it).")
            return
        self.running = True
        self._cancel.clear()
        box = self.query_one("#sync-progress", Vertical)
        # Removing is not immediate: the new bars carry no ids that could clash with the old.
        box.remove_children()
        self._runs = {name: SyncRun(name) for name in names}
        box.mount_all(self._runs.values())
        self._show_log()
        self._sync(names)

    @work(thread=True, exit_on_error=False, group="sync-run")
    def _sync(self, names: list[str]) -> None:
        sent: dict[str, float] = {}
        telling: set[str] = set()  # sources whose line says what they do (a wait)
        asked, ending = self._cancel.is_set, getattr(self.app, "stopping", threading.Event())

        def progress(source: str, done: int, total: int | None, message: str) -> None:
            now = time.monotonic()
            # A source's status (and the message after it) is never dropped: a wait of 90 s
            # said, and its end, must reach the line however soon after the last update.
            status = isinstance(message, Status)
            final = message in (*FINAL, WAITING, RUNNING) or status or source in telling
            if status:
                telling.add(source)
            else:
                telling.discard(source)
            if final or now - sent.get(source, 0.0) >= PROGRESS_EVERY:
                sent[source] = now
                self.post_message(SyncProgress(source, done, total, message))

        # On the app's one writer, a batch at a time: the screens read beside it and the
        # actions write between two batches (see Gateway.sync).
        try:
            summaries = self.gateway.sync(names, progress=progress,
                                          cancelled=lambda: asked() or ending.is_set())
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            title, text = describe(exc)
            self.post_message(SyncFinished(error=f"{title}: {text}"))
            return
        self.post_message(SyncFinished([s.as_dict() for s in summaries]))

    def on_sync_progress(self, message: SyncProgress) -> None:
        run = self._runs.get(message.source)
        if run is not None:
            run.progress(message.done, message.total, message.message)

    def on_sync_finished(self, message: SyncFinished) -> None:
        self.running = False
        stamp = Content.styled(f"{clock.now():%H:%M} ", MUTED)
        if message.error:
            self._log.insert(0, Content.assemble(
                stamp, ("Sync failed: ", "bold $error"), message.error))
            for unfinished in self._runs.values():
                if unfinished.status is None:
                    unfinished.finished("failed", 0)
            self.say(message.error, error=True)
        for s in message.summaries:
            status = s["status"]  # the word `crb sync` says
            head = Content.styled(f"{safe(s['source'])} {status}", STATUS_STYLES[status])
            line = Content.assemble(stamp, head, f": {run_counts(s)} ({s['seconds']:.1f}s)")
            errors = [Content.assemble("   ", ("error: ", "$error"), safe(e)) for e in s["errors"]]
            shown = self._runs.get(s["source"])
            if shown is not None and shown.waited:
                errors.insert(0, Content.styled(
                    "   it ran after another run of it (cron, another crb) had ended: that run "
                    "stored what it found, these counts are what came after", MUTED))
            errors += [Content.assemble("   rejected ", safe(r.get("where", "")), ": ",
                                        safe(r.get("reason", ""))) for r in s["rejected"][:5]]
            errors += [Content.assemble("   ", ("warning: ", "$warning"), safe(w))
                       for w in s.get("warnings", [])[:5]]
            errors += [Content.assemble("   note: ", safe(n)) for n in s.get("notes", [])[:3]]
            self._log[:0] = [line, *errors]
            if shown is not None:
                shown.finished(status, s["seen"])
        if message.summaries:
            ends = Counter(s["status"] for s in message.summaries)
            failed = ends["failed"] + ends["rejected"]
            stopped = ends["cancelled"] + ends["interrupted"]
            self.say(f"Sync finished: {ends['ok']} ok, {failed} failed"
                     + (" or rejected" if ends["rejected"] else "")
                     + (f", {stopped} cancelled." if stopped else "."),
                     error=bool(failed))
        del self._log[40:]
        self._show_log()
        self.reload()

    def _show_log(self) -> None:
        """What each run did, newest first, each with its time: while a run goes, these are
        the earlier ones."""
        log = self.query_one("#sync-log", Static)
        if not self._log:
            log.update(Content(""))
            return
        head = "Earlier runs (newest first)" if self.running else "Runs (newest first)"
        log.update(Content("\n").join([Content.styled(head, "bold"), *self._log]))

    def action_cancel(self) -> None:
        if not self.running:
            self.say("No sync is running.")
            return
        self._cancel.set()
        self.say("Cancelling after the current batch…")

    def action_refresh(self) -> None:
        self.reload()
