"""Demo counterparties: customers of every size (Pareto-like), suppliers, both, private persons.

Planning comes first (:class:`~letterpress.demo.world.Company`: size tier, manager, lifecycle
with start month, loss month and payment terms), then one bulk insert per table. The numbering
(``CP-0001`` ...) follows the creation date, as an ERP's would.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from letterpress.crm.model import (
    Counterparty,
    CounterpartyAddress,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyKind,
    CounterpartyPhone,
)
from letterpress.demo import channels, names
from letterpress.demo.bulk import insert_all, insert_returning_ids
from letterpress.demo.people import random_person
from letterpress.demo.timeline import HISTORY_MONTHS
from letterpress.demo.world import Company, DemoWorld, Staff

# How many customers of each tier (besides the named big ones and institutions).
TIER_SIZES = {"medium": 28, "small": 122, "micro": 50, "potential": 26}
SOLE_TRADERS = {"small": 24, "micro": 12}
PRIVATE_PERSONS = 16
# The latest month a lost customer may still buy in: its last order is over six months old.
LAST_MONTH_OF_LOST = HISTORY_MONTHS - 8

NOTES = (
    "Оплата только по счёту, закрывающие документы через ЭДО.",
    "Доставка до склада, пропуск заказывать за день.",
    "Макеты присылают в CorelDRAW: конвертировать в PDF/X-1a.",
    "Перед тиражом обязательно цветопроба.",
    "Решения принимает директор, бухгалтерия оплачивает по пятницам.",
    "Просят упаковку тиража в пачки по 100 шт.",
)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class _Namer:
    """Unique company names and domains built from roots and industry suffixes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.combos = [(r, i) for r in names.ROOTS for i in names.INDUSTRIES]
        rng.shuffle(self.combos)
        self.names: set[str] = set()
        self.domains: set[str] = set()

    def domain(self, stem: str) -> str:
        tld = self.rng.choices((".ru", ".com", ".net", ".su"), weights=(85, 9, 3, 3))[0]
        candidate = stem + tld
        n = 2
        while candidate in self.domains:
            candidate = f"{stem}{n}{tld}"
            n += 1
        self.domains.add(candidate)
        return candidate

    def company(self, form: str) -> tuple[str, str, str, str]:
        """(short name, legal name, domain, industry) for a new company in legal ``form``."""
        while True:
            (root, root_latin), industry = self.combos.pop()
            style = self.rng.random()
            if style < 0.1:
                title, stem, label = f"ТД {root}", f"td-{root_latin}", "торговля"
            elif style < 0.18:
                title, stem, label = f"РА {root}", f"ra-{root_latin}", "реклама"
            elif industry.joined:
                title, stem = root + industry.suffix, root_latin + industry.latin
                label = industry.label
            else:
                title = f"{root}-{industry.suffix}"
                stem, label = f"{root_latin}-{industry.latin}", industry.label
            if title not in self.names:
                self.names.add(title)
                legal = f"{names.LEGAL_FORMS[form]} «{title}»"
                return f"{form} «{title}»", legal, self.domain(stem), label


