"""``CrbApp``, the Textual app, and ``run_app``, which ``crb`` calls to open it.

Each top-level view is a mode with its own screen stack (review, people, dashboard, sync);
a person's page is pushed onto whichever mode it was opened from.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.events import DescendantFocus
from textual.screen import ModalScreen
from textual.widgets import Input
from textual.worker import Worker

from crb_tui.errors import CrbError
from crb_tui.host.app_context import AppContext
from crb_tui.tui import log_notices
from crb_tui.tui.app_base import CrbAppBase
from crb_tui.tui.data import Gateway
from crb_tui.tui.problems import describe, report
from crb_tui.tui.screen_list import NAMES
from crb_tui.tui.screens.type_ahead import TypeAhead
from crb_tui.tui.undo import UndoStep

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.screen import Screen


# Screens and command providers load when first shown: start-up only pays for the first one.
def _review_screen() -> Screen:
    from crb_tui.tui.screens.review import ReviewScreen

    return ReviewScreen()


def _people_screen() -> Screen:
    from crb_tui.tui.screens.people import PeopleScreen

    return PeopleScreen()


def _dashboard_screen() -> Screen:
    from crb_tui.tui.screens.dashboard import DashboardScreen

    return DashboardScreen()


def _sync_screen() -> Screen:
    from crb_tui.tui.screens.sync import SyncScreen

    return SyncScreen()


def _action_commands() -> type[Provider]:
    from crb_tui.tui.commands import ActionCommands

    return ActionCommands


def _people_commands() -> type[Provider]:
    from crb_tui.tui.commands import PeopleCommands

    return PeopleCommands



_EDITING_KEYS = frozenset(
    key.strip() for binding in Input.BINDINGS if isinstance(binding, Binding)
    for key in binding.key.split(","))
"""The keys a text box binds itself (not the scrolling every widget has: those fall through
to the screen's own, Down moving the People list)."""


NEW_DAY_EVERY = 5.0
"""Seconds between two looks at whether today is still the day the screens show (a look is
reading the clock: the new day is on screen within seconds of midnight)."""


class CrbApp(CrbAppBase):
    """CRB: today's review, the people, one person, the dashboard and sync."""

    TITLE = "CRB"
    MODES: ClassVar = {
        "review": _review_screen,
        "people": _people_screen,
        "dashboard": _dashboard_screen,
        "sync": _sync_screen,
    }
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    COMMANDS: ClassVar = App.COMMANDS | {_action_commands, _people_commands}

    def __init__(
        self, context: AppContext, *, screen: str | None = None,
        cursor_blink: bool | None = None,
    ) -> None:
        """``cursor_blink`` overrides ``[ui] cursor_blink`` in the config."""
        initial = screen if screen in NAMES else "review"
        problem: tuple[str, str] | None = None
        context.warn = None  # a plugin that fails to load is shown in the app, not on stderr
        keymap: dict[str, str] = {}
        first_looks: dict[str, Any] = {}
        # Before the first scores are brought up to date (in _first_looks, below).
        self.log_notices = log_notices.install()
        blink = True
        try:
            # Reading config.toml is quick, and the keymap must be in place before any screen.
            keymap = dict(context.config.keymap)
            blink = context.config.ui.cursor_blink
            context.today()
        except CrbError as exc:
            problem = ("CRB cannot read its configuration", str(exc))
        if problem is None:
            # Before the app starts, not on its message loop: open the store (migrating the
            # schema, a moment on a big database) and read what the first screen shows
            # first, so that it paints once, whole, instead of empty first and filled after.
            try:
                first_looks = _first_looks(context, initial)
            except Exception as exc:  # noqa: BLE001 - shown in the app
                problem = ("CRB cannot open its database", describe(exc, context.db_path)[1])
        # The app starts on its first screen (no empty default screen to paint and leave).
        # Textual types it a ClassVar, yet App.__init__ reads it from the instance: this app's.
        self.DEFAULT_MODE = initial if problem is None else "_default"  # type: ignore[misc]
        super().__init__()
        self.context = context
        self.gateway = Gateway(context, notice=self._notice_from_worker)
        if first_looks.get("scores_day") is not None:
            self.gateway.scores_are_today(first_looks.pop("scores_day"))
        self.initial_mode = initial
        self.cursor_blink = blink if cursor_blink is None else cursor_blink
        self.undo_stack: list[UndoStep] = []
        self.keymap = keymap
        self.startup_problem = problem
        self.first_looks = first_looks
        self.stopping = threading.Event()
        self._signals: list[signal.Signals] = []
        self._small = False
        """Set when the app is asked to end (``q``, SIGTERM, SIGHUP): a sync in progress stops
        after the batch it is writing, and its run is recorded, before the app ends."""
        self.keymap_problem: str | None = None
        try:
            # Before the first screen composes, so that its footer shows the keys that work.
            self.set_keymap(keymap)
        except Exception as exc:  # noqa: BLE001 - a bad keymap must not stop the app
            self.keymap_problem = str(exc)

    def _notice_from_worker(self, text: str) -> None:
        self.call_from_thread(self.notify, text, markup=False, timeout=4)

    def on_mount(self) -> None:
        if self.startup_problem is not None:
            from crb_tui.tui.screens.problem import ProblemScreen

            self.push_screen(ProblemScreen(*self.startup_problem))
            return
        self._day = self.today
        self.log_notices.attach(self)
        self._take_stop_signals()
        self._say_if_small(*self.size)
        # Left open overnight, the app moves to the new day by itself (midnight in [me]
        # timezone, or a laptop woken in the morning): the next read re-scores (see Gateway)
        # and the screen on show reads again (the others do as they are shown).
        self.set_interval(NEW_DAY_EVERY, self._check_day, name="new-day")
        if self.context.upgrade_notice:
            self.notify(self.context.upgrade_notice, title="Database upgraded", markup=False,
                        timeout=15)
        if self.context.plugin_problem:
            self.notify(self.context.plugin_problem, severity="warning", markup=False,
                        timeout=10)
        store = self.context.store
        if store.read_only is not None:
            self.notify(f"CRB cannot write to {store.path} ({store.read_only}): shown as stored "
                        "(scores as last stored); changes cannot be saved",
                        title="Read-only database", severity="warning", markup=False,
                        timeout=15)
        if self.keymap_problem is not None:
            self.notify(f"[keymap] in config.toml: {self.keymap_problem}", severity="error",
                        markup=False)
        unknown = unknown_binding_ids(self.keymap)
        if unknown:
            self.notify(f"[keymap] in config.toml: no key has the id {', '.join(unknown)} "
                        "(? lists the ids); left out", severity="warning", markup=False,
                        timeout=10)

    def _take_stop_signals(self) -> None:
        """SIGTERM (``systemctl stop``, ``kill``) and SIGHUP (the SSH session or terminal
        closed) end the app as ``q`` does, not on the spot: a sync running stops after its batch
        and is recorded as cancelled (killed, it was recorded as never having run). A signal
        ignored when CRB started (``nohup``) stays ignored."""
        loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
                loop.add_signal_handler(sig, self._stop_by_signal)
                self._signals.append(sig)

    def _stop_by_signal(self) -> None:
        self.stop(STOPPED_BY_SIGNAL)
        # With its terminal gone (a dropped SSH session), Textual's own ending can wait for
        # ever on output nobody reads: once the sync has stored its batch and its run, the
        # process ends whatever Textual is doing.
        threading.Thread(target=self._end_anyway, name="crb-stop", daemon=True).start()

    def _end_anyway(self) -> None:
        deadline = time.monotonic() + SYNC_STOP_WAIT
        while self.gateway.syncing and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(ENDING_GRACE)
        os._exit(STOPPED_BY_SIGNAL)

    def stop(self, return_code: int = 0) -> None:
        """End the app: a sync in progress ends after its current batch (recorded)."""
        self.stopping.set()
        self.exit(return_code=return_code)

    async def action_quit(self) -> None:
        self.stop()

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        log_notices.uninstall(self.log_notices)
        self.gateway.close()

    def on_resize(self, event: events.Resize) -> None:
        self._say_if_small(event.size.width, event.size.height)

    def _say_if_small(self, width: int, height: int) -> None:
        """Below 80x24 the footer loses its last keys (``? Keys``, ``q Quit``) and dialogs
        their choices: said once each time the terminal becomes too small."""
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        if small and not self._small:
            self.notify(f"The terminal is {width}x{height}: CRB is made for {MIN_SIZE[0]}x"
                        f"{MIN_SIZE[1]} or more, and some keys are cut from the footer (? lists "
                        "every key, q quits)", severity="warning", markup=False, timeout=8)
        self._small = small

    def _check_day(self) -> None:
        today = self.today
        if today == self._day:
            return
        self._day = today
        reload = getattr(self.screen, "reload", None)
        if callable(reload):
            reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report(self, event.worker, event.state)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if isinstance(event.widget, Input) and not self.cursor_blink:
            event.widget.cursor_blink = False

    # -- keys typed ahead ------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            event.crb_screen = self.screen  # type: ignore[attr-defined]  # our tag: see on_key
            if self._edit_in_order(event):
                return
        await super().on_event(event)

    def _edit_in_order(self, event: events.Key) -> bool:
        """Run an editing key of the text box with the focus (Backspace, Delete, the arrows,
        Enter) in the box's own queue, behind the keys typed before it, and say so. Textual runs
        a box's own binding only once the key has come back up to the app, after letters typed
        later have reached the box: Backspaces and letters typed fast came out of order (the
        command palette showed "fat[b" for "fatima", six Backspaces and "[bold")."""
        field = self.focused
        if not isinstance(field, Input) or event.key not in _EDITING_KEYS:
            return False
        active = self.screen.active_bindings.get(event.key)
        if (active is None or active.node is not field or active.binding.priority
                or not active.enabled):
            return False  # a key of the screen or the app, or none: as Textual does
        field.call_later(self.run_action, active.binding.action, field)
        return True

    async def on_key(self, event: events.Key) -> None:
        # Back up from the screen it was handed to, a key typed right after the one that
        # opened a dialog: it is the dialog's (see screens/type_ahead.py). Other keys go on
        # to Textual's own key handler (the bindings), which runs after this one.
        screen = self.screen
        if isinstance(screen, TypeAhead) and getattr(event, "crb_screen", screen) is not screen:
            event.prevent_default()
            screen.type_ahead(event)

    # -- actions ---------------------------------------------------------------------------

    def open_person(self, person_id: int) -> None:
        from crb_tui.tui.screens.person import PersonScreen

        self.push_screen(PersonScreen(person_id, mode=self.current_mode))

    async def action_switch_mode(self, mode: str) -> None:
        """The screen a mode key (a tab, a "Go to" command) names, itself: a person page opened
        from the mode being left is closed first, so that coming back (``2``: the People list
        and its filter) never lands on a page where letters are actions."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()
        if mode != self.current_mode:
            self.switch_mode(mode)

    def action_help(self) -> None:
        from crb_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.keymap))


MIN_SIZE = (80, 24)
"""The smallest terminal the app is made for (columns, rows)."""

STOPPED_BY_SIGNAL = 130
SYNC_STOP_WAIT = 120.0
"""After a stop signal, how long a sync may take to store its batch before the app ends."""
ENDING_GRACE = 3.0
"""Then how long Textual has to end by itself (restoring the terminal) before it is ended."""
"""The app's exit status after SIGTERM or SIGHUP: what ``crb import`` and ``sync`` end with."""


def run_app(app_context: AppContext, screen: str | None = None) -> int:
    """Open the app on ``app_context``'s database (``crb`` with no command); its exit status."""
    app = CrbApp(app_context, screen=screen)
    # Everything loaded so far lives as long as the app: keep the garbage collector from
    # walking it again and again while the first screen is built (some 10-30 ms of start-up;
    # `crb` switches it off while it loads the app, see cli._open_app).
    gc.freeze()
    gc.enable()
    app.run()
    return app.return_code or 0


SCORES_BEFORE_START = 1_000
"""Up to this many people whose scores are not as of today are re-scored before the first
paint (well under 100 ms); more are re-scored on the first worker call, after it."""


def _first_looks(context: AppContext, mode: str) -> dict[str, Any]:
    """Open the store and, when few scores are stale, bring them up to today; for the people
    screen, also its count and first page (only when the scores it sorts by are today's)."""
    context.defer_scores = True
    store = context.store
    looks: dict[str, Any] = {}
    if context.stale_scores() <= SCORES_BEFORE_START:
        context.bring_scores_up_to_date()
        looks["scores_day"] = context.today()
    if mode != "people" or "scores_day" not in looks:
        return looks
    from crb_tui.store.queries import count_people, list_people
    from crb_tui.tui.widgets.people_model import PAGE_SIZE

    looks["people"] = (count_people(store), list_people(store, sort="health", limit=PAGE_SIZE))
    return looks


def unknown_binding_ids(keymap: dict[str, str]) -> list[str]:
    """The ids in ``keymap`` that no key of the app has (a misspelt ``review.nxt``)."""
    from textual.binding import Binding

    from crb_tui.tui.screens.help import sections

    known = {b.id for _, bindings in sections() for b in bindings
             if isinstance(b, Binding) and b.id}
    return sorted(set(keymap) - known)
