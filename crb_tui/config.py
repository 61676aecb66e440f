"""Typed, documented settings read from ``config.toml``, and where CRB keeps its files."""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from crb_tui.errors import CrbError

APP_NAME = "crb"


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "crb.db"


def demo_db_path() -> Path:
    """``crb --demo`` works on its own database so real data is never touched."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / "demo.db"


@dataclass
class MeConfig:
    name: str = ""
    """Your name, shown in briefs."""
    emails: list[str] = field(default_factory=list)
    """Your own addresses and aliases: they never become people, and set mail direction."""
    timezone: str = ""
    """IANA time zone for "today" (e.g. "Europe/Paris"); empty uses the system's."""


@dataclass
class CadenceConfig:
    """Default days between touches by tier; 0 means no cadence."""

    key: int = 14
    active: int = 30
    network: int = 90
    none: int = 0


@dataclass
class IdentityConfig:
    create_people_from: str = "sent"
    """When mail creates a person: "sent" (you wrote to them), "any", or "never"."""
    blocklist: list[str] = field(default_factory=list)
    """Addresses and "@domain"s that never become people."""
    ignore_role_addresses: bool = True
    """Drop no-reply and role addresses (noreply@, notifications@, mailer-daemon@...)."""
    default_region: str = ""
    """ISO region code for phone numbers written without a country code ("GB" for the United
    Kingdom, not "UK"; "US", "DE"). Set or changed, the next import or sync reads the numbers
    stored without one again in it."""


@dataclass
class ReviewConfig:
    daily_limit: int = 12
    """How many items the daily review holds at most."""
    stale_goal_days: int = 90
    """Goals confirmed longer ago than this show up as "ask what has changed"."""
    aftercare_days: list[int] = field(default_factory=lambda: [7, 30, 90])
    """Follow-ups scheduled after a deal, in days."""
    new_people_days: int = 14
    """People a sync or an import created in the last N days wait in the review for triage."""
    triage_limit: int = 3
    """At most this many new people to triage in one day's review (0: none), the best evidence
    first (two-way touches, meetings, recency); the rest wait for the next days. They have
    these places even when late relationships would fill the day."""


