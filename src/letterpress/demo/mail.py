"""The demo's mail: several thousand letters, written as mbox archives and filed by the real
pipeline.

The step adds the few counterparties only the mail knows about (three foreign partners who write
in English, and a sister company sharing a big customer's mail domain), writes one mbox per
manager and one for the head of sales into ``<data dir>/demo-mail/`` (see
:mod:`letterpress.demo.correspondence` for what the letters are), commits what the demo has built
so far, and imports each archive with :func:`letterpress.mailsvc.archive.import_archive` into an
archive mailbox ``<login>-archive`` owned by that user: parsing, storing, threading, filing,
contacts from mail, invitations and order numbers all happen exactly as for real mail.

The step needs the settings (the data directory, the mail settings) and so is bound with
:func:`mail_step`; ``build_demo(..., steps=(*STEPS, mail_step(settings)))``. It commits the
session: the pipeline works in transactions of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from letterpress.config import Settings
from letterpress.crm.model import (
    ContactEmail,
    ContactPerson,
    Counterparty,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyKind,
    User,
)
from letterpress.db.session import session_factory, writer
from letterpress.demo import mailtexts
from letterpress.demo.build import Step
from letterpress.demo.bulk import insert_all, insert_returning_ids
from letterpress.demo.correspondence import MAIL_MONTHS, Correspondence
from letterpress.demo.names import COMPANY_DOMAIN, translit
from letterpress.demo.people import random_person
from letterpress.demo.post import MAILERS, Person, write_mbox
from letterpress.demo.timeline import HISTORY_MONTHS
from letterpress.demo.world import Company, Contact, DemoWorld
from letterpress.mailsvc.archive import ArchiveResult, import_archive

log = logging.getLogger(__name__)

MAIL_DIR = "demo-mail"
MAILBOX_ORDER = ("manager1", "manager2", "manager3", "manager4", "manager5", "manager6", "head")
# A subsidiary that uses its parent's mail domain, by the parent's domain.
SISTERS = {
    "bank-zarechye.ru": "Заречье Лизинг",
    "severpharm.ru": "Северфарм Дистрибуция",
    "kalina-market.ru": "Калина Логистик",
    "meridian-press.ru": "Меридиан Дистрибуция",
    "kvartaly-dev.ru": "Кварталы Сервис",
}


def mailbox_name(login: str) -> str:
    return f"{login}-archive"


def mail_step(settings: Settings, *, workers: int | None = 0) -> Step:
    """The letters step, bound to ``settings``.

    ``workers`` is passed to :func:`~letterpress.mailsvc.archive.import_archive`. The default, 0,
    parses in this process: the demo's letters are small and each archive would start a pool of
    its own, so worker processes cost more than they save (about 25 s instead of 8 s on two
    cores); ``None`` uses one worker per core.
    """
    return Step("letters", partial(build_letters, settings=settings, workers=workers))


def build_letters(world: DemoWorld, rng: random.Random, *, settings: Settings,
                  workers: int | None = 0) -> None:
    started = time.perf_counter()
    foreign = _foreign_partners(world, rng)
    shared = _shared_domain(world, rng)
    world.session.flush()
    staff = _staff(world)
    people, known = _people(world, rng, foreign)
    correspondence = Correspondence(
        world, rng, staff=staff, people=people, known_emails=known,
        foreign=[(c, people[c.id]) for c in foreign],
        shared=(shared[0], shared[1], people.get(shared[1].id, [])) if shared else None,
    )
    post = correspondence.write()
    directory = settings.data_dir / MAIL_DIR
    paths = []
    for login in MAILBOX_ORDER:
        path = directory / f"{login}.mbox"
        world.counts[f"mbox_{login}"] = write_mbox(path, post.boxes.get(login, []))
        paths.append((login, path))
    world.counts["letters_written"] = len({n for box in post.boxes.values() for _, n, _ in box})
    written = time.perf_counter()
    log.info("demo mail: %d letters written in %.2f s (%s)", world.counts["letters_written"],
             written - started, dict(post.kinds))
    world.session.commit()
    results = import_mail(world.session.get_bind(), settings, paths, workers=workers)
    world.counts["letters_rejected"] = sum(len(r.rejected) for r in results)
    log.info("demo mail: imported in %.2f s", time.perf_counter() - written)


def mail_settings(settings: Settings) -> Settings:
    """``settings`` with the demo company's own mail domain (internal mail files nowhere)."""
    domains = tuple(dict.fromkeys((*settings.company.mail_domains, COMPANY_DOMAIN)))
    return dataclasses.replace(
        settings, company=dataclasses.replace(settings.company, mail_domains=domains))


