"""The core schema as named, append-only migrations. Never edit one that shipped: add one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

core = Migrations("crb_core")


@core()
def m001_initial(db: Database) -> None:
    db.table("organizations").create(
        {"id": int, "name": str, "domain": str, "created": str}, pk="id", not_null={"name"}
    )
    db.table("organizations").create_index(["name"], unique=True)
    db.table("people").create(
        {
            "id": int,
            "name": str,
            "org_id": int,
            "title": str,
            "tier": str,
            "cadence_days": int,
            "stage_override": str,
            "archived": int,
            "snoozed_until": str,
            "triage": int,
            "birthday": str,
            "details": str,
            "source": str,
            "source_key": str,
            "merged_into": int,
            "created": str,
            "updated": str,
        },
        pk="id",
        not_null={"name"},
        defaults={"tier": "none", "archived": 0, "triage": 0, "details": "{}"},
        foreign_keys=[("org_id", "organizations", "id"), ("merged_into", "people", "id")],
    )
    db.table("people").create_index(["source_key"], unique=True)
    db.table("people").create_index(["org_id"])
    db.table("identities").create(
        {
            "id": int,
            "person_id": int,
            "kind": str,
            "value": str,
            "display_name": str,
            "source": str,
            "first_seen": str,
        },
        pk="id",
        not_null={"kind", "value"},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("identities").create_index(["kind", "value"], unique=True)
    db.table("identities").create_index(["person_id"])
    db.table("interactions").create(
        {
            "id": int,
            "person_id": int,
            "identity_id": int,
            "kind": str,
            "direction": str,
            "at": str,
            "subject": str,
            "thread": str,
            "duration_minutes": int,
            "source": str,
            "source_key": str,
        },
        pk="id",
        not_null={"kind", "direction", "at", "source_key"},
        foreign_keys=[("person_id", "people", "id"), ("identity_id", "identities", "id")],
    )
    db.table("interactions").create_index(["source_key"], unique=True)
    db.table("interactions").create_index(["person_id", "at"])
    db.table("interactions").create_index(["identity_id"])
    db.table("commitments").create(
        {
            "id": int,
            "person_id": int,
            "text": str,
            "due": str,
            "status": str,
            "direction": str,
            "created": str,
            "closed_at": str,
            "source": str,
            "source_key": str,
        },
        pk="id",
        not_null={"person_id", "text", "due", "status"},
        defaults={"status": "open", "direction": "out"},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("commitments").create_index(["source_key"], unique=True)
    db.table("commitments").create_index(["person_id"])
    db.table("commitments").create_index(["status", "due"])
    db.table("value_moments").create(
        {
            "id": int,
            "person_id": int,
            "kind": str,
            "direction": str,
            "at": str,
            "note": str,
            "amount": float,
            "source": str,
            "source_key": str,
        },
        pk="id",
        not_null={"person_id", "kind", "direction", "at"},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("value_moments").create_index(["source_key"], unique=True)
    db.table("value_moments").create_index(["person_id", "at"])
    db.table("goals").create(
        {
            "id": int,
            "person_id": int,
            "text": str,
            "confirmed_at": str,
            "created": str,
            "active": int,
            "source": str,
            "source_key": str,
        },
        pk="id",
        not_null={"person_id", "text", "confirmed_at"},
        defaults={"active": 1},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("goals").create_index(["source_key"], unique=True)
    db.table("goals").create_index(["person_id"])
    db.table("notes").create(
        {
            "id": int,
            "person_id": int,
            "at": str,
            "text": str,
            "their_words": int,
            "source": str,
            "source_key": str,
        },
        pk="id",
        not_null={"person_id", "at", "text"},
        defaults={"their_words": 0},
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("notes").create_index(["source_key"], unique=True)
    db.table("notes").create_index(["person_id"])
    db.table("sync_state").create(
        {
            "source": str,
            "cursor": str,
            "last_run": str,
            "last_ok": str,
            "counts": str,
            "last_error": str,
        },
        pk="source",
    )
    db.table("ignored").create(
        {"id": int, "kind": str, "value": str, "reason": str, "created": str}, pk="id"
    )
    db.table("ignored").create_index(["kind", "value"], unique=True)
    db.table("merges").create(
        {"id": int, "at": str, "kept_id": int, "merged_id": int, "snapshot": str, "undone_at": str},
        pk="id",
    )
    db.table("review_history").create(
        {
            "id": int,
            "at": str,
            "day": str,
            "person_id": int,
            "item_kind": str,
            "action": str,
            "detail": str,
        },
        pk="id",
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("review_history").create_index(["day"])


@core()
def m002_fts(db: Database) -> None:
    db.table("people").enable_fts(["name"], fts_version="FTS5", create_triggers=True)
    db.table("organizations").enable_fts(["name"], fts_version="FTS5", create_triggers=True)
    db.table("notes").enable_fts(["text"], fts_version="FTS5", create_triggers=True)
    db.table("interactions").enable_fts(["subject"], fts_version="FTS5", create_triggers=True)


@core()
def m003_health_cache(db: Database) -> None:
    """Scores computed by crb_tui.engine.health, kept so lists can sort and page in SQL."""
    db.table("health").create(
        {
            "person_id": int,
            "warmth": int,
            "trust": int,
            "value": int,
            "health": int,
            "health_past": int,
            "trend": str,
            "stage": str,
            "one_sided": int,
            "last_touch": str,
            "last_two_way": str,
            "cadence_days": int,
            "overdue": float,
            "computed_on": str,
        },
        pk="person_id",
        foreign_keys=[("person_id", "people", "id")],
    )
    db.table("health").create_index(["health"])
    db.table("health").create_index(["last_touch"])
    db.table("health").create_index(["overdue"])


@core()
def m004_interactions_covering_index(db: Database) -> None:
    """Lets the health engine's per-person scans read the index alone (about 1.5x faster)."""
    db.execute(
        "create index if not exists idx_interactions_person_at_dir_kind "
        "on interactions (person_id, at, direction, kind)"
    )
    db.execute("drop index if exists idx_interactions_person_id_at")


