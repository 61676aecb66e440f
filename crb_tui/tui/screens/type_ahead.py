"""Keys typed before a dialog has opened go to the dialog, in the order typed.

Keys that come together (a paste, a fast typist, tmux send-keys) are all handed out before the
first one is handled: the key that opens a dialog (``l``) and the keys after it (Tab, a note,
Enter) all go to the screen below, whose bindings run only as each key comes back up to the
app. By then the dialog is on top: the app hands those keys to the dialog (``CrbApp.on_key``),
which takes them once it has a field with the focus."""

from __future__ import annotations

from textual import events
from textual.screen import Screen

ATTEMPTS = 50
"""Refreshes to wait for the dialog's first focus before taking the keys anyway."""


class TypeAhead:
    """Mixed into a modal screen: ``type_ahead`` takes a key meant for it."""

    _typed_ahead: list[events.Key] | None = None
    _waited = 0

    def type_ahead(self, event: events.Key) -> None:
        assert isinstance(self, Screen)
        key = events.Key(event.key, event.character)
        if self._typed_ahead is not None:
            self._typed_ahead.append(key)
        elif self.focused is not None:
            self.app.post_message(key)
        else:
            self._typed_ahead = [key]
            self.call_after_refresh(self._take_typed)

    def _take_typed(self) -> None:
        assert isinstance(self, Screen)
        if self.focused is None and self._waited < ATTEMPTS and self.is_attached:
            self._waited += 1
            self.call_after_refresh(self._take_typed)
            return
        keys, self._typed_ahead = self._typed_ahead or [], None
        for key in keys:
            self.app.post_message(key)  # in order, behind nothing typed before them
