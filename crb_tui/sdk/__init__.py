"""The source SDK: everything a data-source plugin may use beyond the records and hooks of
``crb_tui`` itself. A plugin imports ``crb_tui`` and ``crb_tui.sdk`` (and its modules) only; the
rest of ``crb_tui`` is CRB's own and may change.

- :mod:`crb_tui.sdk.mail`: mail headers to interactions (addresses, directions, threads,
  mailing lists, mass mail), shared by every mail source so the same message from two sources
  is one interaction.
- :mod:`crb_tui.sdk.calendars`: iCalendar events (and events in other shapes, as
  :class:`~crb_tui.sdk.calendars.Meeting`) to meetings, with recurrence, attendees that are
  people (no rooms, groups or placeholders) and keys shared by every calendar source.
- :mod:`crb_tui.sdk.tabular`: CSV and other tables: decoding, header matching, rows to records
  with per-row rejects.
- :mod:`crb_tui.sdk.tokens`: where a source that signs in keeps its OAuth token.
- :mod:`crb_tui.sdk.http`: JSON web APIs: retries, back-off, ``Retry-After``, token refresh,
  rate limits and cancelling, with one-line errors.
- The modules whose names start with ``_`` are parts of those (``_mail_headers`` and
  ``_mail_dates`` of ``mail``; ``_meetings`` and ``_ical`` of ``calendars``): import their
  names from the public module, which lists them in its ``__all__``.
- Here: the one clock (:func:`today`, :func:`now_utc`, which honour ``CRB_TODAY``, and
  :func:`file_time`, a file's time never after now), identity
  normalising (:func:`normalise_email` and friends, :func:`not_a_person`), CRB's error type
  (:class:`CrbError`: one line for the user, no traceback; :func:`user_message`: any
  exception in words, never its class name) and a source's settings
  (:func:`source_config`, :func:`load_config`; :func:`check_range`, :func:`check_choice`
  and :func:`check_http_url` for a ``Source.check``), :func:`command_context` (a plugin
  command's way to the store, the config, the clock and a read-only query),
  :func:`replace_private`: a file of the user's (a token) written whole, 0600, never through a
  link, and :func:`bounded`: a record's names and texts cut to what CRB keeps (:data:`MAX_NAME`,
  :data:`MAX_NOTE`), saying what was cut, for a summary line naming the file and record.

Owns: what a source may use of CRB (each module's ``__all__``, documented in
docs/plugins.md; tests/test_plugin_docs.py holds this).
May import: the standard library, third-party libraries, and ``crb_tui``'s records, clock,
identity, text, config and errors modules; never the store, the engine, the host or the Face.
"""

from __future__ import annotations

from crb_tui.clock import file_time, now_utc, today
from crb_tui.config import (
    check_choice,
    check_http_url,
    check_range,
    load_config,
    source_config,
)
from crb_tui.errors import CrbError, user_message
from crb_tui.files import replace_private
from crb_tui.identity import (
    is_placeholder,
    is_role_address,
    normalise,
    normalise_email,
    normalise_handle,
    normalise_phone,
    normalise_url,
    not_a_person,
    own_card_note,
)
from crb_tui.records import MAX_NAME, MAX_NOTE, Record, bounded
from crb_tui.sdk.command import CommandContext, command_context

__all__ = [
    "MAX_NAME",
    "MAX_NOTE",
    "CommandContext",
    "CrbError",
    "Record",
    "bounded",
    "check_choice",
    "check_http_url",
    "check_range",
    "file_time",
    "command_context",
    "is_placeholder",
    "is_role_address",
    "load_config",
    "normalise",
    "normalise_email",
    "normalise_handle",
    "normalise_phone",
    "normalise_url",
    "not_a_person",
    "now_utc",
    "own_card_note",
    "replace_private",
    "source_config",
    "today",
    "user_message",
]
