"""The web benchmark's data: the demo printing house grown to thousands of counterparties and
hundreds of thousands of letters, written in bulk.

:func:`build` runs :func:`letterpress.demo.build_demo` (with the letters step, through the real
mail pipeline, unless told not to), then adds, with COPY on PostgreSQL and executemany on SQLite
(:mod:`bench.web_bulk`):

* counterparties up to ``Sizes.counterparties``, each with a phone, an e-mail, a domain, an
  address and one to three contact persons; 40 % of the new customers with a small ledger
  (orders, shipments, payments, invoices over the demo's two years);
* letters up to ``Sizes.letters``, filed as the pipeline files them: the letter, its from/to
  addresses, a location in a mailbox folder, a ``LetterLink`` to the counterparty and the e-mail
  event in its history. Letters sit in the archive mailbox of the counterparty's manager (85 %)
  or in a shared mailbox ``bench-info`` that only the team «Север» may read, so managers of the
  other team see some of a counterparty's history as "no access". Counterparties get letters by
  a Pareto-like weight; threads are one to six letters. The grown letters are not in the search
  index (search has its own benchmark);
* the *large* counterparty (the demo's customer with the most letters: with seed 1 manager4's
  ПАО «Северфарм») brought to ``Sizes.large_letters`` letters, ``large_events`` calls
  and meetings with content, planned events, and ``large_orders`` more orders (some open);
* a full current week for the calendar: five to six calls and meetings a weekday for every
  manager and three for the head, done before now and planned after.

Then the nightly analytics (:func:`letterpress.crm.analytics.runs.run_nightly`) stores ABC, XYZ
and completeness for the managers dashboard.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from bench.web_bulk import fix_sequences, load, next_id
from letterpress.config import Settings
from letterpress.crm.model import (
    Blob,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Counterparty,
    CounterpartyAddress,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyPhone,
    Event,
    Invoice,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    Mailbox,
    MailboxGrant,
    MailFolder,
    Order,
    Payment,
    Shipment,
    Team,
    User,
)
from letterpress.db.session import session_factory
from letterpress.demo import STEPS, build_demo
from letterpress.demo.names import CITIES, INDUSTRIES, ROOTS, STREETS, SURNAMES, translit

UTC = dt.UTC
SHARED_MAILBOX = "bench-info"
BLOB = b"bench"
SUBJECTS = (
    "Заказ {n}: макет на согласование", "Счёт на оплату по заказу {n}", "Тираж {n} готов к отгрузке",
    "Коммерческое предложение: календари", "Цветопроба по заказу {n}", "Вопрос по доставке",
    "Акт сверки за квартал", "Правки в макет буклета", "Запрос цены на упаковку",
    "Сроки изготовления каталога", "Договор поставки бумаги", "Образцы бумаги",
)
SENTENCES = (
    "Добрый день!", "Направляем макет на согласование.", "Просим подтвердить тираж и сроки.",
    "Счёт во вложении, оплата в течение пяти банковских дней.",
    "Цветопробу можно забрать в офисе с 10 до 18.", "Доставка возможна в четверг до обеда.",
    "Прошу уточнить количество экземпляров и формат.", "Замечаний к макету нет, запускайте.",
    "Нужна ещё одна правка на второй странице: логотип крупнее.",
    "Спасибо, получили, передали в бухгалтерию.", "Когда ждать отгрузку?",
    "С уважением, отдел закупок.",
)
CALL_NOTES = (
    "Обсудили новый тираж каталога, ждут КП до пятницы.",
    "Клиент просит отсрочку платежа на две недели.",
    "Договорились о встрече для согласования дизайна календарей.",
    "Уточнили адрес доставки и контактное лицо на складе.",
    "Жалоба на сроки: обещали отгрузить в понедельник.",
    "Презентовали новые виды бумаги, заинтересовались крафтом.",
)


@dataclass(frozen=True)
class Sizes:
    counterparties: int = 5_000
    letters: int = 200_000
    large_letters: int = 5_000
    large_events: int = 2_000
    large_orders: int = 300
    demo_scale: float = 1.0
    demo_mail: bool = True
    seed: int = 1


@dataclass(frozen=True)
class Built:
    large_counterparty_id: int
    counts: dict[str, int]
    seconds: dict[str, float]
    large: dict[str, Any]


@dataclass
class _People:
    ids: dict[str, int]  # login -> id
    managers: list[int]
    head: int
    mailbox_folder: dict[int, int]  # owner id -> folder id of their archive mailbox
    shared_folder: int
    email: dict[int, str]  # user id -> e-mail


def build(engine: Engine, settings: Settings, sizes: Sizes, today: dt.date,
          log: Callable[[str], None]) -> Built:
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    with session_factory(engine)() as session:
        steps = STEPS
        if sizes.demo_mail:
            from letterpress.demo.mail import mail_step

            steps = (*STEPS, mail_step(settings))
        build_demo(session, seed=sizes.seed, today=today, scale=sizes.demo_scale, steps=steps)
        session.commit()
    seconds["demo"] = round(time.perf_counter() - clock, 1)
    log(f"  demo built in {seconds['demo']} s")
    rng = random.Random(f"bench-web/{sizes.seed}")
    clock = time.perf_counter()
    with engine.begin() as conn:
        people = _people(conn)
        large = _large_counterparty(conn)
        _grow_counterparties(conn, rng, people, sizes.counterparties, today)
        seconds["counterparties"] = round(time.perf_counter() - clock, 1)
        log(f"  counterparties grown in {seconds['counterparties']} s")
        clock = time.perf_counter()
        _grow_letters(conn, rng, people, large, sizes, today)
        seconds["letters"] = round(time.perf_counter() - clock, 1)
        log(f"  letters grown in {seconds['letters']} s")
        clock = time.perf_counter()
        _large_extras(conn, rng, people, large, sizes, today)
        _calendar_week(conn, rng, people, today, settings)
        fix_sequences(conn, (Counterparty, ContactPerson, Letter, Order, Event))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum would have by now
    seconds["extras"] = round(time.perf_counter() - clock, 1)
    clock = time.perf_counter()
    from letterpress.crm.analytics.runs import run_nightly

    run_nightly(session_factory(engine), settings, today)
    seconds["analytics"] = round(time.perf_counter() - clock, 1)
    log(f"  nightly analytics in {seconds['analytics']} s")
    return Built(large_counterparty_id=large, counts=counts(engine), seconds=seconds,
                 large=large_facts(engine, large))


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.__tablename__: int(conn.scalar(select(func.count()).select_from(t)) or 0)
                for t in (Counterparty, ContactPerson, Letter, Event, Order)}


def large_facts(engine: Engine, counterparty_id: int) -> dict[str, Any]:
    """What the card of the large counterparty has to show."""
    with engine.connect() as conn:
        def count(model: Any, *where: Any) -> int:
            return int(conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        return {
            "id": counterparty_id,
            "name": conn.scalar(select(Counterparty.name).where(Counterparty.id == counterparty_id)),
            "letters": count(LetterLink, LetterLink.counterparty_id == counterparty_id),
            "events": count(Event, Event.counterparty_id == counterparty_id),
            "open_orders": count(Order, Order.counterparty_id == counterparty_id,
                                 Order.state == "open"),
        }


# --- who is who ---------------------------------------------------------------------------------


def _people(conn: Connection) -> _People:
    users = conn.execute(select(User.id, User.login, User.role, User.email)).all()
    ids = {login: uid for uid, login, _role, _email in users}
    managers = sorted(uid for uid, _login, role, _email in users if role == "manager")
    folders: dict[int, int] = {
        int(owner or 0): int(folder) for owner, folder in conn.execute(
            select(Mailbox.owner_id, func.min(MailFolder.id)).join(MailFolder)
            .where(Mailbox.owner_id.is_not(None)).group_by(Mailbox.owner_id))}
    for uid, login, _role, _email in users:  # the demo without mail has no archive mailboxes
        if uid not in folders and login != "admin":
            folders[uid] = _mailbox(conn, f"{login}-archive", "personal", uid)
    shared = _mailbox(conn, SHARED_MAILBOX, "shared", None)
    north = conn.scalar(select(Team.id).where(Team.name == "Север"))
    conn.execute(insert(MailboxGrant).values(
        mailbox_id=conn.scalar(select(Mailbox.id).where(Mailbox.name == SHARED_MAILBOX)),
        user_id=None, team_id=north, can_read=True, can_send_as=False, can_manage=False,
        source="config"))
    conn.execute(insert(Blob).values(
        sha256=hashlib.sha256(BLOB).hexdigest(), size=len(BLOB), data=BLOB))
    return _People(ids=ids, managers=managers, head=ids["head"], mailbox_folder=folders,
                   shared_folder=shared,
                   email={uid: email or f"{login}@tipografiya-demo.ru"
                          for uid, login, _role, email in users})


def _mailbox(conn: Connection, name: str, kind: str, owner: int | None) -> int:
    mailbox = conn.scalar(insert(Mailbox).values(
        name=name, kind=kind, owner_id=owner, is_archive=True,
        created_at=dt.datetime.now(UTC)).returning(Mailbox.id))
    return int(conn.scalar(insert(MailFolder).values(
        mailbox_id=mailbox, name="INBOX", is_sent=False, uidvalidity=1, last_uid=0,
        letter_count=0).returning(MailFolder.id)) or 0)


def _large_counterparty(conn: Connection) -> int:
    """The demo's big customer with the most letters (with no letters: the most events)."""
    found = conn.scalar(
        select(LetterLink.counterparty_id).group_by(LetterLink.counterparty_id)
        .order_by(func.count().desc(), LetterLink.counterparty_id).limit(1))
    if found is None:
        found = conn.scalar(
            select(Event.counterparty_id).where(Event.counterparty_id.is_not(None))
            .group_by(Event.counterparty_id)
            .order_by(func.count().desc(), Event.counterparty_id).limit(1))
    assert found is not None, "the demo built no counterparty with history"
    return int(found)


