"""A source's own state, kept by the host in CRB's database: ``ctx.state``.

What a source must remember between runs besides its cursor (which Google id gave which
records, an account's generation counter, ...) goes here, never in a file of its own. Values
are anything JSON can hold; keys are strings, in namespaces (``ctx.state.namespace("x")``),
read back in key order by prefix. Each source sees only its own.

A change is stored with the records the source yields around it, in the same transaction: a
dry run keeps neither, a run killed half-way keeps both up to the same batch, and a run that
stops with an error or Ctrl-C keeps both as far as it went (as it does records). Reads see
the source's own changes at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

Changes = dict[tuple[str, str], str | None]
"""``(namespace, key) -> JSON text``; ``None`` deletes."""

FLUSH_EVERY = 1000
"""Changes held before the host is asked to store them (with the records yielded so far)."""

PAGE = 500
"""Rows read at a time by :meth:`State.items`."""


class StateBackend(Protocol):
    """Where the host keeps one source's state (``crb_tui.store.state.SourceStateTable``)."""

    def get(self, ns: str, key: str) -> str | None: ...

    def scan(self, ns: str, low: str, high: str | None, after: str | None,
             limit: int) -> list[tuple[str, str]]: ...


class _Shared:
    def __init__(self, backend: StateBackend | None, flush: Callable[[], None] | None,
                 side_file_rows: Callable[[Path, str], list[dict[str, Any]]] | None) -> None:
        self.backend = backend
        self.flush = flush
        self.side_file_rows = side_file_rows
        self.pending: dict[str, dict[str, str | None]] = {}
        """Namespace -> key -> JSON text (None: deleted), not stored yet."""
        self.count = 0


class State:
    """``ctx.state``: a source's key-value store (see the module's docstring).

    Made by the host; ``State()`` alone keeps everything in memory for the run (what a source
    gets when it is called outside CRB's sync runner, in tests).
    """

    def __init__(self, backend: StateBackend | None = None, *,
                 flush: Callable[[], None] | None = None,
                 side_file_rows: Callable[[Path, str], list[dict[str, Any]]] | None = None,
                 ) -> None:
        self._shared = _Shared(backend, flush, side_file_rows)
        self.ns = ""

    def namespace(self, name: str) -> State:
        """The same state under namespace ``name``: its keys are apart from every other
        namespace's (``ctx.state`` itself is namespace ``""``)."""
        view = State.__new__(State)
        view._shared = self._shared
        view.ns = _text(name, "namespace")
        return view

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default``."""
        key = _text(key, "key")
        shared = self._shared
        own = shared.pending.get(self.ns)
        if own is not None and key in own:
            text = own[key]
        elif shared.backend is not None:
            text = shared.backend.get(self.ns, key)
        else:
            text = None
        return default if text is None else json.loads(text)

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON: dicts, lists, strings, finite numbers, booleans, None)."""
        key = _text(key, "key")
        try:
            text = json.dumps(value, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"ctx.state: the value for {key!r} is not JSON: {exc}") from exc
        self._change(key, text)

    def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens when it is not there)."""
        self._change(_text(key, "key"), None)

    def items(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """``(key, value)`` of this namespace whose key starts with ``prefix``, in key order,
        read a page at a time (a namespace may hold 100,000 keys). Changing the state while
        iterating is allowed; a key changed ahead of the iteration may show either value."""
        prefix = _text(prefix, "prefix")
        shared = self._shared
        own = sorted((k, v) for k, v in shared.pending.get(self.ns, {}).items()
                     if k.startswith(prefix))
        i = 0
        high = _after_all_starting_with(prefix)
        after: str | None = None
        while shared.backend is not None:
            rows = shared.backend.scan(self.ns, prefix, high, after, PAGE)
            for key, stored in rows:
                while i < len(own) and own[i][0] < key:
                    yield from _decoded(*own[i])
                    i += 1
                if i < len(own) and own[i][0] == key:
                    i += 1
                # The change not stored yet wins (it may have come after ``own`` was taken).
                changed = shared.pending.get(self.ns, {})
                yield from _decoded(key, changed.get(key, stored))
            if len(rows) < PAGE:
                break
            after = rows[-1][0]
        for key, text in own[i:]:
            yield from _decoded(key, text)

    def side_file_rows(self, path: Path, table: str) -> list[dict[str, Any]]:
        """The rows of ``table`` in a SQLite file this source kept by itself before
        ``ctx.state`` existed (read only; ``[]`` when there is no such file or table): for a
        one-time import into the state on upgrade, so that a source holds no SQL of its own.
        A file that is not SQLite raises :class:`~crb_tui.errors.CrbError`."""
        if self._shared.side_file_rows is None:
            return []
        return self._shared.side_file_rows(Path(path), table)

    # -- for the host ------------------------------------------------------------------------

    def take_changes(self) -> Changes:
        """The changes not stored yet, handed to the host to store (and forgotten here)."""
        shared = self._shared
        changes = {(ns, key): text for ns, keys in shared.pending.items()
                   for key, text in keys.items()}
        shared.pending, shared.count = {}, 0
        return changes

    def _change(self, key: str, text: str | None) -> None:
        shared = self._shared
        changed = shared.pending.setdefault(self.ns, {})
        shared.count += key not in changed
        changed[key] = text
        if shared.flush is not None and shared.count >= FLUSH_EVERY:
            shared.flush()


def _decoded(key: str, text: str | None) -> Iterator[tuple[str, Any]]:
    if text is not None:  # None: deleted
        yield key, json.loads(text)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"ctx.state: a {what} is a string, not {type(value).__name__}")
    return value


def _after_all_starting_with(prefix: str) -> str | None:
    """The least string greater than every string that starts with ``prefix`` (None: no
    bound), so that a prefix is a range of the key index."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000  # surrogates are no characters of a stored string
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None
