"""``crb import`` and ``crb sync``: running sources, their summaries, progress and exit statuses
(registered on the ``crb`` group by ``crb_tui.cli.commands``)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crb_tui.cli.group import REJECTED_EXIT, _ctx, cli, emit_json
from crb_tui.errors import INTERRUPTED_EXIT, CrbError
from crb_tui.files import check_target, replace_private
from crb_tui.host.app_context import AppContext
from crb_tui.host.stopping import stop_asked, stopped_like_ctrl_c
from crb_tui.text import json_text, plain, shorten

# -- import and sync -------------------------------------------------------------------------


def _report(summaries: list[Any], as_json: bool, dry_run: bool) -> None:
    """The summary, where it can still be printed: after a SIGHUP the terminal may be gone,
    and the run (recorded already) is not to end in a traceback about it."""
    interrupted = any(s.interrupted for s in summaries)
    with contextlib.suppress(OSError) if interrupted else contextlib.nullcontext():
        _print_summaries(summaries, as_json, dry_run)


def _print_summaries(summaries: list[Any], as_json: bool, dry_run: bool = False) -> None:
    if as_json:
        emit_json({"dry_run": dry_run, "sources": [s.as_dict() for s in summaries]})
        for s in summaries:
            _errors(s)
        return
    for s in summaries:
        head = f"{_title(s)}: {_outcome(s)}" + (" (dry run: nothing written)" if dry_run else "")
        click.echo(head)
        click.echo(
            f"  seen {s.seen}, imported {s.imported}, updated {s.updated}, merged {s.merged}, "
            f"unchanged {s.unchanged}, new people {s.new_people}"
        )
        _reasons("skipped", s.skipped)
        _reasons("removed", s.removed)
        if s.rejected:
            click.echo(f"  rejected {len(s.rejected)}:")
            for item in s.rejected[:20]:
                click.echo(f"    {plain(item['where'])}: {plain(item['reason'])}")
            if len(s.rejected) > 20:
                click.echo(f"    ... and {len(s.rejected) - 20} more (use --json or --rejects)")
        for note in getattr(s, "notes", []):
            click.echo(f"  note: {plain(note)}")
        for warning in s.warnings:
            click.echo(f"  warning: {plain(warning)}")
        _errors(s)


def _errors(s: Any) -> None:
    """A failed source's errors on stderr, each a line that stands on its own (cron mails
    stderr and throws the summary away): ``crb: error: gmail: users.history.list: HTTP 503
    ...``."""
    for err in s.errors:
        text = plain(err, one_line=True)
        named = text.startswith((f"{s.source} ", f"{s.source}:", f"sources.{s.source}."))
        click.echo(f"crb: error: {text if named else f'{s.source}: {text}'}", err=True)


def _reasons(what: str, counts: dict[str, int]) -> None:
    """``  skipped: bulk mail 5, duplicate message-id 4`` (nothing when there are none)."""
    if counts:
        click.echo(f"  {what}: " + ", ".join(f"{plain(k)} {v}" for k, v in sorted(counts.items())))


def _title(s: Any) -> str:
    """The source, and the formats of the files it read when they are not its name (the mbox
    source reading .eml files: ``mbox (eml)``)."""
    formats = [f for f in getattr(s, "formats", []) if f != s.source]
    return plain(s.source) + (f" ({', '.join(formats)})" if formats else "")


def _outcome(s: Any) -> str:
    """``ok`` only when nothing was rejected: ``FAILED``, ``interrupted``, ``cancelled``, ``ok,
    2 rejected``, or ``nothing imported, 1 rejected`` when every record was."""
    if not s.ok:
        return "FAILED"
    status = s.status  # ok, interrupted, cancelled or rejected
    if status == "rejected":
        return f"nothing imported, {len(s.rejected)} rejected"
    return f"{status}, {len(s.rejected)} rejected" if s.rejected else status


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    help="auto, crb-json, or a format a plugin reads (see `crb plugins`).",
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected records to this file (JSON lines).",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Column mapping for CSV files, e.g. --map email='Work E-mail' (repeatable).",
)
@click.option("--json", "as_json", is_flag=True)
@stopped_like_ctrl_c()  # SIGTERM, SIGHUP
def import_(
    paths: tuple[str, ...],
    fmt: str,
    dry_run: bool,
    rejects: Path | None,
    mapping: tuple[str, ...],
    as_json: bool,
) -> None:
    """Import files (contacts, mail, calendars, or a CRB JSON export), folders (recursively) and
    quoted globs ('cals/**/*.ics').

    Exit status: 0 when everything was read, 3 when anything was rejected or nothing was found
    to import, 1 when a source failed, 130 after Ctrl-C, SIGTERM or SIGHUP (what the summary
    counts is stored).
    """
    from crb_tui.host.importing import import_paths

    app = _ctx()
    if rejects is not None:
        check_target(rejects, "rejects file")  # before anything is imported
    columns: dict[str, str] = {}
    for pair in mapping:
        field_name, sep, column = pair.partition("=")
        if not sep or not field_name.strip() or not column.strip():
            raise CrbError(f"--map {pair!r}: use FIELD=COLUMN, e.g. --map email='Work E-mail'")
        columns[field_name.strip()] = column.strip()
    summaries = import_paths(
        app,
        list(paths),
        fmt=fmt,
        dry_run=dry_run,
        progress=_progress_printer(app.store.path, bars=not as_json),
        options={"columns": columns} if columns else None,
    )
    _report(summaries, as_json, dry_run)
    if rejects is not None:
        with replace_private(rejects, "rejects file") as fh:
            for s in summaries:
                for item in s.rejected:
                    fh.write(json_text({"source": s.source, **item}) + "\n")
    _exit(summaries, importing=True)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--status", "show_status", is_flag=True,
              help="Show each source's last run (ok, failed, interrupted) instead of running.")
@click.option("--json", "as_json", is_flag=True)
@stopped_like_ctrl_c()  # SIGTERM, SIGHUP
def sync(sources: tuple[str, ...], dry_run: bool, show_status: bool, as_json: bool) -> None:
    """Run data sources (all configured ones, or those named)."""
    app = _ctx()
    if show_status:
        _print_sync_status(app, sources, as_json)
        return
    summaries = app.sync(
        list(sources) or None, dry_run=dry_run,
        progress=_progress_printer(app.store.path, bars=not as_json),
    )
    if not summaries and not as_json:
        available = ", ".join(sorted(app.sources())) or "none"
        click.echo(
            "No sources configured: add a [sources.NAME] table to "
            f"{app.config_path}, or name one (available: {available})."
        )
        return
    _report(summaries, as_json, dry_run)
    _exit(summaries)


def _print_sync_status(app: AppContext, names: tuple[str, ...], as_json: bool) -> None:
    import json

    runs = []
    states = app.store.sync_states()
    if names:
        # A source never run is said so; a name that is no source is an error, as `crb sync
        # NAME` says (a cron check of a misspelt name passed: "No source has run yet.").
        known = set(app.sources())
        ran = {row["source"] for row in states}
        unknown = [n for n in names if n not in known and n not in ran]
        if unknown:
            raise CrbError(f"unknown source {', '.join(unknown)} (available: "
                           f"{', '.join(sorted(known)) or 'none'})")
        states = [row for row in states if row["source"] in names] + [
            {"source": n, "last_run": None, "last_ok": None, "counts": None, "last_error": None}
            for n in dict.fromkeys(names) if n not in ran]
    for row in states:
        counts = json.loads(row["counts"] or "{}")
        # Runs recorded before the status was: failed when they left an error.
        status = counts.get("status") or ("failed" if row["last_error"] else "ok")
        if row["last_run"] is None:
            status = "never run"
        runs.append({"source": row["source"], "last_run": row["last_run"],
                     "last_ok": row["last_ok"], "status": status, "counts": counts,
                     "error": row["last_error"]})
    if as_json:
        emit_json({"sources": runs})
        return
    if not runs:
        click.echo("No source has run yet.")
    for run in runs:
        c = run["counts"]
        rejected = c.get("rejected_count", 0) if run["status"] == "ok" else 0
        status = f"ok, {rejected} rejected" if rejected else run["status"]  # (as the run said)
        if run["last_run"] is None:
            click.echo(f"{plain(run['source'])}: never run, last ok never")
            continue
        click.echo(f"{plain(run['source'])}: {status}, last run {_local(run['last_run'])}"
                   + (f", last ok {_local(run['last_ok']) if run['last_ok'] else 'never'}"
                      if run["last_ok"] != run["last_run"] else ""))
        if c:
            # Every count --json has, so that they add up: seen = imported + updated + merged
            # + unchanged + skipped + rejected.
            skipped, removed = c.get("skipped") or {}, c.get("removed") or {}
            click.echo(f"  seen {c.get('seen', 0)}, imported {c.get('imported', 0)}, updated "
                       f"{c.get('updated', 0)}, merged {c.get('merged', 0)}, unchanged "
                       f"{c.get('unchanged', 0)}, skipped {sum(skipped.values())}, rejected "
                       f"{c.get('rejected_count', 0)}, new people {c.get('new_people', 0)}"
                       + (f", removed {sum(removed.values())}" if removed else ""))
            _reasons("skipped", skipped)
            _reasons("removed", removed)
            for what in ("notes", "warnings"):
                for line in c.get(what) or ():
                    click.echo(f"  {what[:-1]}: {plain(line)}")
        if run["error"]:
            click.echo(f"  error: {plain(shorten(run['error']))}")


def _local(stamp: str | None) -> str:
    """A stored stamp (UTC) as the user reads it: ``2026-12-07 06:13`` in ``[me] timezone``."""
    from crb_tui.clock import local_time

    if not stamp:
        return "never"
    try:
        return f"{local_time(stamp):%Y-%m-%d %H:%M}"
    except ValueError:
        return plain(stamp)


def _exit(summaries: list[Any], *, importing: bool = False) -> None:
    """Exit with the status docs/cli.md documents, once the summary is printed: 130 after
    Ctrl-C, 1 when a source failed, 3 when anything was rejected (or an import found nothing to
    import at all), else 0."""
    if any(s.interrupted for s in summaries) or stop_asked():
        with contextlib.suppress(OSError):  # a closed terminal (SIGHUP)
            click.echo("Interrupted: what is counted above is stored.", err=True)
        sys.exit(INTERRUPTED_EXIT)
    if any(not s.ok for s in summaries):
        sys.exit(1)
    if any(s.rejected for s in summaries):
        sys.exit(REJECTED_EXIT)
    if importing and not any(s.seen for s in summaries):
        sys.exit(REJECTED_EXIT)


def _progress_printer(
    database: Path | None, *, bars: bool = True
) -> Callable[[str, int, int | None, str], None]:
    """Progress on stderr: a bar per source on a terminal (``bars``), and, terminal or not, a
    line when a run waits for another process's run of the same source (it may wait long)."""
    from crb_tui.host.sync import WAITING
    from crb_tui.store.locking import run_holder

    bars = bars and sys.stderr.isatty()
    width = 30

    def show(source: str, done: int, total: int | None, message: str) -> None:
        if message == WAITING:
            pid = run_holder(database, source)
            other = f"another run of {source}" + (f" (pid {pid})" if pid else "")
            sys.stderr.write(("\r\x1b[2K" if bars else "")
                             + f"{plain(source)}: waiting for {other} to end\n")
            sys.stderr.flush()
            return
        if not bars:
            return
        if total:
            filled = min(width, int(width * done / max(total, 1)))
            bar = "#" * filled + "-" * (width - filled)
            line = f"{source:<16} [{bar}] {done}/{total} {plain(message, one_line=True)}"
        else:
            line = f"{source:<16} {done} {plain(message, one_line=True)}"
        end = "\n" if message in ("done", "failed", "interrupted", "cancelled") else ""
        sys.stderr.write("\r\x1b[2K" + line[:120] + end)
        sys.stderr.flush()

    return show
