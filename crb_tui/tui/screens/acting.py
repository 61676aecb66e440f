"""``ActingScreen``: the one-key actions on a person, shared by the review and person screens.

Each action opens its dialog, then runs the core action (``crb_tui.store.actions``) on a worker with
the database lock held, refreshes that person's health and keeps a step to undo it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.content import Content

from crb_tui.errors import CrbError
from crb_tui.host.app_context import AppContext
from crb_tui.store import actions, tables
from crb_tui.store.ignoring import blocked_note
from crb_tui.store.merge import merge_people
from crb_tui.text import plural, sentence
from crb_tui.tui.display import safe
from crb_tui.tui.messages import ActionDone, Merged, Undone
from crb_tui.tui.problems import busy_guard
from crb_tui.tui.screens.base import CrbScreen
from crb_tui.tui.screens.dialogs import (
    Cadence,
    CadenceDialog,
    ChoiceDialog,
    CommitmentPicker,
    DetailsDialog,
    DetailsUpdate,
    GoalDialog,
    GoalUpdate,
    LogTouch,
    LogTouchDialog,
    MergeDialog,
    MergeInto,
    NewNote,
    NewPromise,
    NewValue,
    NoteDialog,
    PromiseDialog,
    SnoozeDialog,
    ValueDialog,
    stage_dialog,
    tier_dialog,
    titled,
)
from crb_tui.tui.undo import (
    Snapshot,
    UndoStep,
    commitment_snapshot,
    goals_snapshot,
    person_snapshot,
    tracked,
)
from crb_tui.tui.undo import undo as undo_step

ACTION_BINDINGS = [
    Binding("l", "log_touch", "Log", id="person.log",
            tooltip="Log a touch (call, meeting, message, e-mail, note) with a note"),
    Binding("k", "close_commitment(False)", "Kept", id="person.kept",
            tooltip="Mark an open commitment as kept"),
    Binding("x", "close_commitment(True)", "Broken", id="person.broken", show=False,
            tooltip="Mark an open commitment as broken"),
    Binding("p", "promise", "Promise", id="person.promise",
            tooltip="Add a commitment, yours or theirs, with a due date"),
    Binding("v", "value", "Value", id="person.value",
            tooltip="Log value given or received: intro, advice, resource, referral, deal"),
    Binding("g", "goal", "Goals", id="person.goal", show=False,
            tooltip="Add their current goal, or confirm the known ones are still right"),
    Binding("n", "note", "Note", id="person.note", show=False,
            tooltip="Add a note, marked as their own words or not"),
    Binding("s", "snooze", "Snooze", id="person.snooze",
            tooltip="Out of the review for a day, a week, a month or until a date"),
    Binding("t", "tier", "Tier", id="person.tier", show=False,
            tooltip="Set the tier: key, active, network or none"),
    Binding("c", "cadence", "Cadence", id="person.cadence", show=False,
            tooltip="Set how often to be in touch, in days"),
    Binding("o", "stage", "Stage", id="person.stage", show=False,
            tooltip="Override the relationship stage, or derive it from the data again"),
    Binding("a", "archive", "Archive", id="person.archive", show=False,
            tooltip="Archive (or bring back) this person"),
    Binding("m", "merge", "Merge", id="person.merge", show=False,
            tooltip="Merge this person into someone else (the same person twice)"),
    Binding("i", "ignore", "Ignore", id="person.ignore", show=False,
            tooltip="Blocklist their addresses and archive them (take back: crb ignore --undo)"),
    Binding("d", "details", "Details", id="person.details", show=False,
            tooltip="Their name, birthday and personal details worth remembering (family, tastes)"),
    Binding("u", "undo", "Undo", id="person.undo", tooltip="Undo the last action"),
]


@dataclass
class Target:
    """The person the actions apply to, with what the dialogs need to know about them."""

    person_id: int
    name: str
    item_kind: str | None = None
    commitment_id: int | None = None
    commitments: list[dict[str, Any]] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)
    tier: str | None = None
    cadence_days: int | None = None
    default_cadence: int = 0
    stage_override: str | None = None
    archived: bool = False
    birthday: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    snoozed_until: str | None = None

    @classmethod
    def from_page(cls, page: dict[str, Any], **extra: Any) -> Target:
        detail = page["detail"]
        return cls(
            person_id=detail["id"],
            name=detail["name"],
            commitments=[c for c in detail["commitments"] if c["status"] == "open"],
            goals=[g for g in detail["goals"] if g["active"]],
            tier=detail["tier"],
            cadence_days=detail["cadence_days"],
            default_cadence=page.get("default_cadence", 0),
            stage_override=detail["stage_override"],
            archived=detail["archived"],
            birthday=detail.get("birthday"),
            details=detail.get("details") or {},
            snoozed_until=detail.get("snoozed_until"),
            **extra,
        )


Call = Callable[[AppContext], Any]


class ActingScreen(CrbScreen):
    """A screen showing one person at a time, with every action on them one key away."""

    BINDINGS: ClassVar[list[BindingType]] = [*ACTION_BINDINGS]

    def target(self) -> Target | None:
        """The person the actions apply to now (None: nothing to act on)."""
        raise NotImplementedError

    def reload(self, focus_person: int | None = None) -> None:
        """Fetch what the screen shows again after a change."""
        raise NotImplementedError

    @property
    def today(self) -> dt.date:
        return self.crb.today

    def _target(self) -> Target | None:
        target = self.target()
        if target is None:
            self.say("Nothing to act on here.")
        return target

    # -- running ---------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="db-write")
    def perform(
        self, target: Target, label: str, call: Call, *, creates: str | None = None,
        snapshots: tuple[Snapshot, ...] = (), answers_all: bool = False,
    ) -> None:
        """Run one core action and its health refresh; post ``ActionDone`` with the undo step
        (``answers_all``: the action takes the person out of today's review)."""

        def run(ctx: AppContext) -> Any:
            _, step = tracked(ctx.store, target.person_id, label, lambda: call(ctx),
                              creates=creates, snapshots=snapshots)
            return step

        before = self._change_token()
        try:
            step = self.gateway.run(run)
        except Exception as exc:
            raise busy_guard(label, exc) from exc
        after, tokens = None, None
        try:
            self.gateway.run(lambda ctx: ctx.recompute([target.person_id]))
            tokens = (before, self._change_token())
            after = self.after_action(target, answers_all)
        finally:
            self.post_message(ActionDone(step, label, answers_all=answers_all, after=after,
                                         tokens=tokens))

    _left_at: tuple[Any, dt.date] | None = None
    """The change token and the day when a dialog or another screen was put over this one."""

    def on_screen_suspend(self) -> None:
        self._left_at = (self._change_token(), self.today)

    def came_back_unchanged(self) -> bool:
        """Whether, back from a dialog or another screen, what this screen shows stands:
        nothing was written meanwhile, or this screen's own action is being stored (which reads
        the screen again as it is done: a read on coming back could end after it and show what
        was there before the action)."""
        left, self._left_at = self._left_at, None
        if left is None or left[1] != self.today:
            return False
        acting = any(w.group == "db-write" and w.node is self and not w.is_finished
                     for w in self.app.workers)
        return acting or (left[0] is not None and left[0] == self._change_token())

    def _change_token(self) -> Any:
        try:
            return self.gateway.change_token()
        except Exception:  # noqa: BLE001 - not known: what was read is read again
            return None

    def after_action(self, target: Target, answers_all: bool) -> Any:
        """Called on the action's worker once it is stored: what the screen reads again there
        (one trip to the database and back instead of two), carried by ``ActionDone``."""
        return None

    def on_action_done(self, message: ActionDone) -> None:
        self.record_done(message)
        self.reload(focus_person=None)

    def record_done(self, message: ActionDone) -> None:
        """Keep the action's undo step and say what was done."""
        self.crb.undo_stack.append(message.step)
        self.say(f"{sentence(message.message)} Press u to undo.")

    def action_undo(self) -> None:
        if not self.crb.undo_stack:
            self.say("Nothing to undo.")
            return
        self._undo(self.crb.undo_stack.pop())

    @work(thread=True, exit_on_error=False, group="db-write")
    def _undo(self, step: Any) -> None:
        def run(ctx: AppContext) -> None:
            undo_step(ctx.store, step)
            ctx.recompute([step.person_id, *step.also_recompute])

        try:
            self.gateway.run(run)
        except Exception as exc:
            error = busy_guard(f"undo of “{step.label}”", exc)
            if error is not exc:  # nothing was undone: u can try it again
                self.app.call_from_thread(self.crb.undo_stack.append, step)
            raise error from exc
        self.post_message(Undone(step))

    def on_undone(self, message: Undone) -> None:
        self.say(f"Undone: {message.step.label}")
        self.reload(focus_person=message.step.person_id)

    # -- the actions -----------------------------------------------------------------------

    def action_log_touch(self) -> None:
        if (t := self._target()) is None:
            return

        def done(result: LogTouch | None) -> None:
            if result is None:
                return
            self.perform(
                t, f"Logged {actions.a_touch(result.kind)} with {safe(t.name)}",
                lambda ctx: actions.log_touch(
                    ctx.store, t.person_id, kind=result.kind, direction=result.direction,
                    note=result.note, at=result.at, today=ctx.today(), item_kind=t.item_kind),
                creates=tables.INTERACTIONS,
            )

        self.app.push_screen(LogTouchDialog(t.name, self.crb.today), done)

    def action_close_commitment(self, broken: bool = False) -> None:
        if (t := self._target()) is None:
            return
        word = "broken" if broken else "kept"

        def close(commitment_id: int | None) -> None:
            if commitment_id is None:
                return
            found = next((c for c in t.commitments if c["id"] == commitment_id), {})
            text = found.get("text", "")
            due = str(found.get("due") or "")
            if broken and due > self.today.isoformat():
                # Not due yet: broken is a judgement to confirm, not one key away.
                def confirmed(answer: str | None) -> None:
                    if answer == "yes":
                        mark(commitment_id, text)

                self.app.push_screen(ChoiceDialog(
                    Content.assemble("“", safe(text), f"” is not due until {due}"),
                    [("y", "yes, mark it broken now", "yes"), ("n", "no", "no")],
                    note="Marking it broken lowers trust at once."), confirmed)
                return
            mark(commitment_id, text)

        def mark(commitment_id: int, text: str) -> None:
            self.perform(
                t, f"Marked \u201c{safe(text)}\u201d {word}",
                lambda ctx: actions.close_commitment(
                    ctx.store, commitment_id, today=ctx.today(), broken=broken,
                    item_kind=t.item_kind),
                snapshots=(commitment_snapshot(commitment_id),),
            )

        if t.commitment_id is not None:
            close(t.commitment_id)
        elif len(t.commitments) == 1:
            close(t.commitments[0]["id"])
        elif not t.commitments:
            self.say(f"{safe(t.name)} has no open commitments.")
        else:
            title = titled(f"Which commitment was {word}? With", t.name)
            self.app.push_screen(CommitmentPicker(title, t.commitments, self.today), close)

    def action_promise(self) -> None:
        if (t := self._target()) is None:
            return

        def done(result: NewPromise | None) -> None:
            if result is None:
                return
            who = "You promised" if result.direction == "out" else "They promised"
            self.perform(
                t, f"{who} \u201c{safe(result.text)}\u201d by {result.due}",
                lambda ctx: actions.promise(
                    ctx.store, t.person_id, result.text, due=result.due, today=ctx.today(),
                    direction=result.direction, item_kind=t.item_kind),
                creates=tables.COMMITMENTS,
            )

        self.app.push_screen(PromiseDialog(t.name, self.today), done)

    def action_value(self) -> None:
        if (t := self._target()) is None:
            return

        def done(result: NewValue | None) -> None:
            if result is None:
                return
            self.perform(
                t, f"Logged {result.kind} {result.direction} with {safe(t.name)}",
                lambda ctx: actions.log_value(
                    ctx.store, t.person_id, kind=result.kind, direction=result.direction,
                    note=result.note, amount=result.amount, today=ctx.today(),
                    item_kind=t.item_kind),
                creates=tables.VALUE_MOMENTS,
            )

        self.app.push_screen(ValueDialog(t.name), done)

    def action_goal(self) -> None:
        if (t := self._target()) is None:
            return

        def done(result: GoalUpdate | None) -> None:
            if result is None:
                return
            label = (f"New goal for {safe(t.name)}" if result.text
                     else f"Confirmed the goals of {safe(t.name)}")
            self.perform(
                t, label,
                lambda ctx: actions.set_goal(
                    ctx.store, t.person_id, result.text, today=ctx.today(),
                    replace=result.replace, item_kind=t.item_kind),
                creates=tables.GOALS if result.text else None,
                snapshots=(goals_snapshot(t.person_id),),
            )

        self.app.push_screen(GoalDialog(t.name, t.goals, self.today), done)

    def action_note(self) -> None:
        if (t := self._target()) is None:
            return

        def done(result: NewNote | None) -> None:
            if result is None:
                return
            kind = "their words" if result.their_words else "a note"
            self.perform(
                t, f"Kept {kind} about {safe(t.name)}",
                lambda ctx: actions.add_note(
                    ctx.store, t.person_id, result.text, today=ctx.today(),
                    their_words=result.their_words, item_kind=t.item_kind),
                creates=tables.NOTES,
            )

        self.app.push_screen(NoteDialog(t.name), done)

    def action_snooze(self) -> None:
        if (t := self._target()) is None:
            return

        def done(until: str | None) -> None:
            if until is None:
                return
            if until == SnoozeDialog.END:
                self.perform(
                    t, f"Ended the snooze of {safe(t.name)}: back in the review",
                    lambda ctx: actions.unsnooze(ctx.store, t.person_id, today=ctx.today(),
                                                 item_kind=t.item_kind),
                    snapshots=(person_snapshot(t.person_id),),
                )
                return
            day = dt.date.fromisoformat(until)
            self.perform(
                t, f"Snoozed {safe(t.name)} until {day}",
                lambda ctx: actions.snooze(ctx.store, t.person_id, day, today=ctx.today(),
                                           item_kind=t.item_kind),
                snapshots=(person_snapshot(t.person_id),), answers_all=True,
            )

        self.app.push_screen(SnoozeDialog(t.name, self.today, t.snoozed_until), done)

    def action_details(self) -> None:
        if (t := self._target()) is None:
            return

        def done(result: DetailsUpdate | None) -> None:
            if result is None:
                return

            def run(ctx: AppContext) -> None:
                with ctx.store.transaction():
                    if result.name is not None:
                        actions.rename(ctx.store, t.person_id, result.name, today=ctx.today())
                    if result.birthday is not None:
                        actions.set_birthday(ctx.store, t.person_id, result.birthday or None,
                                             today=ctx.today())
                    if result.detail is not None:
                        actions.set_detail(ctx.store, t.person_id, *result.detail,
                                           today=ctx.today())

            self.perform(t, f"Details of {safe(t.name)} saved", run,
                         snapshots=(person_snapshot(t.person_id),))

        self.app.push_screen(DetailsDialog(t.name, t.birthday, t.details), done)

    def action_tier(self) -> None:
        if (t := self._target()) is None:
            return

        def done(tier: str | None) -> None:
            if tier is None:
                return
            self.perform(
                t, f"{safe(t.name)} is now tier {tier}",
                lambda ctx: actions.set_tier(ctx.store, t.person_id, tier, today=ctx.today(),
                                             item_kind=t.item_kind),
                snapshots=(person_snapshot(t.person_id),),
            )

        self.app.push_screen(tier_dialog(t.name, t.tier), done)

    def action_cadence(self) -> None:
        if (t := self._target()) is None:
            return

        def done(result: Cadence | None) -> None:
            if result is None:
                return
            every = (f"every {plural(result.days, 'day')}" if result.days
                     else "the tier's default")
            self.perform(
                t, f"Cadence for {safe(t.name)}: {every}",
                lambda ctx: actions.set_cadence(ctx.store, t.person_id, result.days,
                                                today=ctx.today(), item_kind=t.item_kind),
                snapshots=(person_snapshot(t.person_id),),
            )

        self.app.push_screen(CadenceDialog(t.name, t.cadence_days, t.default_cadence), done)

    def action_stage(self) -> None:
        if (t := self._target()) is None:
            return

        def done(stage: str | None) -> None:
            if stage is None:
                return
            value = None if stage == "auto" else stage
            self.perform(
                t, f"Stage of {safe(t.name)}: {value or 'derived from the data'}",
                lambda ctx: actions.set_stage(ctx.store, t.person_id, value, today=ctx.today()),
                snapshots=(person_snapshot(t.person_id),),
            )

        self.app.push_screen(stage_dialog(t.name, t.stage_override), done)

    def action_merge(self) -> None:
        if (t := self._target()) is None:
            return

        def done(into: MergeInto | None) -> None:
            if into is None:
                return

            # Whom the typed name or id matched is said before anything moves.
            def confirmed(answer: str | None) -> None:
                if answer == "yes":
                    self._merge(t, into.person_id)

            self.app.push_screen(ChoiceDialog(
                Content.assemble("Merge ", (safe(t.name), "bold"), f" (id {t.person_id}) into ",
                                 (safe(into.name), "bold"), f" (id {into.person_id})?"),
                [("n", "no, keep them apart", "no"), ("y", "yes, merge", "yes")],
                note="Everything they have moves to the person kept; u undoes it."), confirmed)

        self.app.push_screen(MergeDialog(t.name, t.person_id), done)

    @work(thread=True, exit_on_error=False, group="db-write")
    def _merge(self, target: Target, keep: int) -> None:
        def run(ctx: AppContext) -> UndoStep:
            if keep == target.person_id:
                raise CrbError("that is the same person")
            result = merge_people(ctx.store, keep, target.person_id)
            kept = result["kept"]
            return UndoStep(
                label=(f"Merged {safe(target.name)} (id {target.person_id}) into "
                       f"{safe(kept['name'])} (id {keep})"),
                person_id=target.person_id, merge_id=result["merge_id"],
                also_recompute=[keep],
            )

        try:
            step = self.gateway.run(run)
        except Exception as exc:
            raise busy_guard(f"merge of {safe(target.name)} (id {target.person_id}) into id "
                             f"{keep}", exc) from exc
        try:
            self.gateway.run(lambda ctx: ctx.recompute([step.also_recompute[0]]))
        finally:
            self.post_message(Merged(step.person_id, step.also_recompute[0]))
            self.post_message(ActionDone(step, step.label))

    def on_merged(self, message: Merged) -> None:
        """Hook for screens that show the merged-away person."""

    def action_ignore(self) -> None:
        if (t := self._target()) is None:
            return

        # Blocklisting every address is not one stray key away: it asks first (Enter and any
        # other key but y leave everyone as they are).
        def confirmed(answer: str | None) -> None:
            if answer != "yes":
                return
            self.perform(
                t, f"Ignored {safe(t.name)}: their addresses will not become people again",
                lambda ctx: actions.ignore_person(ctx.store, t.person_id, today=ctx.today(),
                                                  item_kind=t.item_kind),
                creates=tables.IGNORED, snapshots=(person_snapshot(t.person_id),),
            )

        self.app.push_screen(ChoiceDialog(
            titled("Ignore", t.name),
            [("n", "no, keep them", "no"), ("y", "yes, ignore", "yes")],
            note="Their e-mail addresses go on the blocklist (imports and syncs skip them) "
                 "and they are archived. u undoes it; later, crb ignore --undo with their "
                 "name or id, and a brings them back."), confirmed)

    def action_archive(self) -> None:
        if (t := self._target()) is None:
            return
        restoring = t.archived

        def call(ctx: AppContext) -> None:
            actions.archive(ctx.store, t.person_id, today=ctx.today(), undo=restoring,
                            item_kind=t.item_kind)
            if restoring:  # their mail may still be skipped: the way to let it in (as the CLI)
                _, note = blocked_note(ctx.store, t.person_id)
                if note:
                    self.app.call_from_thread(self.say, sentence(f"{safe(t.name)}: {note}"),
                                              title="Still ignored")

        self.perform(
            t, f"{'Brought back' if restoring else 'Archived'} {safe(t.name)}", call,
            snapshots=(person_snapshot(t.person_id),), answers_all=not restoring,
        )
