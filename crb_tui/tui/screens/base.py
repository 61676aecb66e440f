"""``CrbScreen``: what every screen shares: the nav bar, the gateway, error reporting."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer
from textual.worker import Worker

from crb_tui.tui.app_base import CrbAppBase
from crb_tui.tui.data import Gateway
from crb_tui.tui.problems import report
from crb_tui.tui.widgets.nav import NavBar


def crb_app(node: DOMNode) -> CrbAppBase:
    """The app ``node`` runs in, typed as CRB's (its context and gateway)."""
    assert isinstance(node.app, CrbAppBase)
    return node.app


class KeyFooter(Footer):
    """Textual's footer, redrawn only when the keys it shows change (Textual redraws it on
    every change of focus, though the keys shown mostly stay the same: over SSH each redraw
    is a line to send)."""

    _shown_keys: tuple[object, ...] | None = None

    @staticmethod
    def _keys(screen: Screen[object]) -> tuple[object, ...]:
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        # The keys from the start (Textual's footer waits for a first change of bindings and
        # then lays out the whole screen again, a second paint of everything).
        self._bindings_ready = True
        self._shown_keys = self._keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        keys = self._keys(screen)
        if keys == self._shown_keys:
            return
        # Textual's footer skips the redraw while the app has no focus (a terminal that has
        # not said so yet): the keys count as shown only once it redraws, or a later change
        # back to them (a [keymap] applied at start) would never be shown.
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown_keys = keys
        super().bindings_changed(screen)


WATCH_EVERY = 2.0
"""Seconds between two looks at whether another connection wrote to the store."""


class CrbScreen(Screen[None]):
    """A full screen with the nav bar on top and the key footer at the bottom."""

    MODE: str = ""
    """Which tab of the nav bar this screen belongs to (a person's page: the tab it was opened
    from, set per screen)."""

    @property
    def crb(self) -> CrbAppBase:
        return crb_app(self)

    @property
    def gateway(self) -> Gateway:
        return self.crb.gateway

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        yield from self.body()
        yield KeyFooter(show_command_palette=False, compact=True)

    def body(self) -> ComposeResult:
        yield from ()

    def set_status(self, status: Content | str) -> None:
        self.query_one(NavBar).set_status(status)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report(self, event.worker, event.state)

    def say(self, message: str, *, title: str = "", error: bool = False) -> None:
        """A notification whose text is shown literally (it may hold people's names)."""
        self.app.notify(message, title=title, severity="error" if error else "information",
                        markup=False)

    # -- other programs' writes -------------------------------------------------------------

    _store_version: tuple[int, int] | None = None
    _watching = False
    _store_timer: Timer | None = None

    def watch_store(self) -> None:
        """While this screen is shown, call :meth:`store_changed` whenever anything but the
        app's own actions has written to the store since: another program (cron's `crb sync`,
        a `crb log`) or the app's own sync (see ``Gateway.change_token``). (The app's own
        actions read their screen again themselves.) A look reads the database's data
        version."""
        self._watching = True
        self._store_timer = self.set_interval(WATCH_EVERY, self._look_at_store,
                                              name="store-watch")
        self._look_at_store()

    def _look_at_store(self) -> None:
        if self.is_current:
            self._read_store_version()

    def on_screen_suspend(self) -> None:
        # Under a dialog or another screen: no looks (each tick would have Textual paint the
        # dialog over it again, a few kilobytes every two seconds over SSH).
        if self._store_timer is not None:
            self._store_timer.pause()

    def on_screen_resume(self) -> None:
        # Coming back reads the screen again (each screen does): what was written while it
        # was away is in it, so the watch starts from now.
        if self._store_timer is not None:
            self._store_timer.resume()
        self._store_version = None
        if self._watching and self.is_current:
            self._read_store_version()

    @work(thread=True, exit_on_error=False, group="store-watch", exclusive=True)
    def _read_store_version(self) -> None:
        try:
            version = self.gateway.change_token()[1]
        except Exception:  # noqa: BLE001 - a busy or missing store: the next look tries again
            return
        self.app.call_from_thread(self._store_version_read, version)

    def _store_version_read(self, version: tuple[int, int]) -> None:
        if self._store_version is None:
            self._store_version = version
        elif version != self._store_version and self.store_changed():
            self._store_version = version

    def store_changed(self) -> bool:
        """Another connection wrote to the store: read the screen again (``True``), or not
        yet (``False``: asked again at the next look)."""
        return True
