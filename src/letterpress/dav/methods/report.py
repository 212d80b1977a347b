"""REPORT (RFC 3253, 3.6): dispatched on the body's root element to the report's handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from letterpress.dav.errors import DavError
from letterpress.dav.http import Request, Response
from letterpress.dav.resource import Context, Node
from letterpress.dav.tree import resolve
from letterpress.dav.xml import DAV, parse_body

ReportHandler = Callable[[Context, Request, Node, object], Response]


def handle(ctx: Context, req: Request, handlers: Mapping[str, ReportHandler]) -> Response:
    root = parse_body(req.body(ctx.settings.dav.max_xml_body_bytes))
    if root is None:
        raise DavError(400, "REPORT needs a body")
    node = resolve(ctx, req.path)
    if node is None:
        raise DavError(404, "no such resource")
    handler = handlers.get(root.tag)
    if handler is None or root.tag not in node.supported_reports:
        raise DavError(403, f"report {root.tag} is not supported here",
                       precondition=(DAV, "supported-report"))
    return handler(ctx, req, node, root)
