"""``crb doctor`` judges a source's settings as ``crb sync`` does (``Source.check``): a setting
the sync would refuse is a failed check, not "settings valid". And the words of other checks
and explanations (a touch today is "today")."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Crb

BAD = """
[sources.imap]
host = "127.0.0.1"
user = "alice"
password = { "$env" = "IMAP_PASSWORD" }
security = "ssl"
[sources.gmail]
page_size = 0
[sources.caldav]
url = "cloud.example.com/dav"
[sources.ics]
timezone = "Mars/Base"
[sources.linkedin]
date_order = "ymd"
[sources.outlook_calendar]
past_days = -1
"""


def test_doctor_fails_the_settings_a_sync_refuses(crb: Crb) -> None:
    with crb.config.open("a", encoding="utf-8") as fh:
        fh.write(BAD)
    crb.create_db()
    result = crb("doctor", status=1)
    failed = [line for line in result.stdout.splitlines() if line.startswith("[FAIL]")]
    assert failed == [
        '[FAIL] source imap: sources.imap.security = \'ssl\': use "tls" (port 993), "starttls" '
        '(port 143) or "none" (no encryption)',
        "[FAIL] source gmail: sources.gmail.page_size should be between 1 and 500, not 0",
        "[FAIL] source caldav: sources.caldav.url = 'cloud.example.com/dav' is not an http:// "
        "or https:// address",
        "[FAIL] source ics: sources.ics.timezone = 'Mars/Base' is not a time zone (use a name "
        'such as "Europe/Berlin")',
        '[FAIL] source linkedin: sources.linkedin.date_order = "ymd": use "auto", "mdy", "dmy"',
        "[FAIL] source outlook_calendar: sources.outlook_calendar.past_days should be at least "
        "0, not -1",
    ]
    # The sync says the same, before anything is asked of a server.
    result = crb("sync", "imap", "gmail", "ics", ok=False)
    assert result.exit_code == 1
    assert 'error: sources.imap.security = \'ssl\': use "tls"' in result.stderr
    assert "error: sources.gmail.page_size should be between 1 and 500, not 0" in result.stderr
    assert "error: sources.ics.timezone = 'Mars/Base' is not a time zone" in result.stderr


def test_a_port_out_of_range_fails_the_doctor_too(crb: Crb) -> None:
    with crb.config.open("a", encoding="utf-8") as fh:
        fh.write('[sources.imap]\nhost = "127.0.0.1"\nuser = "alice"\n'
                 'password = { "$env" = "IMAP_PASSWORD" }\nport = 70000\n')
    crb.create_db()
    result = crb("doctor", status=1)
    assert "[FAIL] source imap: sources.imap.port = 70000 is not a port number" in result.stdout


def test_a_touch_today_is_today_not_zero_days_ago(crb: Crb, corpus: Path) -> None:
    crb("import", str(corpus / "vcf/ez-vcard/gmail-single.vcf"))
    crb("log", "gdartmouth@hotmail.com", "--kind", "call")
    out = crb("show", "gdartmouth@hotmail.com").stdout
    assert f"last two-way touch: today ({crb.today.isoformat()});" in out
    assert "0 days ago" not in out


def test_doctor_warns_of_a_secret_reference_with_no_value(
    crb: Crb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trial 13 U8: a password given as { "$env" = "NAME" } with NAME not set was "settings
    valid", and the sync (cron's, in another environment) then failed on it."""
    monkeypatch.delenv("CRB_TEST_DAV_PASSWORD", raising=False)
    with crb.config.open("a", encoding="utf-8") as fh:
        fh.write('[sources.caldav]\nurl = "https://dav.example.com/"\nusername = "me"\n'
                 'password = { "$env" = "CRB_TEST_DAV_PASSWORD" }\n')
    crb.create_db()
    result = crb("doctor")  # a warning: exit 0
    assert ('[warn] source caldav: sources.caldav.password = { "$env" = "CRB_TEST_DAV_PASSWORD" '
            "}: the environment variable CRB_TEST_DAV_PASSWORD is not set here, so it gives no "
            "value (a sync run by cron needs it in cron's environment)\n") in result.stdout
    (check,) = [c for c in crb.json("doctor")["checks"] if c["check"] == "source caldav"]
    assert check["ok"] and check["warning"]
    monkeypatch.setenv("CRB_TEST_DAV_PASSWORD", "s3cret")
    assert "[ok  ] source caldav: settings valid\n" in crb("doctor").stdout


