"""Records: what a data source yields and what the store's single write path takes in.

Sources never touch the database. They yield these plain dataclasses; the store resolves
identities to people, dedupes on ``source_key`` and counts what it did with each record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from crb_tui.identity import IDENTITY_KINDS

IdentityKind = Literal["email", "phone", "url", "handle"]
InteractionKind = Literal["email", "meeting", "call", "message", "note", "connection"]
Direction = Literal["in", "out", "mutual"]

INTERACTION_KINDS: tuple[str, ...] = ("email", "meeting", "call", "message", "note", "connection")
DIRECTIONS: tuple[str, ...] = ("in", "out", "mutual")
VALUE_KINDS: tuple[str, ...] = ("intro", "advice", "resource", "referral", "deal", "other")
TIERS: tuple[str, ...] = ("key", "active", "network", "none")
STAGES: tuple[str, ...] = ("contact", "transaction", "relationship", "partner")


@dataclass(frozen=True)
class Identity:
    """One way of reaching a person: an e-mail address, phone number, profile URL or handle.

    ``value`` may be given raw; the store normalises it (lower-case e-mail, E.164-ish phone,
    canonical URL) before matching.
    """

    kind: str
    value: str


@dataclass
class Person:
    """A person as a source knows them (a contact card, a CSV row, a LinkedIn connection).

    The store matches the person on any of ``identities`` (or on ``source_key`` when there is no
    identity at all) and fills in what it did not know; it never overwrites a field the user set.
    """

    name: str
    identities: list[Identity] = field(default_factory=list)
    org: str | None = None
    title: str | None = None
    tier: str | None = None
    cadence_days: int | None = None
    birthday: str | None = None
    """``YYYY-MM-DD`` or ``--MM-DD`` when the year is unknown."""
    details: dict[str, Any] = field(default_factory=dict)
    """Personal details worth remembering (family, preferences, important dates)."""
    source_key: str | None = None
    triage: bool = False
    """True when the person came from sync and the user has not accepted them yet."""
    where: str | None = None
    """Where the source read it (``contacts.vcf card 3``, ``notes.csv:12``): a reject of this
    record names it (else the source and ``source_key``)."""


@dataclass
class Interaction:
    """A touch with one person: a mail, a meeting, a call, a message, a connection.

    A mail to three people is three records with the same ``source_key`` prefix; give each one
    ``source_key`` unique per counterpart (e.g. ``"<message-id>|bob@example.com"``) so that the
    same mail seen by two sources is stored once.
    """

    source_key: str
    kind: str
    direction: str
    at: dt.datetime
    with_: Identity
    name: str | None = None
    """Display name of the counterpart as the source saw it (used if a person is created)."""
    subject: str | None = None
    thread: str | None = None
    duration_minutes: int | None = None
    replaces: str | None = None
    """A key prefix of earlier versions of this same touch stored under other keys (a single
    calendar event moved to another time: ``ics:<UID>|``). When given, the stored row of that
    prefix with the same counterpart is re-keyed and updated instead of a second one being
    added, and further copies are removed."""


@dataclass
class Commitment:
    """A promise, made by the user to the person (``direction="out"``) or to the user ("in")."""

    who: Identity | int
    text: str
    due: dt.date
    status: str = "open"
    direction: str = "out"
    created: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    source_key: str | None = None
    where: str | None = None
    """Where the source read it (``contacts.vcf card 3``, ``notes.csv:12``): a reject of this
    record names it (else the source and ``source_key``)."""


@dataclass
class ValueMoment:
    """Value given to or received from a person: an intro, advice, a resource, a deal..."""

    who: Identity | int
    kind: str
    direction: str
    at: dt.datetime
    note: str | None = None
    amount: float | None = None
    source_key: str | None = None
    where: str | None = None
    """Where the source read it (``contacts.vcf card 3``, ``notes.csv:12``): a reject of this
    record names it (else the source and ``source_key``)."""


@dataclass
class Goal:
    """What the person is working towards now, with the date it was last confirmed."""

    who: Identity | int
    text: str
    confirmed_at: dt.datetime
    source_key: str | None = None
    where: str | None = None
    """Where the source read it (``contacts.vcf card 3``, ``notes.csv:12``): a reject of this
    record names it (else the source and ``source_key``)."""


@dataclass
class Note:
    """A note about a person; ``their_words`` marks their own voice (requests, feedback)."""

    who: Identity | int
    text: str
    at: dt.datetime
    their_words: bool = False
    source_key: str | None = None
    where: str | None = None
    """Where the source read it (``contacts.vcf card 3``, ``notes.csv:12``): a reject of this
    record names it (else the source and ``source_key``)."""


@dataclass(frozen=True)
class Delete:
    """Remove interactions this source stored before: exactly ``source_key``, or every key
    starting with ``prefix`` (a mail deleted at the source, a cancelled event). Only rows the
    same source wrote are removed; each removal is counted by ``reason``. With
    ``keep_before``, rows dated before it stay: a calendar's meetings that had already taken
    place when the source last saw them on the calendar (a series ended by deleting it)."""

    source_key: str | None = None
    prefix: str | None = None
    reason: str = "deleted at the source"
    keep_before: dt.datetime | None = None


@dataclass(frozen=True)
class Skip:
    """Yielded by a source for an item it saw and chose not to import, so it is counted."""

    reason: str
    key: str | None = None


NOBODY_YET = "nobody it belongs to yet (kept until the address is a person)"
"""The skip reason of an interaction with an identity that is nobody's yet: the store keeps it,
so that it is that person's once they are one, and counts it as skipped, never as imported."""


