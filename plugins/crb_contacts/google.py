"""Google Contacts CSV, both layouts Google has exported.

- Legacy "Google CSV": ``Name,Given Name,Additional Name,Family Name,...,Group Membership,
  E-mail 1 - Type,E-mail 1 - Value,...,Organization 1 - Name,Organization 1 - Title,...``.
- Newer: ``First Name,Middle Name,Last Name,...,Organization Name,Organization Title,...,Labels,
  E-mail 1 - Label,E-mail 1 - Value,...,Phone 1 - Label,Phone 1 - Value,...``.

Both put several values in one cell separated by `` ::: `` and mark system groups with ``* ``
(``* myContacts``, ``* starred``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crb_contacts import _contact, _csvfile, _text
from crb_tui import SyncContext
from crb_tui.sdk import tabular

FORMAT = "google-csv"
_NUMBERED = re.compile(r"^(e-mail|phone|address|website|relation|event|organization) (\d+) - ")
_HIDDEN_GROUPS = {"mycontacts", "my contacts"}


def read(ctx: SyncContext, path: Path) -> Iterator[Any]:
    return _csvfile.read_contacts(
        ctx, path, _csvfile.is_google_header, "a Google Contacts CSV", _reader
    )


def _reader(
    ctx: SyncContext, table: _csvfile.Table, data: list[tabular.Row]
) -> _csvfile.ContactReader:
    """Rows read with the numbers of this file's ``Kind N - ...`` columns."""
    numbers: dict[str, list[int]] = {}
    for col in table.columns:
        m = _NUMBERED.match(col)
        if m and int(m.group(2)) not in numbers.setdefault(m.group(1), []):
            numbers[m.group(1)].append(int(m.group(2)))
    return lambda cells, where: _contact_from(table, cells, where, numbers)


def _contact_from(
    table: _csvfile.Table, cells: list[str], where: str, numbers: dict[str, list[int]]
) -> _contact.Contact:
    def get(*names: str) -> str:
        return table.get(cells, *names)

    def numbered(kind: str, field: str) -> Iterator[tuple[str, str]]:
        """(label, value) of every ``Kind N - Value`` column, labels of both layouts."""
        for i in sorted(numbers.get(kind, [])):
            value = get(f"{kind} {i} - {field}")
            if value:
                yield get(f"{kind} {i} - label", f"{kind} {i} - type"), value

    parts = [
        get("given name", "first name"),
        get("additional name", "middle name"),
        get("family name", "last name"),
    ]
    orgs = [v for _, v in numbered("organization", "name")]
    titles = [v for _, v in numbered("organization", "title")]
    org = _first(get("organization name") or (orgs[0] if orgs else ""))
    name = (
        _first(get("name"))
        or _text.clean(" ".join(_first(p) for p in parts if p))
        or _first(get("file as"))
        or _first(get("nickname"))
        or org
    )
    contact = _contact.Contact(
        where=where,
        name=name,
        org=org,
        title=_first(get("organization title") or (titles[0] if titles else "")),
    )
    contact.set_birthday(_first(get("birthday")), "Birthday")
    for _, value in numbered("e-mail", "value"):
        contact.add_email(value)
    for label, value in numbered("phone", "value"):
        contact.add_phone(value, label.lstrip("* "))
    for _, value in numbered("website", "value"):
        contact.add_url(value)
    contact.add_detail("nickname", _first(get("nickname")))
    contact.add_detail("department", _first(get("organization department")))
    for _, value in numbered("address", "formatted"):
        contact.add_detail("address", _text.clean(value.replace("\n", ", ")))
        break
    for label, value in numbered("relation", "value"):
        kind = label.lstrip("* ").strip().lower()
        if kind in ("spouse", "partner", "domestic partner", "domestic_partner"):
            contact.add_detail("spouse", value)
        elif kind == "child":
            contact.add_detail("children", value)
        else:
            contact.add_detail("related", f"{value} ({kind})" if kind else value)
    for label, value in numbered("event", "value"):
        kind = label.lstrip("* ").strip().lower()
        if kind == "anniversary":
            contact.add_date("anniversary", value, "Anniversary")
        else:
            contact.add_date("dates", value, f"Event {kind}".strip(), label=kind)
    groups = []
    for group in (get("group membership", "labels")).split(":::"):
        group = group.strip().lstrip("*").strip()
        if group and group.lower() not in _HIDDEN_GROUPS:
            groups.append(group)
    if groups:
        contact.details["groups"] = ", ".join(groups)
    contact.add_note(get("notes"))
    return contact


def _first(value: str) -> str:
    """The first of several ``a ::: b`` values."""
    return value.split(":::")[0].strip() if value else ""


def detect(path: Path, head: bytes) -> str | None:
    text, _ = tabular.decode(head)
    if _csvfile.find_layout(text, partial=_csvfile.head_is_partial(path, head)) == FORMAT:
        return FORMAT
    return None
