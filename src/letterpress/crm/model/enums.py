"""The closed vocabularies of the CRM, stored as short strings (readable in SQL and CSV)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    MANAGER = "manager"
    HEAD = "head"
    ADMIN = "admin"


class CounterpartyKind(enum.StrEnum):
    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    BOTH = "both"
    PERSON = "person"


class EventKind(enum.StrEnum):
    OUTGOING_CALL = "outgoing_call"
    INCOMING_CALL = "incoming_call"
    MEETING = "meeting"
    INCOMING_EMAIL = "incoming_email"
    OUTGOING_EMAIL = "outgoing_email"
    LETTER = "letter"
    OTHER = "other"


class EventState(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskState(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Direction(enum.StrEnum):
    """Which side of the deal an order or invoice is on."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"


InvoiceDirection = Direction


class OrderState(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CLOSED = "closed"  # closed without shipment


class PaymentDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"
