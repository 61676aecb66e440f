"""``crb doctor``: checks the config, database, plugins and permissions, and says what is wrong."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from crb_tui.config import checked_settings, load_config, unset_secrets
from crb_tui.errors import CrbError, user_message
from crb_tui.host import plugins
from crb_tui.identity import normalise_email
from crb_tui.store.faults import damaged, describe
from crb_tui.store.integrity import (
    broken_references,
    integrity,
    journal_mode,
    people_with_addresses,
    phones_without_country_code,
)
from crb_tui.store.phone_region import reread
from crb_tui.text import plain

if TYPE_CHECKING:
    from crb_tui.host.app_context import AppContext


def _check(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"check": name, "ok": ok, "detail": detail}


def _mode_ok(path: Path) -> tuple[bool, str]:
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return False, f"{path} is mode {mode:o}; run `chmod 600 {path}` (it holds private data)"
    return True, f"{path} is mode {mode:o}"


def token_files(sources: dict[str, dict[str, Any]]) -> list[Path]:
    """Token files CRB may hold: ``*-token.json`` in its data folder (where sources keep them by
    default) and every ``token_file`` a ``[sources.NAME]`` table names."""
    found: list[Path] = []
    data_dir = Path(platformdirs.user_data_dir("crb"))
    if data_dir.is_dir():
        found.extend(sorted(data_dir.glob("*-token.json")))
    for table in sources.values():
        for key, value in table.items() if isinstance(table, dict) else ():
            if key.endswith("token_file") and isinstance(value, str) and value.strip():
                found.append(Path(value.strip()).expanduser())
    return list(dict.fromkeys(found))


def _token_check(path: Path) -> dict[str, Any] | None:
    if path.is_symlink():
        return _check("token file", False, f"{path} is a symbolic link; CRB refuses to read or "
                      "write tokens through one: point token_file at the real file")
    if not path.exists():
        return None  # not authorised yet
    ok, detail = _mode_ok(path)
    return _check("token file", ok, detail)


def _region_check(store: Any, region: str) -> list[dict[str, Any]]:
    """Warnings about phone numbers stored without a country code. With ``[identity]
    default_region`` empty: "(415) 555-0101" and "+1 415 555 0101" are then two numbers, two
    people. With it set: numbers the next import or sync reads again in it (``phone_region``),
    and every number that is two people's once read again, with the ``crb merge`` to run."""
    if region:
        pending = reread(store.conn, region, write=False)
        checks = [_warning(clash.line()) for clash in pending.clashes]
        if pending.changed:
            n = pending.changed
            checks.insert(0, _warning(
                f"{n} stored phone number{'s' if n != 1 else ''} without a country code: the "
                f"next `crb import` or `crb sync` reads {'them' if n != 1 else 'it'} again as "
                f"{region} numbers ([identity] default_region), so that the full form finds "
                f"{'them' if n != 1 else 'it'}"))
        return checks
    local = phones_without_country_code(store)
    if not local:
        return []
    return [_warning(f"{local} stored phone number{'s' if local != 1 else ''} without a "
                     "country code, and [identity] default_region is empty: the same number "
                     "written with and without one (+1 415 555 0101, (415) 555-0101) is two "
                     "numbers, so two people; set default_region to your country's two-letter "
                     'code (default_region = "US") before importing more')]


def _warning(detail: str) -> dict[str, Any]:
    return {**_check("phone region", True, detail), "warning": True}


def _writable_check(path: Path | None, read_only: str | None) -> dict[str, Any]:
    if read_only is not None:
        return _check("database writable", False, f"CRB cannot write to {path}: {read_only}; "
                      "it can only be read (scores as last stored)")
    return _check("database writable", True, f"{path} and its folder are writable")


