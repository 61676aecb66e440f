"""The review's cards read ahead: the card on show and those either side, each kept with the
gateway's change token as it was read, so that moving to the next card only draws it. A card is
shown from here only while nothing has been written since it was read (another program, a sync,
the app on another screen), or only the app's own actions on this screen, which say whom they
changed (:meth:`CardCache.after_own_write`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from crb_tui.tui.data import Token

KEPT = 16
"""The most cards kept (the review moves one card at a time: a few either side are enough)."""


class CardCache:
    """Review cards by person id, each with the change token it was read at."""

    def __init__(self) -> None:
        self._pages: dict[int, tuple[Token, dict[str, Any]]] = {}
        self.asked: dict[int, Token] = {}
        """Cards being read ahead (person id -> the token when asked): not asked for twice."""

    def get(self, person_id: int, now: Token | None, today: dt.date) -> dict[str, Any] | None:
        """The person's card, if it was read at ``now`` (nothing written since) for ``today``."""
        entry = self._pages.get(person_id)
        if entry is None or now is None or entry[0] != now or entry[1]["today"] != today:
            return None
        return entry[1]

    def wanted(self, person_id: int, now: Token, today: dt.date) -> bool:
        """Whether the person's card is worth reading ahead (not held, not being read)."""
        return self.get(person_id, now, today) is None and self.asked.get(person_id) != now

    def put(self, person_id: int, token: Token, page: dict[str, Any]) -> None:
        self.asked.pop(person_id, None)
        self._pages.pop(person_id, None)
        self._pages[person_id] = (token, page)
        while len(self._pages) > KEPT:
            del self._pages[next(iter(self._pages))]

    def after_own_write(
        self, tokens: tuple[Token | None, Token | None] | None, touched: Iterable[int]
    ) -> None:
        """An action of this screen was stored (``tokens``: the change token just before and
        just after it): the cards of the people it ``touched`` are dropped, the others read
        as of just before it stay good, unless anything else was written meanwhile (then all
        are dropped: each is read again)."""
        before, after = tokens or (None, None)
        if before is None or after is None or before[1] != after[1]:
            self._pages.clear()
            return
        gone = set(touched)
        self._pages = {pid: (after, page) for pid, (token, page) in self._pages.items()
                       if token == before and pid not in gone}
