"""PROPPATCH (RFC 4918, 9.2): all or nothing; the node decides which properties it keeps."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from letterpress.dav import props
from letterpress.dav.errors import DavError, http_status, need_privileges
from letterpress.dav.http import Request, Response, xml_response
from letterpress.dav.resource import WRITE_PROPERTIES, Context
from letterpress.dav.tree import resolve
from letterpress.dav.xml import DAV, element, href, parse_body


def handle(ctx: Context, req: Request) -> Response:
    root = parse_body(req.body(ctx.settings.dav.max_xml_body_bytes))
    if root is None or root.tag != f"{{{DAV}}}propertyupdate":
        raise DavError(400, "expected <D:propertyupdate>")
    node = resolve(ctx, req.path)
    if node is None:
        raise DavError(404, "no such resource")
    if WRITE_PROPERTIES not in node.privileges():
        raise need_privileges("read-only")
    to_set: list[Element] = []
    to_remove: list[str] = []
    for action in root:
        prop = action.find(f"{{{DAV}}}prop")
        if prop is None:
            continue
        if action.tag == f"{{{DAV}}}set":
            to_set.extend(prop)
        elif action.tag == f"{{{DAV}}}remove":
            to_remove.extend(child.tag for child in prop)
    statuses = node.proppatch(ctx, to_set, to_remove)
    by_status: dict[int, list[str]] = {}
    for name, status in statuses.items():
        by_status.setdefault(status, []).append(name)
    blocks = "".join(
        f"<D:propstat><D:prop>{''.join(element(n) for n in names)}</D:prop>"
        f"<D:status>{http_status(status)}</D:status></D:propstat>"
        for status, names in sorted(by_status.items())
    )
    body = f"<D:response>{href(node.path)}{blocks}</D:response>"
    return xml_response(207, props.multistatus([body]))
