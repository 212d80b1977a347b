"""sync-collection (RFC 6578), as DAVx5 needs it.

An empty token returns every member; a token the collection did not issue (or one older than
its pruned tombstones) gets 403 with DAV:valid-sync-token, after which clients start over; a
result cut short at the page size carries a 507 response for the collection itself, and the
token then points at the last change sent, so the next request carries on from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from letterpress.dav import props
from letterpress.dav.errors import DavError
from letterpress.dav.http import Request, Response, xml_response
from letterpress.dav.resource import Context, Node
from letterpress.dav.xml import DAV, esc

TOKEN_PREFIX = "http://letterpress.invalid/sync/"


@dataclass
class SyncResult:
    token: str
    changed: list[Node] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)   # paths
    truncated: bool = False


def make_token(collection_id: int, seq: int) -> str:
    return f"{TOKEN_PREFIX}{collection_id}-{seq}"


def read_token(token: str, collection_id: int) -> int:
    """The sequence number in ``token``; 403 valid-sync-token if it is not this collection's."""
    if token.startswith(TOKEN_PREFIX):
        cid, _, seq = token[len(TOKEN_PREFIX):].partition("-")
        if cid == str(collection_id) and seq.isdigit():
            return int(seq)
    raise invalid_token()


def invalid_token() -> DavError:
    return DavError(403, "unknown sync token", precondition=(DAV, "valid-sync-token"))


def report(ctx: Context, req: Request, node: Node, root: Any) -> Response:
    token_el = root.find(f"{{{DAV}}}sync-token")
    token = (token_el.text or "").strip() if token_el is not None else ""
    level_el = root.find(f"{{{DAV}}}sync-level")
    if level_el is not None and (level_el.text or "").strip() not in ("1", "infinite"):
        raise DavError(400, "sync-level must be 1 or infinite")
    limit = ctx.settings.dav.sync_page_size
    nresults = root.find(f"{{{DAV}}}limit/{{{DAV}}}nresults")
    if nresults is not None:
        try:
            limit = max(1, min(limit, int((nresults.text or "").strip())))
        except ValueError:
            raise DavError(400, "bad nresults") from None
    prop = root.find(f"{{{DAV}}}prop")
    names = [child.tag for child in prop] if prop is not None else [f"{{{DAV}}}getetag"]
    result: SyncResult = node.sync_changes(ctx, token or None, limit)
    node.prefetch(ctx, result.changed, set(names))
    responses = [props.response(n, ctx, names) for n in result.changed]
    responses += [props.status_response(path, 404) for path in result.deleted]
    if result.truncated:
        responses.append(props.status_response(node.path, 507))
    extra = f"<D:sync-token>{esc(result.token)}</D:sync-token>"
    return xml_response(207, props.multistatus(responses, extra))
