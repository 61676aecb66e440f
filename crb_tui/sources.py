"""The data-source contract: ``Source`` (what a plugin registers) and ``SyncContext``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crb_tui.records import Record
from crb_tui.state import State

if TYPE_CHECKING:
    import httpx


@dataclass
class Source:
    """A data source offered by a plugin.

    ``sync(ctx)`` yields records (see :mod:`crb_tui.records`). It reads its settings from
    ``ctx.config`` (defaults come from ``config_schema``), keeps its cursor with
    ``ctx.checkpoint``, anything else it must remember in ``ctx.state``, and reports progress
    with ``ctx.progress``. A file importer also lists
    the ``formats`` it reads and a ``detect`` function; ``crb import`` then hands it the files
    in ``ctx.paths``.
    """

    name: str
    sync: Callable[[SyncContext], Iterable[Record]]
    description: str = ""
    config_schema: dict[str, Any] = field(default_factory=dict)
    """Option name -> default value; the default's type is the option's type."""
    formats: tuple[str, ...] = ()
    detect: Callable[[Path, bytes], str | None] | None = None
    """Given a path and its first bytes, return the format name it reads, or None."""
    plugin: str = ""
    """Filled in by the host: the plugin that registered this source."""
    direction_from_me: bool = False
    """True when the source tells a record's direction from ``ctx.me`` (the user's addresses:
    mail and calendars do): with ``[me] emails`` empty, the run's summary then names that as
    why people were not made. A source that knows each direction itself leaves it False."""
    check: Callable[[dict[str, Any]], None] | None = None
    """Checks the settings (``[sources.NAME]`` over the schema's defaults, types already
    checked) without reaching anything: raises :class:`~crb_tui.errors.CrbError` naming the
    setting (``sources.imap.port = 70000 is not a port number``). ``crb sync`` calls it before
    the source runs and ``crb doctor`` to say "settings valid", so both judge alike."""
    ready: Callable[[dict[str, Any]], None] | None = None
    """Checks, on this machine and without the network, that the source can run beyond its
    settings (the checked settings are given): raises :class:`~crb_tui.errors.CrbError` saying
    what to do (``not authorised yet: run `crb auth gmail --client-secrets FILE```). ``crb
    doctor`` calls it once ``check`` passed; a sync finds the same when it runs."""


class Checkpoint:
    """A source's resumable cursor, stored in ``sync_state`` after the records before it."""

    def __init__(self, load: Callable[[], Any], save: Callable[[Any], None]) -> None:
        self._load = load
        self._save = save

    def get(self, default: Any = None) -> Any:
        value = self._load()
        return default if value is None else value

    def set(self, value: Any) -> None:
        """Save the cursor. Every record yielded before this call is stored first."""
        self._save(value)


ProgressCallback = Callable[[str, int, int | None, str], None]
"""``progress(source_name, done, total_or_None, message)``, used by the CLI and the TUI."""


class Status(str):
    """A progress message of :meth:`SyncContext.status`: what the source is doing (waiting out
    a rate limit), not how far it got. A display shows it at once (never dropped to keep the
    updates few) until the next message, which may be the last progress message again."""


@dataclass
class SyncContext:
    """What a source gets when it runs."""

    source: str
    config: dict[str, Any]
    checkpoint: Checkpoint
    logger: logging.Logger
    paths: list[Path | str] = field(default_factory=list)
    """Files or URLs handed over by ``crb import``; empty for a scheduled sync."""
    me: tuple[str, ...] = ()
    """The user's own e-mail addresses, normalised."""
    options: dict[str, Any] = field(default_factory=dict)
    """Options of this run (e.g. ``columns`` from ``crb import --map``)."""
    dry_run: bool = False
    """True for ``--dry-run``: everything is rolled back afterwards (``state`` too)."""
    store_path: Path | None = None
    """The database file (None when in memory): where a source looks for files beside it."""
    state: State = field(default_factory=State)
    """The source's own key-value state, kept in the database with its records (see
    :class:`crb_tui.state.State`); in memory only when the source runs outside the host."""
    _progress: ProgressCallback | None = None
    _secret: Callable[[Any], str | None] | None = None
    _cancelled: Callable[[], bool] | None = None
    _reached: tuple[int, int | None, str] = (0, None, "")
    """The last ``progress`` call's count and message (for :meth:`status`)."""
    notes: list[str] = field(default_factory=list)
    """Lines for the run's summary, added with :meth:`note`."""

    def note(self, text: str) -> None:
        """Add one line to the run's summary (``crb sync``/``crb import`` print it as
        ``note:``), e.g. how the messages listed add up."""
        self.notes.append(str(text))

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        self._reached = (done, total, message)
        if self._progress is not None:
            self._progress(self.source, done, total, message)

    def status(self, message: str = "") -> None:
        """Say what the source is doing on its progress line, the count where it was
        (``waiting 90 s: Google asks to (rate limit)``); without ``message``, the last progress
        message again (the wait is over). Any thread may call it."""
        done, total, last = self._reached
        if self._progress is not None:
            self._progress(self.source, done, total, Status(message) if message else last)

    def secret(self, key: str) -> str | None:
        """Resolve a secret setting (``{"$env": "NAME"}`` or ``{"$keyring": "service/user"}``)."""
        value = self.config.get(key)
        if value is None or self._secret is None:
            return value
        return self._secret(value)

    @property
    def cancelled(self) -> bool:
        return bool(self._cancelled and self._cancelled())

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client with CRB's user agent and sane timeouts; the caller closes it."""
        import httpx  # imported here: it costs ~100 ms at start-up and most runs never sync

        headers = {"User-Agent": "crb-tui"}
        headers.update(kwargs.pop("headers", {}))
        kwargs.setdefault("timeout", httpx.Timeout(30.0, connect=10.0))
        return httpx.Client(headers=headers, follow_redirects=True, **kwargs)


def iter_records(source: Source, ctx: SyncContext) -> Iterator[Record]:
    """Call a source's ``sync`` and iterate what it yields (a list or a generator)."""
    yield from source.sync(ctx)
