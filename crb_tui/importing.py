"""``crb import``: detect each file's format and hand it to the source that reads it."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crb_tui.errors import CrbError
from crb_tui.export import is_export_document, restore_document
from crb_tui.sources import ProgressCallback, Source
from crb_tui.sync import SourceSummary

if TYPE_CHECKING:
    from crb_tui.app_context import AppContext

EXPORT = "crb-json"
HEAD_BYTES = 64 * 1024


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://", "webcal://"))


def read_head(path: str) -> bytes:
    if _is_url(path):
        return b""
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError as exc:
        raise CrbError(f"{path}: cannot read: {exc.strerror or exc}") from exc


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
    by_format = formats(sources)
    known = [EXPORT, *sorted(by_format)]
    if fmt != "auto" and fmt not in known:
        raise CrbError(f"unknown format {fmt!r} (known: auto, {', '.join(known)})")
    plan: dict[str, list[str]] = {}
    for path in paths:
        head = read_head(path)
        chosen = fmt if fmt != "auto" else detect_format(path, head, sources)
        if chosen is None and options and options.get("columns") and "csv" in by_format:
            chosen = "csv"  # a column mapping says what the file is
        if chosen is None:
            raise CrbError(
                f"{path}: cannot tell what format this is; give --format ({', '.join(known)})"
            )
        plan.setdefault(chosen, []).append(path)
    summaries: list[SourceSummary] = []
    for chosen, group in plan.items():
        if chosen == EXPORT:
            summaries.extend(_restore(app, group, dry_run))
            continue
        source = by_format[chosen]
        # Each format runs as its own source run, handed exactly the files of that format.
        summaries.extend(
            app.sync(
                [source.name], dry_run=dry_run, progress=progress,
                paths=[Path(p) if not _is_url(p) else p for p in group],  # type: ignore[misc]
                sources={source.name: source}, options=options,
            )
        )
    return summaries


def _restore(app: AppContext, paths: list[str], dry_run: bool) -> list[SourceSummary]:
    out = []
    for path in paths:
        summary = SourceSummary(source=f"{EXPORT}:{path}")
        try:
            with open(path, encoding="utf-8") as fh:
                document: Any = json.load(fh)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CrbError(f"{path}: not a readable CRB export: {exc}") from exc
        store = app.store
        with store.trial() if dry_run else contextlib.nullcontext():
            counts = restore_document(store, document, where=path)
        summary.seen = summary.imported = sum(counts.values())
        out.append(summary)
        if not dry_run:
            app.recompute()
    return out
