"""The seven kinds of ERP file and their columns, exactly as DESIGN.md lists them.

Each field names its conversion (:mod:`.conversions`) and the headers a 1C export uses for it;
each kind lists the rules that span its columns (:mod:`.rules`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from letterpress.crm.erp_import import rules
from letterpress.crm.erp_import.conversions import (
    AmountOrYesNo,
    Choice,
    CounterpartyExternalId,
    Currency,
    Date,
    DomainList,
    EmailList,
    LabelledList,
    LabelledSingle,
    Money,
    Reference,
    ReferenceList,
    Taxpayer,
    Text,
)
from letterpress.crm.erp_import.schema import ChildTable, Field, Kind
from letterpress.crm.model import (
    Campaign,
    CampaignParticipant,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Counterparty,
    CounterpartyAddress,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyKind,
    CounterpartyPhone,
    Direction,
    Invoice,
    Order,
    OrderState,
    Payment,
    PaymentDirection,
    Shipment,
)
from letterpress.db.base import Base
from letterpress.db.types import utcnow

# --- accepted spellings of the closed vocabularies (besides the values themselves) ----------

COUNTERPARTY_KINDS = {
    "покупатель": CounterpartyKind.CUSTOMER, "клиент": CounterpartyKind.CUSTOMER,
    "заказчик": CounterpartyKind.CUSTOMER, "client": CounterpartyKind.CUSTOMER,
    "buyer": CounterpartyKind.CUSTOMER,
    "поставщик": CounterpartyKind.SUPPLIER, "подрядчик": CounterpartyKind.SUPPLIER,
    "vendor": CounterpartyKind.SUPPLIER,
    "покупатель и поставщик": CounterpartyKind.BOTH, "поставщик и покупатель": CounterpartyKind.BOTH,
    "покупатель/поставщик": CounterpartyKind.BOTH, "оба": CounterpartyKind.BOTH,
    "customer and supplier": CounterpartyKind.BOTH, "customer/supplier": CounterpartyKind.BOTH,
    "физическое лицо": CounterpartyKind.PERSON, "физлицо": CounterpartyKind.PERSON,
    "физ. лицо": CounterpartyKind.PERSON, "физ.лицо": CounterpartyKind.PERSON,
    "частное лицо": CounterpartyKind.PERSON, "individual": CounterpartyKind.PERSON,
    "private person": CounterpartyKind.PERSON,
}
DIRECTIONS = {
    "покупатель": Direction.CUSTOMER, "клиент": Direction.CUSTOMER,
    "заказчик": Direction.CUSTOMER, "заказ покупателя": Direction.CUSTOMER,
    "продажа": Direction.CUSTOMER, "sale": Direction.CUSTOMER, "sales": Direction.CUSTOMER,
    "поставщик": Direction.SUPPLIER, "заказ поставщику": Direction.SUPPLIER,
    "закупка": Direction.SUPPLIER, "purchase": Direction.SUPPLIER,
}
INVOICE_DIRECTIONS = {
    **DIRECTIONS,
    "issued": Direction.CUSTOMER, "выставленный": Direction.CUSTOMER,
    "выставлен": Direction.CUSTOMER, "исходящий": Direction.CUSTOMER,
    "счет покупателю": Direction.CUSTOMER,
    "received": Direction.SUPPLIER, "полученный": Direction.SUPPLIER,
    "получен": Direction.SUPPLIER, "входящий": Direction.SUPPLIER,
    "счет от поставщика": Direction.SUPPLIER, "счет поставщика": Direction.SUPPLIER,
}
ORDER_STATES = {
    "открыт": OrderState.OPEN, "открытый": OrderState.OPEN, "в работе": OrderState.OPEN,
    "новый": OrderState.OPEN, "new": OrderState.OPEN, "in progress": OrderState.OPEN,
    "выполнен": OrderState.COMPLETED, "выполненный": OrderState.COMPLETED,
    "исполнен": OrderState.COMPLETED, "завершен": OrderState.COMPLETED,
    "done": OrderState.COMPLETED, "complete": OrderState.COMPLETED,
    "закрыт": OrderState.CLOSED, "закрытый": OrderState.CLOSED, "отменен": OrderState.CLOSED,
    "cancelled": OrderState.CLOSED, "canceled": OrderState.CLOSED,
}
PAYMENT_DIRECTIONS = {
    "поступление": PaymentDirection.IN, "приход": PaymentDirection.IN,
    "входящий": PaymentDirection.IN, "incoming": PaymentDirection.IN,
    "receipt": PaymentDirection.IN, "поступление денежных средств": PaymentDirection.IN,
    "списание": PaymentDirection.OUT, "расход": PaymentDirection.OUT,
    "исходящий": PaymentDirection.OUT, "outgoing": PaymentDirection.OUT,
    "выплата": PaymentDirection.OUT, "списание денежных средств": PaymentDirection.OUT,
}


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _length(table: Table, column: str) -> int:
    length = getattr(table.c[column].type, "length", None)
    assert isinstance(length, int)
    return length


def _enum(aliases: dict[str, Any], members: Any) -> dict[str, str]:
    table = {str(m.value): str(m.value) for m in members}
    table.update({k: str(m.value) for k, m in aliases.items()})
    return table


# --- header aliases shared by several kinds --------------------------------------------------

EXTERNAL_ID = ("id", "external id", "код", "внешний код", "идентификатор",
               "внешний идентификатор", "guid", "уникальный идентификатор")
COUNTERPARTY = ("контрагент", "код контрагента", "counterparty id")
ORDER = ("заказ", "код заказа", "заказ покупателя", "сделка", "order id")
MANAGER = ("менеджер", "ответственный", "основной менеджер", "manager login")
CURRENCY = ("валюта", "валюта документа")
DATE = ("дата", "дата документа")
NUMBER = ("номер", "номер документа")
AMOUNT = ("сумма", "сумма документа")
COST = ("себестоимость", "затраты")
PHONES = ("phone", "телефон", "телефоны")
LABEL_LENGTH = _length(_table(CounterpartyPhone), "label")
"""Labels of phones and addresses (all String(32)), checked by test_import.py."""
EMAILS = ("email", "e-mails", "электронная почта", "адрес электронной почты",
          "адреса электронной почты", "почта")


# --- the kinds -------------------------------------------------------------------------------

EXTERNAL = Field("external_id", Text(64, required=True), EXTERNAL_ID)
COUNTERPARTY_REF = Reference("counterparties")
ORDER_REF = Reference("orders")
MANAGER_REF = Reference("users")

ADDRESSES = ChildTable(_table(CounterpartyAddress), "counterparty_id", "value", label="label")

COUNTERPARTIES = Kind(
    name="counterparties",
    table=_table(Counterparty),
    fields=(
        Field("external_id", CounterpartyExternalId(64, required=True), EXTERNAL_ID),
        Field("kind", Choice(_enum(COUNTERPARTY_KINDS, CounterpartyKind),
                             default=CounterpartyKind.CUSTOMER.value),
              ("вид", "вид контрагента", "тип", "тип контрагента")),
        Field("name", Text(300, required=True), ("наименование", "название", "контрагент")),
        Field("legal_name", Text(500), ("полное наименование", "наименование полное",
                                        "юридическое наименование", "официальное наименование")),
        Field("inn", Taxpayer("inn"), ("инн",)),
        Field("kpp", Taxpayer("kpp"), ("кпп",)),
        Field("phones", LabelledList(64, LABEL_LENGTH), PHONES,
              child=ChildTable(_table(CounterpartyPhone), "counterparty_id", "value",
                               label="label")),
        Field("emails", EmailList(), EMAILS,
              child=ChildTable(_table(CounterpartyEmail), "counterparty_id", "email")),
        Field("domains", DomainList(), ("domain", "домены", "домен", "почтовые домены"),
              child=ChildTable(_table(CounterpartyDomain), "counterparty_id", "domain", None)),
        # One list of addresses from up to four columns: 1C exports each kind of address as a
        # column of its own, and its label is the column's.
        Field("address", LabelledSingle(500, LABEL_LENGTH), ("адрес",), child=ADDRESSES),
        Field("legal_address", LabelledSingle(500, LABEL_LENGTH, "юридический"),
              ("юридический адрес", "юр. адрес", "адрес юридический"), child=ADDRESSES),
        Field("actual_address", LabelledSingle(500, LABEL_LENGTH, "фактический"),
              ("фактический адрес", "факт. адрес", "адрес фактический"), child=ADDRESSES),
        Field("postal_address", LabelledSingle(500, LABEL_LENGTH, "почтовый"),
              ("почтовый адрес", "адрес почтовый", "адрес для писем"), child=ADDRESSES),
        Field("city", Text(100), ("город",)),
        Field("source", Text(100), ("источник", "источник информации",
                                    "источник информации при обращении")),
        Field("manager", MANAGER_REF, MANAGER, column="manager_id"),
    ),
    insert_values={"created_at": utcnow},
    report_changes=True,
)

CONTACTS = Kind(
    name="contacts",
    table=_table(ContactPerson),
    fields=(
        EXTERNAL,
        Field("counterparty", COUNTERPARTY_REF, COUNTERPARTY + ("владелец",),
              column="counterparty_id"),
        Field("name", Text(300, required=True), ("фио", "наименование", "имя", "контактное лицо")),
        Field("position", Text(200), ("должность",)),
        Field("phones", LabelledList(64, LABEL_LENGTH), PHONES,
              child=ChildTable(_table(ContactPhone), "contact_id", "value", label="label")),
        Field("emails", EmailList(), EMAILS,
              child=ChildTable(_table(ContactEmail), "contact_id", "email")),
        Field("birthday", Date(), ("день рождения", "дата рождения")),
    ),
    insert_values={"created_at": utcnow, "created_from_mail": False},
    report_changes=True,
)

ORDERS = Kind(
    name="orders",
    table=_table(Order),
    fields=(
        EXTERNAL,
        Field("direction", Choice(_enum(DIRECTIONS, Direction), required=True),
              ("направление", "вид заказа", "тип заказа", "вид")),
        Field("number", Text(64, required=True), NUMBER + ("номер заказа",)),
        Field("date", Date(required=True), DATE + ("дата заказа",)),
        Field("counterparty", Reference("counterparties", required=True),
              COUNTERPARTY + ("покупатель",), column="counterparty_id"),
        Field("manager", MANAGER_REF, MANAGER, column="manager_id"),
        Field("amount", Money(required=True), AMOUNT + ("сумма заказа",)),
        Field("cost", Money(), COST),
        Field("currency", Currency(), CURRENCY),
        Field("planned_execution", Date(), ("дата исполнения", "плановая дата исполнения",
                                            "срок исполнения")),
        Field("planned_shipment", Date(), ("дата отгрузки", "плановая дата отгрузки")),
        Field("planned_payment", Date(), ("дата оплаты", "плановая дата оплаты")),
        Field("state", Choice(_enum(ORDER_STATES, OrderState), default=OrderState.OPEN.value),
              ("состояние", "статус", "состояние заказа")),
    ),
)

SHIPMENTS = Kind(
    name="shipments",
    table=_table(Shipment),
    fields=(
        EXTERNAL,
        Field("order", ORDER_REF, ORDER, column="order_id"),
        Field("counterparty", COUNTERPARTY_REF, COUNTERPARTY + ("покупатель",),
              column="counterparty_id", filled_by=("order",)),
        Field("date", Date(required=True), DATE + ("дата отгрузки",)),
        Field("revenue", Money(required=True), ("выручка", "сумма", "сумма выручки")),
        Field("cost", Money(), COST),
        Field("currency", Currency(), CURRENCY),
    ),
    rules=(rules.OrderLink(),),
    header_needs=(("counterparty", "order"),),
)

PAYMENTS = Kind(
    name="payments",
    table=_table(Payment),
    fields=(
        EXTERNAL,
        Field("order", ORDER_REF, ORDER, column="order_id"),
        Field("counterparty", COUNTERPARTY_REF, COUNTERPARTY + ("плательщик", "получатель"),
              column="counterparty_id", filled_by=("order",)),
        Field("date", Date(required=True), DATE + ("дата платежа",)),
        Field("amount", Money(required=True), AMOUNT + ("сумма платежа",)),
        Field("currency", Currency(), CURRENCY),
        Field("direction", Choice(_enum(PAYMENT_DIRECTIONS, PaymentDirection)),
              ("направление", "вид операции", "движение", "вид"), filled_by=("order",)),
    ),
    rules=(rules.DirectionFromOrder(), rules.OrderLink()),
    header_needs=(("counterparty", "order"), ("direction", "order")),
)

INVOICES = Kind(
    name="invoices",
    table=_table(Invoice),
    fields=(
        EXTERNAL,
        Field("direction", Choice(_enum(INVOICE_DIRECTIONS, Direction), required=True),
              ("направление", "вид счета", "вид")),
        Field("number", Text(64, required=True), NUMBER + ("номер счета",)),
        Field("date", Date(required=True), DATE + ("дата счета",)),
        Field("counterparty", COUNTERPARTY_REF, COUNTERPARTY, column="counterparty_id",
              filled_by=("order",)),
        Field("order", ORDER_REF, ORDER, column="order_id"),
        Field("amount", Money(required=True), AMOUNT + ("сумма счета",)),
        Field("currency", Currency(), CURRENCY),
        Field("due", Date(), ("срок оплаты", "оплатить до", "due date")),
        Field("paid", AmountOrYesNo(), ("оплачено", "оплата", "сумма оплаты", "оплачен")),
    ),
    rules=(rules.OrderLink(), rules.PaidWithinAmount()),
    header_needs=(("counterparty", "order"),),
)

CAMPAIGNS = Kind(
    name="campaigns",
    table=_table(Campaign),
    fields=(
        EXTERNAL,
        Field("name", Text(300, required=True), ("наименование", "название", "мероприятие")),
        Field("kind", Text(64, not_null=True), ("вид", "вид мероприятия", "тип")),
        Field("start", Date(required=True), ("начало", "дата начала", "start date")),
        Field("end", Date(), ("окончание", "дата окончания", "end date")),
        Field("cost", Money(), ("стоимость", "затраты", "бюджет")),
        Field("currency", Currency(), CURRENCY),
        Field("participants", ReferenceList("counterparties"), ("участники",),
              child=ChildTable(_table(CampaignParticipant), "campaign_id", "counterparty_id",
                               None)),
    ),
    rules=(rules.EndsAfterStart(),),
)

KINDS: dict[str, Kind] = {
    k.name: k for k in (COUNTERPARTIES, CONTACTS, ORDERS, SHIPMENTS, PAYMENTS, INVOICES, CAMPAIGNS)
}
