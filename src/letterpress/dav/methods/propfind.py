"""PROPFIND (RFC 4918, 9.1). Depth infinity is refused with DAV:propfind-finite-depth; a missing
Depth header means 0 (what clients that leave it out expect in practice)."""

from __future__ import annotations

from letterpress.dav import props
from letterpress.dav.errors import DavError
from letterpress.dav.http import Request, Response, xml_response
from letterpress.dav.resource import Context
from letterpress.dav.tree import resolve
from letterpress.dav.xml import DAV, parse_body


def handle(ctx: Context, req: Request) -> Response:
    depth = req.depth("0")
    if depth == "infinity":
        raise DavError(403, "Depth: infinity is not supported",
                       precondition=(DAV, "propfind-finite-depth"))
    root = parse_body(req.body(ctx.settings.dav.max_xml_body_bytes))
    node = resolve(ctx, req.path)
    if node is None:
        raise DavError(404, "no such resource")
    names: list[str] = []
    allprop = names_only = False
    if root is None or root.find(f"{{{DAV}}}allprop") is not None:
        allprop = True
        include = root.find(f"{{{DAV}}}include") if root is not None else None
        if include is not None:
            names = [child.tag for child in include]
    elif root.tag != f"{{{DAV}}}propfind":
        raise DavError(400, "expected <D:propfind>")
    elif root.find(f"{{{DAV}}}propname") is not None:
        names_only = True
    else:
        prop = root.find(f"{{{DAV}}}prop")
        if prop is None:
            raise DavError(400, "expected <D:prop>, <D:allprop/> or <D:propname/>")
        names = list(dict.fromkeys(child.tag for child in prop))
    nodes = [node]
    if depth == "1" and node.is_collection:
        members = list(node.members(ctx))
        node.prefetch(ctx, members, set(names))
        nodes.extend(members)
    out = []
    for n in nodes:
        wanted = props.property_names(n) if names_only else names
        out.append(props.response(n, ctx, wanted, names_only=names_only, allprop=allprop))
    return xml_response(207, props.multistatus(out))
