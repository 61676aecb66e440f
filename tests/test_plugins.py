"""The plugin system: every hook documented and tested, loading rules, isolation of sources."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from crb_tui import Identity, Interaction, ReviewItem, Signal, Source, hookimpl, hookspecs
from crb_tui.config import Config
from crb_tui.host import plugins
from crb_tui.host.sync import run_sync
from crb_tui.store import Store

from .conftest import ROOT

HOOKS = sorted(
    name for name, obj in vars(hookspecs).items() if callable(obj) and hasattr(obj, "crb_tui_spec")
)


def test_the_four_hooks_exist() -> None:
    assert HOOKS == ["health_signals", "register_commands", "register_sources", "review_items"]


@pytest.mark.parametrize("hook", HOOKS)
def test_plugin_hooks_are_documented(hook: str) -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = re.search(rf"^### {hook}\n(.*?)(?=^### |\Z)", doc, re.S | re.M)
    assert section, f"docs/plugins.md has no '### {hook}' section"
    assert f"{hook}(" in section.group(1), "the section must show the signature"
    assert "Example" in section.group(1) and "@hookimpl" in section.group(1)


@pytest.mark.parametrize("hook", HOOKS)
def test_plugin_hooks_have_tests(hook: str) -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    assert f"def test_hook_{hook}" in tests, f"no test named test_hook_{hook}*"


class _Plugin:
    """A test plugin: registered in a fixture and always unregistered afterwards."""


T0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def test_hook_register_sources_and_isolation(register_plugin, store: Store) -> None:
    class Good:
        @hookimpl
        def register_sources(self, register):
            def sync(ctx):
                for i in range(3):
                    yield Interaction(f"g{i}", "email", "out", T0, Identity("email", f"p{i}@x.com"))

            register(Source(name="good", sync=sync))

    class Bad:
        @hookimpl
        def register_sources(self, register):
            def sync(ctx):
                yield Interaction("b0", "email", "out", T0, Identity("email", "b@x.com"))
                raise RuntimeError("token expired")

            register(Source(name="bad", sync=sync))

    register_plugin(Bad(), "bad-plugin")
    register_plugin(Good(), "good-plugin")
    found = plugins.sources()
    assert {"good", "bad"} <= set(found)
    assert found["good"].plugin == "good-plugin"
    summaries = run_sync(store, Config(), found, ["bad", "good"])
    bad, good = summaries
    assert not bad.ok and bad.errors == ["token expired"]
    assert bad.imported == 1  # what it yielded before failing is kept
    assert good.ok and good.imported == 3
    states = {s["source"]: s for s in store.sync_states()}
    assert states["bad"]["last_error"] == "token expired"
    assert states["good"]["last_ok"] is not None


def test_hook_register_commands(register_plugin, crb) -> None:
    @click.command(name="hello-test")
    @click.argument("who")
    def hello(who: str) -> None:
        click.echo(f"hello {who}")

    class P:
        @hookimpl
        def register_commands(self, register):
            register(hello)

    register_plugin(P(), "cmd-plugin")
    result = crb("hello-test", "world")
    assert result.stdout.strip() == "hello world"
    assert "hello-test" in crb("--help").stdout


def test_hook_health_signals(register_plugin) -> None:
    """A typed plugin: it reads through the query and its own settings, returns Signals."""
    from crb_tui.engine import health

    s = Store.open(None)
    s.write(
        [Interaction("m1", "meeting", "mutual", T0, Identity("email", "a@x.com"), name="A")], "t"
    )
    today = dt.date(2026, 5, 10)
    before = health.explain(s, Config(), 1, today)
    given: dict[str, object] = {}

    class P:
        @hookimpl
        def register_sources(self, register):
            register(Source(name="guild", sync=lambda ctx: [], config_schema={"points": 10}))

        @hookimpl
        def health_signals(self, person, history, query, settings):
            given.update(settings=settings, today=history["today"])
            assert person["id"] == 1 and history["interactions"]
            assert query.identities(1)[0]["value"] == "a@x.com"
            return [Signal("trust", settings["points"], "vouched for by a friend")]

    register_plugin(P(), "signal-plugin")
    after = health.explain(s, Config(sources={"guild": {"points": 20}}), 1, today)
    assert after.trust > before.trust
    assert "vouched for by a friend" in health.describe(after)
    assert given == {"settings": {"points": 20}, "today": today}
    s.close()


def test_hook_review_items(register_plugin, crb) -> None:
    """A typed plugin through the real ``crb review``: its label is shown, its settings and the
    query are what it reads."""

    class P:
        @hookimpl
        def register_sources(self, register):
            register(Source(name="boards", sync=lambda ctx: [],
                            config_schema={"title": "CEO", "priority": 5000}))

        @hookimpl
        def review_items(self, query, today, settings):
            return [
                ReviewItem(person_id=p["id"], kind="board", label="Board meeting",
                           reason=f"Board pack due {today}", action="Send it",
                           priority=settings["priority"], detail={"when": today})
                for p in query.people() if settings["title"] in (p["title"] or "")
            ]

    crb.config.write_text(crb.config.read_text() + '[sources.boards]\ntitle = "Chair"\n')
    people = crb.db.parent / "people.csv"
    people.write_text("name,email,title\nAda Chair,ada@x.com,Chair of the board\n"
                      "Bob Clerk,bob@x.com,Clerk\n")
    crb("import", str(people))
    register_plugin(P(), "review-plugin")
    out = crb("review").stdout
    assert "[Board meeting] Ada Chair: Board pack due 2026-11-23" in out and "Bob" not in out
    (item,) = [i for i in crb.json("review")["items"] if i["kind"] == "board"]
    assert item["label"] == "Board meeting" and item["detail"] == {"when": "2026-11-23"}
    assert item["priority"] == 5000


def test_old_style_plugins_written_against_the_earlier_docs_keep_working(register_plugin) -> None:
    """Dicts and the raw store, as docs/plugins.md showed them before typed results: still
    used, with a DeprecationWarning naming the plugin and what to return instead."""
    from crb_tui.engine import health
    from crb_tui.engine.review import build_review

    s = Store.open(None)
    s.write([Interaction("m1", "email", "out", T0, Identity("email", "a@x.com"), name="Ada")], "t")

    class Old:
        @hookimpl
        def review_items(self, store, today):
            rows = store.db.query("select id from people where name = 'Ada'")
            return [{"person_id": r["id"], "kind": "board", "reason": "Board pack due",
                     "action": "Send it", "priority": 5000, "colour": "red"} for r in rows]

        @hookimpl
        def health_signals(self, person, history):
            return [{"gauge": "trust", "points": 10, "reason": "vouched for by a friend"}]

    register_plugin(Old(), "old-plugin")
    with pytest.warns(DeprecationWarning, match="plugin old-plugin: review_items returned a dict"
                      ".*unknown keys ignored: colour"):
        items = build_review(s, Config(), dt.date(2026, 5, 2))
    assert items[0].kind == "board" and items[0].reason == "Board pack due"
    assert items[0].person_name == "Ada" and items[0].label == "board"
    with pytest.warns(DeprecationWarning, match="return crb_tui.Signal"):
        explained = health.explain(s, Config(), 1, dt.date(2026, 5, 10))
    assert "vouched for by a friend" in health.describe(explained)
    s.close()


def test_typed_results_refuse_a_wrong_field_where_the_plugin_makes_them() -> None:
    with pytest.raises(ValueError, match="gauge must be one of warmth, trust, value"):
        Signal("mood", 5, "x")
    with pytest.raises(TypeError, match="points must be a number"):
        Signal("trust", "5", "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="person_id must be an integer"):
        ReviewItem(person_id="1", reason="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="priority must be a finite number"):
        ReviewItem(person_id=1, reason="x", priority=float("nan"))
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        ReviewItem(person_id=1, reason="x", colour="red")  # type: ignore[call-arg]


def test_checkpoint_is_saved_only_after_the_records_before_it(store: Store) -> None:
    def sync(ctx):
        start = ctx.checkpoint.get(0)
        for i in range(start, 10):
            yield Interaction(f"k{i}", "email", "out", T0, Identity("email", f"p{i}@x.com"))
            if i % 3 == 2:
                ctx.checkpoint.set(i + 1)
            if i == 7 and not ctx.config.get("resume"):
                raise ConnectionError("dropped")
        ctx.checkpoint.set(10)

    src = Source(name="flaky", sync=sync, config_schema={"resume": False})
    first = run_sync(store, Config(), {"flaky": src})[0]
    assert not first.ok and store.get_cursor("flaky") == 6
    # Everything yielded before the failure was stored (0..7), the cursor says resume at 6.
    assert store.counts()["interactions"] == 8
    cfg = Config(sources={"flaky": {"resume": True}})
    second = run_sync(store, cfg, {"flaky": src})[0]
    assert second.ok and second.imported == 2 and second.unchanged == 2
    assert store.counts()["interactions"] == 10
    assert store.get_cursor("flaky") == 10


def test_dry_run_counts_exactly_and_writes_nothing(store: Store) -> None:
    def sync(ctx):
        yield Interaction("k1", "email", "out", T0, Identity("email", "a@x.com"))
        yield Interaction("k2", "email", "in", T0, Identity("email", "noreply@x.com"))
        ctx.checkpoint.set("c1")

    src = Source(name="s", sync=sync)
    summary = run_sync(store, Config(), {"s": src}, dry_run=True)[0]
    assert summary.imported == 1 and summary.skipped == {"role address": 1}
    assert store.counts()["interactions"] == 0 and store.get_cursor("s") is None
    assert store.sync_states() == []


def test_unknown_source_setting_is_an_error(store: Store) -> None:
    src = Source(name="s", sync=lambda ctx: [], config_schema={"url": ""})
    summary = run_sync(store, Config(sources={"s": {"ulr": "x"}}), {"s": src})[0]
    assert not summary.ok and "sources.s.ulr" in summary.errors[0]


def test_plugins_dir_and_crb_load_plugins(tmp_path: Path) -> None:
    """Run in a fresh interpreter: entry points load once per process."""
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "mine.py").write_text(
        textwrap.dedent("""
        from crb_tui import Source, hookimpl

        @hookimpl
        def register_sources(register):
            register(Source(name="mine", sync=lambda ctx: []))
    """)
    )
    config = tmp_path / "c.toml"
    config.write_text(f'[plugins]\nplugins_dir = "{plugdir}"\n')
    env_base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def plugins_json(**env: str) -> list[dict]:
        out = plugins_run(**env)
        return json.loads(out.stdout)

    def plugins_run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "crb_tui",
                "--db",
                str(tmp_path / "x.db"),
                "--config",
                str(config),
                "plugins",
                "--json",
            ],
            capture_output=True,
            text=True,
            env={**env_base, **env},
            check=True,
        )

    names = {p["name"] for p in plugins_json()}
    assert {"csv", "crb_local_mine"} <= names
    mine = next(p for p in plugins_json() if p["name"] == "crb_local_mine")
    assert mine["sources"] == ["mine"] and mine["hooks"] == ["register_sources"]
    assert {p["name"] for p in plugins_json(CRB_LOAD_PLUGINS="mine")} == {"crb_local_mine"}
    assert plugins_json(CRB_LOAD_PLUGINS="") == []
    # A name no plugin has is said (it loaded nothing, silently), with the names there are.
    out = plugins_run(CRB_LOAD_PLUGINS="mine,nosuch")
    assert {p["name"] for p in json.loads(out.stdout)} == {"crb_local_mine"}
    warned = out.stderr.strip()
    assert warned.startswith("crb: warning: CRB_LOAD_PLUGINS names nosuch, which no installed "
                             "plugin is (installed: "), warned
    assert "mine" in warned and "csv" in warned and len(warned.splitlines()) == 1
    assert plugins_run(CRB_LOAD_PLUGINS="mine").stderr == ""


def test_core_imports_no_textual() -> None:
    code = (
        "import sys, crb_tui, crb_tui.cli.commands, crb_tui.store, crb_tui.engine.health, "
        "crb_tui.engine.review, "
        "crb_tui.host.sync, crb_tui.store.demo, crb_tui.host.plugins; "
        "assert 'textual' not in sys.modules, 'core imported textual'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


_THIRD_PARTY = '''
import click
from crb_tui import hookimpl

@hookimpl
def health_signals(person, history):
    return [{"gauge": "trust", "points": 10, "reason": "vouched for by the guild"}]

@hookimpl
def review_items(store, today):
    return [{"person_id": {pid}, "kind": "guild", "reason": "Guild dues are due",
             "action": "Pay them", "priority": 100000}]

@hookimpl
def register_commands(register):
    @click.command(name="{name}")
    @click.argument("who")
    def hello(who):
        click.echo("{name} " + who)
    register(hello)
'''


def _install_entry_point_plugin(site: Path) -> None:
    """What ``pip install`` leaves for a third party's plugin: the module and its dist-info."""
    site.mkdir()
    code = _THIRD_PARTY.replace("{name}", "guild-hello").replace("{pid}", "2")
    (site / "crb_guild.py").write_text(code)
    info = site / "crb_guild-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crb-guild\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[crb_tui]\nguild = crb_guild\n")