# --- counterparties -----------------------------------------------------------------------------


def _grow_counterparties(conn: Connection, rng: random.Random, people: _People, target: int,
                         today: dt.date) -> None:
    first = next_id(conn, Counterparty)
    have = int(conn.scalar(select(func.count()).select_from(Counterparty)) or 0)
    new = max(0, target - have)
    cities = list(CITIES.values())
    now = dt.datetime.now(UTC)
    cps, phones, emails, domains, addresses = [], [], [], [], []
    contacts, c_phones, c_emails = [], [], []
    contact_id = next_id(conn, ContactPerson)
    managers = people.managers
    for i in range(new):
        cid = first + i
        root, root_latin = rng.choice(ROOTS)
        industry = rng.choice(INDUSTRIES)
        stem = f"{root}{industry.suffix}" if industry.joined else f"{root}-{industry.suffix}"
        name = f"ООО «{stem} {cid}»"
        domain = f"{root_latin}-{industry.latin}-{cid}.ru"
        kind = rng.choices(("customer", "supplier", "both", "person"), (85, 7, 3, 5))[0]
        city = rng.choice(cities)
        manager = None if rng.random() < 0.05 else rng.choice(managers)
        inn = f"{city.region}{rng.randrange(10**7, 10**8)}"
        cps.append((cid, f"BW-{cid:05d}", kind, name,
                    f"Общество с ограниченной ответственностью «{stem} {cid}»", inn,
                    city.name, rng.choice(("сайт", "рекомендация", "выставка", None)), manager,
                    now - dt.timedelta(days=rng.randrange(1, 700))))
        phones.append((cid, (f"+7 {city.phone_code} {rng.randrange(100, 999)}-"
                            f"{rng.randrange(10, 99)}-{rng.randrange(10, 99)}"), None, 0))
        emails.append((cid, f"info@{domain}", 0))
        domains.append((cid, domain))
        addresses.append((cid, (f"{city.postcode}{rng.randrange(100, 999)}, г. {city.name}, "
                               f"{rng.choice(STREETS)}, д. {rng.randrange(1, 120)}"), None, 0))
        for k in range(rng.choice((1, 1, 2, 2, 3))):
            surname = rng.choice(SURNAMES)
            contacts.append((contact_id, f"BWC-{contact_id:06d}", cid, None,
                             (f"{surname} {rng.choice('АБВГДЕИКЛМНОПРСТ')}. "
                             f"{rng.choice('АБВГДЕИКЛМНОПРСТ')}."),
                             rng.choice(("Менеджер по закупкам", "Маркетолог", "Бухгалтер",
                                         "Генеральный директор", None)), False, now))
            c_emails.append((contact_id, f"{translit(surname)}{k}@{domain}", 0))
            c_phones.append((contact_id, (f"+7 9{rng.randrange(10, 99)} {rng.randrange(100, 999)}"
                                         f"-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}"),
                             None, 0))
            contact_id += 1
    load(conn, Counterparty, ("id", "external_id", "kind", "name", "legal_name", "inn", "city",
                              "source", "manager_id", "created_at"), cps)
    load(conn, CounterpartyPhone, ("counterparty_id", "value", "label", "position"), phones)
    load(conn, CounterpartyEmail, ("counterparty_id", "email", "position"), emails)
    load(conn, CounterpartyDomain, ("counterparty_id", "domain"), domains)
    load(conn, CounterpartyAddress, ("counterparty_id", "value", "label", "position"), addresses)
    load(conn, ContactPerson, ("id", "external_id", "counterparty_id", "owner_id", "name",
                               "position", "created_from_mail", "created_at"), contacts)
    load(conn, ContactEmail, ("contact_id", "email", "position"), c_emails)
    load(conn, ContactPhone, ("contact_id", "value", "label", "position"), c_phones)
    customers = [(row[0], row[8]) for row in cps if row[2] in ("customer", "both")]
    buyers = [c for c in customers if rng.random() < 0.4]
    _ledger(conn, rng, buyers, today, orders_each=(1, 8), prefix="BW")


