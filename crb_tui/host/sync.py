"""The sync runner: runs sources one by one, each isolated, checkpointed and fully counted."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from crb_tui import records as r
from crb_tui.clock import user_tz
from crb_tui.config import Config, checked_settings, resolve_secret
from crb_tui.errors import CrbError, user_message
from crb_tui.host.capture import library_output
from crb_tui.host.file_paths import source_paths
from crb_tui.host.stopping import held, stop_asked
from crb_tui.sources import Checkpoint, ProgressCallback, Source, SyncContext
from crb_tui.state import State
from crb_tui.store import Store, WriteResult
from crb_tui.store.held import settle
from crb_tui.store.locking import run_lock
from crb_tui.store.phone_region import reread
from crb_tui.store.queries import archived_touches, last_interaction_id
from crb_tui.text import plain, shorten

log = logging.getLogger("crb.sync")

FLUSH_EVERY = 500
WAITING = "waiting for another run of it to end"
"""The progress message of a source whose run waits for another process's run of it."""
RUNNING = "running"
"""The progress message once that other run ended and this one starts."""


@dataclass(kw_only=True)
class SourceSummary(WriteResult):
    """What one source did in one run: the write path's counts, plus how the run went."""

    source: str
    ok: bool = True
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    interrupted: bool = False
    """Stopped by Ctrl-C (or SIGTERM, SIGHUP in ``crb import`` / ``sync``): what is counted
    was stored, the rest of the run was not done."""
    warnings: list[str] = field(default_factory=list)
    """What libraries warned or logged during the run (never printed to the terminal)."""
    notes: list[str] = field(default_factory=list)
    """What the user may not expect from the counts (touches kept for no one, and why)."""
    formats: list[str] = field(default_factory=list)
    """The formats of the files an import handed the source (``eml`` for the mbox source)."""

    @property
    def status(self) -> str:
        """``ok``, ``failed``, ``interrupted`` (Ctrl-C), ``cancelled`` (stopped in the app) or
        ``rejected`` (every record it read was rejected: nothing imported, a missing file).
        Only ``ok`` is a success (the Sync screen's "last success", ``last ok``)."""
        if not self.ok:
            return "failed"
        if self.interrupted:
            return "interrupted"
        if self.cancelled:
            return "cancelled"
        return "rejected" if self.rejected and len(self.rejected) >= self.seen else "ok"

    def absorb(self, result: WriteResult) -> None:
        # What a source says about a record may quote the record whole: keep it to a line.
        result.rejected = [
            {"where": shorten(x["where"]), "reason": shorten(x["reason"])}
            for x in result.rejected
        ]
        if any(len(reason) > 120 for reason in result.skipped):
            skipped: Counter[str] = Counter()
            for reason, count in result.skipped.items():
                skipped[shorten(reason, 120)] += count
            result.skipped = skipped
        self.add(result)

    def as_dict(self) -> dict[str, Any]:
        counts = super().as_dict()
        return {
            "source": self.source,
            "ok": self.ok,
            **{
                k: counts[k]
                for k in (
                    "seen",
                    "imported",
                    "updated",
                    "merged",
                    "unchanged",
                    "skipped",
                    "removed",
                    "rejected",
                )
            },
            "errors": self.errors,
            "warnings": self.warnings,
            "notes": self.notes,
            "new_people": self.new_people,
            "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled,
            "interrupted": self.interrupted,
            "status": self.status,
        }


def _label(record: Any) -> str:
    """A record named in a summary line: its key, else the start of its name or text."""
    key = getattr(record, "source_key", None)
    if key:
        return shorten(str(key), 60)
    return repr(shorten(str(getattr(record, "name", None) or getattr(record, "text", "")), 40))


def _shaped(record: Any, source: str, tz: dt.tzinfo) -> Any:
    """A record with a field of the wrong type becomes a ``Reject`` naming the field (the rest
    of the run goes on); naive datetimes are taken in the user's time zone (``tz``)."""
    if type(record) is not r.Interaction and (
        not dataclasses.is_dataclass(record) or isinstance(record, type)
    ):
        return record  # not a record at all: the write path rejects it
    try:
        return r.checked(record, tz)  # type: ignore[arg-type]
    except r.ShapeError as exc:
        return r.Reject(reason=str(exc), where=r.place(record, source))


