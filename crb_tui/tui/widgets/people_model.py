"""The people list's data: which rows it shows and how it gets them, apart from drawing them.

Pages of ``PAGE_SIZE`` rows come from a slice of everyone's ids in the list's order
(:func:`page_rows`); :class:`Kept` holds, while the screen is open, each sort's whole order and
everyone's searchable text, reads them in the background and forgets them when the store
changes. The widget (``people_list``) asks for them from its workers."""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Sequence
from typing import Any

from crb_tui.errors import StoreUnavailable
from crb_tui.store.queries import people_ids, people_rows
from crb_tui.store.search import SearchIndex
from crb_tui.tui.data import Gateway, Token

PAGE_SIZE = 100
"""Rows fetched per query."""
CACHED_PAGES = 24
"""Pages kept in memory; the least recently drawn page goes first."""
WARM_AFTER = 0.3
"""Seconds after the list is shown before everyone's searchable text is read (in the
background, yielding to the screen as it goes)."""

def page_rows(store: Any, ids: Sequence[int], page: int) -> list[dict[str, Any] | None]:
    """The rows of page ``page`` of ``ids``, in order (``None`` for anyone gone since)."""
    chunk = list(ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE])
    by_id = {row["id"]: row for row in people_rows(store, chunk)}
    return [by_id.get(i) for i in chunk]



def _yield() -> None:
    """Let the screen's thread run (a background read of 100,000 people holds Python's lock
    for most of a second otherwise, and the screen would answer keys late meanwhile)."""
    time.sleep(0.0005)


class Kept:
    """What the list keeps between queries while its screen is open: each sort's whole order
    and everyone's searchable text.

    Used and changed only holding its :attr:`lock` (the query workers hold it); the
    background reads (:meth:`warm`, :meth:`refresh`) read without it and take it only to put
    what they read in place. After this app's own writes (an action) everything is read again at
    the next query; after anything else's (the app's sync, cron, another program) the list keeps
    answering from what it has while :meth:`refresh` reads it all again in the background, so
    that typing never waits for a whole re-read.
    """

    REFRESH_EVERY = 5.0
    """Seconds at least between two background re-reads while other programs keep writing."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.token: Token | None = None
        self.orders: dict[str, Sequence[int]] = {}
        self.searchable: SearchIndex | None = None
        self.refreshing = False
        self.refreshed_at = 0.0

    def check(self, token: Token) -> bool:
        """Forget everything after this app's own writes; after anything else's, say so
        (``True``: time for a background :meth:`refresh`). ``token`` is the read's
        (:attr:`crb_tui.tui.data.Reading.token`), taken as it started."""
        own, version = token
        if self.token is None or own != self.token[0]:
            self.orders.clear()
            self.searchable = None
            self.token = (own, version)
            return False
        return (version != self.token[1] and not self.refreshing
                and time.monotonic() - self.refreshed_at >= self.REFRESH_EVERY)

    def order(self, store: Any, sort: str) -> Sequence[int]:
        order = self.orders.get(sort)
        if order is None:
            order = self.orders[sort] = array("q", people_ids(store, sort=sort))
        return order

    def index(self, store: Any, order: Sequence[int]) -> SearchIndex:
        if self.searchable is None:
            self.searchable = SearchIndex.read(store, order)
        else:
            self.searchable.reorder(order)
        return self.searchable

    def warm(self, gateway: Gateway, sort: str) -> None:
        """Read everyone's searchable text in the background, if no query has needed it yet."""
        with self.lock:
            token, order = self.token, self.orders.get(sort)
        if order is None:
            return
        try:
            index = gateway.read(lambda ctx: SearchIndex.read(ctx.store, order, pause=_yield))
        except StoreUnavailable:
            return  # a background nicety: the first search reads it instead
        with self.lock:
            if self.searchable is None and token == self.token:
                self.searchable = index

    def refresh(self, gateway: Gateway, sort: str) -> bool:
        """Read the order in ``sort`` and everyone's text again in the background and put
        them in place (``True`` if they were)."""
        def read(ctx: Any) -> tuple[Token, Sequence[int], SearchIndex]:
            order = array("q", people_ids(ctx.store, sort=sort))
            return ctx.token, order, SearchIndex.read(ctx.store, order, pause=_yield)

        try:
            token, order, index = gateway.read(read)
        except StoreUnavailable:
            return False
        finally:
            self.refreshing = False
            self.refreshed_at = time.monotonic()
        with self.lock:
            if self.token is None or token[0] != self.token[0]:
                return False  # this app wrote meanwhile: the next query reads everything
            self.orders = {sort: order}
            self.searchable = index
            self.token = token
            return True