class _Planner:
    def __init__(self, world: DemoWorld, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.namer = _Namer(rng)
        self.companies: list[Company] = []

    def manager(self, tier: str) -> Staff:
        managers = self.world.managers
        weights = []
        for m in managers:
            assert m.profile is not None
            boost = 3.0 if tier == "potential" and m.login == "manager6" else 1.0
            weights.append(m.profile.weight * boost)
        return self.rng.choices(managers, weights=weights)[0]

    def city(self, manager: Staff) -> str:
        pairs = names.TEAM_CITIES[manager.team or "north"]
        return _weighted(self.rng, pairs)

    def add(self, **fields: Any) -> Company:
        company = Company(number=0, **fields)
        self.companies.append(company)
        return company

    def lifecycle(self, company: Company, manager: Staff) -> None:
        rng, tier = self.rng, company.tier
        assert manager.profile is not None
        profile = manager.profile
        if tier == "big":
            company.start, company.terms = 0, "postpay"
        elif tier == "medium":
            company.start = 0 if rng.random() < 0.75 else rng.randint(1, 16)
            company.terms = rng.choices(("postpay", "half", "prepay"), weights=(5, 4, 1))[0]
        elif tier == "small":
            company.start = 0 if rng.random() < 0.45 else rng.randint(1, HISTORY_MONTHS - 2)
            company.terms = rng.choices(("prepay", "half", "postpay"), weights=(5, 3, 2))[0]
        else:
            company.start = rng.randint(0, HISTORY_MONTHS - 1)
            company.terms = "prepay"
        company.start = max(company.start, profile.joined)
        lost_rate = {"medium": profile.lost_rate * 0.6, "small": profile.lost_rate}.get(tier, 0.0)
        if rng.random() < lost_rate and company.start + 4 <= LAST_MONTH_OF_LOST:
            company.end = rng.randint(company.start + 4, LAST_MONTH_OF_LOST + 1)
        if company.terms != "prepay" and rng.random() < 0.15:
            company.pay_days = rng.randint(10, 40)  # a late payer
        else:
            company.pay_days = rng.randint(0, 4)

    def customer(self, tier: str, form: str) -> Company:
        manager = self.manager(tier)
        short, legal, domain, industry = self.namer.company(form)
        company = self.add(
            kind=CounterpartyKind.CUSTOMER.value, tier=tier, name=short, legal_name=legal,
            city=self.city(manager), industry=industry, domain=domain, manager=manager.login,
            source=_weighted(self.rng, names.SOURCES),
        )
        self.lifecycle(company, manager)
        return company

    def plan(self) -> list[Company]:
        rng, world = self.rng, self.world
        big_managers = ("manager1", "manager4", "manager1", "manager2", "manager4")
        for named, login in zip(names.BIG_CUSTOMERS[: world.scaled(5)], big_managers, strict=False):
            self.namer.domains.add(named.domain)
            company = self.add(
                kind=CounterpartyKind.CUSTOMER.value, tier="big", name=named.short,
                legal_name=named.legal, city=named.city, industry=named.industry,
                domain=named.domain, manager=login, source=rng.choice(("выставка", "рекомендация")),
            )
            self.lifecycle(company, world.staff[login])
        for named in names.INSTITUTIONS[: world.scaled(len(names.INSTITUTIONS))]:
            manager = self.manager("medium")
            self.namer.domains.add(named.domain)
            company = self.add(
                kind=CounterpartyKind.CUSTOMER.value, tier="medium", name=named.short,
                legal_name=named.legal, city=named.city, industry=named.industry,
                domain=named.domain, manager=manager.login, source="тендер",
            )
            self.lifecycle(company, manager)
        for tier, size in TIER_SIZES.items():
            for _ in range(world.scaled(size)):
                form = "ООО"
                if tier == "medium":
                    form = rng.choices(("ООО", "АО", "ЗАО"), weights=(70, 25, 5))[0]
                elif tier == "small" and rng.random() < 0.05:
                    form = "АО"
                self.customer(tier, form)
        for tier, size in SOLE_TRADERS.items():
            for _ in range(world.scaled(size)):
                self.sole_trader(tier)
        for _ in range(world.scaled(PRIVATE_PERSONS)):
            self.private_person()
        for supplier in names.SUPPLIERS[: world.scaled(len(names.SUPPLIERS))]:
            self.supplier(supplier, CounterpartyKind.SUPPLIER.value)
        for supplier in names.BOTH[: world.scaled(len(names.BOTH))]:
            self.supplier(supplier, CounterpartyKind.BOTH.value)
        self.number()
        return self.companies

    def sole_trader(self, tier: str) -> None:
        rng = self.rng
        manager = self.manager(tier)
        person = random_person(rng)
        trade, trade_latin = rng.choice(names.SOLE_TRADES)
        domain = None
        if rng.random() < 0.45:
            domain = self.namer.domain(f"{names.translit(person.surname)}-{trade_latin}")
        company = self.add(
            kind=CounterpartyKind.CUSTOMER.value, tier=tier, name=f"ИП {person.full}",
            legal_name=f"{names.LEGAL_FORMS['ИП']} {person.full}", city=self.city(manager),
            industry=trade, domain=domain, manager=manager.login,
            source=_weighted(rng, names.SOURCES),
        )
        self.lifecycle(company, manager)

    def private_person(self) -> None:
        rng = self.rng
        manager = self.manager("micro")
        person = random_person(rng)
        company = self.add(
            kind=CounterpartyKind.PERSON.value, tier="micro", name=person.full,
            legal_name=person.full, city=self.city(manager), industry="частное лицо", domain=None,
            manager=manager.login, source=rng.choice(("сайт", "рекомендация", "поисковая реклама")),
        )
        self.lifecycle(company, manager)

    def supplier(self, supplier: names.Supplier, kind: str) -> None:
        rng = self.rng
        # Purchasing is done by the steadier managers, never by the one who neglects the data.
        login = rng.choice(("manager1", "manager2", "manager4", "manager4"))
        form = "ООО" if rng.random() < 0.85 else "АО"
        short = supplier.short if "«" in supplier.short else f"{form} «{supplier.short}»"
        legal = (f"{names.LEGAL_FORMS[form]} «{supplier.short}»" if "«" not in supplier.short
                 else f"{names.LEGAL_FORMS[form]} {supplier.short}")
        self.namer.domains.add(supplier.latin + ".ru")
        company = self.add(
            kind=kind, tier="supplier" if kind == CounterpartyKind.SUPPLIER.value else "small",
            name=short, legal_name=legal, city=rng.choice(("Москва", "Москва", "Санкт-Петербург")),
            industry=names.SUPPLIER_CATEGORIES[supplier.category], domain=supplier.latin + ".ru",
            manager=login, source=rng.choice((None, "выставка", "рекомендация")),
            category=supplier.category,
        )
        if kind == CounterpartyKind.BOTH.value:
            self.lifecycle(company, self.world.staff[login])
            company.start = 0

    def number(self) -> None:
        """Creation dates, then numbers in creation order."""
        rng, timeline = self.rng, self.world.timeline
        for company in self.companies:
            if company.tier == "potential":
                day = timeline.month(rng.randint(4, HISTORY_MONTHS - 1))
                day += dt.timedelta(days=rng.randint(0, 27))
            elif company.start == 0 or company.tier == "supplier":
                day = timeline.start - dt.timedelta(days=rng.randint(20, 2500))
            else:
                day = timeline.month(company.start) - dt.timedelta(days=rng.randint(2, 40))
            company.created_at = timeline.at(day, rng.randint(9, 17), rng.randint(0, 59))
        self.companies.sort(key=lambda c: (c.created_at, c.name))
        for n, company in enumerate(self.companies, 1):
            company.number = n


def _channel_rows(
    world: DemoWorld, rng: random.Random, company: Company, used_inns: set[str]
) -> dict[str, Any]:
    """The counterparty row and its channel lists, with gaps as the manager's habits dictate."""
    profile = world.staff[company.manager].profile
    filled = profile.completeness if profile else 1.0

    def keep() -> bool:
        return rng.random() < filled

    is_person = company.kind == CounterpartyKind.PERSON.value
    sole_trader = company.name.startswith("ИП ")
    inn = kpp = None
    if not is_person and keep():
        if sole_trader:
            inn = channels.person_inn(rng, company.city, used_inns)
        else:
            inn = channels.company_inn(rng, company.city, used_inns)
            kpp = channels.kpp_for(inn)
    phones: list[tuple[str, str]] = []
    if keep():
        if is_person:
            phones.append((channels.mobile_phone(rng), "мобильный"))
        else:
            phones.append((channels.city_phone(rng, company.city), "основной"))
            if rng.random() < 0.4:
                label = rng.choice(("бухгалтерия", "отдел закупок", "мобильный"))
                second = (channels.mobile_phone(rng) if label == "мобильный"
                          else channels.city_phone(rng, company.city))
                phones.append((second, label))
    emails: list[str] = []
    if keep():
        if company.domain:
            box = "sales" if company.kind == CounterpartyKind.SUPPLIER.value else rng.choice(
                ("info", "info", "office", "zakaz", "mail"))
            emails.append(f"{box}@{company.domain}")
            if rng.random() < 0.3:
                emails.append(f"buh@{company.domain}")
        else:
            name_part = names.translit(company.name.removeprefix("ИП ").split()[0])
            domain = rng.choice(names.PUBLIC_MAIL_DOMAINS)
            emails.append(f"{name_part}{rng.randint(70, 99)}@{domain}")
    addresses: list[tuple[str, str]] = []
    if keep():
        addresses.append((channels.address(rng, company.city), "юридический"))
        if not is_person and rng.random() < 0.3:
            addresses.append((channels.address(rng, company.city), "фактический"))
    row = {
        "external_id": company.external_id, "kind": company.kind, "name": company.name,
        "legal_name": company.legal_name if (is_person or keep()) else None,
        "inn": inn, "kpp": kpp,
        "website": (f"https://www.{company.domain}/"
                    if company.domain and rng.random() < 0.75 else None),
        "city": company.city, "source": company.source,
        "manager_id": world.staff[company.manager].id,
        "notes": rng.choice(NOTES) if rng.random() < 0.12 else None,
        "created_at": company.created_at,
    }
    return {"row": row, "phones": phones, "emails": emails, "addresses": addresses}


def build_counterparties(world: DemoWorld, rng: random.Random) -> None:
    companies = _Planner(world, rng).plan()
    world.companies = companies
    used_inns: set[str] = set()
    plans = [_channel_rows(world, rng, c, used_inns) for c in companies]
    ids = insert_returning_ids(world.session, Counterparty, [p["row"] for p in plans])
    phones, emails, addresses, domains = [], [], [], []
    for company, plan, cp_id in zip(companies, plans, ids, strict=True):
        company.id = cp_id
        phones += [{"counterparty_id": cp_id, "value": v, "label": label, "position": i}
                   for i, (v, label) in enumerate(plan["phones"])]
        emails += [{"counterparty_id": cp_id, "email": e, "position": i}
                   for i, e in enumerate(plan["emails"])]
        addresses += [{"counterparty_id": cp_id, "value": v, "label": label, "position": i}
                      for i, (v, label) in enumerate(plan["addresses"])]
        if company.domain:
            domains.append({"counterparty_id": cp_id, "domain": company.domain})
    insert_all(world.session, CounterpartyPhone, phones)
    insert_all(world.session, CounterpartyEmail, emails)
    insert_all(world.session, CounterpartyAddress, addresses)
    insert_all(world.session, CounterpartyDomain, domains)