STRICT_COUNTS = "CRB_STRICT_COUNTS"
"""Set (as the test suite does), a record that lands in no count, or in two, is an error."""


def check_counts(result: WriteResult, source: str) -> None:
    """Every record seen is in exactly one of imported, updated, merged, unchanged, skipped and
    rejected; anything else is a write-path bug: reported, raised under ``STRICT_COUNTS``."""
    counted = (
        result.imported + result.updated + result.merged + result.unchanged
        + sum(result.skipped.values()) + len(result.rejected)
    )
    if counted != result.seen:
        message = f"{source}: {result.seen} records seen but {counted} counted (a CRB bug)"
        if os.environ.get(STRICT_COUNTS):
            raise AssertionError(message)
        log.warning(message)


class _Run:
    """One source's run: buffers records and the source's state changes, and stores them
    together, in one transaction, every ``FLUSH_EVERY`` records and before every checkpoint."""

    def __init__(self, store: Store, source: Source, summary: SourceSummary, dry_run: bool):
        self.store = store
        self.source = source
        self.summary = summary
        self.dry_run = dry_run
        self.buffer: list[r.Record] = []
        self.card_keys: dict[tuple[str, str], int] = {}
        """What a batch's contacts told the next (a card's note can fall in the next batch)."""
        self.pending_cursor: Any = None
        self.state = State(store.source_state(source.name), flush=self.flush,
                           side_file_rows=store.side_file_rows)

    def flush(self) -> None:
        changes = self.state.take_changes()
        if not self.buffer and not changes:
            return
        batch, self.buffer = self.buffer, []
        with held():  # SIGTERM now: after the batch is stored and counted
            with self.store.transaction():
                if changes:
                    self.store.source_state(self.source.name).apply(changes)
                if not batch:
                    return
                # This transaction rolls back whole if the batch fails: no savepoint of its own.
                result = self.store.write_batch(batch, self.source.name,
                                                in_caller_transaction=True,
                                                card_keys=self.card_keys)
            # A Delete is an instruction, not a record: what it removes is counted in
            # ``removed``.
            result.seen -= sum(map(isinstance, batch, repeat(r.Delete)))
            check_counts(result, self.source.name)
            self.summary.absorb(result)

    def save_cursor(self, value: Any) -> None:
        self.flush()
        self.store.set_cursor(self.source.name, value)


def run_sync(
    store: Store,
    config: Config,
    sources: dict[str, Source],
    names: Iterable[str] | None = None,
    *,
    progress: ProgressCallback | None = None,
    paths: list[Path | str] | None = None,
    dry_run: bool = False,
    cancelled: Callable[[], bool] | None = None,
    options: dict[str, Any] | None = None,
    told: set[str] | None = None,
) -> list[SourceSummary]:
    """Run the named sources (all when ``names`` is None) and return one summary each
    (``told``: the notes on phone numbers already said by this command, said once).

    Every source runs in its own ``try``: one that raises is reported with its name and error
    and the others go on. Records are written in batches; a cursor the source saves with
    ``ctx.checkpoint.set`` is stored only after every record before it, so an interrupted sync
    resumes where it stopped without loss or duplicates.
    """
    wanted = list(names) if names is not None else list(sources)
    unknown = [n for n in wanted if n not in sources]
    if unknown:
        known = ", ".join(sorted(sources)) or "none"
        raise CrbError(f"unknown source {', '.join(unknown)} (available: {known})")
    if store.read_only is not None:
        raise CrbError(f"CRB cannot write to {store.path}: {store.read_only}; nothing was "
                       "imported")
    summaries = []
    told = set() if told is None else told  # the phone numbers' notes: said by the first
    for name in wanted:
        with library_output() as caught:
            summary = _run_one(
                store, config, sources[name], progress, paths or [], dry_run, cancelled, options,
                told,
            )
        summary.warnings.extend(caught)
        summaries.append(summary)
        if summary.interrupted:
            break  # Ctrl-C stops the whole run, not just this source
    return summaries


