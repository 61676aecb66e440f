"""Mailing-list addresses, learned from the mail the lists send.

Old list software (majordomo, listserv, smartlist, 1990s mailman) marks its copies with no
``List-Id``; what it leaves is ``Sender: owner-LIST@host`` (or ``LIST-owner@``,
``LIST-request@``), ``Errors-To`` of the same shape, ``X-Mailing-List``/``Mailing-List``/
``X-BeenThere``/``List-Post`` naming the list, or ``X-Loop`` naming the list itself. Such a
message is bulk mail (see ``bulk_reason``); the *address* of the list it names is no person
either, also when the user writes to it (``Cc: magick@wizards.dupont.com``), and a source
skips the list's address (:class:`MailingLists`).

Part of :mod:`crb_tui.sdk.mail`, which plugins import it from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

from crb_tui.identity import normalise_email
from crb_tui.sdk._mail_headers import MailHeaders

LIST_SENDER = re.compile(r"^(owner-(?P<a>.+)|(?P<b>.+)-(owner|request|bounces?))$", re.IGNORECASE)
"""The owner/request/bounce address of a list, and the list's local part in group a or b."""

_NAMING_HEADERS = ("x-mailing-list", "mailing-list", "x-beenthere", "list-post")


def _addresses(value: str | None) -> list[str]:
    if not value:
        return []
    # "list magick@host; contact magick-owner@host" (ezmlm's Mailing-List), <mailto:x@y>
    text = re.sub(r"<mailto:([^>?]+)[^>]*>", r"<\1>", value)
    text = re.sub(r"^\s*list\s+", "", text, flags=re.IGNORECASE).split(";", 1)[0]
    found = []
    for _, address in getaddresses([text]):
        email = normalise_email(address)
        if email:
            found.append(email)
    return found


def list_addresses(headers: MailHeaders) -> set[str]:
    """The addresses of the mailing lists this message says it came through (worked out once
    a message: a source learns them, then ``bulk_reason`` asks again)."""
    return set(_known(headers))


def _known(headers: MailHeaders) -> frozenset[str]:
    known = headers.derived.get("list_addresses")
    if known is None:
        known = headers.derived["list_addresses"] = frozenset(_list_addresses(headers))
    return known


LIST_FIELDS = frozenset({"sender", "errors-to", "x-loop", *_NAMING_HEADERS})
"""Every field :func:`list_addresses` reads."""


def _list_addresses(headers: MailHeaders) -> set[str]:
    found: set[str] = set()
    if not headers.has_any(LIST_FIELDS):
        return found
    for name in ("sender", "errors-to"):
        for email in _addresses(headers.get(name)):
            local, _, domain = email.rpartition("@")
            m = LIST_SENDER.match(local)
            if m:
                found.add(f"{m.group('a') or m.group('b')}@{domain}")
    for name in _NAMING_HEADERS:
        found.update(_addresses(headers.get(name)))
    loop = _addresses(headers.get("x-loop"))
    if loop and loop[0] in _addresses(headers.get("from"))[:1]:
        found.add(loop[0])  # a robot (a list, a bug tracker) naming itself
    return found


class MailingLists:
    """The list addresses a source has learned (kept across runs when it is given a store:
    ``ctx.state.namespace("mailing-lists")``)."""

    def __init__(self, known: Iterable[str] = (), keep: object = None) -> None:
        self.known = set(known)
        self._keep = keep

    @classmethod
    def from_state(cls, state: object) -> MailingLists:
        space = state.namespace("mailing-lists")  # type: ignore[attr-defined]
        return cls((key for key, _ in space.items()), space)

    def learn(self, headers: MailHeaders) -> None:
        found = _known(headers)
        if not found:  # (nearly every message)
            return
        for address in found - self.known:
            self.known.add(address)
            if self._keep is not None:
                self._keep.set(address, True)  # type: ignore[attr-defined]

    def __contains__(self, email: object) -> bool:
        return email in self.known
