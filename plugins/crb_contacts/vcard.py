"""vCard 2.1, 3.0 and 4.0 as phones and mail clients really write them.

A hand-written reader, deliberately tolerant (vobject, the usual library, gives up on the whole
file for most of what follows, and on eight files of the shared corpus):

- lines end in CRLF, LF, CR, or iOS's CR CR LF; ``begin:vcard`` may be lower-case;
- folded lines (a leading space or tab), and 2.1's quoted-printable soft line breaks (``=`` at
  the end of a line, the next line NOT indented), and raw continuation lines (Outlook's
  multi-line ``LABEL``/``ADR``, a line that is not ``NAME:value``) join the value before them;
- base64 data (``PHOTO``, ``KEY``) folded or not, ended by a blank line or not, is skipped;
- 2.1's bare parameters (``TEL;CELL;PREF``, ``ENCODING=QUOTED-PRINTABLE``, ``CHARSET=...``),
  3.0's ``TYPE=a,b`` and ``type=a;type=b``, 4.0's quoted ``TYPE="work,voice"`` and ``VALUE=uri``
  (``tel:``), RFC 6868 ``^n`` escapes;
- birthdays ``19800322``, ``1980-03-22``, ``--0322``, ``--03-22``, and Apple's ``1604-03-22`` (year
  unknown); text birthdays (``circa 1800``) are kept as a detail;
- cards without UID, without FN (the name comes from N, then NICKNAME, then the e-mail).

A card that cannot be read (cut off before ``END:VCARD``, or nothing to identify a person by)
is rejected alone, named ``FILE card N``; the others import.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crb_contacts import _contact, _dates, _text
from crb_tui import Reject, Skip, SyncContext
from crb_tui.sdk import tabular, user_message

FORMAT = "vcard"

_NAME = re.compile(r"^(?:([A-Za-z0-9_-]+)\.)?([A-Za-z][A-Za-z0-9_-]*)$")
_B64 = re.compile(r"^[A-Za-z0-9+/=]+$")
_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}
_ORG_KINDS = {"org", "organization", "group", "location"}
_HIDDEN_GROUPS = {"my contacts", "mycontacts", "starred in android"}
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")


@dataclass
class Prop:
    name: str
    group: str
    params: dict[str, list[str]]
    raw: str
    line: int

    def param(self, key: str) -> list[str]:
        return self.params.get(key, [])

    @property
    def types(self) -> list[str]:
        return [t.lower() for t in self.param("TYPE")]


@dataclass
class Card:
    number: int
    line: int
    props: list[Prop] = field(default_factory=list)
    problem: str | None = None
    """Why the card cannot be read (it was cut short), or None."""


# -- lines -----------------------------------------------------------------------------------


def _physical_lines(text: str) -> list[str]:
    # iOS writes CR CR LF; treat it as one line end, not a line end and an empty line.
    text = text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _split_name(line: str) -> tuple[str, str] | None:
    """``(head, value)`` if the line is ``NAME[;params]:value`` (the colon outside quotes)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            head = line[:i]
            name = head.split(";", 1)[0].strip()
            return (head, line[i + 1 :]) if _NAME.match(name) else None
        elif ch in " \t" and not quoted and ";" not in line[:i]:
            return None
    return None


def _is_qp(head: str) -> bool:
    return "QUOTED-PRINTABLE" in head.upper()


def _is_b64(head: str) -> bool:
    upper = head.upper()
    return bool(re.search(r"ENCODING=(B|BASE64)\b|;BASE64\b", upper))


@dataclass
class _Logical:
    line: int
    head: str
    value: str
    qp: bool
    b64: bool


