"""The dashboard's top line at 80 columns, and the order of its "going cold" panel."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crb_tui.host.app_context import AppContext
from crb_tui.tui import data
from crb_tui.tui.screens.dashboard import status_line
from crb_tui.tui.widgets.nav import STATUS_WIDTH
from tests.test_tui import opened, screen_text, settle

pytestmark = pytest.mark.anyio


def test_status_line_keeps_whole_words() -> None:
    assert status_line(12, 3, 400) == "12 people (3 new) · 400 touches"
    assert status_line(22, 0, 1) == "22 people · 1 touch"
    assert status_line(1, 1, 0) == "1 person (1 new) · 0 touches"
    # Trial 6: "1,162 people (1,158 new) · 66,019" (the word after the number cut off).
    assert status_line(1162, 1158, 66019) == "1,162 people · 66,019 touches"
    assert status_line(20000, 19000, 388927) == "20,000 people · 388,927 touches"
    for people, new, touches in ((100_000, 99_999, 1_900_000), (1162, 1158, 66019)):
        assert len(status_line(people, new, touches)) <= STATUS_WIDTH


async def test_top_line_at_80_columns_ends_with_a_whole_word(context: AppContext,
                                                             demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as conn:
        conn.execute("update people set triage = 1 where id % 3 = 0")
    async with opened(context, "dashboard") as (app, pilot):
        top = screen_text(app).splitlines()[0]
        assert top.rstrip().endswith(" touches"), top


def _set_overdue(conn: sqlite3.Connection, pid: int, overdue: float,
                 cadence: int | None) -> None:
    """Make ``pid`` ``overdue`` cadences late on the store's day (the scores are worked out
    from the day of the last touch when read), their row left as it is by the next read."""
    conn.execute(
        "update health_params set cadence_days = coalesce(?, cadence_days),"
        " last_touch = coalesce(last_touch, '2000-01-01T00:00:00+00:00'), due_jd = 1e9"
        " where person_id = ?", [cadence, pid])
    conn.execute(
        "update health_params set last_jd = (select day_jd from health_model)"
        " - cadence_days - ? * cadence_days where person_id = ?", [overdue, pid])


def test_going_cold_is_most_days_late_first(context: AppContext, demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as conn:
        ids = [r[0] for r in conn.execute(
            "select p.id from people p join health h on h.person_id = p.id "
            "where p.archived = 0 and p.merged_into is null and p.triage = 0 "
            "order by p.id limit 6")]
        conn.execute(f"update people set tier = 'key' where id in ({','.join('?' * 6)})", ids)
        # A short cadence far over (ratio 3, 90 days late) and a long one more days late with
        # a smaller ratio (2, 360 days): the second is the more overdue.
        for pid, (overdue, cadence) in zip(ids, [(3.0, 30), (2.0, 180), (1.5, 14), (0.5, 365),
                                                 (4.0, 7), (1.0, 90)], strict=True):
            _set_overdue(conn, pid, overdue, cadence)
    cold = data.dashboard(context)["cold"]
    late = [round(r["overdue"] * r["cadence_days"]) for r in cold if r["overdue"] > 0]
    assert late == sorted(late, reverse=True) and 360 in late, late


def test_a_key_person_never_answering_is_going_cold(context: AppContext, demo_db: Path) -> None:
    """Trial 10 W2: "none: all 2 key relationships are warm" while both key people's Warmth
    was 0 (mail sent within the cadence, never answered for years)."""
    with sqlite3.connect(demo_db) as conn:
        conn.execute("update people set tier = 'network' where tier = 'key'")
        pid = conn.execute("select person_id from health order by person_id limit 1").fetchone()[0]
        conn.execute("update people set tier = 'key' where id = ?", [pid])
        _set_overdue(conn, pid, -0.5, None)
        # Warmth 0 (no two-way touch), as it was at the trend window's start (steady)
        conn.execute("update health_params set two_jd = null, two_p_jd = null, sig_w = 0,"
                     " t_p0 = t_n0, a_p = a_n, b_p = b_n, c_p = c_n, x_p0 = x_n0, known_p = known_n"
                     " where person_id = ?", [pid])
    cold = data.dashboard(context)["cold"]
    assert [r["id"] for r in cold] == [pid] and cold[0]["warmth"] == 0


def test_the_touches_counted_are_those_of_the_people_counted(context: AppContext,
                                                            demo_db: Path) -> None:
    """Trial 12 T3: the top line counted every stored row ("89 people · 34,678 touches" when
    the people had 17,471): touches kept for nobody yet, archived people's and meetings still
    to come. It counts the touches so far of the people it counts beside them."""
    from crb_tui.clock import happened_before

    today = context.today().isoformat()
    now = happened_before(context.today()).isoformat()
    with sqlite3.connect(demo_db) as conn:
        conn.execute("update people set archived = 1 where id = 2")
        for n in range(5):  # kept for nobody, and one still to come
            conn.execute(
                "insert into interactions (person_id, kind, direction, at, source, source_key)"
                " values (null, 'email', 'in', ?, 't', ?)", [f"{today}T01:00:00+00:00", f"n{n}"])
        conn.execute(
            "insert into interactions (person_id, kind, direction, at, source, source_key)"
            " values (1, 'meeting', 'mutual', '2099-01-01T10:00:00+00:00', 't', 'later')")
        want = conn.execute(
            "select count(*) from interactions i join people p on p.id = i.person_id"
            " where p.archived = 0 and p.merged_into is null and i.at < ?", [now]).fetchone()[0]
        stored = conn.execute("select count(*) from interactions where person_id is null"
                              " or at < ?", [now]).fetchone()[0]
        archived = conn.execute(
            "select count(*) from interactions where person_id = 2").fetchone()[0]
    assert archived > 0
    d = data.dashboard(context)
    assert d["interactions"] == want == stored - 5 - archived


async def test_enter_typed_with_the_key_that_opens_the_dashboard_opens_the_first_person(
    context: AppContext, demo_db: Path
) -> None:
    """Trial 14 F10: `3` then Enter at once did nothing (the lists were not filled yet), and
    Help's Dashboard section listed only `r`. Enter is kept for when they are, and Help says
    what it opens."""
    from crb_tui.tui.screens.help import HelpScreen
    from crb_tui.tui.screens.person import PersonScreen

    async with opened(context, "review", (100, 30)) as (app, pilot):
        await pilot.press("3", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        first = app.screen.person_id
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        from textual.widgets import DataTable

        rows = [[getattr(c, "plain", str(c)) for c in app.screen.query_one(DataTable).get_row_at(n)]
                for n in range(app.screen.query_one(DataTable).row_count)]
        after = rows[[r[-1] for r in rows].index("Dashboard") + 1:]
        assert after[0][:2] == ["  ⏎", "Open"]
        assert after[0][-1] == "Open the highlighted person (↑/↓ move, Tab: the next list)"
    cold = data.dashboard(context)["cold"]
    assert cold and first == cold[0]["id"]