@dataclass(frozen=True)
class Reject:
    """Yielded by a source for an item it could not read: ``where`` names file and line/record."""

    reason: str
    where: str


Record = Person | Interaction | Commitment | ValueMoment | Goal | Note | Delete | Skip | Reject


def place(record: Any, source: str) -> str:
    """Where a record came from, for its reject line: its ``where`` when the source gave one
    (``contacts.vcf card 3``), else the source and the record's key or name."""
    where = getattr(record, "where", None)
    if isinstance(where, str) and where:
        return where
    key = getattr(record, "source_key", None) or getattr(record, "name", None) or ""
    return f"{source}:{key}"


class ShapeError(ValueError):
    """A record whose field has the wrong type: the message names the field."""


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in typing.get_args(tp))
    if typing.get_origin(tp) is list:
        arg = typing.get_args(tp)[0]
        return f"a list of {getattr(arg, '__name__', arg)}"
    if tp is type(None):
        return "None"
    return {str: "text", int: "an integer", float: "a number", bool: "True or False",
            dict: "a dict", dt.datetime: "a datetime", dt.date: "a date",
            Identity: "an Identity"}.get(
        tp, getattr(tp, "__name__", str(tp)))


Fits = Callable[[Any], bool]


def _fits(tp: Any) -> Fits:
    """A test of whether a value is of type ``tp`` (made once per record class: checking every
    record a source yields must cost next to nothing)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        tests = [_fits(arg) for arg in args]
        if len(tests) == 1 and len(args) < len(typing.get_args(tp)):  # X | None, the usual
            (test,) = tests
            return lambda v: v is None or test(v)
        if len(args) < len(typing.get_args(tp)):
            tests.append(lambda v: v is None)
        return lambda v: any(test(v) for test in tests)
    if tp is str:
        return lambda v: type(v) is str or isinstance(v, str)
    if origin is list:
        item = _fits(typing.get_args(tp)[0])
        return lambda v: isinstance(v, list) and all(item(x) for x in v)
    if origin is dict:
        return lambda v: isinstance(v, dict)
    if tp is Any:
        return lambda v: True
    if tp is type(None):
        return lambda v: v is None
    if tp is int:
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    if tp is float:
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool)
    if tp is dt.datetime:
        return lambda v: isinstance(v, dt.date)  # a date is midnight of that day, as before
    return lambda v: isinstance(v, tp)


_SHAPES: dict[type, list[tuple[str, Fits, Any]]] = {}


def _shape(cls: type) -> list[tuple[str, Fits, Any]]:
    """Each field of a record class: its name, the test of its type, the type."""
    if cls not in _SHAPES:
        hints = typing.get_type_hints(cls)
        _SHAPES[cls] = [(f.name, _fits(hints[f.name]), hints[f.name])
                        for f in dataclasses.fields(cls)]
    return _SHAPES[cls]


def _check_identity(ident: Identity, where: str) -> None:
    if not isinstance(ident.kind, str) or ident.kind not in IDENTITY_KINDS:
        raise ShapeError(f"{where}: unknown kind {ident.kind!r} (identity kinds: "
                         f"{', '.join(IDENTITY_KINDS)})")
    if not isinstance(ident.value, str):
        raise ShapeError(f"{where}: value must be text, not {type(ident.value).__name__} "
                         f"{ident.value!r}")


def checked(record: Record, tz: dt.tzinfo) -> Record:
    """``record`` with every field checked against its declared type, or a ``ShapeError``
    naming the first wrong one (``with_ must be an Identity, not str 'ann@example.com'``).
    A naive datetime is taken in ``tz`` (the user's time zone) and made aware."""
    if type(record) is Interaction and _plain_interaction(record):
        return record  # what nearly every source yields: the loop below would pass it as it is
    fixes: dict[str, Any] = {}
    for name, fits, tp in _shape(type(record)):
        value = getattr(record, name)
        if not fits(value):
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise ShapeError(f"{name} must be {_type_name(tp)}, not "
                             f"{type(value).__name__} {shown}")
        if isinstance(value, Identity):
            _check_identity(value, name)
        elif name == "identities":
            for n, ident in enumerate(value):
                _check_identity(ident, f"identities[{n}]")
        elif isinstance(value, dt.datetime) and value.tzinfo is None:
            fixes[name] = value.replace(tzinfo=tz)
    return dataclasses.replace(record, **fixes) if fixes else record


def as_stored(record: Any) -> bool:
    """Whether ``record`` is an ``Interaction`` that :func:`checked` and :func:`bounded` would
    both leave as it is (one look for what nearly every source yields)."""
    return type(record) is Interaction and _INTERACTION_UNBOUNDED and _plain_interaction(record)


def _plain_interaction(rec: Interaction) -> bool:
    """Every field of exactly its declared type, the date aware, the identity of a known kind."""
    w = rec.with_
    return (
        type(rec.source_key) is str and type(rec.kind) is str and type(rec.direction) is str
        and type(rec.at) is dt.datetime and rec.at.tzinfo is not None
        and type(w) is Identity and type(w.kind) is str and w.kind in IDENTITY_KINDS
        and type(w.value) is str
        and (rec.name is None or type(rec.name) is str)
        and (rec.subject is None or type(rec.subject) is str)
        and (rec.thread is None or type(rec.thread) is str)
        and (rec.duration_minutes is None or type(rec.duration_minutes) is int)
        and (rec.replaces is None or type(rec.replaces) is str)
    )


def all_day(at: str, duration_minutes: int | None) -> bool:
    """Whether a stored meeting is an all-day event: calendars store those at noon UTC of their
    date (00:00 UTC before 2026-12), with no duration (a date, the same wherever the user is,
    not a moment)."""
    return duration_minutes is None and at.endswith(("T12:00:00+00:00", "T00:00:00+00:00"))


MAX_NAME = 200
"""The longest name, organisation or job title CRB keeps (characters): a longer one is cut on
import, and the summary says so."""
MAX_NOTE = 10_000
"""The longest note, commitment or goal text CRB keeps from an import."""

_BOUNDS: dict[type, tuple[tuple[str, int], ...]] = {
    Person: (("name", MAX_NAME), ("org", MAX_NAME), ("title", MAX_NAME)),
    Note: (("text", MAX_NOTE),),
    Commitment: (("text", MAX_NOTE),),
    Goal: (("text", MAX_NOTE),),
}
_WHAT = {"name": "name", "org": "organisation", "title": "job title", "text": "text"}
_INTERACTION_UNBOUNDED = Interaction not in _BOUNDS


def bounded(record: Any) -> list[str]:
    """Cut the record's text fields that are longer than CRB keeps (:data:`MAX_NAME` for a
    person's name, organisation and title, :data:`MAX_NOTE` for a note's, commitment's or
    goal's text) in place; one line per field cut (``name cut to 200 characters (it had
    200,000)``) for the summary, which the caller prefixes with the file and record."""
    out: list[str] = []
    for name, limit in _BOUNDS.get(type(record), ()):
        value = getattr(record, name, None)
        if isinstance(value, str) and len(value) > limit:
            setattr(record, name, value[:limit].rstrip())
            out.append(f"{_WHAT[name]} cut to {limit:,} characters (it had {len(value):,})")
    return out