def logical_lines(text: str) -> Iterator[_Logical]:
    """Join physical lines into property lines, by the rules in the module docstring."""
    cur: _Logical | None = None
    open_for_raw = False
    for number, raw in enumerate(_physical_lines(text), 1):
        if not raw.strip():
            if cur is not None and cur.qp and cur.value.endswith("="):
                cur.value = cur.value[:-1]
            open_for_raw = False
            if cur is not None and cur.b64:
                yield cur
                cur = None
            continue
        if cur is not None and cur.qp and cur.value.endswith("="):
            # A quoted-printable soft line break: the next line goes on with the value, unless it
            # starts or ends a card. Its leading white space is text (an encoder that breaks
            # "wrapped by the encoder" after "the" starts the next line with the space).
            cur.value = cur.value[:-1]
            if raw.strip().upper() not in ("BEGIN:VCARD", "END:VCARD"):
                cur.value += raw
                continue
        if raw[0] in " \t" and cur is not None:
            cur.value += raw.strip() if cur.b64 else raw[1:]
            continue
        if cur is not None and cur.b64 and _B64.match(raw.strip()):
            cur.value += raw.strip()
            continue
        split = _split_name(raw)
        if split is None:
            if cur is not None and open_for_raw:
                cur.value += "\n" + raw
            continue
        if cur is not None:
            yield cur
        head, value = split
        cur = _Logical(number, head, value, _is_qp(head), _is_b64(head))
        open_for_raw = True
        if head.strip().upper() in ("BEGIN", "END"):
            # Nothing continues BEGIN or END: that would hide where a card starts or ends.
            yield cur
            cur = None
    if cur is not None:
        yield cur


def _params(head: str) -> tuple[str, str, dict[str, list[str]]]:
    """Split ``group.NAME;p=a,b;BARE`` into group, upper-case name and parameters."""
    pieces = _split_outside_quotes(head, ";")
    m = _NAME.match(pieces[0].strip())
    group, name = (m.group(1) or "", m.group(2)) if m else ("", pieces[0].strip())
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        piece = piece.strip()
        if not piece:
            continue
        if "=" in piece:
            key, _, value = piece.partition("=")
            key = key.strip().upper()
            values = [_caret(v.strip().strip('"')) for v in _split_outside_quotes(value, ",")]
            if key == "TYPE":
                values = [x for v in values for x in v.split(",")]
        else:
            upper = piece.upper()
            key, values = ("ENCODING", [upper]) if upper in _ENCODINGS else ("TYPE", [piece])
        params.setdefault(key, []).extend(v for v in values if v)
    return group.lower(), name.upper(), params


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    out, cur, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            cur.append(ch)
        elif ch == sep and not quoted:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _caret(value: str) -> str:
    """RFC 6868 parameter escapes: ``^n`` newline, ``^'`` double quote, ``^^`` caret."""
    if "^" not in value:
        return value
    return re.sub(r"\^([n'^])", lambda m: {"n": "\n", "'": '"', "^": "^"}[m.group(1)], value)


# -- cards -----------------------------------------------------------------------------------


def parse(text: str) -> Iterator[Card]:
    """Every ``BEGIN:VCARD`` ... ``END:VCARD`` in ``text``, numbered from 1; a card cut short (the
    file ends, or another BEGIN comes first) is returned with ``problem`` set."""
    card: Card | None = None
    number = 0
    for logical in logical_lines(text):
        group, name, params = _params(logical.head)
        value = logical.value
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            if card is not None:
                card.problem = f"no END:VCARD before the next BEGIN:VCARD (line {logical.line})"
                yield card
            number += 1
            card = Card(number, logical.line)
            continue
        if card is None:
            continue
        if name == "END" and value.strip().upper() == "VCARD":
            yield card
            card = None
            continue
        card.props.append(Prop(name, group, params, value, logical.line))
    if card is not None:
        card.problem = "the file ends before END:VCARD (cut short?)"
        yield card


def _decode(prop: Prop, latin1_file: bool) -> str:
    """The property's value as text: quoted-printable and base64 undone, its CHARSET applied."""
    encoding = (prop.param("ENCODING") or [""])[0].upper()
    charset = (prop.param("CHARSET") or [""])[0].strip() or None
    raw = prop.raw
    if encoding == "QUOTED-PRINTABLE":
        data = quopri.decodestring(raw.encode("utf-8", "surrogatepass"))
    elif encoding in ("B", "BASE64"):
        try:
            data = base64.b64decode(re.sub(r"\s", "", raw) + "===", validate=False)
        except (binascii.Error, ValueError):
            return ""
    elif charset and latin1_file:
        data = raw.encode("latin-1", "replace")
    else:
        return raw.replace("\r\n", "\n")
    return _bytes_to_text(data, charset).replace("\r\n", "\n").replace("\r", "\n")