def _run_one(
    store: Store,
    config: Config,
    source: Source,
    progress: ProgressCallback | None,
    paths: list[Path | str],
    dry_run: bool,
    cancelled: Callable[[], bool] | None,
    options: dict[str, Any] | None,
    told: set[str],
) -> SourceSummary:
    """Run one source, once no other process is running it (a sync started by the app and
    cron's at the same time run one after the other)."""

    waited: list[int | None] = []  # the process waited for, once there was one

    def waiting(pid: int | None) -> None:
        waited.append(pid)
        log.info("%s: waiting for another process's run of it to end", source.name)
        if progress is not None:
            progress(source.name, 0, None, WAITING)

    with run_lock(store.path, source.name, waiting=waiting, cancelled=cancelled) as ours:
        if not ours:
            return SourceSummary(source=source.name, cancelled=True)
        if waited and progress is not None:
            progress(source.name, 0, None, RUNNING)  # no longer waiting
        summary = _run_locked(store, config, source, progress, paths, dry_run, cancelled,
                              options, told)
    if waited:
        summary.notes.insert(0, ran_after(source.name, waited[0]))
    return summary


def ran_after(source: str, pid: int | None) -> str:
    """The note of a run that waited for another process's run of the same source: the counts
    are what was left after it (often nothing new), not what that run stored."""
    other = f"another run of {source}" + (f" (pid {pid})" if pid else "")
    return (f"ran after {other} had ended: what that run stored is not counted here "
            "(`crb sync --status` shows it)")


def archived_note(touched: list[tuple[int, str, int]]) -> str | None:
    """The note on the touches a run stored for people the user archived (they stay out of
    the lists and the review): said once, naming a few (``touched``: id, name, touches)."""
    if not touched:
        return None
    total = sum(n for _, _, n in touched)
    named = ", ".join(plain(f"{name} (id {pid})", one_line=True) for pid, name, _ in touched[:3])
    more = f" and {len(touched) - 3} more" if len(touched) > 3 else ""
    return (f"{total} touch{'' if total == 1 else 'es'} from archived people: {named}{more} "
            f"(`crb archive --undo ID` brings one back)")


def _run_locked(
    store: Store,
    config: Config,
    source: Source,
    progress: ProgressCallback | None,
    paths: list[Path | str],
    dry_run: bool,
    cancelled: Callable[[], bool] | None,
    options: dict[str, Any] | None,
    told: set[str],
) -> SourceSummary:
    summary = SourceSummary(source=source.name)
    started = time.monotonic()
    # What is ignored as another process left it: the app open all day beside a `crb ignore`
    # (or `crb ignore --undo`) follows it from its next run.
    store.reload_ignored()
    run = _Run(store, source, summary, dry_run)
    reached: list[Any] = [0, None]  # the source's last (done, total): where a stop left it

    def tracked(name: str, done: int, total: int | None, message: str) -> None:
        reached[:] = [done, total]
        if progress is not None:
            progress(name, done, total, message)
    logger = logging.getLogger(f"crb.source.{source.name}")
    # A dry run writes for real inside one transaction and rolls it back, so its counts
    # (new, updated, unchanged, skipped) are exactly what a real run would report.
    ctx: SyncContext | None = None
    with store.trial() if dry_run else contextlib.nullcontext():
        try:
            _reread_phones(store, summary, told)
            settings = checked_settings(config, source.name, source.config_schema, source.check)
            if not paths and source.formats and isinstance(settings.get("paths"), list):
                if not settings["paths"]:
                    summary.notes.append(
                        f"no paths set for {source.name}: nothing to read (`crb import FILE`, "
                        f"or paths = [...] under [sources.{source.name}] in the config)")
                # A file source's paths take what `crb import` takes: folders and globs too.
                settings["paths"], missing = source_paths(settings["paths"], source)
                summary.seen += len(missing)
                summary.rejected.extend(missing)
            ctx = SyncContext(
                source=source.name,
                config=settings,
                checkpoint=Checkpoint(lambda: store.get_cursor(source.name), run.save_cursor),
                logger=logger,
                paths=paths,
                me=tuple(sorted(store.noise.me)),
                options=dict(options or {}),
                dry_run=dry_run,
                store_path=store.path,
                state=run.state,
                _progress=tracked if progress is not None else None,
                _secret=resolve_secret,
                _cancelled=cancelled,
            )
            tz = user_tz()
            with store.turn:
                first_new = last_interaction_id(store) + 1
            for record in source.sync(ctx):
                if not r.as_stored(record):  # (what nearly every source yields: as it is)
                    record = _shaped(record, source.name, tz)
                    for cut in r.bounded(record):  # a source that did not cut it itself
                        summary.notes.append(f"{source.name} {_label(record)}: {cut}")
                run.buffer.append(record)
                if len(run.buffer) >= FLUSH_EVERY:
                    run.flush()
                if cancelled is not None and cancelled():
                    summary.cancelled = True
                    break
            run.flush()
            if cancelled is not None and cancelled():
                summary.cancelled = True
            with store.turn:  # the app's actions may be writing on this connection
                settle(store.conn, summary)
                archived = archived_note(archived_touches(store, first_new))
            if archived:
                summary.notes.append(archived)
        except KeyboardInterrupt:
            _keep_what_was_read(store, run, summary)
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything; isolate it
            if stop_asked():  # the interrupt, landed in an SQL function: an SQLite error
                _keep_what_was_read(store, run, summary)
            else:
                _failed(source.name, run, summary, exc)
    summary.seconds = time.monotonic() - started
    if ctx is not None:
        summary.notes.extend(ctx.notes)
    if summary.waiting:
        summary.notes.append(waiting_note(summary.waiting, store.create_people_from,
                                          bool(store.noise.me) or not source.direction_from_me))
    if not dry_run:
        try:
            store.record_run(
                source.name,
                ok=summary.status == "ok",
                counts={**{k: v for k, v in summary.as_dict().items() if k != "rejected"},
                        "rejected_count": len(summary.rejected)},
                error="; ".join(summary.errors) or None,
            )
        except Exception as exc:  # noqa: BLE001
            summary.errors.append(f"cannot record the run: {exc}")
    if progress is not None:
        final = "failed" if not summary.ok else "interrupted" if summary.interrupted else "done"
        if final == "done" and not summary.cancelled:
            progress(source.name, summary.seen, summary.seen, final)
        else:  # a stopped run's bar stays where the source got to (not a full bar)
            progress(source.name, reached[0], reached[1],
                     "cancelled" if final == "done" else final)
    return summary


