"""The dialogs that change what is known about a person: personal details and birthday
(:class:`DetailsDialog`), how often to be in touch (:class:`CadenceDialog`), and who they
really are (:class:`MergeDialog`, which looks people up as the command palette does)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.events import Key
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from crb_tui.errors import CrbError
from crb_tui.quantities import parse_birthday, parse_days
from crb_tui.text import fold
from crb_tui.tui.display import safe
from crb_tui.tui.screens.base import crb_app
from crb_tui.tui.screens.dialogs_form import Dialog, field, text_input, text_of, titled


@dataclass(frozen=True)
class Cadence:
    days: int | None
    """None: back to the tier's default."""


@dataclass
class DetailsUpdate:
    birthday: str | None
    """As typed; "" forgets it; None leaves it as it is."""
    detail: tuple[str, str | None] | None
    """(name, value) to remember, (name, None) to forget, None for no change."""
    name: str | None = None
    """Their new name (``crb rename``); None leaves it as it is."""


class DetailsDialog(Dialog[DetailsUpdate]):
    """Their name, and personal details worth remembering: a birthday, and details by name
    (family, coffee)."""

    def __init__(self, name: str, birthday: str | None, details: dict[str, Any]) -> None:
        super().__init__(titled("Details of", name))
        self.person_name = name
        self.birthday = birthday
        self.details = details

    def fields(self) -> ComposeResult:
        from crb_tui.quantities import describe_birthday

        shown = describe_birthday(self.birthday) if self.birthday else ""
        yield from field("Birthday", Input(
            value=shown, placeholder="12 April 1985, or 12 April", id="birthday", compact=True))
        if self.details:
            yield Static(Content("\n").join(
                Content.assemble("• ", (safe(k), "bold"), ": ", safe(str(v)))
                for k, v in self.details.items()), classes="dialog-list")
        yield from field("Detail", text_input("family: two kids, Mia and Leo", "detail"))
        yield Static(Content("Write a detail as what: value; nothing after the colon forgets "
                             "it."), classes="dialog-list")
        yield from field("Name", Input(value=self.person_name, id="name", compact=True))

    def result(self) -> DetailsUpdate:
        from crb_tui.quantities import describe_birthday

        typed_name = " ".join(text_of(self, "name").split())
        if not typed_name:
            raise CrbError("a name cannot be empty")
        name = None if typed_name == " ".join(self.person_name.split()) else typed_name
        typed = text_of(self, "birthday")
        shown = describe_birthday(self.birthday) if self.birthday else ""
        birthday = None if typed == shown else typed
        if birthday:
            parse_birthday(birthday, today=crb_app(self).context.today())
        line = text_of(self, "detail")
        detail: tuple[str, str | None] | None = None
        if line:
            key, colon, value = line.partition(":")
            if not colon or not key.strip():
                raise CrbError("write a detail as name: value (family: two kids)")
            detail = (key.strip(), value.strip() or None)
            if detail[1] is None and detail[0] not in self.details:
                raise CrbError(f"there is no detail {detail[0]!r} to forget")
        if birthday is None and detail is None and name is None:
            raise CrbError("nothing changed (Esc closes)")
        return DetailsUpdate(birthday, detail, name)


@dataclass(frozen=True)
class MergeInto:
    """The person picked to merge into, as the confirmation names them."""

    person_id: int
    name: str


