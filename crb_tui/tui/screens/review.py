"""The daily review: today's queue as cards, one person at a time, each with the reason, the
history that matters and every action one key away."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

from crb_tui.engine.review_item import ReviewItem
from crb_tui.tui import data
from crb_tui.tui.data import Token
from crb_tui.tui.display import KIND_LABELS, Hanging, person_line, safe
from crb_tui.tui.messages import ActionDone, CardLoaded, ReviewLoaded
from crb_tui.tui.screens.acting import ActingScreen, Target
from crb_tui.tui.screens.review_cards import CardCache
from crb_tui.tui.widgets import history
from crb_tui.tui.widgets.gauge import Gauge

CARD_TOUCHES = 30
"""The most last touches a review card shows (as many as the terminal has room for)."""

TRIAGE_ACTIONS = ("tier", "merge", "archive", "ignore")
"""What a triage card asks for ("Accept with a tier, merge, or archive"): in the footer while
one is shown (elsewhere they are on the keys screen only)."""
TRIAGE_HIDES = ("close_commitment(False)", "promise", "value", "open_person")
"""Footer keys a triage card has little use for, which make room for those at 80 columns
(they still work and are on the keys screen; the line above the card says "Enter opens")."""


def keep_places(
    order: list[int], new: list[ReviewItem], current: int | None
) -> tuple[list[ReviewItem], int, list[int]]:
    """The queue ``new`` in the order the screen has shown people in (``order``, person ids,
    answered ones included), the cursor's place in it and the order now. Everyone keeps the
    place they were shown in (one answered and then undone comes back to it), and whoever is
    new comes after them all, so that reading again never moves another person under the
    cursor. The cursor stays on its person (``current``); when that person left, it goes to
    the next one still there (the first new item after the last)."""
    place = {pid: n for n, pid in enumerate(order)}
    for item in new:
        place.setdefault(item.person_id, len(place))
    items = sorted(new, key=lambda item: place[item.person_id])
    ids = [item.person_id for item in items]
    if current in ids:
        index = ids.index(current)
    else:
        mark = place.get(current, -1) if current is not None else -1
        index = sum(1 for pid in ids if place[pid] < mark)
    return items, max(0, min(index, len(items) - 1)), sorted(place, key=place.__getitem__)


class CardScroll(VerticalScroll):
    """The review's card: its keys scroll it, but for those the user's ``[keymap]`` gives to a
    key of the app (``"review.next" = "j,down"``): those go to that key's action."""

    def on_mount(self) -> None:
        keymap: dict[str, str] = getattr(self.app, "keymap", None) or {}
        claimed = {k.strip() for keys in keymap.values() for k in keys.split(",")}
        own = [b for cls in type(self).__mro__ for b in cls.__dict__.get("BINDINGS", ())
               if isinstance(b, Binding)]
        self._yielded = {b.action for b in own
                         if claimed & {k.strip() for k in b.key.split(",")}}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in getattr(self, "_yielded", ()):
            return False  # (the key goes on to the screen's binding)
        return super().check_action(action, parameters)

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # (as CardPart: a scroll bar that comes or goes lays out again by itself)
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class CardPart(Static):
    """A part of the review card, whose height follows what it shows. Textual lays the whole
    screen out a second time whenever a widget's size changed (for scrolling, which a part of
    the card has none of): a part takes its new size without that, so that a key that shows
    another card lays out and paints once."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class CardGauges(Grid):
    """The card's four gauges: narrower with the card's scroll bar (as CardPart)."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class ReviewScreen(ActingScreen):
    """Walk today's queue: act on each person, or move on."""

    # Loaded with the screen, not with the app: start-up parses only the first screen's CSS.
    # As default CSS (ID selectors, which beat the widgets' own rules): a screen's CSS would
    # have Textual parse every stylesheet again when the screen is first shown.
    SCOPED_CSS = False
    DEFAULT_CSS = """
        #review-position { height: 1; padding: 0 1; }
        #card {
            height: 1fr;
            padding: 0 1;
            border: round $primary 60%;
            &:focus { border: round $primary; }
        }
        #card-name { text-style: bold; }
        #card-reason { margin-top: 1; color: $warning; text-style: bold; }
        #card-also { color: $text-muted; }
        #card-gauges {
            grid-size: 2;
            grid-columns: 1fr 1fr;
            grid-gutter: 0 3;
            height: 2;
            margin: 1 0;
        }
        ReviewScreen.-wide #card-gauges { grid-size: 4; height: 1; }
        #review-empty {
            height: 1fr;
            width: 100%;
            content-align: center middle;
            text-align: center;
        }
    """

    MODE = "review"

    BINDINGS = [
        Binding("enter", "open_person", "Open", id="review.open",
                tooltip="Open this person's page"),
        Binding("right,j", "step(1)", "Next", id="review.next", key_display="→",
                tooltip="Next item in the queue"),
        Binding("left,h", "step(-1)", "Prev", id="review.prev", show=False,
                tooltip="Previous item in the queue"),
        Binding("r", "refresh", "Refresh", id="review.refresh", show=False,
                tooltip="Build today's queue again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ReviewItem] = []
        self.index = 0
        self.done = 0
        self.total = 0
        self.card: dict[str, Any] | None = None
        self.loaded = False
        self.day: dt.date | None = None
        """The day the queue on show is for."""
        self.order: list[int] = []
        """The people shown that day, in the order shown (those answered since included)."""
        self.empty_store = False
        self.warned: set[str] = set()
        """Plugin problems already shown: each is told once, not on every reload."""
        self.cards = CardCache()
        self._drawn: dict[str, tuple[Any, ...]] = {}
        """What each part of the screen shows now (a part given the same again is not drawn
        again: over SSH each redraw is bytes to send)."""

    def body(self) -> ComposeResult:
        yield Static("", id="review-position", markup=False)
        with CardScroll(id="card", can_focus=True):
            yield CardPart("", id="card-name", markup=False)
            yield CardPart("", id="card-sub", markup=False)
            yield CardPart("", id="card-reason", markup=False)
            yield CardPart("", id="card-action", markup=False)
            yield CardPart("", id="card-also", markup=False)
            with CardGauges(id="card-gauges"):
                yield Gauge("Health", id="gauge-health")
                yield Gauge("Trust", id="gauge-trust")
                yield Gauge("Value", id="gauge-value")
                yield Gauge("Warmth", id="gauge-warmth")
            yield CardPart("", id="card-history", markup=False)
        yield Static("", id="review-empty", markup=False)

    _triage_shown = False

    @property
    def active_bindings(self) -> dict[str, Any]:
        bindings = super().active_bindings
        if not self._triage_shown:
            return bindings
        shown = {}
        for key, active in bindings.items():
            action = active.binding.action
            if action in TRIAGE_ACTIONS or action in TRIAGE_HIDES:
                active = active._replace(
                    binding=replace(active.binding, show=action in TRIAGE_ACTIONS))
            shown[key] = active
        return shown

    def _footer_for(self, item: ReviewItem | None) -> None:
        triage = item is not None and item.kind == "triage"
        if triage != self._triage_shown:
            self._triage_shown = triage
            self.refresh_bindings()

    def on_mount(self) -> None:
        self.query_one("#card").display = False
        # Until the queue is read (on a new day after the scores are brought up to date,
        # seconds at 100,000 people: the status line says so), the body says what is coming.
        self.query_one("#review-empty", Static).update(Content.styled(
            "Reading today's review…", "$foreground-muted"))
        self.query_one("#card").focus()
        self.watch_store()

    def on_screen_resume(self) -> None:
        # Back from a dialog with nothing written (or its action still being stored, which
        # reads the queue again itself): the queue on show stands.
        if not (self.came_back_unchanged() and self.loaded):
            self.reload()

    def store_changed(self) -> bool:
        # Another program wrote (a sync, a `crb log`): the queue and the card are read again,
        # the card under the cursor staying where it is.
        self._load_queue(None, "others")
        return True

    # -- loading ---------------------------------------------------------------------------

    def reload(self, focus_person: int | None = None) -> None:
        self._load_queue(focus_person, "own")

    @work(thread=True, exit_on_error=False, group="review-load", exclusive=True)
    def _load_queue(self, focus_person: int | None, why: str) -> None:
        (items, done, total, empty, warnings), day = self.gateway.run(
            lambda ctx: (data.review_queue(ctx), ctx.today()))
        self.post_message(ReviewLoaded(items, done, total, focus_person, empty_store=empty,
                                       warnings=warnings, day=day, why=why))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        shown = self.current
        current = shown.person_id if shown is not None else None
        fresh = message.why == "refresh" or message.day != self.day
        # Asked for, or a new day: today's order, the cursor on the same person if there.
        items, index, order = keep_places([] if fresh else self.order, message.items, current)
        if message.why == "others" and self.loaded:
            self._say_what_moved(shown, items, index)
        self.items, self.index, self.day, self.order = items, index, message.day, order
        self.done, self.total = message.done, message.total
        self.empty_store = message.empty_store
        self.loaded = True
        for warning in message.warnings:
            if warning not in self.warned:
                self.warned.add(warning)
                self.app.notify(safe(warning), title="Review", severity="warning",
                                markup=False)
        ids = [i.person_id for i in self.items]
        if message.focus_person in ids:
            self.index = ids.index(message.focus_person)
        self._show()

    def _say_what_moved(self, shown: ReviewItem | None, items: list[ReviewItem],
                        index: int) -> None:
        """After another program's write: say when the card on show left (answered there) and
        when new items came in at the end, so that no key lands on a card not looked at."""
        added = sum(1 for i in items if i.person_id not in self.order)
        if shown is not None and shown.person_id not in {i.person_id for i in items}:
            now = f"; now {safe(items[index].person_name)}" if items else ""
            self.say(f"{safe(shown.person_name)} left today's review (answered elsewhere){now}",
                     title="Review")
        if added:
            self.say(f"{added} new in today's review, at the end (r puts the queue in order)",
                     title="Review")

    @work(thread=True, exit_on_error=False, group="review-card", exclusive=True)
    def _load_card(self, person_id: int) -> None:
        token, page = self.gateway.read(lambda ctx: (
            ctx.token, data.person_page(ctx, person_id, timeline_limit=CARD_TOUCHES)))
        self.post_message(CardLoaded(person_id, page, token))

    def _read_ahead(self) -> None:
        """Read the cards either side of the one on show (after it is drawn), so that moving
        there only draws."""
        if len(self.items) < 2 or not self.is_attached:
            return
        now = self._change_token()
        if now is None:
            return
        wanted: list[int] = []
        for delta in (1, -1):
            pid = self.items[(self.index + delta) % len(self.items)].person_id
            if pid not in wanted and self.cards.wanted(pid, now, self.crb.today):
                wanted.append(pid)
                self.cards.asked[pid] = now
        if wanted:
            self._load_ahead(wanted)

    @work(thread=True, exit_on_error=False, group="review-ahead")
    def _load_ahead(self, person_ids: list[int]) -> None:
        def read(ctx: data.Reading) -> tuple[Token, list[tuple[int, dict[str, Any]]]]:
            return ctx.token, [(pid, data.person_page(ctx, pid, timeline_limit=CARD_TOUCHES))
                               for pid in person_ids]

        try:
            token, pages = self.gateway.read(read)
        except Exception:  # noqa: BLE001 - read again when shown (a problem is said then)
            return
        for pid, page in pages:
            self.post_message(CardLoaded(pid, page, token, ahead=True))

    def on_card_loaded(self, message: CardLoaded) -> None:
        if message.token is not None:
            self.cards.put(message.person_id, message.token, message.card)
        item = self.current
        if item is None or item.person_id != message.person_id:
            return
        if message.ahead and message.token != self._change_token():
            return  # read before a later write: the card's own read brings it
        self.card = message.card
        self._fill_card(item, message.card)

    # -- showing ---------------------------------------------------------------------------

    @property
    def current(self) -> ReviewItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def _put(self, part: str, content: Content) -> None:
        """Show ``content`` in the part ``#part`` (a Static), unless it shows that already."""
        key = (content.plain, tuple(content.spans))
        if self._drawn.get(part) == key:
            return
        self._drawn[part] = key
        self.query_one(f"#{part}", Static).update(content)

    def _show(self) -> None:
        progress = Content.assemble((f"{self.done} / {self.total}", "bold"), " done")
        status = Content.assemble(progress, f" · {self.crb.today:%a %d %b %Y}")
        if self._drawn.get("status") != (status.plain,):
            self._drawn["status"] = (status.plain,)
            self.set_status(status)
        item = self.current
        self._footer_for(item)
        card = self.query_one("#card")
        empty = self.query_one("#review-empty", Static)
        if item is None:
            card.display = False
            empty.display = True
            self._put("review-position", Content(""))
            if self.loaded and self.empty_store:
                self._put("review-empty", Content.assemble(
                    ("No one here yet.\n\n", "bold"),
                    "Bring your relationships in from the command line:\n",
                    ("crb import Connections.csv contacts.vcf mail.mbox calendar.ics\n", "bold"),
                    "or set up Gmail, Google Calendar or CalDAV and press 4 to sync.\n",
                    "To look around first: ",
                    ("crb --demo", "bold"),
                    ".\n\n",
                    ("4 Sync · ? Keys · q Quit", "$foreground-muted"),
                ))
            elif self.loaded:
                self._put("review-empty", Content.assemble(
                    ("Nothing else needs you today.\n\n", "bold"),
                    f"Review done: {self.done} / {self.total}.\n",
                    ("2 People · 3 Dashboard · 4 Sync · q Quit", "$foreground-muted"),
                ))
            return
        card.display = True
        empty.display = False
        self._put("review-position", Content.assemble(
            (f" {safe(item.label or KIND_LABELS.get(item.kind, item.kind))} ", "bold reverse"),
            (f"  item {self.index + 1} of {len(self.items)}", "$foreground-muted"),
            (self._keys_hint(), "$foreground-muted"),
        ))
        self._put("card-name", Content.styled(safe(item.person_name), "bold"))
        self._put("card-reason", Content(safe(item.reason)))
        # A plugin's item may suggest no action: no line then (as `crb review` prints none).
        self._put("card-action", Content.assemble(("→ ", "bold $accent"),
                                                  safe(item.action.strip())))
        self.query_one("#card-action").display = bool(item.action.strip())
        reasons = list(dict.fromkeys(safe(a) for a in item.also))
        shown = [Content.assemble(("Also: ", "bold"), reason) for reason in reasons[:3]]
        if len(reasons) > 3:
            shown.append(Content.styled(f"      and {len(reasons) - 3} more", "$foreground-muted"))
        self._put("card-also", Content("\n").join(shown))
        self.query_one("#card-also").display = bool(shown)
        page = self.cards.get(item.person_id, self._change_token(), self.crb.today)
        if page is not None:
            # Read ahead, and nothing written since: drawn at once, with the rest of the card.
            self.card = page
            self._fill_card(item, page)
        elif self.card is not None and self.card["detail"]["id"] == item.person_id:
            self._fill_card(item, self.card)
            self._load_card(item.person_id)
        else:
            self._put("card-sub", Content(""))
            self._put("card-history", Content.styled("…", "$foreground-muted"))
            self._load_card(item.person_id)
        self.call_after_refresh(self._read_ahead)

    def _keys_hint(self) -> str:
        """``  ←/→ move · Enter opens``, with the keys in force (a [keymap] may change them)."""
        keymap: dict[str, str] = getattr(self.app, "keymap", None) or {}

        def first(binding_id: str) -> str:
            binding = next(b for b in self.BINDINGS
                           if isinstance(b, Binding) and b.id == binding_id)
            key = keymap.get(binding_id, binding.key).split(",")[0].strip()
            return "Enter" if key == "enter" else self.app.get_key_display(binding.with_key(key))

        return (f"  {first('review.prev')}/{first('review.next')} move · "
                f"{first('review.open')} opens")

    def _fill_card(self, item: ReviewItem, page: dict[str, Any], checked: bool = False,
                   rows: int | None = None) -> None:
        detail, health = page["detail"], page["health"] or {}
        today = page["today"]
        self._put("card-sub", person_line(detail, health))
        for key in ("health", "trust", "value", "warmth"):
            self.query_one(f"#gauge-{key}", Gauge).value = health.get(key)
        rest = [
            history.block("Open commitments", history.commitments(detail, today, open_only=True)),
            history.block("Their goals", history.goals(detail, today, page["stale_goal_days"])),
        ]
        words = history.their_words(detail, today, 2)
        if words:
            rest.append(history.block("Their words", words))
        remember = history.remember(detail)
        if remember:
            rest.append(history.block("Remember", remember))
        # The room the card has left goes to more of the history (3 touches at 80x24, a
        # dozen or more on a tall terminal), not to blank lines.
        used = sum(len(block.plain.splitlines()) for block in rest) + len(
            history.next_meeting(detail, today))
        if rows is None:
            rows = self._history_rows()
        room = rows - used - 2
        limit = max(3, min(CARD_TOUCHES, room))
        # A meeting still to come is the brief's first line, never one of the touches.
        lines = Content("\n").join(
            [*history.next_meeting(detail, today),
             history.block("Last touches", history.touches(detail, today, limit)), *rest])
        shown = ("hanging", lines.plain, tuple(lines.spans))
        if self._drawn.get("card-history") != shown:
            self._drawn["card-history"] = shown
            self.query_one("#card-history", Static).update(Hanging(lines))
        if not checked:
            # The room was worked out before the card's layout: once laid out, filled again
            # if it came out otherwise (the first time: before the card had its size).
            self.call_after_refresh(self._check_room, item, page, rows)

    def _check_room(self, item: ReviewItem, page: dict[str, Any], rows: int) -> None:
        if self.current is not item or self.card is not page:
            return
        box, card = self.query_one("#card-history"), self.query_one("#card")
        laid_out = card.region.bottom - box.region.y - 1
        if card.region.height and laid_out != rows:
            self._fill_card(item, page, checked=True, rows=laid_out)

    def on_resize(self) -> None:
        # A taller or shorter terminal: as many touches as now fit.
        item = self.current
        if item is not None and self.card is not None and \
                self.card["detail"]["id"] == item.person_id:
            self.call_after_refresh(self._fill_card, item, self.card)

    def _history_rows(self) -> int:
        """Rows from the top of the card's history to the bottom of the card (0 before the
        first layout), as the card's parts above it, as they are now, lay out: the vertical
        layout's own sum (their heights at the card's width, margins between two parts
        collapsed into the larger), so that a new card is filled before its layout (and
        checked against the layout once laid out: :meth:`_check_room`)."""
        box = self.query_one("#card-history", Static)
        card = self.query_one("#card")
        if not card.region.height:
            return 0
        width = card.scrollable_content_region.width
        y, below = 0, None
        for part in card.children:
            if not part.display:
                continue
            margin = part.styles.margin
            y += margin.top if below is None else max(below, margin.top)
            if part is box:
                break
            if isinstance(part, Static):
                y += part.get_content_height(card.size, self.app.size, width)
            else:
                y += part.outer_size.height
            below = margin.bottom
        top = card.scrollable_content_region.y + y - round(card.scroll_y)
        return card.region.bottom - top - 1

    # -- actions ---------------------------------------------------------------------------

    def target(self) -> Target | None:
        item = self.current
        if item is None:
            return None
        kind, commitment_id = item.kind, item.detail.get("commitment_id")
        if self.card is not None and self.card["detail"]["id"] == item.person_id:
            return Target.from_page(self.card, item_kind=kind, commitment_id=commitment_id)
        return Target(item.person_id, item.person_name, item_kind=kind,
                      commitment_id=commitment_id)

    def after_action(self, target: Target, answers_all: bool) -> Any:
        # (on the action's worker) Unless the person surely leaves the queue (then the
        # screen moves on at once, reading it behind), the queue is read here, with the
        # person's card if they stay in it: one trip, drawn once.
        item = next((i for i in self.items if i.person_id == target.person_id), None)
        if item is not None and self._leaves(item, answers_all):
            return None
        queue, day = self.gateway.run(lambda ctx: (data.review_queue(ctx), ctx.today()))
        card = None
        if any(i.person_id == target.person_id for i in queue[0]):
            card = self.gateway.read(lambda ctx: (target.person_id, ctx.token, data.person_page(
                ctx, target.person_id, timeline_limit=CARD_TOUCHES)))
        return queue, day, card

    @staticmethod
    def _leaves(item: ReviewItem, answers_all: bool) -> bool:
        """Whether an action on ``item``'s person takes them out of today's queue for sure:
        a snooze or an archive, on an item that is not today's alone (a meeting's brief, a
        birthday today: those may stay, so the queue read again says)."""
        today_only = item.kind == "meeting" or item.also_today or (
            item.kind == "anniversary" and item.detail.get("in_days") == 0)
        return answers_all and not today_only

    def on_action_done(self, message: ActionDone) -> None:
        message.prevent_default()  # (instead of ActingScreen's, which reads everything again)
        self.record_done(message)
        step = message.step
        self.cards.after_own_write(message.tokens, {step.person_id, *step.also_recompute})
        if message.after is not None:
            (items, done, total, empty, warnings), day, card = message.after
            if card is not None:
                self.cards.put(*card)
            self.on_review_loaded(ReviewLoaded(items, done, total, empty_store=empty,
                                               warnings=warnings, day=day))
            return
        gone = next((n for n, i in enumerate(self.items) if i.person_id == step.person_id), None)
        if gone is None or not self._leaves(self.items[gone], message.answers_all):
            self.reload(focus_person=None)
            return
        # Answered for today: the next card at once (as the queue read again would place
        # it: the one after, or the one before when it was the last), and one more done;
        # the queue is read again behind it (the day's total stays).
        self.items = self.items[:gone] + self.items[gone + 1:]
        if self.index > gone:
            self.index -= 1
        self.index = max(0, min(self.index, len(self.items) - 1))
        self.done += 1
        self._show()
        self._load_queue(None, "own")

    def action_step(self, delta: int) -> None:
        if self.items:
            self.index = (self.index + delta) % len(self.items)
            self._show()

    def action_refresh(self) -> None:
        self._load_queue(None, "refresh")

    def action_open_person(self) -> None:
        item = self.current
        if item is not None:
            self.crb.open_person(item.person_id)