def real_crb(tmp_path: Path, plugdir: Path, site: Path | None = None, *, check: bool = True
             ) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The real ``crb`` as its own process, on ``tmp_path/x.db``, with a config whose
    plugins_dir is ``plugdir`` and entry-point plugins installed in ``site`` (as pip leaves
    them), nothing of the user's."""
    config = tmp_path / "c.toml"
    config.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n'
                      f'[plugins]\nplugins_dir = "{plugdir}"\n')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CRB_TODAY": "2026-11-23",
           "CRB_DB": str(tmp_path / "x.db"), "CRB_CONFIG": str(config)}
    if site is not None:
        env["PYTHONPATH"] = str(site)

    def crb(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crb_tui", *args], capture_output=True,
                              text=True, env=env, check=check)

    return crb


def test_plugins_run_in_every_command_of_the_real_crb(tmp_path: Path) -> None:
    """An installed entry-point plugin and a plugins_dir file, through the real ``crb``: the
    signal counts in show and after a log, the review item is in the review, both commands
    run, and a plugins_dir file that fails to load is one warning while the rest works."""
    site = tmp_path / "site"
    _install_entry_point_plugin(site)
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "local.py").write_text(
        _THIRD_PARTY.replace("{name}", "local-hello").replace("{pid}", "3")
        .replace("guild", "local guild").replace("Guild", "Local guild")
    )
    crb = real_crb(tmp_path, plugdir, site)
    crb("demo", "--people", "8")
    assert crb("guild-hello", "ann").stdout.strip() == "guild-hello ann"
    assert crb("local-hello", "bob").stdout.strip() == "local-hello bob"
    shown = crb("show", "1").stdout
    assert "vouched for by the guild" in shown and "vouched for by the local guild" in shown
    review = crb("review").stdout
    assert "Guild dues are due" in review and "Local guild dues are due" in review
    import json

    trust = json.loads(crb("show", "1", "--json").stdout)["health"]["trust"]
    crb("log", "1", "--kind", "note", "--note", "checked in")
    listed = {p["id"]: p for p in json.loads(crb("people", "--all", "--json").stdout)["people"]}
    again = json.loads(crb("show", "1", "--json").stdout)["health"]["trust"]
    # The log recomputed the score with the plugins' signals, as show explains it.
    assert listed[1]["trust"] == again >= trust

    (plugdir / "broken.py").write_text("raise RuntimeError('half-written plugin')\n")
    result = crb("review")
    assert "Guild dues are due" in result.stdout
    assert result.stderr.count("half-written plugin") == 1
    assert "broken.py" in result.stderr


