"""The node interface: what a storage (calendars, later address books) implements for the core.

A :class:`Node` is one URL: a collection or an item. The core asks it for properties, members,
content and privileges, and hands it writes; a node that does not support an operation leaves
the default, which answers 405 or 403. Live properties a node adds beyond the core's
(:mod:`props`) come from :meth:`Node.extra_prop`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from letterpress.dav.cache import ContentCache
from letterpress.dav.errors import DavError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from letterpress.config import Settings
    from letterpress.crm.model import User

READ = "read"
WRITE_PROPERTIES = "write-properties"
WRITE_CONTENT = "write-content"
BIND = "bind"
UNBIND = "unbind"
ALL_WRITE = frozenset({WRITE_PROPERTIES, WRITE_CONTENT, BIND, UNBIND})


@dataclass
class Context:
    """One request: who asks, the database session, the settings, where DAV is mounted."""

    session: Session
    user: User
    settings: Settings
    base: str                      # SCRIPT_NAME, e.g. "/dav"
    extensions: Sequence[Any] = ()
    cache: dict[str, Any] = field(default_factory=dict)   # this request's
    content_cache: ContentCache | None = None             # the application's, by ETag

    @property
    def principal_path(self) -> str:
        return principal_path(self.base, self.user.login)


def principal_path(base: str, login: str) -> str:
    return f"{base}/principals/{login}/"


@dataclass(frozen=True)
class Preconditions:
    """If-Match / If-None-Match of a write (RFC 7232), checked by the core against the target."""

    if_match: tuple[str, ...] | None = None      # None: header absent; ("*",) for *
    if_none_match: tuple[str, ...] | None = None

    def check(self, current_etag: str | None) -> None:
        if self.if_match is not None and (
                current_etag is None
                or ("*" not in self.if_match and current_etag not in self.if_match)):
            raise DavError(412, "the resource changed (If-Match)")
        if (self.if_none_match is not None and current_etag is not None
                and ("*" in self.if_none_match or current_etag in self.if_none_match)):
            raise DavError(412, "the resource exists (If-None-Match)")


class Node:
    path: str = "/"
    is_collection: bool = False
    content_type: str | None = None
    supported_reports: tuple[str, ...] = ()

    def resourcetype(self) -> str:
        return "<D:collection/>" if self.is_collection else ""

    def displayname(self) -> str | None:
        return None

    def etag(self) -> str | None:
        return None

    def last_modified(self) -> dt.datetime | None:
        return None

    def privileges(self) -> frozenset[str]:
        return frozenset({READ})

    def owner_path(self) -> str | None:
        return None

    def sync_token(self) -> str | None:
        return None

    def ctag(self) -> str | None:
        return None

    def extra_prop(self, ctx: Context, name: str) -> str | None:
        """Inner XML of a live property this node has beyond the core's, else None."""
        return None

    def extra_prop_names(self) -> Sequence[str]:
        return ()

    def dead_props(self) -> dict[str, str]:
        return {}

    def members(self, ctx: Context) -> Iterable[Node]:
        return ()

    def member(self, ctx: Context, name: str) -> Node | None:
        return None

    def body(self, ctx: Context) -> bytes:
        raise DavError(405, "no content here")

    def prefetch(self, ctx: Context, members: Sequence[Node], names: set[str]) -> None:
        """Load in bulk what rendering ``names`` of these members will need (a hint)."""

    # --- writes (the defaults refuse) ---

    def put_member(self, ctx: Context, name: str, body: bytes, content_type: str,
                   conditions: Preconditions) -> tuple[str, bool]:
        """Store ``body`` as member ``name``; returns (new ETag, created)."""
        raise DavError(405, "cannot store here")

    def delete(self, ctx: Context, conditions: Preconditions) -> None:
        raise DavError(405, "cannot delete this")

    def delete_member(self, ctx: Context, name: str, conditions: Preconditions) -> None:
        raise DavError(405, "cannot delete here")

    def make_collection(self, ctx: Context, name: str, resourcetypes: set[str],
                        props: list[Element]) -> None:
        raise DavError(403, "cannot create a collection here")

    def proppatch(self, ctx: Context, to_set: list[Element], to_remove: list[str]) -> dict[str, int]:
        """Apply the changes atomically; returns a status per property name."""
        raise DavError(403, "properties cannot be changed here")

    def sync_changes(self, ctx: Context, token: str | None, limit: int) -> Any:
        raise DavError(403, "no sync here", precondition=("DAV:", "supported-report"))
