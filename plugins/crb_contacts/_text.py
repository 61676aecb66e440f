"""Text helpers shared by the contact importers: cleaning names, and telling which values are
usable identities (files are decoded by ``crb_tui.sdk.tabular``)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# The same shape the store accepts (crb_tui.identity): an address we yield must pass there too,
# or a person we think has an identity would be stored without one (and duplicated next time).
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_WS = re.compile(r"\s+")
_EXTENSION = re.compile(r"(;\s*ext=|\s*(?:ext\.?|x)\s*\d+$).*$", re.IGNORECASE)


def clean(value: str | None) -> str:
    """Collapse runs of whitespace (tabs and newlines inside names included) to one space."""
    if not value:
        return ""
    return _WS.sub(" ", value).strip()


def name_key(value: str) -> str:
    return unicodedata.normalize("NFKC", clean(value)).casefold()


def loose_key(value: str) -> str:
    """Letters and digits only, accents and case folded: ``Zoë 🚀 Ünal``, ``Zoe Unal`` and an
    Excel ANSI re-save's ``Zoë ? Ünal`` all give ``zoeunal``."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(
        ch for ch in decomposed if ch.isalnum() and unicodedata.category(ch) != "Mn"
    ).casefold()


def email(value: str | None) -> str | None:
    """The address if ``value`` is one (``mailto:`` and ``<>`` removed), else None."""
    if not value:
        return None
    text = value.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    return text if _EMAIL.match(text) else None


def phone(value: str | None) -> str | None:
    """A dialable number (``tel:`` and extensions removed) with at least five digits, else None."""
    if not value:
        return None
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = _EXTENSION.sub("", text).strip()
    if sum(ch.isdigit() for ch in text) < 5:
        return None
    if re.search(r"[A-Za-z]", text):
        return None
    return text


def url(value: str | None) -> str | None:
    """``value`` as an absolute web address with a dotted host, else None."""
    if not value:
        return None
    text = value.strip().replace("\\:", ":")
    if not text or any(ch.isspace() for ch in text):
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or "." not in host:
        return None
    return text


def is_profile_url(value: str) -> bool:
    """A URL that names one person (``linkedin.com/in/x``, ``github.com/x``, ``host/~x``), not a
    company's home page: only those become identities, or every colleague whose card lists
    ``www.ibm.com`` would be merged into one person."""
    try:
        path = urlsplit(value).path
    except ValueError:
        return False
    return bool(path.strip("/"))


# Phone kinds that reach one person. Home and work lines, faxes, pagers, switchboards and
# assistants are shared, and the store matches people on ANY identity: two cards sharing a home
# phone would become one person. Those numbers are kept in the person's details instead.
_SHARED_PHONE = re.compile(
    r"fax|pager|home|work|business|main|company|assistant|callback|car|isdn|telex|tty|radio|"
    r"office|switchboard|grand_central",
    re.IGNORECASE,
)
_PERSONAL_PHONE = re.compile(r"cell|mobile|iphone|handy|portable|personal", re.IGNORECASE)


def personal_phone(label: str) -> bool:
    """Whether a phone with this label/type text is the person's own (mobile, or unlabelled)."""
    if _PERSONAL_PHONE.search(label):
        return True
    return not _SHARED_PHONE.search(label)
