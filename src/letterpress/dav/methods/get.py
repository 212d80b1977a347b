"""GET and HEAD (RFC 4918, 9.4): an item's content with its ETag; If-None-Match gives 304."""

from __future__ import annotations

from letterpress.dav.errors import DavError
from letterpress.dav.http import Request, Response
from letterpress.dav.resource import Context
from letterpress.dav.tree import resolve
from letterpress.dav.xml import http_date


def handle(ctx: Context, req: Request) -> Response:
    node = resolve(ctx, req.path)
    if node is None:
        raise DavError(404, "no such resource")
    if node.is_collection:
        text = f"{node.displayname() or node.path}: a DAV collection; use a CalDAV client.\n"
        return Response(200, text.encode("utf-8"), "text/plain; charset=utf-8")
    etag = node.etag()
    headers: list[tuple[str, str]] = []
    if etag:
        headers.append(("ETag", etag))
        wanted = req.header("If-None-Match")
        if wanted and (wanted.strip() == "*" or etag in [t.strip() for t in wanted.split(",")]):
            return Response(304, b"", None, headers)
    modified = node.last_modified()
    if modified is not None:
        headers.append(("Last-Modified", http_date(modified)))
    return Response(200, node.body(ctx), node.content_type, headers)
