"""Demo tasks: what the head of sales asked of each manager, done and still open.

Around the anchor (today) every manager has tasks done lately with their results, tasks due this
week and later, and most have one that is overdue. Besides routine tasks about customers and
orders, each manager's weak spot shows up here: the head asks manager3 to fill in the customer
database, manager5 to win lost customers back, and manager6 to work through the potential
customers. The head keeps a few tasks of their own.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from letterpress.crm.model import OrderState, Task, TaskState
from letterpress.demo.bulk import insert_all
from letterpress.demo.names import COMPANY_DOMAIN, rubles
from letterpress.demo.timeline import next_workday
from letterpress.demo.world import Company, DemoWorld, PlannedOrder, Staff

# "{name}: ..." keeps Russian grammar right whatever the counterparty's name is.
ROUTINE = (
    "{name}: подготовить коммерческое предложение на календари",
    "{name}: согласовать макет и цветопробу",
    "{name}: провести встречу о планах на следующий квартал",
    "{name}: отправить каталог новых видов продукции",
    "{name}: уточнить реквизиты и контактных лиц",
)
RESULTS = ("Сделано.", "КП отправлено, клиент рассматривает.", "Встреча проведена, ждём заказ.",
           "Макет согласован.")
HEAD_OWN = (
    ("Подготовить план продаж на следующий квартал", -12, -3, "План согласован с директором."),
    ("Согласовать с директором бюджет на выставку", -8, -1, ""),
    ("Провести разбор просроченной дебиторки с бухгалтерией", -6, 0, ""),
    ("Утвердить скидки для крупных клиентов на следующий год", -3, 9, ""),
)


class _Tasks:
    def __init__(self, world: DemoWorld, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.rows: list[dict[str, Any]] = []
        self.head = world.staff["head"]

    def add(self, assignee: Staff, subject: str, *, created: dt.date, due: dt.date,
            state: TaskState, description: str = "", company: Company | None = None,
            order: PlannedOrder | None = None, result: str = "",
            curator: Staff | None = None) -> None:
        at = self.world.timeline.at
        created_at = at(created, 9, self.rng.randint(0, 59))
        completed = None
        if state == TaskState.DONE:
            completed = at(max(created, min(due, self.world.timeline.days(-1))), 16)
        self.rows.append({
            "subject": subject, "description": description,
            "curator_id": (curator or self.head).id,
            "assignee_id": assignee.id, "due_at": at(due, 18), "state": state.value,
            "counterparty_id": company.id if company else None,
            "order_id": order.id if order else None, "result": result,
            "created_at": created_at, "updated_at": completed or created_at,
            "completed_at": completed,
        })

    def routine(self, manager: Staff, customers: list[Company]) -> None:
        rng, timeline = self.rng, self.world.timeline
        if not customers:
            return
        for k in range(rng.randint(3, 5) + 3):
            company = rng.choice(customers)
            subject = rng.choice(ROUTINE).format(name=company.name)
            if k < 3:
                created = next_workday(timeline.days(-rng.randint(20, 180)))
                due = next_workday(created + dt.timedelta(days=rng.randint(3, 10)))
                state = TaskState.CANCELLED if rng.random() < 0.1 else TaskState.DONE
                result = rng.choice(RESULTS) if state == TaskState.DONE else ""
                self.add(manager, subject, created=created, due=due, state=state,
                         company=company, result=result)
            else:
                created = next_workday(timeline.days(-rng.randint(1, 10)))
                due = next_workday(timeline.days(rng.randint(1, 30) if k > 3 else 0))
                state = TaskState.IN_PROGRESS if rng.random() < 0.3 else TaskState.OPEN
                self.add(manager, subject, created=created, due=due, state=state, company=company)
        # Lately: one or two done this week with their results, and most managers let one slip.
        for _ in range(rng.randint(1, 2)):
            company = rng.choice(customers)
            due = timeline.days(-rng.randint(1, 4))
            self.add(manager, rng.choice(ROUTINE).format(name=company.name),
                     created=due - dt.timedelta(days=rng.randint(3, 8)), due=due,
                     state=TaskState.DONE, company=company, result=rng.choice(RESULTS))
        if rng.random() < 0.7:
            company = rng.choice(customers)
            due = timeline.days(-rng.randint(1, 5))
            self.add(manager, rng.choice(ROUTINE).format(name=company.name),
                     created=due - dt.timedelta(days=rng.randint(5, 10)), due=due,
                     state=TaskState.OPEN, company=company)

    def about_orders(self, manager: Staff) -> None:
        rng, timeline = self.rng, self.world.timeline
        mine = [o for o in self.world.orders
                if o.manager == manager.login and o.direction == "customer"]
        debts = [o for o in mine if o.invoice_date and o.paid < o.amount
                 and o.state == OrderState.COMPLETED.value and o.planned_payment < timeline.anchor]
        open_orders = [o for o in mine if o.state == OrderState.OPEN.value]
        for order in rng.sample(debts, min(2, len(debts))):
            self.add(manager, f"Взыскать задолженность по счёту {order.invoice_number} "
                     f"({order.company.name})", created=timeline.days(-3),
                     due=next_workday(timeline.days(rng.randint(5, 14))), state=TaskState.OPEN,
                     company=order.company, order=order,
                     description=f"Счёт на {rubles(order.amount)}, оплачено {rubles(order.paid)}.")
        for order in rng.sample(open_orders, min(2, len(open_orders))):
            assert order.planned_shipment is not None
            self.add(manager, f"Проконтролировать отгрузку заказа {order.number}",
                     created=order.date, due=order.planned_shipment, state=TaskState.IN_PROGRESS,
                     company=order.company, order=order)

    def weak_spot(self, manager: Staff, customers: list[Company]) -> None:
        timeline = self.world.timeline
        if manager.login == "manager3":
            self.add(manager, "Заполнить ИНН, телефоны и e-mail у своих клиентов",
                     created=timeline.days(-40), due=next_workday(timeline.days(-10)),
                     state=TaskState.IN_PROGRESS,
                     description="По отчёту о полноте базы у ваших контрагентов заполнено меньше "
                                 "всех в отделе. Срок прошёл — прошу закончить.")
        lost = [c for c in customers if c.lost]
        if manager.login == "manager5" and lost:
            names = ", ".join(c.name for c in lost[:5])
            self.add(manager, "Вернуть потерянных клиентов", created=timeline.days(-20),
                     due=next_workday(timeline.days(20)), state=TaskState.IN_PROGRESS,
                     description=f"Позвонить, выяснить причины, предложить условия: {names}.")
        potentials = [c for c in customers if c.tier == "potential"]
        if manager.login == "manager6" and potentials:
            self.add(manager, f"Обзвонить потенциальных клиентов ({len(potentials)})",
                     created=timeline.days(-7), due=next_workday(timeline.days(14)),
                     state=TaskState.OPEN, description="Договориться о встречах, отправить КП.")


    def head_own(self) -> None:
        """What the head set themselves: their own list, beside what they set the team."""
        timeline = self.world.timeline
        for subject, created, due, result in HEAD_OWN:
            state = TaskState.DONE if result else TaskState.OPEN
            self.add(self.head, subject, created=timeline.days(created),
                     due=next_workday(timeline.days(due)), state=state, result=result)


def build_tasks(world: DemoWorld, rng: random.Random) -> None:
    tasks = _Tasks(world, rng)
    tasks.head_own()
    for manager in world.managers:
        customers = [c for c in world.companies
                     if c.manager == manager.login and c.kind != "supplier"]
        tasks.routine(manager, [c for c in customers if not c.lost])
        tasks.about_orders(manager)
        tasks.weak_spot(manager, customers)
    for n, row in enumerate(tasks.rows, 1):
        row["uid"] = f"demo-task-{n:04d}@{COMPANY_DOMAIN}"
    insert_all(world.session, Task, tasks.rows)