# --- ledger -------------------------------------------------------------------------------------


def _ledger(conn: Connection, rng: random.Random, buyers: list[tuple[int, int | None]],
            today: dt.date, *, orders_each: tuple[int, int], prefix: str,
            open_share: float = 0.05) -> None:
    """Customer orders over the last two years; completed ones shipped, paid and invoiced."""
    order_id = next_id(conn, Order)
    start = today.replace(day=1) - dt.timedelta(days=730)
    orders, shipments, payments, invoices = [], [], [], []
    for cid, manager in buyers:
        for _ in range(rng.randint(*orders_each)):
            day = start + dt.timedelta(days=rng.randrange(0, (today - start).days))
            amount = Decimal(rng.randrange(8_000, 400_000)).quantize(Decimal("1.00"))
            cost = (amount * Decimal("0.68")).quantize(Decimal("1.00"))
            is_open = rng.random() < open_share
            planned = day + dt.timedelta(days=rng.randrange(5, 30))
            if is_open:
                planned = today + dt.timedelta(days=rng.randrange(-10, 40))
            state = "open" if is_open else rng.choices(("completed", "closed"), (92, 8))[0]
            ext = f"{prefix}-ORD-{order_id:07d}"
            orders.append((order_id, ext, "customer", f"ЗП-{prefix}{order_id:06d}", day, cid,
                           manager, amount, cost, "RUB", planned, planned,
                           planned + dt.timedelta(days=10), state))
            if state == "completed":
                ship_day = min(planned, today)
                shipments.append((f"{prefix}-SHP-{order_id:07d}", order_id, cid, ship_day,
                                  amount, cost, "RUB"))
                payments.append((f"{prefix}-PAY-{order_id:07d}", order_id, cid,
                                 min(ship_day + dt.timedelta(days=rng.randrange(0, 20)), today),
                                 amount, "RUB", "in"))
            if state != "closed":
                invoices.append((f"{prefix}-INV-{order_id:07d}", "customer",
                                 f"СЧ-{prefix}{order_id:06d}", day, cid, order_id, amount, "RUB",
                                 day + dt.timedelta(days=10),
                                 amount if state == "completed" else Decimal("0.00")))
            order_id += 1
    load(conn, Order, ("id", "external_id", "direction", "number", "date", "counterparty_id",
                       "manager_id", "amount", "cost", "currency", "planned_execution",
                       "planned_shipment", "planned_payment", "state"), orders)
    load(conn, Shipment, ("external_id", "order_id", "counterparty_id", "date", "revenue", "cost",
                          "currency"), shipments)
    load(conn, Payment, ("external_id", "order_id", "counterparty_id", "date", "amount",
                         "currency", "direction"), payments)
    load(conn, Invoice, ("external_id", "direction", "number", "date", "counterparty_id",
                         "order_id", "amount", "currency", "due", "paid"), invoices)


