"""What a user does to a relationship: log a touch, promise, keep, give value, set goals, snooze,
tier, cadence, archive. The CLI and the TUI both call these; each is kept in the review history."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from crb_tui import limits
from crb_tui import records as r
from crb_tui.errors import CrbError, NotFound
from crb_tui.identity import normalise_email
from crb_tui.store import Store, escape_like, faults, iso, now_utc

DEFAULT_DIRECTION = {
    "call": "mutual",
    "meeting": "mutual",
    "email": "out",
    "message": "out",
    "note": "out",
    "connection": "mutual",
}


def a_touch(kind: str) -> str:
    """A touch's kind with its article, for messages: "a call", "an email"."""
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def _history(
    store: Store,
    person_id: int | None,
    action: str,
    detail: dict[str, Any],
    day: dt.date,
    item_kind: str | None = None,
) -> None:
    store.db.execute(
        "insert into review_history (at, day, person_id, item_kind, action, detail) "
        "values (?, ?, ?, ?, ?, ?)",
        [
            iso(now_utc()),
            day.isoformat(),
            person_id,
            item_kind,
            action,
            json.dumps(detail, ensure_ascii=False, sort_keys=True),
        ],
    )


def _live_person(store: Store, person_id: int) -> dict[str, Any]:
    person = store.person(person_id)
    if person["merged_into"] is not None:
        raise CrbError(f"{person['name']} was merged into person {person['merged_into']}")
    return person


def log_touch(
    store: Store,
    person_id: int,
    *,
    kind: str,
    today: dt.date,
    direction: str | None = None,
    at: dt.datetime | None = None,
    note: str | None = None,
    item_kind: str | None = None,
) -> int:
    """Record an interaction the user had outside any source (a call, a coffee, a message)."""
    if kind not in r.INTERACTION_KINDS:
        raise CrbError(f"unknown kind {kind!r} (use {', '.join(r.INTERACTION_KINDS)})")
    direction = direction or DEFAULT_DIRECTION[kind]
    if direction not in r.DIRECTIONS:
        raise CrbError(f"unknown direction {direction!r} (use in, out or mutual)")
    at = at or now_utc()
    if at.date() > today + dt.timedelta(days=1):
        raise CrbError(f"{at.date()} is in the future; log what has happened")
    with store.transaction():
        _live_person(store, person_id)
        cur = store.db.execute(
            "insert into interactions "
            "(person_id, kind, direction, at, subject, source, source_key) "
            "values (?, ?, ?, ?, ?, 'manual', ?)",
            [person_id, kind, direction, iso(at), note, f"manual:{uuid.uuid4().hex}"],
        )
        _history(
            store,
            person_id,
            "log",
            {"kind": kind, "direction": direction, "note": note},
            today,
            item_kind,
        )
    return int(cur.lastrowid or 0)


def add_note(
    store: Store, person_id: int, text: str, *, today: dt.date, their_words: bool = False,
    item_kind: str | None = None,
) -> int:
    if not text.strip():
        raise CrbError("a note needs some text")
    with store.transaction():
        _live_person(store, person_id)
        cur = store.db.execute(
            "insert into notes (person_id, at, text, their_words, source) "
            "values (?, ?, ?, ?, 'manual')",
            [person_id, iso(now_utc()), text, int(their_words)],
        )
        _history(store, person_id, "note", {"their_words": their_words}, today, item_kind)
    return int(cur.lastrowid or 0)


def promise(
    store: Store,
    person_id: int,
    text: str,
    *,
    due: dt.date,
    today: dt.date,
    direction: str = "out",
    item_kind: str | None = None,
) -> int:
    """A commitment, by the user to the person (``out``) or by them to the user (``in``)."""
    if not text.strip():
        raise CrbError("a promise needs some text")
    if due < today:
        raise CrbError(f"due date {due} is in the past; a new promise must be due today or later")
    if direction not in ("out", "in"):
        raise CrbError("direction must be out (you promised) or in (they promised)")
    with store.transaction():
        _live_person(store, person_id)
        cur = store.db.execute(
            "insert into commitments (person_id, text, due, status, direction, created, source) "
            "values (?, ?, ?, 'open', ?, ?, 'manual')",
            [person_id, text, due.isoformat(), direction, iso(now_utc())],
        )
        _history(
            store, person_id, "promise", {"text": text, "due": due.isoformat()}, today, item_kind
        )
    return int(cur.lastrowid or 0)


