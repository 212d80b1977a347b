"""``/account/``: the signed-in user's own settings.

The language, the app passwords with which calendar and address-book clients reach the DAV
server (made, listed, revoked; a new one shown once), and the addresses to give those clients.
The administration's user page reuses :mod:`.app_passwords` and :mod:`.reveal` to do the same for
any user.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from letterpress.web.account import routes  # noqa: F401
