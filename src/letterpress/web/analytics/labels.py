"""Display names of the analytics vocabulary (classes, stages, indicators, report columns), and
what kind of number each column holds, so that tables format and charts scale it alike.

The Russian words are the seed's (slides 13-17): Постоянный покупатель, Коэффициент удержания...
Exported files keep the engine's English column keys (they are the documented interface of
``letterpress report``); only the pages translate them.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from letterpress.crm.analytics.managers import (
    COMPLETENESS,
    CONTACTS,
    EVENT_KEYS,
    MONEY_KEYS,
    ORDER_KEYS,
    STAGE_KEYS,
)
from letterpress.web.labels import label

STAGE: Mapping[str, LazyString] = {
    "potential": _l("Potential customer"),
    "one_time": _l("One-time customer"),
    "regular": _l("Regular customer"),
    "lost": _l("Lost customer"),
}

MEASURE: Mapping[str, LazyString] = {
    "revenue": _l("Revenue"),
    "gross_profit": _l("Gross profit"),
    "orders": _l("Number of orders"),
}

MOVEMENT: Mapping[str, LazyString] = {
    "up": _l("↑ moved up"),
    "down": _l("↓ moved down"),
    "same": _l("same class"),
    "new": _l("new in the ranking"),
    "gone": _l("left the ranking"),
}

MISSING = _l("Missing")

# The dashboards, as the index and the tabs name them.
TITLES: Mapping[str, LazyString] = {
    "abc": _l("ABC analysis"),
    "xyz": _l("XYZ analysis"),
    "stages": _l("Relationship stages"),
    "managers": _l("Manager performance"),
    "sources": _l("Information sources and campaigns"),
}
DESCRIPTIONS: Mapping[str, LazyString] = {
    "abc": _l("Customers ranked by revenue, gross profit or orders (Pareto 80/20): classes A, B "
              "and C, and who moved between them."),
    "xyz": _l("Regular customers by the stability of their purchases: classes X, Y and Z, and "
              "the ABC-XYZ matrix."),
    "stages": _l("Potential, one-time, regular and lost customers: the funnel, the changes in "
                 "the period and the transitions between two months."),
    "managers": _l("Each manager's figures for the period: data completeness, stage changes, "
                   "retention, events, orders, revenue and payments, down to the rows."),
    "sources": _l("Customers, first purchases and revenue per information source; participants, "
                  "replies, orders and revenue per marketing campaign."),
}
# The managers dashboard's tables: (key, title, indicators).
MANAGER_GROUPS: tuple[tuple[str, LazyString, tuple[str, ...]], ...] = (
    ("money", _l("Revenue and payments"), MONEY_KEYS),
    ("stages", _l("Customers and relationship stages"), STAGE_KEYS),
    ("orders", _l("Customer orders"), ORDER_KEYS),
    ("events", _l("Events with customers"), EVENT_KEYS),
    ("completeness", _l("Data completeness"),
     ("counterparties", *COMPLETENESS, "contacts", *CONTACTS)),
)

# Report columns and managers' indicators (the engine's keys).
COLUMN: Mapping[str, LazyString] = {
    "counterparty": _l("Counterparty"),
    "name": _l("Name"),
    "manager": _l("Manager"),
    "team": _l("Team"),
    "managers": _l("Managers"),
    "value": _l("Value"),
    "share": _l("Share"),
    "cumulative_share": _l("Cumulative share"),
    "rank": _l("Rank"),
    "class": _l("Class"),
    "previous_class": _l("Class before"),
    "movement": _l("Movement"),
    "customers": _l("Customers"),
    "cv": _l("Coefficient of variation"),
    "mean": _l("Mean per bucket"),
    "total": _l("Total"),
    "buckets": _l("Buckets"),
    "abc": _l("ABC class"),
    "stage": _l("Stage"),
    "since": _l("Since"),
    "previous_stage": _l("Stage before"),
    "months_with_sales": _l("Months with sales in the window"),
    "months_with_sales_ever": _l("Months with sales, ever"),
    "what": _l("What"),
    "from_stage": _l("From stage"),
    "to_stage": _l("To stage"),
    "month": _l("Month"),
    "counterparties": _l("Counterparties"),
    "completeness": _l("Data completeness"),
    "completeness_start": _l("Completeness at the start"),
    "completeness_end": _l("Completeness at the end"),
    "completeness_change": _l("Completeness change"),
    "contacts": _l("Contact persons"),
    "contacts_completeness": _l("Contact persons' completeness"),
    "contacts_completeness_start": _l("Contact persons' completeness at the start"),
    "contacts_completeness_end": _l("Contact persons' completeness at the end"),
    "contacts_completeness_change": _l("Contact persons' completeness change"),
    "customers_at_start": _l("Customers at the start"),
    "lost": _l("Lost of them"),
    "loss_rate": _l("Loss coefficient"),
    "retention": _l("Customer retention"),
    "new_customers": _l("First purchases"),
    "one_time_to_regular": _l("One-time → regular"),
    "became_lost": _l("Became lost"),
    "won_back": _l("Won back"),
    "events": _l("Events"),
    "events_outgoing_call": _l("Outgoing calls"),
    "events_incoming_call": _l("Incoming calls"),
    "events_meeting": _l("Meetings"),
    "events_incoming_email": _l("Incoming e-mails"),
    "events_outgoing_email": _l("Outgoing e-mails"),
    "events_letter": _l("Letters"),
    "events_other": _l("Other events"),
    "orders": _l("Orders"),
    "orders_sum": _l("Orders, sum"),
    "orders_paid": _l("Orders paid"),
    "orders_shipped": _l("Orders shipped"),
    "closed_unshipped": _l("Closed without shipment"),
    "closed_unshipped_sum": _l("Closed without shipment, sum"),
    "revenue": _l("Revenue"),
    "gross_profit": _l("Gross profit"),
    "payments_received": _l("Payments received"),
    "source": _l("Information source"),
    "new_counterparties": _l("New counterparties"),
    "buyers": _l("Ever bought"),
    "first_purchases": _l("First purchases"),
    "active": _l("Bought in the period"),
    "campaign": _l("Campaign"),
    "kind": _l("Kind"),
    "start": _l("Start"),
    "end": _l("End"),
    "cost": _l("Cost"),
    "participants": _l("Participants"),
    "responders": _l("Responders"),
    "replies": _l("Replies"),
    "revenue_per_cost": _l("Revenue per rouble spent"),
    "date": _l("Date"),
    "number": _l("Number"),
    "state": _l("State"),
    "amount": _l("Amount"),
    "paid": _l("Paid"),
    "shipped": _l("Shipped"),
    "subject": _l("Subject"),
    "start_at": _l("Start"),
    "external_id": _l("External id"),
    "score": _l("Completeness"),
    "stage_at_start": _l("Stage at the start"),
    "position": _l("Position"),
    "from": _l("From"),
    "to": _l("To"),
}

MONEY_COLUMNS = frozenset({
    "orders_sum", "orders_paid", "orders_shipped", "closed_unshipped_sum", "revenue",
    "gross_profit", "payments_received", "cost", "amount", "paid", "shipped",
})
PERCENT_COLUMNS = frozenset({
    "share", "cumulative_share", "cv", "completeness", "completeness_start", "completeness_end",
    "contacts_completeness", "contacts_completeness_start", "contacts_completeness_end",
    "loss_rate", "retention", "score",
})
CHANGE_COLUMNS = frozenset({"completeness_change", "contacts_completeness_change"})


def column_label(key: str) -> str:
    if key.startswith("missing_"):
        return f"{MISSING}: {label(key.removeprefix('missing_'), 'completeness')}"
    found = COLUMN.get(key)
    return str(found) if found is not None else key


def column_kind(key: str, *, count_measure: bool = False) -> str:
    """``money``, ``percent``, ``change`` (percentage points), ``number`` or ``text``.

    ``count_measure``: the report's measure is a number of orders, so ``value`` / ``total`` /
    ``mean`` are counts, not roubles.
    """
    if key in ("value", "total", "mean"):
        return "number" if count_measure else "money"
    if key in MONEY_COLUMNS:
        return "money"
    if key in PERCENT_COLUMNS:
        return "percent"
    if key in CHANGE_COLUMNS:
        return "change"
    return "text"


def movement_label(value: str | None) -> str:
    found = MOVEMENT.get(value or "")
    return str(found) if found is not None else (value or "—")


def stage_label(value: str | None) -> str:
    if value is None:
        return ""
    found = STAGE.get(value)
    return str(found) if found is not None else value
