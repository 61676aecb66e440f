"""The ``crb`` command line (click). Every command that prints data has ``--json``; the shapes are
documented in docs/cli.md.

This module holds the commands about the store as a whole (demo, people, show, export, backup,
plugins, config, doctor, review), gathers the others (``acting``, ``sync_commands``,
``details``, ``serve``) and runs them (:func:`main`, which ``crb_tui.console`` calls); the ``crb``
group itself and what every command shares are ``group``'s."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

import click

from crb_tui.cli import params
from crb_tui.cli.group import _ctx, _done, cli, emit_json, person_arg
from crb_tui.clock import local_day, parse_date
from crb_tui.files import replace_private
from crb_tui.host import plugins
from crb_tui.host.app_context import AppContext
from crb_tui.locale_streams import utf8
from crb_tui.quantities import cadence_status
from crb_tui.text import direction_word, plain, warning_line

# -- demo ----------------------------------------------------------------------------------


@cli.command()
@click.option("--people", "n_people", type=params.COUNT, default=60, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--replace", is_flag=True, help="Replace what the database holds.")
@click.option("--json", "as_json", is_flag=True)
def demo(n_people: int, seed: int, replace: bool, as_json: bool) -> None:
    """Fill the database with a realistic synthetic data set (deterministic by --seed)."""
    app = _ctx()
    counts = app.generate_demo(
        people=n_people, seed=seed, replace=replace, show_progress=not as_json
    )
    if as_json:
        emit_json({"database": str(app.db_path), "counts": counts})
    else:
        parts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        click.echo(f"Demo data written to {app.db_path}: {parts}")


# -- people --------------------------------------------------------------------------------


@cli.command()
@click.option("--search", "-s", default=None,
              help="Words each found in the name, title, organisation, any e-mail, phone or "
                   "handle, or a note (case and accents ignored).")
@click.option(
    "--sort",
    type=click.Choice(["name", "health", "-health", "last_touch", "overdue", "created"]),
    default="name",
    show_default=True,
    help="overdue: by how many cadences late (20 days late on a 14-day cadence before 40 on "
         "a 90-day one), the review's order; the list shows days late (12d late, ok 3d).",
)
@click.option("--limit", type=params.COUNT, default=None)
@click.option("--all", "include_archived", is_flag=True, help="Include archived people.")
@click.option("--json", "as_json", is_flag=True)
def people(
    search: str | None, sort: str, limit: int | None, include_archived: bool, as_json: bool
) -> None:
    """List people."""
    from crb_tui.store.queries import list_people

    app = _ctx()
    rows = list_people(
        app.store, search=search, sort=sort, limit=limit, include_archived=include_archived
    )
    if as_json:
        emit_json({"count": len(rows), "people": rows})
        return
    if not rows:
        click.echo("No people." if not search else f"No one matches {search!r}.")
        return
    today = app.today().isoformat()
    for row in rows:
        health = "-" if row["health"] is None else f"{row['health']:>3}"
        # Value unknown (nothing known about value yet) is "?", never 0: docs/health.md
        value = "-" if row["health"] is None else (
            "?" if row["value"] is None else str(row["value"]))
        stage = row["stage"] or ""
        org = f" ({plain(row['organization'], one_line=True)})" if row["organization"] else ""
        last = local_day(row["last_touch"]) if row["last_touch"] else ""
        flag = " [archived]" if row.get("archived") else " [new]" if row["triage"] else ""
        if str(row.get("snoozed_until") or "") > today:
            flag += f" [snoozed until {row['snoozed_until']}]"
        # Sorted by overdue, the days late (as the app's Cadence column says them).
        late = f"  {cadence_status(row)[0]}" if sort == "overdue" else ""
        click.echo(plain(
            f"{row['id']:>6}  {row['name']}{org}{flag}  "
            f"health {health}  value {value}  {stage}  {row['tier']}  last {last or 'never'}"
            f"{late}",
            one_line=True,
        ))


@cli.command()
@click.argument("person")
@click.option("--json", "as_json", is_flag=True)
def show(person: str, as_json: bool) -> None:
    """Show one person: gauges with their explanation, timeline, goals, commitments."""
    from crb_tui.engine import health
    from crb_tui.store.queries import describe_meeting, person_detail

    app = _ctx()
    pid = person_arg(app, person)
    detail = person_detail(app.store, pid)
    h = health.explain(app.store, app.config, pid, app.today())
    detail["health"] = h.as_dict()
    if as_json:
        emit_json(detail)
        return
    p = lambda v: plain(v, one_line=True)  # noqa: E731
    org = f", {p(detail['organization'])}" if detail["organization"] else ""
    title = f" - {p(detail['title'])}" if detail["title"] else ""
    click.echo(p(f"{p(detail['name'])}{org}{title}  (id {pid}, tier {detail['tier']})"))
    if str(detail.get("snoozed_until") or "") > app.today().isoformat():
        click.echo(f"  snoozed until {detail['snoozed_until']} (out of the review; "
                   f"crb snooze {pid} --clear to end it)")
    for ident in detail["identities"]:
        click.echo(p(f"  {ident['kind']}: {ident['value']}"))
    if detail.get("birthday"):
        from crb_tui.quantities import describe_birthday

        click.echo(f"  birthday: {describe_birthday(p(detail['birthday']))}")
    for key, value in (detail.get("details") or {}).items():
        click.echo(f"  {p(key)}: {p(value if isinstance(value, str) else str(value))}")
    if detail["next_meeting"]:
        click.echo(p(f"  Next meeting: {describe_meeting(detail['next_meeting'])}"))
    click.echo("")
    click.echo(plain(health.describe(h)))
    if detail["goals"]:
        click.echo("\nGoals:")
        for g in detail["goals"]:
            mark = "" if g["active"] else " (retired)"
            click.echo(p(f"  - {g['text']} (confirmed {local_day(g['confirmed_at'])}){mark}"))
    open_c = [c for c in detail["commitments"] if c["status"] == "open"]
    if open_c:
        click.echo("\nOpen commitments:")
        for c in open_c:
            who = "you" if c["direction"] == "out" else "they"
            click.echo(p(f"  #{c['id']} {who}: {c['text']} (due {c['due']})"))
    if detail["notes"]:
        click.echo("\nNotes:")
        for n in detail["notes"][:10]:
            mark = "their words: " if n["their_words"] else ""
            click.echo(p(f"  {local_day(n['at'])} {mark}{n['text']}"))
    if detail["interactions"]:
        click.echo(f"\nLast touches ({detail['interaction_count']} in all):")
        for i in detail["interactions"][:10]:
            subject = f" {p(i['subject'])}" if i["subject"] else ""
            way = direction_word(i["kind"], i["direction"])
            kind = f"{i['kind']} {way}" if way else i["kind"]
            click.echo(p(f"  {local_day(i['at'])} {kind}{subject}"))


# -- export, backup ----------------------------------------------------------------------


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of standard output.",
)
def export(fmt: str, output: Path | None) -> None:
    """Export everything: JSON is lossless (import it into an empty database); CSV lists people."""
    from crb_tui.store.export import write_json_export, write_people_csv

    app = _ctx()
    if output is None:
        readable = _readable_by_others(sys.stdout)
        if readable:
            click.echo(warning_line(
                f"the export goes to a file others can read ({readable}): `crb export -o "
                "FILE` creates it for you alone (mode 0600)"), err=True)
        if fmt == "json":  # (escaped to ASCII where standard output is not UTF-8)
            write_json_export(app.store, sys.stdout, ascii_only=not utf8(sys.stdout))
        elif utf8(sys.stdout) or _is_terminal(sys.stdout):
            write_people_csv(app.store, sys.stdout, to_terminal=_is_terminal(sys.stdout))
        else:  # a file or pipe in a locale that is not UTF-8: the data whole, as UTF-8
            sys.stdout.flush()
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
            try:
                write_people_csv(app.store, out)
            finally:
                out.flush()
                out.detach()
        return
    # A new 0600 file renamed over OUTPUT at the end: never written through a symlink.
    with replace_private(output, "export") as fh:
        if fmt == "json":
            write_json_export(app.store, fh)
        else:
            write_people_csv(app.store, fh)


def _readable_by_others(stream: Any) -> str | None:
    """``mode 0644`` when ``stream`` is a regular file (a shell's ``>``) that users other than
    its owner may read, else None."""
    import os
    import stat

    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return None
    if stat.S_ISREG(mode) and mode & 0o044:
        return f"mode {stat.S_IMODE(mode):04o}"
    return None


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def backup(path: Path, as_json: bool) -> None:
    """Copy the live database to PATH (SQLite online backup)."""
    from crb_tui.store.export import backup as do_backup

    app = _ctx()
    target = do_backup(app.store, path)
    _done(as_json, {"backup": str(target)}, f"Backed up to {target}.")


# -- plugins, config, doctor -------------------------------------------------------------


@cli.group(name="plugins", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def plugins_cmd(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins with their version, hooks and sources, and any that failed
    (`crb plugins new NAME` starts a new one)."""
    if ctx.invoked_subcommand is not None:
        return
    app = _ctx()
    app.load_plugins()
    infos = plugins.describe()
    failed = dict(plugins.load_problems)
    if as_json:
        emit_json([info.__dict__ for info in infos]
                  + [{"name": name, "version": "", "distribution": "", "hooks": [],
                      "sources": [], "error": f"failed to load: {why}"}
                     for name, why in failed.items()])
        return
    if not infos and not failed:
        click.echo("No plugins loaded.")
    for info in infos:
        version = f" {info.version}" if info.version else ""
        click.echo(plain(f"{info.name}{version}", one_line=True))
        click.echo(plain(f"  hooks: {', '.join(info.hooks) or 'none'}", one_line=True))
        if info.sources:
            click.echo(plain(f"  sources: {', '.join(info.sources)}", one_line=True))
        if info.error:
            click.echo(plain(f"  {info.error}", one_line=True))
    for name, why in failed.items():
        click.echo(plain(f"{name}", one_line=True))
        click.echo(plain(f"  failed to load: {why} (left out)", one_line=True))


@plugins_cmd.command(name="new")
@click.argument("name")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="Where to create the package's folder, crb-NAME.")
def plugins_new(name: str, folder: Path) -> None:
    """Start a new plugin: an installable package crb-NAME with a source, a command, a health
    signal, a review item, a README and tests that pass (see docs/plugins.md)."""
    from crb_tui.host.scaffold import write_plugin

    target = write_plugin(name, folder)
    click.echo(plain(f"Created {target}", one_line=True))
    click.echo("Next: pip install -e that folder into CRB's environment, then `crb plugins`; "
               "`pytest` in it runs its tests.")