def test_a_failing_review_plugin_is_one_line_in_a_real_terminal(tmp_path: Path) -> None:
    """Through the real ``crb`` (no test logging capture): a plugin whose review_items raises
    gives one ``warning:`` line and no traceback, plain and with --json."""
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "boards.py").write_text(
        "from crb_tui import hookimpl\n\n"
        "@hookimpl\ndef review_items(store, today):\n"
        "    raise RuntimeError('boards unreachable')\n"
    )
    config = tmp_path / "c.toml"
    config.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n'
                      f'[plugins]\nplugins_dir = "{plugdir}"\n')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CRB_TODAY": "2026-11-23",
           "CRB_DB": str(tmp_path / "x.db"), "CRB_CONFIG": str(config)}
    run = [sys.executable, "-m", "crb_tui"]
    subprocess.run([*run, "demo", "--people", "8"], env=env, check=True, capture_output=True)
    for extra in ([], ["--json"]):
        result = subprocess.run([*run, "review", *extra], capture_output=True, text=True,
                                env=env, check=True)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "review_items failed (boards unreachable)" in lines[0]
        assert "Traceback" not in result.stderr


def test_query_reads_what_hooks_need_and_changes_nothing() -> None:
    from crb_tui import Commitment, Goal, Note, Person, Query, ValueMoment
    from crb_tui.testing import temporary_store

    ann = Identity("email", "Ann@X.com")
    records = [
        Person("Ann", [ann], org="Acme", title="CTO", tier="key"),
        Person("Bob", [Identity("phone", "+44 20 7946 0000")]),
        Interaction("i1", "call", "mutual", T0, ann, duration_minutes=30),
        Interaction("i2", "meeting", "mutual", dt.datetime(2026, 12, 1, tzinfo=dt.UTC), ann),
        Commitment(ann, "send the deck", dt.date(2026, 5, 3)),
        ValueMoment(ann, "intro", "given", T0, note="to Bob"),
        Goal(ann, "hire a team", T0),
        Note(ann, "likes tea", T0, their_words=True),
    ]
    with temporary_store() as store:
        store.write(records, "t")
        q = Query(store, dt.date(2026, 5, 10))
        assert [p["name"] for p in q.people()] == ["Ann", "Bob"]
        assert [p["name"] for p in q.people(tier="key")] == ["Ann"]
        ann_row = q.person(1)
        assert ann_row is not None and ann_row["org"] == "Acme" and ann_row["title"] == "CTO"
        assert q.person(99) is None
        assert q.find_person("email", "ANN@x.com") == 1
        assert q.find_person("phone", "+442079460000") == 2 and q.find_person("url", "x") is None
        assert [i["value"] for i in q.identities(1)] == ["ann@x.com"]
        # The meeting in December has not happened on 10 May.
        (call,) = q.interactions(1)
        assert call["kind"] == "call" and call["at"] == "2026-05-01T00:00:00+00:00"
        assert call["duration_minutes"] == 30 and call["source"] == "t"
        assert q.interactions(1, since=dt.date(2026, 5, 2)) == []
        assert [c["text"] for c in q.commitments(1, status="open")] == ["send the deck"]
        assert q.value_moments(1)[0]["note"] == "to Bob"
        assert q.goals(1)[0]["text"] == "hire a team"
        assert q.notes(1)[0]["their_words"] == 1
        q.people()[0]["name"] = "changed"
        assert q.person(1)["name"] == "Ann"  # type: ignore[index]