# --- letters ------------------------------------------------------------------------------------


@dataclass
class _Target:
    id: int
    manager: int | None
    domain: str
    contact: int | None


def _targets(conn: Connection) -> list[_Target]:
    domains = dict(conn.execute(select(CounterpartyDomain.counterparty_id,
                                       func.min(CounterpartyDomain.domain))
                                .group_by(CounterpartyDomain.counterparty_id)).all())
    contacts = dict(conn.execute(select(ContactPerson.counterparty_id, func.min(ContactPerson.id))
                                 .where(ContactPerson.owner_id.is_(None))
                                 .group_by(ContactPerson.counterparty_id)).all())
    return [_Target(cid, manager, domains.get(cid) or f"cp{cid}.example.ru", contacts.get(cid))
            for cid, manager in conn.execute(select(Counterparty.id, Counterparty.manager_id)
                                             .order_by(Counterparty.id))]


def _plan(rng: random.Random, targets: list[_Target], large: int, total: int,
          large_total: int) -> list[tuple[_Target, int]]:
    """(counterparty, letters) pairs: the large one gets ``large_total``; the rest share the
    remainder by a Pareto-like weight, a third of them getting none."""
    big = next(t for t in targets if t.id == large)
    rest = [t for t in targets if t.id != large and rng.random() > 0.33]
    weights = [min(rng.paretovariate(1.2), 60.0) for _ in rest]
    scale = max(0, total - large_total) / (sum(weights) or 1)
    plan = [(big, large_total)]
    for target, weight in zip(rest, weights, strict=True):
        plan.append((target, int(weight * scale)))
    short = total - sum(n for _, n in plan)
    others = len(plan) - 1
    for i in range(max(0, short)):  # what rounding left over, one letter each
        at = 1 + i % others if others else 0
        plan[at] = (plan[at][0], plan[at][1] + 1)
    return [(t, n) for t, n in plan if n > 0]


