"""``crb doctor`` judges a source's settings as ``crb sync`` does (``Source.check``): a setting
the sync would refuse is a failed check, not "settings valid". And the words of other checks
and explanations (a touch today is "today")."""

from __future__ import annotations

from pathlib import Path

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
