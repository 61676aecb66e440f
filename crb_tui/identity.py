"""Identity normalisation and noise rules: how e-mails, phones and URLs are compared, and which
addresses are never people (the user's own, no-reply and role addresses, calendars' group, room
and resource addresses, placeholders such as ``redacted`` or ``XXX``, the blocklist)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

IDENTITY_KINDS: tuple[str, ...] = ("email", "phone", "url", "handle")

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_LABEL = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$")
"""One label of a domain name: letters, digits and inner hyphens (any script)."""

# Words that stand in for an address or a name that was left out.
_PLACEHOLDER_WORDS = frozenset({
    "omitted", "redacted", "removed", "withheld", "hidden", "unknown", "unknownorganizer",
    "anonymous", "undisclosed", "undisclosed-recipients", "nobody", "none", "null", "n/a",
    "placeholder", "unspecified",
})
_PLACEHOLDER_DOMAINS = frozenset({"redacted", "omitted", "removed", "withheld", "unknown"})
_MASKED = re.compile(r"^(x{2,}|\*+|\?+|-+|_+|\.+)$", re.IGNORECASE)
_NO_REPLY = re.compile(
    # anywhere as a word of the local part: comments-noreply@, messaging-digest-noreply@
    r"(^|[-_.+])(no[-_.]?reply|do[-_.]?not[-_.]?reply)([-_.+]|$)"
    # GitHub's per-thread reply addresses, Exchange's delivery reports
    r"|^reply\+|^microsoftexchange[0-9a-f]{32}$",
    re.IGNORECASE,
)
_CALENDAR_DOMAINS = (
    # (domain suffix, reason): Google Calendar's own addresses are calendars, never people.
    ("resource.calendar.google.com", "room or resource"),
    ("group.calendar.google.com", "group calendar"),
    ("group.v.calendar.google.com", "group calendar"),
    ("calendar.google.com", "calendar address"),
)

# Local parts that belong to machines and teams, not to a person.
_ROLE_LOCAL = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|bounces?|mailer[-_.]daemon|postmaster|"
    r"notifications?|notify|alerts?|newsletters?|news|updates|marketing|mailer|daemon|"
    r"automated|auto[-_.]?confirm|info|support|help|billing|invoices?|receipts?|orders?|"
    r"hello|team|admin|root|webmaster|calendar[-_.]notification|digest|announce|sales|contact|"
    r"office|enquiries|inquiries|careers|jobs|press|privacy|security|feedback|service|accounts|"
    # trackers and signing services that write on someone's behalf
    r"jira|confluence|dse|docusign|calendly|"
    # code hosts and build machines relaying many people's comments under their names
    r"git|gitbox|github|gitlab|svn|cvs|gerrit|jenkins|hudson|buildbot|travis|bugzilla|"
    # mailing-list software and its addresses (owner-list, list-request, majordomo)
    r"majordomo|listserv|listproc|mailman|ezmlm|sympa|owner)"
    r"([-_.+].*)?$"
    r"|^.+-(request|owner|bounces?|subscribe|unsubscribe|admin)$",
    re.IGNORECASE,
)


def normalise_email(value: str) -> str | None:
    """The canonical form of an e-mail address (lower case, no brackets or ``mailto:``), or
    None when it is not one."""
    return _normalise_email(value)


@functools.lru_cache(maxsize=1 << 16)  # imports name the same addresses over and over
def _normalise_email(value: str) -> str | None:
    value = value.strip().strip("<>").strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    value = value.strip().lower()
    if not _EMAIL.match(value):
        return None
    local, _, domain = value.rpartition("@")
    # laszlo.@gmail.com, a..b@x.com, x@-x.com, x@x..com are typos, never anyone's address.
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    labels = domain.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return value


GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
"""Gmail ignores dots in the local part and answers to both domains."""

PLUS_DOMAINS = GMAIL_DOMAINS | frozenset({
    "outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
    "fastmail.com", "fastmail.fm", "protonmail.com", "protonmail.ch", "proton.me", "pm.me",
})
"""Providers that deliver ``name+anything@`` to ``name@`` (sub-addressing). Elsewhere a ``+``
may be part of a distinct mailbox (the server decides), so it is kept."""


def mailbox_key(email: str) -> str:
    """The mailbox a (normalised) address reaches, for matching only: ``Ann.Example+crm@
    googlemail.com`` and ``annexample@gmail.com`` are one Gmail mailbox. ``+tags`` are dropped
    at the providers of :data:`PLUS_DOMAINS`, dots at Gmail; any other address is itself."""
    local, _, domain = email.rpartition("@")
    if domain not in PLUS_DOMAINS:
        return email
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        return f"{local.replace('.', '')}@gmail.com"
    return f"{local}@{domain}"


def normalise_phone(value: str, region: str = "") -> str | None:
    """A phone number in E.164 (``+442071234567``; a national number read in ``region``, an
    ISO country code), its digits when it is no possible number, None for fewer than 5 digits."""
    raw = value.strip()
    if raw.lower().startswith("tel:"):
        raw = raw[4:]
    digits = re.sub(r"[^\d+]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if len(re.sub(r"\D", "", digits)) < 5:
        return None
    import phonenumbers  # imported on first use: it is slow to load and many runs never need it

    try:
        parsed = phonenumbers.parse(digits, region.upper() or None)
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return digits


def normalise_url(value: str) -> str | None:
    """``host/path`` of a web address, without scheme, ``www.``/``m.`` or a trailing slash
    (LinkedIn's country hosts and profile paths folded); None without a dotted host."""
    raw = value.strip()
    if not raw:
        return None
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    # LinkedIn serves the same profile under country subdomains (uk.linkedin.com/in/x).
    if host.endswith(".linkedin.com"):
        host = "linkedin.com"
    path = parts.path.rstrip("/")
    if host == "linkedin.com":
        path = path.lower()
    return f"{host}{path}"


def normalise_handle(value: str) -> str | None:
    """A handle lower-cased without its leading ``@``; None when empty."""
    value = value.strip().lstrip("@").lower()
    return value or None


def normalise(kind: str, value: str, region: str = "") -> str | None:
    """The canonical form of an identity, or None when the value is not one."""
    if not isinstance(value, str):
        return None
    if kind == "email":
        return normalise_email(value)
    if kind == "phone":
        return normalise_phone(value, region)
    if kind == "url":
        return normalise_url(value)
    if kind == "handle":
        return normalise_handle(value)
    return None


def is_placeholder(text: str | None) -> bool:
    """Whether a name or an address part only stands in for one left out: ``(omitted)``,
    ``[redacted]``, ``XXX``, ``unknown``, ``***``."""
    if not text:
        return False
    core = text.strip().strip("()[]{}<>\"' ").strip().lower()
    if not core:
        return True
    if _MASKED.match(core) or core in _PLACEHOLDER_WORDS:
        return True
    # "XXXXXXXX XXXXX": every word masked.
    words = core.replace(".", " ").split()
    return len(words) > 1 and all(_MASKED.match(w) for w in words)


def not_a_person(email: str) -> str | None:
    """Why a (normalised) address can never be a person, whatever the settings, or None: a
    calendar's own address (group, room, resource, ``unknownorganizer@calendar.google.com``),
    a placeholder (``redacted@...``, ``XX@XXXXXXX.XXX``) or a no-reply address."""
    local, _, domain = email.rpartition("@")
    for suffix, reason in _CALENDAR_DOMAINS:
        if domain == suffix or domain.endswith("." + suffix):
            return reason
    if is_placeholder(local) or all(
        _MASKED.match(label) or label in _PLACEHOLDER_DOMAINS for label in domain.split(".")[:-1]
    ):
        return "placeholder address"
    if _NO_REPLY.search(local) or domain.startswith("reply."):
        return "no-reply address"
    return None


_LIST_LOCAL = re.compile(r"^.+-(bugs|list|users|devel|announce|discuss|digest)$", re.IGNORECASE)
"""Mailing lists and bug trackers by name (``magick-bugs@``, ``perl-users@``); old lists
without these names are learned from their own mail (``crb_tui.sdk.mail.MailingLists``)."""
_LIST_HOSTS = ("lists.", "listserv.", "lists-")
_LIST_DOMAINS = ("googlegroups.com", "groups.io")
"""Group services whose every address is a list (a member's mail re-sent "X via GROUP")."""


def is_role_address(email: str) -> bool:
    """Whether ``email`` is a role's or a mailing list's (``info@``, ``perl-users@``,
    ``lists.example.org``) rather than one person's."""
    local, _, domain = email.partition("@")
    return bool(_ROLE_LOCAL.match(local) or _LIST_LOCAL.match(local)
                or domain.startswith(_LIST_HOSTS)
                or any(domain == d or domain.endswith("." + d) for d in _LIST_DOMAINS))


REASONS_MEMO = 100_000


class NoiseRules:
    """Decides which identities are never people."""

    def __init__(
        self,
        me: Iterable[str] = (),
        blocklist: Iterable[str] = (),
        ignore_roles: bool = True,
    ) -> None:
        self.me = {e for e in (normalise_email(x) for x in me) if e}
        self._my_mailboxes = {mailbox_key(e) for e in self.me}
        self.blocked_addresses: set[str] = set()
        self.blocked_domains: set[str] = set()
        for item in blocklist:
            item = item.strip().lower()
            if item.startswith("@"):
                self.blocked_domains.add(item[1:])
            elif item:
                self.blocked_addresses.add(normalise_email(item) or item)
        self.ignore_roles = ignore_roles
        self._configured = (frozenset(self.blocked_addresses), frozenset(self.blocked_domains))
        self._reasons: dict[tuple[str, str], str | None] = {}
        """Answers already given (an import asks about the same addresses over and over);
        forgotten whenever the rules change."""

    def forget_blocks(self) -> None:
        """Back to the blocklist of the config alone (before reading the store's again)."""
        self.blocked_addresses = set(self._configured[0])
        self.blocked_domains = set(self._configured[1])
        self._reasons.clear()

    def block(self, kind: str, value: str) -> None:
        if kind == "domain":
            self.blocked_domains.add(value.lstrip("@").lower())
        else:
            self.blocked_addresses.add(value)
        self._reasons.clear()

    def blocked_by(self, value: str) -> str | None:
        """The blocklist entry that blocks this (normalised) address: the address itself or
        ``@domain`` (its domain or a domain it is under); ``None`` if none does."""
        if value in self.blocked_addresses:
            return value
        domain = value.rsplit("@", 1)[-1]
        while domain:
            if domain in self.blocked_domains:
                return "@" + domain
            domain = domain.partition(".")[2]
        return None

    def configured(self, entry: str) -> bool:
        """Whether a blocklist entry (an address or ``@domain``) is the config's, not the
        store's ``ignored`` list."""
        addresses, domains = self._configured
        return entry[1:] in domains if entry.startswith("@") else entry in addresses

    def configured_entries(self) -> tuple[frozenset[str], frozenset[str]]:
        """The config's blocklist: its addresses and its domains (without the ``@``)."""
        return self._configured

    def reason(self, kind: str, value: str) -> str | None:
        """Why this (normalised) identity is not a person, or None when it may be one."""
        key = (kind, value)
        try:
            return self._reasons[key]
        except KeyError:
            pass
        found = self._reason(kind, value)
        if len(self._reasons) >= REASONS_MEMO:
            self._reasons.clear()
        self._reasons[key] = found
        return found

    def _reason(self, kind: str, value: str) -> str | None:
        if kind != "email":
            return "blocklist" if value in self.blocked_addresses else None
        if value in self.me or mailbox_key(value) in self._my_mailboxes:
            return "own address"
        if self.blocked_by(value) is not None:
            return "blocklist"
        if self.ignore_roles and is_role_address(value):
            return "role address"
        return not_a_person(value)


def own_card_note(where: str, others: list[str]) -> str | None:
    """The summary's line for the user's own contact card (it has an address of ``[me]
    emails``) that lists addresses ``[me] emails`` does not: mail from them would count as
    someone else's (a person to triage: the user). None when there are none."""
    if not others:
        return None
    one = len(others) == 1
    return (f"{where}: your own contact card also lists {', '.join(others)}, not in [me] "
            f"emails: add {'it' if one else 'them'} there, or mail from "
            f"{'it' if one else 'them'} counts as someone else's")
