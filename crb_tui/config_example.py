"""Builds the commented ``config.example.toml`` from the typed settings and their docstrings, so
the example can never drift from what CRB actually reads; ``crb config init`` writes it as the
starter config (:func:`write_starter`)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import os
import textwrap
from pathlib import Path
from typing import Any

import tomli_w

from crb_tui import config as config_module

HEADER = """\
# CRB configuration: every setting with its default.
# Copy to the path `crb config path` prints (or pass --config / set CRB_CONFIG) and edit.
# Secrets never go in this file: use { "$env" = "NAME" } or { "$keyring" = "service/user" }.
"""

SOURCES_HEADER = """\
# Per-source settings, one table per source (`crb plugins` lists the sources). A source runs
# with `crb sync` once its table is here; file importers also run with `crb import PATH`.
# Below: CRB's built-in sources with their defaults (uncomment what you change).
"""


def _builtin_sources() -> list[Any]:
    """The sources of CRB's own plugins, read straight from their entry points."""
    import importlib.metadata

    from crb_tui.hooks import BUILTIN_DISTRIBUTION, ENTRY_POINT_GROUP

    found: dict[str, Any] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if not ep.dist or ep.dist.name != BUILTIN_DISTRIBUTION:
            continue
        module = ep.load()
        hook = getattr(module, "register_sources", None)
        if hook is not None:
            hook(register=lambda source: found.setdefault(source.name, source))
    return [found[name] for name in sorted(found)]


def _sources_example() -> str:
    out = [SOURCES_HEADER.rstrip()]
    for source in _builtin_sources():
        out.append("")
        title = f" ({source.description})" if source.description else ""
        out.append(f"# [sources.{source.name}]{title}")
        for key, value in source.config_schema.items():
            if isinstance(value, dict):
                shown = "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
                shown = "{}" if not value else shown
            else:
                shown = _toml_value(value)
            out.append(f"# {key} = {shown}")
    return "\n".join(out)

KEYMAP_EXAMPLE = """\
# Remap the app's keys by binding id (see `?` in the app), e.g.:
# [keymap]
# "review.next" = "j,down"
"""


def _docstrings(cls: type) -> dict[str, str]:
    """Attribute docstrings: the string literal right after each annotated field."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    class_def = tree.body[0]
    assert isinstance(class_def, ast.ClassDef)  # the source of a class is its definition
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(class_def.body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    line = tomli_w.dumps({"x": value}).strip()
    return line.split("=", 1)[1].strip()


def example_toml() -> str:
    out = [HEADER]
    cfg = config_module.Config()
    for field in dataclasses.fields(cfg):
        section = getattr(cfg, field.name)
        if not dataclasses.is_dataclass(section):
            continue
        cls = type(section)
        out.append("")
        if cls.__doc__ and not cls.__doc__.startswith(cls.__name__):
            out.append(f"# {' '.join(cls.__doc__.split())}")
        out.append(f"[{field.name}]")
        docs = _docstrings(cls)
        for sub in dataclasses.fields(section):
            if sub.name in docs:
                for line in textwrap.wrap(docs[sub.name], 96):
                    out.append(f"# {line}")
            value = getattr(section, sub.name)
            if isinstance(value, dict):
                out.append(f"{sub.name} = {{ " + ", ".join(
                    f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }")
            else:
                out.append(f"{sub.name} = {_toml_value(value)}")
    out.append("")
    out.append(_sources_example())
    out.append("")
    out.append(KEYMAP_EXAMPLE.rstrip())
    return "\n".join(out) + "\n"


def write_starter(path: Path | None) -> Path:
    """A new config file at ``path`` (None: the default place, as load_config reads; never over
    an existing one, mode 0600): the commented example, every setting with what it does and its
    default, as config.example.toml."""
    from crb_tui.files import open_new_private

    path = Path(path or config_module.default_config_path()).expanduser()
    text = example_toml()
    with os.fdopen(open_new_private(path, "config"), "wb") as fh:
        fh.write(text.encode("utf-8"))
    return path


if __name__ == "__main__":
    print(example_toml(), end="")