def close_commitment(
    store: Store,
    commitment_id: int,
    *,
    today: dt.date,
    broken: bool = False,
    item_kind: str | None = None,
) -> dict[str, Any]:
    status = "broken" if broken else "kept"
    with store.transaction():
        rows = list(store.db.query("select * from commitments where id = ?", [commitment_id]))
        if not rows:
            raise NotFound(f"no commitment with id {commitment_id}")
        row = rows[0]
        if row["status"] != "open":
            raise CrbError(f"commitment {commitment_id} is already {row['status']}")
        store.db.execute(
            "update commitments set status = ?, closed_at = ? where id = ?",
            [status, iso(now_utc()), commitment_id],
        )
        _history(
            store,
            row["person_id"],
            "done",
            {"commitment": commitment_id, "status": status},
            today,
            item_kind,
        )
    row.update(status=status)
    return row


def log_value(
    store: Store,
    person_id: int,
    *,
    kind: str,
    direction: str,
    today: dt.date,
    note: str | None = None,
    amount: float | None = None,
    at: dt.datetime | None = None,
    item_kind: str | None = None,
) -> int:
    if kind not in r.VALUE_KINDS:
        raise CrbError(f"unknown value kind {kind!r} (use {', '.join(r.VALUE_KINDS)})")
    if direction not in ("given", "received"):
        raise CrbError("value is either given or received")
    if amount is not None:
        amount = limits.amount(amount)
    with store.transaction():
        _live_person(store, person_id)
        cur = store.db.execute(
            "insert into value_moments (person_id, kind, direction, at, note, amount, source) "
            "values (?, ?, ?, ?, ?, ?, 'manual')",
            [person_id, kind, direction, iso(at or now_utc()), note, amount],
        )
        _history(
            store, person_id, "value", {"kind": kind, "direction": direction}, today, item_kind
        )
    return int(cur.lastrowid or 0)


def set_goal(
    store: Store,
    person_id: int,
    text: str | None,
    *,
    today: dt.date,
    replace: bool = False,
    item_kind: str | None = None,
) -> int | None:
    """Add a current goal (``replace`` retires the others), or with no text re-confirm them all."""
    stamp = iso(now_utc())
    with store.transaction():
        _live_person(store, person_id)
        if text is None or not text.strip():
            n = store.db.execute(
                "update goals set confirmed_at = ? where person_id = ? and active = 1",
                [stamp, person_id],
            ).rowcount
            if not n:
                raise CrbError("there are no current goals to confirm; give the goal's text")
            _history(store, person_id, "goal", {"confirmed": n}, today, item_kind)
            return None
        if replace:
            store.db.execute("update goals set active = 0 where person_id = ?", [person_id])
        cur = store.db.execute(
            "insert into goals (person_id, text, confirmed_at, created, active, source) "
            "values (?, ?, ?, ?, 1, 'manual')",
            [person_id, text.strip(), stamp, stamp],
        )
        _history(store, person_id, "goal", {"text": text.strip()}, today, item_kind)
    return int(cur.lastrowid or 0)


def snooze(
    store: Store, person_id: int, until: dt.date, *, today: dt.date, item_kind: str | None = None
) -> None:
    if until <= today:
        raise CrbError(f"snooze until {until}: pick a date after today")
    _update_person(
        store, person_id, {"snoozed_until": until.isoformat()}, "snooze", today, item_kind
    )


def unsnooze(
    store: Store, person_id: int, *, today: dt.date, item_kind: str | None = None
) -> bool:
    """End a person's snooze now: they are back in the review (today's too: the snooze no
    longer answers their items). ``False`` when they were not snoozed (nothing changes)."""
    until = _live_person(store, person_id).get("snoozed_until")
    if not until or str(until) <= today.isoformat():
        return False
    _update_person(store, person_id, {"snoozed_until": None}, "unsnooze", today, item_kind)
    return True


