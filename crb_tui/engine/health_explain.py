"""Explaining one person's scores part by part, with the events behind every number
(``crb show``, the app's person page): ``_Explainer`` and ``describe``."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from typing import Any

from crb_tui.clock import local_day
from crb_tui.engine import health_value
from crb_tui.engine.review_item import ago_or_today
from crb_tui.engine.scores import EXPLAINED, SIGNAL_GAUGES, Health, Part
from crb_tui.records import INTERACTION_KINDS
from crb_tui.store.health_run import Run
from crb_tui.text import plain, plural

log = logging.getLogger(__name__)


# -- explanations ----------------------------------------------------------------------------

_TOGETHER = ("meeting", "call")
_MESSAGES = ("email", "message")



def _event(row: dict[str, Any]) -> str:
    subject = plain(row.get("subject"), one_line=True)
    subject = f" \u201c{subject}\u201d" if subject else ""
    way = {"in": "from them", "out": "from you", "mutual": "together"}.get(row["direction"], "")
    return f"{local_day(row['at'])} {row['kind']} {way}{subject}".replace("  ", " ")


def _window_dates(window: int, cad: int) -> tuple[dt.date, dt.date]:
    first = dt.date.fromordinal(window * cad - 1721425)
    return first, first + dt.timedelta(days=cad - 1)


class _Explainer:
    """Turns the model's intermediate numbers for one person into parts in plain words."""

    def __init__(
        self, run: Run, row: dict[str, Any], history: dict[str, Any],
        signals: Sequence[tuple[str, float, str, str]], override: str | None,
    ) -> None:
        self.run = run
        self.hc = run.config.health
        self.row = row
        self.history = history
        self.signals = signals
        self.override = override

    def parts(self) -> dict[str, list[Part]]:
        return {
            "warmth": self.warmth(),
            "trust": self.trust(),
            "value": self.value(),
            "health": self.health(),
            "trend": self.trend(),
            "stage": self.stage(),
        }

    def _signal_parts(self, gauge: str) -> list[Part]:
        return [
            Part(gauge, f"signal from {plugin}", round(points, 2), reason)
            for g, points, reason, plugin in self.signals
            if g == gauge
        ]

    def _clamped(self, gauge: str, before: float, after: float) -> list[Part]:
        total = before + sum(p for g, p, _r, _n in self.signals if g == gauge)
        if abs(total - after) > 1e-9:
            return [Part(gauge, "kept within 0-100", round(after - total, 2),
                         f"{total:.1f} is outside 0-100, so {gauge} is {after:.1f}")]
        return []

    def warmth(self) -> list[Part]:
        r, hc = self.row, self.hc
        cad, wcad = r["cad"], r["wcad"]
        grace = hc.warmth_grace_cadences * wcad
        half = hc.warmth_half_life_cadences * wcad
        rule = f"full warmth for {plural(grace, 'day')}, then halving every {plural(half, 'day')}"
        cadence = (
            f"cadence {plural(cad, 'day')}" if cad > 0
            else f"no cadence set, {plural(wcad, 'day')} assumed"
        )
        touches = self.history["interactions"]
        if r["two_n"] is None:
            ins = sum(1 for t in touches if t["kind"] in _MESSAGES and t["direction"] == "in")
            outs = sum(1 for t in touches if t["kind"] in _MESSAGES and t["direction"] == "out")
            detail = (
                "no two-way touch yet (no meeting or call, and no messages both ways): "
                f"{plural(outs, 'message')} from you, {plural(ins, 'message')} from them"
            )
            events = [_event(t) for t in touches[-3:]]
            parts = [Part("warmth", "no two-way touch", 0.0, detail, events)]
        else:
            days = int(round(r["days_n"]))  # on the user's calendar, as the date shown
            last_together = _last(touches, lambda t: t["kind"] in _TOGETHER or (
                t["kind"] in _MESSAGES and t["direction"] == "mutual"))
            last_in = _last(touches, lambda t: t["kind"] in _MESSAGES and t["direction"] == "in")
            last_out = _last(touches, lambda t: t["kind"] in _MESSAGES and t["direction"] == "out")
            events = [
                f"{label}: {_event(t)}"
                for label, t in (
                    ("last time together", last_together),
                    ("their last message", last_in),
                    ("your last message", last_out),
                )
                if t is not None
            ]
            detail = (
                f"{ago_or_today(days)} ({local_day(r['two_n'])}); {cadence}: {rule}"
            )
            parts = [Part("warmth", "last two-way touch", round(r["warmth0_n"], 2), detail, events)]
        parts += self._signal_parts("warmth")
        parts += self._clamped("warmth", r["warmth0_n"], r["warmth_n"])
        return parts

    def trust(self) -> list[Part]:
        r, hc = self.row, self.hc
        weights = self.run.params

        def share(part: str) -> str:
            return f"weight {weights[f'k_{part}']:.0f} of 100"

        commitments = self.history["commitments"]
        kept = [c for c in commitments if c["status"] == "kept"]
        on_time = [c for c in kept if (c["closed_at"] or c["due"])[:10] <= c["due"]]
        late = [c for c in kept if (c["closed_at"] or c["due"])[:10] > c["due"]]
        broken = [c for c in commitments if c["status"] == "broken"]
        today = self.run.today.isoformat()
        overdue = [c for c in commitments if c["status"] == "open" and c["due"] < today]
        events = (
            [f"broken: {plain(c['text'], one_line=True)} (due {c['due']})" for c in broken]
            + [f"open past due: {plain(c['text'], one_line=True)} (due {c['due']})"
               for c in overdue]
            + [f"kept late: {plain(c['text'], one_line=True)} (due {c['due']}, kept "
               f"{(c['closed_at'] or '')[:10]})" for c in late]
            + [f"kept on time: {plain(c['text'], one_line=True)} (due {c['due']})"
               for c in on_time]
        )
        counts = ", ".join(
            text for n, text in (
                (r["kept_n"], f"{r['kept_n']} kept on time"),
                (r["late_n"], f"{r['late_n']} kept late"),
                (r["broken_n"], f"{r['broken_n']} broken"),
                (r["over_n"], f"{r['over_n']} open past due"),
            ) if n
        ) or "no commitments kept or broken yet"
        parts = [Part(
            "trust", "commitments", round(r["tc_n"], 2),
            f"{counts}; with {hc.trust_prior:g} imagined at {100 * hc.trust_prior_mean:.0f}% "
            f"(late counts {100 * hc.trust_late_credit:.0f}%, past due "
            f"{100 * hc.trust_overdue_credit:.0f}%): {100 * r['commit_n']:.0f}%, "
            f"{share('commit')}",
            events[:12],
        )]
        wcad, wn = r["wcad"], r["wn"]
        unset = "" if r["cad"] > 0 else "no cadence set; "
        events = []
        for b in range(r["windows_n"]):
            first, last = _window_dates(wn - 1 - b, wcad)
            mark = "touched" if r["hitmask_n"] >> b & 1 else "no touch"
            events.append(f"{first} to {last}: {mark}")
        parts.append(Part(
            "trust", "consistency", round(r["ts_n"], 2),
            f"a touch in {r['hits_n']} of the last {plural(r['windows_n'], 'window')} of "
            f"{plural(wcad, 'day')} ({unset}at most {self.run.windows}, none before the first "
            f"touch; plus "
            f"{hc.trust_consistency_prior:g} imagined at half): {100 * r['cons_n']:.0f}%, "
            f"{share('cons')}",
            events,
        ))
        parts.append(Part(
            "trust", "reciprocity", round(r["tr_n"], 2),
            f"{plural(r['in_n'], 'message')} from them, {r['out_n']} from you, "
            f"{plural(r['mut_n'], 'time')} together: {100 * r['recip_n']:.0f}% two-way "
            f"(one-way contact counts as none), {share('recip')}",
        ))
        parts += self._signal_parts("trust")
        parts += self._clamped("trust", r["tc_n"] + r["ts_n"] + r["tr_n"], r["trust_n"])
        return parts

    def value(self) -> list[Part]:
        r, hc = self.row, self.hc
        if r["value_n"] is None:
            text = health_value.UNKNOWN.format(stand_in=self.run.params["unknown"])
            if min(r["in_n"], r["out_n"]) > 0:
                # they did write both ways (Trust counts it), but not in the weeks Value reads
                text = text.replace(
                    "and no exchange of messages",
                    f"and no exchange of messages in the last {health_value.EXCHANGE_WEEKS} "
                    "weeks (older ones no longer count for Value)")
            return [Part("value", "unknown", None, text)]
        points = r["points_n"]
        scale = hc.value_scale
        share = (lambda p: r["value0_n"] * p / points) if points > 0 else (lambda p: 0.0)
        lam, cut = self.run.lam, dt.datetime.fromisoformat(self.run.cut)

        def age(at: str) -> float:
            return (cut - dt.datetime.fromisoformat(at)).total_seconds() / 86400

        def now_worth(kind: str, at: str) -> float:
            return hc.value_points.get(kind, 0.0) * math.exp(-lam * age(at))

        moments = sorted(
            self.history["value_moments"], key=lambda m: now_worth(m["kind"], m["at"]),
            reverse=True,
        )
        given = sum(1 for m in moments if m["direction"] == "given")
        events = [
            f"{local_day(m['at'])} {m['kind']} {m['direction']}"
            + (f" \u201c{plain(m['note'], one_line=True)}\u201d" if m["note"] else "")
            + f": {now_worth(m['kind'], m['at']):.1f} points now"
            for m in moments[:8]
        ]
        parts = [Part(
            "value", "value moments", round(share(r["mom_n"]), 2),
            f"{given} given, {len(moments) - given} received: {r['mom_n']:.1f} points after "
            f"decay (half-life {hc.value_half_life_days:g} days)",
            events,
        )]
        touches = self.history["interactions"]
        together = {k: p for k, p in hc.value_points.items() if k in INTERACTION_KINDS and p}
        kinds, events = health_value.together_detail(touches, together, age, lam)
        parts.append(Part(
            "value", "time together", round(share(r["tog_n"]), 2),
            f"{plain(kinds, one_line=True)}: {r['tog_n']:.1f} points after decay",
            [plain(e, one_line=True) for e in events]
            + [_event(t) for t in touches if t["kind"] in together][-5:][::-1],
        ))
        text, events = health_value.exchange_detail(
            touches, self.run.exchange, self.run.today, self.run.weights,
            self.run.params["xcap"])
        parts.append(Part(
            "value", "exchange weeks", round(share(r["exch_n"]), 2),
            f"{text}; Value = 100 \u00d7 (1 \u2212 e^(\u2212{points:.1f} / {scale:g})) = "
            f"{r['value0_n']:.1f}",
            events,
        ))
        parts += self._signal_parts("value")
        parts += self._clamped("value", r["value0_n"], r["value_n"])
        return parts

    def health(self) -> list[Part]:
        r, hc = self.row, self.hc
        value = r["value_n"]
        stand_in = self.run.params["unknown"]
        if value is None:
            value = stand_in
            shown = f"unknown, counted as {value:g}"
        elif value < stand_in:
            shown = (f"{value:.1f}, counted as {stand_in:g} (as much as knowing nothing: "
                     "old evidence never counts for less)")
            value = stand_in
        else:
            shown = f"{value:.1f}"
        balance = math.sqrt(r["trust_n"] * value)
        floor = hc.health_warmth_floor
        factor = floor + (1 - floor) * r["warmth_n"] / 100
        parts = [
            Part("health", "trust and value", round(balance, 2),
                 f"\u221a(trust {r['trust_n']:.1f} \u00d7 value {shown}) = "
                 f"{balance:.1f}: low when either is low"),
            Part("health", "warmth", round(factor, 4),
                 f"\u00d7 ({floor:g} + {1 - floor:g} \u00d7 warmth {r['warmth_n']:.1f} / 100) = "
                 f"\u00d7 {factor:.2f}, health {r['h_n']}"),
        ]
        if r["one_sided"]:
            parts.append(Part("health", "one-sided", None, _one_sided(r, hc)))
        return parts

    def trend(self) -> list[Part]:
        r, hc = self.row, self.hc
        change = r["h_n"] - r["h_p"]
        return [Part(
            "trend", f"health on {self.run.past}", float(r["h_p"]),
            f"health {r['h_n']} now, {r['h_p']} on {self.run.past} (from the data up to then: "
            f"warmth {r['w_p']}, trust {r['t_p']}, value {_known(r['v_p'])}); change {change:+d}, "
            f"{r['trend']} (a change of {hc.trend_threshold} or more either way counts)",
        )]

    def stage(self) -> list[Part]:
        r, hc = self.row, self.hc
        derived = r["stage_derived"]
        span = int(r["span_n"])
        if r["two_n"] is None:
            why = "no two-way touch yet: one-way contact is not a relationship"
        else:
            facts = (
                f"reciprocity {100 * r['recip_n']:.0f}%, {plural(span, 'day')} of history, "
                f"trust {r['t_n']}, value {_known(r['v_n'])}"
            )
            need = {
                "relationship": (hc.relationship_days, hc.relationship_trust,
                                 hc.relationship_value),
                "partner": (hc.partner_days, hc.partner_trust, hc.partner_value),
            }
            nxt = {"transaction": "relationship", "relationship": "partner"}.get(derived)
            why = f"{facts}"
            if nxt:
                days, trust, value = need[nxt]
                why += (
                    f"; {nxt} needs reciprocity \u2265 {100 * hc.relationship_reciprocity:.0f}%, "
                    f"{days} days, trust \u2265 {trust}, value \u2265 {value}"
                )
        parts = [Part("stage", f"derived: {derived}", None, why)]
        if self.override:
            parts.insert(0, Part("stage", f"set by you: {self.override}", None,
                                 f"the stage you chose wins over the derived {derived}"))
        return parts


