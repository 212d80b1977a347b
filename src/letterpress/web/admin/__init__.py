"""``/admin/``: users, teams, hand-over, mailboxes and their grants (administrators only)."""

from __future__ import annotations

from flask import Blueprint, abort

from letterpress.crm.permissions import can_administer
from letterpress.web.auth.identity import current_account

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only() -> None:
    # The login wall has run already (it is the app's first before_request hook).
    if not can_administer(current_account()):
        abort(403)


from letterpress.web.admin import routes  # noqa: F401
