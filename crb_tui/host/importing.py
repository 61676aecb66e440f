"""``crb import``: detect each file's format and hand it to the source that reads it."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crb_tui.errors import CrbError
from crb_tui.host.file_paths import _is_url, archive_kind, expand_paths, read_head
from crb_tui.host.sync import SourceSummary
from crb_tui.sources import ProgressCallback, Source
from crb_tui.store.export import is_export_document, restore_document
from crb_tui.store.queries import count_people

if TYPE_CHECKING:
    from crb_tui.host.app_context import AppContext

EXPORT = "crb-json"


def formats(sources: dict[str, Source]) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for source in sources.values():
        for fmt in source.formats:
            found.setdefault(fmt, source)
    return found


def detect_format(path: str, head: bytes, sources: dict[str, Source]) -> str | None:
    if head and is_export_document(head):
        return EXPORT
    for source in sources.values():
        if source.detect is None:
            continue
        try:
            fmt = source.detect(Path(path), head)
        except Exception:  # noqa: BLE001 - a broken detector must not stop the import
            fmt = None
        if fmt:
            return fmt
    return None


def import_paths(
    app: AppContext,
    paths: list[str],
    *,
    fmt: str = "auto",
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    options: dict[str, Any] | None = None,
) -> list[SourceSummary]:
    """Import files or URLs; ``options`` reach each source as ``ctx.options`` (e.g. ``columns``)."""
    sources = app.sources()
    app.warn_unknown_source_tables(sources)
    by_format = formats(sources)
    known = [EXPORT, *sorted(by_format)]
    if fmt != "auto" and fmt not in known:
        raise CrbError(f"unknown format {fmt!r} (known: auto, {', '.join(known)})")
    files, rejected = expand_paths(paths)
    plan: dict[str, list[str]] = {}
    found_formats: dict[str, list[str]] = {}
    for path in files:
        if not _is_url(path) and os.path.exists(path) and not os.path.isfile(path):
            # A pipe or a device would block the import or never end.
            rejected.append({"where": path, "reason": "not a regular file"})
            continue
        try:
            head = read_head(path)
        except OSError as exc:
            rejected.append({"where": path, "reason": f"cannot read: {exc.strerror or exc}"})
            continue
        if not head and not _is_url(path) and os.path.getsize(path) == 0:
            rejected.append({"where": path, "reason": "empty file: nothing to import"})
            continue
        chosen = fmt if fmt != "auto" else detect_format(path, head, sources)
        if chosen is None and options and options.get("columns") and "csv" in by_format:
            chosen = "csv"  # a column mapping says what the file is
        if chosen is None and (archive := archive_kind(head)) is not None:
            rejected.append({"where": path, "reason": f"{archive}: unpack it and import what "
                                                      "is in it (crb import FOLDER)"})
            continue
        if chosen is None:
            rejected.append({
                "where": path,
                "reason": f"cannot tell what format this is; give --format ({', '.join(known)})",
            })
            continue
        name = chosen if chosen == EXPORT else by_format[chosen].name
        plan.setdefault(name, []).append(path)
        if chosen not in found_formats.setdefault(name, []):
            found_formats[name].append(chosen)
    summaries: list[SourceSummary] = []
    told: set[str] = set()  # (the notes on phone numbers: said once, by the first source)
    if rejected:
        # Files that no source could take are rejected records of the import itself.
        summaries.append(
            SourceSummary(source="import", seen=len(rejected), rejected=rejected)
        )
    for name, group in plan.items():
        if any(s.interrupted for s in summaries):
            break  # Ctrl-C stops the whole import
        if name == EXPORT:
            summaries.extend(_restore(app, group, dry_run))
            continue
        source = sources[name]
        # Each source runs once, handed exactly the files it reads (.eml and .mbox alike).
        ran = app.sync(
            [source.name], dry_run=dry_run, progress=progress,
            paths=[Path(p) if not _is_url(p) else p for p in group],
            sources={source.name: source}, options=options, told=told,
        )
        for summary in ran:
            summary.formats = found_formats.get(name, [])
        summaries.extend(ran)
    return summaries


def _restore(app: AppContext, paths: list[str], dry_run: bool) -> list[SourceSummary]:
    out = []
    for path in paths:
        summary = SourceSummary(source=f"{EXPORT}:{path}")
        try:
            with open(path, encoding="utf-8") as fh:
                document: Any = json.load(fh)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            summary.seen = 1
            summary.rejected.append({"where": path, "reason": f"not a readable CRB export: {exc}"})
            out.append(summary)
            continue
        store = app.store
        with store.trial() if dry_run else contextlib.nullcontext():
            counts = restore_document(store, document, where=path)
            # (merged-away people are rows of the export too, not people of the user's)
            summary.new_people = count_people(store, include_archived=True)
        summary.seen = summary.imported = sum(counts.values())
        out.append(summary)
        if not dry_run:
            app.recompute()
    return out