def test_query_latest_interactions_is_the_last_of_each_persons_interactions() -> None:
    """Everyone's latest interaction in one query (trial 10 W9: the plugin scaffold asked
    person by person, a query each on every review): the same row `interactions(pid)` ends
    with, for each filter, never a meeting still to come, merged-away and archived people
    left out (archived ones when asked for kept)."""
    from crb_tui import Person, Query
    from crb_tui.testing import temporary_store

    who = [Identity("email", f"{n}@x.com") for n in ("ann", "bob", "cy", "dee", "eve")]
    at = [dt.datetime(2026, 5, d, 9, tzinfo=dt.UTC) for d in range(1, 10)]
    records = [Person(n, [i]) for n, i in zip(("Ann", "Bob", "Cy", "Dee", "Eve"), who,
                                               strict=True)]
    records += [
        Interaction("a1", "email", "in", at[0], who[0], subject="old"),
        Interaction("a2", "email", "out", at[3], who[0], subject="newest mail"),
        Interaction("a3", "call", "mutual", at[2], who[0]),
        Interaction("a4", "meeting", "mutual", dt.datetime(2026, 12, 1, tzinfo=dt.UTC), who[0]),
        Interaction("b1", "message", "in", at[5], who[1]),
        Interaction("c1", "email", "in", at[1], who[2]),
        Interaction("d1", "email", "in", at[4], who[3]),
        Interaction("e1", "email", "in", at[6], who[4]),
    ]
    with temporary_store() as store:
        store.write(records, "t")
        store.write([Interaction("b2", "email", "in", at[7], who[1])], "other")
        with store.transaction():
            store.conn.execute("update people set merged_into = 1 where id = 3")
            store.conn.execute("update people set archived = 1 where id = 4")
        q = Query(store, dt.date(2026, 5, 10))
        latest = q.latest_interactions()
        assert {pid: row["source_key"] for pid, row in latest.items()} == {
            1: "a2", 2: "b2", 5: "e1"}
        assert latest[1]["subject"] == "newest mail" and latest[1]["direction"] == "out"
        assert set(latest[1]) == {"id", "kind", "direction", "at", "subject", "thread",
                                  "duration_minutes", "source", "source_key"}
        # Each filter gives what the person's own interactions end with.
        for kwargs in ({}, {"source": "t"}, {"kind": "email"}, {"direction": "in"},
                       {"kind": "email", "direction": "in"}, {"source": "other"}):
            got = q.latest_interactions(**kwargs)
            want = {}
            for person in q.people():
                rows = [r for r in q.interactions(person["id"], source=kwargs.get("source"))
                        if all(r[k] == v for k, v in kwargs.items())]
                if rows:
                    want[person["id"]] = rows[-1]
            assert got == want, kwargs
        assert q.latest_interactions(include_archived=True)[4]["source_key"] == "d1"
        assert 4 not in q.latest_interactions()
        assert 3 not in q.latest_interactions(include_archived=True)  # merged into Ann