@dataclass
class HealthConfig:
    """Weights and decay constants of the health model (see docs/health.md)."""

    warmth_grace_cadences: float = 1.0
    """Warmth stays at 100 for this many cadences after the last two-way touch."""
    warmth_half_life_cadences: float = 1.0
    """After the grace period, Warmth halves every this many cadences."""
    uncadenced_days: int = 180
    """Cadence assumed for Warmth and Trust's consistency windows when a person has none (tier
    "none" or cadence 0)."""
    trust_prior: float = 2.0
    """Imagined commitments at trust_prior_mean added to every history, so that a short one
    cannot swing the commitments part of Trust to 0 or 100."""
    trust_prior_mean: float = 0.5
    """Credit (0-1) of those imagined commitments."""
    trust_late_credit: float = 0.5
    """Credit (0-1) of a commitment kept late; kept on time counts 1, broken 0."""
    trust_overdue_credit: float = 0.25
    """Credit (0-1) of an open commitment past its due date, until it is kept or broken. Keep it
    between 0 and trust_late_credit so keeping never lowers Trust and breaking never raises it."""
    trust_consistency_windows: int = 6
    """Consistency counts how many of the last N cadence windows had a touch (windows of
    uncadenced_days for people without a cadence)."""
    trust_consistency_prior: float = 1.0
    """Imagined windows at half credit added to consistency, so one touch is not 100%."""
    trust_weight_commitments: float = 0.45
    """Weight of commitments kept vs broken in Trust."""
    trust_weight_consistency: float = 0.30
    """Weight of consistency of contact against the cadence in Trust (against uncadenced_days
    for people without a cadence)."""
    trust_weight_reciprocity: float = 0.25
    """Weight of reciprocity (they answer and reach out too) in Trust."""
    value_half_life_days: float = 180.0
    """Value moments and time together count half after this many days."""
    value_points: dict[str, float] = field(
        default_factory=lambda: {
            "intro": 20.0,
            "advice": 10.0,
            "resource": 8.0,
            "referral": 25.0,
            "deal": 30.0,
            "other": 5.0,
            "meeting": 6.0,
            "call": 4.0,
        }
    )
    """Points per value moment kind, and per interaction kind that is time spent together
    (meeting, call; any interaction kind may be given)."""
    value_scale: float = 60.0
    """Decayed points at which Value reaches 63: Value = 100 * (1 - exp(-points / scale))."""
    exchange_points: dict[str, float] = field(
        default_factory=lambda: {"email": 3.0, "message": 2.0}
    )
    """Points per exchange week, by kind (email, message; any interaction kind may be given): a
    week in which one of you wrote and the other wrote that week or the week before."""
    exchange_cap: float = 30.0
    """At most this many decayed points from exchange weeks, so that mail alone stays below
    what meetings and value moments reach (30 points: Value 39 at most)."""
    value_unknown: float = 5.0
    """Value assumed for Health when nothing at all is known about value (no value moment, no
    time together, no exchange week): Value itself is shown as unknown."""
    health_warmth_floor: float = 0.5
    """Share of Health kept when Warmth is 0:
    Health = sqrt(Trust * Value) * (floor + (1 - floor) * Warmth / 100)."""
    relationship_days: int = 90
    """Stage relationship needs at least this many days between first and last touch..."""
    relationship_trust: int = 40
    """...and Trust at least this..."""
    relationship_value: int = 20
    """...and Value at least this..."""
    relationship_reciprocity: float = 0.25
    """...and reciprocity (0-1) at least this (also needed for partner)."""
    partner_days: int = 365
    """Stage partner needs at least this many days of history..."""
    partner_trust: int = 70
    """...and Trust at least this..."""
    partner_value: int = 60
    """...and Value at least this."""
    one_sided_messages: int = 5
    """One-sided: one side (you, or they) wrote at least this many messages..."""
    one_sided_ratio: float = 3.0
    """...and at least this many times as many as the other side (time together counts for
    both sides)..."""
    one_sided_days: int = 180
    """...and wrote (or met you) within this many days: it describes the relationship now."""
    trend_window_days: int = 30
    """Trend compares Health now with Health this many days ago (from the data up to then)."""
    trend_threshold: int = 5
    """Health up by at least this is "growing", down by at least this "fading"."""


@dataclass
class PluginsConfig:
    plugins_dir: str = ""
    """A folder of single-file plugins (``*.py``) to load."""


@dataclass
class UiConfig:
    """The terminal app."""

    cursor_blink: bool = True
    """Blink the text cursor in input boxes (each blink redraws a cell: over a slow SSH link,
    turn it off)."""


@dataclass
class Config:
    me: MeConfig = field(default_factory=MeConfig)
    cadence: CadenceConfig = field(default_factory=CadenceConfig)
    identity: IdentityConfig = field(default_factory=IdentityConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    plugins: PluginsConfig = field(default_factory=PluginsConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-source settings, ``[sources.NAME]``, checked against each source's schema."""
    keymap: dict[str, str] = field(default_factory=dict)
    """TUI key remapping: binding id -> keys."""
    path: Path | None = None

    def cadence_for(self, tier: str | None) -> int:
        return int(getattr(self.cadence, tier or "none", 0) or 0)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return "a list"
    if origin is dict:
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, str(tp)
    )


def _check(value: Any, tp: Any, key: str, file: str) -> Any:
    origin = typing.get_origin(tp)
    ok: bool
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        ok = isinstance(value, list)
        if ok:
            return [_check(v, item_tp, f"{key}[{i}]", file) for i, v in enumerate(value)]
    elif origin is dict:
        ok = isinstance(value, dict)
        if ok:
            _, val_tp = typing.get_args(tp)
            if val_tp is not Any:
                return {k: _check(v, val_tp, f"{key}.{k}", file) for k, v in value.items()}
    elif origin in (typing.Union, types.UnionType):
        ok = any(_matches(value, arg) for arg in typing.get_args(tp))
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, tp)
    if not ok:
        expected = _type_name(tp)
        raise CrbError(f"{file}: {key} should be {expected}, not {_as_written(value, expected)}")
    return value


