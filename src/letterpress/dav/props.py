"""Live properties of the core (RFC 4918, 3744, 5397, 6578, CalendarServer's getctag) and the
<D:response> blocks that carry them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from letterpress.dav.errors import http_status
from letterpress.dav.resource import (
    BIND,
    READ,
    UNBIND,
    WRITE_CONTENT,
    WRITE_PROPERTIES,
    Context,
    Node,
)
from letterpress.dav.xml import CALDAV, CS, DAV, clark, element, esc, href, http_date

Getter = Callable[[Node, Context], "str | None"]


def _privileges(node: Node, ctx: Context) -> str:
    granted = node.privileges()
    names = ["<D:read/>", "<D:read-current-user-privilege-set/>", "<C:read-free-busy/>"]
    if WRITE_PROPERTIES in granted:
        names.append("<D:write-properties/>")
    if WRITE_CONTENT in granted:
        names.append("<D:write-content/>")
    if BIND in granted:
        names.append("<D:bind/>")
    if UNBIND in granted:
        names.append("<D:unbind/>")
    if {WRITE_PROPERTIES, WRITE_CONTENT, BIND, UNBIND} <= granted:
        names += ["<D:write/>", "<D:all/>"]
    if READ not in granted:
        return ""
    return "".join(f"<D:privilege>{n}</D:privilege>" for n in names)


def _reports(node: Node, ctx: Context) -> str | None:
    if not node.supported_reports:
        return None
    return "".join(f"<D:supported-report><D:report>{element(r)}</D:report></D:supported-report>"
                   for r in node.supported_reports)


def _etag(node: Node, ctx: Context) -> str | None:
    value = node.etag()
    return esc(value) if value else None


def _last_modified(node: Node, ctx: Context) -> str | None:
    value = node.last_modified()
    return http_date(value) if value else None


def _displayname(node: Node, ctx: Context) -> str | None:
    value = node.displayname()
    return esc(value) if value is not None else None


def _owner(node: Node, ctx: Context) -> str | None:
    path = node.owner_path()
    return href(path) if path else None


def _sync_token(node: Node, ctx: Context) -> str | None:
    value = node.sync_token()
    return esc(value) if value else None


def _ctag(node: Node, ctx: Context) -> str | None:
    value = node.ctag()
    return esc(value) if value else None


def _length(node: Node, ctx: Context) -> str | None:
    if node.is_collection:
        return None
    return str(len(node.body(ctx)))


CORE: dict[str, Getter] = {
    clark(DAV, "resourcetype"): lambda n, c: n.resourcetype(),
    clark(DAV, "displayname"): _displayname,
    clark(DAV, "getetag"): _etag,
    clark(DAV, "getcontenttype"): lambda n, c: esc(n.content_type) if n.content_type else None,
    clark(DAV, "getlastmodified"): _last_modified,
    clark(DAV, "getcontentlength"): _length,
    clark(DAV, "current-user-principal"): lambda n, c: href(c.principal_path),
    clark(DAV, "principal-collection-set"): lambda n, c: href(f"{c.base}/principals/"),
    clark(DAV, "current-user-privilege-set"): _privileges,
    clark(DAV, "supported-report-set"): _reports,
    clark(DAV, "owner"): _owner,
    clark(DAV, "sync-token"): _sync_token,
    clark(CS, "getctag"): _ctag,
    clark(DAV, "supportedlock"): lambda n, c: "",
    clark(DAV, "lockdiscovery"): lambda n, c: "",
}
# What <D:allprop/> answers with (RFC 4918's own live properties, plus dead ones).
ALLPROP = (clark(DAV, "resourcetype"), clark(DAV, "displayname"), clark(DAV, "getetag"),
           clark(DAV, "getcontenttype"), clark(DAV, "getlastmodified"))
_ = CALDAV  # the CalDAV prefix is declared on every multistatus root


def render(node: Node, ctx: Context, name: str) -> str | None:
    """The whole property element, or None when the node has no such property."""
    getter = CORE.get(name)
    if getter is not None:
        value = getter(node, ctx)
        if value is not None:
            return element(name, value)
    value = node.extra_prop(ctx, name)
    if value is not None:
        return element(name, value)
    dead = node.dead_props().get(name)
    return dead


def property_names(node: Node) -> list[str]:
    names = [n for n in CORE if n != clark(DAV, "getcontentlength") or not node.is_collection]
    return names + list(node.extra_prop_names()) + list(node.dead_props())


def response(node: Node, ctx: Context, names: Iterable[str], *, names_only: bool = False,
             allprop: bool = False) -> str:
    found: list[str] = []
    missing: list[str] = []
    wanted = list(names)
    if allprop:
        wanted = list(dict.fromkeys([*ALLPROP, *wanted, *node.dead_props()]))
    for name in wanted:
        if names_only:
            found.append(element(name))
            continue
        value = render(node, ctx, name)
        if value is None:
            if not allprop:
                missing.append(element(name))
        else:
            found.append(value)
    parts = ["<D:response>", href(node.path)]
    if found:
        parts.append(f"<D:propstat><D:prop>{''.join(found)}</D:prop>"
                     f"<D:status>{http_status(200)}</D:status></D:propstat>")
    if missing:
        parts.append(f"<D:propstat><D:prop>{''.join(missing)}</D:prop>"
                     f"<D:status>{http_status(404)}</D:status></D:propstat>")
    if not found and not missing:
        parts.append(f"<D:propstat><D:prop/><D:status>{http_status(200)}</D:status></D:propstat>")
    parts.append("</D:response>")
    return "".join(parts)


def status_response(path: str, status: int) -> str:
    return f"<D:response>{href(path)}<D:status>{http_status(status)}</D:status></D:response>"


def multistatus(responses: Iterable[str], extra: str = "") -> str:
    from letterpress.dav.xml import NAMESPACE_DECLS

    return (f'<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus {NAMESPACE_DECLS}>'
            + "".join(responses) + extra + "</D:multistatus>")
