"""MKCALENDAR (RFC 4791, 5.3.1) and extended MKCOL (RFC 5689): a new collection with props."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from letterpress.dav.errors import DavError, need_privileges
from letterpress.dav.http import Request, Response
from letterpress.dav.resource import BIND, Context
from letterpress.dav.tree import parent_and_name, resolve
from letterpress.dav.xml import CALDAV, DAV, parse_body


def handle(ctx: Context, req: Request) -> Response:
    parent_path, name = parent_and_name(req.path)
    parent = resolve(ctx, parent_path)
    if parent is None or not parent.is_collection:
        raise DavError(409, "the parent collection does not exist")
    if parent.member(ctx, name) is not None:
        raise DavError(405, "the resource exists", precondition=(DAV, "resource-must-be-null"))
    if BIND not in parent.privileges():
        raise need_privileges("cannot create collections here")
    root = parse_body(req.body(ctx.settings.dav.max_xml_body_bytes))
    props: list[Element] = []
    types: set[str] = set()
    if req.method == "MKCALENDAR":
        types.add(f"{{{CALDAV}}}calendar")
        if root is not None and root.tag != f"{{{CALDAV}}}mkcalendar":
            raise DavError(400, "expected <C:mkcalendar>")
    elif root is not None and root.tag != f"{{{DAV}}}mkcol":
        raise DavError(415, "expected <D:mkcol>")
    if root is not None:
        for action in root.findall(f"{{{DAV}}}set"):
            prop = action.find(f"{{{DAV}}}prop")
            if prop is None:
                continue
            for child in prop:
                if child.tag == f"{{{DAV}}}resourcetype":
                    types.update(t.tag for t in child)
                else:
                    props.append(child)
    parent.make_collection(ctx, name, types, props)
    return Response(201, b"", None, [("Cache-Control", "no-cache")])