def _toml(value: Any) -> str:
    """A value as it is written in config.toml (``"INBOX"``, ``true``, ``[1, 2]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def _as_written(value: Any, expected: str) -> str:
    """What was given, as a TOML file writes it, and for one value where a list is due the
    list to write instead (``folders = "INBOX"`` -> ``["INBOX"]``)."""
    if expected == "a list" and not isinstance(value, list | dict):
        return f"{_toml(value)}: write [{_toml(value)}]"
    return _toml(value)


def _matches(value: Any, tp: Any) -> bool:
    try:
        _check(value, tp, "", "")
        return True
    except CrbError:
        return False


_RETIRED = frozenset({"health.one_sided_high", "health.one_sided_low"})
"""Settings a former version wrote into every starter config and no longer reads: accepted and
ignored, so an existing config.toml still loads (one-sided now compares who wrote, not Trust
with Value)."""


def _build(cls: type, data: dict[str, Any], prefix: str, file: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name != "path"}
    for key in data:
        if key not in names and f"{prefix}{key}" not in _RETIRED:
            where = f"{prefix}{key}"
            known = ", ".join(sorted(names))
            raise CrbError(f"{file}: unknown setting {where!r} (known here: {known})")
    kwargs: dict[str, Any] = {}
    for name in names:
        if name not in data:
            continue
        tp = hints[name]
        value = data[name]
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise CrbError(f"{file}: [{prefix}{name}] should be a table")
            kwargs[name] = _build(tp, value, f"{prefix}{name}.", file)
        else:
            kwargs[name] = _check(value, tp, f"{prefix}{name}", file)
    return cls(**kwargs)


def load_config(path: Path | None, *, must_exist: bool = False) -> Config:
    """Read ``config.toml``; a missing default file gives the defaults."""
    if path is None:
        path = default_config_path()
    path = Path(path).expanduser()
    if not path.exists():
        if must_exist:
            raise CrbError(f"config file {path} does not exist (create one with `crb config init`)")
        config = Config()
        config.path = path
        return config
    try:
        # "utf-8-sig": a byte-order mark (some Windows editors write one) is skipped.
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise CrbError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CrbError(f"{path}: cannot read config: {exc}") from exc
    config = _build(Config, data, "", str(path))
    _check_values(config, str(path))
    _check_no_secrets(config.sources, str(path))
    _check_review(config.review, str(path))
    config.path = path
    return config


def _check_review(review: ReviewConfig, file: str) -> None:
    """Numbers that only make sense in a range."""
    for key, least in (("daily_limit", 1), ("triage_limit", 0), ("stale_goal_days", 1),
                       ("new_people_days", 0)):
        value = getattr(review, key)
        if value < least:
            raise CrbError(f"{file}: review.{key} should be {least} or more, not {value}")


# The range of every number in the config, by key: a value outside is refused naming the file
# and the key (a negative daily limit, a zero half-life, NaN and infinities...).
_DAYS = (1, 36500)
_SHARE = (0.0, 1.0)
_GAUGE = (0, 100)
_RANGES: dict[str, tuple[float, float]] = {
    "cadence.key": (0, 3650), "cadence.active": (0, 3650), "cadence.network": (0, 3650),
    "cadence.none": (0, 3650),
    "review.daily_limit": (1, 1000), "review.stale_goal_days": _DAYS,
    "review.aftercare_days": (1, 3650), "review.new_people_days": (0, 3650),
    "health.warmth_grace_cadences": (0.0, 100.0),
    "health.warmth_half_life_cadences": (0.01, 100.0),
    "health.uncadenced_days": (1, 3650),
    "health.trust_prior": (0.0, 1000.0), "health.trust_prior_mean": _SHARE,
    "health.trust_late_credit": _SHARE, "health.trust_overdue_credit": _SHARE,
    "health.trust_consistency_windows": (1, 24), "health.trust_consistency_prior": (0.0, 1000.0),
    "health.trust_weight_commitments": (0.0, 100.0),
    "health.trust_weight_consistency": (0.0, 100.0),
    "health.trust_weight_reciprocity": (0.0, 100.0),
    "health.value_half_life_days": (1.0, 36500.0), "health.value_points": (0.0, 1000.0),
    "health.value_scale": (0.01, 1e6), "health.health_warmth_floor": _SHARE,
    "health.exchange_points": (0.0, 1000.0), "health.exchange_cap": (0.0, 1e6),
    "health.value_unknown": _GAUGE,
    "health.relationship_days": _DAYS, "health.relationship_trust": _GAUGE,
    "health.relationship_value": _GAUGE, "health.relationship_reciprocity": _SHARE,
    "health.partner_days": _DAYS, "health.partner_trust": _GAUGE, "health.partner_value": _GAUGE,
    "health.one_sided_messages": (1, 100000), "health.one_sided_ratio": (1.0, 1000.0),
    "health.one_sided_days": _DAYS,
    "health.trend_window_days": (1, 3650), "health.trend_threshold": _GAUGE,
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "identity.create_people_from": ("sent", "any", "never"),
}


def _check_values(config: Config, file: str) -> None:
    """Every number within its range (``_RANGES``), every choice one of its values, the time
    zone and phone region real: else one line naming the file and the key."""
    for key, (lo, hi) in _RANGES.items():
        section, name = key.split(".")
        value = getattr(getattr(config, section), name)
        items = (
            value.items() if isinstance(value, dict)
            else ((f"[{i}]", v) for i, v in enumerate(value)) if isinstance(value, list)
            else [("", value)]
        )
        for suffix, item in items:
            where = f"{key}.{suffix}" if isinstance(value, dict) else f"{key}{suffix}"
            if not lo <= item <= hi:  # (NaN compares false: refused too)
                raise CrbError(f"{file}: {where} = {item!r} is out of range (from {lo} to {hi})")
    for key, allowed in _CHOICES.items():
        section, name = key.split(".")
        value = getattr(getattr(config, section), name)
        if value not in allowed:
            raise CrbError(
                f"{file}: {key} = {value!r} is not one of {', '.join(map(repr, allowed))}"
            )
    if config.me.timezone:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(config.me.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CrbError(f"{file}: me.timezone = {config.me.timezone!r} is not a time zone "
                           '(use an IANA name such as "Europe/Paris")') from None
    region = config.identity.default_region
    if region and not (len(region) == 2 and region.isascii() and region.isalpha()):
        raise CrbError(f"{file}: {_line_of(file, 'default_region')}identity.default_region = "
                       f'{region!r} should be a two-letter region such as "GB"')
    if region:
        _check_region(region, file)


_REGION_SLIPS = {"UK": ("the United Kingdom", "GB"), "EL": ("Greece", "GR")}
"""Codes people write for a region whose ISO code is another (the EU writes EL for Greece)."""


def _check_region(region: str, file: str) -> None:
    """``[identity] default_region`` is a region the phone library reads numbers in: "UK" (or
    "XX") would leave every number without a country code as it is, and one person two."""
    from phonenumbers import SUPPORTED_REGIONS

    code = region.upper()
    if code in SUPPORTED_REGIONS:
        return
    if code in _REGION_SLIPS:
        country, meant = _REGION_SLIPS[code]
        hint = f'; {country} is "{meant}"'
    elif code[::-1] in SUPPORTED_REGIONS:
        hint = f'; did you mean "{code[::-1]}"?'
    else:
        hint = ' (ISO 3166 codes such as "GB", "US", "DE")'
    raise CrbError(f"{file}: {_line_of(file, 'default_region')}identity.default_region = "
                   f"{region!r} is not a known region code{hint}")


def _line_of(file: str, name: str) -> str:
    """``line N: `` of the (first) line that sets ``name`` in ``file``, else nothing."""
    try:
        lines = Path(file).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    for number, line in enumerate(lines, 1):
        key = line.split("=", 1)[0].strip()
        if "=" in line and (key == name or key.endswith(f".{name}")):
            return f"line {number}: "
    return ""


_SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey")


def _check_no_secrets(sources: dict[str, dict[str, Any]], file: str) -> None:
    for name, table in sources.items():
        if not isinstance(table, dict):
            raise CrbError(f"{file}: [sources.{name}] should be a table")
        for key, value in table.items():
            secretish = any(word in key.lower() for word in _SECRET_WORDS)
            if (
                secretish
                and isinstance(value, str)
                and value
                and not key.endswith(("_file", "_uri"))
            ):
                raise CrbError(
                    f"{file}: sources.{name}.{key} holds a secret in plain text; use "
                    f'{{"$env" = "NAME"}} or {{"$keyring" = "service/user"}} instead'
                )


def resolve_secret(value: Any) -> str | None:
    """A secret reference's value: ``{"$env": "NAME"}`` or ``{"$keyring": "svc/user"}``."""
    if isinstance(value, dict):
        if "$env" in value:
            return os.environ.get(str(value["$env"]))
        if "$keyring" in value:
            try:
                import keyring
            except ImportError as exc:
                raise CrbError("the keyring package is not installed") from exc
            service, _, user = str(value["$keyring"]).partition("/")
            return keyring.get_password(service, user)
        raise CrbError(f"unknown secret reference {value!r}")
    return None if value is None else str(value)


