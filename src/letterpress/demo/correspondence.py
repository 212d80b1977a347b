"""Who writes to whom, about what, and when: the plan of the demo's correspondence.

The letters follow the ledger of the last :data:`MAIL_MONTHS` months: every customer order of a
counterparty with a known e-mail gets a thread (the request or our offer, the quote, the layout,
the invoice naming the order number, proofs, payment, "ready to ship", a complaint when a
shipment is late, a refusal when the order is closed without shipment), supplier orders get
their requests and invoices, and around them run the rest of a sales department's mail:
suppliers' price lists and newsletters, industry digests, the August calendar offer, meeting
invitations (some cancelled), new people at known companies introducing themselves, private
persons writing from public mail services, foreign partners writing in English, the head's
letters to the team, and a few damaged archive entries.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from letterpress.crm.model import OrderState
from letterpress.demo import mailtexts as t
from letterpress.demo.documents import PDF_TYPE, XLSX_TYPE, pdf, xlsx
from letterpress.demo.names import (
    COMPANY_DOMAIN,
    PUBLIC_MAIL_DOMAINS,
    SUPPLIER_CATEGORIES,
    rubles,
    translit,
)
from letterpress.demo.people import random_person
from letterpress.demo.post import Invite, Person, Post, Thread, ThreadClosed, later, office_time
from letterpress.demo.timeline import HISTORY_MONTHS, TZ
from letterpress.demo.world import Company, DemoWorld, PlannedOrder
from letterpress.testing.letters import Attachment

MAIL_MONTHS = 6  # how far back the mail archives reach


def _short(name: str) -> str:
    """'ООО «Бумторг»' -> 'Бумторг'."""
    return name.split("«", 1)[1].rsplit("»", 1)[0] if "«" in name else name


class Correspondence:
    """Plans and writes every letter into a :class:`Post`."""

    def __init__(self, world: DemoWorld, rng: random.Random, *, staff: dict[str, Person],
                 people: dict[int, list[Person]], known_emails: set[str],
                 foreign: list[tuple[Company, list[Person]]],
                 shared: tuple[Company, Company, list[Person]] | None) -> None:
        self.world, self.rng = world, rng
        self.timeline = world.timeline
        self.start = self.timeline.month(HISTORY_MONTHS - MAIL_MONTHS)
        self.end = self.timeline.at(self.timeline.anchor, 0)
        self.post = Post(rng, end=self.end)
        self.staff = staff
        self.people = people  # counterparty id -> its contact persons with an e-mail
        self.known = known_emails  # every e-mail the database holds (new people avoid them)
        self.foreign = foreign
        self.shared = shared
        self.price_lists: dict[str, bytes] = {}

    # -- helpers --------------------------------------------------------------------------

    def run(self, step: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Run one thread's plan; it ends quietly where the history ends."""
        try:
            step(*args, **kwargs)
        except ThreadClosed:
            pass

    def manager(self, company: Company) -> Person:
        return self.staff[company.manager]

    def day_in_window(self) -> dt.date:
        span = (self.timeline.anchor - self.start).days
        return self.start + dt.timedelta(days=self.rng.randrange(span))

    def price_list(self, day: dt.date) -> Attachment:
        """The printing house's price list, revised every quarter (one blob per quarter)."""
        quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        if quarter not in self.price_lists:
            factor = 1 + 0.02 * ((day.year - 2020) * 4 + (day.month - 1) // 3)
            rows: list[Sequence[str | int | float]] = [("Продукция", "Тираж, экз.", "Цена, руб.")]
            rows += t.price_rows(factor)
            self.price_lists[quarter] = xlsx(rows, "Прайс-лист")
        name = f"Прайс-лист Демо-Принт {quarter.replace('-', ' ')}.xlsx"
        return Attachment(name, XLSX_TYPE, self.price_lists[quarter])

    def layout(self, name: str, title: Sequence[str], low: int = 3, high: int = 12) -> Attachment:
        size = self.rng.randint(low, high) * 1024
        return Attachment(name, PDF_TYPE, pdf(title, picture=size, seed=self.rng.getrandbits(32)))

    def document(self, name: str, lines: Sequence[str]) -> Attachment:
        return Attachment(name, PDF_TYPE, pdf(lines))

    def new_person(self, company: Company, *, position: str | None = None) -> Person:
        """Somebody at ``company`` the database does not know yet (a new e-mail address)."""
        assert company.domain
        while True:
            person = random_person(self.rng)
            first, surname = translit(person.first), translit(person.surname)
            local = self.rng.choice((f"{first}.{surname}", f"{first[0]}.{surname}",
                                     f"{surname}.{first[0]}", f"{surname}"))
            email = f"{local}@{company.domain}"
            if email not in self.known:
                self.known.add(email)
                break
        name = f"{person.first} {person.surname}"
        return Person(name=name, email=email, address_as=f"{person.first} {person.patronymic}",
                      signature=t.client_signature(name, position, company.name), company=company,
                      position=position, mailer=self.rng.choice(("Microsoft Outlook 16.0",
                                                                 "Mozilla Thunderbird")))

    def private_address(self, person: Person) -> Person:
        """``person`` writing from a private mailbox at a public mail service."""
        first, _, surname = person.name.partition(" ")
        while True:
            email = (f"{translit(first)}.{translit(surname)}{self.rng.randint(1, 99)}@"
                     f"{self.rng.choice(PUBLIC_MAIL_DOMAINS)}")
            if email not in self.known:
                self.known.add(email)
                break
        return replace(person, email=email, mailer="Mail.Ru", raw_headers=False,
                       signature=f"{person.name}\nОтправлено с мобильного телефона")

    # -- the plan -------------------------------------------------------------------------

    def write(self) -> Post:
        orders = [o for o in self.world.orders if self.start + dt.timedelta(days=7) <= o.date
                  < self.timeline.anchor]
        for order in orders:
            if order.direction == "customer":
                self.run(self.customer_order, order)
            else:
                self.run(self.supplier_order, order)
        self.debts()
        self.calendar_offer()
        self.suppliers()
        self.digests()
        self.invitations()
        self.new_people()
        self.public_senders()
        self.foreign_partners()
        self.ambiguous()
        self.internal()
        self.damaged()
        return self.post

    # -- customer orders ------------------------------------------------------------------

    def customer_order(self, order: PlannedOrder) -> None:
        rng, post, company = self.rng, self.post, order.company
        people = self.people.get(company.id)
        if not people:
            return
        manager = self.manager(company)
        client = rng.choice(people)
        spec = rng.choice(t.SPECS.get(order.product, ("по образцу",)))
        what = f"{order.product.lower()}, {order.quantity} экз."
        ready = t.ru_date(order.planned_execution)
        days = max(3, (order.planned_execution - order.date).days * 5 // 7)
        fill = {"what": what, "spec": spec, "qty": order.quantity, "product": order.product,
                "product_lower": order.product.lower(), "amount": rubles(order.amount),
                "days": days, "ready": ready, "legal": company.name, "number": order.number,
                "invoice": order.invoice_number, "terms": t.TERMS.get(company.terms, ""),
                "deadline": t.ru_date(order.planned_execution + dt.timedelta(days=2)),
                "phone": "+7 (495) 123-45-67"}
        first = max(self.start, order.date - dt.timedelta(days=rng.randint(1, 6)))
        at = office_time(rng, first)
        if rng.random() < 0.72:
            thread = Thread(rng.choice(t.INQUIRY_SUBJECTS).format(**fill))
            attachments = []
            if rng.random() < 0.2:
                attachments.append(self.layout("ТЗ и пример.pdf", ["Tekhnicheskoe zadanie", what]))
            post.send("inquiry", client, [manager], body=rng.choice(t.INQUIRY).format(**fill),
                      at=at, thread=thread, attachments=attachments)
        else:
            thread = Thread(rng.choice(t.PROPOSAL_SUBJECTS).format(**fill))
            post.send("proposal", manager, [client], body=rng.choice(t.PROPOSAL).format(**fill),
                      at=at, thread=thread, attachments=[self.price_list(first)])
            at = later(rng, at, 60, 30)
            post.send("proposal", client, [manager], thread=thread, at=at,
                      body=rng.choice(t.PROPOSAL_ANSWER).format(**fill))
        at = later(rng, at, 20, 20)
        extras = [self.price_list(at.date())] if rng.random() < 0.2 else []
        post.send("quote", manager, [client], thread=thread, at=at, attachments=extras,
                  body=rng.choice(t.QUOTE).format(**fill))
        if order.state == OrderState.CLOSED.value and rng.random() < 0.5:
            at = later(rng, at, 60, 70)
            post.send("refusal", client, [manager], thread=thread, at=at,
                      body=rng.choice(t.CANCEL_ORDER).format(**fill))
            return
        at = later(rng, at, 30, 30)
        cc: list[Person] = []
        if rng.random() < 0.15 and len(people) > 1:
            cc.append(rng.choice([p for p in people if p is not client]))
        elif rng.random() < 0.05 and company.domain and company.domain != self.shared_domain:
            cc.append(self.new_person(company, position="Маркетолог"))
        attachments = []
        if rng.random() < 0.55:
            attachments.append(self.layout(f"Макет — {order.product}.pdf",
                                           [f"Maket: {order.product}", company.name]))
        post.send("agreement", client, [manager], cc=cc, thread=thread, at=at,
                  attachments=attachments, body=rng.choice(t.AGREE).format(**fill))
        at = max(later(rng, at, 30, 6), office_time(rng, order.date))
        if order.invoice_number:
            invoice = self.document(f"Счёт {order.invoice_number}.pdf", [
                f"Schet na oplatu {order.invoice_number}", f"Zakaz {order.number}",
                f"Pokupatel: {company.name}", f"Summa: {order.amount} RUB"])
            post.send("order", manager, [client, *cc],
                      subject=t.ORDER_SUBJECT.format(**fill), thread=thread, at=at,
                      attachments=[invoice], body=rng.choice(t.ORDER).format(**fill))
        else:
            post.send("order", manager, [client], subject=t.ORDER_SUBJECT_NO_INVOICE.format(**fill),
                      thread=thread, at=at, body=rng.choice(t.ORDER_NO_INVOICE).format(**fill))
        if rng.random() < 0.65:
            proof = Thread(t.PROOF_SUBJECT.format(**fill))
            at = later(rng, at, 60, 40)
            for version in (1, 2):
                post.send("proof", manager, [client], thread=proof, at=at,
                          body=rng.choice(t.PROOF if version == 1 else t.PROOF_FIXED),
                          attachments=[self.layout(f"{order.number}_макет_v{version}.pdf", [
                              f"Maket na soglasovanie: zakaz {order.number}", what,
                              f"Versiya {version}"], 4, 14)])
                at = later(rng, at, 30, 26)
                if version == 1 and rng.random() < 0.2:
                    post.send("proof", client, [manager], thread=proof, at=at,
                              body=rng.choice(t.PROOF_FIX).format(**fill))
                    at = later(rng, at, 60, 26)
                    continue
                if rng.random() < 0.05:  # answered from a phone, from a private address
                    post.send("proof_private", self.private_address(client), [manager],
                              thread=proof, at=at, body=rng.choice(t.PROOF_OK) + "\n\n"
                              "Пишу с личной почты, рабочая не открывается с телефона.")
                else:
                    post.send("proof", client, [manager], thread=proof, at=at,
                              body=rng.choice(t.PROOF_OK))
                break
        if order.payments and order.invoice_number and rng.random() < 0.3:
            payer = next((p for p in people if p.position and "ухгалтер" in p.position), client)
            day, _amount = order.payments[0]
            pay_at = max(later(rng, at, 10, 4), office_time(rng, day))
            post.send("payment", payer, [manager], subject=t.PAYMENT_SUBJECT.format(**fill),
                      at=pay_at, body=rng.choice(t.PAYMENT).format(day=t.ru_date(day), **fill),
                      attachments=[self.document(
                          f"Платёжное поручение {rng.randint(100, 999)}.pdf",
                          [f"Platezhnoe poruchenie, oplata scheta {order.invoice_number}",
                           f"Summa: {order.amount} RUB"])])
        if order.state == OrderState.CLOSED.value:
            closed_at = max(later(rng, at, 60, 50), office_time(rng, order.planned_execution))
            post.send("refusal", client, [manager], thread=thread, at=closed_at,
                      body=rng.choice(t.CANCEL_ORDER).format(**fill))
            return
        if order.state != OrderState.COMPLETED.value or not order.shipments:
            return
        shipped = order.shipments[-1][0]
        planned = order.planned_shipment or shipped
        profile = self.world.staff[company.manager].profile
        if (shipped - planned).days >= 2 and profile and profile.delay_days > 3 \
                and rng.random() < 0.7:
            head = self.staff["head"]
            complaint = Thread(t.LATE_SUBJECT.format(**fill))
            late_at = office_time(rng, planned + dt.timedelta(days=1))
            post.send("complaint", client, [manager], cc=[head], thread=complaint, at=late_at,
                      body=rng.choice(t.LATE).format(day=t.ru_date(planned), **fill))
            post.send("complaint", manager, [client], cc=[head], thread=complaint,
                      at=later(rng, late_at, 30, 5), body=rng.choice(t.LATE_ANSWER))
        if rng.random() < 0.6:
            ready_at = office_time(rng, shipped - dt.timedelta(days=1))
            ready_thread = Thread(t.READY_SUBJECT.format(**fill))
            attachments = []
            if rng.random() < 0.5:
                attachments.append(self.document(f"Накладная {order.number}.pdf", [
                    f"Tovarnaya nakladnaya k zakazu {order.number}", what]))
            post.send("ready", manager, [client], thread=ready_thread, at=ready_at,
                      attachments=attachments,
                      body=rng.choice(t.READY).format(day=t.ru_date(shipped), **fill))
            if rng.random() < 0.4:
                post.send("ready", client, [manager], thread=ready_thread,
                          at=later(rng, ready_at, 20, 30), body=rng.choice(t.THANKS))

    def conversation(self, kind: str, thread: Thread, at: dt.datetime, sender: Person,
                     recipient: Person, body: str, answer: str | None = None,
                     chance: float = 1.0, *, attachments: Sequence[Attachment] = (),
                     answer_attachments: Sequence[Attachment] = (), greet: bool = True) -> None:
        """A letter and, with ``chance``, its answer a little later."""
        self.post.send(kind, sender, [recipient], thread=thread, at=at, body=body,
                       attachments=attachments, greet=greet)
        if answer is not None and self.rng.random() < chance:
            self.post.send(kind, recipient, [sender], thread=thread, body=answer, greet=greet,
                           at=later(self.rng, at, 30, 30), attachments=answer_attachments)

    @property
    def shared_domain(self) -> str | None:
        return self.shared[0].domain if self.shared else None

    def debts(self) -> None:
        """Reminders about invoices paid late or not at all."""
        rng = self.rng
        for order in self.world.orders:
            if (order.direction != "customer" or not order.invoice_number
                    or order.state != OrderState.COMPLETED.value
                    or order.planned_payment < self.start or rng.random() > 0.7):
                continue
            remind = order.planned_payment + dt.timedelta(days=rng.randint(5, 12))
            paid = sum((a for d, a in order.payments if d < remind), Decimal(0))
            if paid >= order.amount:
                continue
            people = self.people.get(order.company.id)
            if not people or remind >= self.timeline.anchor:
                continue
            payer = next((p for p in people if p.position and "ухгалтер" in p.position),
                         rng.choice(people))
            fill = {"number": order.number, "invoice": order.invoice_number,
                    "amount": rubles(order.amount - paid),
                    "day": t.ru_date(order.shipments[-1][0])}
            self.run(self.conversation, "debt", Thread(t.DEBT_SUBJECT.format(**fill)),
                     office_time(rng, remind), self.manager(order.company), payer,
                     rng.choice(t.DEBT).format(**fill), rng.choice(t.DEBT_ANSWER), 0.5)

    def calendar_offer(self) -> None:
        """Every August the managers offer next year's calendars to their customers."""
        rng = self.rng
        augusts = [self.timeline.month(m) for m in range(HISTORY_MONTHS - MAIL_MONTHS,
                                                         HISTORY_MONTHS)
                   if self.timeline.named_month(m).month == 8]
        for august in augusts:
            for company in self.world.companies:
                people = self.people.get(company.id)
                if (not people or not company.is_customer or company.lost
                        or company.tier == "micro" or rng.random() > 0.4):
                    continue
                year = august.year + 1
                self.run(self.conversation, "calendar_offer",
                         Thread(t.CALENDAR_SUBJECT.format(year=year)),
                         office_time(rng, august + dt.timedelta(days=rng.randint(0, 20))),
                         self.manager(company), rng.choice(people),
                         rng.choice(t.CALENDAR).format(year=year), t.CALENDAR_ANSWER, 0.15,
                         attachments=[self.price_list(august)])

    # -- suppliers ------------------------------------------------------------------------

    def supplier_order(self, order: PlannedOrder) -> None:
        rng, post, company = self.rng, self.post, order.company
        people = self.people.get(company.id)
        if not people or rng.random() > 0.75:
            return
        manager, supplier = self.manager(company), rng.choice(people)
        fill = {"number": order.number, "what": order.product,
                "day": t.ru_date(order.planned_execution), "invoice": order.invoice_number}
        thread = Thread(t.SUPPLY_SUBJECT.format(**fill))
        at = office_time(rng, order.date)
        post.send("supply", manager, [supplier], thread=thread, at=at,
                  body=rng.choice(t.SUPPLY).format(**fill))
        if order.invoice_number:
            at = later(rng, at, 20, 8)
            invoice = self.document(f"Счёт № {order.invoice_number}.pdf", [
                f"Schet N {order.invoice_number}", f"Postavshchik: {company.name}",
                f"Summa: {order.amount} RUB"])
            post.send("supply", supplier, [manager], thread=thread, at=at, attachments=[invoice],
                      body=rng.choice(t.SUPPLY_INVOICE).format(**fill))

    def suppliers(self) -> None:
        """Suppliers' price lists (personal letters) and newsletters (bulk mail)."""
        rng, post = self.rng, self.post
        buyers = [self.staff[login] for login in ("manager1", "manager2", "manager4")]
        newsletter_sent: set[str] = set()
        for company in self.world.companies:
            if company.category not in t.SUPPLY_PRICE_ROWS:
                continue
            people = self.people.get(company.id)
            manager = self.manager(company)
            for m in range(HISTORY_MONTHS - MAIL_MONTHS, HISTORY_MONTHS):
                first = self.timeline.month(m)
                month = t.MONTHS_NOMINATIVE[self.timeline.named_month(m).month - 1]
                if people and rng.random() < 0.5:
                    factor = 1 + 0.01 * rng.randint(0, 6)
                    rows: list[Sequence[str | int | float]] = [("Наименование", "Ед.", "Цена, руб.")]
                    rows += [(n, u, round(p * factor)) for n, u, p in
                             t.SUPPLY_PRICE_ROWS[company.category]]
                    attachment = Attachment(f"Прайс {_short(company.name)} {first:%m.%Y}.xlsx",
                                            XLSX_TYPE, xlsx(rows, "Прайс"))
                    what = SUPPLIER_CATEGORIES[company.category or "paper"]
                    self.run(post.send, "supplier_prices", rng.choice(people), [manager],
                             subject=t.SUPPLIER_PRICES_SUBJECT.format(month=month),
                             at=office_time(rng, first + dt.timedelta(days=rng.randint(0, 4))),
                             attachments=[attachment],
                             body=rng.choice(t.SUPPLIER_PRICES).format(what=what, month=month))
                if company.category in newsletter_sent or not company.domain:
                    continue
                sender = Person(name=_short(company.name),
                                email=f"news@{company.domain}", address_as="",
                                signature=f"{company.name}\nОтписаться: "
                                          f"https://www.{company.domain}/unsubscribe")
                topic = rng.choice(t.NEWSLETTERS[company.category])
                self.run(post.send, "newsletter", sender, buyers, subject=topic,
                         at=office_time(rng, first + dt.timedelta(days=rng.randint(5, 25))),
                         body=f"{topic}.\n\nПодробности и цены — на сайте www.{company.domain}.",
                         list_id=f"{sender.name} <news.{company.domain}>",
                         to_address=(sender.name, f"clients@{company.domain}"))
            if company.domain:
                newsletter_sent.add(company.category or "")

    def digests(self) -> None:
        """Industry newsletters from senders the CRM does not know: unfiled bulk mail."""
        rng, post = self.rng, self.post
        readers = [self.staff[f"manager{i}"] for i in range(1, 7)] + [self.staff["head"]]
        for title, address, domain, topics in t.DIGESTS:
            sender = Person(name=title, email=address, address_as="",
                            signature=f"{title}\nwww.{domain}")
            step = 14 if len(topics) > 3 else 30
            day = self.start + dt.timedelta(days=rng.randint(0, 6))
            while day < self.timeline.anchor:
                topic = rng.choice(topics)
                self.run(post.send, "digest", sender, readers, subject=f"{title}: {topic}",
                         at=office_time(rng, day), body=f"{topic}.\n\nЧитайте на www.{domain}.",
                         list_id=f"{title} <digest.{domain}>",
                         to_address=("Подписчики", f"subscribers@{domain}"))
                day += dt.timedelta(days=step)

    # -- meetings -------------------------------------------------------------------------

    def invitations(self) -> None:
        """Meetings planned by mail in the last weeks: invitations (text/calendar REQUEST) both
        ways; some are moved (a new SEQUENCE) or cancelled (CANCEL)."""
        rng = self.rng
        anchor = self.timeline.anchor
        for login in (f"manager{i}" for i in range(1, 7)):
            manager = self.staff[login]
            companies = [c for c in self.world.companies if c.manager == login and not c.lost
                         and self.people.get(c.id) and c.kind != "supplier"]
            for _ in range(min(len(companies), rng.randint(6, 10))):
                company = rng.choice(companies)
                client = rng.choice(self.people[company.id])
                summary, location = rng.choice(t.MEETINGS)
                sent = office_time(rng, anchor - dt.timedelta(days=rng.randint(3, 20)))
                start_day = anchor + dt.timedelta(days=rng.randint(1, 35))
                start = office_time(rng, start_day).replace(minute=rng.choice((0, 30)), second=0)
                start = start.replace(hour=min(max(start.hour, 10), 17))
                ours = rng.random() < 0.7
                organizer, guest = (manager, client) if ours else (client, manager)
                domain = organizer.email.rsplit("@", 1)[1]
                invite = Invite(uid=f"{rng.getrandbits(64):016x}@{domain}",
                                summary=f"{summary} ({company.name})" if ours else summary,
                                start=start, organizer=organizer, attendees=(guest,),
                                location=location)
                self.run(self.invite, invite, sent)

    def invite(self, invite: Invite, sent: dt.datetime) -> None:
        """An invitation; 15% are cancelled later, 10% moved to another day."""
        rng, post = self.rng, self.post
        fill = {"day": t.ru_date(invite.start.date()), "time": f"{invite.start:%H:%M}"}
        thread = Thread(f"Приглашение: {invite.summary}")
        guests = list(invite.attendees)
        post.send("invitation", invite.organizer, guests, at=sent, thread=thread, invite=invite,
                  body=t.MEETING_BODY.format(**fill))
        roll = rng.random()
        if roll < 0.15:
            post.send("invitation_cancel", invite.organizer, guests, thread=thread,
                      subject=f"Отменено: {invite.summary}", at=later(rng, sent, 60, 70),
                      invite=replace(invite, method="CANCEL", sequence=1),
                      body=t.MEETING_CANCEL.format(**fill))
        elif roll < 0.25:
            moved = invite.start + dt.timedelta(days=rng.choice((1, 2, 7)))
            post.send("invitation_update", invite.organizer, guests, thread=thread,
                      subject=f"Перенесено: {invite.summary}", at=later(rng, sent, 60, 70),
                      invite=replace(invite, start=moved, sequence=1),
                      body=t.MEETING_BODY.format(day=t.ru_date(moved.date()),
                                                 time=f"{moved:%H:%M}"))

    # -- people the database does not know ------------------------------------------------

    def new_people(self) -> None:
        """New employees of known companies write in: filing creates their contact persons."""
        rng = self.rng
        companies = [c for c in self.world.companies if c.domain and self.people.get(c.id)
                     and not c.lost and c.domain != self.shared_domain and c.tier != "supplier"]
        for _ in range(min(len(companies), self.world.scaled(40))):
            company = rng.choice(companies)
            manager = self.manager(company)
            newcomer = self.new_person(company, position=rng.choice(
                ("Менеджер по закупкам", "Маркетолог", "Офис-менеджер", "Бренд-менеджер")))
            old = rng.choice(self.people[company.id])
            body = rng.choice(t.NEW_CONTACT).format(name=newcomer.name, company=company.name,
                                                    old=old.name)
            self.run(self.introduction, newcomer, manager, old,
                     office_time(rng, self.day_in_window()), body)

    def introduction(self, newcomer: Person, manager: Person, colleague: Person,
                     at: dt.datetime, body: str) -> None:
        rng, post = self.rng, self.post
        thread = Thread(rng.choice(t.NEW_CONTACT_SUBJECTS))
        post.send("new_contact", newcomer, [manager], cc=[colleague] if rng.random() < 0.3 else [],
                  thread=thread, at=at, body=body)
        at = later(rng, at, 30, 20)
        post.send("new_contact", manager, [newcomer], thread=thread, at=at,
                  body="Рады знакомству! Добавили вас в контакты. Во вложении наш актуальный "
                       "прайс-лист.", attachments=[self.price_list(at.date())])
        if rng.random() < 0.5:
            post.send("new_contact", newcomer, [manager], thread=thread, at=later(rng, at, 60, 60),
                      body="Спасибо! Скоро пришлём запрос на печать каталога.")

    def public_senders(self) -> None:
        """Private persons at gmail.com, mail.ru and the like: never filed to a company."""
        rng = self.rng
        for login in (f"manager{i}" for i in range(1, 7)):
            manager = self.staff[login]
            for _ in range(self.world.scaled(9)):
                person = random_person(rng)
                while True:
                    local = (f"{translit(person.first)}.{translit(person.surname)}"
                             f"{rng.randint(1970, 2005)}")
                    email = f"{local}@{rng.choice(PUBLIC_MAIL_DOMAINS)}"
                    if email not in self.known:
                        self.known.add(email)
                        break
                name = f"{person.first} {person.surname}"
                sender = Person(name=name, email=email, address_as=person.first,
                                signature=f"{person.first}\nтел. +7 9{rng.randint(10, 99)} "
                                          f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-"
                                          f"{rng.randint(10, 99)}",
                                mailer=rng.choice(("Mail.Ru", "Yandex.Mail", "Apple Mail")))
                subject, body = rng.choice(t.PUBLIC_REQUESTS)
                self.run(self.private_request, sender, manager, Thread(subject),
                         office_time(rng, self.day_in_window()), body)

    def private_request(self, sender: Person, manager: Person, thread: Thread, at: dt.datetime,
                        body: str) -> None:
        rng, post = self.rng, self.post
        post.send("public", sender, [manager], thread=thread, at=at,
                  body="Здравствуйте!\n\n" + body, greet=False)
        if rng.random() < 0.7:
            at = later(rng, at, 20, 24)
            post.send("public", manager, [sender], thread=thread, at=at,
                      body=t.PUBLIC_ANSWER.format(amount=rubles(Decimal(rng.randint(15, 120) * 100)),
                                                  days=rng.randint(2, 4)))
            if rng.random() < 0.5:
                post.send("public", sender, [manager], thread=thread, at=later(rng, at, 30, 40),
                          greet=False, body=rng.choice(t.PUBLIC_FOLLOW))

    # -- foreign partners, the shared domain ----------------------------------------------

    def foreign_partners(self) -> None:
        rng, post = self.rng, self.post
        for index, (company, people) in enumerate(self.foreign):
            manager = self.staff[company.manager]
            latin = translit(manager.name).title()
            ours = replace(manager, english=True, address_as=latin.split()[0],
                           signature=t.staff_signature(latin, "", 11, english=True))
            their = people[0]
            for n in range(rng.randint(7, 10)):
                day = self.day_in_window()
                week = (day + dt.timedelta(days=rng.randint(7, 14))).isocalendar().week
                fill = {"first": their.address_as, "quarter": f"Q{(day.month - 1) // 3 + 1} "
                        f"{day.year}", "business": company.industry, "change": rng.randint(2, 6),
                        "tons": rng.randint(8, 24), "week": week,
                        "day": t.en_date(day + dt.timedelta(days=rng.randint(5, 12))),
                        "ref": f"PO-{day.year}-{n + 101}", "qty": rng.choice((1500, 2000, 3000)),
                        "price": f"{rng.randint(280, 460) / 100:.2f}"}
                fill_ours = {**fill, "first": ours.address_as}
                at = office_time(rng, day).astimezone(TZ)
                templates = (t.EN_CUSTOMER if company.kind == "customer" else
                             t.EN_SERVICE if "service" in company.industry else t.EN_SUPPLIER)
                subject, body, answer = templates[n % len(templates)]
                thread = Thread(subject.format(**fill))
                document = self.document(f"{fill['ref']}.pdf", [
                    company.name, subject.format(**fill), f"Reference {fill['ref']}"])
                theirs = [document] if "attached" in body and "PDF" not in body else []
                if "print-ready" in body:
                    theirs.append(self.layout(f"{fill['ref']}_cover.pdf",
                                              [f"Cover {fill['ref']}"], 10, 30))
                ours_files = [document] if "attached" in answer else []

                self.run(self.conversation, "english", thread, at, their, ours,
                         body.format(**fill_ours), answer.format(**fill), 0.75,
                         attachments=theirs, answer_attachments=ours_files, greet=False)
            # one video call planned with every partner
            summary, location = t.EN_MEETINGS[index % len(t.EN_MEETINGS)]
            start = office_time(rng, self.timeline.anchor + dt.timedelta(days=rng.randint(3, 30)))
            start = start.replace(hour=11, minute=0, second=0)
            invite = Invite(uid=f"{rng.getrandbits(64):016x}@{COMPANY_DOMAIN}", summary=summary,
                            start=start, organizer=ours, attendees=tuple(people),
                            location=location)
            self.run(post.send, "invitation", ours, people, subject=f"Invitation: {summary}",
                     at=office_time(rng, self.timeline.anchor - dt.timedelta(
                         days=rng.randint(3, 9))), invite=invite, greet=False,
                     body=f"Dear {their.address_as},\n\nas agreed, an invitation for "
                          f"{t.en_date(start.date())} at {start:%H:%M} Moscow time.")

    def ambiguous(self) -> None:
        """Two counterparties share one mail domain: people the CRM knows are filed by their
        contact; new people at that domain wait in the ambiguous queue for a human."""
        if self.shared is None:
            return
        rng, post = self.rng, self.post
        parent, sister, sister_people = self.shared
        manager = self.manager(parent)
        for person in sister_people:
            for _ in range(3):
                subject = rng.choice((f"Договор на {self.timeline.anchor.year + 1} год",
                                      "Акт сверки", "Реквизиты для счёта"))
                self.run(post.send, "shared_known", person, [manager], subject=subject,
                         at=office_time(rng, self.day_in_window()),
                         body=f"Направляю документы {sister.name}. Прошу проверить.")
        for _ in range(self.world.scaled(8)):
            stranger = self.new_person(parent, position=None)
            subject = rng.choice(("Запрос на печать буклетов", "Счёт на визитки",
                                  "Листовки для отделений"))
            self.run(post.send, "shared_unknown", stranger, [manager], subject=subject,
                     at=office_time(rng, self.day_in_window()),
                     body="Коллеги дали ваш адрес. Нужен расчёт на печать, подробности — в "
                          "телефонном разговоре. Перезвоните, пожалуйста.")

    # -- inside the printing house --------------------------------------------------------

    def internal(self) -> None:
        """The head's plans and results for the team, the managers' monthly reports."""
        rng, post = self.rng, self.post
        head = self.staff["head"]
        team = [self.staff[f"manager{i}"] for i in range(1, 7)]
        (plan_subject, plan_body), (result_subject, result_body) = t.INTERNAL
        for m in range(HISTORY_MONTHS - MAIL_MONTHS, HISTORY_MONTHS):
            first = self.timeline.month(m)
            last = first + dt.timedelta(days=self.timeline.days_in(m) - 1)
            month = t.MONTHS_NOMINATIVE[self.timeline.named_month(m).month - 1]
            self.run(post.send, "internal", head, team, subject=plan_subject.format(month=month),
                     at=office_time(rng, first), greet=False,
                     body=plan_body.format(month=month, plan=round(rng.uniform(8, 16), 1)))
            self.run(post.send, "internal", head, team, greet=False,
                     subject=result_subject.format(month=month), at=office_time(rng, last),
                     body=result_body.format(month=month, percent=rng.randint(84, 112)))
            for manager in team:
                mine = [o for o in self.world.orders if o.manager == manager.login
                        and o.direction == "customer" and self.timeline.index_of(o.date) == m]
                shipped = sum((o.shipped for o in mine), Decimal(0))
                profile = self.world.staff[manager.login or ""].profile
                subject, body = (t.REPORT_LATE if profile and profile.delay_days > 3
                                 else t.REPORT)
                self.run(post.send, "internal", manager, [head], subject=subject.format(month=month),
                         at=office_time(rng, last + dt.timedelta(days=1)),
                         body=body.format(month=month, orders=len(mine), amount=rubles(shipped),
                                          open=rng.randint(1, 6)))
        self.run(post.send, "internal", head, [self.staff["manager5"]], greet=False,
                 subject=t.HEAD_TO_MANAGER[0], body=t.HEAD_TO_MANAGER[1],
                 at=office_time(rng, self.timeline.days(-12)))

    def damaged(self) -> None:
        """A couple of damaged entries in every manager's archive (a broken export)."""
        for login in (f"manager{i}" for i in range(1, 7)):
            for _ in range(2):
                at = office_time(self.rng, self.day_in_window())
                if at < self.end:
                    self.post.damaged(login, at, self.rng.randint(300, 3000))