def test_a_plugin_command_reaches_store_config_clock_and_query(tmp_path: Path) -> None:
    from crb_tui.sdk import CrbError, command_context
    from crb_tui.testing import CrbRunner

    @click.command(name="census")
    def census() -> None:
        app = command_context()
        names = [p["name"] for p in app.query.people()]
        click.echo(f"{app.today()} {app.config.me.emails[0]} {names} "
                   f"{app.settings('census')['greeting']}")
        with app.store.transaction():
            app.store.db.execute("update people set title = 'counted'")

    class P:
        @hookimpl
        def register_sources(self, register):
            register(Source(name="census", sync=lambda ctx: [], config_schema={"greeting": "hi"}))

        @hookimpl
        def register_commands(self, register):
            register(census)

    crb = CrbRunner(tmp_path, plugins=[P()], today="2026-11-23",
                    config='[me]\nemails = ["me@example.com"]\n[sources.census]\ngreeting = "yo"\n')
    people = tmp_path / "p.csv"
    people.write_text("name,email\nAda,ada@x.com\n")
    crb("import", people)
    out = crb("census").stdout.strip()
    assert out == "2026-11-23 me@example.com ['Ada'] yo"
    assert crb.json("show", "Ada")["title"] == "counted"
    with pytest.raises(CrbError, match="only inside a crb command"):
        command_context()


