"""Showing untrusted text safely: no terminal control sequences, ever."""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, and C1 controls (which include CSI as one byte).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    return f"\\x{code:02x}"


def plain(text: object, *, one_line: bool = False) -> str:
    """``text`` with control characters made visible (ESC becomes ``^[``), safe to print."""
    if text is None:
        return ""
    value = _CONTROL.sub(_visible, str(text))
    if one_line:
        value = value.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return value
