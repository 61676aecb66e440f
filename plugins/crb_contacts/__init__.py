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

__version__ = "0.1.0"


def _files(reader: Callable[[SyncContext, Path], Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def sync(ctx: SyncContext) -> Iterator[Any]:
        paths = list(ctx.paths) or [Path(p).expanduser() for p in ctx.config.get("paths", [])]
        for path in paths:
            yield from reader(ctx, Path(path))

    return sync


@hookimpl
def register_sources(register: Any) -> None:
    register(Source(
        name=linkedin.FORMAT,
        sync=_files(linkedin.read),
        description="LinkedIn connections (Connections.csv, any era; Excel re-saves too)",
        config_schema={"paths": [], "date_order": "auto"},
        formats=(linkedin.FORMAT,),
        detect=linkedin.detect,
    ))
    register(Source(
        name=google.FORMAT,
        sync=_files(google.read),
        description="Google Contacts CSV export (legacy 'Google CSV' and the newer layout)",
        config_schema={"paths": []},
        formats=(google.FORMAT,),
        detect=google.detect,
    ))
    register(Source(
        name=outlook.FORMAT,
        sync=_files(outlook.read),
        description="Outlook CSV contacts export (desktop, outlook.com, Google's Outlook CSV)",
        config_schema={"paths": [], "date_order": "auto"},
        formats=(outlook.FORMAT,),
        detect=outlook.detect,
    ))
    register(Source(
        name=vcard.FORMAT,
        sync=_files(vcard.read),
        description="vCard 2.1 / 3.0 / 4.0 files (.vcf) from phones and mail clients",
        config_schema={"paths": []},
        formats=(vcard.FORMAT,),
        detect=vcard.detect,
    ))