def test_a_scoring_plugin_s_settings_are_part_of_the_model(register_plugin) -> None:
    """Scores computed with one setting of a plugin are out of date under another, the same
    day (the model key holds each scoring plugin's settings)."""
    from crb_tui.engine.health import model_key

    class P:
        @hookimpl
        def register_sources(self, register):
            register(Source(name="guild2", sync=lambda ctx: [], config_schema={"points": 10}))

        @hookimpl
        def health_signals(self, person, settings):
            return [Signal("trust", settings["points"], "vouched for")]

    register_plugin(P(), "guild2-plugin")
    ten = model_key(Config())
    assert model_key(Config(sources={"guild2": {"points": 10}})) == ten
    assert model_key(Config(sources={"guild2": {"points": 20}})) != ten


def test_query_finds_the_person_a_merged_away_owner_went_into() -> None:
    """An identity still held by a merged-away person stands for the one it was merged into,
    however many merges away (the store's one way of following merges)."""
    from crb_tui import Person, Query
    from crb_tui.testing import temporary_store

    people = [Person(name, [Identity("email", f"{name}@x.com")]) for name in ("ann", "bob", "cy")]
    with temporary_store() as store:
        store.write(people, "t")
        with store.transaction():
            store.conn.execute("update people set merged_into = 2 where id = 3")
            store.conn.execute("update people set merged_into = 1 where id = 2")
        q = Query(store, dt.date(2026, 5, 10))
        assert q.find_person("email", "cy@x.com") == 1
        assert q.find_person("email", "bob@x.com") == 1
        assert q.find_person("email", "ann@x.com") == 1