class MergeDialog(Dialog[MergeInto]):
    """Who this person really is: type part of a name, an e-mail or an id, pick from the people
    that match (the same look-up as the command palette: case and accents do not matter; digits
    are an id only). The screen then asks before merging, naming whom was picked."""

    def __init__(self, name: str, person_id: int) -> None:
        super().__init__(titled("Merge", name))
        self.person_id = person_id
        self.candidates: list[dict[str, Any]] = []
        self._looked_up = ""

    def fields(self) -> ComposeResult:
        yield Static(Content(
            "Everything they have (identities, touches, notes, commitments) moves to the "
            "person you pick here; u undoes it."), classes="dialog-list")
        yield from field("Into", text_input("part of a name, an e-mail or an id", "into"))
        yield OptionList(id="merge-candidates", compact=True)

    def on_mount(self) -> None:
        self.query_one("#merge-candidates", OptionList).display = False

    @on(Input.Changed, "#into")
    def _typed(self, event: Input.Changed) -> None:
        self._look_up(event.value.strip())

    @work(thread=True, exclusive=True, group="merge-look-up", exit_on_error=False)
    def _look_up(self, text: str) -> None:
        from crb_tui.store.queries import merge_candidates

        gateway = crb_app(self).gateway
        found = gateway.read(lambda ctx: merge_candidates(ctx.store, text, self.person_id))
        self.app.call_from_thread(self._show, text, found)

    def _show(self, text: str, found: list[dict[str, Any]]) -> None:
        self.candidates, self._looked_up = found, text
        self._picked_one = False
        box = self.query_one("#merge-candidates", OptionList)
        box.clear_options()
        box.add_options([
            Option(Content.assemble(
                (safe(row["name"]), "bold"), (f"  id {row['id']}", "$foreground-muted"),
                *((f" (id {row['merged_from']} merged into them)", "$foreground-muted"),)
                if row.get("merged_from") else (),
                *((f" · {safe(row['organization'])}", "$foreground-muted"),)
                if row.get("organization") else (),
                *((f" · {safe(row['identity'])}", "$foreground-muted"),)
                if row.get("identity") else (),

            ), id=str(row["id"])) for row in found])
        box.display = bool(found)
        if found:
            box.highlighted = 0
        self.show_error("" if found or not text else f"no one else matches \u201c{text}\u201d")
        if self._save_when_found and text == text_of(self, "into"):
            self._save_when_found = False
            self.action_save()

    def on_key(self, event: Key) -> None:
        # Up and down pick among the people found while the cursor stays in the box.
        box = self.query_one("#merge-candidates", OptionList)
        if event.key in ("up", "down") and self.candidates and not box.has_focus:
            event.stop()
            box.action_cursor_up() if event.key == "up" else box.action_cursor_down()
            self._picked_one = True

    _save_when_found = False
    _picked_one = False
    """The user moved to one of several people found (or chose one): Enter takes them."""

    def action_save(self) -> None:
        # Enter typed faster than the look-up: save as soon as it has answered.
        if text_of(self, "into") and text_of(self, "into") != self._looked_up:
            self._save_when_found = True
            return
        super().action_save()

    @on(OptionList.OptionSelected, "#merge-candidates")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._picked_one = True
        self.action_save()

    def result(self) -> MergeInto:
        text = text_of(self, "into")
        if not text:
            raise CrbError("name the person to merge into")
        if not self.candidates:
            raise CrbError(f"no one else matches \u201c{text}\u201d: try part of a name, "
                           "an e-mail or an id")
        box = self.query_one("#merge-candidates", OptionList)
        row = self.candidates[box.highlighted or 0]
        if len(self.candidates) > 1 and not self._picked_one:
            # As `crb merge` does: several people match and none was picked, so whom to keep
            # is not guessed (only a name that is exactly one of theirs names that one).
            exact = [r for r in self.candidates if fold(str(r["name"])) == fold(text)]
            if len(exact) != 1:
                shown = ", ".join(f"{safe(str(r['name']))} (id {r['id']})"
                                  for r in self.candidates[:4])
                more = ", ..." if len(self.candidates) > 4 else ""
                raise CrbError(f"\u201c{safe(text)}\u201d matches several people: {shown}{more}; "
                               "pick one with \u2191/\u2193 and Enter, or type more")
            row = exact[0]
        return MergeInto(int(row["id"]), str(row["name"]))


class CadenceDialog(Dialog[Cadence]):
    """How often to be in touch, in days; empty goes back to the tier's default."""

    def __init__(self, name: str, current: int | None, default: int) -> None:
        super().__init__(titled("Cadence for", name))
        self.current = current
        self.default = default

    def fields(self) -> ComposeResult:
        default = f"{self.default} days" if self.default else "none"
        yield from field("Every", Input(compact=True,
            value=str(self.current or ""),
            placeholder=f"14, 2w, 3m (empty: tier default, {default})", id="days"))

    def result(self) -> Cadence:
        text = text_of(self, "days")
        if not text:
            return Cadence(None)
        return Cadence(parse_days(text))