def _grow_letters(conn: Connection, rng: random.Random, people: _People, large: int,
                  sizes: Sizes, today: dt.date) -> None:
    have = int(conn.scalar(select(func.count()).select_from(Letter)) or 0)
    have_large = int(conn.scalar(select(func.count()).select_from(LetterLink)
                                 .where(LetterLink.counterparty_id == large)) or 0)
    total = max(0, sizes.letters - have)
    plan = _plan(rng, _targets(conn), large, total, max(0, sizes.large_letters - have_large))
    first = next_id(conn, Letter)
    sha = hashlib.sha256(BLOB).hexdigest()
    end = dt.datetime.combine(today, dt.time(9), tzinfo=UTC)
    start = end - dt.timedelta(days=730)
    span = int((end - start).total_seconds())
    letters, addresses, locations, links, events = [], [], [], [], []
    lid = first
    for target, n in plan:
        stamps = sorted(start + dt.timedelta(seconds=rng.randrange(span)) for _ in range(n))
        thread, left, base = lid, 0, ""
        for when in stamps:
            if left == 0:
                thread, left = lid, rng.choice((1, 1, 2, 2, 3, 4, 6))
                base = rng.choice(SUBJECTS).format(n=f"ЗП-{rng.randrange(1000, 99999):05d}")
                subject = base
            else:
                subject = f"Re: {base}"
            left -= 1
            outgoing = rng.random() < 0.45
            shared = target.manager is None or rng.random() < 0.15
            folder = people.shared_folder if shared or target.manager is None \
                else people.mailbox_folder.get(target.manager, people.shared_folder)
            owner = target.manager
            ours = people.email.get(owner or people.head, "sales@tipografiya-demo.ru")
            theirs = f"zakupki@{target.domain}"
            sender, recipient = (ours, theirs) if outgoing else (theirs, ours)
            body = " ".join(rng.sample(SENTENCES, 4))
            letters.append((lid, f"mid:{lid}@bench-web", sha, f"{lid}@bench-web",
                            None if thread == lid else f"{thread}@bench-web", "",
                            None if thread == lid else thread, subject, when, sender, None, body,
                            "", len(body), False, False, outgoing, None, "", when))
            addresses.append((lid, "from", "", sender))
            addresses.append((lid, "to", "", recipient))
            locations.append((lid, folder, 7, 10_000_000 + lid, sha))
            links.append((lid, target.id, target.contact, "domain", "bench"))
            events.append(("outgoing_email" if outgoing else "incoming_email", "done", when, None,
                           target.id, target.contact, owner, owner, subject[:500], "", lid,
                           f"bench-letter-{lid}@letterpress", 0, "", when, when))
            lid += 1
    load(conn, Letter, ("id", "dedup_key", "raw_sha256", "message_id", "in_reply_to",
                        "references", "thread_id", "subject", "sent_at", "from_email",
                        "from_name", "text_plain", "text_html", "size", "has_attachments",
                        "is_bulk", "is_outgoing", "parse_error", "parse_warnings", "received_at"),
         letters)
    load(conn, LetterAddress, ("letter_id", "role", "name", "email"), addresses)
    load(conn, LetterLocation, ("letter_id", "folder_id", "uidvalidity", "uid", "raw_sha256"),
         locations)
    load(conn, LetterLink, ("letter_id", "counterparty_id", "contact_person_id", "rule",
                            "reason"), links)
    _events(conn, events)