def _keep_what_was_read(store: Store, run: _Run, summary: SourceSummary) -> None:
    """Ctrl-C (SIGTERM, SIGHUP): keep what was read so far (a second one while saving gives
    up on it)."""
    summary.interrupted = summary.cancelled = True
    try:
        run.flush()
        with store.turn:
            settle(store.conn, summary)
    except KeyboardInterrupt:
        pass


def _failed(source: str, run: _Run, summary: SourceSummary, exc: Exception) -> None:
    """A source that raised: its error in the summary, what it yielded before kept."""
    summary.ok = False
    summary.errors.append(shorten(user_message(exc)))
    log.debug("source %s failed:\n%s", source, traceback.format_exc())
    try:
        run.flush()
    except Exception as flush_exc:  # noqa: BLE001
        summary.errors.append(shorten(f"while saving: {user_message(flush_exc)}"))


def _reread_phones(store: Store, summary: SourceSummary, told: set[str]) -> None:
    """Before a source writes: phone numbers stored without a country code read again under
    ``[identity] default_region`` (``store.phone_region``), each note said once a run."""
    if not store.phone_region:
        return  # (no write lock taken for nothing)
    with store.transaction():
        done = reread(store.conn, store.phone_region)
    store.local_phones = bool(done.clashes)
    summary.touched_people |= done.touched
    for line in done.lines():
        if line not in told:
            told.add(line)
            summary.notes.append(line)


def waiting_note(count: int, policy: str, has_me: bool) -> str:
    """One line on the touches kept for addresses that are no one's, and the setting why
    (``has_me`` False: the directions came from an empty ``[me] emails``)."""
    kept = f"{count} touch{'es' if count != 1 else ''} kept for addresses that are not people"
    if policy == "never":
        return f'{kept}: [identity] create_people_from = "never" makes no one from what is imported'
    if not has_me:
        return (f"{kept}: [me] emails is empty, so only what a source knows to be yours (a "
                "Gmail account's own address) counts as sent by you, and [identity] "
                f'create_people_from = "{policy}" makes people only of those you wrote to; add '
                "your addresses to [me] emails and run it again")
    return (f'{kept} yet: [identity] create_people_from = "{policy}" makes people only of '
            'those you wrote to ("any" makes everyone a person)')