def unset_secrets(source: str, settings: dict[str, Any]) -> list[str]:
    """Each ``{"$env" = "NAME"}`` of a source's settings whose variable is not set (or empty)
    here: the sync would find no secret (``crb doctor`` warns of them)."""
    return [f'sources.{source}.{key} = {{ "$env" = "{value["$env"]}" }}: the environment '
            f'variable {value["$env"]} is not set here, so it gives no value (a sync run by '
            "cron needs it in cron's environment)"
            for key, value in settings.items()
            if isinstance(value, dict) and "$env" in value
            and not os.environ.get(str(value["$env"]))]


def source_config(config: Config, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A source's settings: its schema's defaults overlaid with ``[sources.NAME]``, type-checked."""
    file = str(config.path or "config")
    given = config.sources.get(name, {})
    merged = dict(schema)
    for key, value in given.items():
        if key not in schema:
            known = ", ".join(sorted(schema)) or "none"
            raise CrbError(f"{file}: unknown setting 'sources.{name}.{key}' (known: {known})")
        default = schema[key]
        if isinstance(value, dict) and ("$env" in value or "$keyring" in value):
            merged[key] = value
            continue
        if default is not None and not _matches_default(value, default):
            expected = _type_name(type(default)) if not isinstance(default, list) else "a list"
            raise CrbError(f"{file}: sources.{name}.{key} should be {expected}, "
                           f"not {_as_written(value, expected)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise CrbError(f"{file}: sources.{name}.{key} = {value!r} is not a finite number")
        merged[key] = value
    return merged


def checked_settings(config: Config, name: str, schema: dict[str, Any],
                     check: Callable[[dict[str, Any]], None] | None) -> dict[str, Any]:
    """:func:`source_config`, then the source's own ``check`` of the values: what ``crb sync``
    runs a source with and what ``crb doctor`` judges."""
    settings = source_config(config, name, schema)
    if check is not None:
        check(settings)
    return settings


def check_range(source: str, settings: dict[str, Any], key: str, low: float,
                high: float | None = None) -> None:
    """Raise a :class:`CrbError` naming ``sources.<source>.<key>`` when that number of a
    source's settings is below ``low`` or above ``high`` (for a ``Source.check``)."""
    value = settings[key]
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise CrbError(f"sources.{source}.{key} should be {bound}, not {value!r}")


def check_choice(source: str, settings: dict[str, Any], key: str,
                 choices: tuple[str, ...]) -> None:
    """A text setting that is one of ``choices``, or a :class:`CrbError` listing them."""
    value = settings[key]
    if str(value).strip().lower() not in choices:
        shown = ", ".join(f'"{c}"' for c in choices)
        raise CrbError(f"sources.{source}.{key} = {_toml(value)}: use {shown}")


def check_http_url(source: str, settings: dict[str, Any], key: str) -> None:
    """A setting that is an ``http://`` or ``https://`` address with a host, or a
    :class:`CrbError` saying so (``api_base = "127.0.0.1:8765"`` failed every request as a
    "network error")."""
    from urllib.parse import urlsplit

    value = settings[key]
    try:
        parts = urlsplit(str(value).strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise CrbError(f"sources.{source}.{key} = {_toml(value)} is not an http:// or https:// "
                       "address")


def _matches_default(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(default))


def starter_config() -> dict[str, Any]:
    """The settings ``crb config init`` writes: every section with its defaults."""
    data = dataclasses.asdict(Config())
    data.pop("path", None)
    data["sources"] = {}
    data["keymap"] = {}
    return data
