"""The commands that act on a person: log, note, promise, done, value, goal, snooze, tier,
cadence, rename, archive and merge (registered on the ``crb`` group by
``crb_tui.cli.commands``)."""

from __future__ import annotations

import click

from crb_tui.cli import params
from crb_tui.cli.group import _after_action, _ctx, _done, _name, cli, person_arg
from crb_tui.clock import parse_date, parse_datetime, user_tz
from crb_tui.errors import CrbError
from crb_tui.store import actions
from crb_tui.text import plain, plural, sentence

# -- actions -------------------------------------------------------------------------------


@cli.command()
@click.argument("person")
@click.option(
    "--kind", type=click.Choice(["call", "meeting", "email", "message", "note"]), required=True
)
@click.option(
    "--direction",
    type=click.Choice(["in", "out", "mutual"]),
    default=None,
    help="Default: mutual for calls and meetings, out otherwise.",
)
@click.option("--at", "at_text", default=None, help="When (YYYY-MM-DD[THH:MM]); default now.")
@click.option("--note", default=None)
@click.option("--json", "as_json", is_flag=True)
def log(
    person: str,
    kind: str,
    direction: str | None,
    at_text: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Log a touch with a person."""
    app = _ctx()
    pid = person_arg(app, person)
    at = parse_datetime(at_text, user_tz(app.config.me.timezone), what="--at") if at_text else None
    iid = actions.log_touch(
        app.store, pid, kind=kind, direction=direction, at=at, note=note, today=app.today()
    )
    _after_action(app, pid)
    _done(as_json, {"interaction_id": iid, "person_id": pid},
          sentence(f"Logged {actions.a_touch(kind)} with {_name(app, pid)}"))


@cli.command()
@click.argument("person")
@click.argument("text")
@click.option("--their-words", is_flag=True, help="Their own words (a request, feedback, a need).")
@click.option("--json", "as_json", is_flag=True)
def note(person: str, text: str, their_words: bool, as_json: bool) -> None:
    """Add a note about a person."""
    app = _ctx()
    pid = person_arg(app, person)
    nid = actions.add_note(app.store, pid, text, their_words=their_words, today=app.today())
    _done(as_json, {"note_id": nid, "person_id": pid}, sentence(f"Noted for {_name(app, pid)}"))


@cli.command()
@click.argument("person")
@click.argument("text")
@click.option("--due", required=True, help="YYYY-MM-DD, today, tomorrow, +3d, +2w, +1m.")
@click.option("--theirs", is_flag=True, help="They promised it to you.")
@click.option("--json", "as_json", is_flag=True)
def promise(person: str, text: str, due: str, theirs: bool, as_json: bool) -> None:
    """Record a commitment to (or from) a person."""
    app = _ctx()
    today = app.today()
    due_date = parse_date(due, what="--due", base=today)
    pid = person_arg(app, person)
    cid = actions.promise(
        app.store, pid, text, due=due_date, today=today, direction="in" if theirs else "out"
    )
    _after_action(app, pid)
    _done(
        as_json,
        {"commitment_id": cid, "person_id": pid, "due": due_date.isoformat()},
        (f"Commitment #{cid} from {_name(app, pid)} (theirs), due {due_date}." if theirs
         else f"Commitment #{cid} to {_name(app, pid)}, due {due_date}."),
    )


@cli.command(cls=params.NumbersCommand)
@click.argument("commitment", type=params.ID)
@click.option("--broken", is_flag=True, help="Mark it broken instead of kept.")
@click.option("--json", "as_json", is_flag=True)
def done(commitment: int, broken: bool, as_json: bool) -> None:
    """Close a commitment as kept (or --broken)."""
    app = _ctx()
    row = actions.close_commitment(app.store, commitment, broken=broken, today=app.today())
    _after_action(app, row["person_id"])
    _done(
        as_json,
        {"commitment_id": commitment, "status": row["status"]},
        f"Commitment #{commitment} {row['status']}.",
    )


@cli.command()
@click.argument("person")
@click.option(
    "--kind",
    type=click.Choice(["intro", "advice", "resource", "referral", "deal", "other"]),
    required=True,
)
@click.option("--given/--received", "given", required=True)
@click.option("--note", default=None)
@click.option("--amount", type=params.AMOUNT, default=None,
              help="0 or more: 12000, 12,000, 12k, 1.5k or 2m.")
@click.option("--json", "as_json", is_flag=True)
def value(
    person: str, kind: str, given: bool, note: str | None, amount: float | None, as_json: bool
) -> None:
    """Log value given to or received from a person."""
    app = _ctx()
    pid = person_arg(app, person)
    vid = actions.log_value(
        app.store,
        pid,
        kind=kind,
        direction="given" if given else "received",
        note=note,
        amount=amount,
        today=app.today(),
    )
    _after_action(app, pid)
    _done(
        as_json,
        {"value_moment_id": vid, "person_id": pid},
        sentence(f"Logged {kind} {'given to' if given else 'received from'} {_name(app, pid)}"),
    )


@cli.command()
@click.argument("person")
@click.argument("text", required=False)
@click.option("--replace", is_flag=True, help="Retire their other goals.")
@click.option("--json", "as_json", is_flag=True)
def goal(person: str, text: str | None, replace: bool, as_json: bool) -> None:
    """Record a person's current goal, or with no TEXT confirm their goals are still current."""
    app = _ctx()
    pid = person_arg(app, person)
    gid = actions.set_goal(app.store, pid, text, replace=replace, today=app.today())
    msg = "Goals confirmed" if gid is None else "Goal recorded"
    _done(as_json, {"goal_id": gid, "person_id": pid}, sentence(f"{msg} for {_name(app, pid)}"))


@cli.command()
@click.argument("person")
@click.argument("until", required=False)
@click.option("--clear", is_flag=True, help="End the snooze now (back in the review).")
@click.option("--json", "as_json", is_flag=True)
def snooze(person: str, until: str | None, clear: bool, as_json: bool) -> None:
    """Keep a person out of the review until 1d, 1w, 1m from now or a DATE; --clear ends a
    snooze early."""
    if bool(until) == clear:
        raise click.UsageError("give UNTIL, or --clear")
    app = _ctx()
    today = app.today()
    if clear:
        pid = person_arg(app, person)
        ended = actions.unsnooze(app.store, pid, today=today)
        _done(as_json, {"person_id": pid, "snoozed_until": None},
              f"{_name(app, pid)} is back in the review." if ended
              else f"{_name(app, pid)} was not snoozed.")
        return
    assert until is not None  # checked above: UNTIL or --clear
    shorthand = {"1d": "+1d", "1w": "+1w", "1m": "+1m"}
    day = parse_date(shorthand.get(until, until), what="snooze", base=today)
    pid = person_arg(app, person)
    actions.snooze(app.store, pid, day, today=today)
    _done(
        as_json,
        {"person_id": pid, "snoozed_until": day.isoformat()},
        f"{_name(app, pid)} snoozed until {day}.",
    )


@cli.command()
@click.argument("person")
@click.argument(
    "tier_name", metavar="TIER", type=click.Choice(["key", "active", "network", "none"])
)
@click.option("--json", "as_json", is_flag=True)
def tier(person: str, tier_name: str, as_json: bool) -> None:
    """Set a person's tier (key, active, network, none)."""
    app = _ctx()
    pid = person_arg(app, person)
    actions.set_tier(app.store, pid, tier_name, today=app.today())
    _after_action(app, pid)
    _done(as_json, {"person_id": pid, "tier": tier_name}, f"{_name(app, pid)} is now {tier_name}.")


@cli.command()
@click.argument("person")
@click.argument("new_name", metavar="NEW NAME", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True)
def rename(person: str, new_name: tuple[str, ...], as_json: bool) -> None:
    """Give a person another name (crb rename 2 Bo Berg-Lind); imports never change it back."""
    app = _ctx()
    pid = person_arg(app, person)
    before = _name(app, pid)
    name = actions.rename(app.store, pid, " ".join(new_name), today=app.today())
    _done(as_json, {"person_id": pid, "name": name, "was": before},
          f"{before} is now {plain(name, one_line=True)} (id {pid}).")


@cli.command(cls=params.NumbersCommand)
@click.argument("person")
@click.argument("days", type=params.CADENCE_DAYS)
@click.option("--json", "as_json", is_flag=True)
def cadence(person: str, days: int | None, as_json: bool) -> None:
    """Set how often to be in touch with a person: 14, 14d, 2w, 3m or 1y; `default` for their
    tier's cadence again."""
    app = _ctx()
    pid = person_arg(app, person)
    actions.set_cadence(app.store, pid, days, today=app.today())
    _after_action(app, pid)
    said = (f"every {plural(days, 'day')}" if days is not None
            else "their tier's again (no cadence of their own)")
    _done(as_json, {"person_id": pid, "cadence_days": days},
          f"Cadence for {_name(app, pid)}: {said}.")


@cli.command()
@click.argument("person")
@click.option("--undo", is_flag=True, help="Bring them back.")
@click.option("--json", "as_json", is_flag=True)
def archive(person: str, undo: bool, as_json: bool) -> None:
    """Archive a person (they leave lists and the review)."""
    from crb_tui.store.ignoring import blocked_note

    app = _ctx()
    pid = person_arg(app, person)
    actions.archive(app.store, pid, undo=undo, today=app.today())
    if not undo:
        _done(as_json, {"person_id": pid, "archived": True}, f"{_name(app, pid)} archived.")
        return
    # Mail from an address still ignored is still skipped: say so, and how to let it in.
    blocked, note = blocked_note(app.store, pid)
    _done(
        as_json,
        {"person_id": pid, "archived": False,
         "still_ignored": [{"address": email, "by": entry} for email, entry in blocked]},
        f"{_name(app, pid)} restored" + (f"; {plain(note)}." if note else "."),
    )


# -- merge ---------------------------------------------------------------------------------


@cli.command()
@click.argument("people_args", metavar="KEEP OTHER", nargs=-1)
@click.option("--undo", is_flag=True, help="Reverse the last merge.")
@click.option("--json", "as_json", is_flag=True)
def merge(people_args: tuple[str, ...], undo: bool, as_json: bool) -> None:
    """Merge OTHER into KEEP, keeping everything of both; --undo reverses the last merge."""
    from crb_tui.store.merge import merge_people, undo_last_merge

    app = _ctx()
    if undo:
        if people_args:
            raise CrbError("merge --undo takes no people: it reverses the last merge")
        result = undo_last_merge(app.store)
        app.recompute([result["kept"]["id"], result["restored"]["id"]])
        message = f"Undid merge: {plain(result['restored']['name'])} is separate again."
    else:
        if len(people_args) != 2:
            raise CrbError("merge needs two people: KEEP OTHER (or --undo)")
        keep = app.store.resolve_person(people_args[0], follow_merges=False)
        other = app.store.resolve_person(people_args[1], follow_merges=False)
        result = merge_people(app.store, keep, other)
        app.recompute([keep])
        message = (
            f"Merged {plain(result['merged']['name'])} (id {other}) into "
            f"{plain(result['kept']['name'])} (id {keep}) (undo with `crb merge --undo`)."
        )
    _done(as_json, result, message)