def set_tier(
    store: Store, person_id: int, tier: str, *, today: dt.date, item_kind: str | None = None
) -> None:
    if tier not in r.TIERS:
        raise CrbError(f"unknown tier {tier!r} (use {', '.join(r.TIERS)})")
    _update_person(store, person_id, {"tier": tier, "triage": 0}, "tier", today, item_kind)


QUEUE_DAYS = 60
"""How many days' review queues are remembered (a few rows a day)."""


def queued_on(store: Store, day: dt.date) -> dict[int, str | None]:
    """The people shown in ``day``'s review so far, each with the kind of item they were first
    shown with."""
    return dict(store.conn.execute(
        "select person_id, kind from review_queue where day = ?", [day.isoformat()]))


def shown_before_day(store: Store, day: dt.date, kind: str) -> dict[int, int]:
    """Person id -> on how many remembered days before ``day`` they were first shown with an
    item of ``kind`` (``today:``-marked or not)."""
    return dict(store.conn.execute(
        "select person_id, count(distinct day) from review_queue where day < ? "
        "and (kind = ? or kind = ?) group by person_id",
        [day.isoformat(), kind, f"today:{kind}"]))


def remember_queue(store: Store, day: dt.date, shown: Mapping[int, str]) -> str | None:
    """Note that these people (person id -> kind of their item) were shown in ``day``'s review;
    the kind they were first shown with stays. Only the last ``QUEUE_DAYS`` days with a queue
    are kept: counted in days that have one, not back from ``day``, so that a run for a later
    day (``CRB_TODAY`` for a look ahead) never forgets who holds the real day's places.
    A read-only database shows its review without remembering it; on a full disk, the review
    is shown all the same and the warning returned says it was not remembered."""
    if store.read_only is not None:
        return None
    try:
        _remember(store, day, shown)
    except sqlite3.Error as exc:
        if not faults.disk_full(exc):
            raise
        return (f"the disk is full: today's review is shown but not remembered in {store.path} "
                "(the people shown may not keep their places; free some space)")
    return None


def _remember(store: Store, day: dt.date, shown: Mapping[int, str]) -> None:
    with store.transaction():
        store.conn.execute(
            "delete from review_queue where day < (select min(day) from (select distinct day "
            "from review_queue order by day desc limit ?))", [QUEUE_DAYS])
        seen = store.conn.execute("select coalesce(max(id), 0) from commitments").fetchone()[0]
        store.conn.executemany(
            "insert or ignore into review_queue (day, person_id, kind, promises_seen) "
            "values (?, ?, ?, ?)",
            [(day.isoformat(), pid, kind, seen) for pid, kind in sorted(shown.items())])


def promises_seen(store: Store, day: dt.date) -> int | None:
    """The highest commitment id when ``day``'s review was first shown (the promises its
    first look judged), or None before that look."""
    row = store.conn.execute("select min(promises_seen) from review_queue where day = ?",
                             [day.isoformat()]).fetchone()
    return row[0] if row else None


SETTLED = "settle_triage"
"""The review history's action for new people settled by a day's upkeep (``person_id`` null,
the ids in ``detail``), so that a later day's settling can be taken back for an earlier day."""


def settle_triage(store: Store, today: dt.date, new_people_days: int) -> int:
    """People who waited for triage since before ``today - new_people_days`` with no decision
    stay as they are, no longer new: plain contacts of their tier, counted in the dashboard's
    stages like everyone else. The number settled.

    What is settled is settled for ``today``: a run for a later day (``CRB_TODAY``, a clock that
    was wrong) settled people who are still new today, so those it settled and nobody decided
    about since are new again first, and only those whose days are over today stay settled."""
    day = today.isoformat()
    since = (today - dt.timedelta(days=new_people_days)).isoformat()
    later = store.conn.execute(
        "select 1 from review_history where action = ? and day > ? limit 1", [SETTLED, day]
    ).fetchone()
    if later is None and store.conn.execute(
            "select 1 from people where triage = 1 and created < ? limit 1", [since]
    ).fetchone() is None:
        return 0
    with store.transaction():
        if later is not None:
            _unsettle_after(store, day)
        ids = [pid for (pid,) in store.conn.execute(
            "select id from people where triage = 1 and created < ? order by id", [since])]
        if ids:
            store.conn.execute(
                "update people set triage = 0 where id in (select value from json_each(?))",
                [json.dumps(ids)])
            _history(store, None, SETTLED, {"ids": ids}, today)
    return len(ids)