@cli.group()
def config() -> None:
    """Manage the config file."""


@config.command(name="init")
@click.option("--json", "as_json", is_flag=True)
def config_init(as_json: bool) -> None:
    """Write a starter config.toml (never overwrites an existing one)."""
    from crb_tui.config_example import write_starter

    app = _ctx()
    path = write_starter(app.config_path)
    _done(
        as_json, {"config": str(path)}, f"Wrote {path}. Add your own addresses under [me] emails."
    )


@config.command(name="path")
def config_path_cmd() -> None:
    """Print where the config file is read from."""
    click.echo(str(_ctx().config_path))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def doctor(as_json: bool) -> None:
    """Check the database, config, plugins and permissions, and say what is wrong."""
    from crb_tui.host.doctor import run_checks

    checks = run_checks(_ctx())
    if as_json:
        emit_json({"ok": all(c["ok"] for c in checks), "checks": checks})
    else:
        for c in checks:
            mark = "FAIL" if not c["ok"] else "warn" if c.get("warning") else "ok  "
            click.echo(f"[{mark}] {c['check']}: {plain(c['detail'])}")
    if not all(c["ok"] for c in checks):
        sys.exit(1)


# -- review --------------------------------------------------------------------------------


@cli.command()
@click.option("--date", "date_text", default=None, help="Build the review for this day.")
@click.option("--limit", type=params.COUNT, default=None)
@click.option("--json", "as_json", is_flag=True)
def review(date_text: str | None, limit: int | None, as_json: bool) -> None:
    """Today's review: who needs you today, why, and what to do."""
    app = _ctx()
    day = parse_date(date_text, what="--date", base=app.today()) if date_text else None
    _print_review(app, today=day, limit=limit, as_json=as_json)


