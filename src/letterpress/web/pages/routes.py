"""``/`` (to the counterparty list), ``/healthz``, and a placeholder page per unbuilt section."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from letterpress.crm.permissions import can_administer
from letterpress.web.auth.identity import current_account, public
from letterpress.web.context import db
from letterpress.web.nav import SECTIONS, Section

log = logging.getLogger(__name__)
bp = Blueprint("pages", __name__)

# Sections whose blueprint has not landed; each gets "/<name>/" with a "coming soon" page.
PLACEHOLDERS: tuple[str, ...] = ()


@bp.get("/")
def home() -> Response:
    return redirect(url_for("counterparties.index"))


@bp.get("/healthz")
@public
def health() -> tuple[str, int, dict[str, str]]:
    """For load balancers and start-up scripts: 200 when the database answers, else 503."""
    plain = {"Content-Type": "text/plain; charset=utf-8"}
    try:
        db().execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check: the database does not answer")
        return "database unavailable\n", 503, plain
    return "ok\n", 200, plain


def _placeholder(section: Section) -> object:
    def view() -> str:
        if section.admin_only and not can_administer(current_account()):
            abort(403)
        return render_template("pages/coming_soon.html", section=section)

    view.__name__ = f"placeholder_{section.name}"
    return view


for _section in SECTIONS:
    if _section.name in PLACEHOLDERS:
        bp.add_url_rule(f"/{_section.name}/", endpoint=_section.name,
                        view_func=_placeholder(_section), methods=["GET"])  # type: ignore[arg-type]
