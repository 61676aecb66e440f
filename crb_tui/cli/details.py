"""``crb birthday``, ``crb detail`` and ``crb stage``: what the app's Details and Stage keys do,
from the command line (registered on the ``crb`` group by ``crb_tui.cli.commands``)."""

from __future__ import annotations

import click

from crb_tui.cli.group import _after_action, _ctx, _done, _name, emit_json, person_arg
from crb_tui.quantities import describe_birthday as shown
from crb_tui.records import STAGES
from crb_tui.store import actions
from crb_tui.text import plain, sentence


@click.command()
@click.argument("person")
@click.argument("day", required=False)
@click.option("--clear", is_flag=True, help="Forget the birthday.")
@click.option("--json", "as_json", is_flag=True)
def birthday(person: str, day: str | None, clear: bool, as_json: bool) -> None:
    """Set a birthday: 1985-04-12, 12 April, April 12, or 04-12 when the year is not known."""
    if bool(day) == clear:
        raise click.UsageError("give the day, or --clear")
    app = _ctx()
    pid = person_arg(app, person)
    value = actions.set_birthday(app.store, pid, None if clear else day, today=app.today())
    _done(as_json, {"person_id": pid, "birthday": value},
              f"Birthday of {_name(app, pid)}: {shown(value)}." if value
              else f"Birthday of {_name(app, pid)} forgotten.")


@click.command()
@click.argument("person")
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.option("--remove", is_flag=True, help="Forget the detail KEY.")
@click.option("--json", "as_json", is_flag=True)
def detail(person: str, key: str | None, value: str | None, remove: bool, as_json: bool) -> None:
    """Remember a personal detail (crb detail ann family "two kids, Mia and Leo"); with only
    PERSON, list them; --remove forgets one."""
    app = _ctx()
    pid = person_arg(app, person)
    if key is None:
        import json

        details = json.loads(app.store.person(pid).get("details") or "{}")
    elif remove == (value is not None):
        raise click.UsageError("give KEY and VALUE, or KEY with --remove")
    else:
        details = actions.set_detail(app.store, pid, key, None if remove else value,
                                     today=app.today())
    if as_json:
        emit_json({"ok": True, "person_id": pid, "details": details})
        return
    if key is not None:
        click.echo(sentence(f"{'Forgot' if remove else 'Remembered'} {plain(key)} for "
                            f"{_name(app, pid)}"))
    for k, v in details.items():
        click.echo(f"  {plain(k)}: {plain(str(v))}")


@click.command()
@click.argument("person")
@click.argument("stage_name", metavar="STAGE", type=click.Choice([*STAGES, "auto"]))
@click.option("--json", "as_json", is_flag=True)
def stage(person: str, stage_name: str, as_json: bool) -> None:
    """Override the relationship stage (or `auto`: derive it from the data again)."""
    app = _ctx()
    pid = person_arg(app, person)
    value = None if stage_name == "auto" else stage_name
    actions.set_stage(app.store, pid, value, today=app.today())
    _after_action(app, pid)
    shown = value or "derived from the data"
    _done(as_json, {"person_id": pid, "stage_override": value},
              f"Stage of {_name(app, pid)}: {shown}.")


COMMANDS = (birthday, detail, stage)
