"""Re-importing a calendar whose events changed: a single event that moved is one meeting
(updated, never a second one), a cancelled event or occurrence removes what was stored, and a
database that holds copies from before this was fixed is cleaned up by the next import."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crb_tui.sdk._ical import digest_of, parse_icalendar

from .conftest import Crb

ME = "me@example.com"


def event(uid: str, start: str, end: str, who: str, *extra: str, summary: str = "Sync") -> str:
    return "\r\n".join([
        "BEGIN:VEVENT", f"UID:{uid}", f"DTSTART:{start}", f"DTEND:{end}", f"SUMMARY:{summary}",
        f"ORGANIZER:mailto:{ME}", f"ATTENDEE;CN={who.split('@')[0].title()};PARTSTAT=ACCEPTED:"
        f"mailto:{who}", *extra, "END:VEVENT"])


def calendar(path: Path, *events: str) -> Path:
    path.write_text("\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", *events,
                                 "END:VCALENDAR", ""]), encoding="utf-8")
    return path


def keys(db: Path, uid: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select source_key, at from interactions where source_key like ? "
                            "order by source_key", [f"ics:{uid}|%"]).fetchall()


# The crb fixture's day is 2026-11-23 (UTC).
TODAY_CALL = event("call@t", "20261123T200000Z", "20261123T203000Z", "frank@example.com",
                   summary="Late call")
NEXT = event("next@t", "20261201T150000Z", "20261201T160000Z", "tim@example.com",
             summary="Quarterly with Tim")
WEEKLY = ["RRULE:FREQ=WEEKLY;COUNT=6"]


def test_a_moved_single_event_updates_its_meeting(crb: Crb, tmp_path: Path) -> None:
    crb("import", str(calendar(tmp_path / "a.ics", TODAY_CALL, NEXT)))
    moved = NEXT.replace("20261201T15", "20261202T15").replace("20261201T16", "20261202T16")
    out = crb("import", str(calendar(tmp_path / "b.ics", TODAY_CALL, moved))).stdout
    assert "imported 0, updated 1, merged 0, unchanged 1" in out
    assert keys(crb.db, "next@t") == [
        ("ics:next@t|20261202T150000Z|tim@example.com", "2026-12-02T15:00:00+00:00")]
    assert "Next meeting: 2026-12-02 15:00 Quarterly with Tim" in crb("show", "Tim").stdout
    # The same file again: nothing changes.
    again = crb("import", str(tmp_path / "b.ics")).stdout
    assert "imported 0, updated 0, merged 0, unchanged 2" in again and "removed" not in again


def test_a_later_sequence_in_one_file_is_the_event(crb: Crb, tmp_path: Path) -> None:
    old = NEXT.replace("SUMMARY:", "SEQUENCE:1\r\nSUMMARY:")
    new = NEXT.replace("20261201T15", "20261203T15").replace("20261201T16", "20261203T16")
    new = new.replace("SUMMARY:", "SEQUENCE:2\r\nSUMMARY:")
    crb("import", str(calendar(tmp_path / "a.ics", new, old)))
    assert [k for k, _ in keys(crb.db, "next@t")] == [
        "ics:next@t|20261203T150000Z|tim@example.com"]


def test_a_cancelled_event_is_removed_and_no_longer_a_meeting_today(
    crb: Crb, tmp_path: Path
) -> None:
    crb("import", str(calendar(tmp_path / "a.ics", TODAY_CALL, NEXT)))
    assert "Meeting today at 20:00" in crb("review").stdout
    cancelled = TODAY_CALL.replace("END:VEVENT", "STATUS:CANCELLED\r\nEND:VEVENT")
    out = crb("import", str(calendar(tmp_path / "b.ics", cancelled, NEXT))).stdout
    assert "skipped: cancelled event 1" in out
    assert "removed: cancelled event 1" in out
    assert keys(crb.db, "call@t") == []
    assert "Meeting today" not in crb("review").stdout
    # Imported again, the cancelled event has nothing left to remove.
    assert "removed" not in crb("import", str(tmp_path / "b.ics")).stdout


def test_a_cancelled_or_excluded_occurrence_of_a_series_is_removed(
    crb: Crb, tmp_path: Path
) -> None:
    series = event("weekly@t", "20261109T140000Z", "20261109T143000Z", "tim@example.com",
                   *WEEKLY, summary="Weekly 1:1")
    crb("import", str(calendar(tmp_path / "a.ics", series)))
    assert len(keys(crb.db, "weekly@t")) == 6
    # One occurrence taken out with EXDATE, another cancelled with an override.
    excluded = series.replace("RRULE:", "EXDATE:20261123T140000Z\r\nRRULE:")
    override = event("weekly@t", "20261130T140000Z", "20261130T143000Z", "tim@example.com",
                     "RECURRENCE-ID:20261130T140000Z", "STATUS:CANCELLED",
                     summary="Weekly 1:1")
    out = crb("import", str(calendar(tmp_path / "b.ics", excluded, override))).stdout
    assert "removed: cancelled event 2" in out
    left = [k.split("|")[1] for k, _ in keys(crb.db, "weekly@t")]
    assert left == ["20261109T140000Z", "20261116T140000Z", "20261207T140000Z",
                    "20261214T140000Z"]
    assert "Meeting today" not in crb("review").stdout


def test_copies_left_by_older_imports_are_cleaned_up(crb: Crb, tmp_path: Path) -> None:
    """Before this fix a moved event was stored once per start time: the next import keeps one
    meeting for it (the new time) and removes the copies."""
    crb("import", str(calendar(tmp_path / "a.ics", NEXT)))
    with sqlite3.connect(crb.db) as conn:  # the copy an older CRB left at another time
        conn.execute(
            "insert into interactions (person_id, kind, direction, at, subject, identity_id, "
            "source, source_key) select person_id, kind, direction, '2026-11-30T15:00:00+00:00',"
            " subject, identity_id, source, 'ics:next@t|20261130T150000Z|tim@example.com' "
            "from interactions where source_key like 'ics:next@t|%'")
    moved = NEXT.replace("20261201T15", "20261204T15").replace("20261201T16", "20261204T16")
    out = crb("import", str(calendar(tmp_path / "b.ics", moved))).stdout
    assert "updated 1" in out and "removed: moved event (older copy) 1" in out
    assert [k for k, _ in keys(crb.db, "next@t")] == [
        "ics:next@t|20261204T150000Z|tim@example.com"]


def test_corpus_event_moved_then_cancelled(crb: Crb, tmp_path: Path, corpus: Path) -> None:
    """radicale's event1.ics (three people, 2013): moved an hour, then cancelled (its user,
    who is not among them, unknown: [me] emails empty)."""
    crb.config.write_text('[me]\ntimezone = "UTC"\n[sources.ics]\npast_days = 10000\n',
                          encoding="utf-8")
    original = (corpus / "ics" / "radicale" / "event1.ics").read_text(encoding="utf-8")
    first = crb("import", str(corpus / "ics" / "radicale" / "event1.ics")).stdout
    assert "imported 3" in first
    moved = tmp_path / "moved.ics"
    moved.write_text(original.replace("Paris:20130901T190000", "Paris:20130901T200000")
                     .replace("Paris:20130901T180000", "Paris:20130901T190000"), encoding="utf-8")
    out = crb("import", str(moved)).stdout
    assert "imported 0, updated 3" in out
    assert {k.split("|")[1] for k, _ in keys(crb.db, "event1")} == {"20130901T170000Z"}
    cancelled = tmp_path / "cancelled.ics"
    cancelled.write_text(moved.read_text(encoding="utf-8").replace(
        "UID:event1", "UID:event1\nSTATUS:CANCELLED"), encoding="utf-8")
    out = crb("import", str(cancelled)).stdout
    assert "removed: cancelled event 3" in out and keys(crb.db, "event1") == []


def test_a_shortened_series_loses_the_occurrences_it_no_longer_has(
    crb: Crb, tmp_path: Path
) -> None:
    """The series exported again with COUNT 6 -> 3 (or an UNTIL before the old end): the
    three occurrences it no longer has are removed, counted; the earlier ones stay."""
    series = event("weekly@t", "20261102T140000Z", "20261102T150000Z", "tim@example.com",
                   *WEEKLY, summary="Weekly")
    crb("import", str(calendar(tmp_path / "a.ics", series)))
    assert len(keys(crb.db, "weekly@t")) == 6
    shorter = series.replace("COUNT=6", "COUNT=3").replace("SUMMARY:", "SEQUENCE:1\r\nSUMMARY:")
    out = crb("import", str(calendar(tmp_path / "b.ics", shorter))).stdout
    assert "unchanged 3" in out and "removed: occurrence no longer in its series 3" in out
    assert [at for _, at in keys(crb.db, "weekly@t")] == [
        "2026-11-02T14:00:00+00:00", "2026-11-09T14:00:00+00:00", "2026-11-16T14:00:00+00:00"]
    until = shorter.replace("COUNT=3", "UNTIL=20261110T000000Z").replace(
        "SEQUENCE:1", "SEQUENCE:2")
    out = crb("import", str(calendar(tmp_path / "c.ics", until))).stdout
    assert "removed: occurrence no longer in its series 1" in out
    assert len(keys(crb.db, "weekly@t")) == 2
    again = crb("import", str(tmp_path / "c.ics")).stdout
    assert "unchanged 2" in again and "removed" not in again


def test_an_older_copy_read_after_a_newer_one_changes_nothing(
    crb: Crb, tmp_path: Path
) -> None:
    """SEQUENCE across files and runs: an old export imported after a newer one (or after it
    in the same run) is skipped, neither moving the event back nor bringing back occurrences."""
    old_next = NEXT.replace("SUMMARY:", "SEQUENCE:1\r\nSUMMARY:")
    new_next = NEXT.replace("20261201T15", "20261203T15").replace("20261201T16", "20261203T16")
    new_next = new_next.replace("SUMMARY:", "SEQUENCE:2\r\nSUMMARY:")
    series = event("weekly@t", "20261102T140000Z", "20261102T150000Z", "tim@example.com",
                   *WEEKLY, summary="Weekly")
    shorter = series.replace("COUNT=6", "COUNT=3").replace("SUMMARY:", "SEQUENCE:1\r\nSUMMARY:")
    old = calendar(tmp_path / "old.ics", old_next, series)
    new = calendar(tmp_path / "new.ics", new_next, shorter)
    crb("import", str(new))
    expected = (keys(crb.db, "next@t"), keys(crb.db, "weekly@t"))
    assert expected[0] == [("ics:next@t|20261203T150000Z|tim@example.com",
                            "2026-12-03T15:00:00+00:00")] and len(expected[1]) == 3
    (out,) = crb.json("import", str(old))["sources"]
    assert out["skipped"] == {"older version of the event": 2}
    assert out["imported"] == out["updated"] == 0 and not out["removed"]
    assert (keys(crb.db, "next@t"), keys(crb.db, "weekly@t")) == expected
    # Both files in one run, the newer one first: the same.
    (both,) = crb.json("import", str(new), str(old))["sources"]
    assert both["skipped"] == {"older version of the event": 2} and both["imported"] == 0
    assert (keys(crb.db, "next@t"), keys(crb.db, "weekly@t")) == expected


def test_an_update_of_one_occurrence_alone_leaves_the_series_be(
    crb: Crb, tmp_path: Path
) -> None:
    """An invitation update that carries only one occurrence (RECURRENCE-ID, no series) says
    nothing of the series' version or its other occurrences: none is removed or skipped."""
    series = event("weekly@t", "20261102T140000Z", "20261102T150000Z", "tim@example.com",
                   *WEEKLY, "SEQUENCE:3", summary="Weekly")
    crb("import", str(calendar(tmp_path / "a.ics", series)))
    moved = event("weekly@t", "20261109T160000Z", "20261109T170000Z", "tim@example.com",
                  "RECURRENCE-ID:20261109T140000Z", summary="Weekly, later")
    (out,) = crb.json("import", str(calendar(tmp_path / "b.ics", moved)))["sources"]
    assert not out["skipped"] and not out["removed"] and out["updated"] == 1
    assert len(keys(crb.db, "weekly@t")) == 6
    (again,) = crb.json("import", str(tmp_path / "a.ics"))["sources"]
    assert not again["removed"] and not again["skipped"]
    assert len(keys(crb.db, "weekly@t")) == 6


