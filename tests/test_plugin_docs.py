"""docs/plugins.md documents every public name and field of the plugin API: a name added to
the code without its documentation fails here (as datasette's test_plugin_hooks_are_documented
does for hooks)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import types

import pytest

import crb_tui
import crb_tui.sdk
import crb_tui.sdk.http
import crb_tui.testing
from crb_tui import hookspecs, records
from crb_tui.host.sync import SourceSummary
from crb_tui.identity import IDENTITY_KINDS
from crb_tui.query import Query
from crb_tui.results import ReviewItem, Signal
from crb_tui.sdk.command import CommandContext
from crb_tui.sources import Source, SyncContext

from .conftest import ROOT
from .test_plugin_imports import SDK_MODULES

DOC = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")

RECORDS = [records.Identity, records.Person, records.Interaction, records.Commitment,
           records.ValueMoment, records.Goal, records.Note, records.Delete, records.Skip,
           records.Reject]
HOOKS = sorted(name for name, obj in vars(hookspecs).items() if hasattr(obj, "crb_tui_spec"))


def _section(title: str) -> str:
    found = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", DOC, re.S | re.M)
    assert found, f"docs/plugins.md has no section {title!r}"
    return found.group(1)


def _public(obj: object) -> list[str]:
    return [n for n in vars(obj) if not n.startswith("_")]


API = [crb_tui, crb_tui.sdk, *map(importlib.import_module, sorted(SDK_MODULES)), crb_tui.testing]
"""The plugin API: the package, the SDK and its public modules, and the helpers for tests."""


@pytest.mark.parametrize("module", API, ids=lambda m: m.__name__)
def test_every_public_name_is_documented(module: types.ModuleType) -> None:
    """Each module of the plugin API says what it exports (``__all__``), docs/plugins.md names
    every one of them, and every function and class of it has a docstring."""
    assert isinstance(module.__all__, list) and module.__doc__
    missing = [n for n in module.__all__ if n != "__version__" and f"`{n}" not in DOC
               and f".{n}`" not in DOC and f"{n}(" not in DOC]
    assert not missing, f"docs/plugins.md does not mention {missing}"
    objects = [getattr(module, n) for n in module.__all__]
    assert not [o for o in objects if (inspect.isfunction(o) or inspect.isclass(o))
                and not inspect.getdoc(o)]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_every_record_field_is_documented(record: type) -> None:
    if record is records.Identity:
        text = DOC
    else:
        (row,) = re.findall(rf"^\| `{record.__name__}` \|.*$", DOC, re.M)
        text = row
    missing = [f.name for f in dataclasses.fields(record) if f"`{f.name}`" not in text]
    assert not missing, f"{record.__name__}: {missing} not in its row of the Records table"


@pytest.mark.parametrize("words", [IDENTITY_KINDS, records.INTERACTION_KINDS,
                                   records.DIRECTIONS, records.VALUE_KINDS, records.TIERS])
def test_every_kind_is_listed(words: tuple[str, ...]) -> None:
    section = _section("Records")
    missing = [w for w in words if not re.search(rf"[` ]{w}[` ,)]", section)]
    assert not missing, f"the Records section does not list {missing}"


def test_every_source_and_context_field_is_documented() -> None:
    section = _section("register_sources")
    missing = [f.name for f in dataclasses.fields(Source)
               if f"`{f.name}`" not in section and f"`{f.name}(" not in section]
    missing += [
        f"ctx.{n}" for n in [f.name for f in dataclasses.fields(SyncContext)]
        + [n for n, v in vars(SyncContext).items() if callable(v) or isinstance(v, property)]
        if not n.startswith("_") and f"`ctx.{n}" not in section
    ]
    assert not missing, f"register_sources does not document {missing}"


def test_every_summary_field_is_documented() -> None:
    section = _section("The run's summary")
    fields = [*SourceSummary(source="x").as_dict(), "status"]
    missing = [f for f in fields if f"`{f}`" not in section]
    assert not missing, f"The run's summary does not document {missing}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_input_is_documented(hook: str) -> None:
    section = _section(hook)
    spec = inspect.signature(getattr(hookspecs, hook))
    missing = [name for name in spec.parameters if f"`{name}`" not in section
               and f"{name}:" not in section]
    assert not missing, f"### {hook} does not document its inputs {missing}"


def test_every_history_key_is_documented() -> None:
    section = _section("health_signals")
    for key in ("interactions", "commitments", "value_moments", "today"):
        assert f"`{key}`" in section


@pytest.mark.parametrize("result", [Signal, ReviewItem], ids=lambda r: r.__name__)
def test_every_result_field_is_documented(result: type) -> None:
    text = _section("health_signals" if result is Signal else "review_items")
    missing = [f.name for f in dataclasses.fields(result) if f"`{f.name}`" not in text]
    assert not missing, f"{result.__name__}: {missing} undocumented"


def test_every_query_method_and_command_context_member_is_documented() -> None:
    query = _section("The query object")
    missing = [n for n in _public(Query) if f"`query.{n}" not in query] + (
        [] if "`query.today`" in query else ["today"])
    command = _section("register_commands")
    members = [f.name for f in dataclasses.fields(CommandContext)] + _public(CommandContext)
    missing += [f"CommandContext.{n}" for n in members if f"`.{n}" not in command]
    assert not missing, f"undocumented: {missing}"


def test_every_row_field_a_hook_sees_is_documented() -> None:
    from crb_tui.query import PERSON_FIELDS

    rows = _section("Rows")
    missing = [f for f in PERSON_FIELDS if f"`{f}`" not in rows]
    assert not missing, f"the person row's {missing} undocumented"
