"""The CRM's typed SQLAlchemy models, one module per noun; importing this registers them all."""

from letterpress.crm.model.apppasswords import AppPassword
from letterpress.crm.model.calendar import DavCollection, DavItem
from letterpress.crm.model.analytics import (
    AbcResult,
    AnalyticsRun,
    CompletenessSnapshot,
    CustomerMonth,
    StageChange,
    XyzResult,
)
from letterpress.crm.model.campaigns import Campaign, CampaignParticipant
from letterpress.crm.model.contacts import ContactEmail, ContactPerson, ContactPhone, Anniversary
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
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    LetterOrder,
    LetterTopic,
    MailFolder,
    Mailbox,
    MailboxGrant,
    Blob,
)
from letterpress.crm.model.reminders import BirthdayCall, Reminder, ReminderSettings
from letterpress.crm.model.tasks import Task
from letterpress.crm.model.users import Team, User

__all__ = [
    "AbcResult", "AnalyticsRun", "CompletenessSnapshot", "CustomerMonth", "StageChange",
    "XyzResult",
    "AppPassword", "BirthdayCall", "DavCollection", "DavItem", "Reminder", "ReminderSettings",
    "AmbiguousMatch", "Attachment", "Letter", "LetterAddress", "LetterLink", "LetterLocation",
    "LetterOrder", "LetterTopic", "MailFolder", "Mailbox", "MailboxGrant", "Blob",
    "Anniversary", "Campaign", "CampaignParticipant", "ContactEmail", "ContactPerson",
    "ContactPhone", "Counterparty", "CounterpartyAddress", "CounterpartyAlias",
    "CounterpartyDomain", "CounterpartyEmail", "CounterpartyKind", "CounterpartyPhone",
    "Direction", "Event",
    "EventKind", "EventState", "Invoice", "InvoiceDirection", "LoginAttempt", "Order",
    "OrderState", "Payment", "PaymentDirection", "Role", "Shipment", "Task", "TaskState", "Team",
    "User",
]

# Keeps DAV calendars in step with events, tasks and contacts (session hooks); imported here so
# that whoever can write a model has them.
from letterpress.crm import calendar_feed as _calendar_feed  # noqa: E402,F401
