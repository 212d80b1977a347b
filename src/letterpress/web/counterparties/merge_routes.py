"""``/counterparties/<id>/merge``: merging a counterparty with its duplicate (the card's
"Объединить с дубликатом").

The counterparty of the URL is the survivor. The first page lists likely duplicates
(:func:`~letterpress.crm.counterparty_merge.find_duplicates`) and has a search box; a candidate
opens the confirmation, which shows both side by side (what is kept, filled, in conflict; the
counts of what moves) and POSTs the merge with the CSRF token. The rules and the permission live
in :mod:`letterpress.crm.counterparty_merge` and
:func:`~letterpress.crm.permissions.can_merge_counterparties`; this module only shows and asks.
Registered on the counterparties blueprint (imported by the package's ``__init__``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from letterpress.crm.counterparty_merge import (
    RECORDS,
    MergePlan,
    count_records,
    different_inns,
    find_duplicates,
    merge_counterparties,
    plan_merge,
    search_counterparties,
)
from letterpress.crm.model import Counterparty
from letterpress.crm.permissions import can_merge_counterparties
from letterpress.errors import Conflict, PermissionDenied
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db, web_context
from letterpress.web.counterparties.queries import visible_counterparty
from letterpress.web.counterparties.routes import bp

#: Names of what :func:`count_records` counts, in its order.
RECORD_LABELS: dict[str, LazyString] = {
    "contacts": _l("Contact persons"), "letters": _l("Letters"), "events": _l("Events"),
    "tasks": _l("Tasks"), "orders": _l("Orders"), "shipments": _l("Shipments"),
    "payments": _l("Payments"), "invoices": _l("Invoices"), "campaigns": _l("Campaigns"),
}
REASON_LABELS: dict[str, LazyString] = {
    "inn": _l("the same INN"), "domain": _l("a shared mail domain"),
    "name": _l("the same name"), "similar_name": _l("a similar name"),
}
#: The rows of the side-by-side comparison: field, label.
COMPARED: tuple[tuple[str, LazyString], ...] = (
    ("name", _l("Name")), ("kind", _l("Kind")), ("legal_name", _l("Legal name")),
    ("inn", _l("INN")), ("kpp", _l("KPP")), ("city", _l("City")), ("source", _l("Source")),
    ("website", _l("Website")), ("manager_id", _l("Responsible")),
    ("external_id", _l("ERP code")),
)
CHANNEL_LABELS: dict[str, LazyString] = {
    "phones": _l("Phones"), "emails": _l("E-mails"), "addresses": _l("Addresses"),
    "domains": _l("Mail domains"),
}
SEARCH_LIMIT = 20


class MergeForm(FlaskForm):  # type: ignore[misc]
    """The confirmation's POST: nothing to fill in, the CSRF token is the point."""


@dataclass(frozen=True)
class Row:
    """One line of the comparison: both values and what the merge does with them."""

    label: LazyString
    field: str
    survivor: str | None
    duplicate: str | None
    outcome: str  # same | kept | filled | conflict | changed | alias | code


def may_merge(counterparty: Counterparty) -> bool:
    """For the card's link: may the viewer merge this counterparty with some duplicate?"""
    return can_merge_counterparties(db(), current_account(), counterparty)


@bp.context_processor
def _merge_helpers() -> dict[str, Callable[[Counterparty], bool]]:
    return {"may_merge": may_merge}


def _survivor(counterparty_id: int) -> Counterparty:
    session = db()
    user = current_account()
    counterparty = visible_counterparty(session, user, counterparty_id)
    if not can_merge_counterparties(session, user, counterparty):
        raise PermissionDenied(f"{user.login} may not merge counterparty #{counterparty_id}")
    return counterparty