def test_a_plugin_that_fails_to_load_is_left_out_and_named(tmp_path: Path) -> None:
    """Trial 9 F4/F3: an installed entry-point plugin whose module fails to import (a
    dependency gone missing) broke every command, `crb --help`, `crb plugins` and `crb doctor`
    included ("unexpected error", a traceback); a plugins_dir file that failed to load made
    `crb plugins` fail while `crb doctor` said all was ok. Each is one warning naming it."""
    site = tmp_path / "site"
    _install_entry_point_plugin(site)
    (site / "crb_broken.py").write_text("import requests_oauthlib_notinstalled\n")
    info = site / "crb_broken-0.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crb-broken\nVersion: 0.2\n")
    (info / "entry_points.txt").write_text("[crb_tui]\nbroken = crb_broken\n")
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "half.py").write_text("raise RuntimeError('half-written plugin')\n")
    crb = real_crb(tmp_path, plugdir, site, check=False)
    config = tmp_path / "c.toml"
    assert crb("demo", "--people", "8").returncode == 0
    for args in (["--help"], ["review"], ["plugins"], ["guild-hello", "ann"]):
        result = crb(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
        assert result.stderr.count("crb: warning: plugin broken failed to load: No module named "
                                   "'requests_oauthlib_notinstalled'") == 1, result.stderr
        assert result.stderr.count("half.py failed to load: half-written plugin") == 1
    assert "guild-hello" in crb("--help").stdout
    # --help lists a plugins_dir's commands too (it is read before --config is)
    (plugdir / "half.py").write_text(_THIRD_PARTY.replace("{name}", "half-hello")
                                     .replace("{pid}", "3"))
    assert "half-hello" in crb("--help").stdout
    assert "half-hello" in crb("--config", str(config), "--help").stdout
    (plugdir / "half.py").write_text("raise RuntimeError('half-written plugin')\n")
    assert "Guild dues are due" in crb("review").stdout
    listed = crb("plugins").stdout
    assert "guild 0.1" in listed and "mbox" in listed
    assert "broken\n  failed to load: No module named" in listed
    failed = {p["name"]: p["error"] for p in json.loads(crb("plugins", "--json").stdout)}
    assert failed["guild"] is None and failed["broken"].startswith("failed to load")
    assert failed[str(plugdir / "half.py")] == "failed to load: half-written plugin"
    doctor = crb("doctor")
    assert doctor.returncode == 1
    assert "[FAIL] plugin broken: failed to load (No module named" in doctor.stdout
    assert f"[FAIL] plugin {plugdir / 'half.py'}: failed to load (half-written" in doctor.stdout


def _install_plugin(site: Path, name: str, code: str) -> None:
    """A third party's plugin ``name`` as ``pip install`` leaves it in ``site``."""
    site.mkdir(exist_ok=True)
    (site / f"crb_{name}.py").write_text(code)
    info = site / f"crb_{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: crb-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[crb_tui]\n{name} = crb_{name}\n")


