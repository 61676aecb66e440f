"""The write path looks up a batch's identities (and their people) in one query up front and
remembers normalised addresses and noise answers: what it learns in the batch must still be
seen by the records after it, and what changes must be forgotten."""

from __future__ import annotations

import datetime as dt

from crb_tui import records as r
from crb_tui.store import Store

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def mail(key: str, who: str, direction: str = "out", name: str | None = None) -> r.Interaction:
    return r.Interaction(key, "email", direction, T0, r.Identity("email", who), name=name)


def people(store: Store) -> list[tuple[int, str]]:
    return store.conn.execute("select id, name from people order by id").fetchall()


def test_a_person_made_earlier_in_the_batch_gets_the_later_mail(store: Store) -> None:
    # Looked up before the batch: not in the store. The Person record adds it; the mail after
    # it must find it (not add the address a second time, nor make a second person).
    result = store.write_batch(
        [r.Person("Ann Lee", [r.Identity("email", "ann@acme.com")]), mail("m1", "ANN@acme.com")],
        "t",
    )
    assert result.imported == 2 and not result.rejected
    assert people(store) == [(1, "Ann Lee")]
    rows = store.conn.execute("select person_id, identity_id from interactions").fetchall()
    idents = store.conn.execute("select id, person_id, value from identities").fetchall()
    assert idents == [(1, 1, "ann@acme.com")]
    assert rows == [(1, 1)]


def test_mail_in_a_later_batch_finds_known_people_and_their_merges(store: Store) -> None:
    store.write([mail("m1", "a@x.com", name="Ann"), mail("m2", "b@x.com", name="Bo")], "t")
    store.conn.execute("update people set merged_into = 2 where id = 1")
    result = store.write_batch([mail("m3", "a@x.com"), mail("m4", "b@x.com"),
                                mail("m5", "c@x.com", name="Cy")], "t")
    assert result.imported == 3 and result.new_people == 1
    rows = store.conn.execute(
        "select source_key, person_id from interactions order by source_key").fetchall()
    assert rows == [("m1", 1), ("m2", 2), ("m3", 2), ("m4", 2), ("m5", 3)]


def test_a_name_given_earlier_in_the_batch_is_not_replaced_by_a_mail(store: Store) -> None:
    store.write([mail("m1", "ann@acme.com")], "t")
    assert people(store) == [(1, "ann@acme.com")]  # known by the address only
    store.write_batch(
        [
            r.Person("Ann Lee", [r.Identity("email", "ann@acme.com")]),
            mail("m2", "ann@acme.com", name="Someone Else"),
        ],
        "t",
    )
    assert people(store) == [(1, "Ann Lee")]


def test_a_bare_person_is_named_once_by_the_batch(store: Store) -> None:
    store.write([mail("m1", "ann@acme.com")], "t")
    store.write_batch([mail("m2", "ann@acme.com", name="Ann Lee"),
                       mail("m3", "ann@acme.com", name="Other Name")], "t")
    assert people(store) == [(1, "Ann Lee")]


def test_an_address_blocked_after_a_write_is_skipped_from_then_on(store: Store) -> None:
    first = store.write([mail("m1", "ann@acme.com")], "t")
    assert first.imported == 1
    store.noise.block("email", "ann@acme.com")
    second = store.write([mail("m2", "ann@acme.com")], "t")
    assert second.imported == 0 and second.skipped == {"blocklist": 1}
    store.noise.forget_blocks()
    third = store.write([mail("m3", "ann@acme.com")], "t")
    assert third.imported == 1


def test_an_unusable_address_is_rejected_every_time(store: Store) -> None:
    for key in ("m1", "m2"):
        result = store.write([mail(key, "not-an-address")], "t")
        assert result.imported == 0 and len(result.rejected) == 1
    assert store.counts()["interactions"] == 0


def test_mail_waiting_earlier_in_the_batch_goes_to_the_person_made_later_in_it(
    store: Store,
) -> None:
    # Inbound mail from two addresses waits (no one is made of them); then the user writes to
    # one of them: that address becomes a person, and its mail waiting earlier in the same
    # batch is theirs, the other address's stays waiting.
    result = store.write_batch(
        [mail("m1", "ann@x.com", "in"), mail("m2", "bo@x.com", "in"),
         mail("m3", "ann@x.com", "in"), mail("m4", "ann@x.com", "out", name="Ann Lee"),
         mail("m5", "ann@x.com", "in")],
        "t",
    )
    assert result.new_people == 1
    assert people(store) == [(1, "Ann Lee")]
    rows = store.conn.execute(
        "select source_key, person_id from interactions order by source_key").fetchall()
    assert rows == [("m1", 1), ("m2", None), ("m3", 1), ("m4", 1), ("m5", 1)]


def test_statement_journals_and_temporary_tables_stay_in_memory(tmp_path) -> None:
    # (in temp files, an import wrote every page its inserts changed twice: two write calls a
    # page, most of its system time)
    opened = Store.open(tmp_path / "crb.db")
    try:
        assert opened.conn.execute("pragma temp_store").fetchone()[0] == 2  # memory
    finally:
        opened.close()


def test_one_message_through_two_sources_keeps_the_thread_stored_first(store: Store) -> None:
    """Trial 14 F14: the same messages from Gmail (thread ``gmail:t1``) and an mbox of the same
    account (thread: the first Message-ID) were rewritten back and forth, "updated" at every run
    of either. The copy stored first keeps its thread; a real change still updates."""
    def copy(thread: str, subject: str = "Hello") -> r.Interaction:
        return r.Interaction("msg:<m1@x>|a@x.com", "email", "out", T0,
                             r.Identity("email", "a@x.com"), subject=subject, thread=thread)

    assert store.write([copy("gmail:t1")], "gmail").imported == 1
    assert store.write([copy("<m0@x>")], "mbox").unchanged == 1
    assert store.write([copy("gmail:t1")], "gmail").unchanged == 1
    assert store.write([copy("<m0@x>")], "mbox").unchanged == 1
    assert store.write([copy("<m0@x>", subject="Hello again")], "mbox").updated == 1
    assert store.conn.execute("select thread, subject, source from interactions").fetchall() == [
        ("gmail:t1", "Hello again", "gmail")]
