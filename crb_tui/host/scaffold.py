"""``crb plugins new NAME``: a new plugin package, complete and installable, from the template
in ``plugin_template/`` (each ``*.tmpl`` file, its ``${name}``-style fields filled in)."""

from __future__ import annotations

import re
import string
from pathlib import Path

from crb_tui import __version__
from crb_tui.errors import CrbError

TEMPLATE = Path(__file__).parent / "plugin_template"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def fields(name: str) -> dict[str, str]:
    """What the template's ``${...}`` fields become for a plugin called ``name``."""
    if not _NAME.match(name) or name.startswith("crb"):
        raise CrbError(
            f"plugin name {name!r}: use lower-case letters, digits and _ (starting with a "
            "letter, at most 40, not starting with crb), e.g. whatsapp")
    return {
        "name": name,
        "package": f"crb_{name}",
        "dist": f"crb-{name.replace('_', '-')}",
        "title": name.replace("_", " ").title(),
        "crb_version": __version__,
    }


def write_plugin(name: str, folder: Path) -> Path:
    """Write the package for ``name`` into ``folder/crb-NAME`` (which must not exist or be
    empty) and return that path."""
    values = fields(name)
    target = Path(folder).expanduser() / values["dist"]
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CrbError(f"{target} already exists and is not empty")
    for tmpl in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = tmpl.relative_to(TEMPLATE).with_suffix("")
        parts = [values["package"] if p == "src" else p for p in relative.parts]
        if parts[0] == values["package"]:
            parts.insert(0, "src")
        out = target.joinpath(*parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = string.Template(tmpl.read_text(encoding="utf-8")).substitute(values)
        out.write_text(text, encoding="utf-8")
    return target
