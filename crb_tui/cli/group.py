"""The ``crb`` group and what every command shares: the root command with its options (and,
with no command, the app), plugin commands found on demand, errors as one line with the exit
statuses of docs/cli.md, and the small helpers the commands print and act through
(``_ctx``, ``person_arg``, ``_done``, ``_name``, ``_after_action``, ``emit_json``).

The commands register on ``cli`` from their modules (``commands``, ``acting``,
``sync_commands``, ``details``, ``serve``), which import this one; ``commands`` gathers them.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from crb_tui import __version__
from crb_tui.errors import CrbError, StoreUnavailable, interrupted, user_message
from crb_tui.host import plugins
from crb_tui.host.app_context import AppContext
from crb_tui.locale_streams import utf8
from crb_tui.text import json_text, plain
from crb_tui.tui.screen_list import NAMES as SCREEN_NAMES


def emit_json(data: Any) -> None:
    # (a standard output that is not UTF-8 gets every other character as \u00e9: the same data)
    click.echo(json_text(data, indent=2, sort_keys=False, default=str,
                         ascii_only=not utf8(sys.stdout)))


REJECTED_EXIT = 3
"""Exit status of an import or sync that rejected something, or found nothing to import."""


def _after_action(app: AppContext, person_id: int) -> None:
    app.recompute([person_id])


def _name(app: AppContext, pid: int) -> str:
    return plain(app.store.person(pid)["name"], one_line=True)


def _done(as_json: bool, data: dict[str, Any], message: str) -> None:
    if as_json:
        emit_json({"ok": True, **data})
    else:
        click.echo(message)


def person_arg(app: AppContext, text: str) -> int:
    """The person a command's PERSON argument names; an id that was merged away stands for
    the person it went into, and stderr says so."""
    from crb_tui.store.resolving import merged_into

    pid = app.store.resolve_person(text)
    merged = merged_into(app.store, text)
    if merged is not None and merged[1] == pid:
        click.echo(f"crb: note: id {merged[0]} was merged into {_name(app, pid)} (id {pid}); "
                   f"using id {pid}", err=True)
    return pid


def _ctx() -> AppContext:
    app = click.get_current_context().find_object(AppContext)
    assert app is not None, "the crb group puts the AppContext on the context"
    return app


class CrbClickError(click.ClickException):
    """A CrbError shown the click way: one line on stderr, exit status 1, as for every error
    the user can fix, a usage error (an unknown option, a bad value) included; 2 is left for the
    unexpected (docs/cli.md)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"crb: error: {plain(self.message)}", err=True)


class CrbInternalError(CrbClickError):
    """An unexpected exception, shown the same way: exit status 2."""

    exit_code = 2


class CrbGroup(click.Group):
    """Adds plugin commands, and turns errors into one clear line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _usage_error(exc) from exc
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except CrbError as exc:
            if debug:
                traceback.print_exc()
            # (SQLite's own errors, as the store raises them; another CrbError says it well)
            fault = _database_fault(ctx, exc) if isinstance(exc, StoreUnavailable) else None
            raise CrbClickError(fault or str(exc)) from exc
        except BrokenPipeError:
            sys.exit(0)
        except KeyboardInterrupt:
            # Ctrl-C outside a source run (which stops by itself, keeping what it read).
            interrupted()
        except Exception as exc:
            if debug:
                traceback.print_exc()
            fault = _database_fault(ctx, exc)
            if fault is not None:  # read-only, a full disk, damaged: not a bug
                raise CrbClickError(fault) from exc
            plugin = plugins.command_plugin(ctx.invoked_subcommand)
            if plugin is not None:  # not CRB's bug: say whose, for the right report
                raise CrbInternalError(
                    f"plugin {plugin}: its command {ctx.invoked_subcommand} failed: "
                    f"{user_message(exc)} (a bug in that plugin; run with --debug)"
                ) from exc
            raise CrbInternalError(
                f"unexpected error: {user_message(exc)} (run with --debug)"
            ) from exc

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # ``--help`` is handled before the other options are read: the config it lists a
        # plugins_dir's commands from is taken from the arguments (or CRB_CONFIG) here.
        ctx.meta["crb_config"] = _config_in(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _usage_error(exc) from exc

    def _plugin_commands(
        self, ctx: click.Context, *, keep: bool = False
    ) -> dict[str, click.Command]:
        # Click looks a command up before it runs the group's callback, so the context the
        # callback would build (and its config's plugins_dir) is built here first; ``keep``
        # hands it on to the callback (only once every option has been read).
        app = ctx.find_object(AppContext)
        if app is None:
            params = dict(ctx.params)
            if "config_path" not in params:  # not read yet (``--help``)
                params["config_path"] = ctx.meta.get("crb_config")
            app = _app_from(params)
            if keep:
                ctx.obj = app
        try:
            app.load_plugins()
        except CrbError:
            return {}
        found: dict[str, click.Command] = {}
        commands = plugins.commands()
        for line in plugins.unreported_command_problems():
            if app.warn is not None:
                app.warn(line)
        for command in commands:
            name = command.name
            if name in self.commands and name not in _TOLD_SHADOWED and app.warn is not None:
                # (docs/plugins.md: CRB's own commands come first)
                _TOLD_SHADOWED.add(name)
                app.warn(f"a plugin's command {name!r} is left out: CRB has a command of that "
                         "name (the plugin must give its command another)")
            if not name or name in self.commands:
                continue
            have = found.get(name)
            if have is None:
                found[name] = command
            elif isinstance(have, click.Group) and isinstance(command, click.Group):
                found[name] = _merged(have, command)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return self._plugin_commands(ctx, keep=True).get(cmd_name)


_TOLD_SHADOWED: set[str] = set()
"""Plugin command names that CRB's own commands shadow, already said in this process."""


