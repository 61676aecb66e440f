"""Outlook CSV: what Outlook (desktop and outlook.com) exports, and Google's "Outlook CSV".

``First Name,Middle Name,Last Name,Title,Suffix,...,E-mail Address,E-mail 2 Address,
E-mail 3 Address,...,Mobile Phone,...,Company,Job Title,...,Birthday,Anniversary,Notes`` (the
desktop export orders them differently and adds ``E-mail Type`` / ``E-mail Display Name``).
``Title`` is the honorific (Mr., Dr.), never the job. Birthdays follow the exporting machine's
locale (``3/22/1980``), ``0/0/00`` meaning none. Desktop Outlook writes an Exchange
``/o=.../cn=...`` path instead of an address for colleagues on the same Exchange server; the
real address then often sits in ``E-mail Display Name`` as ``Name (addr@example.com)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crb_contacts import _contact, _csvfile, _text
from crb_tui import SyncContext
from crb_tui.sdk import tabular

FORMAT = "outlook-csv"
_IN_PARENS = re.compile(r"\(([^()\s]+@[^()\s]+)\)")

PHONES = (
    "mobile phone",
    "primary phone",
    "home phone",
    "home phone 2",
    "business phone",
    "business phone 2",
    "company main phone",
    "other phone",
    "car phone",
    "assistant's phone",
    "callback",
    "radio phone",
    "pager",
    "isdn",
    "telex",
    "tty/tdd phone",
    "business fax",
    "home fax",
    "other fax",
)


def read(ctx: SyncContext, path: Path) -> Iterator[Any]:
    return _csvfile.read_contacts(ctx, path, _csvfile.is_outlook_header, "an Outlook CSV", _reader)


def _reader(
    ctx: SyncContext, table: _csvfile.Table, data: list[tabular.Row]
) -> _csvfile.ContactReader:
    """Rows read with the date order of this file's birthdays and anniversaries."""
    order = _csvfile.date_order(ctx, table, data, "birthday", "anniversary")
    return lambda cells, where: _contact_from(table, cells, where, order)


def _contact_from(
    table: _csvfile.Table, cells: list[str], where: str, order: str
) -> _contact.Contact:
    def get(*names: str) -> str:
        return table.get(cells, *names)

    name = _text.clean(
        " ".join(
            get(col) for col in ("first name", "middle name", "last name", "suffix") if get(col)
        )
    )
    contact = _contact.Contact(
        where=where,
        name=name or get("nickname") or get("company"),
        org=get("company"),
        title=get("job title"),
    )
    contact.set_birthday(get("birthday"), "Birthday", order)
    for n in ("", " 2", " 3"):
        value = get(f"e-mail{n} address")
        if value and _text.email(value) is None:
            # An Exchange path: look for the address in the display name instead.
            found = _IN_PARENS.search(get(f"e-mail{n} display name"))
            if found:
                value = found.group(1)
        contact.add_email(value)
    for col in PHONES:
        contact.add_phone(get(col), col.removesuffix(" 2"))
    contact.add_url(get("web page"))
    contact.add_url(get("personal web page"))
    contact.add_detail("nickname", get("nickname"))
    contact.add_detail("department", get("department"))
    contact.add_detail("spouse", get("spouse"))
    contact.add_detail("children", get("children"))
    contact.add_date("anniversary", get("anniversary"), "Anniversary", order)
    for prefix, key in (("home", "address"), ("business", "work address")):
        parts = [
            get(f"{prefix} street"),
            get(f"{prefix} city"),
            _text.clean(f"{get(f'{prefix} state')} {get(f'{prefix} postal code')}"),
            get(f"{prefix} country/region", f"{prefix} country"),
        ]
        contact.add_detail(key, ", ".join(_text.clean(p) for p in parts if p.strip()))
    groups = [g.strip() for g in re.split(r"[;,]", get("categories")) if g.strip()]
    if groups:
        contact.details["groups"] = ", ".join(groups)
    contact.add_note(get("notes"))
    return contact


def detect(path: Path, head: bytes) -> str | None:
    text, _ = tabular.decode(head)
    if _csvfile.find_layout(text, partial=_csvfile.head_is_partial(path, head)) == FORMAT:
        return FORMAT
    return None
