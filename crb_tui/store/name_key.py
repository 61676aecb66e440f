"""The order of names: ``people.name_key``, each person's name folded as search folds it
(:func:`crb_tui.text.fold`: "Íñigo" sorts with the I's, "Łukasz" with the L's, "Søren" with the
O's), indexed so that the people list sorted by name is an index walk at any size.

The store keeps it: every connection :meth:`Store.open` opens folds a name in the statement
that writes it (temporary triggers of that connection, :func:`keep_name_keys`), so no insert,
rename, restore, merge or undo by CRB can leave a key behind its name. A program other than
CRB that writes names (the ``sqlite3`` shell) does not fail for want of CRB's function; its
names keep their old place in the order until CRB writes them again.
"""

from __future__ import annotations

import sqlite3

from crb_tui.text import fold

FOLD = "crb_fold"
"""The SQL function that folds text (case, accents and strokes aside) on CRB's connections."""

_INSERT_TRIGGER = "people_name_key_insert"
_TRIGGERS = tuple(
    f"create temp trigger if not exists people_name_key_{name} after {event} on main.people "
    f"when new.name_key is not {FOLD}(new.name) "
    f"begin update people set name_key = {FOLD}(new.name) where id = new.id; end"
    for name, event in (("insert", "insert"), ("update", "update of name, name_key"))
)


def _fold_value(value: object) -> str | None:
    # A name is text; SQLite would still store a number given for one (dynamic typing).
    return None if value is None else fold(str(value))


def register_fold(conn: sqlite3.Connection) -> None:
    """Make :data:`FOLD` callable on ``conn`` (the migration that fills the keys needs it)."""
    conn.create_function(FOLD, 1, _fold_value, deterministic=True)


def keep_name_keys(conn: sqlite3.Connection) -> None:
    """Fold every name ``conn`` writes into its ``name_key`` from now on (``conn``'s own
    triggers: other connections to the file are not bound to CRB's function)."""
    for sql in _TRIGGERS:
        conn.execute(sql)


def set_aside_for_bulk_load(conn: sqlite3.Connection) -> None:
    """Stop folding each inserted name (a bulk load gives most keys itself: the trigger would
    only fold each name again to compare); :func:`fold_bulk_loaded` ends it. In the bulk
    load's transaction, so a load that fails gets the trigger back with its rollback."""
    conn.execute(f"drop trigger if exists temp.{_INSERT_TRIGGER}")


def fold_bulk_loaded(conn: sqlite3.Connection, after_id: int) -> None:
    """Fold the names of the people above ``after_id`` that came without a key, in one
    statement, and fold each name inserted from now on again."""
    conn.execute(f"update people set name_key = {FOLD}(name) where id > ? and name_key is null",
                 [after_id])
    keep_name_keys(conn)