def _database_fault(ctx: click.Context, error: BaseException) -> str | None:
    """The line for an error that means the database cannot be written (read-only, a full
    disk) or is damaged, naming it (crb_tui.store.faults); None for any other error."""
    from crb_tui.store.faults import describe

    app = ctx.find_object(AppContext)
    return describe(error, app.db_path if app is not None else None)


def _merged(first: click.Group, second: click.Group) -> click.Group:
    """Two plugins' groups of the same name (``crb auth gmail``, ``crb auth microsoft``) as one:
    the subcommands of both (the first plugin's keeps a name both use), both helps."""
    helps = list(dict.fromkeys(g.help for g in (first, second) if g.help))
    return click.Group(name=first.name, commands={**second.commands, **first.commands},
                       help="\n\n".join(helps) or None)


def _usage_error(exc: click.UsageError) -> CrbClickError:
    """One line, like every other error, with where to look for help."""
    where = exc.ctx.command_path if exc.ctx else "crb"
    # click lists a missing choice's values one a line ("Choose from:\n\tcall,\n\t..."): joined.
    message = " ".join(exc.format_message().split())
    return CrbClickError(f"{message} (see `{where} --help`)")


READING_COMMANDS = frozenset({"people", "show", "review", "export", "backup", "doctor"})
"""Commands that only read: on a database that does not exist they say so (exit 1; ``doctor`` as
a failed check) instead of creating an empty one; every other command (import, sync, log, demo,
the app...) creates it."""


def _config_in(args: list[str]) -> Path | None:
    """The config file the group's options name (``--config X``, ``--config=X``), before
    the command's name; else ``CRB_CONFIG``."""
    n = 0
    while n < len(args):
        arg = args[n]
        if arg == "--config" and n + 1 < len(args):
            return Path(args[n + 1])
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1])
        if not arg.startswith("-"):
            break
        n += 2 if arg in ("--db", "--screen") else 1
    value = os.environ.get("CRB_CONFIG")
    return Path(value) if value else None


def _app_from(params: dict[str, Any]) -> AppContext:
    demo = bool(params.get("demo"))
    return AppContext(
        # The demo never opens the database CRB_DB (or --db, refused with it) names: only its own.
        db_path=None if demo else params.get("db_path"), config_path=params.get("config_path"),
        demo=demo, debug=bool(params.get("debug")),
    )


def _refuse_demo_with_db(ctx: click.Context) -> None:
    """``--demo`` works on the demo database only; an explicit ``--db`` beside it names a real
    one, which the demo must never fill or act on (``CRB_DB`` in the environment is ignored)."""
    from click.core import ParameterSource

    if ctx.params.get("demo") and ctx.params.get("db_path") is not None and (
        ctx.get_parameter_source("db_path") is not ParameterSource.ENVIRONMENT
    ):
        raise CrbClickError(
            "--demo works on its own demo database, never on the one --db names: leave out "
            "--db (or --demo to use that database)"
        )


@click.group(cls=CrbGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CRB_DB",
    help="Database file (env CRB_DB).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CRB_CONFIG",
    help="Config file (env CRB_CONFIG).",
)
@click.option("--demo", is_flag=True, help="Use the separate demo database (created on first use).")
@click.option("--screen", type=click.Choice(SCREEN_NAMES), default=None, help="Screen to open on.")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(__version__, prog_name="crb")
@click.pass_context
def cli(
    ctx: click.Context,
    db_path: Path | None,
    config_path: Path | None,
    demo: bool,
    screen: str | None,
    debug: bool,
) -> None:
    """CRB: Customer Relationship Building. With no command, opens the app."""
    _refuse_demo_with_db(ctx)
    if not isinstance(ctx.obj, AppContext):
        ctx.obj = _app_from(ctx.params)
    ctx.obj.reading = ctx.invoked_subcommand in READING_COMMANDS and not ctx.obj.demo
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        _open_app(ctx.obj, screen)
    elif ctx.obj.demo and ctx.invoked_subcommand not in ("demo", "config", "serve"):
        ctx.obj.ensure_demo()  # `crb --demo review` shows the demo, as the app does


def _terminal() -> bool:
    """Whether the app has a screen and keys: standard input and output are a terminal, or a
    Textual driver of its own is set (`crb serve` runs the app in a browser tab so)."""
    return bool(os.environ.get("TEXTUAL_DRIVER")) or (sys.stdin.isatty() and sys.stdout.isatty())


def _open_app(app: AppContext, screen: str | None) -> None:
    if app.demo:
        app.ensure_demo()
    # Loading Textual and building the app allocate a great deal and free little: the garbage
    # collector's passes over it all cost 30-40 ms of start-up. run_app switches it back on
    # (with everything loaded so far frozen) just before the app runs.
    if not utf8(sys.stdout) or not utf8(sys.stderr):
        raise CrbError(f"the terminal's encoding is {sys.stdout.encoding}, not UTF-8: the app "
                       "cannot draw in it (run it in a UTF-8 locale: LANG=C.UTF-8 crb)")
    if not _terminal():
        # (cron, a script, `crb > file`: the app would wait for keys for ever, writing escape
        # codes into the log)
        raise CrbError("the app needs a terminal (standard input and output are not one); "
                       "without one, `crb review` prints today's review (`crb --help`: every "
                       "command)")
    gc.disable()
    try:
        from crb_tui.tui.app import run_app

        status = run_app(app, screen=screen)
    finally:
        gc.enable()
    if status:
        raise SystemExit(status)