@core()
def m005_list_order_indexes(db: Database) -> None:
    """Every sort of the people list walks an index instead of sorting 100,000 rows.

    The list drives from the health cache, so every person gets a row there from the moment
    they exist (empty until the health engine scores them); the sorts' tie-breaks are columns of
    the same index, and whether a person is listed at all (not archived, not merged) is read
    from a small covering index instead of the wide people rows.
    """
    db.execute(
        "create trigger if not exists people_health_row after insert on people "
        "begin insert or ignore into health (person_id) values (new.id); end"
    )
    db.execute("insert or ignore into health (person_id) select id from people")
    db.execute(
        "create index if not exists idx_health_list_health on health (health, overdue desc, "
        "person_id)"
    )
    db.execute(
        "create index if not exists idx_health_list_last_touch on health (last_touch, person_id)"
    )
    db.execute("create index if not exists idx_health_list_overdue on health (overdue, person_id)")
    for old in ("idx_health_health", "idx_health_last_touch", "idx_health_overdue"):
        db.execute(f"drop index if exists {old}")
    db.execute(
        "create index if not exists idx_people_name_nocase on people "
        "(name collate nocase, archived, merged_into)"
    )
    db.execute("create index if not exists idx_people_listed on people (archived, merged_into)")


@core()
def m006_health_computed_on_index(db: Database) -> None:
    """Finds the scores that are not as of today (a new day, or people a write left unscored)
    without reading the whole health table: what every command and the app check first."""
    db.execute("create index if not exists idx_health_computed_on on health (computed_on)")


@core()
def m007_calendars_meetings_by_time(db: Database) -> None:
    """Meetings by their start: today's meetings for the review's briefs, and the meetings
    that have started since the scores were computed (a score counts only what has happened),
    found without reading every interaction."""
    db.execute(
        "create index if not exists idx_interactions_meetings_at on interactions "
        "(at, person_id) where kind = 'meeting'"
    )


@core()
def m008_health_series_index(db: Database) -> None:
    """Meetings and calls by person, kind and title, in a partial index (only those rows): the
    health engine sums each recurring series from the index alone, without reading the table."""
    db.execute(
        "create index if not exists idx_interactions_series "
        "on interactions (person_id, kind, subject, at) where kind in ('meeting', 'call')"
    )


@core()
def m009_state_source_state(db: Database) -> None:
    """A source's own key-value state (``ctx.state``): what it needs to remember between runs
    besides its cursor (the Google sources' map from Google ids to CRB records). Written in the
    same transactions as the records, so a dry run or a failed write keeps neither. Keyed by
    source, namespace and key; a namespace's keys are read in order by prefix from the key
    itself (no rowid, no other index)."""
    db.execute(
        "create table if not exists source_state (source text not null, ns text not null, "
        "key text not null, value text not null, primary key (source, ns, key)) without rowid"
    )


@core()
def m010_health_model_key(db: Database) -> None:
    """Which model computed the stored scores: a key of the health model's code, its settings
    and the plugins that add signals. Scores computed by another (CRB upgraded, ``[health]``
    or ``[cadence]`` edited, a scoring plugin added) are recomputed, not shown until tomorrow."""
    db.execute(
        "create table if not exists health_model (id integer primary key check (id = 1), "
        "key text not null)"
    )


@core()
def m011_review_queue(db: Database) -> None:
    """Who was in each day's review when it was shown: acting on one of them counts as review
    work done (the day's size stays); acting on anyone else does not take a place from it."""
    db.execute(
        "create table if not exists review_queue (day text not null, person_id integer not null,"
        " primary key (day, person_id)) without rowid"
    )


@core()
def m012_recompute_health_basis(db: Database) -> None:
    """A carried basis for the daily full health recompute: per person, the aggregates of their
    interactions before a cut-off (``health_basis``, see ``crb_tui.store.health_basis``), so a
    new day reads one row per person instead of every interaction. Any insert, move or
    deletion of an interaction drops its person's row in the same transaction (triggers), and
    the next recompute rebuilds it from the interactions themselves."""
    from crb_tui.store import health_basis

    for statement in health_basis.SCHEMA:
        db.execute(statement)


