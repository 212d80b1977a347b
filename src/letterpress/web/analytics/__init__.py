"""``/analytics/``: the dashboards of the analytical CRM (ABC, XYZ, relationship stages, manager
performance, information sources and campaigns) over ``letterpress.crm.analytics``.

The blueprint is defined here; importing the package registers its views (``routes``) and the
per-app dashboard cache (``cache``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

from letterpress.web.analytics import routes  # noqa: F401
