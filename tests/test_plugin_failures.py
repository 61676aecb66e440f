"""Every hook is isolated per plugin: a plugin that raises (or returns what CRB cannot use) is
left out with one warning line naming it and the hook, and the rest of ``crb`` works."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import click
import pytest

from crb_tui import ReviewItem, Signal, hookimpl
from crb_tui.host.app_context import AppContext
from crb_tui.sources import Source
from tests.conftest import Crb, rows

GOOGLE_CSV = Path("csv") / "google" / "mtrazzi_google_contacts_legacy.csv"


class _RaisingSources:
    @hookimpl
    def register_sources(self, register):  # type: ignore[no-untyped-def]
        register(Source(name="half-registered", sync=lambda ctx: []))
        raise RuntimeError("sources plugin boom")


class _GarbageSources:
    @hookimpl
    def register_sources(self, register):  # type: ignore[no-untyped-def]
        register("not a source")


def test_a_register_sources_that_raises_leaves_import_and_sync_working(
    register_plugin, crb: Crb, corpus: Path
) -> None:
    register_plugin(_RaisingSources(), "raising-sources")
    result = crb("import", str(corpus / GOOGLE_CSV))
    assert rows(crb.db, "SELECT count(*) FROM people") == [(3,)]
    warning = ("crb: warning: plugin raising-sources: register_sources failed (sources plugin "
               "boom); its sources are left out")
    assert result.stderr.strip().splitlines() == [warning]
    # Said once per run: the next command in this process does not repeat it.
    status = crb("sync", "--status")
    assert "google-csv" in status.stdout and "raising-sources" not in status.stderr
    listed = crb("sync", "half-registered", ok=False)
    assert listed.exit_code != 0 and "csv" in listed.stderr  # what it registered is left out
    doctor = crb("doctor", ok=False).stdout
    assert "plugin raising-sources" in doctor and "sources plugin boom" in doctor


def test_a_register_sources_registering_garbage_is_left_out(register_plugin, crb: Crb) -> None:
    register_plugin(_GarbageSources(), "garbage-sources")
    result = crb("sync")
    assert "register_sources failed (registered str, not a Source)" in result.stderr
    assert "plugin garbage-sources" in result.stderr
    assert "No sources configured" in result.stdout + result.stderr


def test_a_register_commands_that_raises_leaves_the_other_commands(
    register_plugin, crb: Crb
) -> None:
    @click.command(name="fine-hello")
    def hello() -> None:
        click.echo("fine")

    class Good:
        @hookimpl
        def register_commands(self, register):  # type: ignore[no-untyped-def]
            register(hello)

    class Bad:
        @hookimpl
        def register_commands(self, register):  # type: ignore[no-untyped-def]
            raise RuntimeError("commands plugin boom")

    register_plugin(Good(), "good-commands")
    register_plugin(Bad(), "raising-commands")
    result = crb("fine-hello")
    assert result.stdout.strip() == "fine"
    assert result.stderr.strip().splitlines() == [
        "crb: warning: plugin raising-commands: register_commands failed (commands plugin "
        "boom); its commands are left out"]
    assert "raising-commands" not in crb("fine-hello").stderr  # once per run


def test_a_health_signals_that_raises_is_said_once_and_the_others_count(
    register_plugin, crb: Crb, caplog: pytest.LogCaptureFixture
) -> None:
    class Good:
        @hookimpl
        def health_signals(self, person):  # type: ignore[no-untyped-def]
            return [Signal(gauge="trust", points=5, reason="vouched for by the good plugin")]

    class Bad:
        @hookimpl
        def health_signals(self, person):  # type: ignore[no-untyped-def]
            raise RuntimeError("signals plugin boom")

    register_plugin(Good(), "good-signals")
    register_plugin(Bad(), "raising-signals")
    with caplog.at_level(logging.WARNING):
        crb("demo", "--people", "8")
        shown = crb("show", "1").stdout
    assert "vouched for by the good plugin" in shown
    said = [r.getMessage() for r in caplog.records if "raising-signals" in r.getMessage()]
    assert said == ["plugin raising-signals: health_signals failed (signals plugin "
                    "boom); its signals are left out"]  # once, not once per person


class _FailingSignals:
    """A ``health_signals`` that fails for everyone (``why`` says how, and can be changed)."""

    def __init__(self) -> None:
        self.why = "signals plugin down"

    @hookimpl
    def health_signals(self, person):  # type: ignore[no-untyped-def]
        raise RuntimeError(self.why)


def _said(caplog: pytest.LogCaptureFixture, plugin: str) -> list[str]:
    said = [r.getMessage() for r in caplog.records if f"plugin {plugin}:" in r.getMessage()]
    caplog.clear()
    return said


def test_one_command_says_a_failing_health_signals_once_through_recompute_and_explain(
    register_plugin, crb: Crb, caplog: pytest.LogCaptureFixture
) -> None:
    crb("demo", "--people", "8")
    register_plugin(_FailingSignals(), "failing-show")
    crb.today = crb.today.replace(day=24)  # a new day: every score is computed again
    with caplog.at_level(logging.WARNING):
        shown = crb("show", "1")  # brings the scores up to today, then explains person 1
    assert "(id 1," in shown.stdout
    assert _said(caplog, "failing-show") == [
        "plugin failing-show: health_signals failed (signals plugin down); its signals are "
        "left out"]


def test_the_app_says_a_failing_health_signals_again_on_a_later_day(
    register_plugin, context: AppContext, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The app is one process for days: a plugin still failing tomorrow is said tomorrow (it
    was said once per process, so never again)."""
    from crb_tui.engine import health

    plugin = _FailingSignals()
    register_plugin(plugin, "failing-app")
    with caplog.at_level(logging.WARNING):
        context.recompute()
        context.recompute([1, 2])
        health.explain(context.store, context.config, 1, context.today())
        assert len(_said(caplog, "failing-app")) == 1  # once, however many runs that day
        monkeypatch.setenv("CRB_TODAY", "2026-11-24")
        context.bring_scores_up_to_date()
        health.explain(context.store, context.config, 1, context.today())
        assert len(_said(caplog, "failing-app")) == 1  # the next day: said again, once
        plugin.why = "another reason"
        context.recompute()
        assert _said(caplog, "failing-app") == []  # (the day's line is said: no second one)
        monkeypatch.setenv("CRB_TODAY", "2026-11-25")
        context.recompute()
        assert _said(caplog, "failing-app") == [
            "plugin failing-app: health_signals failed (another reason); its signals are left "
            "out"]