@core()
def m013_writespeed_subject_index_batches(db: Database) -> None:
    """The write path indexes the subjects of a batch's new interactions with one statement
    (``store.subject_index``): the insert trigger skips rows while ``interactions_fts_later``
    has a row, which only the write path's own uncommitted transaction ever sees. A change of
    person (claim, merge, undo) leaves the index alone: only a change of subject updates it."""
    db.execute("create table if not exists interactions_fts_later (paused integer)")
    db.execute("drop trigger if exists interactions_ai")
    db.execute(
        "create trigger interactions_ai after insert on interactions "
        "when not exists (select 1 from interactions_fts_later) begin "
        "insert into interactions_fts (rowid, subject) values (new.rowid, new.subject); end"
    )
    db.execute("drop trigger if exists interactions_au")
    db.execute(
        "create trigger interactions_au after update of subject on interactions begin "
        "insert into interactions_fts (interactions_fts, rowid, subject) "
        "values ('delete', old.rowid, old.subject); "
        "insert into interactions_fts (rowid, subject) values (new.rowid, new.subject); end"
    )


@core()
def m014_reviewfix_queue_kind(db: Database) -> None:
    """The kind of item each person was first shown with in a day's review: the new people to
    triage shown that day hold the day's triage places, so working on them (a touch logged,
    one accepted) never lets more new people in."""
    db.execute("alter table review_queue add column kind text")


@core()
def m015_polish_name_key(db: Database) -> None:
    """Names in the order a reader expects (``people.name_key``, see
    ``crb_tui.store.name_key``): "Íñigo" with the I's, "Łukasz" with the L's, by an index. The
    names' full-text index is now updated when a name changes only, not on every write of a
    person (a key folded, a tier set): the same index, less work."""
    db.execute("drop trigger if exists people_au")
    db.execute(
        "create trigger people_au after update of name on people begin "
        "insert into people_fts (people_fts, rowid, name) values ('delete', old.rowid, old.name); "
        "insert into people_fts (rowid, name) values (new.rowid, new.name); end"
    )
    from crb_tui.store.name_key import FOLD

    db.execute("alter table people add column name_key text")
    db.execute(f"update people set name_key = {FOLD}(name)")
    db.execute(
        "create index if not exists idx_people_name_key on people "
        "(name_key, archived, merged_into)"
    )


@core()
def m016_review_queue_promises_seen(db: Database) -> None:
    """Which promises existed when each person was first shown in a day's review (the highest
    commitment id then): a promise made after the day's first look takes a place of its own;
    one made before it was judged at that look."""
    db.execute("alter table review_queue add column promises_seen integer")


@core()
def m017_imp_people_index_batches(db: Database) -> None:
    """The write path indexes the names of a batch's new people for search and gives them their
    health rows with one statement each (``store.people_index``): the insert triggers skip
    rows while ``people_fts_later`` has a row, which only the write path's own uncommitted
    transaction ever sees. Every other writer (the CLI's ``crb add``, a restore, other
    programs) is served by the triggers as before."""
    db.execute("create table if not exists people_fts_later (paused integer)")
    db.execute("drop trigger if exists people_ai")
    db.execute(
        "create trigger people_ai after insert on people "
        "when not exists (select 1 from people_fts_later) begin "
        "insert into people_fts (rowid, name) values (new.rowid, new.name); end"
    )
    db.execute("drop trigger if exists people_health_row")
    db.execute(
        "create trigger people_health_row after insert on people "
        "when not exists (select 1 from people_fts_later) begin "
        "insert or ignore into health (person_id) values (new.id); end"
    )


@core()
def m018_health_read_time(db: Database) -> None:
    """Scores worked out when they are read (``crb_tui.store.health_view``): the stored scores
    become the parameters they are worked out from (``health_params``), read through the view
    ``health`` with the day and settings of ``health_model``, so that a new day rescores only
    the people whose facts change. The old scores are dropped: the next read computes them."""
    from crb_tui.store import health_view

    db.execute("drop trigger if exists people_health_row")
    db.execute("drop table if exists health")
    for statement in health_view.SCHEMA:
        db.execute(statement)
    for column in ("day text", "day_jd real", "latest real",
                   *(f"{name} real" for name in health_view.MODEL_SETTINGS)):
        db.execute(f"alter table health_model add column {column}")
    db.execute("delete from health_model")
    db.execute(health_view.VIEW)


@core()
def m019_health_read_time_any_writer(db: Database) -> None:
    """More writes any program makes mark the people they change to be scored again (trial 11):
    a meeting or call renamed (series of time together are grouped by title), anything about a
    person or their goals and notes (a plugin's signals may read them); and the parameters of
    a person another program deleted go with them."""
    from crb_tui.store import health_view

    db.execute("drop trigger if exists health_params_person_changed")
    for statement in health_view.MORE_TRIGGERS:
        db.execute(statement)
    db.execute("delete from health_params where person_id not in (select id from people)")
