"""The portfolio at a glance: growing, steady and fading; key relationships going cold;
commitments due this week; one-sided relationships; touches per week as a chart."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crb_tui.records import STAGES
from crb_tui.tui import data
from crb_tui.tui.display import ago, days_late, fit, safe, until
from crb_tui.tui.messages import DashboardLoaded
from crb_tui.tui.screens.base import CrbScreen
from crb_tui.tui.widgets.bar_chart import BarChart
from crb_tui.tui.widgets.nav import STATUS_WIDTH

TRENDS = (("growing", "↑", "$success"), ("steady", "→", "$foreground"),
          ("fading", "↓", "$error"))


def _none(text: str) -> list[Option]:
    return [Option(Content.styled(text, "$foreground-muted"), disabled=True)]


def compact(n: int) -> str:
    """A count in a few characters: 1,234 / 123,456 / 1.9M."""
    return f"{n:,}" if n < 1_000_000 else f"{n / 1_000_000:.1f}M"


def status_line(people: int, new: int, touches: int) -> str:
    """The top line's counts, as many words as fit in its width (never a word cut off: the
    trends line says how many are new)."""
    new_words = f" ({new:,} new)" if new else ""
    persons = f"{people:,} {'person' if people == 1 else 'people'}"
    touched = f"{compact(touches)} {'touch' if touches == 1 else 'touches'}"
    for line in (f"{persons}{new_words} · {touched}", f"{persons} · {touched}"):
        if len(line) <= STATUS_WIDTH:
            return line
    return persons


class DashboardScreen(CrbScreen):
    """Read-only overview; Enter on a name opens that person."""

    # Loaded with the screen, not with the app: start-up parses only the first screen's CSS
    # (the same priority as the app's stylesheet; global selectors, as there).
    SCOPED_CSS = False
    CSS = """
        #dashboard { padding: 0 1; }
        #dash-trends, #dash-stages { height: 1; }
        #dash-activity { height: 6; margin-top: 1; }
        DashboardScreen.-wide #dash-activity { height: 9; }
        #dash-panels { grid-size: 1; height: auto; grid-gutter: 0 1; }
        DashboardScreen.-wide #dash-panels { grid-size: 2; }
        .dash-panel {
            height: auto;
            max-height: 12;
            border: round $primary 50%;
            border-title-color: $text-secondary;
            border-title-style: bold;
            padding: 0 1;
            background: $background;
            &:focus { border: round $primary; }
        }
        OptionList.dash-panel { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    MODE = "dashboard"

    BINDINGS = [
        Binding("enter", "open_highlighted", "Open", id="dashboard.open",
                tooltip="Open the highlighted person (↑/↓ move, Tab: the next list)"),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh",
                tooltip="Count everything again"),
    ]

    loaded = False
    """Whether the lists hold what was read (an Enter typed before is kept for then)."""
    open_when_loaded = False

    def body(self) -> ComposeResult:
        with VerticalScroll(id="dashboard"):
            yield Static("", id="dash-trends", markup=False)
            yield Static("", id="dash-stages", markup=False)
            yield BarChart(caption="touches per week, last {weeks} weeks", id="dash-activity")
            with Grid(id="dash-panels"):
                yield PanelList(compact=True, id="dash-cold", classes="dash-panel")
                yield PanelList(compact=True, id="dash-due", classes="dash-panel")
                yield PanelList(compact=True, id="dash-one-sided", classes="dash-panel")
                yield Static("", id="dash-retention", classes="dash-panel", markup=False)

    def on_mount(self) -> None:
        titles = {
            "#dash-cold": "Key relationships going cold",
            "#dash-due": "Commitments due or overdue",
            "#dash-one-sided": "One-sided",
            "#dash-retention": "After the sale",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        # Focused for the keys, but the screen opens at its top (the trends and the chart).
        self.query_one("#dash-cold").focus(scroll_visible=False)

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, group="dashboard-load", exclusive=True)
    def _load(self) -> None:
        self.post_message(DashboardLoaded(self.gateway.read(data.dashboard)))

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        d = message.data
        today = d["today"]
        self.set_status(status_line(d["people"], d["new_people"], d["interactions"]))
        trends = [Content.styled(" Trend ", "bold")]
        for name, arrow, style in TRENDS:
            trends.append(Content.assemble(
                (f" {arrow} {d['trends'].get(name, 0)} ", f"bold {style}"), f"{name}  "))
        unknown = d["trends"].get("unknown", 0)
        if unknown:
            trends.append(Content.styled(f" {unknown} not scored yet", "$foreground-muted"))
        if d["new_people"]:
            trends.append(Content.styled(f" {d['new_people']} new",
                                         "$foreground-muted"))
        self.query_one("#dash-trends", Static).update(Content("").join(trends))
        stages = [Content.styled(" Stage ", "bold")]
        for stage in STAGES:
            stages.append(Content.assemble(
                (f" {d['stages'].get(stage, 0)} ", "bold"), f"{stage} "))
        self.query_one("#dash-stages", Static).update(Content("").join(stages))
        self.query_one(BarChart).values = tuple(d["activity"])
        self._fill("#dash-cold", [
            Option(Content.assemble(
                fit(safe(row["name"]), 22), " ",
                (f"last {ago(row['last_touch'], today)}", "$foreground-muted"),
                (f" · {late}d late" if (late := days_late(row) or 0) > 0
                 else f" · {row['trend']}" if row["trend"] == "fading"
                 else f" · warmth {row['warmth']}", "$error"),
            ), id=f"p{row['id']}")
            for row in d["cold"]
        ] or _none(_warm_words(d["key_people"])))
        self._fill("#dash-due", [
            Option(Content.assemble(
                (fit(until(row["due"], today), 10), "$error" if row["due"] < today.isoformat()
                 else "$warning"),
                ("You: " if row["direction"] == "out" else "They: ", "bold"),
                safe(row["text"]), (f" · {safe(row['name'])}", "$foreground-muted"),
            ), id=f"p{row['person_id']}:{row['id']}")
            for row in d["due"]
        ] or _none("nothing due this week"))
        self._fill("#dash-one-sided", [
            Option(Content.assemble(
                fit(safe(row["name"]), 22), " ",
                ("you carry it" if row["carried_by"] == 1 else "they carry it",
                 "$foreground-muted"),
            ), id=f"p{row['id']}")
            for row in d["one_sided"]
        ] or _none("none"))
        customers, kept = d["customers"], d["customers_in_touch"]
        retention = self.query_one("#dash-retention", Static)
        if customers:
            share = round(100 * kept / customers)
            retention.update(Content.assemble(
                (f"{kept} of {customers}", "bold"),
                f" customers ({share}%) are in touch within their cadence.\n",
                ("Keeping customers is worth more than finding new ones.", "$foreground-muted"),
            ))
        else:
            retention.update(Content.styled("No deals logged yet.", "$foreground-muted"))
        if not self.loaded:
            self._focus_first_person()
        self.loaded = True
        if self.open_when_loaded:
            self.open_when_loaded = False
            self.action_open_highlighted()

    def _focus_first_person(self) -> None:
        """On arrival, the focus (left on the first list) goes to the first list that has
        someone in it, so that Enter opens a person; one the user moved is left alone."""
        first = self.query_one("#dash-cold", OptionList)
        if self.focused is not first:
            return
        for box in self.query(PanelList):
            if any((box.get_option_at_index(i).id or "").startswith("p")
                   for i in range(box.option_count)):
                if box is not first:
                    box.focus(scroll_visible=False)
                return

    def _fill(self, selector: str, options: list[Option]) -> None:
        box = self.query_one(selector, OptionList)
        highlighted = box.highlighted
        box.clear_options()
        box.add_options(options)
        if options and not options[0].disabled:
            box.highlighted = min(highlighted or 0, len(options) - 1)

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id.startswith("p"):
            self.crb.open_person(int(option_id[1:].split(":")[0]))

    def action_refresh(self) -> None:
        self.reload()

    def action_open_highlighted(self) -> None:
        """Enter: the person highlighted in the focused list (the first list's when none has
        the focus); typed before the lists are filled (``3`` then Enter at once), once they
        are."""
        if not self.loaded:
            self.open_when_loaded = True
            return
        box = self.focused if isinstance(self.focused, OptionList) else self.query_one(
            "#dash-cold", OptionList)
        if box.highlighted is not None:
            box.action_select()


class PanelList(OptionList):
    """A dashboard list: Enter typed before it is filled opens the person once it is."""

    def action_select(self) -> None:
        screen = self.screen
        if isinstance(screen, DashboardScreen) and not screen.loaded:
            screen.open_when_loaded = True
            return
        super().action_select()


def _warm_words(key_people: int) -> str:
    """What the "going cold" panel says when no one is: true of what the store holds."""
    if key_people == 0:
        return "no key people yet: mark someone key (t, then k, on their card or page)"
    if key_people == 1:
        return "none: your one key relationship is warm"
    return f"none: all {key_people} key relationships are warm"