def _bytes_to_text(data: bytes, charset: str | None) -> str:
    if charset:
        try:
            return data.decode(charset, errors="replace")
        except (LookupError, ValueError):  # unknown, or not a text codec ("idna", "undefined")
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _components(value: str) -> list[str]:
    """Split a structured value (N, ADR, ORG) on unescaped ``;`` and unescape each part."""
    parts, cur, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            cur.append(value[i : i + 2])
            i += 2
            continue
        if ch == ";":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return [_unescape(p) for p in parts]


def _unescape(value: str) -> str:
    return re.sub(
        r"\\(.)",
        lambda m: "\n" if m.group(1) in "nN" else m.group(1),
        value,
        flags=re.DOTALL,
    )


def _label(card: Card, prop: Prop) -> str:
    """An Apple ``itemN.X-ABLabel`` for the property's group (``_$!<Spouse>!$_`` -> ``spouse``)."""
    if not prop.group:
        return ""
    for other in card.props:
        if other.group == prop.group and other.name == "X-ABLABEL":
            text = other.raw.strip()
            m = _APPLE_LABEL.match(text)
            return (m.group(1) if m else text).lower()
    return ""


def contact_from(card: Card, where: str, latin1_file: bool) -> tuple[_contact.Contact, dict]:
    """What the card says about its person, and facts about the card itself (kind, revision)."""
    contact = _contact.Contact(where=where)
    facts: dict[str, Any] = {}
    fn = n_name = nickname = ""
    for prop in card.props:
        name = prop.name
        if name in ("PHOTO", "LOGO", "SOUND", "KEY", "X-MS-OL-DESIGN"):
            continue
        text = _decode(prop, latin1_file)
        if name == "FN" and not fn:
            fn = _unescape(text)
        elif name == "N" and not n_name:
            parts = _components(text) + [""] * 5
            family, given, additional = parts[0], parts[1], parts[2]
            n_name = " ".join(p.replace(",", " ") for p in (given, additional, family) if p.strip())
        elif name == "NICKNAME":
            nick = _unescape(text).strip()
            nickname = nickname or nick
            contact.add_detail("nickname", nick)
        elif name == "EMAIL":
            contact.add_email(_unescape(text))
        elif name in ("TEL", "X-MS-TEL"):
            label = " ".join(prop.types + [_label(card, prop)])
            contact.add_phone(_unescape(text), label)
        elif name == "URL":
            contact.add_url(_unescape(text))
        elif name == "ORG" and not contact.org:
            contact.org = _components(text)[0]
        elif name == "TITLE" and not contact.title:
            contact.title = _unescape(text)
        elif name == "ROLE":
            facts.setdefault("role", _unescape(text))
        elif name == "BDAY":
            # VALUE=text ("circa 1800") is a birthday in words: kept as a detail, not warned of.
            as_text = "text" in (v.lower() for v in prop.param("VALUE"))
            contact.set_birthday(_unescape(text), name, warn=not as_text)
        elif name in (
            "ANNIVERSARY",
            "X-ANNIVERSARY",
            "X-MS-ANNIVERSARY",
            "X-EVOLUTION-ANNIVERSARY",
        ):
            contact.add_date("anniversary", _unescape(text), name)
        elif name == "X-ABDATE":
            label = _label(card, prop) or "date"
            key = "anniversary" if label == "anniversary" else "dates"
            shown_label = "" if key == "anniversary" else label
            contact.add_date(key, _unescape(text), name, label=shown_label)
        elif name in ("X-SPOUSE", "X-MS-SPOUSE", "X-EVOLUTION-SPOUSE"):
            contact.add_detail("spouse", _unescape(text))
        elif name in ("X-ABRELATEDNAMES", "RELATED"):
            label = _label(card, prop) or " ".join(prop.types)
            value = _unescape(text).strip()
            if "spouse" in label or "partner" in label:
                contact.add_detail("spouse", value)
            elif "child" in label:
                contact.add_detail("children", value)
            elif value:
                contact.add_detail("related", f"{value} ({label})" if label else value)
        elif name == "ADR" and "address" not in contact.details:
            parts = [p.strip() for p in _components(text)] + [""] * 7
            street = ", ".join(p for p in (parts[2], parts[1]) if p)
            region = " ".join(p for p in (parts[4], parts[5]) if p)
            lines = [street, parts[3], region, parts[6]]
            contact.add_detail("address", _text.clean(", ".join(p for p in lines if p)))
        elif name == "CATEGORIES":
            for group in re.split(r"(?<!\\),", text):
                group = _unescape(group).strip()
                if group and group.lower() not in _HIDDEN_GROUPS:
                    contact.add_detail("groups", group)
        elif name == "NOTE":
            contact.add_note(_unescape(text))
        elif name in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
            facts["kind"] = text.strip().lower()
        elif name == "X-ABSHOWAS":
            facts["show_as"] = text.strip().lower()
        elif name == "REV":
            facts["rev"] = text.strip()
    contact.name = fn.strip() or n_name.strip() or nickname
    if not contact.title and facts.get("role"):
        contact.title = facts["role"]
    if "groups" in contact.details:
        contact.details["groups"] = contact.details["groups"].replace("; ", ", ")
    return contact, facts


