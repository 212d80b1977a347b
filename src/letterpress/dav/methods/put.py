"""PUT (RFC 4918, 9.7; RFC 4791, 5.3.2): store an item; the answer always carries its ETag."""

from __future__ import annotations

from letterpress.dav.errors import DavError, need_privileges
from letterpress.dav.http import Request, Response
from letterpress.dav.resource import BIND, Context, Preconditions
from letterpress.dav.tree import parent_and_name, resolve


def _tags(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(t.strip() for t in value.split(",") if t.strip())


def conditions(req: Request) -> Preconditions:
    return Preconditions(_tags(req.header("If-Match")), _tags(req.header("If-None-Match")))


def handle(ctx: Context, req: Request) -> Response:
    if req.path.endswith("/"):
        raise DavError(405, "PUT names an item, not a collection")
    parent_path, name = parent_and_name(req.path)
    parent = resolve(ctx, parent_path)
    if parent is None or not parent.is_collection:
        raise DavError(409, "the parent collection does not exist")
    if BIND not in parent.privileges():
        raise need_privileges("this collection is read-only")
    body = req.body(ctx.settings.dav.max_resource_bytes)
    content_type = (req.header("Content-Type") or "").split(";")[0].strip().lower()
    etag, created = parent.put_member(ctx, name, body, content_type, conditions(req))
    return Response(201 if created else 204, b"", None, [("ETag", etag)])
