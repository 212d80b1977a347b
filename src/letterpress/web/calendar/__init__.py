"""``/calendar/``: the user's calendar (Календарь пользователя) by day, week and month, planning,
moving and closing events from it, closing tasks, and a head's view of the team's workload.

The blueprint is defined here; its views live in :mod:`.routes` (pages) and :mod:`.edit_routes`
(the forms' POSTs); importing the package registers them all.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

from letterpress.web.calendar import edit_routes, routes  # noqa: F401