def test_a_malformed_signal_is_said_once_a_day_not_once_per_person(
    register_plugin, context: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    class Malformed:
        @hookimpl
        def health_signals(self, person):  # type: ignore[no-untyped-def]
            return [f"not a signal for {person['id']}"]

    register_plugin(Malformed(), "malformed-signals")
    with caplog.at_level(logging.WARNING):
        context.recompute()
        context.recompute()
    said = [r.getMessage() for r in caplog.records if "malformed-signals" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(
        "plugin malformed-signals: health_signals returned a malformed signal (not a Signal: "
        "str"), said


def test_a_review_items_that_raises_leaves_the_other_items(register_plugin, crb: Crb) -> None:
    class Good:
        @hookimpl
        def review_items(self, query, today):  # type: ignore[no-untyped-def]
            return [ReviewItem(person_id=1, kind="good", reason="Good plugin says hello",
                               action="Say hello", priority=100000)]

    class Bad:
        @hookimpl
        def review_items(self, query, today):  # type: ignore[no-untyped-def]
            raise RuntimeError("review plugin boom")

    crb("demo", "--people", "8")
    register_plugin(Good(), "good-review")
    register_plugin(Bad(), "raising-review")
    result = crb("review")
    assert "Good plugin says hello" in result.stdout
    assert result.stderr.count("review_items failed (review plugin boom)") == 1
    assert "plugin raising-review" in result.stderr


def test_a_plugins_dir_file_failing_in_every_hook_leaves_crb_working(tmp_path: Path) -> None:
    """Through the real ``crb`` in its own process: a ``plugins_dir`` file whose every hook
    raises gives one warning line per hook, and the demo, show, review, sync and doctor work."""
    plugdir = tmp_path / "plugs"
    plugdir.mkdir()
    (plugdir / "flaky.py").write_text(
        "from crb_tui import hookimpl\n\n"
        "@hookimpl\ndef register_sources(register):\n    raise RuntimeError('no sources')\n\n"
        "@hookimpl\ndef register_commands(register):\n    raise RuntimeError('no commands')\n\n"
        "@hookimpl\ndef health_signals(person):\n    raise RuntimeError('no signals')\n\n"
        "@hookimpl\ndef review_items(query, today):\n    raise RuntimeError('no items')\n"
    )
    config = tmp_path / "c.toml"
    config.write_text(f'[me]\nemails = ["me@example.com"]\ntimezone = "UTC"\n'
                      f'[plugins]\nplugins_dir = "{plugdir}"\n')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CRB_TODAY": "2026-11-23",
           "CRB_DB": str(tmp_path / "x.db"), "CRB_CONFIG": str(config)}

    def crb(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crb_tui", *args], capture_output=True,
                              text=True, env=env, check=check)

    demo = crb("demo", "--people", "8")
    signals = "plugin crb_local_flaky: health_signals failed (no signals)"
    assert demo.stderr.count(signals) == 1, demo.stderr
    assert "Traceback" not in demo.stderr
    shown = crb("show", "1")
    assert "(id 1," in shown.stdout
    review = crb("review")
    assert review.stdout.strip() and "review_items failed (no items)" in review.stderr
    assert review.stderr.count("crb_local_flaky: review_items") == 1
    assert crb("sync", "--status").returncode == 0
    synced = crb("sync", check=False)
    assert "No sources configured" in synced.stdout + synced.stderr
    assert "available: caldav, csv" in synced.stdout + synced.stderr  # the others' sources
    assert synced.stderr.count("plugin crb_local_flaky: register_sources failed (no sources);"
                               " its sources are left out") == 1
    # Every warning, whichever part says it (the plugin loader, the health engine's log, the
    # review), in the one form of CRB's lines on stderr
    said = [line for run in (demo, shown, review, synced) for line in run.stderr.splitlines()]
    assert said and all(line.startswith("crb: warning: plugin crb_local_flaky: ")
                        for line in said if "failed" in line), said
    assert all(line.startswith("crb: ") for line in said), said
    doctor = crb("doctor", check=False)
    assert "register_sources failed (no sources)" in doctor.stdout
    assert "register_commands failed (no commands)" in doctor.stdout
