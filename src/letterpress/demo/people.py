"""The printing house's own people (users, teams) and the generator of Russian person names.

Eight users: ``admin``, ``head`` (head of sales) and ``manager1`` ... ``manager6`` in two teams.
Each manager has a :class:`~letterpress.demo.world.ManagerProfile` so that the analytics later
shows different, explainable performance: manager3 keeps a poor database, manager5 loses
customers, manager6 joined eleven months ago.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from letterpress.crm.model import Role, Team, User
from letterpress.crm.passwords import hash_password
from letterpress.demo import names
from letterpress.demo.timeline import HISTORY_MONTHS
from letterpress.demo.world import DemoWorld, ManagerProfile, Staff

DEMO_PASSWORD = "demo"
TEAMS = {"north": "Север", "south": "Юг"}

_MANAGERS = (
    ("manager1", "Елена", "Кузнецова", True, ManagerProfile(
        team="north", weight=0.22, completeness=0.97, lost_rate=0.05, closed_rate=0.025,
        events_rate=1.0, delay_days=1, joined=0, data_trend=0.001,
        trait="ведёт крупных клиентов; база заполнена, история ведётся")),
    ("manager2", "Дмитрий", "Волков", False, ManagerProfile(
        team="north", weight=0.19, completeness=0.93, lost_rate=0.1, closed_rate=0.03,
        events_rate=0.9, delay_days=2, joined=0, data_trend=0.004, trait="ровный середняк")),
    ("manager3", "Сергей", "Лебедев", False, ManagerProfile(
        team="north", weight=0.18, completeness=0.45, lost_rate=0.1, closed_rate=0.04,
        events_rate=0.35, delay_days=2, joined=0, data_trend=-0.004,
        trait="плохо заполняет базу (нет ИНН, телефонов, e-mail) и редко регистрирует события")),
    ("manager4", "Наталья", "Павлова", True, ManagerProfile(
        team="south", weight=0.2, completeness=0.95, lost_rate=0.06, closed_rate=0.025,
        events_rate=1.0, delay_days=1, joined=0, data_trend=0.002,
        trait="сильный менеджер, стабильные клиенты")),
    ("manager5", "Максим", "Орлов", False, ManagerProfile(
        team="south", weight=0.18, completeness=0.9, lost_rate=0.6, closed_rate=0.1,
        events_rate=0.8, delay_days=6, joined=0, data_trend=0.002,
        trait="много потерянных клиентов: срывы сроков, заказы закрыты без отгрузки")),
    ("manager6", "Анна", "Никитина", True, ManagerProfile(
        team="south", weight=0.1, completeness=0.9, lost_rate=0.08, closed_rate=0.03,
        events_rate=1.15, delay_days=1, joined=HISTORY_MONTHS - 11, data_trend=0.012,
        trait="пришла 11 месяцев назад: новые клиенты, много потенциальных")),
)
LOGINS = ("admin", "head", *(m[0] for m in _MANAGERS))


@dataclass(frozen=True)
class PersonName:
    surname: str
    first: str
    patronymic: str
    female: bool

    @property
    def full(self) -> str:
        return f"{self.surname} {self.first} {self.patronymic}"

    @property
    def initials(self) -> str:
        return f"{self.surname} {self.first[0]}. {self.patronymic[0]}."


def random_person(rng: random.Random, female: bool | None = None) -> PersonName:
    if female is None:
        female = rng.random() < 0.55
    surname = rng.choice(names.SURNAMES)
    patronymic = rng.choice(names.PATRONYMICS)
    if female:
        return PersonName(names.female_surname(surname), rng.choice(names.FEMALE_NAMES),
                          patronymic[1], True)
    return PersonName(surname, rng.choice(names.MALE_NAMES), patronymic[0], False)


def _staff_email(first: str, surname: str) -> str:
    return f"{names.translit(first)[0]}.{names.translit(surname)}@{names.COMPANY_DOMAIN}"


def build_staff(world: DemoWorld, rng: random.Random) -> None:
    """Teams and users; the password hash is computed once (argon2 is slow) and shared."""
    session = world.session
    password_hash = hash_password(DEMO_PASSWORD)
    long_ago = dt.datetime.combine(world.timeline.start, dt.time(9), tzinfo=dt.UTC)
    teams = {key: Team(name=name) for key, name in TEAMS.items()}
    session.add_all(teams.values())

    def add(staff: Staff, created: dt.datetime, supervisor: User | None) -> User:
        user = User(
            login=staff.login, name=staff.name, email=staff.email, role=staff.role,
            team=teams[staff.team] if staff.team else None, supervisor=supervisor,
            password_hash=password_hash, created_at=created, active=True,
        )
        session.add(user)
        world.staff[staff.login] = staff
        return user

    admin = Staff("admin", "Ирина", "Соколова", True, Role.ADMIN.value,
                  _staff_email("Ирина", "Соколова"))
    users = {"admin": add(admin, long_ago - dt.timedelta(days=900), None)}
    head = add(Staff("head", "Андрей", "Морозов", False, Role.HEAD.value,
                     _staff_email("Андрей", "Морозов")), long_ago - dt.timedelta(days=800), None)
    users["head"] = head
    for login, first, surname, female, profile in _MANAGERS:
        joined = world.timeline.month(profile.joined)
        created = dt.datetime.combine(joined, dt.time(9), tzinfo=dt.UTC)
        if profile.joined == 0:
            created -= dt.timedelta(days=rng.randint(60, 700))
        staff = Staff(login, first, surname, female, Role.MANAGER.value,
                      _staff_email(first, surname), team=profile.team, profile=profile)
        users[login] = add(staff, created, head)
    session.flush()
    for login, user in users.items():
        world.staff[login].id = user.id
    world.counts["teams"] = len(teams)