def import_mail(bind: Engine | Connection, settings: Settings, paths: list[tuple[str, Path]],
                *, workers: int | None = None) -> list[ArchiveResult]:
    engine = bind.engine if isinstance(bind, Connection) else bind
    factory = session_factory(writer(engine))
    chosen = mail_settings(settings)
    return [import_archive(factory, chosen, path, kind="mbox", mailbox_name=mailbox_name(login),
                           owner=login, workers=workers)
            for login, path in paths]


# -- counterparties only the mail knows -------------------------------------------------------


def _next_numbers(world: DemoWorld) -> tuple[int, int]:
    company = max((c.number for c in world.companies), default=0) + 1
    contact = sum(1 for c in world.contacts if c.company is not None) + 1
    return company, contact


def _insert(world: DemoWorld, companies: list[tuple[Company, list[tuple[str, str, str]], str]]
            ) -> None:
    """Insert companies with their domain, one office address and contact persons
    ``(name, position, email)``."""
    session = world.session
    number, contact_number = _next_numbers(world)
    for company, _, _ in companies:
        company.number = number
        number += 1
    ids = insert_returning_ids(session, Counterparty, [{
        "external_id": c.external_id, "kind": c.kind, "name": c.name, "legal_name": c.legal_name,
        "inn": None, "kpp": None, "website": f"https://www.{c.domain}/", "city": c.city,
        "source": c.source, "manager_id": world.staff[c.manager].id, "notes": note or None,
        "created_at": c.created_at,
    } for c, _, note in companies])
    contact_rows: list[dict[str, Any]] = []
    drafts: list[tuple[Company, str, str, str]] = []
    for (company, people, _), cp_id in zip(companies, ids, strict=True):
        company.id = cp_id
        world.companies.append(company)
        for name, position, email in people:
            contact_rows.append({
                "external_id": f"CT-{contact_number:04d}", "counterparty_id": cp_id,
                "owner_id": None, "name": name, "position": position, "birthday": None,
                "notes": None, "created_from_mail": False, "created_at": company.created_at})
            drafts.append((company, name, position, email))
            contact_number += 1
    contact_ids = insert_returning_ids(session, ContactPerson, contact_rows)
    for (company, name, position, _), contact_id in zip(drafts, contact_ids, strict=True):
        world.add_contact(Contact(contact_id, name, False, position, company))
    insert_all(session, ContactEmail, [{"contact_id": cid, "email": draft[3], "position": 0}
                                       for cid, draft in zip(contact_ids, drafts, strict=True)])
    insert_all(session, CounterpartyDomain, [{"counterparty_id": c.id, "domain": c.domain}
                                             for c, _, _ in companies])
    insert_all(session, CounterpartyEmail, [{"counterparty_id": c.id, "email": f"info@{c.domain}",
                                             "position": 0} for c, _, _ in companies])


def _foreign_partners(world: DemoWorld, rng: random.Random) -> list[Company]:
    """Three partners abroad who write in English (the mail window's first weeks)."""
    start = world.timeline.month(HISTORY_MONTHS - MAIL_MONTHS - 3)
    plans = []
    for partner in mailtexts.FOREIGN_PARTNERS:
        kind = (CounterpartyKind.SUPPLIER if partner.kind == "supplier"
                else CounterpartyKind.CUSTOMER).value
        company = Company(
            number=0, kind=kind, tier="supplier" if partner.kind == "supplier" else "foreign",
            name=partner.name, legal_name=partner.name, city=partner.city,
            industry=partner.business, domain=partner.domain, manager=partner.manager,
            source="выставка", created_at=world.timeline.at(
                start + dt.timedelta(days=rng.randint(0, 60)), rng.randint(9, 17)))
        people = [(name, position, (f"{name.split()[0].lower()}.{name.split()[1].lower()}@"
                                   f"{partner.domain}")) for name, position in partner.people]
        plans.append((company, people, "Переписка на английском."))
    _insert(world, plans)
    return [c for c, _, _ in plans]


