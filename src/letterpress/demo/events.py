"""Demo events: two years of calls, meetings and letters, and every manager's plans ahead.

History follows the ledger (a request before each order, feedback after shipment, the reason an
order was closed), the relationship (regular calls to big customers, the autumn calendar offer,
cold calls to potential customers, asking lost customers why they left) and the suppliers. How
much of it is registered depends on the manager's diligence. Planned events fill the coming six
weeks of every manager's calendar, densest in the current and the next week (two or three a
working day, today included; the two days before today keep a few that nobody closed: overdue);
the head has weekly sales meetings and joins the managers at big customers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from letterpress.crm.model import Event, EventKind, EventState, OrderState
from letterpress.demo.bulk import insert_all
from letterpress.demo.names import COMPANY_DOMAIN, rubles
from letterpress.demo.timeline import (
    HISTORY_MONTHS,
    Timeline,
    is_workday,
    next_workday,
    workday,
)
from letterpress.demo.world import Company, Contact, DemoWorld, PlannedOrder, Staff

# Planned events per manager: (how many, (first day, last day) from the anchor). Near-term plans
# are dense, as in a real calendar; two days before the anchor some were left unclosed (overdue).
PLANS = (((1, 2), (-2, -1)), ((14, 18), (0, 13)), ((8, 12), (14, 42)))
TODAY_PLANS = (2, 3)  # every manager has something on today
HEAD_PLANS = (6, 9)  # the head's own meetings and calls over the coming three weeks
HEAD_CALLS_DAYS = 30  # the head's calls to customers over the last days
HEAD_MEETING_WEEKS = (8, 7)  # the weekly sales meeting: weeks back, weeks ahead

FEEDBACK = (
    "Тираж получили, претензий нет.", "Довольны качеством, планируют повторный заказ.",
    "Попросили упаковать следующий тираж в короба поменьше.",
    "Всё хорошо, просят счёт на следующий заказ заранее.",
)
LATE_FEEDBACK = (
    "Недовольны сроком: отгрузили позже обещанного.",
    "Претензия по срокам, просили скидку на следующий заказ.",
)
CLOSE_REASONS = (
    "Клиент отказался: нашли дешевле.", "Проект перенесли на следующий год.",
    "Не согласовали макет в срок, заказ снят.",
)
LATE_CLOSE_REASONS = ("Сорваны сроки, клиент отказался от заказа.",)
LOST_REASONS = (
    "Сократили бюджет на полиграфию.", "Перешли в типографию своего холдинга.",
    "Компания переехала в другой город.",
)
LATE_LOST_REASONS = (
    "Ушли к конкуренту: у нас срывались сроки.", "Недовольны качеством последнего тиража.",
    "Ушли к конкуренту: предложили цену ниже и сроки короче.",
)


def _unreliable(manager: Staff) -> bool:
    """A manager whose shipments run late: customers say so when they close orders or leave."""
    return manager.profile is not None and manager.profile.delay_days > 3


class _Events:
    def __init__(self, world: DemoWorld, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.timeline: Timeline = world.timeline
        self.rows: list[dict[str, Any]] = []
        self.head = world.staff["head"]

    def add(self, kind: EventKind, start: dt.datetime, *, subject: str, content: str = "",
            author: Staff, responsible: Staff | None = None, company: Company | None = None,
            contact: Contact | None = None, state: EventState = EventState.DONE,
            minutes: int | None = None, created: dt.datetime | None = None) -> None:
        if minutes is None:
            minutes = 60 if kind == EventKind.MEETING else 10
        self.rows.append({
            "kind": kind.value, "state": state.value, "start_at": start,
            "end_at": start + dt.timedelta(minutes=minutes),
            "counterparty_id": company.id if company else None,
            "contact_person_id": contact.id if contact else None,
            "author_id": author.id, "responsible_id": (responsible or author).id,
            "subject": subject, "content": content, "letter_id": None,
            "created_at": created or start, "updated_at": created or start,
        })

    def when(self, day: dt.date) -> dt.datetime:
        return self.timeline.at(day, self.rng.randint(9, 17), self.rng.choice((0, 15, 30, 45)))

    def contact(self, company: Company) -> Contact | None:
        people = self.world.contacts_of(company)
        return self.rng.choice(people) if people and self.rng.random() < 0.9 else None

    def past(self, day: dt.date) -> dt.date:
        """``day`` as a weekday, no later than the last day before the anchor."""
        return workday(min(day, self.timeline.days(-1)))

    def done_state(self) -> EventState:
        return EventState.CANCELLED if self.rng.random() < 0.03 else EventState.DONE

    def diligent(self, company: Company, chance: float) -> bool:
        profile = self.world.staff[company.manager].profile
        return self.rng.random() < chance * (profile.events_rate if profile else 1.0)

    # -- history -------------------------------------------------------------------------

    def around_order(self, order: PlannedOrder) -> None:
        rng, company = self.rng, order.company
        manager = self.world.staff[order.manager]
        what = f"{order.product.lower()}, {order.quantity} экз."
        if self.diligent(company, 0.8):
            kind = rng.choices(
                (EventKind.INCOMING_CALL, EventKind.OUTGOING_CALL, EventKind.MEETING,
                 EventKind.LETTER),
                weights=(4, 4, 3 if company.tier == "big" else 1, 1))[0]
            subject = {
                EventKind.INCOMING_CALL: f"Входящий звонок: запрос на {what}",
                EventKind.OUTGOING_CALL: f"Звонок: расчёт стоимости — {what}",
                EventKind.MEETING: f"Встреча: согласование заказа {order.number}",
                EventKind.LETTER: f"Отправлено коммерческое предложение: {what}",
            }[kind]
            content = (f"{order.product}, тираж {order.quantity} экз. Сумма по расчёту "
                       f"{rubles(order.amount)}, срок готовности "
                       f"{order.planned_execution:%d.%m.%Y}.")
            day = self.past(order.date - dt.timedelta(days=rng.randint(0, 4)))
            self.add(kind, self.when(day), subject=subject, content=content, author=manager,
                     company=company, contact=self.contact(company), state=self.done_state())
        completed = order.state == OrderState.COMPLETED.value and order.shipments
        if completed and self.diligent(company, 0.35):
            shipped = order.shipments[-1][0]
            late = order.planned_shipment is not None and shipped > order.planned_shipment
            day = self.past(next_workday(shipped + dt.timedelta(days=rng.randint(1, 5))))
            self.add(EventKind.OUTGOING_CALL, self.when(day),
                     subject=f"Звонок: обратная связь по заказу {order.number}",
                     content=rng.choice(LATE_FEEDBACK if late else FEEDBACK), author=manager,
                     company=company, contact=self.contact(company))
        if order.state == OrderState.CLOSED.value and self.diligent(company, 0.9):
            assert order.planned_shipment is not None
            reasons: tuple[str, ...] = CLOSE_REASONS
            if _unreliable(manager):
                reasons = LATE_CLOSE_REASONS + CLOSE_REASONS[:1]
            self.add(EventKind.OUTGOING_CALL, self.when(self.past(order.planned_shipment)),
                     subject=f"Заказ {order.number} закрыт без отгрузки",
                     content=rng.choice(reasons), author=manager, company=company,
                     contact=self.contact(company))

    def relationship(self, company: Company) -> None:
        rng, timeline = self.rng, self.timeline
        manager = self.world.staff[company.manager]
        last = company.end or HISTORY_MONTHS
        for m in range(company.start, last):
            first = timeline.month(m)
            day = self.past(first + dt.timedelta(days=rng.randrange(timeline.days_in(m))))
            if company.tier in ("big", "medium") and self.diligent(company, 0.3):
                self.add(EventKind.OUTGOING_CALL, self.when(day), author=manager, company=company,
                         subject="Плановый звонок: планы по заказам", contact=self.contact(company),
                         content="Обсудили ближайшие заказы и сроки согласования макетов.")
            if company.tier == "big" and m % 3 == 0 and self.diligent(company, 0.8):
                self.add(EventKind.MEETING, self.when(day), author=manager, company=company,
                         subject="Встреча: планирование заказов на квартал",
                         contact=self.contact(company), minutes=90,
                         content="Согласовали план выпуска и график оплат на квартал.")
            named = timeline.named_month(m)
            if named.month == 8 and self.diligent(company, 0.5):
                self.add(EventKind.LETTER, self.when(day), author=manager, company=company,
                         subject=f"Предложение по календарям на {named.year + 1} год",
                         contact=self.contact(company),
                         content="Отправлены образцы и прайс на квартальные и настольные "
                                 "календари.")
        if company.end is not None:
            reasons = LATE_LOST_REASONS if _unreliable(manager) else LOST_REASONS
            for k in range(rng.randint(1, 2)):
                m = min(company.end + 1 + 2 * k, HISTORY_MONTHS - 1)
                day = self.past(timeline.month(m) + dt.timedelta(days=rng.randint(0, 20)))
                if self.diligent(company, 0.9):
                    self.add(EventKind.OUTGOING_CALL, self.when(day), author=manager,
                             company=company, contact=self.contact(company),
                             subject="Звонок: почему нет заказов?", content=rng.choice(reasons))

    def prospect(self, company: Company) -> None:
        rng = self.rng
        manager = self.world.staff[company.manager]
        assert company.created_at is not None
        day = company.created_at.date()
        steps = (
            (EventKind.OUTGOING_CALL, "Холодный звонок: знакомство с типографией",
             "Интересуются печатью каталогов, попросили прислать предложение."),
            (EventKind.LETTER, "Отправлено КП и прайс-лист", "Прайс-лист и образцы работ."),
            (EventKind.MEETING, "Встреча: презентация типографии",
             "Показали образцы, обсудили сроки."),
        )
        for kind, subject, content in steps[: rng.randint(1, 3)]:
            day = self.past(day + dt.timedelta(days=rng.randint(1, 20)))
            if self.diligent(company, 1.0):
                self.add(kind, self.when(day), subject=subject, content=content, author=manager,
                         company=company, contact=self.contact(company))

    def supplier(self, company: Company) -> None:
        rng = self.rng
        manager = self.world.staff[company.manager]
        for _ in range(rng.randint(4, 10)):
            m = rng.randrange(HISTORY_MONTHS)
            day = self.past(self.timeline.month(m) + dt.timedelta(days=rng.randint(0, 27)))
            kind = rng.choice((EventKind.INCOMING_CALL, EventKind.OUTGOING_CALL))
            self.add(kind, self.when(day), author=manager, company=company,
                     contact=self.contact(company),
                     subject=f"Звонок поставщику: {company.industry}, цены и сроки поставки",
                     content="Уточнили наличие на складе и сроки поставки.")

    # -- plans -----------------------------------------------------------------------------

    def plans(self, manager: Staff, orders: list[PlannedOrder]) -> None:
        rng, timeline = self.rng, self.timeline
        created = timeline.at(timeline.days(-5), 9)
        mine = [c for c in self.world.companies if c.manager == manager.login
                and c.kind != "supplier" and not c.lost]
        open_orders = [o for o in orders if o.manager == manager.login
                       and o.direction == "customer" and o.state == OrderState.OPEN.value]
        debts = [o for o in orders if o.manager == manager.login and o.invoice_date
                 and o.direction == "customer" and o.paid < o.amount
                 and o.state == OrderState.COMPLETED.value]
        days = [next_workday(timeline.days(rng.randint(*span)))
                for count, span in PLANS for _ in range(rng.randint(*count))]
        if is_workday(timeline.anchor):
            days += [timeline.anchor] * rng.randint(*TODAY_PLANS)
        for day in days:
            start = timeline.at(day, rng.randint(9, 17), rng.choice((0, 30)))
            author = self.head if rng.random() < 0.2 else manager
            pick = rng.random()
            if pick < 0.25 and open_orders:
                order = rng.choice(open_orders)
                self.add(EventKind.OUTGOING_CALL, start, author=author, responsible=manager,
                         company=order.company, contact=self.contact(order.company),
                         subject=f"Звонок: согласовать отгрузку заказа {order.number}",
                         state=EventState.PLANNED, created=created)
            elif pick < 0.4 and debts:
                order = rng.choice(debts)
                self.add(EventKind.OUTGOING_CALL, start, author=author, responsible=manager,
                         company=order.company, contact=self.contact(order.company),
                         subject=f"Звонок: напомнить об оплате счёта {order.invoice_number}",
                         state=EventState.PLANNED, created=created)
            elif mine:
                company = rng.choice(mine)
                meeting = rng.random() < 0.4
                subject = ("Встреча: презентация новых видов продукции" if meeting
                           else "Звонок: предложение по календарям и сувенирной продукции")
                if company.tier == "potential":
                    subject = "Встреча: знакомство" if meeting else "Звонок: повторное предложение"
                self.add(EventKind.MEETING if meeting else EventKind.OUTGOING_CALL, start,
                         author=author, responsible=manager, company=company,
                         contact=self.contact(company), subject=subject,
                         state=EventState.PLANNED, created=created)

    def head_plans(self) -> None:
        """The head joins meetings at big customers and calls the ones that matter most."""
        rng, timeline = self.rng, self.timeline
        created = timeline.at(timeline.days(-10), 9)
        big = [c for c in self.world.companies if c.tier in ("big", "medium") and not c.lost
               and c.kind != "supplier"]
        for n in range(rng.randint(*HEAD_PLANS)):
            day = next_workday(timeline.days(rng.randint(0, 20) if n else 0))
            company = rng.choice(big)
            manager = self.world.staff[company.manager]
            meeting = rng.random() < 0.6
            subject = ("Встреча с руководством клиента: условия на следующий год" if meeting
                       else "Звонок руководителю клиента: условия на следующий год")
            self.add(EventKind.MEETING if meeting else EventKind.OUTGOING_CALL,
                     timeline.at(day, rng.choice((11, 14, 16))), author=self.head,
                     company=company, contact=self.contact(company), subject=subject,
                     content=f"Вместе с менеджером клиента: {manager.name}." if meeting else "",
                     state=EventState.PLANNED, created=created, minutes=90 if meeting else 20)
        for offset in range(-HEAD_CALLS_DAYS, 0):
            day = timeline.days(offset)
            if not is_workday(day) or rng.random() < 0.4:
                continue
            company = rng.choice(big)
            self.add(EventKind.OUTGOING_CALL, self.when(day), author=self.head, company=company,
                     contact=self.contact(company), subject="Звонок: оценка качества работы",
                     content=rng.choice(FEEDBACK[:2] + LATE_FEEDBACK[:1]))

    def head_meetings(self) -> None:
        timeline = self.timeline
        monday = timeline.anchor - dt.timedelta(days=timeline.anchor.weekday())
        for week in range(-HEAD_MEETING_WEEKS[0], HEAD_MEETING_WEEKS[1]):
            day = monday + dt.timedelta(weeks=week)
            if not is_workday(day):  # no meeting in a holiday week's Monday
                continue
            self.add(EventKind.MEETING, timeline.at(day, 10), author=self.head,
                     subject="Планёрка отдела продаж", content="Итоги недели, план продаж, заказы.",
                     state=EventState.PLANNED if day >= timeline.anchor else EventState.DONE,
                     created=timeline.at(min(day, timeline.anchor) - dt.timedelta(days=30), 9))


def build_events(world: DemoWorld, rng: random.Random) -> None:
    events = _Events(world, rng)
    for order in world.orders:
        if order.direction == "customer":
            events.around_order(order)
    for company in world.companies:
        if company.tier == "potential":
            events.prospect(company)
        elif company.kind == "supplier":
            events.supplier(company)
        else:
            events.relationship(company)
    for manager in world.managers:
        events.plans(manager, world.orders)
    events.head_plans()
    events.head_meetings()
    rows = sorted(events.rows, key=lambda r: (r["start_at"], r["responsible_id"], r["subject"]))
    for n, row in enumerate(rows, 1):
        row["uid"] = f"demo-event-{n:06d}@{COMPANY_DOMAIN}"
    insert_all(world.session, Event, rows)
