"""Config: typed settings, clear errors naming the key and the file, no secrets in plain text."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from crb_tui.config import (
    Config,
    load_config,
    resolve_secret,
    source_config,
    starter_config,
)
from crb_tui.config_example import write_starter
from crb_tui.errors import CrbError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_default_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config.review.daily_limit == 12
    assert config.cadence_for("key") == 14 and config.cadence_for(None) == 0


def test_values_are_read_and_typed(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
[me]
emails = ["me@example.com", "alias@example.com"]
timezone = "Europe/Paris"
[cadence]
key = 7
[health]
value_half_life_days = 90
"""))
    assert config.me.emails == ["me@example.com", "alias@example.com"]
    assert config.cadence_for("key") == 7
    assert config.health.value_half_life_days == 90.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[me]\nemail = []\n", "unknown setting 'me.email'"),
        ("[reveiw]\ndaily_limit = 3\n", "unknown setting 'reveiw'"),
        ("[review]\ndaily_limit = \"ten\"\n", "review.daily_limit should be an integer"),
        ("[me]\nemails = \"me@x.com\"\n", "me.emails should be a list"),
        ("[me]\nemails = [1]\n", r"me.emails\[0\] should be a string"),
        ("[identity]\nignore_role_addresses = 1\n", "should be true or false"),
        ("[me\n", "not valid TOML"),
    ],
)
def test_mistakes_name_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CrbError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_plain_text_secret_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.imap]\npassword = "hunter2"\n')
    with pytest.raises(CrbError, match="sources.imap.password holds a secret"):
        load_config(path)


def test_secret_references(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MY_TOKEN", "s3cret")
    config = load_config(write(tmp_path, '[sources.imap]\npassword = { "$env" = "MY_TOKEN" }\n'))
    settings = source_config(config, "imap", {"password": "", "host": "imap.example.com"})
    assert settings["host"] == "imap.example.com"
    assert resolve_secret(settings["password"]) == "s3cret"


def test_source_settings_are_checked_against_the_schema() -> None:
    config = Config(sources={"gmail": {"page_size": "100"}})
    with pytest.raises(CrbError, match="sources.gmail.page_size should be an integer"):
        source_config(config, "gmail", {"page_size": 500})


def test_config_init_writes_a_loadable_file_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    write_starter(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = load_config(path)
    assert loaded.review.aftercare_days == [7, 30, 90]
    assert tomllib.loads(path.read_text())["cadence"]["key"] == 14
    # The comments of config.example.toml come with it: what each setting does.
    example = (Path(__file__).resolve().parent.parent / "config.example.toml").read_text()
    assert path.read_text() == example and path.read_text().count("\n# ") > 20
    path.write_text("# mine\n")
    with pytest.raises(CrbError, match="already exists"):
        write_starter(path)
    assert path.read_text() == "# mine\n"


def test_example_config_documents_every_setting() -> None:
    """config.example.toml holds every option of the typed config, and loads cleanly."""
    root = Path(__file__).resolve().parent.parent
    example = root / "config.example.toml"
    loaded = load_config(example)
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    starter = starter_config()
    for section, values in starter.items():
        if isinstance(values, dict) and section not in ("sources", "keymap"):
            for key in values:
                assert key in data.get(section, {}), f"config.example.toml lacks {section}.{key}"
    assert loaded.path == example


def test_example_config_is_generated_from_the_settings() -> None:
    """Regenerate with: python -m crb_tui.config_example > config.example.toml"""
    from crb_tui.config_example import example_toml

    root = Path(__file__).resolve().parent.parent
    assert (root / "config.example.toml").read_text(encoding="utf-8") == example_toml()