def _unsettle_after(store: Store, day: str) -> None:
    """New again: the people settled by a run for a day after ``day`` whom no decision (a tier,
    a cadence, an archive: each clears the flag and says so in its history) came after."""
    settled = store.conn.execute(
        "select id, detail from review_history where action = ? and day > ?", [SETTLED, day]
    ).fetchall()
    decided = dict(store.conn.execute(
        "select person_id, max(id) from review_history where id > ? and person_id is not null "
        "and json_extract(detail, '$.triage') = 0 group by person_id",
        [min(row[0] for row in settled)]).fetchall())
    again = sorted({pid for history_id, detail in settled for pid in json.loads(detail)["ids"]
                    if decided.get(pid, 0) < history_id})
    store.conn.execute(
        "update people set triage = 1 where triage = 0 and merged_into is null "
        "and id in (select value from json_each(?))", [json.dumps(again)])
    store.conn.execute("delete from review_history where action = ? and day > ?",
                       [SETTLED, day])


def set_cadence(
    store: Store, person_id: int, days: int | None, *, today: dt.date, item_kind: str | None = None
) -> None:
    changes: dict[str, object] = {"cadence_days": None}
    if days is not None:
        # Choosing how often to be in touch keeps someone new: they leave triage.
        changes = {"cadence_days": limits.cadence_days(days), "triage": 0}
    _update_person(store, person_id, changes, "cadence", today, item_kind)


def archive(
    store: Store,
    person_id: int,
    *,
    today: dt.date,
    undo: bool = False,
    item_kind: str | None = None,
) -> None:
    _update_person(
        store,
        person_id,
        {"archived": 0 if undo else 1, "triage": 0},
        "unarchive" if undo else "archive",
        today,
        item_kind,
    )


def set_stage(store: Store, person_id: int, stage: str | None, *, today: dt.date) -> None:
    if stage is not None and stage not in r.STAGES:
        raise CrbError(f"unknown stage {stage!r} (use {', '.join(r.STAGES)})")
    _update_person(store, person_id, {"stage_override": stage}, "stage", today, None)


def set_birthday(store: Store, person_id: int, text: str | None, *, today: dt.date) -> str | None:
    """Set (or with ``None`` clear) a birthday as people type it (see ``parse_birthday``); the
    value stored (``1985-04-12`` or ``--04-12``)."""
    from crb_tui.quantities import parse_birthday

    value = parse_birthday(text, today=today) if text else None
    _update_person(store, person_id, {"birthday": value}, "birthday", today, None)
    return value


def rename(store: Store, person_id: int, name: str, *, today: dt.date) -> str:
    """Give a person the name the user types (one line, spaces tidied); an import never
    replaces it afterwards (``card_fields``). The name stored."""
    name = " ".join(str(name).split())
    if not name:
        raise CrbError("a name cannot be empty")
    if len(name) > r.MAX_NAME:
        raise CrbError(f"a name is at most {r.MAX_NAME} characters")
    _update_person(store, person_id, {"name": name}, "rename", today, None)
    return name


def set_detail(
    store: Store, person_id: int, key: str, value: str | None, *, today: dt.date
) -> dict[str, Any]:
    """Remember a personal detail (``family``: "two kids, Mia and Leo") or, with ``None``,
    forget it. Every detail, as stored."""
    key = " ".join(str(key).split())
    if not key or len(key) > 60:
        raise CrbError("a detail needs a short name (up to 60 characters), e.g. family")
    if value is not None and len(value) > 2000:
        raise CrbError("a detail is at most 2,000 characters")
    with store.transaction():  # read, change and write back the details as one
        person = _live_person(store, person_id)
        try:
            details = json.loads(person.get("details") or "{}")
        except ValueError:
            details = {}
        if not isinstance(details, dict):
            details = {}
        if value is None or not value.strip():
            if key not in details:
                raise CrbError(f"{person['name']} has no detail {key!r}")
            details.pop(key)
        else:
            details[key] = value.strip()
        _update_person(store, person_id, {"details": json.dumps(details, ensure_ascii=False)},
                       "detail", today, None)
    return details