def test_crb_plugins_says_a_failed_register_sources_or_commands(tmp_path: Path) -> None:
    """Trial 12 T1: an installed plugin whose register_sources raised (or registered a str)
    was listed by `crb plugins` as healthy ("error": None in --json) while `crb doctor` failed
    on it. It is said there too, in doctor's words."""
    site = tmp_path / "site"
    head = "from crb_tui import hookimpl\n\n@hookimpl\n"
    _install_plugin(site, "calllog", head + "def register_sources(register):\n"
                    "    raise RuntimeError('register_sources boom')\n")
    _install_plugin(site, "strsrc", head + "def register_sources(register):\n"
                    "    register('calls')\n")
    _install_plugin(site, "cmds", head + "def register_commands(register):\n"
                    "    raise RuntimeError('no commands today')\n")
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    crb = real_crb(tmp_path, plugdir, site, check=False)
    said = {
        "calllog": "register_sources failed (register_sources boom); its sources are left out",
        "strsrc": "register_sources failed (registered str, not a Source); its sources are "
                  "left out",
        "cmds": "register_commands failed (no commands today); its commands are left out",
    }
    listed = crb("plugins")
    assert listed.returncode == 0, listed.stderr
    blocks = re.split(r"\n(?=\S)", listed.stdout)  # a plugin, then its indented lines
    for name, why in said.items():
        (block,) = [b for b in blocks if b.startswith(f"{name} 0.1\n")]
        assert block.rstrip("\n").endswith(f"\n  {why}"), listed.stdout
    assert "csv 0.1.0\n  hooks: register_sources\n  sources: csv\n" in listed.stdout
    by_name = {p["name"]: p for p in json.loads(crb("plugins", "--json").stdout)}
    assert {name: by_name[name]["error"] for name in said} == said
    assert by_name["calllog"]["sources"] == [] and by_name["csv"]["error"] is None
    doctor = crb("doctor")
    for name, why in said.items():
        assert f"[FAIL] plugin {name}: {why}" in doctor.stdout


def test_a_plugin_command_named_like_a_crb_command_is_left_out_with_a_word(
    tmp_path: Path,
) -> None:
    """Trial 12: a plugin command named `people` was dropped without a word (`crb plugins`,
    `crb doctor` and stderr said nothing)."""
    from crb_tui.cli import group
    from crb_tui.testing import CrbRunner

    @click.command(name="people")
    def people() -> None:
        click.echo("the plugin's people")

    @click.command(name="census2")
    def census2() -> None:
        click.echo("counted")

    class P:
        @hookimpl
        def register_commands(self, register):
            register(people)
            register(census2)

    group._TOLD_SHADOWED.discard("people")
    crb = CrbRunner(tmp_path, plugins=[P()], today="2026-11-23")
    result = crb("census2")
    assert result.stdout == "counted\n"
    assert result.stderr == ("crb: warning: a plugin's command 'people' is left out: CRB has a "
                             "command of that name (the plugin must give its command another)\n")
    assert "the plugin's people" not in crb("people", ok=False).stdout