def _print_review(
    app: AppContext, *, today: dt.date | None, limit: int | None, as_json: bool = False
) -> None:
    from crb_tui.engine.review import beyond_the_cap, build_review

    day = today or app.today()
    warnings: list[str] = []
    if day == app.today():
        items = build_review(app.store, app.config, day, limit=limit, warnings=warnings)
    else:
        # Another day's review needs that day's scores: computed in a transaction that is
        # rolled back, so what is stored stays today's.
        from crb_tui.engine.health import compute_all

        with app.store.trial():
            compute_all(app.store, app.config, day)
            items = build_review(app.store, app.config, day, limit=limit, warnings=warnings)
    for warning in warnings:
        click.echo(warning_line(warning), err=True)
    if as_json:
        emit_json(
            {
                "date": day.isoformat(),
                "count": len(items),
                "items": [item.as_dict() for item in items],
                "warnings": warnings,
            }
        )
        return
    if not items:
        click.echo(f"Nothing needs you today ({day}). Enjoy it.")
        return
    # Why a day can hold more than daily_limit (the places of their own are not obvious when a
    # meeting today is under another reason, in `also`).
    extra = beyond_the_cap(items) if limit is None else 0
    if len(items) <= app.config.review.daily_limit:
        extra = 0  # (a day under its limit: nothing is beyond it)
    click.echo(f"Review for {day}: {len(items)} item{'s' if len(items) != 1 else ''}"
               + (f" ({extra} with a meeting or birthday today, each a place of its own beyond "
                  f"the daily limit of {app.config.review.daily_limit})" if extra else ""))
    for n, item in enumerate(items, 1):
        title = f"[{plain(item.label, one_line=True)}] " if item.label else ""
        click.echo(
            f"{n:>3}. {title}{plain(item.person_name, one_line=True)}: "
            f"{plain(item.reason, one_line=True)}"
        )
        if item.action:
            click.echo(f"     -> {plain(item.action, one_line=True)}")
        reasons = list(dict.fromkeys(item.also))
        for also in reasons[:ALSO_SHOWN]:
            click.echo(f"     also: {plain(also, one_line=True)}")
        if len(reasons) > ALSO_SHOWN:  # (as the app's card: --json has them all)
            click.echo(f"     also: and {len(reasons) - ALSO_SHOWN} more (crb show "
                       f"{item.person_id} lists them)")


ALSO_SHOWN = 3
"""The other reasons a review item prints (the app's card shows as many)."""


def main(argv: list[str] | None = None) -> None:
    """Run ``crb`` (the console script starts at ``crb_tui.console.main``, which calls this once
    it can catch Ctrl-C)."""
    cli.main(args=argv, prog_name="crb")


def _register_details() -> None:
    from crb_tui.cli import acting, ignoring, sync_commands  # noqa: F401 - their commands register
    from crb_tui.cli.details import COMMANDS
    from crb_tui.cli.serve import serve

    for command in (*COMMANDS, serve):
        cli.add_command(command)


_register_details()
