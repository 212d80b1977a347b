"""Demo contact persons: the counterparties' people, managers' personal contacts, a few others.

Every counterparty's contact has a position and, as the responsible manager's habits allow, a
phone, an e-mail at the company's domain and a birthday (spread evenly over the year); some have
anniversaries. Contacts of counterparties are numbered ``CT-0001`` ... for later imports.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from letterpress.crm.model import Anniversary, ContactEmail, ContactPerson, ContactPhone
from letterpress.demo import channels, names
from letterpress.demo.bulk import insert_all, insert_returning_ids
from letterpress.demo.people import PersonName, random_person
from letterpress.demo.world import Company, Contact, DemoWorld

PER_COMPANY = {"big": (6, 9), "medium": (3, 5), "small": (2, 3), "micro": (1, 2),
               "potential": (1, 2), "supplier": (1, 3)}
PERSONAL_PER_USER = (3, 5)
OTHER_CONTACTS = (
    ("Организатор выставки «Реклама»", "expo-reklama.ru"),
    ("Журналист, журнал «Полиграфия сегодня»", "poligrafiya-segodnya.ru"),
    ("Консультант по охране труда", "ot-consult.ru"),
)
CONTACT_NOTES = (
    "Предпочитает связь в мессенджере.", "Не звонить после 18:00.",
    "Отвечает на почту по утрам.", "В отпуске обычно в августе.", "Любит подробные сметы.",
)


class _Draft:
    """One contact before insertion: its row, channels and anniversaries."""

    def __init__(self, row: dict[str, Any], person: PersonName, company: Company | None) -> None:
        self.row = row
        self.person = person
        self.company = company
        self.phones: list[tuple[str, str]] = []
        self.emails: list[str] = []
        self.anniversaries: list[tuple[str, dt.date]] = []


def _birthday(rng: random.Random) -> dt.date:
    """A birthday from 1962-1999, uniform over the days of the year (leap days included)."""
    year = rng.randint(1962, 1999)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))


def _local_parts(person: PersonName) -> list[str]:
    first, surname = names.translit(person.first), names.translit(person.surname)
    return [f"{first}.{surname}", f"{first[0]}.{surname}", surname, f"{surname}.{first[0]}"]


def _row(
    person: PersonName, position: str | None, created: dt.datetime, **extra: Any
) -> dict[str, Any]:
    return {"external_id": None, "counterparty_id": None, "owner_id": None, "name": person.full,
            "position": position, "birthday": None, "notes": None, "created_from_mail": False,
            "created_at": created, **extra}


def _company_drafts(world: DemoWorld, rng: random.Random, company: Company) -> list[_Draft]:
    profile = world.staff[company.manager].profile
    filled = profile.completeness if profile else 1.0
    if company.kind == "person":
        return []
    if company.name.startswith("ИП "):
        surname, first, patronymic = company.name.split()[1:4]
        people = [(PersonName(surname, first, patronymic, patronymic.endswith("на")),
                   "Индивидуальный предприниматель")]
    else:
        low, high = PER_COMPANY[company.tier]
        table = names.SUPPLIER_POSITIONS if company.tier == "supplier" else names.CUSTOMER_POSITIONS
        positions, weights = [p for p, _ in table], [w for _, w in table]
        people = [
            (random_person(rng), rng.choices(positions, weights=weights)[0])
            for _ in range(rng.randint(low, high))
        ]
    drafts = []
    used_locals: set[str] = set()
    assert company.created_at is not None
    latest = world.timeline.at(world.timeline.days(-1), 12)
    for person, position in people:
        created = min(company.created_at + dt.timedelta(days=rng.randint(0, 400),
                                                         minutes=rng.randint(0, 300)), latest)
        draft = _Draft(_row(person, position, created, counterparty_id=company.id), person, company)
        if rng.random() < (0.95 if filled > 0.6 else 0.5):
            draft.row["birthday"] = _birthday(rng)
        if rng.random() < 0.06:
            draft.row["notes"] = rng.choice(CONTACT_NOTES)
        if rng.random() < min(0.97, filled + 0.05):
            if company.domain:
                local = next((p for p in _local_parts(person) if p not in used_locals), None)
                if local is not None:
                    used_locals.add(local)
                    draft.emails.append(f"{local}@{company.domain}")
            else:
                draft.emails.append(f"{_local_parts(person)[0]}{rng.randint(1, 99)}@"
                                    f"{rng.choice(names.PUBLIC_MAIL_DOMAINS)}")
        if rng.random() < filled * 0.75:
            draft.phones.append((channels.mobile_phone(rng), "мобильный"))
        if rng.random() < filled * 0.55:
            work = f"{channels.city_phone(rng, company.city)} доб. {rng.randint(100, 499)}"
            draft.phones.append((work, "рабочий"))
        if rng.random() < 0.08:
            label = rng.choice(names.ANNIVERSARY_LABELS)
            year = rng.randint(2003, world.timeline.anchor.year - 1)
            draft.anniversaries.append(
                (label, dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)))
            )
        drafts.append(draft)
    return drafts


def _personal_drafts(world: DemoWorld, rng: random.Random) -> list[_Draft]:
    drafts = []
    created = world.timeline.at(world.timeline.start, 10)
    for staff in world.staff.values():
        if staff.login == "admin":
            continue
        for _ in range(rng.randint(*PERSONAL_PER_USER)):
            person = random_person(rng)
            draft = _Draft(_row(person, rng.choice(names.PERSONAL_ROLES), created,
                                owner_id=staff.id, birthday=_birthday(rng)), person, None)
            draft.phones.append((channels.mobile_phone(rng), "мобильный"))
            if rng.random() < 0.6:
                domain = rng.choice(names.PUBLIC_MAIL_DOMAINS)
                draft.emails.append(f"{_local_parts(person)[1]}@{domain}")
            drafts.append(draft)
    for position, domain in OTHER_CONTACTS:
        person = random_person(rng)
        draft = _Draft(_row(person, position, created), person, None)
        draft.emails.append(f"{_local_parts(person)[0]}@{domain}")
        draft.phones.append((channels.city_phone(rng, "Москва"), "рабочий"))
        drafts.append(draft)
    return drafts


def build_contacts(world: DemoWorld, rng: random.Random) -> None:
    drafts = [d for company in world.companies for d in _company_drafts(world, rng, company)]
    for n, draft in enumerate(drafts, 1):
        draft.row["external_id"] = f"CT-{n:04d}"
    drafts += _personal_drafts(world, rng)
    ids = insert_returning_ids(world.session, ContactPerson, [d.row for d in drafts])
    phones, emails, anniversaries = [], [], []
    for draft, contact_id in zip(drafts, ids, strict=True):
        world.add_contact(Contact(contact_id, draft.person.full, draft.person.female,
                                  draft.row["position"], draft.company))
        phones += [{"contact_id": contact_id, "value": v, "label": label, "position": i}
                   for i, (v, label) in enumerate(draft.phones)]
        emails += [{"contact_id": contact_id, "email": e, "position": i}
                   for i, e in enumerate(draft.emails)]
        anniversaries += [{"contact_id": contact_id, "label": label, "date": day}
                          for label, day in draft.anniversaries]
    insert_all(world.session, ContactPhone, phones)
    insert_all(world.session, ContactEmail, emails)
    insert_all(world.session, Anniversary, anniversaries)
