"""The fixed top of the DAV tree: the root, the principals, and the extensions' spaces.

``/`` lists ``principals/`` and each extension's space (``calendars/``); ``/principals/LOGIN/``
is a user's principal (RFC 3744, 5397), whose home-set properties come from the extensions.
A user sees their own principal and those of the people whose calendars they may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select

from letterpress.crm.model import User
from letterpress.crm.permissions import calendar_access
from letterpress.dav.resource import Context, Node, principal_path
from letterpress.dav.xml import esc


class RootNode(Node):
    is_collection = True

    def __init__(self, ctx: Context) -> None:
        self.path = f"{ctx.base}/"

    def displayname(self) -> str | None:
        return "Letterpress"

    def members(self, ctx: Context) -> Iterable[Node]:
        yield PrincipalsNode(ctx)
        for ext in ctx.extensions:
            node = ext.space(ctx)
            if node is not None:
                yield node

    def member(self, ctx: Context, name: str) -> Node | None:
        if name == "principals":
            return PrincipalsNode(ctx)
        for ext in ctx.extensions:
            if ext.segment == name:
                node: Node | None = ext.space(ctx)
                return node
        return None

    def extra_prop(self, ctx: Context, name: str) -> str | None:
        for ext in ctx.extensions:
            value = ext.principal_prop(ctx, ctx.user, name)
            if value is not None:
                return str(value)
        return None


class PrincipalsNode(Node):
    is_collection = True

    def __init__(self, ctx: Context) -> None:
        self.path = f"{ctx.base}/principals/"

    def displayname(self) -> str | None:
        return "principals"

    def members(self, ctx: Context) -> Iterable[Node]:
        yield PrincipalNode(ctx, ctx.user)

    def member(self, ctx: Context, name: str) -> Node | None:
        if name == ctx.user.login:
            return PrincipalNode(ctx, ctx.user)
        user = ctx.session.scalar(select(User).where(User.login == name, User.active.is_(True)))
        if user is None or calendar_access(ctx.session, ctx.user, user.id) == "none":
            return None
        return PrincipalNode(ctx, user)


class PrincipalNode(Node):
    is_collection = True

    def __init__(self, ctx: Context, user: User) -> None:
        self.user = user
        self.path = principal_path(ctx.base, user.login)

    def resourcetype(self) -> str:
        return "<D:collection/><D:principal/>"

    def displayname(self) -> str | None:
        return self.user.display_name

    def owner_path(self) -> str | None:
        return self.path

    def extra_prop(self, ctx: Context, name: str) -> str | None:
        if name == "{DAV:}principal-URL":
            from letterpress.dav.xml import href

            return href(self.path)
        if name == "{DAV:}alternate-URI-set":
            return f"<D:href>mailto:{esc(self.user.email)}</D:href>" if self.user.email else ""
        if name == "{DAV:}group-membership":
            return ""
        for ext in ctx.extensions:
            value = ext.principal_prop(ctx, self.user, name)
            if value is not None:
                return str(value)
        return None

    def extra_prop_names(self) -> Sequence[str]:
        names = ["{DAV:}principal-URL", "{DAV:}alternate-URI-set", "{DAV:}group-membership"]
        return names


def resolve(ctx: Context, path: str) -> Node | None:
    """The node at ``path`` (relative to the mount point, decoded), or None."""
    segments = [s for s in path.split("/") if s]
    node: Node | None = RootNode(ctx)
    for segment in segments:
        if node is None or not node.is_collection:
            return None
        if segment in (".", ".."):
            return None
        node = node.member(ctx, segment)
    if node is not None and node.is_collection is False and path.endswith("/"):
        return None
    return node


def parent_and_name(path: str) -> tuple[str, str]:
    stripped = path.rstrip("/")
    parent, _, name = stripped.rpartition("/")
    return parent + "/", name


