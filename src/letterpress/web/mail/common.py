"""Small things every mail view needs: the viewer's mail policy and the page number asked for."""

from __future__ import annotations

from flask import request

from letterpress.crm.permissions import MailPolicy
from letterpress.web.context import web_context


def policy() -> MailPolicy:
    """The mail visibility policy, from the ``[mail]`` settings of this app."""
    return web_context().mail_policy


def page_number() -> int:
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and len(value) < 9 else 1


def page_size() -> int:
    return web_context().settings.web.page_size
