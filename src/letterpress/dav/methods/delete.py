"""DELETE (RFC 4918, 9.6): an item, or a collection the user made; If-Match honoured."""

from __future__ import annotations

from letterpress.dav.errors import DavError, need_privileges
from letterpress.dav.http import Request, Response
from letterpress.dav.methods.put import conditions
from letterpress.dav.resource import UNBIND, Context
from letterpress.dav.tree import parent_and_name, resolve


def handle(ctx: Context, req: Request) -> Response:
    parent_path, name = parent_and_name(req.path)
    parent = resolve(ctx, parent_path)
    node = parent.member(ctx, name) if parent is not None and parent.is_collection else None
    if parent is None or node is None:
        raise DavError(404, "no such resource")
    if UNBIND not in parent.privileges():
        raise need_privileges("read-only")
    if node.is_collection:
        node.delete(ctx, conditions(req))
    else:
        parent.delete_member(ctx, name, conditions(req))
    return Response(204)
