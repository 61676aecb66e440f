"""``command_context()``: what a plugin's command (``register_commands``) reaches CRB through,
the store, the config, the one clock, a read-only ``Query`` and a source's settings, as
``crb`` was started (``--db``, ``--config``, ``--demo``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crb_tui import clock
from crb_tui.config import Config
from crb_tui.errors import CrbError
from crb_tui.query import Query

if TYPE_CHECKING:
    from crb_tui.store import Store

__all__ = ["CommandContext", "command_context"]


@dataclass(frozen=True)
class CommandContext:
    """CRB as the running ``crb`` command has it open."""

    store: Store
    """The database. Write only inside ``with store.transaction():`` (it takes the write
    lock, waiting while another CRB process writes), and prefer ``query`` for reading."""
    config: Config
    """The settings ``crb`` read (``--config``), typed: ``config.me.emails``,
    ``config.review.daily_limit``..."""

    def today(self) -> dt.date:
        """Today in the user's time zone (``CRB_TODAY`` honoured), as the rest of CRB has it."""
        return clock.today()

    def now(self) -> dt.datetime:
        """Now, time-zone aware, in the user's time zone."""
        return clock.now()

    @property
    def query(self) -> Query:
        """A read-only ``Query`` as of today (see docs/plugins.md, "The query object")."""
        return Query(self.store, self.today())

    def settings(self, source: str) -> dict[str, Any]:
        """A registered source's settings: ``[sources.NAME]`` over its schema's defaults."""
        from crb_tui.hooks import sources

        found = sources().get(source)
        if found is None:
            raise CrbError(f"no source named {source!r} is registered")
        from crb_tui.config import source_config

        return source_config(self.config, source, found.config_schema)


def command_context() -> CommandContext:
    """CRB as the running command has it: call it inside a command's function."""
    import click

    ctx = click.get_current_context(silent=True)
    app = ctx.find_root().obj if ctx is not None else None
    if app is None or not hasattr(app, "store"):
        raise CrbError("command_context() works only inside a crb command")
    return CommandContext(store=app.store, config=app.config)