def _shared_domain(world: DemoWorld, rng: random.Random) -> tuple[Company, Company] | None:
    """A big customer's subsidiary on the parent's mail domain: filing by that domain alone is
    ambiguous, so new people there wait for a human."""
    parent = next((c for c in world.companies if c.tier == "big" and c.domain), None)
    if parent is None or parent.domain is None:
        return None
    title = SISTERS.get(parent.domain, f"{parent.name.split('«')[-1].rstrip('»')} Сервис")
    assert parent.created_at is not None
    sister = Company(
        number=0, kind=CounterpartyKind.CUSTOMER.value, tier="medium", name=f"ООО «{title}»",
        legal_name=f"Общество с ограниченной ответственностью «{title}»", city=parent.city,
        industry=parent.industry, domain=parent.domain, manager=parent.manager,
        source="рекомендация",
        created_at=parent.created_at + dt.timedelta(days=rng.randint(30, 300)))
    person = random_person(rng)
    email = (f"{translit(person.first)[0]}.{translit(person.surname)}.buh@{parent.domain}")
    _insert(world, [(sister, [(person.full, "Главный бухгалтер", email)],
                     f"Дочерняя компания {parent.name}, общий почтовый домен {parent.domain}.")])
    return parent, sister


# -- who writes ------------------------------------------------------------------------------


def _staff(world: DemoWorld) -> dict[str, Person]:
    out = {}
    for ext, (login, staff) in enumerate(sorted(world.staff.items()), 10):
        title = mailtexts.STAFF_TITLES.get(login, mailtexts.STAFF_TITLE)
        out[login] = Person(name=staff.name, email=staff.email, address_as=staff.first_name,
                            signature=mailtexts.staff_signature(staff.name, title, ext),
                            login=login)
    return out


def _people(world: DemoWorld, rng: random.Random, foreign: list[Company]
            ) -> tuple[dict[int, list[Person]], set[str]]:
    """Contact persons of counterparties who have an e-mail, by counterparty id; and every
    e-mail address the database knows."""
    session = world.session
    companies = {c.id: c for c in world.companies}
    abroad = {c.id: p for c in foreign for p in mailtexts.FOREIGN_PARTNERS if p.name == c.name}
    people: dict[int, list[Person]] = {}
    seen: set[int] = set()
    rows = session.execute(
        select(ContactPerson.id, ContactPerson.counterparty_id, ContactPerson.name,
               ContactPerson.position, ContactEmail.email)
        .join(ContactEmail, ContactEmail.contact_id == ContactPerson.id)
        .where(ContactPerson.counterparty_id.is_not(None), ContactPerson.owner_id.is_(None))
        .order_by(ContactPerson.id, ContactEmail.position)
    ).all()
    mailers = [m for m, _ in MAILERS]
    weights = [w for _, w in MAILERS]
    for contact_id, cp_id, name, position, email in rows:
        if contact_id in seen or cp_id not in companies:
            continue
        seen.add(contact_id)
        company = companies[cp_id]
        parts = name.split()
        if cp_id in abroad:
            partner = abroad[cp_id]
            person = Person(name=name, email=email, address_as=parts[0], company=company,
                            position=position, english=True, utc_offset=partner.utc_offset,
                            signature=f"Best regards,\n{name}\n{position}\n{company.name}",
                            mailer="Microsoft Outlook 16.0")
        else:
            display = f"{parts[1]} {parts[0]}" if len(parts) == 3 else name
            address_as = f"{parts[1]} {parts[2]}" if len(parts) == 3 else parts[0]
            mailer = rng.choices(mailers, weights=weights)[0]
            person = Person(name=display, email=email, address_as=address_as, company=company,
                            position=position, mailer=mailer,
                            raw_headers=mailer.startswith("The Bat!") and rng.random() < 0.4,
                            signature=mailtexts.client_signature(display, position, company.name))
        people.setdefault(cp_id, []).append(person)
    known = {e.lower() for e in session.scalars(select(ContactEmail.email))}
    known |= {e.lower() for e in session.scalars(select(CounterpartyEmail.email))}
    known |= {e.lower() for e in session.scalars(select(User.email)) if e}
    return people, known