def _known(value: int | None) -> str:
    return "unknown" if value is None else str(value)


def _last(rows: list[dict[str, Any]], keep: Any) -> dict[str, Any] | None:
    for row in reversed(rows):
        if keep(row):
            return row
    return None


def _one_sided(r: dict[str, Any], hc: Any) -> str:
    """Who carries the relationship and by how much, then the rule (docs/health.md)."""
    you = r["one_sided"] == 1
    mine, theirs = (r["out_n"], r["in_n"]) if you else (r["in_n"], r["out_n"])
    who, other = ("you", "they") if you else ("they", "you")
    together = plural(r["mut_n"], "time") + " together" if r["mut_n"] else "no time together"
    wrote = f"all {mine} messages" if not theirs else f"{mine} of the {mine + theirs} messages"
    return (
        f"{who} carry it: {who} wrote {wrote}, {other} {theirs or 'none'}, {together}; "
        f"one-sided is one side writing at least "
        f"{hc.one_sided_messages} messages and {hc.one_sided_ratio:g} times as many as the "
        f"other (time together counts for both), the last within {hc.one_sided_days} days"
    )


def one_sided_summary(parts: list[Any]) -> str | None:
    """The short form of the one-sided part among a Health explanation's ``parts`` (``Part``
    or its dict): "you carry it: you wrote 12 of the 13 messages, they 1, ..."; None if none."""
    for part in parts:
        label = part["label"] if isinstance(part, dict) else part.label
        if label == "one-sided":
            detail = part["detail"] if isinstance(part, dict) else part.detail
            return str(detail).split("; ")[0]
    return None


