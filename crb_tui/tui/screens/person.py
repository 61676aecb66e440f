"""One person's page: the gauges and what made them, their own words first, the timeline,
goals and how fresh they are, organisation and identities; every review action too."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from crb_tui.engine.health_explain import one_sided_summary
from crb_tui.engine.review_triage import arrival
from crb_tui.tui import data
from crb_tui.tui.display import TREND_ARROWS, Hanging, ago, person_line, safe
from crb_tui.tui.messages import Merged, PersonLoaded, Undone
from crb_tui.tui.screens.acting import ActingScreen, Target
from crb_tui.tui.widgets import history
from crb_tui.tui.widgets.gauge import Gauge


class PersonScreen(ActingScreen):
    """Everything about one person; Esc goes back."""

    # Loaded with the screen, not with the app: start-up parses only the first screen's CSS
    # (the same priority as the app's stylesheet; global selectors, as there).
    SCOPED_CSS = False
    CSS = """
        #person {
            padding: 0 1;
            border: round $primary 60%;
            &:focus { border: round $primary; }
        }
        #person-name { text-style: bold; }
        #person-flags { margin-bottom: 1; }
        #person-columns { grid-size: 1; height: auto; grid-gutter: 1 3; }
        PersonScreen.-wide #person-columns { grid-size: 2; grid-columns: 1fr 1fr; }
        #person-left, #person-right { height: auto; }
        #person-left Gauge { max-width: 60; }
        #person-trend { margin-bottom: 1; }
        #person-explain, #person-words { margin-bottom: 1; }
        #person-explain.-short { text-wrap: nowrap; text-overflow: ellipsis; }
        #card-history, #person-facts, #person-words, #person-timeline {
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    """

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="person.back",
                tooltip="Back to where you came from"),
        Binding("e", "explain", "Explain", id="person.explain", show=False,
                tooltip="The full explanation of the numbers, or the short one"),
        Binding("r", "refresh", "Refresh", id="person.refresh", show=False,
                tooltip="Read this person again from the database"),
    ]

    def __init__(self, person_id: int, *, mode: str = "") -> None:
        super().__init__()
        self.person_id = person_id
        self.MODE = mode
        self.page: dict[str, Any] | None = None
        self.full_explanation = False

    def body(self) -> ComposeResult:
        with VerticalScroll(id="person", can_focus=True):
            yield Static(Content.styled("…", "$foreground-muted"), id="person-name")
            yield Static("", id="person-sub", markup=False)
            yield Static("", id="person-flags", markup=False)
            with Grid(id="person-columns"):
                with Vertical(id="person-left"):
                    yield Gauge("Health", id="gauge-health")
                    yield Gauge("Warmth", id="gauge-warmth")
                    yield Gauge("Trust", id="gauge-trust")
                    yield Gauge("Value", id="gauge-value")
                    yield Static("", id="person-trend", markup=False)
                    yield Static("", id="person-explain", markup=False)
                    yield Static("", id="person-facts", markup=False)
                with Vertical(id="person-right"):
                    yield Static("", id="person-words", markup=False)
                    yield Static("", id="person-timeline", markup=False)

    def on_mount(self) -> None:
        self.query_one("#person").focus()
        self.reload()
        self.watch_store()

    def store_changed(self) -> bool:
        self.reload()
        return True

    def on_screen_resume(self) -> None:
        if self.page is not None and not self.came_back_unchanged():
            self.reload()

    def reload(self, focus_person: int | None = None) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, group="person-load", exclusive=True)
    def _load(self) -> None:
        page = self.gateway.read(lambda ctx: data.person_page(ctx, self.person_id))
        if page["detail"]["triage"]:
            page["arrival"] = arrival(page["detail"]["source"])  # the review card's words
        self.post_message(PersonLoaded(self.person_id, page))

    def on_person_loaded(self, message: PersonLoaded) -> None:
        self.page = message.page
        detail, health = message.page["detail"], message.page["health"] or {}
        gone = message.page.get("merged_from")
        if gone and message.person_id == self.person_id:
            # Merged away by another program while on show: follow them.
            self.person_id = detail["id"]
            self.notify(f"{gone['name']} (id {gone['id']}) was merged into {detail['name']} "
                        f"(id {detail['id']}) elsewhere: showing {detail['name']}",
                        severity="warning", markup=False, timeout=8)
        today = message.page["today"]
        self.set_status(Content.assemble(("Person ", "bold"), f"#{detail['id']}"))
        self.query_one("#person-name", Static).update(
            Content.styled(safe(detail["name"]), "bold $accent"))
        self.query_one("#person-sub", Static).update(person_line(detail, health))
        flags = []
        if detail["archived"]:
            flags.append(("archived (a brings back)", "$warning"))
        if detail["triage"]:
            how = message.page.get("arrival") or "New person"
            flags.append((f"{how[:1].lower()}{how[1:]}: give a tier (t) or archive (a)",
                          "$warning"))
        if detail["snoozed_until"] and str(detail["snoozed_until"]) > today.isoformat():
            flags.append((f"snoozed until {detail['snoozed_until']}", "$foreground-muted"))
        cadence = detail["cadence_days"] or health.get("cadence_days")
        flags.append((f"cadence {cadence} days" if cadence else "no cadence", "$foreground-muted"))
        if health.get("last_touch"):
            flags.append((f"last touch {ago(health['last_touch'], today)}", "$foreground-muted"))
        self.query_one("#person-flags", Static).update(Content(" · ").join(
            [Content.styled(text, style) for text, style in flags]
            + history.next_meeting(detail, today)))
        # The live explanation's numbers, so every number shown is the one explained.
        live = (message.page.get("explanation") or {}).get("data") or health
        for key in ("health", "warmth", "trust", "value"):
            self.query_one(f"#gauge-{key}", Gauge).value = live.get(key, health.get(key))
        trend = live.get("trend", health.get("trend"))
        trend_line = []
        if trend:
            past = live.get("health_past", health.get("health_past"))
            since = f" (was {past} 30 days ago)" if past is not None else ""
            trend_line.append(Content(f"{TREND_ARROWS.get(trend, '')} {trend}{since}"))
        if live.get("one_sided", health.get("one_sided")):
            sided = one_sided_summary((live.get("explanation") or {}).get("health") or [])
            trend_line.append(Content.styled(
                safe(f"one-sided: {sided}" if sided else "one-sided"), "$warning"))
        trend_widget = self.query_one("#person-trend", Static)
        trend_widget.update(Content(" · ").join(trend_line))
        trend_widget.display = bool(trend_line)
        self._show_explanation()
        facts = [
            history.block("Their goals", history.goals(detail, today,
                                                       message.page["stale_goal_days"])),
            history.block("Commitments", history.commitments(detail, today, open_only=False)),
        ]
        remember = history.remember(detail)
        if remember:
            facts.append(history.block("Remember", remember))
        if detail["organization"]:
            facts.append(history.block("Organisation", [Content("  " + safe(
                detail["organization"]))]))
        facts.append(history.block("Identities", history.identities(detail)
                                   or [Content.styled("  none", "$foreground-muted")]))
        self.query_one("#person-facts", Static).update(Content("\n").join(facts))
        words = history.their_words(detail, today, 10)
        self.query_one("#person-words", Static).update(
            history.block("Their words", words) if words else Content(""))
        self.query_one("#person-words").display = bool(words)
        shown = history.timeline(detail, today, 60)
        total = detail["interaction_count"]
        title = f"Timeline ({total} touches)" if total else "Timeline"
        self.query_one("#person-timeline", Static).update(Hanging(history.block(title, shown)))

    def _show_explanation(self) -> None:
        explained = self.query_one("#person-explain", Static)
        explain = (self.page or {}).get("explanation") or {}
        if self.full_explanation and explain.get("text"):
            lines = [Content(safe(explain["text"], one_line=False))]
        else:
            lines = history.explanation(explain.get("data") or {})
        title = "Why these numbers (e: " + ("less)" if self.full_explanation else "more)")
        # A long line goes on under its own indentation (Hanging), not back at column 0.
        explained.update(Hanging(history.block(title, lines)) if lines else Content(""))
        explained.display = bool(lines)
        explained.set_class(not self.full_explanation, "-short")

    def action_explain(self) -> None:
        self.full_explanation = not self.full_explanation
        self._show_explanation()

    def target(self) -> Target | None:
        if self.page is None:
            return None
        return Target.from_page(self.page)

    def on_merged(self, message: Merged) -> None:
        # This person now lives on as the one they were merged into.
        if message.merged_id == self.person_id:
            self.person_id = message.kept_id

    def on_undone(self, message: Undone) -> None:
        if message.step.merge_id is not None:
            self.person_id = message.step.person_id

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.reload()
