"""Reading contact CSV files: the header layouts of the exporters this plugin knows (LinkedIn,
Google, Outlook), cells by column name, and a whole export turned into records (decoding, the
delimiter and rows with their line numbers come from ``crb_tui.sdk.tabular``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from crb_contacts import _contact, _dates
from crb_tui import Reject, SyncContext
from crb_tui.sdk import tabular

header_key = tabular.header_key


# -- layouts (told apart in crb_tui.sdk.tabular, which the generic csv source shares) -------------


def is_linkedin_header(cols: list[str]) -> bool:
    return tabular.contact_export(cols) == "linkedin"


def is_google_header(cols: list[str]) -> bool:
    return tabular.contact_export(cols) == "google"


def is_outlook_header(cols: list[str]) -> bool:
    return tabular.contact_export(cols) == "outlook"


LINKEDIN_PREAMBLE_ROWS = 20
"""How far down a LinkedIn header may sit (newer exports put a ``Notes:`` paragraph first)."""


def is_connection_date(value: str) -> bool:
    return _dates.parse_date(value) is not None


def headerless_linkedin_layout(sample: list[list[str]]) -> list[str] | None:
    """Column names for a LinkedIn export without its header row, recognised by shape: every row
    has 6 or 7 cells and the last is a date. Seven cells carry the profile URL; six are either
    the older ``First,Last,Email,Company,Position,Connected On`` or lack the e-mail instead (told
    apart by what the third column holds)."""
    data = [row for row in sample if any(c.strip() for c in row)]
    if not data:
        return None
    widths = {len(row) for row in data}
    if len(widths) != 1 or not widths <= {6, 7}:
        return None
    if not all(is_connection_date(row[-1]) for row in data):
        return None
    # A row that is only a date is a hidden profile: it shows nothing about the layout, and a
    # file of nothing but those is not worth claiming.
    if not any(any(c.strip() for c in row[:-1]) for row in data):
        return None
    if 7 in widths:
        return [
            "first name",
            "last name",
            "url",
            "email address",
            "company",
            "position",
            "connected on",
        ]
    urls = sum("linkedin.com" in row[2].lower() or "://" in row[2] for row in data)
    mails = sum("@" in row[2] for row in data)
    if urls > mails:
        return ["first name", "last name", "url", "company", "position", "connected on"]
    return ["first name", "last name", "email address", "company", "position", "connected on"]


def sniff_rows(text: str, limit: int = 30, partial: bool = False) -> list[tabular.Row]:
    """The first rows of a file's head (the last one dropped when the head was cut short)."""
    out: list[tabular.Row] = []
    for row in tabular.rows(text):
        out.append(row)
        if len(out) > limit:
            break
    if partial and out and len(out) <= limit:
        out.pop()
    return out[:limit]


def find_layout(text: str, partial: bool = False) -> str | None:
    """Which known export a CSV text is: ``linkedin``, ``google-csv``, ``outlook-csv`` or None."""
    head = sniff_rows(text, partial=partial)
    cells = [r.cells for r in head if r.cells is not None]
    nonempty = [c for c in cells if any(x.strip() for x in c)]
    if not nonempty:
        return None
    for row in nonempty[:LINKEDIN_PREAMBLE_ROWS]:
        if is_linkedin_header(header_key(row)):
            return "linkedin"
    first = header_key(nonempty[0])
    if is_google_header(first):
        return "google-csv"
    if is_outlook_header(first):
        return "outlook-csv"
    if headerless_linkedin_layout(nonempty[:20]) is not None:
        return "linkedin"
    return None


class Table:
    """Cells of one row looked up by (lower-cased) column name."""

    def __init__(self, header: list[str]) -> None:
        self.columns: dict[str, int] = {}
        for i, name in enumerate(header_key(header)):
            self.columns.setdefault(name, i)

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def get(self, cells: list[str], *names: str) -> str:
        """The first non-empty cell among ``names`` (stripped), or ``""``."""
        for name in names:
            i = self.columns.get(name)
            if i is not None and i < len(cells) and cells[i].strip():
                return cells[i].strip()
        return ""


class Unreadable(Exception):
    """The whole file cannot be read as the expected layout (the message says why)."""


def _first_row(cells: list[str]) -> str:
    """The row that should have been the header, as a reason can show it: 40 characters, or
    what it is when it is not text at all (random bytes read as Latin-1)."""
    text = ",".join(cells[:6])
    if tabular.not_text(text):
        return "the first row is not text (a binary file?)"
    shown = text[:40] + ("..." if len(text) > 40 else "")
    return f"the header row is {shown!r}"


def open_table(
    path: Path, recognise: Callable[[list[str]], bool], expected: str
) -> tuple[Table, list[tabular.Row]]:
    """Read a CSV file whose first non-empty row is a header ``recognise`` accepts. Raises
    OSError when the file cannot be read and Unreadable when it is not that layout."""
    text, _encoding = tabular.read_text(path)
    all_rows = list(tabular.rows(text))
    for i, row in enumerate(all_rows):
        if row.cells is None or not row.cells or row.empty:
            continue
        if not recognise(header_key(row.cells)):
            raise Unreadable(f"not {expected}: {_first_row(row.cells)}")
        return Table(row.cells), all_rows[i + 1 :]
    raise Unreadable(f"not {expected}: the file is empty")


def head_is_partial(path: Path, head: bytes) -> bool:
    """Whether ``head`` is only the start of the file (its last line may be cut)."""
    try:
        return path.stat().st_size > len(head)
    except OSError:
        return False


def date_order(ctx: SyncContext, table: Table, data: list[tabular.Row], *columns: str) -> str:
    """``mdy`` or ``dmy``: the ``date_order`` setting, or else what the numeric dates in
    ``columns`` show."""
    order = ctx.config.get("date_order") or "auto"
    if order in ("mdy", "dmy"):
        return order
    return _dates.numeric_order([table.get(r.cells, *columns) for r in data if r.cells])


ContactReader = Callable[[list[str], str], _contact.Contact]
"""Reads the cells of one data row into a contact named ``where`` (its second argument)."""


def read_contacts(
    ctx: SyncContext,
    path: Path,
    recognise: Callable[[list[str]], bool],
    expected: str,
    reader: Callable[[SyncContext, Table, list[tabular.Row]], ContactReader],
) -> Iterator[Any]:
    """The records of a contacts export whose header ``recognise`` accepts (see
    :func:`open_table`), each data row read by what ``reader(ctx, table, data)`` returns; a
    ``Reject`` when the file cannot be read or is not that layout."""
    try:
        table, data = open_table(path, recognise, expected)
    except OSError as exc:
        yield Reject(f"cannot read: {exc.strerror or exc}", str(path))
        return
    except Unreadable as exc:
        yield Reject(str(exc), f"{path}:1")
        return
    contact_from = reader(ctx, table, data)
    note_at = _contact.file_time(path)
    yield from tabular.row_records(
        ctx,
        path,
        data,
        lambda cells, where: _contact.records(contact_from(cells, where), ctx, note_at=note_at),
    )
