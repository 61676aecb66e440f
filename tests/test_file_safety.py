"""Files CRB writes are created 0600 with no window (no chmod after), and CRB never writes or
chmods through a symbolic link: it refuses in one clear line and leaves the link's target as it
was. ``crb doctor`` checks token files."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Crb


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_chmod(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Files must be born 0600: with a permissive umask and no chmod at all, they still are."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"chmod called: {args}")

    old = os.umask(0)
    monkeypatch.setattr(os, "chmod", refuse)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def people(crb: Crb, tmp_path: Path) -> Path:
    """A contacts file with one good row and one rejected row."""
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\nAnn Lee,ann@example.com\n,bad\n", encoding="utf-8")
    return path


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch\n", encoding="utf-8")
    os.chmod(victim, 0o644)
    return victim


def _refused(crb: Crb, *args: str) -> str:
    result = crb(*args, ok=False)
    assert result.exit_code == 1, (result.stderr, result.exception)
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("crb: error: ") and "unexpected" not in line
    return line


def test_new_files_are_born_0600(crb: Crb, people: Path, tmp_path: Path, no_chmod: None) -> None:
    crb("import", str(people), "--rejects", str(tmp_path / "rejects.jsonl"), status=3)
    crb("export", "-o", str(tmp_path / "export.json"))
    crb("export", "--format", "csv", "-o", str(tmp_path / "people.out.csv"))
    crb("backup", str(tmp_path / "backup.db"))
    crb("--config", str(tmp_path / "starter.toml"), "config", "init")
    for name in ("crb.db", "rejects.jsonl", "export.json", "people.out.csv", "backup.db",
                 "starter.toml"):
        assert _mode(tmp_path / name) == 0o600, name
    assert json.loads((tmp_path / "rejects.jsonl").read_text().splitlines()[0])["source"]


def test_export_replaces_a_file_whole_and_refuses_a_link(crb: Crb, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o644)
    crb.create_db()
    crb("export", "-o", str(out))
    assert json.loads(out.read_text())["format"] == "crb-export" and _mode(out) == 0o600
    victim = _victim(tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    line = _refused(crb, "export", "-o", str(link))
    assert f"{link} is a symbolic link" in line and "give the real path" in line
    assert victim.read_text() == "do not touch\n" and _mode(victim) == 0o644
    assert link.is_symlink()
    assert "does not exist" in _refused(crb, "export", "-o", str(tmp_path / "no" / "x.json"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_rejects_through_a_link_is_refused_before_importing(
    crb: Crb, people: Path, tmp_path: Path
) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / "rejects.jsonl"
    link.symlink_to(victim)
    assert "is a symbolic link" in _refused(crb, "import", str(people), "--rejects", str(link))
    assert victim.read_text() == "do not touch\n"
    assert crb("people", ok=False).stderr.startswith("crb: error: no database at ")


def test_a_database_link_is_refused_dangling_or_not(crb: Crb, tmp_path: Path) -> None:
    dangling = tmp_path / "dangling.db"
    dangling.symlink_to(tmp_path / "nowhere" / "crb.db")
    other = Crb(dangling, crb.config)
    line = _refused(other, "people")
    assert f"{dangling} is a symbolic link (it points to {tmp_path / 'nowhere' / 'crb.db'})" in line
    assert not (tmp_path / "nowhere").exists()
    crb("tier", "nobody", "key", status=1)  # a writing command creates the real database
    assert crb.db.is_file()
    real_mode = _mode(crb.db)
    os.chmod(crb.db, 0o644)
    link = tmp_path / "link.db"
    link.symlink_to(crb.db)
    line = _refused(Crb(link, crb.config), "people")
    # A reading command too, and the line says why (not "does not write", as it read).
    assert "is a symbolic link" in line and "does not open its database through one, even " \
        "to read" in line and "give the real path" in line
    assert _mode(crb.db) == 0o644 and real_mode == 0o600


def test_backup_and_config_init_refuse_links(crb: Crb, tmp_path: Path) -> None:
    dangling = tmp_path / "backup.db"
    dangling.symlink_to(tmp_path / "elsewhere.db")
    crb.create_db()
    assert "is a symbolic link" in _refused(crb, "backup", str(dangling))
    assert not (tmp_path / "elsewhere.db").exists()
    config = tmp_path / "cfg.toml"
    config.symlink_to(tmp_path / "elsewhere.toml")
    result = crb("--config", str(config), "config", "init", ok=False)
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    assert not (tmp_path / "elsewhere.toml").exists()


def _gmail_config(crb: Crb, token: Path) -> None:
    crb.config.write_text(
        crb.config.read_text() + f'\n[sources.gmail]\ntoken_file = "{token}"\n', encoding="utf-8"
    )


def test_a_linked_token_file_is_never_chmodded(
    crb: Crb, tmp_path: Path, google_plugin: object
) -> None:
    victim = _victim(tmp_path)
    victim.write_text('{"token": "t"}', encoding="utf-8")
    link = tmp_path / "gmail-token.json"
    link.symlink_to(victim)
    _gmail_config(crb, link)
    result = crb("sync", "gmail", "--json", ok=False)
    assert result.exit_code == 1
    (summary,) = json.loads(result.stdout)["sources"]
    assert not summary["ok"] and "is a symbolic link" in summary["errors"][0]
    assert _mode(victim) == 0o644 and victim.read_text() == '{"token": "t"}'


def test_doctor_checks_token_files(crb: Crb, tmp_path: Path) -> None:
    data = tmp_path / "xdg-data" / "crb"
    data.mkdir(parents=True)
    loose = data / "calendar-token.json"
    loose.write_text("{}", encoding="utf-8")
    os.chmod(loose, 0o644)
    victim = _victim(tmp_path)
    link = tmp_path / "gmail-token.json"
    link.symlink_to(victim)
    _gmail_config(crb, link)
    crb.create_db()
    result = crb("doctor", "--json", ok=False)
    assert result.exit_code == 1
    tokens = [c for c in json.loads(result.stdout)["checks"] if c["check"] == "token file"]
    assert len(tokens) == 2 and not any(c["ok"] for c in tokens)
    assert f"run `chmod 600 {loose}`" in tokens[0]["detail"]
    assert f"{link} is a symbolic link" in tokens[1]["detail"]
    source = next(c for c in json.loads(result.stdout)["checks"] if c["check"] == "source gmail")
    assert not source["ok"] and f"the token file {link} is a symbolic link" in source["detail"]
    os.chmod(loose, 0o600)
    link.unlink()
    result = crb("doctor", "--json", status=1)
    checks = json.loads(result.stdout)["checks"]
    tokens = [c for c in checks if c["check"] == "token file"]
    assert [c["ok"] for c in tokens] == [True]
    # No token at all: the source is not authorised yet, which every sync would fail on.
    (source,) = [c for c in checks if c["check"] == "source gmail"]
    assert not source["ok"] and source["detail"].startswith("not authorised yet: run `crb auth")


def test_a_database_under_a_file_is_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from crb_tui.cli import cli

    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "file" / "crb.db"), "people"])
    assert result.exit_code == 1, result.output
    assert result.output == f"crb: error: no database at {tmp_path / 'file' / 'crb.db'}: " \
        "check --db / CRB_DB (`crb import FILE` starts one with your own data, `crb demo` " \
        "fills one with example data)\n"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "file" / "crb.db"), "tier", "x",
                                      "key"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"crb: error: {tmp_path / 'file'} is not a folder (for the "
                                    "database crb.db)")
    assert (tmp_path / "file").read_text() == "x"


def test_an_export_redirected_into_a_file_others_can_read_is_warned_of(
    crb: Crb, people: Path, tmp_path: Path
) -> None:
    """Trial 12 T4: README's own `crb export > everything.json` left the whole CRM readable
    by every user of the machine (0644 from the shell's umask). README now shows `-o`, and
    `crb export` into such a file says so on standard error (the export itself is written)."""
    import subprocess
    import sys

    crb("import", str(people), ok=False)  # (its one rejected row: exit 3)
    env = {k: v for k, v in os.environ.items() if k != "CRB_DB"}
    out = tmp_path / "everything.json"

    def export(mode: int) -> subprocess.CompletedProcess[str]:
        out.unlink(missing_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT, mode)
        os.fchmod(fd, mode)  # (the test's umask aside: the mode a shell would give)
        try:
            return subprocess.run(
                [sys.executable, "-m", "crb_tui", "--db", str(crb.db), "--config",
                 str(crb.config), "export"], stdout=fd, stderr=subprocess.PIPE, text=True,
                env=env, timeout=120, check=True)
        finally:
            os.close(fd)

    warned = export(0o644)
    assert warned.stderr == (
        "crb: warning: the export goes to a file others can read (mode 0644): `crb export -o "
        "FILE` creates it for you alone (mode 0600)\n")
    assert "Ann Lee" in {p["name"] for p in json.loads(out.read_text())["tables"]["people"]}
    assert export(0o600).stderr == ""
    piped = subprocess.run(
        [sys.executable, "-m", "crb_tui", "--db", str(crb.db), "--config", str(crb.config),
         "export"], capture_output=True, text=True, env=env, timeout=120, check=True)
    assert piped.stderr == "" and json.loads(piped.stdout)["tables"]["people"]
