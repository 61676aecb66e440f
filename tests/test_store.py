"""The store: opening safely, migrations, the single write path, identity resolution, merges."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from crb_tui import records as r
from crb_tui.errors import Ambiguous, CrbError, NotFound
from crb_tui.identity import NoiseRules
from crb_tui.store import Store
from crb_tui.store.merge import merge_people, undo_last_merge
from crb_tui.store.migrations import core

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def mail(
    key: str,
    who: str,
    direction: str = "out",
    name: str | None = None,
    subject: str = "hello",
    at: dt.datetime = T0,
) -> r.Interaction:
    return r.Interaction(
        key, "email", direction, at, r.Identity("email", who), name=name, subject=subject
    )


def test_file_is_created_0600_with_wal_and_foreign_keys(db_path: Path) -> None:
    s = Store.open(db_path)
    try:
        assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
        assert s.db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("pragma foreign_keys").fetchone()[0] == 1
        assert s.db.execute("pragma busy_timeout").fetchone()[0] >= 1000
        applied = {m.name for m in core.applied(s.db)}
        assert {"m001_initial", "m002_fts"} <= applied
    finally:
        s.close()


def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    Store.open(db_path).close()
    s = Store.open(db_path)
    assert core.pending(s.db) == []
    count = s.db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    assert count == len(core._migrations)
    s.close()


def test_foreign_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table invoices (id integer primary key, total real)")
    conn.execute("insert into invoices (total) values (12.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CrbError, match="another program"):
        Store.open(path)
    assert path.read_bytes() == before


def test_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all\n" * 10)
    before = path.read_bytes()
    with pytest.raises(CrbError, match="not a SQLite database"):
        Store.open(path)
    assert path.read_bytes() == before


def test_same_records_twice_add_nothing(store: Store) -> None:
    batch = [
        r.Person("Ann Lee", [r.Identity("email", "ann@acme.com")], org="Acme"),
        mail("m1", "ann@acme.com"),
        mail("m2", "ANN@acme.com", "in"),
        r.Note(r.Identity("email", "ann@acme.com"), "likes tea", T0, source_key="n1"),
    ]
    first = store.write(batch, "test")
    assert first.imported == 4
    before = store.counts()
    second = store.write(batch, "test")
    assert second.imported == 0 and second.unchanged == 4
    assert store.counts() == before


def test_changed_record_counts_as_updated(store: Store) -> None:
    store.write([mail("m1", "bob@x.com", subject="first")], "test")
    result = store.write([mail("m1", "bob@x.com", subject="second")], "test")
    assert result.updated == 1 and result.imported == 0
    assert store.db.execute("select subject from interactions").fetchone()[0] == "second"


def test_person_found_by_any_identity(store: Store) -> None:
    store.write(
        [
            r.Person(
                "Ann Lee",
                [r.Identity("email", "ann@acme.com"), r.Identity("phone", "+44 20 7946 0958")],
            )
        ],
        "a",
    )
    # A second source knows her by phone only, written differently, plus a new address.
    result = store.write(
        [
            r.Person(
                "Ann",
                [r.Identity("phone", "0044 (20) 7946-0958"), r.Identity("email", "ann@home.org")],
                title="CTO",
            )
        ],
        "b",
    )
    assert result.new_people == 0 and result.merged == 1
    assert store.counts()["people"] == 1
    idents = {row["value"] for row in store.db.query("select value from identities")}
    assert idents == {"ann@acme.com", "+442079460958", "ann@home.org"}
    assert store.person(1)["title"] == "CTO"
    assert store.person(1)["name"] == "Ann Lee"  # never overwritten


def test_profile_urls_are_normalised(store: Store) -> None:
    store.write([r.Person("Kim", [r.Identity("url", "https://www.linkedin.com/in/KimPark/")])], "a")
    store.write([r.Person("Kim Park", [r.Identity("url", "uk.linkedin.com/in/kimpark")])], "b")
    assert store.counts()["people"] == 1


def test_own_addresses_never_become_people() -> None:
    s = Store.open(None, noise=NoiseRules(me=["Me@Example.com"]))
    result = s.write(
        [
            mail("m1", "me@example.com", "out"),
            r.Person("Me", [r.Identity("email", "me@example.com")]),
        ],
        "t",
    )
    assert result.skipped["own address"] == 1
    assert (
        s.db.execute("select count(*) from identities where value = 'me@example.com'").fetchone()[0]
        == 0
    )
    s.close()


def test_inbound_only_waits_in_triage_until_the_user_writes(store: Store) -> None:
    store.write([mail("m1", "stranger@x.com", "in", name="Stranger")], "t")
    assert store.counts()["people"] == 0
    row = store.db.execute("select person_id from interactions").fetchone()
    assert row[0] is None
    store.write([mail("m2", "stranger@x.com", "out")], "t")
    assert store.counts()["people"] == 1
    person = store.person(1)
    assert person["name"] == "Stranger" and person["triage"] == 1
    # The earlier inbound mail is attached to the new person too.
    assert (
        store.db.execute("select count(*) from interactions where person_id = 1").fetchone()[0] == 2
    )


def test_noise_is_counted_not_dropped_silently() -> None:
    s = Store.open(None, noise=NoiseRules(blocklist=["@spam.biz", "boss@x.com"]))
    result = s.write(
        [
            mail("1", "noreply@shop.com", "in"),
            mail("2", "a@spam.biz", "out"),
            mail("3", "a@mail.spam.biz", "out"),
            mail("4", "boss@x.com", "out"),
        ],
        "t",
    )
    assert result.skipped == {"role address": 1, "blocklist": 3}
    assert result.seen == 4
    s.close()


def test_bad_records_are_rejected_with_reason_and_the_rest_stored(store: Store) -> None:
    result = store.write(
        [
            mail("ok", "a@x.com"),
            r.Interaction("bad", "telepathy", "out", T0, r.Identity("email", "a@x.com")),
            r.Interaction("bad2", "email", "out", T0, r.Identity("email", "not-an-address")),
            r.Commitment(r.Identity("email", "nobody@x.com"), "thing", dt.date(2026, 3, 2)),
        ],
        "src",
    )
    assert result.imported == 1
    reasons = [x["reason"] for x in result.rejected]
    assert any("telepathy" in x for x in reasons)
    assert any("not-an-address" in x for x in reasons)
    assert any("no person" in x for x in reasons)


def test_a_record_for_true_instead_of_a_person_is_rejected_not_taken_for_id_1(store: Store) -> None:
    store.write([mail("ok", "a@x.com")], "src")
    result = store.write(
        [r.Commitment(True, "thing", dt.date(2026, 3, 2)), mail("ok2", "a@x.com")], "src"
    )
    assert [x["reason"] for x in result.rejected] == ["not a person id nor an identity: True"]
    assert result.imported == 1
    assert store.db.execute("select count(*) from commitments").fetchone()[0] == 0


def test_a_failing_batch_changes_nothing(store: Store) -> None:
    store.write([mail("m1", "a@x.com")], "t")
    before = store.counts()
    store.db.execute(
        "create trigger boom before insert on interactions "
        "when new.subject = 'boom' begin select raise(abort, 'boom'); end"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.write_batch([mail("m2", "b@x.com"), mail("m3", "c@x.com", subject="boom")], "t")
    assert store.counts() == before


def test_resolve_person_by_id_email_and_name(store: Store) -> None:
    store.write(
        [
            r.Person("Ann Lee", [r.Identity("email", "ann@acme.com")]),
            r.Person("Ann Other", [r.Identity("email", "ao@x.com")]),
            r.Person("Bob Stone", [r.Identity("phone", "+1 415 555 0100")]),
        ],
        "t",
    )
    assert store.resolve_person("ANN@acme.com") == 1
    assert store.resolve_person("2") == 2
    assert store.resolve_person("bob") == 3
    assert store.resolve_person("+14155550100") == 3
    assert store.resolve_person("ann lee") == 1
    with pytest.raises(Ambiguous, match="Ann Lee.*Ann Other|Ann Other.*Ann Lee"):
        store.resolve_person("ann")
    with pytest.raises(NotFound):
        store.resolve_person("zed")
    with pytest.raises(NotFound):
        store.resolve_person("who@nowhere.com")


def _everything(store: Store, pid: int) -> dict[str, int]:
    return {
        t: store.db.execute(f"select count(*) from {t} where person_id = ?", [pid]).fetchone()[0]
        for t in ("identities", "interactions", "commitments", "value_moments", "goals", "notes")
    }


def test_merge_keeps_everything_and_undo_restores(store: Store) -> None:
    a, b = r.Identity("email", "ann@acme.com"), r.Identity("email", "ann@home.org")
    store.write(
        [
            r.Person("Ann Lee", [a]),
            r.Person("Annie", [b], org="Home", tier="key"),
            mail("m1", "ann@acme.com"),
            mail("m2", "ann@home.org"),
            mail("m3", "ann@home.org", "in"),
            r.Note(b, "their words", T0, their_words=True),
            r.Commitment(b, "send deck", dt.date(2026, 3, 5)),
            r.ValueMoment(b, "intro", "given", T0),
            r.Goal(a, "raise a round", T0),
        ],
        "t",
    )
    before_a, before_b = _everything(store, 1), _everything(store, 2)
    merge_people(store, 1, 2)
    after = _everything(store, 1)
    assert after == {k: before_a[k] + before_b[k] for k in after}
    assert store.person(2)["merged_into"] == 1
    assert store.person(1)["tier"] == "key"
    assert store.resolve_person("ann@home.org") == 1
    # New mail to the merged-away address lands on the kept person.
    store.write([mail("m4", "ann@home.org")], "t")
    assert _everything(store, 1)["interactions"] == after["interactions"] + 1
    undo_last_merge(store)
    assert store.person(2)["merged_into"] is None
    # ... and goes back with the address when the merge is undone
    restored = _everything(store, 2)
    assert restored == {**before_b, "interactions": before_b["interactions"] + 1}
    assert _everything(store, 1) == before_a
    assert store.person(1)["tier"] == "none"
    with pytest.raises(CrbError, match="no merge to undo"):
        undo_last_merge(store)


def test_fts_covers_names_orgs_notes_and_subjects(store: Store) -> None:
    store.write(
        [
            r.Person("Zoë Quill", [r.Identity("email", "zq@x.com")], org="Blue Heron"),
            mail("m1", "zq@x.com", subject="Quarterly roadmap"),
            r.Note(r.Identity("email", "zq@x.com"), "allergic to peanuts", T0),
        ],
        "t",
    )
    q = store.db.execute
    assert q("select rowid from people_fts where people_fts match 'quill'").fetchall() == [(1,)]
    assert (
        q(
            "select count(*) from organizations_fts where organizations_fts match 'heron'"
        ).fetchone()[0]
        == 1
    )
    assert q("select count(*) from notes_fts where notes_fts match 'peanuts'").fetchone()[0] == 1
    assert (
        q(
            "select count(*) from interactions_fts where interactions_fts match 'roadmap'"
        ).fetchone()[0]
        == 1
    )


def test_bulk_load_rebuilds_fts_and_restores_triggers(store: Store) -> None:
    triggers = store.db.execute(
        "select count(*) from sqlite_master where type = 'trigger'"
    ).fetchone()[0]
    with store.bulk_load():
        store.db.execute("insert into people (name, created) values ('Quentin Blake', 'x')")
    assert store.db.execute(
        "select rowid from people_fts where people_fts match 'quentin'"
    ).fetchall() == [(1,)]
    assert (
        store.db.execute("select count(*) from sqlite_master where type = 'trigger'").fetchone()[0]
        == triggers
    )
    # Triggers work again after the load.
    store.write([r.Person("Rosa Parks", [r.Identity("email", "rp@x.com")])], "t")
    assert (
        store.db.execute(
            "select count(*) from people_fts where people_fts match 'rosa'"
        ).fetchone()[0]
        == 1
    )


def test_failed_bulk_load_leaves_nothing_behind(store: Store) -> None:
    triggers = store.db.execute(
        "select count(*) from sqlite_master where type = 'trigger'").fetchone()[0]
    with pytest.raises(RuntimeError), store.bulk_load():
        store.db.execute("insert into people (name, created) values ('Half Done', 'x')")
        raise RuntimeError("interrupted")
    assert store.counts()["people"] == 0
    assert (
        store.db.execute("select count(*) from sqlite_master where type = 'trigger'").fetchone()[0]
        == triggers
    )


def test_role_addresses_never_join_two_people(store: Store) -> None:
    store.write(
        [
            r.Person(
                "Ann", [r.Identity("email", "ann@acme.com"), r.Identity("email", "sales@acme.com")]
            ),
            r.Person(
                "Bo", [r.Identity("email", "bo@acme.com"), r.Identity("email", "sales@acme.com")]
            ),
        ],
        "t",
    )
    assert store.counts()["people"] == 2
    assert store.find_identity("email", "sales@acme.com") is None


def test_same_key_twice_in_a_batch_last_wins(store: Store) -> None:
    result = store.write(
        [mail("m1", "a@x.com", subject="old"), mail("m1", "a@x.com", subject="new")], "t"
    )
    assert result.imported == 1 and result.unchanged == 1
    assert store.db.execute("select subject from interactions").fetchall() == [("new",)]


def test_waiting_mail_in_the_same_batch_joins_the_new_person(store: Store) -> None:
    result = store.write([mail("m1", "x@y.com", "in"), mail("m2", "x@y.com", "out")], "t")
    assert result.new_people == 1
    assert (
        store.db.execute("select count(*) from interactions where person_id is null").fetchone()[0]
        == 0
    )
    again = store.write([mail("m1", "x@y.com", "in"), mail("m2", "x@y.com", "out")], "t")
    assert again.unchanged == 2 and again.updated == 0


def test_delete_removes_only_this_sources_rows_and_counts_them(store: Store) -> None:
    store.write(
        [
            mail("msg:1|a@x.com", "a@x.com"),
            mail("msg:1|b@x.com", "b@x.com"),
            mail("msg:2|a@x.com", "a@x.com"),
        ],
        "gmail",
    )
    store.write([mail("msg:3|a@x.com", "a@x.com")], "mbox")
    result = store.write(
        [
            r.Delete(prefix="msg:1|", reason="deleted in Gmail"),
            r.Delete(source_key="msg:3|a@x.com", reason="not mine"),
        ],
        "gmail",
    )
    # Nothing removed for "not mine" (another source's row): no count of 0 in the summary.
    assert result.removed == {"deleted in Gmail": 2}
    keys = [row[0] for row in store.db.execute("select source_key from interactions order by 1")]
    assert keys == ["msg:2|a@x.com", "msg:3|a@x.com"]
    assert result.touched_people == {1, 2}
    assert store.write([r.Delete()], "gmail").rejected[0]["reason"].startswith("a Delete needs")


def test_the_core_migration_names_are_listed_for_quick_opening() -> None:
    from crb_tui.store.migrations import core
    from crb_tui.store.store import CORE_MIGRATIONS

    assert tuple(m.name for m in core._migrations) == CORE_MIGRATIONS


def test_opening_an_up_to_date_store_does_not_load_sqlite_utils(tmp_path: Path) -> None:
    import subprocess
    import sys

    Store.open(tmp_path / "crb.db").close()
    code = (
        "import sys\n"
        "from crb_tui.store import Store\n"
        "from crb_tui.store.queries import count_people, list_people\n"
        f"s = Store.open({str(tmp_path / 'crb.db')!r})\n"
        "count_people(s); list_people(s, sort='health', limit=5)\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
