"""CRB's built-in generic CSV contacts importer: a plain plugin, written only against the public
plugin API (copy it as a template for your own source)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crb_tui import Identity, Person, Reject, Skip, Source, SyncContext, hookimpl

__version__ = "0.1.0"

# Header names (lower-cased) that mean the same field, first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "display name", "contact name"),
    "first": ("first name", "given name", "firstname"),
    "last": ("last name", "family name", "surname", "lastname"),
    "email": ("email", "e-mail", "email address", "e-mail address", "primary email", "mail"),
    "phone": ("phone", "telephone", "mobile", "mobile phone", "phone number", "cell"),
    "org": ("company", "organization", "organisation", "org", "employer"),
    "title": ("title", "job title", "position", "role"),
    "url": ("url", "website", "linkedin", "profile", "web page"),
}


def _sniff(text: str) -> csv.Dialect | type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _mapping(header: list[str], configured: dict[str, Any]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for field, column in configured.items():
        if isinstance(column, str) and column.strip().lower() in lowered:
            found[field] = lowered.index(column.strip().lower())
    for field, names in ALIASES.items():
        if field in found:
            continue
        for name in names:
            if name in lowered:
                found[field] = lowered.index(name)
                break
    return found


def detect(path: Path, head: bytes) -> str | None:
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    text = head.decode("utf-8-sig", "replace")
    first = text.splitlines()[0] if text else ""
    dialect = _sniff(text)
    header = next(csv.reader([first], dialect), [])
    fields = _mapping(header, {})
    if "email" in fields or ("name" in fields or "first" in fields):
        return "csv"
    return None


def read_rows(ctx: SyncContext, path: Path) -> Iterator[Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Reject(f"cannot read: {exc.strerror or exc}", str(path))
        return
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), _sniff(text))
    header = next(reader, None)
    if not header:
        yield Reject("empty file", str(path))
        return
    columns = _mapping(header, {**ctx.config.get("columns", {}), **ctx.options.get("columns", {})})
    if "email" not in columns and "name" not in columns and "first" not in columns:
        yield Reject(f"no name or e-mail column in header {header!r}", f"{path}:1")
        return
    total = text.count("\n")
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            yield Skip("blank row", f"{path}:{line}")
            continue

        def get(field: str, _row: list[str] = row) -> str:
            i = columns.get(field)
            return _row[i].strip() if i is not None and i < len(_row) else ""

        name = get("name") or " ".join(p for p in (get("first"), get("last")) if p)
        identities = []
        if get("email"):
            identities.append(Identity("email", get("email")))
        if get("phone"):
            identities.append(Identity("phone", get("phone")))
        if get("url"):
            identities.append(Identity("url", get("url")))
        if not name and not identities:
            yield Reject("row has neither a name nor an e-mail", f"{path}:{line}")
            continue
        yield Person(
            name=name or get("email"),
            identities=identities,
            org=get("org") or None,
            title=get("title") or None,
            source_key=None if identities else f"csv:{path.name}:{name.lower()}",
        )
        if line % 200 == 0:
            ctx.progress(line, total, path.name)


def sync(ctx: SyncContext) -> Iterator[Any]:
    paths = list(ctx.paths) or [Path(p).expanduser() for p in ctx.config.get("paths", [])]
    for path in paths:
        yield from read_rows(ctx, Path(path))


@hookimpl
def register_sources(register: Any) -> None:
    register(
        Source(
            name="csv",
            sync=sync,
            description="Contacts from any CSV file (name, e-mail, phone, company, title, URL)",
            config_schema={"paths": [], "columns": {}},
            formats=("csv",),
            detect=detect,
        )
    )
