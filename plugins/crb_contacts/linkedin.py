"""LinkedIn ``Connections.csv``, from every era.

- Newer exports start with a ``Notes:`` paragraph, a blank line, then
  ``First Name,Last Name,URL,Email Address,Company,Position,Connected On``.
- Older ones have no preamble and no ``URL`` column.
- Re-saved by Excel: CRLF, no preamble, dates like ``9-Oct-24`` (or the locale's ``10/9/2024``),
  perhaps a semicolon delimiter, perhaps Windows-1252.
- Some copies have lost their header row: recognised by shape (6-7 columns, the last a date).
- Hidden profiles are rows with only a date: skipped and counted.
- The e-mail column sometimes holds ``urn:li:member:...``: not an address, ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crb_contacts import _contact, _csvfile, _dates, _text
from crb_tui import Interaction, Person, Reject, Skip, SyncContext
from crb_tui.sdk import tabular

FORMAT = "linkedin"


def read(ctx: SyncContext, path: Path) -> Iterator[Any]:
    try:
        text, _encoding = tabular.read_text(path)
    except OSError as exc:
        yield Reject(f"cannot read: {exc.strerror or exc}", str(path))
        return
    all_rows = list(tabular.rows(text))
    header_at = None
    for i, row in enumerate(all_rows[: _csvfile.LINKEDIN_PREAMBLE_ROWS * 3]):
        if row.cells and _csvfile.is_linkedin_header(_csvfile.header_key(row.cells)):
            header_at = i
            break
    if header_at is not None:
        table = _csvfile.Table(all_rows[header_at].cells or [])
        data = all_rows[header_at + 1 :]
    else:
        sample = [r.cells for r in all_rows if r.cells and not r.empty][:20]
        layout = _csvfile.headerless_linkedin_layout(sample)
        if layout is None:
            yield Reject(
                "not a LinkedIn connections export: no 'First Name,Last Name,...,Connected On' "
                "header, and the rows are not 6-7 columns ending in a date",
                f"{path}:1",
            )
            return
        table = _csvfile.Table(layout)
        data = all_rows
    order = _csvfile.date_order(ctx, table, data, "connected on")
    note_at = _contact.file_time(path)
    yield from tabular.row_records(
        ctx, path, data, lambda cells, where: _row(ctx, table, cells, where, order, note_at)
    )


def _row(
    ctx: SyncContext,
    table: _csvfile.Table,
    cells: list[str],
    where: str,
    order: str,
    note_at: dt.datetime,
) -> Iterator[Any]:
    name = _text.clean(f"{table.get(cells, 'first name')} {table.get(cells, 'last name')}")
    contact = _contact.Contact(
        where=where,
        name=name,
        org=table.get(cells, "company"),
        title=table.get(cells, "position"),
    )
    contact.add_email(table.get(cells, "email address", "e-mail address", "email"))
    contact.add_url(table.get(cells, "url", "profile url"))
    connected = table.get(cells, "connected on")
    if not contact.name and not contact.emails and not contact.urls:
        others = [c for c in cells if c.strip() and c.strip() != connected]
        if connected and all(c.strip().lower().startswith("urn:li:") for c in others):
            yield Skip("hidden profile", where)
        else:
            yield Reject("row has no name, e-mail address or profile URL", where)
        return
    date = _dates.parse_date(connected, order)
    person = None
    for record in _contact.records(contact, ctx, note_at=note_at):
        if isinstance(record, Person):
            person = record
            if date is not None and _text.loose_key(record.name):
                # The day of the connection and the name (loosely: an Excel re-save loses emoji
                # and accents) are the same in every era's export, whatever the row's e-mail,
                # URL, company or position: the key that finds the person again.
                record.source_key = f"linkedin:{date.isoformat()}:{_text.loose_key(record.name)}"
        yield record
    if person is None:
        return
    if date is None:
        reason = "unreadable Connected On date" if connected else "no Connected On date"
        yield Skip(f"connection not stored: {reason}", where)
        return
    emails = [i for i in person.identities if i.kind == "email"]
    urls = [i for i in person.identities if i.kind == "url"]
    with_ = next(iter(emails or urls), None)
    if with_ is None:
        # The person is stored (found again by name and date); the connection waits for an
        # export that gives an e-mail or a URL to hang it on.
        yield Skip("connection not stored: no e-mail or profile URL", where)
        return
    # Keyed on the day and the name, not on the e-mail or URL: older exports have no URL
    # column and newer ones hide many addresses, and the same connection must stay one
    # interaction across every era of the export.
    who = _text.loose_key(person.name) or with_.value.lower()
    yield Interaction(
        source_key=f"linkedin:connection:{date.isoformat()}:{who}",
        kind="connection",
        direction="mutual",
        # Noon UTC keeps the calendar day the same in every timezone from UTC-11 to UTC+11.
        at=dt.datetime.combine(date, dt.time(12, 0), dt.UTC),
        with_=with_,
        name=person.name or None,
        subject="Connected on LinkedIn",
    )


def detect(path: Path, head: bytes) -> str | None:
    text, _ = tabular.decode(head)
    partial = _csvfile.head_is_partial(path, head)
    layout = _csvfile.find_layout(text, partial=partial)
    if layout != FORMAT:
        return None
    # A header-less file is recognised by shape alone: only trust that for CSV-named files.
    if path.suffix.lower() not in (".csv", ".txt") and not _has_header(text, partial):
        return None
    return FORMAT


def _has_header(text: str, partial: bool) -> bool:
    return any(
        r.cells and _csvfile.is_linkedin_header(_csvfile.header_key(r.cells))
        for r in _csvfile.sniff_rows(text, partial=partial)
    )