def _yourself_check(store: Any, emails: list[str]) -> list[dict[str, Any]]:
    """A warning for each person who holds an address of ``[me] emails`` (one added after the
    mail from it was imported: they are the user, with touches with themselves)."""
    mine = sorted({e for e in (normalise_email(x) for x in emails) if e})
    found = people_with_addresses(store, mine)
    if not found:
        return []
    shown = "; ".join(f"#{pid} {plain(name, one_line=True)} has {address}"
                      for pid, name, address in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    commands = ", ".join(f"`crb archive {pid}`"
                         for pid in list(dict.fromkeys(pid for pid, _, _ in found))[:3])
    return [{**_check("yourself", True,
                      f"people holding an address of [me] emails, made of your mail before "
                      f"it was there: {shown}{more}; they are you: {commands} takes them out "
                      "of the review and the lists"),
             "warning": True}]


def _source_check(config: Any, name: str, source: Any) -> dict[str, Any]:
    """A configured source's settings, then what its plugin checks locally beyond them (its
    ``ready``: that it was authorised, say): the failure a ``crb sync`` would meet."""
    try:
        settings = checked_settings(config, name, source.config_schema, source.check)
        if source.ready is not None:
            source.ready(settings)
    except CrbError as exc:
        return _check(f"source {name}", False, str(exc))
    except Exception as exc:  # noqa: BLE001 - a plugin's bug fails its check, not the others
        return _check(f"source {name}", False, f"its check failed: {user_message(exc)}")
    unset = unset_secrets(name, settings)
    if unset:
        return {**_check(f"source {name}", True, "; ".join(unset)), "warning": True}
    return _check(f"source {name}", True, "settings valid")


def run_checks(app: AppContext) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    config_path = Path(app.config_path or "")
    try:
        # An explicitly given file must exist: the check that fails, not what follows.
        config = load_config(config_path, must_exist=app.config_must_exist)
        where = f"{config_path}" if config_path.exists() else f"{config_path} (absent: defaults)"
        checks.append(_check("config", True, f"read {where}"))
        if not config.me.emails:
            # A warning, not a failure: a first run of the quick start has none yet.
            checks.append({**_check("me", True, "no [me] emails: your own addresses may become "
                                    "people and mail direction cannot be told (every message "
                                    "counts as received); add them in [me] emails"),
                           "warning": True})
        if config_path.exists():
            mode = stat.S_IMODE(os.stat(config_path).st_mode)
            # The config names a plugins folder (code CRB runs): others must not write it.
            ok = not mode & 0o022
            checks.append(_check("config permissions", ok, f"{config_path} is mode {mode:o}"
                                 + ("" if ok else f"; run `chmod go-w {config_path}`")))
    except CrbError as exc:
        checks.append(_check("config", False, str(exc)))
        return checks
    db_path = Path(app.db_path or "")
    # Look before opening: opening the store tightens the mode again.
    db_mode = _mode_ok(db_path) if db_path.exists() else None
    try:
        store = app.store
        result = integrity(store)
        if result != "ok":
            raise CrbError(damaged(db_path, f"integrity check: {' '.join(result.split())}"))
        counts = store.counts()
        checks.append(_check("database", True, f"{db_path}: integrity ok; {counts['people']} "
                             f"people, {counts['interactions']} interactions"))
        journal = journal_mode(store)
        checks.append(_check("journal", journal == "wal", f"journal mode {journal}"))
        broken = broken_references(store)
        checks.append(_check("foreign keys", not broken, f"{broken} broken references" if broken
                             else "all references hold"))
        if db_mode is not None:
            checks.append(_check("database permissions", *db_mode))
        checks.append(_writable_check(store.path, store.read_only))
        checks.extend(_region_check(store, config.identity.default_region))
        checks.extend(_yourself_check(store, config.me.emails))
    except Exception as exc:  # noqa: BLE001 - a damaged file is a failed check, never a crash
        checks.append(_check("database", False, describe(exc, db_path) or user_message(exc)))
    for path in token_files(config.sources):
        check = _token_check(path)
        if check is not None:
            checks.append(check)
    try:
        app.load_plugins()
        infos = plugins.describe()
        checks.append(_check("plugins", True, f"{len(infos)} loaded: "
                             + ", ".join(i.name for i in infos)))
        for name, why in plugins.load_problems.items():
            checks.append(_check(f"plugin {name}", False,
                                 f"failed to load ({why}); its hooks and commands are left out"))
        plugins.commands()
        for name, why in plugins.command_problems.items():
            checks.append(_check(f"plugin {name}", False,
                                 plugins.hook_problem("register_commands", why, "commands")))
        sources = plugins.sources()
        for name, why in plugins.source_problems.items():
            checks.append(_check(f"plugin {name}", False,
                                 plugins.hook_problem("register_sources", why, "sources")))
        for name in config.sources:
            if name not in sources:
                checks.append(_check(f"source {name}", False,
                                     f"[sources.{name}] is configured but no plugin offers it"))
                continue
            checks.append(_source_check(config, name, sources[name]))
    except Exception as exc:  # noqa: BLE001 - report any plugin failure as a failed check
        checks.append(_check("plugins", False, user_message(exc)))
    return checks
