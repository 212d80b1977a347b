"""XML for DAV: safe parsing of request bodies and small, fast serialisation helpers.

Request bodies go through defusedxml with DTDs forbidden outright: a DAV body never needs one,
so external entities and entity expansion bombs are refused before anything is expanded.
Nesting deeper than :data:`MAX_DEPTH` is refused too. Responses are written as text with fixed
prefixes declared once on the root element (the answer to a 5,000-item PROPFIND is built in a
few milliseconds that way).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml.ElementTree as safe_et  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from letterpress.dav.errors import DavError

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"
PREFIXES = {DAV: "D", CALDAV: "C", CARDDAV: "CR", CS: "CS", APPLE: "A"}
NAMESPACE_DECLS = " ".join(f'xmlns:{p}="{ns}"' for ns, p in PREFIXES.items())
MAX_DEPTH = 48


def clark(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def split(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def element(name: str, inner: str = "") -> str:
    """``<P:local>inner</P:local>`` for a Clark name, declaring unknown namespaces inline."""
    ns, local = split(name)
    prefix = PREFIXES.get(ns)
    if prefix is not None:
        return f"<{prefix}:{local}>{inner}</{prefix}:{local}>" if inner else f"<{prefix}:{local}/>"
    if not ns:
        return f"<{local}>{inner}</{local}>" if inner else f"<{local}/>"
    decl = f'xmlns:x="{esc_attr(ns)}"'
    return f"<x:{local} {decl}>{inner}</x:{local}>" if inner else f"<x:{local} {decl}/>"


_HREF_SAFE = "/@~:!$&'()*+,;=-._"
_PLAIN = re.compile(r"^[A-Za-z0-9/@~:!$'()*+,;=._-]*$")


def href(path: str) -> str:
    if _PLAIN.match(path):
        return f"<D:href>{path}</D:href>"
    return f"<D:href>{esc(quote(path, safe=_HREF_SAFE))}</D:href>"


def parse_body(body: bytes) -> Element | None:
    """The root element of a request body, or None for an empty body; 400 for anything unsafe."""
    if not body.strip():
        return None
    try:
        root = safe_et.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
    except DefusedXmlException as exc:
        raise DavError(400, f"refused XML: {type(exc).__name__}") from None
    except (ParseError, ValueError) as exc:
        raise DavError(400, f"malformed XML: {exc}") from None
    _check_depth(root)
    parsed: Element = root
    return parsed


def _check_depth(root: Element) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DavError(400, "XML nested too deeply")
        stack.extend((child, depth + 1) for child in node)


def to_text(node: Element) -> str:
    """A parsed element back to self-contained XML (for dead properties)."""
    return tostring(node, encoding="unicode")


def inner_xml(node: Element) -> str:
    """What is inside an element, as self-contained XML fragments and text."""
    parts = [esc(node.text or "")]
    for child in node:
        parts.append(tostring(child, encoding="unicode"))
    return "".join(parts)


def parse_utc(value: str) -> dt.datetime:
    """A CalDAV UTC time ``20250101T000000Z`` (RFC 4791, 9.9)."""
    value = value.strip()
    if not value.endswith("Z"):
        raise ValueError(value)
    return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def format_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def http_date(value: dt.datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(value.astimezone(dt.UTC), usegmt=True)
