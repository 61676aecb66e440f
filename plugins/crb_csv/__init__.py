"""CRB's built-in generic CSV contacts importer: a plain plugin, written only against the public
plugin API (copy it as a template for your own source).

It reads any CSV whose header names a name or an e-mail column (Thunderbird's address-book
export, a spreadsheet of contacts, ...), with the columns found by common header names or mapped
by the user: ``--map email='Work E-mail'`` on the command line, or ``columns`` under
``[sources.csv]``. Comma, semicolon, tab or ``|`` delimited; UTF-8 with or without a BOM, UTF-16,
or Windows-1252; quoted fields may hold tabs and line breaks; rows longer than the header are
fine. Layouts that have their own importer (LinkedIn, Google and Outlook exports) are left to
those: ``detect`` steps aside for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crb_tui import Identity, Note, Person, Reject, Skip, Source, SyncContext, hookimpl, sdk
from crb_tui.sdk import file_time, tabular

__version__ = "0.2.0"

# Header names (lower-cased) that mean the same field, first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "display name", "contact name", "fn"),
    "first": ("first name", "given name", "firstname", "first"),
    "middle": ("middle name", "additional name"),
    "last": ("last name", "family name", "surname", "lastname", "last"),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "primary email",
        "mail",
        "email 1",
        "work email",
        "personal email",
    ),
    "email2": ("secondary email", "email 2", "e-mail 2", "other email"),
    "phone": (
        "phone",
        "mobile",
        "mobile phone",
        "mobile number",
        "cell",
        "cell phone",
        "cellular number",
        "telephone",
        "phone number",
    ),
    "org": ("company", "organization", "organisation", "org", "employer", "company name"),
    "title": ("job title", "title", "position", "role"),
    "url": (
        "url",
        "linkedin",
        "linkedin url",
        "profile",
        "profile url",
        "website",
        "web page",
        "web page 1",
    ),
    "birthday": ("birthday", "birth date", "date of birth", "bday"),
    "note": ("notes", "note", "comments"),
}
FIELDS = tuple(ALIASES)
CRB_EXPORT = ("id", "name", "organization", "title", "tier", "cadence_days", "emails")
"""The first columns of CRB's own CSV export (``crb export --format csv``), whose ``emails``,
``phones`` and ``urls`` hold each of a person's identities (``; `` between them) and whose
``tier`` and ``cadence_days`` are read back too: importing it gives everyone again."""
_TIERS = ("key", "active", "network", "none")
_MANY = re.compile(r"\s*;\s*")
_PHONES = re.compile(r"\s*;\s*|\s+(?=\+)")
"""Between two phone numbers: ``; ``, or (older exports) a space before a ``+``."""
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")


# -- reading the file ------------------------------------------------------------------------


_key = tabular.header_key


def specific_layout(header: list[str]) -> bool:
    """A header that a dedicated importer reads better: a LinkedIn, Google or Outlook contacts
    export (told apart as the contacts plugin does)."""
    return tabular.contact_export(header) is not None


def _mapping(header: list[str], configured: dict[str, Any]) -> dict[str, int]:
    lowered = _key(header)
    found: dict[str, int] = {}
    for field, column in configured.items():
        if isinstance(column, str) and column.strip().lower() in lowered:
            found[field] = lowered.index(column.strip().lower())
    for field, names in ALIASES.items():
        if field in found:
            continue
        for name in names:
            if name in lowered and lowered.index(name) not in found.values():
                found[field] = lowered.index(name)
                break
    return found


def detect(path: Path, head: bytes) -> str | None:
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    text = tabular.decode(head)[0].replace("\x00", "")
    header: list[str] | None = None
    for n, row in enumerate(tabular.rows(text)):
        if row.cells and not row.empty:
            if specific_layout(_key(row.cells)):
                return None
            header = header or row.cells
        if n > 20:
            break
    if header is None:
        return None
    fields = _mapping(header, {})
    if {"email", "name", "first", "last"} & set(fields):
        return "csv"
    # A .csv whose columns CRB does not know (another language, another tool) is still a CSV:
    # the source then says how to map them, where "give --format" would lead nowhere.
    return "csv" if path.suffix.lower() in (".csv", ".tsv") and len(header) >= 2 else None


# -- turning rows into records ----------------------------------------------------------------


def _email(value: str) -> str | None:
    value = value.strip().strip("<>").strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    return value if _EMAIL.match(value) else None


def _birthday(text: str) -> str | None:
    text = text.strip()
    m = re.match(r"^--(\d{1,2})-?(\d{1,2})$", text)
    if m:
        month, day, year = int(m.group(1)), int(m.group(2)), None
    else:
        m = re.match(r"^(\d{4})-?(\d{1,2})-?(\d{1,2})$", text)
        if not m:
            return None
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        dt.date(year or 2000, month, day)
    except ValueError:
        return None
    if year in (None, 0, 1604, 1900):
        return f"--{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def read_rows(ctx: SyncContext, path: Path) -> Iterator[Any]:
    try:
        text, _encoding = tabular.read_text(path)
    except OSError as exc:
        yield Reject(f"cannot read: {exc.strerror or exc}", str(path))
        return
    all_rows = list(tabular.rows(text))
    start = next((i for i, row in enumerate(all_rows) if row.cells and not row.empty), None)
    if start is None:
        yield Reject("empty file", str(path))
        return
    header_line, header = all_rows[start].line, all_rows[start].cells
    assert header is not None
    configured = {**ctx.config.get("columns", {}), **ctx.options.get("columns", {})}
    unknown = sorted(set(configured) - set(FIELDS))
    if unknown:
        yield Reject(
            f"unknown field {', '.join(map(repr, unknown))} in the column mapping "
            f"(fields: {', '.join(FIELDS)})",
            str(path),
        )
        return
    lowered = _key(header)
    missing = {f: c for f, c in configured.items() if str(c).strip().lower() not in lowered}
    if missing:
        shown = ", ".join(f"{f}={c!r}" for f, c in missing.items())
        yield Reject(
            f"mapped column not in the header: {shown} (header: {_columns(header)})",
            f"{path}:{header_line}",
        )
        return
    columns = _mapping(header, configured)
    # CRB's own `crb export --format csv` quotes text that a spreadsheet would run as a formula
    # (`'=cmd...`, `'+44 ...`); read back, the text is as it was.
    unquote = lowered[:len(CRB_EXPORT)] == list(CRB_EXPORT)
    if unquote:
        columns.update({c: lowered.index(c) for c in ("emails", "phones", "urls", "tier",
                                                      "cadence_days") if c in lowered})
    if not {"email", "name", "first", "last"} & set(columns):
        reason = ("the first row is not text (a binary file?)" if tabular.not_text(
            ",".join(header)) else f"no name or e-mail column in the header ({_columns(header)}): "
            "say which with --map name=COLUMN --map email=COLUMN (crb import), or columns in "
            "[sources.csv]")
        yield Reject(reason, f"{path}:{header_line}")
        return
    born = {
        p: lowered.index(f"birth {p}") for p in ("year", "month", "day") if f"birth {p}" in lowered
    }
    note_at = file_time(path)  # the notes date from when the file was written
    me = {m.lower() for m in ctx.me}

    def records(cells: list[str], where: str) -> Iterator[Any]:
        def get(field: str) -> str:
            i = columns.get(field)
            cell = cells[i] if i is not None and i < len(cells) else ""
            if unquote and cell[:1] == "'" and cell[1:2] in _FORMULA_STARTS:
                cell = cell[1:]
            return cell.strip()

        name = get("name") or " ".join(p for p in (get("first"), get("middle"), get("last")) if p)
        name = re.sub(r"\s+", " ", name).strip()
        emails: list[str] = []
        not_emails: list[str] = []
        for field in ("email", "email2"):
            for part in re.split(r"\s*(?:[;,]|:::)\s*", get(field)):
                address = _email(part) if part else None
                if address and sdk.normalise_email(address) is None:
                    address = None  # an address no mail reaches (``contact1@invalid``)
                if address and address.lower() not in {e.lower() for e in emails}:
                    emails.append(address)
                elif part and not address:
                    not_emails.append(part)
        for part in re.split(r"\s*[;,\s]\s*", get("emails")):  # CRB's export: all of them
            address = _email(part) if part else None
            if address and address.lower() not in {e.lower() for e in emails}:
                emails.append(address)
        own = [e for e in emails if e.lower() in me]
        emails = [e for e in emails if e.lower() not in me]
        identities = [Identity("email", e) for e in emails]
        for phone in [get("phone"), *_PHONES.split(get("phones"))]:
            if sum(ch.isdigit() for ch in phone) >= 5 and not re.search(r"[A-Za-z]", phone):
                identities.append(Identity("phone", phone))
        details: dict[str, Any] = {}
        for url in [get("url"), *re.split(r"[;\s]+", get("urls"))]:
            if url and "." in url and " " not in url:
                path_part = url.split("://", 1)[-1].partition("/")[2].strip("/")
                # Only a URL naming one person is an identity; a company home page is a detail.
                if path_part:
                    identities.append(Identity("url", url))
                else:
                    details["website"] = url
        if own:  # the user's own card (a phone's "My Card"): never a contact
            said = sdk.own_card_note(where, emails)
            if said:
                ctx.note(said)
            yield Skip("your own contact card", where)
            return
        if not name and not identities:
            reason = (
                "row has neither a name nor an e-mail"
                if not not_emails
                else f"row has no name, and {not_emails[0]!r} is not an e-mail address"
            )
            yield Reject(reason, where)
            return
        birthday = _birthday(get("birthday"))
        if birthday is None and born.get("month") is not None:
            y, m, d = (
                cells[born[p]].strip() if born.get(p) is not None and born[p] < len(cells) else ""
                for p in ("year", "month", "day")
            )
            if m.isdigit() and d.isdigit():
                birthday = _birthday(
                    f"{y}-{m}-{d}" if y.isdigit() and len(y) == 4 else f"--{m}-{d}"
                )
        tier, cadence = (get("tier").lower(), get("cadence_days")) if unquote else ("", "")
        if tier and tier not in _TIERS:
            yield Reject(f"unknown tier {tier!r} (tiers: {', '.join(_TIERS)})", where)
            return
        if cadence and not (cadence.isdigit() and 1 <= int(cadence) <= 3650):
            yield Reject(f"cadence_days {cadence!r} is not a number of days from 1 to 3650",
                         where)
            return
        written = get("birthday")
        if birthday is None and written.strip("0/.- "):
            details["birthday"] = written
            ctx.logger.warning("%s: birthday %s is not a date: kept as a detail", where, written)
        for value in not_emails:  # said, and kept where the user can see and fix it
            ctx.logger.warning("%s: %r is not an e-mail address CRB can use: kept as a detail",
                               where, value)
        if not_emails:
            details["unusable e-mail"] = "; ".join(not_emails)
        note = get("note")
        if note and not identities:
            details["notes"] = note[:sdk.MAX_NOTE]
        person = Person(
            name=name,
            identities=identities,
            org=get("org") or None,
            title=get("title") or None,
            tier=tier or None,
            cadence_days=int(cadence) if cadence else None,
            birthday=birthday,
            details=details,
            where=where,
        )
        for cut in sdk.bounded(person):  # names past what CRB keeps: cut, and said so
            ctx.note(f"{where}: {cut}")
        name, org = person.name, person.org or ""
        # The same key as CRB's other contact importers: a person is known again by name and
        # organisation (a name alone only when there is no e-mail, phone or URL to go by), so
        # importing the file again adds nothing.
        person.source_key = (
            f"contact:{_fold(name)}|{_fold(org)}" if name and (org or not identities) else None)
        yield person
        if note and identities:
            who = identities[0]
            digest = hashlib.sha1(f"{who.kind}:{who.value.lower()}\n{note}".encode()).hexdigest()
            record = Note(who=who, text=note, at=note_at, source_key=f"contact-note:{digest[:24]}",
                          where=where)
            for cut in sdk.bounded(record):
                ctx.note(f"{where}: note {cut}")
            yield record

    yield from tabular.row_records(ctx, path, all_rows[start + 1 :], records)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", re.sub(r"\s+", " ", text).strip()).casefold()


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


def _columns(header: list[str], limit: int = 8) -> str:
    """The first columns of a header, for a message (a header may have thousands)."""
    shown = ", ".join(repr(c[:40]) for c in header[:limit])
    return f"{shown}, ... {len(header)} columns" if len(header) > limit else shown