def _revision(text: str | None) -> dt.datetime | None:
    date = _dates.parse_date((text or "")[:10])
    if date is None:
        return None
    return dt.datetime.combine(date, dt.time(0, 0), dt.UTC)


# -- the source ------------------------------------------------------------------------------


def read(ctx: SyncContext, path: Path) -> Iterator[Any]:
    try:
        text, encoding = tabular.read_text(path)
    except OSError as exc:
        yield Reject(f"cannot read: {exc.strerror or exc}", str(path))
        return
    yield from read_text(ctx, text, path, latin1_file=encoding in ("cp1252", "latin-1"))


def read_text(
    ctx: SyncContext, text: str, path: Path, *, latin1_file: bool = False
) -> Iterator[Any]:
    file_at = _contact.file_time(path)
    total = len(re.findall(r"(?im)^begin:vcard", text))
    seen = 0
    for card in parse(text):
        seen += 1
        if seen % 200 == 0:
            ctx.progress(seen, total, path.name)
        where = f"{path} card {card.number}"
        if card.problem:
            yield Reject(f"{card.problem}; the card starts at line {card.line}", where)
            continue
        try:
            contact, facts = contact_from(card, where, latin1_file)
        except Exception as exc:  # noqa: BLE001 - one odd card must never stop the file
            yield Reject(f"unreadable card ({user_message(exc)})", where)
            continue
        if facts.get("kind") in _ORG_KINDS or facts.get("show_as") == "company":
            yield Skip(f"{facts.get('kind') or 'organisation'} card, not a person", where)
            continue
        note_at = _revision(facts.get("rev")) or file_at
        yield from _contact.records(contact, ctx, note_at=note_at)
    if seen == 0:
        yield Reject("no vCard in this file (no BEGIN:VCARD line)", str(path))


def detect(path: Path, head: bytes) -> str | None:
    """A vCard by its content; a ``.vcf`` name is enough unless the content says it is
    something else (an iCalendar file saved as ``.vcf`` goes to the calendar reader)."""
    text, _ = tabular.decode(head)
    start = text.lstrip("\ufeff \t\r\n")[:15].upper()
    if start.startswith("BEGIN:VCARD"):
        return FORMAT
    if start.startswith("BEGIN:VCALENDAR"):
        return None
    return FORMAT if path.suffix.lower() in (".vcf", ".vcard") else None
