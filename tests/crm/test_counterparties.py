from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from letterpress.crm import counterparties as cps
from letterpress.crm import users
from letterpress.crm.counterparties import CounterpartyData
from letterpress.errors import PermissionDenied, ValidationError


def test_create_normalises_channels(session: Session) -> None:
    m = users.add_user(session, "manager1")
    cp = cps.create_counterparty(session, CounterpartyData(
        name=" ООО «Ромашка» ", legal_name="ООО «Ромашка»", inn="7707083893", kpp="773601001", manager_id=m.id,
        phones=["8 (495) 123-45-67", "8 (495) 123-45-67"], emails=["Info@Romashka.RU"],
        domains=["https://www.romashka.ru/", "@romashka-print.ru"], addresses=["Москва, ул. Ленина, 1"],
    ), external_id="CP-1")
    session.commit()
    assert cp.name == "ООО «Ромашка»"
    assert [p.value for p in cp.phones] == ["+7 (495) 123-45-67"]
    assert [e.email for e in cp.emails] == ["info@romashka.ru"]
    assert sorted(d.domain for d in cp.domains) == ["romashka-print.ru", "romashka.ru"]
    assert [c.id for c in cps.by_domain(session, "ROMASHKA.ru")] == [cp.id]
    score, missing = cps.completeness(cp)
    assert score == 1.0 and missing == []


def test_domain_may_be_claimed_twice_and_lookup_shows_both(session: Session) -> None:
    a = cps.create_counterparty(session, CounterpartyData(name="A", domains=["shared.ru"]))
    b = cps.create_counterparty(session, CounterpartyData(name="B", domains=["shared.ru"]))
    assert [c.id for c in cps.by_domain(session, "shared.ru")] == [a.id, b.id]


@pytest.mark.parametrize(("field", "data"), [
    ("inn", CounterpartyData(name="X", inn="1234567890")),
    ("kind", CounterpartyData(name="X", kind="partner")),
    ("name", CounterpartyData(name="  ")),
    ("emails", CounterpartyData(name="X", emails=["not-an-address"])),
    ("phones", CounterpartyData(name="X", phones=["call me"])),
])
def test_bad_values_name_the_field(session: Session, field: str, data: CounterpartyData) -> None:
    with pytest.raises(ValidationError) as info:
        cps.create_counterparty(session, data)
    assert info.value.field == field


def test_completeness_lists_missing(session: Session) -> None:
    cp = cps.create_counterparty(session, CounterpartyData(name="Bare", phones=["+7 900 000 00 00"]))
    score, missing = cps.completeness(cp)
    assert score == pytest.approx(1 / 6)
    assert missing == ["inn", "legal_name", "address", "email", "manager"]


def test_only_manager_head_or_admin_may_edit(session: Session) -> None:
    head = users.add_user(session, "head", role="head")
    m1 = users.add_user(session, "m1", supervisor="head")
    m2 = users.add_user(session, "m2")
    admin = users.add_user(session, "root", role="admin")
    cp = cps.create_counterparty(session, CounterpartyData(name="C", manager_id=m1.id))
    for who in (m1, head, admin):
        cps.update_counterparty(session, who, cp.id, CounterpartyData(name=f"C by {who.login}",
                                                                      manager_id=m1.id))
    with pytest.raises(PermissionDenied):
        cps.update_counterparty(session, m2, cp.id, CounterpartyData(name="stolen"))
    assert cp.name == "C by root"
