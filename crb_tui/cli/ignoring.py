"""``crb ignore``: ignore an address, an @domain or a person's addresses, take it back
(``--undo``) and list what is ignored (``--list``) (registered on the ``crb`` group by
``crb_tui.cli.commands``)."""

from __future__ import annotations

import click

from crb_tui.cli.group import _ctx, _done, _name, cli, emit_json
from crb_tui.clock import local_day
from crb_tui.host.app_context import AppContext
from crb_tui.store import actions
from crb_tui.store.ignoring import config_blocklist, ignored_rows, shown, unignore
from crb_tui.text import plain

NAMED = 3
"""How many of the people an ignore archives are named (then "and N more")."""


@cli.command()
@click.argument("target", required=False)
@click.option("--undo", is_flag=True,
              help="Stop ignoring TARGET: its mail is stored again (whoever it archived stays "
                   "archived: crb archive --undo ID).")
@click.option("--list", "listing", is_flag=True,
              help="List what is ignored (so does crb ignore with no TARGET).")
@click.option("--json", "as_json", is_flag=True)
def ignore(target: str | None, undo: bool, listing: bool, as_json: bool) -> None:
    """Never make a person of an address, an @domain, or everyone a person's addresses name.

    A person it matches is archived; later imports and syncs skip the address as "blocklist".
    --undo takes it back; --list (or no TARGET) lists what is ignored.
    """
    if target is None and undo:
        raise click.UsageError("--undo needs the TARGET to stop ignoring")
    if target is not None and listing:
        raise click.UsageError("--list takes no TARGET")
    app = _ctx()
    if target is None:
        _list(app, as_json)
    elif undo:
        _undo(app, target, as_json)
    else:
        entries, archived = actions.ignore(app.store, target, today=app.today())
        names = ", ".join(shown(k, v) for k, v in entries) or "nothing"
        back = (shown(*entries[0]) if len(entries) == 1
                else str(archived[0]) if entries and len(archived) == 1 else None)
        _done(
            as_json,
            {"ignored": [{"kind": k, "value": v} for k, v in entries], "archived": archived},
            f"Ignoring {plain(names)}"
            + (f"; archived {len(archived)}: {_people(app, archived)}" if archived else "")
            + (f" (`crb ignore --undo {plain(back)}` takes it back)." if back else "."),
        )


def _people(app: AppContext, ids: list[int]) -> str:
    """A few people by name and id, then how many more."""
    named = ", ".join(f"{_name(app, pid)} (id {pid})" for pid in ids[:NAMED])
    return named + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "")


def _undo(app: AppContext, target: str, as_json: bool) -> None:
    done = unignore(app.store, target)
    names = ", ".join(shown(k, v) for k, v in done.entries)
    message = f"Stopped ignoring {plain(names)}" + (
        "" if done.blocked else ": its mail is stored again from the next import or sync")
    if done.archived:
        message += (f"; still archived: {_people(app, done.archived)} "
                    "(`crb archive --undo ID` brings one back)")
    message += "."
    if done.blocked:  # an address under a domain still ignored, or in the config's blocklist
        message += "\nStill skipped: " + ", ".join(
            f"{plain(email)} (by {plain(entry)}"
            f"{' in the config' if app.store.noise.configured(entry) else ''})"
            for email, entry in done.blocked) + "."
    _done(
        as_json,
        {"unignored": [{"kind": k, "value": v} for k, v in done.entries],
         "archived": done.archived,
         "still_ignored": [{"address": e, "by": by} for e, by in done.blocked]},
        message,
    )


def _list(app: AppContext, as_json: bool) -> None:
    rows, config = ignored_rows(app.store), config_blocklist(app.store)
    if as_json:
        emit_json({"ignored": rows, "blocklist": config})
        return
    if not rows and not config:
        click.echo("Nothing is ignored.")
    width = max((len(shown(r["kind"], r["value"])) for r in rows), default=0)
    for row in rows:
        value = shown(row["kind"], row["value"])
        click.echo(f"{row['kind']:<7}{plain(value):<{width}}  since {local_day(row['created'])}")
    for entry in config:
        click.echo(f"{'config':<7}{plain(entry)}  ([identity] blocklist)")
