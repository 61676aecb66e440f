"""The words the app and the CLI use: an article that fits the kind, the arrival of a new person
said as the review says it, and the sort arrow pointing the way the list is sorted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crb_tui.host.app_context import AppContext
from crb_tui.tui.screens.people import PeopleScreen
from crb_tui.tui.screens.person import PersonScreen
from crb_tui.tui.widgets.people_list import header
from tests.conftest import Crb
from tests.test_tui import notifications, opened, press, review, screen_text, settle

pytestmark = pytest.mark.anyio

CORPUS = Path("/work/shared/corpus")
if not CORPUS.exists():
    CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def test_the_cli_says_a_call_and_an_email(crb: Crb, tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("Name,Email\nAnn Lee,ann@acme.com\n", encoding="utf-8")
    crb("import", str(contacts))
    assert "Logged an email with Ann Lee." in crb("log", "ann@acme.com", "--kind", "email").stdout
    assert "Logged a call with Ann Lee." in crb("log", "ann@acme.com", "--kind", "call").stdout


async def test_the_app_says_an_email(context: AppContext) -> None:
    async with opened(context) as (app, pilot):
        name = review(app).items[0].person_name
        await press(pilot, "l", "right", "right", "right", "ctrl+s")  # call -> ... -> email
        assert any(n.startswith(f"Logged an email with {name}.") for n in notifications(app))


async def test_a_person_from_a_file_import_is_new_from_that_import(
    crb: Crb, db_path: Path, config_file: Path, tmp_path: Path
) -> None:
    calendar = tmp_path / "event.ics"
    shutil.copyfile(CORPUS / "ics" / "khal" / "event_dt_partstat.ics", calendar)
    # (the corpus's user unknown: with [me] emails given, its event is not theirs)
    config_file.write_text('[me]\ntimezone = "UTC"\n', encoding="utf-8")
    crb("import", str(calendar))  # its attendees: new people, to be given a tier
    ctx = AppContext(db_path=db_path, config_path=config_file)
    try:
        pid, source = ctx.store.db.execute(
            "select id, source from people where triage = 1 order by id limit 1").fetchone()
        async with opened(ctx, size=(120, 40)) as (app, pilot):
            app.open_person(pid)
            await settle(pilot)
            assert isinstance(app.screen, PersonScreen)
            text = screen_text(app)
    finally:
        ctx.close()
    assert source == "ics"
    assert "new from your ics import: give a tier (t) or archive (a)" in text
    flag = next(line for line in text.splitlines() if "give a tier" in line)
    assert "sync" not in flag.lower()


@pytest.mark.parametrize(("sort", "marked"), [
    ("health", "Health ▲"), ("last_touch", "Last ▼"), ("name", "Name ▲"),
    ("overdue", "Cadence ▼"),
])
@pytest.mark.parametrize("width", [80, 120])
def test_the_sort_arrow_points_the_way_the_list_runs(sort: str, marked: str, width: int) -> None:
    shown = header(width, sort).plain
    assert marked in shown
    assert shown.count("▲") + shown.count("▼") == 1


async def test_the_people_screen_marks_latest_first_with_a_down_arrow(
    context: AppContext,
) -> None:
    async with opened(context, "people") as (app, pilot):
        assert isinstance(app.screen, PeopleScreen)
        await press(pilot, "ctrl+s")  # health -> last touch
        assert app.screen.sort == "last_touch"
        assert "Last ▼" in screen_text(app)
        assert "▲" not in screen_text(app)


def test_a_name_ending_in_a_period_ends_the_sentence_once(crb: Crb, tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("Name,Email\nJames Doe Sr.,james@acme.com\n", encoding="utf-8")
    crb("import", str(contacts))
    said = [
        crb("log", "james@acme.com", "--kind", "call").stdout,
        crb("note", "james@acme.com", "likes tea").stdout,
        crb("value", "james@acme.com", "--kind", "intro", "--given").stdout,
        crb("goal", "james@acme.com", "a new job").stdout,
        crb("detail", "james@acme.com", "kids", "two").stdout,
    ]
    assert said[0].strip() == "Logged a call with James Doe Sr."
    for line in said:
        assert "Sr.." not in line, line
        assert "James Doe Sr." in line, line


async def test_the_app_ends_a_sentence_with_a_name_once(context: AppContext) -> None:
    context.store.db.execute("update people set name = name || ' Sr.'")
    context.store.db.commit()
    async with opened(context) as (app, pilot):
        name = review(app).items[0].person_name
        assert name.endswith(" Sr.")
        await press(pilot, "l", "ctrl+s")
        said = [n for n in notifications(app) if n.startswith("Logged")]
        assert said and said[-1] == f"Logged a call with {name} Press u to undo.", said