# The radicale corpus holds five copies of UID event1, none with a SEQUENCE: the same
# LAST-MODIFIED, other titles or attendees, and event1_modified.ics one second later (DTSTAMP).
EVENT1_COPIES = ("event1.ics", "event1a1.ics", "event_issue1970_ok.ics",
                 "event_issue1970_problem.ics", "event1_modified.ics")


def rows(db: Path, uid: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select source_key, at, subject from interactions where source_key "
                            "like ? order by source_key", [f"ics:{uid}|%"]).fetchall()


@pytest.mark.parametrize("order", ["names", "reversed"])
def test_copies_of_an_event_keep_the_latest_in_any_order(
    crb: Crb, corpus: Path, order: str
) -> None:
    """Copies of one event with the same SEQUENCE in several files: the one modified last is
    the event whatever the files' order, the others are skipped (`older copy of the event`),
    and the folder imported again updates nothing (it updated 3 to 6 meetings every time)."""
    paths = [str(corpus / "ics" / "radicale" / name) for name in EVENT1_COPIES]
    if order == "reversed":
        paths.reverse()
    crb.config.write_text('[me]\ntimezone = "UTC"\n', encoding="utf-8")  # (its user unknown)
    crb("import", *paths)
    kept = rows(crb.db, "event1")
    # event1_modified.ics: titled "Event", with Jane and John (event_issue1970_problem.ics,
    # read last in name order, has another title; event1a1.ics has no John).
    assert [(key.split("|")[2], subject) for key, _, subject in kept] == [
        ("janedoe@example.com", "Event"), ("johndoe@example.com", "Event"),
        ("unclesam@example.com", "Event")]
    for _ in range(2):
        (again,) = crb.json("import", *paths)["sources"]
        assert again["updated"] == again["imported"] == 0 and not again["removed"]
        assert again["skipped"] == {"older copy of the event": 4} and again["unchanged"] == 3
        assert rows(crb.db, "event1") == kept


