"""Counterparties: create, update with their channels, look up by e-mail domain, completeness."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.channels import normalise_domain, normalise_email, normalise_phone
from letterpress.crm.inn import normalise_inn, normalise_kpp
from letterpress.crm.model import (
    Counterparty,
    CounterpartyAddress,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyKind,
    CounterpartyPhone,
    User,
)
from letterpress.crm.permissions import can_edit_counterparty
from letterpress.errors import NotFound, PermissionDenied, ValidationError


@dataclass(frozen=True)
class CounterpartyData:
    """What a form, an import or mail filing may set on a counterparty."""

    name: str
    kind: str = CounterpartyKind.CUSTOMER.value
    legal_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    website: str | None = None
    city: str | None = None
    source: str | None = None
    manager_id: int | None = None
    notes: str | None = None
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    addresses: Sequence[str] = ()
    domains: Sequence[str] = ()


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def apply(counterparty: Counterparty, data: CounterpartyData) -> Counterparty:
    """Validate ``data`` and write it onto ``counterparty``, replacing its channel lists."""
    name = data.name.strip()
    if not name:
        raise ValidationError("a counterparty needs a name", field="name")
    try:
        kind = CounterpartyKind(data.kind).value
    except ValueError:
        raise ValidationError(
            f"kind {data.kind!r}: expected one of {', '.join(k.value for k in CounterpartyKind)}",
            field="kind",
        ) from None
    counterparty.name = name
    counterparty.kind = kind
    counterparty.legal_name = (data.legal_name or "").strip() or None
    counterparty.inn = normalise_inn(data.inn)
    counterparty.kpp = normalise_kpp(data.kpp)
    counterparty.website = (data.website or "").strip() or None
    counterparty.city = (data.city or "").strip() or None
    counterparty.source = (data.source or "").strip() or None
    counterparty.manager_id = data.manager_id
    counterparty.notes = data.notes
    counterparty.phones = [
        CounterpartyPhone(value=p, position=i)
        for i, p in enumerate(_unique(normalise_phone(p) for p in data.phones))
    ]
    counterparty.emails = [
        CounterpartyEmail(email=e, position=i)
        for i, e in enumerate(_unique(normalise_email(e, field="emails") for e in data.emails))
    ]
    counterparty.addresses = [
        CounterpartyAddress(value=a.strip(), position=i)
        for i, a in enumerate(_unique(a.strip() for a in data.addresses))
    ]
    counterparty.domains = [
        CounterpartyDomain(domain=d) for d in _unique(normalise_domain(d) for d in data.domains)
    ]
    return counterparty


def create_counterparty(
    session: Session, data: CounterpartyData, *, external_id: str | None = None
) -> Counterparty:
    if data.manager_id is not None and session.get(User, data.manager_id) is None:
        raise NotFound(f"no user #{data.manager_id}")
    counterparty = apply(Counterparty(external_id=external_id), data)
    session.add(counterparty)
    session.flush()
    return counterparty


def update_counterparty(
    session: Session, user: User, counterparty_id: int, data: CounterpartyData
) -> Counterparty:
    counterparty = session.get(Counterparty, counterparty_id)
    if counterparty is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    if not can_edit_counterparty(session, user, counterparty):
        raise PermissionDenied(f"{user.login} may not change {counterparty.name!r}")
    apply(counterparty, data)
    session.flush()
    return counterparty


def by_domain(session: Session, domain: str) -> list[Counterparty]:
    """Counterparties claiming this mail domain (more than one means: ask a human)."""
    return list(
        session.scalars(
            select(Counterparty)
            .join(CounterpartyDomain)
            .where(CounterpartyDomain.domain == domain.lower())
            .order_by(Counterparty.id)
        )
    )


COMPLETENESS_CHECKLIST: tuple[tuple[str, float], ...] = (
    ("inn", 1.0), ("legal_name", 1.0), ("address", 1.0), ("phone", 1.0), ("email", 1.0),
    ("manager", 1.0),
)


def completeness(counterparty: Counterparty) -> tuple[float, list[str]]:
    """Share (0..1) of the weighted checklist filled in, and the names of what is missing."""
    present = {
        "inn": bool(counterparty.inn),
        "legal_name": bool(counterparty.legal_name),
        "address": bool(counterparty.addresses),
        "phone": bool(counterparty.phones),
        "email": bool(counterparty.emails),
        "manager": counterparty.manager_id is not None,
    }
    total = sum(w for _, w in COMPLETENESS_CHECKLIST)
    got = sum(w for key, w in COMPLETENESS_CHECKLIST if present[key])
    return got / total, [key for key, _ in COMPLETENESS_CHECKLIST if not present[key]]