def ignore_identity(store: Store, kind: str, value: str, reason: str = "user") -> int | None:
    """Never turn this address (or ``@domain``) into a person again. The new row's id (``None``
    if it was ignored already)."""
    cur = store.db.execute(
        "insert or ignore into ignored (kind, value, reason, created) values (?, ?, ?, ?)",
        [kind, value, reason, iso(now_utc())],
    )
    store.noise.block(kind, value)
    return cur.lastrowid if cur.rowcount else None


def ignore_person(
    store: Store, person_id: int, *, today: dt.date, item_kind: str | None = None
) -> list[int]:
    """Never make a person again of any of this person's e-mail addresses, and archive them
    (the review's "ignore" for someone new from a sync). The ids of the new ``ignored`` rows."""
    try:
        with store.transaction():
            _live_person(store, person_id)
            emails = person_emails(store, person_id)
            added = [ignore_identity(store, "email", email) for email in emails]
            archive(store, person_id, today=today, item_kind=item_kind)
    except BaseException:
        store.reload_ignored()  # the addresses blocked in memory were not stored after all
        raise
    return [row_id for row_id in added if row_id is not None]


def person_emails(store: Store, person_id: int) -> list[str]:
    """``person_id``'s e-mail addresses, oldest first."""
    return [row[0] for row in store.conn.execute(
        "select value from identities where person_id = ? and kind = 'email' order by id",
        [person_id],
    )]


def people_at_domain(store: Store, domain: str) -> list[int]:
    """Everyone with an e-mail address at ``domain`` (exactly: ``_`` and ``%`` in it match only
    themselves)."""
    return [row[0] for row in store.conn.execute(
        "select distinct person_id from identities where kind = 'email' "
        "and value like ? escape '\\' and person_id is not null order by person_id",
        ["%@" + escape_like(domain.lower())],
    )]


def ignore(store: Store, target: str, *, today: dt.date) -> tuple[list[tuple[str, str]], list[int]]:
    """``crb ignore``: never make a person of an address, of an ``@domain``'s addresses, or of
    any of a person's addresses (``target`` names them), and archive whoever they belong to.
    What is now ignored, as ``(kind, value)``, and the ids of the people archived."""
    domain = target[1:].lower() if target.startswith("@") and "." in target else None
    email = normalise_email(target) if domain is None else None
    if domain is None and email is None:
        person_id = store.resolve_person(target, follow_merges=False)
        entries = [("email", e) for e in person_emails(store, person_id)]
        ignore_person(store, person_id, today=today)
        return entries, [person_id]
    try:
        with store.transaction():
            if domain is not None:
                entries, archived = [("domain", domain)], people_at_domain(store, domain)
            else:
                assert email is not None
                row = store.find_identity("email", email)
                entries = [("email", email)]
                archived = [row["person_id"]] if row and row["person_id"] is not None else []
            for kind, value in entries:
                ignore_identity(store, kind, value)
            for person_id in archived:
                archive(store, person_id, today=today)
    except BaseException:
        store.reload_ignored()  # the addresses blocked in memory were not stored after all
        raise
    return entries, archived


def _update_person(
    store: Store,
    person_id: int,
    fields: dict[str, Any],
    action: str,
    today: dt.date,
    item_kind: str | None,
) -> None:
    fields = {**fields, "updated": iso(now_utc())}
    sets = ", ".join(f"{k} = ?" for k in fields)
    with store.transaction():
        _live_person(store, person_id)
        store.db.execute(f"update people set {sets} where id = ?", [*fields.values(), person_id])
        _history(
            store,
            person_id,
            action,
            {k: v for k, v in fields.items() if k != "updated"},
            today,
            item_kind,
        )
