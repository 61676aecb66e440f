"""The files a list of paths names, as ``crb import`` and a file source's ``paths`` setting
take them: files as given, folders recursively, globs expanded, URLs kept."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from crb_tui.sources import Source

__all__ = ["archive_kind", "expand_paths", "read_head", "source_paths"]

HEAD_BYTES = 64 * 1024


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://", "webcal://"))


def read_head(path: str) -> bytes:
    """The first bytes of a file (raises OSError when it cannot be read)."""
    if _is_url(path):
        return b""
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def _walk(folder: str) -> list[str]:
    """Every file under ``folder``, recursively, in name order; hidden files and folders (a
    leading dot: ``.DS_Store``, ``.git``) are left out."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    return found


def expand_paths(paths: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """The files (and URLs) that ``paths`` name: files as given, folders recursively, globs
    (``'cals/**/*.ics'``, quoted so the shell leaves them to CRB) expanded. Returns them in
    order without repeats, and a rejection for each path that names nothing."""
    files: list[str] = []
    rejected: list[dict[str, str]] = []
    for arg in paths:
        if _is_url(arg):
            files.append(arg)
            continue
        path = os.path.expanduser(arg)
        if os.path.isdir(path):
            found = _walk(path)
            if not found:
                rejected.append({"where": arg, "reason": "the folder has no files"})
            files.extend(found)
        elif os.path.lexists(path):
            files.append(path)
        elif glob.has_magic(path):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                rejected.append({"where": arg, "reason": "no file matches this pattern"})
            for match in matches:
                files.extend(_walk(match) if os.path.isdir(match) else [match])
        else:
            rejected.append({"where": arg, "reason": "no such file or folder"})
    return list(dict.fromkeys(files)), rejected


def source_paths(entries: list[str], source: Source) -> tuple[list[str], list[dict[str, str]]]:
    """A file source's ``paths`` setting as the files it names (``~`` expanded): a file or URL
    as given (the source says if it cannot read it), a folder or a glob as the files in it that
    ``source`` recognises (other files are not its business), and a rejection for an entry
    that names none."""
    files: list[str] = []
    rejected: list[dict[str, str]] = []
    for entry in entries:
        entry = str(entry)
        path = os.path.expanduser(entry)
        if _is_url(entry) or (os.path.lexists(path) and not os.path.isdir(path)):
            files.append(entry if _is_url(entry) else path)
            continue
        if not os.path.isdir(path) and not glob.has_magic(path):
            files.append(path)  # the source itself reports what is missing
            continue
        found, _ = expand_paths([entry])
        mine = [f for f in found if _recognised(f, source)]
        if not mine:
            reads = f"no file {source.name} reads ({', '.join(source.formats)})"
            rejected.append({"where": entry, "reason": f"the folder holds {reads}"
                             if os.path.isdir(path) else f"{reads} matches this pattern"})
        files.extend(mine)
    return list(dict.fromkeys(files)), rejected


def _recognised(path: str, source: Source) -> bool:
    if source.detect is None:
        return True
    try:
        return source.detect(Path(path), read_head(path)) in source.formats
    except Exception:  # noqa: BLE001 - an unreadable file or a broken detector: not taken
        return False


_ARCHIVES = (
    (b"PK\x03\x04", "a zip archive"), (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"), (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"(\xb5/\xfd", "a zstd-compressed file"),
)


def archive_kind(head: bytes) -> str | None:
    """What kind of archive or compressed file ``head`` starts (a Takeout download is a
    ``.zip`` or ``.tgz``), or None."""
    for magic, kind in _ARCHIVES:
        if head.startswith(magic):
            return kind
    if len(head) > 262 and head[257:262] == b"ustar":
        return "a tar archive"
    return None
