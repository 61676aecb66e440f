"""The one write path for what sources yield (``Store.write`` / ``write_batch``): identity
resolution (who is this address?), new people and their triage, deduplication by source key,
person-owned rows (commitments, value moments, goals, notes), deletes, and every record counted
once in the run's ``WriteResult``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from crb_tui import records as r
from crb_tui.identity import is_placeholder
from crb_tui.store import card_fields
from crb_tui.store.contact_keys import all_ignored, identityless_namesake, person_keys
from crb_tui.store.matching import Mailboxes, same_name
from crb_tui.store.owned_rows import Rejected as _Rejected
from crb_tui.store.owned_rows import owned_row
from crb_tui.store.people_index import NewPeople
from crb_tui.store.rekey import take_over
from crb_tui.store.resolving import follow_merges
from crb_tui.store.same_person import details_json, phone_fits
from crb_tui.store.subject_index import insert_interactions
from crb_tui.store.write_result import BATCH_SIZE, LINKEDIN_KEY, WriteResult, WriteTarget, iso
from crb_tui.text import fold

PREFETCH_CHUNK = 500


class _BatchWriter:
    """Writes one batch of records inside the caller's transaction."""

    def __init__(
        self, store: WriteTarget, source: str, stamp: str | None, result: WriteResult,
        card_keys: dict[tuple[str, str], int] | None = None,
    ) -> None:
        self.store = store
        self.db = store.db
        self.conn = store.conn
        self.source = source
        self.stamp = stamp
        self.result = result
        self._identity_cache: dict[tuple[str, str], tuple[int, int | None]] = {}
        self._absent: set[tuple[str, str]] = set()
        """Identities looked up (see ``prefetch``) and not in the store: no query needed."""
        self._live_ids: dict[int, int] = {}
        """Person -> the person that holds everything now (merges never happen in a batch)."""
        self._names: dict[int, str] = {}
        """Stored names of people read by ``prefetch``, for ``_name_if_bare``."""
        self._pending_interactions: list[tuple[r.Interaction, int, int | None]] = []
        self._claimed: dict[int, int] = {}  # identity -> the person it was given (see flush)
        self._named: set[int] = set()
        """People whose name this batch has already checked (see ``_name_if_bare``)."""
        self._mailboxes = Mailboxes()
        """Other spellings of one mailbox (``Ann.Example+crm@gmail.com``), see ``_twin``."""
        self._card_keys: dict[tuple[str, str], int] = {} if card_keys is None else card_keys
        """The run's contacts' addresses that identify no one (``contact_keys``) -> their person,
        kept across batches: a card's note in the next batch still finds its person."""
        self.new_people = NewPeople(self.conn)
        """New people indexed for search a batch at a time (caught up before any update)."""

    # identities ---------------------------------------------------------------------------

    def prefetch(self, batch: Sequence[r.Record]) -> None:
        """Look up every identity the batch's interactions name in one query per kind (and
        their people's merges and names), instead of one query per record."""
        keys: set[tuple[str, str]] = set()
        for record in batch:
            if isinstance(record, r.Interaction) and isinstance(record.with_, r.Identity):
                key = self.store.norm(record.with_)
                if key is not None:
                    keys.add(key)
        by_kind: dict[str, list[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, []).append(value)
        cache = self._identity_cache
        for kind, values in by_kind.items():
            for start in range(0, len(values), PREFETCH_CHUNK):
                chunk = values[start : start + PREFETCH_CHUNK]
                marks = ",".join("?" * len(chunk))
                for value, ident_id, person_id, merged_into, name in self.conn.execute(
                    "select i.value, i.id, i.person_id, p.merged_into, p.name "
                    "from identities i left join people p on p.id = i.person_id "
                    f"where i.kind = ? and i.value in ({marks})",
                    [kind, *chunk],
                ):
                    cache[(kind, value)] = (ident_id, person_id)
                    if person_id is not None and merged_into is None:
                        self._live_ids[person_id] = person_id
                        self._names[person_id] = name
        self._absent = keys.difference(cache)

    def _live(self, person_id: int) -> int:
        found = self._live_ids.get(person_id)
        if found is None:
            found = self._live_ids[person_id] = follow_merges(self.db, person_id)
        return found

    def _identity(self, key: tuple[str, str]) -> tuple[int, int | None] | None:
        hit = self._identity_cache.get(key)
        if hit is not None:
            return hit
        if key in self._absent:
            return None
        row = self.conn.execute(
            "select id, person_id from identities where kind = ? and value = ?", key
        ).fetchone()
        if row is None:
            return None
        self._identity_cache[key] = (row[0], row[1])
        return self._identity_cache[key]

    def _twin(self, key: tuple[str, str]) -> tuple[str, str] | None:
        return self._mailboxes.twin(self.db, key)

    def _add_identity(
        self, key: tuple[str, str], person_id: int | None, display: str | None
    ) -> int:
        cur = self.conn.execute(
            "insert into identities (person_id, kind, value, display_name, source, first_seen) "
            "values (?, ?, ?, ?, ?, ?)",
            [person_id, key[0], key[1], display, self.source, self.stamp],
        )
        ident_id = int(cur.lastrowid or 0)
        self._identity_cache[key] = (ident_id, person_id)
        self._absent.discard(key)
        self._mailboxes.stored(key, person_id is not None)
        return ident_id

    def _claim_identity(self, key: tuple[str, str], ident_id: int, person_id: int) -> None:
        """Attach a waiting (person-less) identity and its interactions to a person."""
        self.db.execute("update identities set person_id = ? where id = ?", [person_id, ident_id])
        claimed = self.db.execute(
            "update interactions set person_id = ? where identity_id = ? and person_id is null",
            [person_id, ident_id],
        ).rowcount
        self.result.waiting = max(0, self.result.waiting - max(0, claimed))
        # Interactions of this identity still waiting in this batch belong to the person too.
        self._claimed[ident_id] = person_id
        self._identity_cache[key] = (ident_id, person_id)
        self._mailboxes.stored(key, True)

    def _new_person(self, name: str, *, triage: bool, **fields: Any) -> int:
        row = {
            "name": name,
            # (the name's sort key given: the store's trigger then has nothing to fold again)
            "name_key": fold(name),
            "triage": int(triage),
            "created": self.stamp,
            "updated": self.stamp,
            "source": self.source,
            "details": "{}",
        }
        row.update({k: v for k, v in fields.items() if v is not None})
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.new_people.pause()
        cur = self.conn.execute(f"insert into people ({cols}) values ({marks})", list(row.values()))
        self.result.new_people += 1
        person_id = int(cur.lastrowid or 0)
        self._live_ids[person_id] = person_id
        self._names[person_id] = name
        return person_id

    # dispatch -----------------------------------------------------------------------------

    def write(self, record: r.Record) -> None:
        try:
            if isinstance(record, r.Interaction):
                self._interaction(record)
            elif isinstance(record, r.Person):
                self.flush()
                self._person(record)
            elif isinstance(record, r.Skip):
                self.result.skipped[record.reason] += 1
            elif isinstance(record, r.Delete):
                self.flush()  # what was yielded before the delete is stored first
                self._delete(record)
            elif isinstance(record, r.Reject):
                self.result.rejected.append({"where": record.where, "reason": record.reason})
            elif isinstance(record, r.Commitment | r.ValueMoment | r.Goal | r.Note):
                self.flush()
                self._owned(record)
            else:
                self._reject(record, f"not a CRB record: {type(record).__name__}")
        except _Rejected as exc:
            self._reject(record, str(exc))

    def _reject(self, record: Any, reason: str) -> None:
        self.result.rejected.append({"where": r.place(record, self.source), "reason": reason})

    # people -------------------------------------------------------------------------------

    def _person(self, rec: r.Person) -> None:
        name = (rec.name or "").strip()
        # Which addresses identify the card (own, blocked, placeholder, role ones): contact_keys.
        keys, dropped, weak = person_keys(self.store, rec)
        if rec.tier is not None and rec.tier not in r.TIERS:
            raise _Rejected(f"unknown tier {rec.tier!r}")
        if not name and not keys:
            raise _Rejected("no name and no identity")
        person_id: int | None = None
        shared: list[str] = []  # phone numbers of someone else (see same_person)
        for key, seen_as in self._lookups(rec, keys):
            hit = self._identity(seen_as) or self._identity(self._twin(seen_as) or seen_as)
            if hit and hit[1] is not None:
                found = self._live(hit[1])
                if key[0] != "phone" or phone_fits(self.db, found, name, keys):
                    person_id = found
                    break
                if key[1] not in shared:
                    shared.append(key[1])
        if person_id is None and rec.source_key:
            row = self.db.execute(
                "select id from people where source_key = ?", [rec.source_key]
            ).fetchone()
            if row:
                person_id = self._live(row[0])
        org_id = self.store.org_id(rec.org, self.stamp)
        if person_id is None:
            person_id = same_name(self.db, name, org_id, rec.title, keys, rec.source_key,
                                  LINKEDIN_KEY)
        if person_id is None and weak:
            person_id = identityless_namesake(self.db, name, org_id)
        if person_id is None and all_ignored(self.store, keys, dropped):
            self.result.skipped["blocklist"] += 1  # never a person again (`crb ignore`)
            return
        details = details_json(rec.details, shared if person_id is None else [])
        if person_id is None:
            person_id = self._new_person(
                name or keys[0][1],
                triage=rec.triage,
                org_id=org_id,
                title=rec.title,
                tier=rec.tier or "none",
                cadence_days=rec.cadence_days,
                birthday=rec.birthday,
                details=details,
                source_key=rec.source_key,
            )
            created = changed = True
            outcome = None
            card_fields.remember(self.db, self.source, person_id,
                                 card_fields.card_values(name, org_id, rec))
            self._card_keys[(card_fields.SPOKEN, str(person_id))] = person_id
        else:
            created = False
            self._names.pop(person_id, None)  # its name may change: read it again when needed
            outcome = self._fill_person(person_id, name, org_id, rec, details)
            changed = outcome is not None
        for key in dropped:  # the card's notes name it by these: they are its person's
            self._card_keys[key] = person_id
        twins = [t for t in (self._twin(key) for key in keys) if t is not None]
        for key in keys:
            hit = self._identity(key)
            if hit is None:
                self._add_identity(key, person_id, name or None)
                changed = True
            elif hit[1] is None:
                self._claim_identity(key, hit[0], person_id)
                changed = True
        for twin in twins:  # other spellings of their mailboxes, waiting for a person
            twin_hit = self._identity(twin)
            if twin_hit and twin_hit[1] is None:
                self._claim_identity(twin, twin_hit[0], person_id)
                changed = True
        # One count per record: a new person, a known one whose card changed what this source
        # gave before (updated), one who gained fields or identities (merged), or a known one
        # the record told nothing new.
        if created:
            self.result.imported += 1
        elif outcome == "updated":
            self.result.updated += 1
        elif changed:
            self.result.merged += 1
        else:
            self.result.unchanged += 1
        self.result.touched_people.add(person_id)

    def _lookups(self, rec: r.Person, keys: list[tuple[str, str]]
                 ) -> list[tuple[tuple[str, str], tuple[str, str]]]:
        """``(key, spelling to look up)`` in the order a card's person is looked for: e-mail
        addresses, URLs and handles first, phone numbers last, each number first as it was
        stored before ``[identity] default_region`` was set when that copy is still there (its
        full form is someone else's too: ``phone_region``): the card finds the person it made."""
        local = {self.store.norm(i): self.store.local_phone(i) for i in rec.identities}
        out = []
        for key in sorted(keys, key=lambda k: k[0] == "phone"):
            before = local.get(key)
            if before is not None:
                out.append((key, before))
            out.append((key, key))
        return out

    def _fill_person(
        self, person_id: int, name: str, org_id: int | None, rec: r.Person, details: str | None
    ) -> str | None:
        """Fill in what the store did not know, and update what this source's card gave before
        and nobody has changed since (``card_fields``). ``"updated"`` when a stored value was
        replaced, ``"merged"`` when only filled in, ``None`` when nothing changed."""
        row = self.db.execute(
            "select name, org_id, title, birthday, details, cadence_days, source_key, source "
            "from people where id = ?",
            [person_id],
        ).fetchone()
        *values, cur_key, made_by = row
        current = dict(zip(("name", "org_id", "title", "birthday", "details", "cadence_days"),
                           values, strict=True))
        current["details"] = json.loads(current["details"] or "{}")
        spoken = (card_fields.SPOKEN, str(person_id))
        again = spoken in self._card_keys  # a second card of theirs in this run: fill only
        last = None if again else card_fields.last_given(self.db, self.source, person_id)
        new = card_fields.card_values(name, org_id, rec)
        updates, replaced = card_fields.decide(
            self.db, person_id, current, new, last, made_by=made_by, source=self.source,
            again=again)
        if not again:
            if new != last:
                card_fields.remember(self.db, self.source, person_id, new)
            self._card_keys[spoken] = person_id
        if rec.source_key and not cur_key:
            clash = self.db.execute(
                "select 1 from people where source_key = ?", [rec.source_key]
            ).fetchone()
            if not clash:
                updates["source_key"] = rec.source_key
        if not updates:
            return None
        updates["updated"] = self.stamp
        sets = ", ".join(f"{k} = ?" for k in updates)
        self.new_people.catch_up()  # (an update of a row must find it indexed)
        self.db.execute(f"update people set {sets} where id = ?", [*updates.values(), person_id])
        return "updated" if replaced else "merged"

    # interactions -------------------------------------------------------------------------

    def _interaction(self, rec: r.Interaction) -> None:
        if rec.kind not in r.INTERACTION_KINDS:
            raise _Rejected(f"unknown interaction kind {rec.kind!r}")
        if rec.direction not in r.DIRECTIONS:
            raise _Rejected(f"unknown direction {rec.direction!r}")
        if not rec.source_key:
            raise _Rejected("interaction without source_key")
        if not isinstance(rec.at, dt.date):  # (a datetime is a date too)
            raise _Rejected(f"interaction date is not a date: {rec.at!r}")
        key = self.store.norm(rec.with_)
        if key is None:
            raise _Rejected(f"not a valid {rec.with_.kind}: {rec.with_.value!r}")
        reason = self.store.noise.reason(*key)
        if reason is not None:
            self.result.skipped[reason] += 1
            return
        hit = self._identity(key)
        spelling = None
        if hit is None:
            twin = self._twin(key)
            if twin is not None:
                spelling, key = key, twin
                hit = self._identity(key)
        policy = self.store.create_people_from
        creates = policy == "any" or (policy == "sent" and rec.direction in ("out", "mutual"))
        if hit is None:
            person_id = None
            if creates:
                person_id = self._new_person(_display_name(rec.name, key), triage=True)
            ident_id = self._add_identity(key, person_id, rec.name)
        else:
            ident_id, person_id = hit
            if person_id is None and creates:
                name = (
                    rec.name
                    or self.db.execute(
                        "select display_name from identities where id = ?", [ident_id]
                    ).fetchone()[0]
                )
                person_id = self._new_person(_display_name(name, key), triage=True)
                self._claim_identity(key, ident_id, person_id)
            elif person_id is not None:
                person_id = self._live(person_id)
                if rec.name:
                    self._name_if_bare(person_id, rec.name, ident_id)
        if spelling is not None and person_id is not None:
            # The address as written is kept, shown among the person's addresses.
            self._add_identity(spelling, person_id, rec.name)
        self._pending_interactions.append((rec, ident_id, person_id))
        if len(self._pending_interactions) >= BATCH_SIZE:
            self.flush()

    def _name_if_bare(self, person_id: int, name: str, ident_id: int) -> None:
        """A real name (an attendee's own ``CN``, a sender's display name) names a person known
        so far only by an address; a name already stored is never replaced."""
        if person_id in self._named:
            return
        self._named.add(person_id)
        current = self._names.get(person_id)
        if current and "@" not in current:
            return  # named already (known without a query)
        shown = _display_name(name, ("", ""))
        if not shown or "@" in shown:
            return
        if current is None:
            (current,) = self.conn.execute(
                "select name from people where id = ?", [person_id]).fetchone()
        if current and "@" not in current:
            return
        self._names[person_id] = shown
        self.new_people.catch_up()  # (an update of a row must find it indexed)
        self.conn.execute("update people set name = ?, updated = ? where id = ?",
                          [shown, self.stamp, person_id])
        self.conn.execute("update identities set display_name = ? where id = ? and "
                        "display_name is null", [shown, ident_id])
        self.result.touched_people.add(person_id)

    def flush(self) -> None:
        """Upsert the pending interactions in one pass, classifying new / updated / unchanged."""
        pending, claimed = self._pending_interactions, self._claimed
        self._pending_interactions, self._claimed = [], {}
        if not pending:
            return
        if claimed:  # mail waiting in the batch when its address was given a person is theirs
            pending = [(rec, i, claimed.get(i) if p is None else p) for rec, i, p in pending]
        if any(rec.replaces for rec, _, _ in pending):  # a moved event: its stored row first
            self.result.touched_people |= take_over(self.db, self.source, pending,
                                                    self.result.removed)
        keys = [rec.source_key for rec, _, _ in pending]
        existing: dict[str, tuple[Any, ...]] = {}
        for chunk_start in range(0, len(keys), 400):
            chunk = keys[chunk_start : chunk_start + 400]
            marks = ",".join("?" for _ in chunk)
            for row in self.db.execute(
                "select source_key, id, person_id, kind, direction, at, subject, thread, "
                f"duration_minutes, source from interactions where source_key in ({marks})",
                chunk,
            ):
                existing[row[0]] = row[1:]
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        # The same key twice in one batch: the last copy wins, as it would across batches.
        last = {rec.source_key: n for n, (rec, _, _) in enumerate(pending)}
        for n, (rec, ident_id, person_id) in enumerate(pending):
            if last[rec.source_key] != n:
                self.result.unchanged += 1
                continue
            values = (
                person_id,
                rec.kind,
                rec.direction,
                iso(rec.at),
                rec.subject,
                rec.thread,
                rec.duration_minutes,
            )
            found = existing.get(rec.source_key)
            old = found[:8] if found is not None else None
            if found is not None and found[8] != self.source and found[6] is not None:
                # One message through two sources (Gmail and an mbox of the same account): each
                # has its own thread ids, and the copy stored first keeps its own (they were
                # written back and forth, "updated" at every run of either).
                values = (*values[:5], found[6], values[6])
            if held := person_id is None and (old is None or old[1] is None):
                self.result.skipped[r.NOBODY_YET] += 1  # kept for them, counted, not imported
            if old is None:
                inserts.append((*values, ident_id, self.source, rec.source_key))
                self._count("imported", held, ident_id)
                self.result.waiting += person_id is None
            elif tuple(old[1:]) == values or (old[1] is not None and person_id is None):
                self._count("unchanged", held, ident_id)
            else:
                # Keep the person the user merged this interaction into.
                merged_values = (old[1] if old[1] is not None else person_id, *values[1:])
                if tuple(old[1:]) == merged_values:
                    self._count("unchanged", held, ident_id)
                    continue
                updates.append((*merged_values, rec.source_key))
                self._count("updated", held, ident_id)
            if person_id is not None:
                self.result.touched_people.add(person_id)
        if inserts:
            insert_interactions(self.conn, inserts)
        if updates:
            self.db.conn.executemany(
                "update interactions set person_id = ?, kind = ?, direction = ?, at = ?, "
                "subject = ?, thread = ?, duration_minutes = ? where source_key = ?",
                updates,
            )

    def _count(self, name: str, held: bool, ident_id: int) -> None:
        """One more ``imported`` / ``updated`` / ``unchanged``; a held touch (skipped as
        ``NOBODY_YET``) is noted by identity instead, for ``held.settle`` at the run's end."""
        if held:
            self.result.held[(ident_id, name)] += 1
        else:
            setattr(self.result, name, getattr(self.result, name) + 1)

    def _delete(self, rec: r.Delete) -> None:
        if rec.source_key:
            where, args = "source_key = ?", [rec.source_key]
        elif rec.prefix:
            # A key range rather than LIKE, so the unique index on source_key is used.
            end = rec.prefix[:-1] + chr(ord(rec.prefix[-1]) + 1)
            where, args = "source_key >= ? and source_key < ?", [rec.prefix, end]
        else:
            raise _Rejected("a Delete needs a source_key or a prefix")
        if rec.keep_before is not None:
            where, args = f"{where} and at >= ?", [*args, str(iso(rec.keep_before))]
        people = {
            row[0]
            for row in self.db.execute(
                f"select person_id from interactions where source = ? and {where}",
                [self.source, *args],
            )
            if row[0] is not None
        }
        cur = self.db.execute(
            f"delete from interactions where source = ? and {where}", [self.source, *args]
        )
        if cur.rowcount:  # nothing there (never stored, removed already): nothing to say
            self.result.removed[rec.reason] += int(cur.rowcount)
        self.result.touched_people |= people

    # commitments, value moments, goals, notes ---------------------------------------------

    def _who(self, who: r.Identity | int) -> int:
        if isinstance(who, bool):
            raise _Rejected(f"not a person id nor an identity: {who!r}")
        if isinstance(who, int):
            row = self.db.execute("select id from people where id = ?", [who]).fetchone()
            if row is None:
                raise _Rejected(f"no person with id {who}")
            return self._live(who)
        key = self.store.norm(who)
        if key is None:
            raise _Rejected(f"not a valid {who.kind}: {who.value!r}")
        hit = self._identity(key)
        if hit is None or hit[1] is None:
            if key in self._card_keys:
                return self._live(self._card_keys[key])
            raise _Rejected(f"no person with {key[0]} {key[1]}")
        return self._live(hit[1])

    def _owned(self, rec: r.Commitment | r.ValueMoment | r.Goal | r.Note) -> None:
        person_id = self._who(rec.who)
        table, row = owned_row(rec, person_id, self.stamp)
        row["source"] = self.source
        if rec.source_key:
            old = self.db.execute(
                f"select * from [{table}] where source_key = ?", [rec.source_key]
            ).fetchone()
            if old is not None:
                names = [
                    d[0] for d in self.db.execute(f"select * from [{table}] limit 0").description
                ]
                current = dict(zip(names, old, strict=True))
                # The person may have been merged since: keep where the user put it.
                row["person_id"] = current["person_id"]
                diff = {k: v for k, v in row.items() if current.get(k) != v and k != "created"}
                if not diff:
                    self.result.unchanged += 1
                else:
                    sets = ", ".join(f"{k} = ?" for k in diff)
                    self.db.execute(
                        f"update [{table}] set {sets} where id = ?", [*diff.values(), current["id"]]
                    )
                    self.result.updated += 1
                self.result.touched_people.add(row["person_id"])
                return
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.db.execute(f"insert into [{table}] ({cols}) values ({marks})", list(row.values()))
        self.result.imported += 1
        self.result.touched_people.add(person_id)


def _display_name(name: str | None, key: tuple[str, str]) -> str:
    """A new person's name: the one given, or the identity for a stand-in (``XXX``)."""
    name = (name or "").strip().strip("'\"").strip()
    return key[1] if not name or is_placeholder(name) else name
