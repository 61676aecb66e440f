"""``crb_tui.testing``, the helpers a plugin's own tests use: each checked on a real outcome."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import click

from crb_tui import Identity, Interaction, Person, Source, hookimpl
from crb_tui.testing import CrbRunner, registered, run_source, sync_context, temporary_store

T0 = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)


def _sync(ctx):  # type: ignore[no-untyped-def]
    start = ctx.checkpoint.get(0)
    yield Person("Ann Lee", [Identity("email", "ann@example.com")])
    for n in range(start, ctx.config["count"]):
        yield Interaction(f"chat:{n}", "message", "out", T0 + dt.timedelta(hours=n),
                          Identity("email", "ann@example.com"), subject=f"hello {n}")
    ctx.checkpoint.set(ctx.config["count"])


SOURCE = Source(name="chat", sync=_sync, config_schema={"count": 2})


def test_sync_context_gives_defaults_config_and_a_checkpoint_kept_in_memory() -> None:
    ctx = sync_context(SOURCE, config={"count": 3}, paths=["a.txt"], cursor=1)
    records = list(SOURCE.sync(ctx))
    assert [r.source_key for r in records if isinstance(r, Interaction)] == ["chat:1", "chat:2"]
    assert ctx.checkpoint.value == 3 and ctx.checkpoint.saved == [3]  # type: ignore[attr-defined]
    assert ctx.paths == [Path("a.txt")] and ctx.me == ("me@example.com",)
    assert sync_context(SOURCE).config == {"count": 2}


def test_run_source_returns_the_summary_and_the_stored_rows() -> None:
    run = run_source(SOURCE, config={"count": 3})
    assert run.summary.ok and run.summary.imported == 4 and run.summary.new_people == 1
    assert [p["name"] for p in run.people] == ["Ann Lee"]
    assert [i["subject"] for i in run.interactions] == ["hello 0", "hello 1", "hello 2"]
    assert {i["person_id"] for i in run.interactions} == {run.people[0]["id"]}
    assert run.identities[0]["value"] == "ann@example.com"


def test_run_source_twice_on_one_store_is_idempotent() -> None:
    with temporary_store() as store:
        first = run_source(SOURCE, store=store)
        store.set_cursor("chat", None)
        again = run_source(SOURCE, store=store)
    assert first.summary.imported == 3
    assert again.summary.imported == 0 and again.summary.unchanged == 3
    assert len(again.interactions) == 2


def test_run_source_checks_the_config_as_the_user_s_would_be() -> None:
    run = run_source(SOURCE, config={"cuont": 3})
    assert not run.summary.ok and "sources.chat.cuont" in run.summary.errors[0]
    assert run.interactions == []


def test_registered_and_the_cli_runner_run_a_plugin_through_the_real_crb(tmp_path: Path) -> None:
    @click.command(name="chat-hello")
    def hello() -> None:
        click.echo("hello from chat")

    @hookimpl
    def register_sources(register):  # type: ignore[no-untyped-def]
        register(SOURCE)

    @hookimpl
    def register_commands(register):  # type: ignore[no-untyped-def]
        register(hello)

    module = types.ModuleType("crb_chat_test")
    module.register_sources = register_sources  # type: ignore[attr-defined]
    module.register_commands = register_commands  # type: ignore[attr-defined]
    crb = CrbRunner(tmp_path / "crb", plugins=[module], today="2026-11-23")
    assert crb("chat-hello").stdout.strip() == "hello from chat"
    (summary,) = crb.json("sync", "chat")["sources"]
    assert summary["imported"] == 3
    assert crb.json("show", "Ann Lee")["name"] == "Ann Lee"
    listed = {p["name"]: p for p in crb.json("plugins")}
    assert listed["crb_chat_test"]["sources"] == ["chat"]
    # Registered for the command only: afterwards CRB is as it was.
    with registered(module) as again:
        assert again is module
    from crb_tui.host import plugins

    assert plugins.pm.get_plugin("crb_chat_test") is None