def describe(health: Health) -> str:
    """The explanation in plain words, for ``crb show PERSON``."""
    h = health
    stage = h.stage
    if h.stage != h.stage_derived:
        stage = f"{h.stage} (set by you; derived {h.stage_derived})"
    sided = ""
    if h.one_sided:  # "  One-sided: you carry it." / "... they carry it."
        who = (one_sided_summary(h.explanation.get("health", [])) or "").split(":")[0]
        sided = f"  One-sided: {who}." if who else "  One-sided."
    lines = [
        f"Health {h.health}, {h.trend} ({h.health_past} thirty days before). Stage: {stage}."
        + sided,
    ]
    titles = {"warmth": f"Warmth {h.warmth}", "trust": f"Trust {h.trust}",
              "value": f"Value {'? (unknown)' if h.value is None else h.value}",
              "health": "Health", "trend": "Trend",
              "stage": "Stage"}
    for gauge in EXPLAINED:
        parts = h.explanation.get(gauge, [])
        if not parts:
            continue
        lines.append(f"{titles[gauge]}:")
        for part in parts:
            points = ""
            if part.value is not None and gauge in SIGNAL_GAUGES:
                # Trust's parts are its points; a plugin's signal is points on any gauge.
                signal = part.label.startswith("signal from ")
                points = f" [{part.value:+.1f}]" if gauge == "trust" or signal else ""
            lines.append(f"  - {part.label}{points}: {part.detail}")
            for event in part.events:
                lines.append(f"      {event}")
    return "\n".join(lines)