def test_copies_of_the_same_version_keep_one_in_any_order(crb: Crb, tmp_path: Path) -> None:
    """Two files with the same version of an event (SEQUENCE, LAST-MODIFIED and DTSTAMP) but
    other titles, read in one run: the same one is kept in either order, the other is a
    `duplicate event` from then on; a file edited in place without a new version, read in a
    later run, is still news."""
    def copy(name: str, summary: str) -> Path:
        return calendar(tmp_path / name, NEXT.replace("SUMMARY:", "DTSTAMP:20261101T090000Z"
                        "\r\nSUMMARY:").replace("Quarterly with Tim", summary))

    def digest(path: Path) -> str:
        return digest_of(parse_icalendar(path.read_text(encoding="utf-8"), str(path)).events)

    a, b = copy("a.ics", "Tim (room 2)"), copy("b.ics", "Tim (room 6)")
    for n, paths in enumerate([[str(a), str(b)], [str(b), str(a)]]):
        run = Crb(tmp_path / f"{n}.db", crb.config)
        run("import", *paths)
        (again,) = run.json("import", *paths)["sources"]
        assert again["skipped"] == {"duplicate event": 1}
        assert again["updated"] == again["imported"] == 0
        # The copy with the higher digest, b.ics, in both orders.
        assert digest(b) > digest(a)
        assert {subject for _, _, subject in rows(run.db, "next@t")} == {"Tim (room 6)"}
    # b.ics edited in place, the version unchanged, its digest now lower: read all the same.
    before = digest(b)
    b = copy("b.ics", "Tim (room 4)")
    assert digest(a) < digest(b) < before
    (edited,) = run.json("import", str(b))["sources"]
    assert edited["updated"] == 1 and not edited["skipped"]
    assert rows(run.db, "next@t")[0][2] == "Tim (room 4)"
    (both,) = run.json("import", str(a), str(b))["sources"]
    assert both["skipped"] == {"duplicate event": 1} and both["updated"] == 0


def test_last_modified_decides_before_dtstamp(crb: Crb, tmp_path: Path) -> None:
    """Of two copies with the same SEQUENCE, the later LAST-MODIFIED is the event; a copy
    without one is dated by its DTSTAMP."""
    edited = calendar(tmp_path / "edited.ics", NEXT.replace("SUMMARY:Quarterly with Tim", (
        "LAST-MODIFIED:20261110T090000Z\r\nDTSTAMP:20261101T090000Z\r\nSUMMARY:Edited")))
    stamped = calendar(tmp_path / "stamped.ics", NEXT.replace("SUMMARY:Quarterly with Tim", (
        "DTSTAMP:20261105T090000Z\r\nSUMMARY:Stamped")))
    for n, paths in enumerate([[edited, stamped], [stamped, edited]]):
        run = Crb(tmp_path / f"{n}.db", crb.config)
        run("import", *map(str, paths))
        (again,) = run.json("import", *map(str, paths))["sources"]
        assert again["skipped"] == {"older copy of the event": 1} and again["updated"] == 0
        assert {subject for _, _, subject in rows(run.db, "next@t")} == {"Edited"}