def test_a_config_saved_with_a_byte_order_mark_is_read(crb: Crb, tmp_path: Path) -> None:
    """Some Windows editors start a UTF-8 file with a BOM: it was "not valid TOML: Invalid
    statement (at line 1, column 1)", on a line 1 that looks right in any editor."""
    crb.config.write_bytes(b"\xef\xbb\xbf" + crb.config.read_bytes()
                           + b'[identity]\ndefault_region = "GB"\n')
    cards = tmp_path / "tom.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tom London\r\nTEL;TYPE=CELL:07700 900123"
                     "\r\nEND:VCARD\r\n", encoding="utf-8")
    crb("import", str(cards))
    assert crb.json("show", "Tom London")["identities"][0]["value"] == "+447700900123"
    assert f"[ok  ] config: read {crb.config}\n" in crb("doctor").stdout


def test_doctor_fails_a_source_that_was_never_authorised(crb: Crb, tmp_path: Path) -> None:
    """Trial 14 F7: a Gmail, Google Calendar or Outlook source with no token, or a token file
    that is not JSON, passed the doctor, and every sync then failed on it."""
    import json
    import os

    def private(path: Path, text: str) -> str:
        path.write_text(text, encoding="utf-8")
        os.chmod(path, 0o600)
        return str(path)

    good = private(tmp_path / "good.json", json.dumps(
        {"token": "t", "refresh_token": "r",
         "scopes": ["https://www.googleapis.com/auth/calendar.readonly"]}))
    broken = private(tmp_path / "broken.json", "{not json")
    with crb.config.open("a", encoding="utf-8") as fh:
        fh.write(f'[sources.gmail]\ntoken_file = "{tmp_path / "none.json"}"\n'
                 f'[sources.google_calendar]\ntoken_file = "{good}"\n'
                 f'[sources.outlook_mail]\ntoken_file = "{broken}"\n')
    crb.create_db()
    result = crb("doctor", status=1)
    sources = [line for line in result.stdout.splitlines() if "] source " in line]
    assert sources == [
        "[FAIL] source gmail: not authorised yet: run `crb auth gmail --client-secrets FILE`",
        "[ok  ] source google_calendar: settings valid",
        f"[FAIL] source outlook_mail: cannot read the token file {broken}: Expecting property "
        "name enclosed in double quotes: line 1 column 2 (char 1); run `crb auth microsoft "
        "--client-id ID` again",
    ]
    # The sync fails alike, without a request.
    result = crb("sync", "gmail", ok=False)
    assert result.stderr.splitlines() == [
        "crb: error: gmail: not authorised yet: run `crb auth gmail --client-secrets FILE`"]


def test_an_api_address_without_its_scheme_fails_the_doctor(crb: Crb) -> None:
    """Trial 14 F17: `api_base = "127.0.0.1:8765"` passed `crb doctor`; every sync then failed
    with "network error UnsupportedProtocol"."""
    with crb.config.open("a", encoding="utf-8") as fh:
        fh.write('[sources.google_calendar]\napi_base = "127.0.0.1:8765"\n'
                 '[sources.outlook_mail]\ngraph_base = "graph.microsoft.com/v1.0"\n')
    crb.create_db()
    failed = [line for line in crb("doctor", status=1).stdout.splitlines()
              if line.startswith("[FAIL]")]
    assert failed == [
        "[FAIL] source google_calendar: sources.google_calendar.api_base = \"127.0.0.1:8765\" "
        "is not an http:// or https:// address",
        "[FAIL] source outlook_mail: sources.outlook_mail.graph_base = "
        "\"graph.microsoft.com/v1.0\" is not an http:// or https:// address",
    ]
