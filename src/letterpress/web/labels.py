"""Display names of the CRM's closed vocabularies (kinds, states, directions), translatable.

The words are those of the seed (1C:Полиграфия) where it has one.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from letterpress.crm.model import (
    CounterpartyKind,
    Direction,
    EventKind,
    EventState,
    OrderState,
    PaymentDirection,
    Role,
)

COUNTERPARTY_KIND: Mapping[str, LazyString] = {
    CounterpartyKind.CUSTOMER: _l("Customer"),
    CounterpartyKind.SUPPLIER: _l("Supplier"),
    CounterpartyKind.BOTH: _l("Customer and supplier"),
    CounterpartyKind.PERSON: _l("Private person"),
}

EVENT_KIND: Mapping[str, LazyString] = {
    EventKind.OUTGOING_CALL: _l("Outgoing call"),
    EventKind.INCOMING_CALL: _l("Incoming call"),
    EventKind.MEETING: _l("Meeting"),
    EventKind.INCOMING_EMAIL: _l("Incoming e-mail"),
    EventKind.OUTGOING_EMAIL: _l("Outgoing e-mail"),
    EventKind.LETTER: _l("Letter"),
    EventKind.OTHER: _l("Other"),
}

# Kinds a person records by hand; letters become events through mail filing.
MANUAL_EVENT_KINDS: tuple[str, ...] = (
    EventKind.OUTGOING_CALL, EventKind.INCOMING_CALL, EventKind.MEETING,
    EventKind.OUTGOING_EMAIL, EventKind.LETTER, EventKind.OTHER,
)

EVENT_STATE: Mapping[str, LazyString] = {
    EventState.PLANNED: _l("Planned"),
    EventState.DONE: _l("Done"),
    EventState.CANCELLED: _l("Cancelled"),
}

ORDER_STATE: Mapping[str, LazyString] = {
    OrderState.OPEN: _l("Open"),
    OrderState.COMPLETED: _l("Completed"),
    OrderState.CLOSED: _l("Closed without shipment"),
}

ORDER_DIRECTION: Mapping[str, LazyString] = {
    Direction.CUSTOMER: _l("Customer order"),
    Direction.SUPPLIER: _l("Supplier order"),
}

INVOICE_DIRECTION: Mapping[str, LazyString] = {
    Direction.CUSTOMER: _l("Issued"),
    Direction.SUPPLIER: _l("Received"),
}

PAYMENT_DIRECTION: Mapping[str, LazyString] = {
    PaymentDirection.IN: _l("Incoming"),
    PaymentDirection.OUT: _l("Outgoing"),
}

ROLE: Mapping[str, LazyString] = {
    Role.MANAGER: _l("Manager"),
    Role.HEAD: _l("Head of sales"),
    Role.ADMIN: _l("Administrator"),
}

MAILBOX_KIND: Mapping[str, LazyString] = {
    "personal": _l("Personal"),
    "shared": _l("Shared"),
}

# Why a letter is filed against a counterparty (LetterLink.rule).
LINK_RULE: Mapping[str, LazyString] = {
    "contact": _l("a contact person's address"),
    "thread": _l("a reply in a filed thread"),
    "domain": _l("the company's mail domain"),
    "manual": _l("filed by hand"),
    "order": _l("an order number in the subject"),
}

TOPIC_SOURCE: Mapping[str, LazyString] = {
    "rule": _l("by a rule"),
    "manual": _l("by hand"),
    "order": _l("by an order"),
}

GRANT_SOURCE: Mapping[str, LazyString] = {
    "config": _l("config file"),
    "handover": _l("hand-over"),
    "admin": _l("administrator"),
}

COMPLETENESS_ITEM: Mapping[str, LazyString] = {
    "inn": _l("INN"),
    "legal_name": _l("legal name"),
    "address": _l("address"),
    "phone": _l("phone"),
    "email": _l("e-mail"),
    "manager": _l("responsible manager"),
}

VOCABULARIES: Mapping[str, Mapping[str, LazyString]] = {
    "counterparty_kind": COUNTERPARTY_KIND,
    "event_kind": EVENT_KIND,
    "event_state": EVENT_STATE,
    "order_state": ORDER_STATE,
    "order_direction": ORDER_DIRECTION,
    "invoice_direction": INVOICE_DIRECTION,
    "payment_direction": PAYMENT_DIRECTION,
    "role": ROLE,
    "mailbox_kind": MAILBOX_KIND,
    "link_rule": LINK_RULE,
    "topic_source": TOPIC_SOURCE,
    "grant_source": GRANT_SOURCE,
    "completeness": COMPLETENESS_ITEM,
}


def label(value: str | None, vocabulary: str) -> str:
    """The display name of ``value``, or the value itself when the vocabulary lacks it."""
    if value is None:
        return ""
    found = VOCABULARIES[vocabulary].get(value)
    return str(found) if found is not None else value
