"""The people list sorted by name: names in the order a reader of a Latin alphabet expects (Í with
the I's, Ł with the L's, Ø with the O's), folded by search's own rule into ``people.name_key``,
which the store keeps with every write of a name and the list walks by its index."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from crb_tui import records as r
from crb_tui.store import Store
from crb_tui.store.merge import merge_people, undo_last_merge
from crb_tui.store.migrations import core
from crb_tui.store.queries import list_people, people_ids
from crb_tui.text import fold
from tests.conftest import Crb, rows

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
NAMES = ["Zoë Lefèvre", "Łukasz Nowak", "Stefan Novak", "Søren Richter", "Íñigo van der Berg",
         "Ida Holm", "Lars Berg", "Olav Dahl", "Øystein Berg", "Tom Ek", "Maja Ek"]
IN_ORDER = ["Ida Holm", "Íñigo van der Berg", "Lars Berg", "Łukasz Nowak", "Maja Ek",
            "Olav Dahl", "Øystein Berg", "Søren Richter", "Stefan Novak", "Tom Ek", "Zoë Lefèvre"]


def _email(n: int) -> r.Identity:
    return r.Identity("email", f"p{n}@example.com")


def _people(names: list[str]) -> list[r.Record]:
    return [r.Person(name, [_email(n)]) for n, name in enumerate(names)]


def _by_name(store: Store) -> list[str]:
    return [str(row["name"]) for row in list_people(store, sort="name")]


def _keys_follow_names(store: Store) -> None:
    for name, key in store.conn.execute("select name, name_key from people"):
        assert key == fold(name), name


def test_names_sort_with_their_base_letter(store: Store) -> None:
    store.write(_people(NAMES), "t")
    assert _by_name(store) == IN_ORDER
    # the list's other reading (every id, then pages of rows) has the same order
    ids = people_ids(store, sort="name")
    assert [store.person(pid)["name"] for pid in ids] == IN_ORDER
    _keys_follow_names(store)


def test_a_renamed_person_moves_to_their_new_place(store: Store) -> None:
    # Known by address only (mail sent to them), then named by a contact card: the write
    # path's rename ...
    zed = r.Identity("email", "zed@example.com")
    store.write([*_people(["Lars Berg", "Maja Ek"]),
                 r.Interaction("m1", "email", "out", T0, zed, subject="hi")], "t")
    assert _by_name(store) == ["Lars Berg", "Maja Ek", "zed@example.com"]
    store.write([r.Person("Łukasz Nowak", [zed])], "t")
    assert _by_name(store) == ["Lars Berg", "Łukasz Nowak", "Maja Ek"]
    # ... and a name written by any statement on the store's connection
    store.conn.execute("update people set name = 'Øystein Berg' where name = 'Lars Berg'")
    assert _by_name(store) == ["Łukasz Nowak", "Maja Ek", "Øystein Berg"]
    _keys_follow_names(store)


def test_merge_and_its_undo_keep_everyone_in_place(store: Store) -> None:
    store.write(_people(NAMES), "t")
    ids = {row["name"]: row["id"] for row in list_people(store, sort="name")}
    merge_people(store, ids["Søren Richter"], ids["Íñigo van der Berg"])
    assert _by_name(store) == [n for n in IN_ORDER if n != "Íñigo van der Berg"]
    undo_last_merge(store)
    assert _by_name(store) == IN_ORDER
    _keys_follow_names(store)


def test_imported_and_restored_names_sort_as_typed(crb: Crb, tmp_path: Path) -> None:
    cards = tmp_path / "contacts.vcf"
    cards.write_text("".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEMAIL:p{n}@example.com\r\nEND:VCARD\r\n"
        for n, name in enumerate(NAMES)), encoding="utf-8")
    crb("import", str(cards))
    listed = crb.json("people", "--sort", "name")
    assert [p["name"] for p in listed["people"]] == IN_ORDER  # type: ignore[index]
    # search reads the letters the same way
    found = crb.json("people", "--search", "lukasz")
    assert [p["name"] for p in found["people"]] == ["Łukasz Nowak"]  # type: ignore[index]
    found = crb.json("people", "--search", "oystein")
    assert [p["name"] for p in found["people"]] == ["Øystein Berg"]  # type: ignore[index]
    # A CRB export restored into a new file: its keys are folded again, whatever it holds
    export = tmp_path / "export.json"
    crb("export", "--output", str(export))
    document = json.loads(export.read_text(encoding="utf-8"))
    assert all("name_key" not in person for person in document["tables"]["people"])  # derived
    for person in document["tables"]["people"]:
        person["name_key"] = "zzz"  # (a key in the file, made by hand: not believed)
    export.write_text(json.dumps(document), encoding="utf-8")
    restored = Crb(tmp_path / "restored.db", crb.config)
    restored("import", str(export))
    listed = restored.json("people", "--sort", "name")
    assert [p["name"] for p in listed["people"]] == IN_ORDER  # type: ignore[index]
    assert rows(restored.db, "select count(*) from people where name_key = 'zzz'") == [(0,)]


def test_the_demo_lists_accented_names_with_their_letter(crb: Crb) -> None:
    crb("demo")
    names = [p["name"] for p in crb.json("people", "--sort", "name")["people"]]  # type: ignore[index]
    keys = [fold(n) for n in names]
    assert keys == sorted(keys)
    first = {n.split()[0]: i for i, n in reversed(list(enumerate(names)))}
    assert first["Ingrid"] < names.index("Íñigo van der Berg") < first["Isla"]
    assert names.index("Łukasz Nowak") < first["Malik"]
    assert names.index("Søren Richter") < names.index("Stefan Novak")
    assert names.index("Zoë Lefèvre") > names.index("William Şahin")


def test_the_name_sort_walks_its_index(store: Store) -> None:
    store.write(_people(NAMES), "t")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        list_people(store, sort="name", limit=5)
        people_ids(store, sort="name")
    finally:
        store.conn.set_trace_callback(None)
    listing = [s for s in statements if "order by p.name_key" in s]
    assert len(listing) == 2
    for sql in listing:
        # (the two queries bind only integers: the limit and offset)
        plan = " | ".join(row[3] for row in store.conn.execute(f"explain query plan {sql}"))
        assert "USING COVERING INDEX idx_people_name_key" in plan or \
            "USING INDEX idx_people_name_key" in plan, plan
        # sorted by the index: at most the ties of one name are put in id order
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_a_bulk_load_folds_the_names_it_was_not_given_a_key_for(store: Store) -> None:
    with store.bulk_load():  # (the demo's way: its keys given, the insert trigger set aside)
        store.conn.execute("insert into people (name, name_key, created) "
                           "values ('Łukasz Nowak', 'lukasz nowak', '')")
        store.conn.execute("insert into people (name, created) values ('Øystein Berg', '')")
    store.conn.execute("insert into people (name, created) values ('Íñigo van der Berg', '')")
    assert _by_name(store) == ["Íñigo van der Berg", "Łukasz Nowak", "Øystein Berg"]
    _keys_follow_names(store)


def test_an_older_database_gets_its_keys(db_path: Path) -> None:
    db = Database(db_path)
    core.apply(db, stop_before="m015_polish_name_key")
    for n, name in enumerate(NAMES):
        db.execute("insert into people (id, name, created) values (?, ?, '')", [n + 1, name])
    db.conn.commit()
    db.close()
    store = Store.open(db_path)
    try:
        assert _by_name(store) == IN_ORDER
        _keys_follow_names(store)
    finally:
        store.close()


def test_a_name_written_outside_crb_is_kept(store: Store, db_path: Path) -> None:
    """Another program writing a name (the sqlite3 shell) does not fail for want of CRB's
    function; CRB folds the name again when it next writes it."""
    Store.open(db_path).close()
    other = sqlite3.connect(db_path)
    other.execute("insert into people (name, created) values ('Åsa Lind', '')")
    other.commit()
    other.close()
    reopened = Store.open(db_path)
    try:
        reopened.conn.execute("update people set name = 'Åsa Lindqvist'")
        assert reopened.conn.execute("select name_key from people").fetchall() == [
            ("asa lindqvist",)]
    finally:
        reopened.close()


def test_a_person_made_by_the_write_path_comes_with_their_name_key(store: Store) -> None:
    # New people from mail are inserted with their key: the connection's trigger only checks
    # it (one fold a person) instead of adding it with an update of the row (three folds).
    from crb_tui.store.name_key import FOLD, _fold_value

    folds: list[object] = []
    store.conn.create_function(FOLD, 1, lambda v: folds.append(v) or _fold_value(v),
                               deterministic=True)
    store.write([r.Interaction(f"m{n}", "email", "out", T0, _email(n), name=name)
                 for n, name in enumerate(NAMES)], "t")
    assert _by_name(store) == IN_ORDER
    _keys_follow_names(store)
    assert sorted(map(str, folds)) == sorted(NAMES)
