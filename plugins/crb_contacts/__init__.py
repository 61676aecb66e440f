"""CRB's built-in contact importers: LinkedIn ``Connections.csv``, Google Contacts CSV (legacy and
newer layouts), Outlook CSV and vCard 2.1 / 3.0 / 4.0.

A plain plugin, written only against the public plugin API: each format is its own source with
a ``detect`` that claims only its own layout (the generic ``csv`` source of ``crb_csv`` steps
aside for these layouts), so ``crb import FILE`` picks the right reader by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from crb_contacts import google, linkedin, outlook, vcard
from crb_tui import Source, SyncContext, hookimpl
from crb_tui.sdk import check_choice

__version__ = "0.1.0"


def _files(reader: Callable[[SyncContext, Path], Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def sync(ctx: SyncContext) -> Iterator[Any]:
        paths = list(ctx.paths) or [Path(p).expanduser() for p in ctx.config.get("paths", [])]
        for path in paths:
            yield from reader(ctx, Path(path))

    return sync


def _date_order_check(name: str) -> Callable[[dict[str, Any]], None]:
    def check(cfg: dict[str, Any]) -> None:
        check_choice(name, cfg, "date_order", ("auto", "mdy", "dmy"))

    return check


@hookimpl
def register_sources(register: Any) -> None:
    # Each format's module has its FORMAT, a read(ctx, path) and a detect(path, head).
    dated = {"date_order": "auto"}  # numeric dates either month-first or day-first
    for module, description, options in (
        (linkedin, "LinkedIn connections (Connections.csv, any era; Excel re-saves too)", dated),
        (google, "Google Contacts CSV export (legacy 'Google CSV' and the newer layout)", {}),
        (
            outlook,
            "Outlook CSV contacts export (desktop, outlook.com, Google's Outlook CSV)",
            dated,
        ),
        (vcard, "vCard 2.1 / 3.0 / 4.0 files (.vcf) from phones and mail clients", {}),
    ):
        register(
            Source(
                name=module.FORMAT,
                sync=_files(module.read),
                description=description,
                config_schema={"paths": [], **options},
                formats=(module.FORMAT,),
                detect=module.detect,
                check=_date_order_check(module.FORMAT) if options else None,
            )
        )