EVENT_COLUMNS = ("kind", "state", "start_at", "end_at", "counterparty_id", "contact_person_id",
                 "author_id", "responsible_id", "subject", "content", "letter_id", "uid",
                 "sequence", "location", "created_at", "updated_at")


def _events(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    load(conn, Event, EVENT_COLUMNS, rows)


# --- the large counterparty and the calendar ----------------------------------------------------


def _large_extras(conn: Connection, rng: random.Random, people: _People, large: int,
                  sizes: Sizes, today: dt.date) -> None:
    manager = conn.scalar(select(Counterparty.manager_id).where(Counterparty.id == large))
    contacts = list(conn.scalars(select(ContactPerson.id).where(
        ContactPerson.counterparty_id == large, ContactPerson.owner_id.is_(None))))
    now = dt.datetime.now(UTC)
    end = dt.datetime.combine(today, dt.time(9), tzinfo=UTC)
    events = []
    for i in range(sizes.large_events):
        when = end - dt.timedelta(minutes=rng.randrange(15, 730 * 24 * 60))
        kind = rng.choice(("outgoing_call", "incoming_call", "meeting"))
        who = manager if rng.random() < 0.8 else rng.choice(people.managers)
        events.append((kind, "done", when, when + dt.timedelta(minutes=30), large,
                       rng.choice(contacts) if contacts else None, who, who,
                       rng.choice(CALL_NOTES)[:60], " ".join(rng.sample(CALL_NOTES, 2)), None,
                       f"bench-large-{i}@letterpress", 0, "", now, now))
    for i in range(30):
        when = end + dt.timedelta(hours=rng.randrange(1, 60 * 24))
        events.append(("meeting" if i % 3 == 0 else "outgoing_call", "planned", when,
                       when + dt.timedelta(hours=1), large,
                       rng.choice(contacts) if contacts else None, manager, manager,
                       "Согласование тиража", "", None, f"bench-large-plan-{i}@letterpress", 0,
                       "", now, now))
    _events(conn, events)
    per_order = max(1, sizes.large_orders)
    _ledger(conn, rng, [(large, manager)], today, orders_each=(per_order, per_order),
            prefix="BL", open_share=0.08)


def _week(today: dt.date) -> list[dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return [monday + dt.timedelta(days=i) for i in range(5)]


def _calendar_week(conn: Connection, rng: random.Random, people: _People, today: dt.date,
                   settings: Settings) -> None:
    tz = settings.company.tz
    now = dt.datetime.now(UTC)
    theirs: dict[int, list[int]] = {}
    for cid, manager in conn.execute(select(Counterparty.id, Counterparty.manager_id)
                                     .where(Counterparty.manager_id.is_not(None))):
        theirs.setdefault(int(manager or 0), []).append(cid)
    events = []
    for uid in [*people.managers, people.head]:
        per_day = 3 if uid == people.head else rng.choice((5, 6))
        pool = theirs.get(uid) or [c for cs in theirs.values() for c in cs]
        for day in _week(today):
            for slot in rng.sample(range(9, 18), per_day):
                start = dt.datetime.combine(day, dt.time(slot, rng.choice((0, 30))), tzinfo=tz)
                state = "done" if start.astimezone(UTC) < now else "planned"
                kind = rng.choice(("outgoing_call", "meeting", "outgoing_call", "other"))
                events.append((kind, state, start.astimezone(UTC),
                               (start + dt.timedelta(minutes=45)).astimezone(UTC),
                               rng.choice(pool), None, uid, uid, rng.choice(CALL_NOTES)[:60], "",
                               None, f"bench-week-{uid}-{day}-{slot}@letterpress", 0, "", now,
                               now))
    _events(conn, events)