@bp.get("/<int:counterparty_id>/merge")
def merge(counterparty_id: int) -> str:
    """Likely duplicates, and a search for another one."""
    session = db()
    user = current_account()
    survivor = _survivor(counterparty_id)
    settings = web_context().settings
    duplicates = find_duplicates(session, user, survivor,
                                 public_domains=settings.mail.public_domains)
    q = (request.args.get("q") or "").strip()[:200]
    found = search_counterparties(session, user, q, exclude_id=survivor.id,
                                  limit=SEARCH_LIMIT) if q else []
    listed = [*(d.counterparty for d in duplicates), *found]
    return render_template(
        "counterparties/merge.html", survivor=survivor, duplicates=duplicates, q=q,
        found=found, reasons=REASON_LABELS,
        mergeable={c.id for c in listed if can_merge_counterparties(session, user, survivor, c)},
        different_inn={c.id for c in listed if different_inns(survivor, c)},
    )


def _rows(plan: MergePlan) -> list[Row]:
    filled = {c.field for c in plan.filled}
    conflicts = {c.field for c in plan.conflicts}
    rows = []
    for name, label in COMPARED:
        mine = _value(plan.survivor, name)
        theirs = _value(plan.duplicate, name)
        if name == "kind" and plan.kind != plan.survivor.kind:
            outcome = "changed"
        elif name in filled:
            outcome = "filled"
        elif name == "name" and mine != theirs:
            outcome = "alias"
        elif name == "external_id" and name in conflicts:
            outcome = "code"
        elif name in conflicts:
            outcome = "conflict"
        else:
            outcome = "same" if mine == theirs else "kept"
        rows.append(Row(label, name, mine, theirs, outcome))
    return rows


def _value(counterparty: Counterparty, name: str) -> str | None:
    if name == "manager_id":
        return counterparty.manager.display_name if counterparty.manager else None
    value = getattr(counterparty, name)
    return str(value) if value not in (None, "") else None


def _render_confirmation(
    counterparty_id: int, duplicate_id: int, status: int = 200, error: str | None = None
) -> tuple[str, int]:
    session = db()
    user = current_account()
    plan = plan_merge(session, user, counterparty_id, duplicate_id)
    counts = count_records(session, user, web_context().mail_policy,
                           [plan.survivor.id, plan.duplicate.id])
    if plan.refusal is not None and error is None:
        error = _refusal_text(plan.refusal, plan)
    return render_template(
        "counterparties/merge_confirm.html", plan=plan, rows=_rows(plan), counts=counts,
        records=[(key, RECORD_LABELS[key]) for key in RECORDS], channels=CHANNEL_LABELS,
        form=MergeForm(), error=error,
        can_swap=can_merge_counterparties(session, user, plan.duplicate, plan.survivor),
    ), status


def _refusal_text(refusal: Conflict, plan: MergePlan) -> str:
    if refusal.reason == "different_inn":
        return str(_("The two have different INNs (%(a)s and %(b)s): two taxpayers are two "
                     "counterparties and are not merged. If one INN is a mistake, correct it "
                     "on that card first.", a=plan.survivor.inn or "", b=plan.duplicate.inn or ""))
    return str(_("These two counterparties cannot be merged."))


@bp.get("/<int:counterparty_id>/merge/<int:duplicate_id>")
def merge_confirm(counterparty_id: int, duplicate_id: int) -> tuple[str, int]:
    return _render_confirmation(counterparty_id, duplicate_id)


@bp.post("/<int:counterparty_id>/merge/<int:duplicate_id>")
def merge_do(counterparty_id: int, duplicate_id: int) -> Response | tuple[str, int]:
    session = db()
    user = current_account()
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = merge_counterparties(session, user, counterparty_id, duplicate_id)
    except Conflict:
        session.rollback()
        return _render_confirmation(counterparty_id, duplicate_id, 409)
    session.commit()
    moved: dict[str, Any] = result.moved
    flash(_("«%(name)s» is merged into this card: %(contacts)d contact persons, %(letters)d "
            "letters, %(events)d events and %(orders)d orders moved.",
            name=result.duplicate_name, contacts=moved.get("contacts", 0),
            letters=moved.get("letters", 0), events=moved.get("events", 0),
            orders=moved.get("orders", 0)), "success")
    return redirect(url_for(".card", counterparty_id=result.survivor_id))
