"""What a third-party source may get wrong in a record: each mistake is a reject of that record
naming the field, the rest of the run stands; and nothing stored goes uncounted or unseen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest

from crb_tui import Commitment, Identity, Interaction, Note, Person, Source, SyncContext, clock
from crb_tui.records import NOBODY_YET, Record
from crb_tui.testing import run_source, temporary_store

ANN = Identity("email", "ann@example.com")
T0 = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)


def source(*records: Any) -> Source:
    def sync(ctx: SyncContext) -> Iterable[Record]:
        yield from records

    return Source(name="chat", sync=sync)


def test_a_string_where_an_identity_goes_is_one_reject_naming_the_field() -> None:
    run = run_source(source(
        Person("Ann", [ANN]),
        Interaction("chat:1", "message", "out", T0, "ann@example.com"),  # type: ignore[arg-type]
        Interaction("chat:2", "message", "out", T0, ANN),
    ))
    assert run.summary.ok and run.summary.imported == 2
    (reject,) = run.summary.rejected
    assert reject == {"where": "chat:chat:1",
                      "reason": "with_ must be an Identity, not str 'ann@example.com'"}
    assert [i["source_key"] for i in run.interactions] == ["chat:2"]


@pytest.mark.parametrize(("record", "reason"), [
    (Interaction("k", "message", "in", T0, Identity("whatsapp", "+447700900123")),
     "with_: unknown kind 'whatsapp' (identity kinds: email, phone, url, handle)"),
    (Person("Bo", [Identity("phone", 447700900123)]),  # type: ignore[arg-type]
     "identities[0]: value must be text, not int 447700900123"),
    (Person("Bo", ANN),  # type: ignore[arg-type]
     "identities must be a list of Identity, not Identity "
     "Identity(kind='email', value='ann@example.com')"),
    (Interaction("k", "message", "in", "2026-05-01", ANN),  # type: ignore[arg-type]
     "at must be a datetime, not str '2026-05-01'"),
    (Commitment("ann", "send the deck", dt.date(2026, 5, 3)),  # type: ignore[arg-type]
     "who must be an Identity or an integer, not str 'ann'"),
    (Interaction("k", "call", "out", T0, ANN, duration_minutes="30"),  # type: ignore[arg-type]
     "duration_minutes must be an integer or None, not str '30'"),
    (Person("Bo", tier=1),  # type: ignore[arg-type]
     "tier must be text or None, not int 1"),
])
def test_each_wrong_shape_is_rejected_with_its_field(record: Record, reason: str) -> None:
    run = run_source(source(Person("Ann", [ANN]), record))
    assert run.summary.ok and run.summary.imported == 1
    assert [r["reason"] for r in run.summary.rejected] == [reason]


def test_a_naive_datetime_is_in_the_user_s_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "_configured_tz", "Europe/Paris")
    naive = dt.datetime(2026, 5, 1, 10, 0)
    run = run_source(source(
        Person("Ann", [ANN]),
        Interaction("chat:1", "message", "out", naive, ANN),
        Note(ANN, "met at the fair", naive),
    ))
    assert run.summary.ok and not run.summary.rejected
    # 10:00 in Paris (summer time) is 08:00 UTC.
    assert run.interactions[0]["at"] == "2026-05-01T08:00:00+00:00"
    assert run.notes[0]["at"] == "2026-05-01T08:00:00+00:00"


def test_a_message_from_nobody_yet_is_counted_as_skipped_and_found_once_they_are_someone(
) -> None:
    message = Interaction("chat:9", "message", "in", T0, Identity("phone", "+447700900123"),
                          name="Bo")
    with temporary_store() as store:
        first = run_source(source(message), store=store)
        assert first.summary.imported == 0 and first.summary.new_people == 0
        assert first.summary.skipped == {NOBODY_YET: 1}
        assert first.interactions[0]["person_id"] is None  # kept for when Bo is someone
        # Bo's contact card arrives: the message is Bo's.
        second = run_source(source(Person("Bo", [Identity("phone", "+44 7700 900123")])),
                            store=store)
        (bo,) = second.people
        assert second.interactions[0]["person_id"] == bo["id"]


def test_with_create_people_from_any_a_message_makes_a_person_to_triage() -> None:
    message = Interaction("chat:9", "message", "in", T0, Identity("phone", "+447700900123"),
                          name="Bo")
    run = run_source(source(message), create_people_from="any")
    assert run.summary.imported == 1 and run.summary.new_people == 1 and not run.summary.skipped
    (bo,) = run.people
    assert bo["name"] == "Bo" and bo["triage"] == 1
    assert run.interactions[0]["person_id"] == bo["id"]


class Text(str):
    """A str subclass: of the declared type, though not exactly ``str``."""


@pytest.mark.parametrize("changes", [
    {}, {"name": None, "subject": None, "thread": None}, {"duration_minutes": 30},
    {"source_key": Text("k")}, {"name": Text("Ann")}, {"at": T0.replace(tzinfo=None)},
    {"at": T0.date()}, {"at": "2026-05-01"}, {"duration_minutes": True},
    {"duration_minutes": 1.5}, {"with_": Identity("whatsapp", "+44")},
    {"with_": Identity("email", 7)}, {"with_": "ann@example.com"}, {"kind": None},
    {"replaces": "ics:1|"}, {"replaces": 7},
])
def test_the_usual_interaction_is_passed_as_the_field_by_field_check_passes_it(
    changes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from crb_tui import records

    base = Interaction("chat:1", "message", "out", T0, ANN, name="Ann", subject="hi", thread="t")
    rec = dataclasses.replace(base, **changes)
    tz = dt.timezone(dt.timedelta(hours=2))

    def check() -> Any:
        try:
            return records.checked(rec, tz)
        except records.ShapeError as exc:
            return str(exc)

    quick = check()
    monkeypatch.setattr(records, "_plain_interaction", lambda r: False)
    assert check() == quick
    # The shortcut knows these fields: a new one must be added to it.
    assert [f.name for f in dataclasses.fields(Interaction)] == [
        "source_key", "kind", "direction", "at", "with_", "name", "subject", "thread",
        "duration_minutes", "replaces"]


def test_a_reject_names_the_records_file_and_line_when_the_source_gives_it() -> None:
    """A note, commitment, goal or person the write path cannot take is named by its ``where``
    (the file and card or line), like a source's own rejects; without it, by source and key."""
    nobody = Identity("email", "nobody@example.com")
    run = run_source(source(
        Person("Ann", [ANN], where="people.csv:2"),
        Note(nobody, "hello", T0, source_key="note:1", where="notes.txt:3"),
        Note(nobody, "no place", T0, source_key="note:2"),
        Commitment(nobody, "send it", dt.date(2026, 5, 3), where="promises.csv:7"),
        Person("Bo", tier="boss", where="people.csv:9"),
        Note("ann", "hi", T0, where="notes.txt:5"),  # type: ignore[arg-type]
    ))
    assert run.summary.rejected == [
        {"where": "notes.txt:3", "reason": "no person with email nobody@example.com"},
        {"where": "chat:note:2", "reason": "no person with email nobody@example.com"},
        {"where": "promises.csv:7", "reason": "no person with email nobody@example.com"},
        {"where": "people.csv:9", "reason": "unknown tier 'boss'"},
        {"where": "notes.txt:5",
         "reason": "who must be an Identity or an integer, not str 'ann'"},
    ]
