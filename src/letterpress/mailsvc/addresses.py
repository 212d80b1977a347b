"""Address headers (RFC 5322 3.4) to (role, display name, e-mail) triples.

mail-parser's address scanner (``mailparser.utils.get_addresses``) does the tokenising: it
parses each list member on its own and refuses ambiguous members instead of guessing (the
CVE-2023-27043 class of ``alice@a)<bob@b>`` tricks, which the stdlib of Python 3.11.7 still
misparses). It is given text, not bytes: raw 8-bit names are decoded first with the fallback
decoder (mail-parser would drop such a mailbox as ``invalid-utf8``), and display names are
decoded afterwards by our RFC 2047 decoder (unknown charsets such as ``cp-1251`` included).

A member mail-parser refuses is not lost: its angle-address candidates are used, or failing
those anything shaped like ``local@domain``, and a defect names the header and the raw text.
"""

from __future__ import annotations

import re

from mailparser.utils import get_addresses  # type: ignore[import-untyped]

from letterpress.mailsvc.charsets import decode_bytes
from letterpress.mailsvc.headers import decode_header_value, raw_bytes, single_line, unfold
from letterpress.mailsvc.letter import Address

__all__ = ["parse_addresses"]

_MAX_MEMBERS = 1000  # a header listing more mailboxes is cut (defect noted)
_PLAIN_ADDR = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_ADDR_SPEC = re.compile(_PLAIN_ADDR)
# One list member in a form nobody can read two ways: ``addr``, ``Name <addr>`` or
# ``"Name" <addr>`` with no comments, escapes, groups or route syntax, followed by "," or the end.
_SIMPLE_MEMBER = re.compile(
    r"[ \t]*(?:(?:\"(?P<quoted>[^\"\\\r\n]*)\"|(?P<name>[^\",<>()\\;:@\[\]\r\n]*?))[ \t]*"
    rf"<(?P<angle>{_PLAIN_ADDR})>|(?P<bare>{_PLAIN_ADDR}))[ \t]*(?:,|$)"
)


def _simple(text: str) -> list[tuple[str, str]] | None:
    """The members of a plainly written list (most real headers), or None to use the scanner.

    mail-parser's scanner costs about a third of a letter's parse; this fast path gives the
    same answer for the forms it accepts and hands everything else to the scanner.
    """
    pairs: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while pos < end:
        if text[pos] in " \t,":
            pos += 1
            continue
        match = _SIMPLE_MEMBER.match(text, pos)
        if match is None:
            return None
        if match.group("bare"):
            pairs.append(("", match.group("bare")))
        else:
            name = match.group("quoted")
            if name is None:
                name = " ".join(match.group("name").split())  # as getaddresses joins atoms
            pairs.append((name, match.group("angle")))
        pos = match.end()
    return pairs


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_addresses(
    role: str, value: str, hint: str | None, defects: list[str], warnings: list[str]
) -> list[Address]:
    """The mailboxes of one header value (as compat32 keeps it: 8-bit bytes as escapes)."""
    text = unfold(value)
    if not text.isascii():
        decoded = decode_bytes(raw_bytes(text), hint)
        text = decoded.text
        if decoded.charset != "utf-8" or (decoded.note and "stray" in decoded.note):
            warnings.append(f"{role} decoded from raw 8-bit as {decoded.charset}")
    if not text.strip(" \t\r\n"):
        return []
    diagnostics: list[dict[str, object]] = []
    simple = _simple(text)
    if simple is not None:
        pairs = simple
    else:
        pairs = [(n, a) for n, a in get_addresses(text, defects=diagnostics) if a]
    for diag in diagnostics:
        if diag.get("recovered"):
            continue
        raw = str(diag.get("raw", "")).strip()
        if not raw or raw in ("<>",) or raw.endswith(":;"):
            continue
        candidates = diag.get("candidates") or []
        found: list[tuple[str, str]] = []
        if isinstance(candidates, list):
            found = [
                (str(c.get("display_name", "")), str(c.get("address", ""))) for c in candidates
            ]
        if not found:
            name = raw.split("<", 1)[0].strip().strip('"').strip() if "<" in raw else ""
            found = [(name if i == 0 else "", m) for i, m in enumerate(_ADDR_SPEC.findall(raw))]
        found = [(n, a) for n, a in found if a and "@" in a]
        used = ", ".join(a for _, a in found) or "nothing"
        defects.append(f"{role}: {diag.get('reason')} in {_short(raw)!r}; recovered {used}")
        pairs.extend(found)
    if len(pairs) > _MAX_MEMBERS:
        defects.append(f"{role}: {len(pairs)} addresses, only the first {_MAX_MEMBERS} kept")
        pairs = pairs[:_MAX_MEMBERS]
    result = []
    for name, addr in pairs:
        if "=?" in name:
            decoded_name = decode_header_value(name, hint)
            warnings.extend(f"{role} name {note}" for note in decoded_name.notes)
            name = str(decoded_name)
        name, dirty = single_line(name.strip('"'))
        if dirty:
            defects.append(f"{role}: control characters removed from display name {_short(name)!r}")
        email, dirty_email = single_line(addr)
        if dirty_email or " " in email:
            defects.append(f"{role}: control characters in address {_short(email)!r}")
            email = email.replace(" ", "")
        result.append(Address(role, name if name.lower() != email.lower() else "", email.lower()))
    return result
