"""The CRM's typed SQLAlchemy models, one module per noun; importing this registers them all."""

from letterpress.crm.model.analytics import (
    AbcResult,
    AnalyticsRun,
    CompletenessSnapshot,
    CustomerMonth,
    StageChange,
    XyzResult,
)
from letterpress.crm.model.apppasswords import AppPassword
from letterpress.crm.model.calendar import DavCollection, DavItem
from letterpress.crm.model.campaigns import Campaign, CampaignParticipant
from letterpress.crm.model.contacts import Anniversary, ContactEmail, ContactPerson, ContactPhone
from letterpress.crm.model.counterparties import (
    Counterparty,
    CounterpartyAddress,
    CounterpartyAlias,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyPhone,
)
from letterpress.crm.model.enums import (
    CounterpartyKind,
    Direction,
    EventKind,
    EventState,
    InvoiceDirection,
    OrderState,
    PaymentDirection,
    Role,
    TaskState,
)
from letterpress.crm.model.events import Event
from letterpress.crm.model.ledger import Invoice, Order, Payment, Shipment
from letterpress.crm.model.logins import LoginAttempt
from letterpress.crm.model.mail import (
    AmbiguousMatch,
    Attachment,
    Blob,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    LetterOrder,
    LetterTopic,
    Mailbox,
    MailboxGrant,
    MailFolder,
)
from letterpress.crm.model.reminders import BirthdayCall, Reminder, ReminderSettings
from letterpress.crm.model.tasks import Task
from letterpress.crm.model.users import Team, User

__all__ = [
    "AbcResult",
    "AmbiguousMatch",
    "AnalyticsRun",
    "Anniversary",
    "AppPassword",
    "Attachment",
    "BirthdayCall",
    "Blob",
    "Campaign",
    "CampaignParticipant",
    "CompletenessSnapshot",
    "ContactEmail",
    "ContactPerson",
    "ContactPhone",
    "Counterparty",
    "CounterpartyAddress",
    "CounterpartyAlias",
    "CounterpartyDomain",
    "CounterpartyEmail",
    "CounterpartyKind",
    "CounterpartyPhone",
    "CustomerMonth",
    "DavCollection",
    "DavItem",
    "Direction",
    "Event",
    "EventKind",
    "EventState",
    "Invoice",
    "InvoiceDirection",
    "Letter",
    "LetterAddress",
    "LetterLink",
    "LetterLocation",
    "LetterOrder",
    "LetterTopic",
    "LoginAttempt",
    "MailFolder",
    "Mailbox",
    "MailboxGrant",
    "Order",
    "OrderState",
    "Payment",
    "PaymentDirection",
    "Reminder",
    "ReminderSettings",
    "Role",
    "Shipment",
    "StageChange",
    "Task",
    "TaskState",
    "Team",
    "User",
    "XyzResult",
]

# Keeps DAV calendars in step with events, tasks and contacts (session hooks); imported here so
# that whoever can write a model has them.
from letterpress.crm import calendar_feed as _calendar_feed  # noqa: F401
