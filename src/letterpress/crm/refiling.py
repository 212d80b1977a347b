"""Filing again: after a counterparty or contact person is created from an unfiled letter, every
letter already received from that address or domain is filed at once; the unfiled list and the
ambiguous queue are read and resolved here too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import Session

from letterpress.crm.channels import domain_of, normalise_domain
from letterpress.crm.contacts import create_contact
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.filing import (
    FilingInput,
    FilingPolicy,
    FilingResult,
    file_letters,
    record_links,
)
from letterpress.crm.model import (
    AmbiguousMatch,
    ContactPerson,
    Counterparty,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    Mailbox,
    MailFolder,
    User,
)
from letterpress.crm.permissions import MailPolicy, visible_letters_clause
from letterpress.errors import NotFound, PermissionDenied, ValidationError


def unfiled_query(session: Session, user: User, policy: MailPolicy) -> Select[Letter]:
    """Letters the user may read that are linked to no counterparty (parsed ones, newest first)."""
    return (
        select(Letter)
        .where(visible_letters_clause(session, user, policy),
               Letter.parse_error.is_(None),
               ~exists().where(LetterLink.letter_id == Letter.id))
        .order_by(Letter.sent_at.desc().nulls_last(), Letter.id.desc())
    )


def filing_inputs(session: Session, letter_ids: Sequence[int]) -> list[FilingInput]:
    """Rebuild what filing needs from stored letters (the owner: of the first personal mailbox)."""
    if not letter_ids:
        return []
    addresses: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for letter_id, role, name, email in session.execute(
        select(LetterAddress.letter_id, LetterAddress.role, LetterAddress.name, LetterAddress.email)
        .where(LetterAddress.letter_id.in_(letter_ids)).order_by(LetterAddress.id)
    ):
        addresses[letter_id].append((role, name, email))
    owners: dict[int, int] = {}
    for letter_id, owner_id in session.execute(
        select(LetterLocation.letter_id, Mailbox.owner_id)
        .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
        .join(Mailbox, Mailbox.id == MailFolder.mailbox_id)
        .where(LetterLocation.letter_id.in_(letter_ids), Mailbox.owner_id.is_not(None))
        .order_by(LetterLocation.id)
    ):
        owners.setdefault(letter_id, cast(int, owner_id))  # NULL owners are filtered out above
    items = []
    for letter in session.scalars(select(Letter).where(Letter.id.in_(letter_ids)).order_by(Letter.id)):
        items.append(FilingInput(
            letter_id=letter.id, addresses=addresses[letter.id], message_id=letter.message_id,
            in_reply_to=letter.in_reply_to, references=tuple(letter.references.split()),
            subject=letter.subject, body_text=letter.text_plain[:20000],
            sent_at=letter.sent_at or letter.received_at, is_bulk=letter.is_bulk,
            is_outgoing=letter.is_outgoing, owner_id=owners.get(letter.id),
        ))
    return items


def refile_from(session: Session, policy: FilingPolicy, *, emails: Iterable[str] = (),
                domains: Iterable[str] = ()) -> list[FilingResult]:
    """File again every letter with one of these addresses or domains among its addresses."""
    emails = {e.lower() for e in emails}
    domains = {d.lower() for d in domains}
    conditions = []
    if emails:
        conditions.append(LetterAddress.email.in_(emails))
    for domain in domains:
        conditions.append(LetterAddress.email.like(f"%@{domain}"))
    if not conditions:
        return []
    from sqlalchemy import or_

    ids = list(session.scalars(
        select(LetterAddress.letter_id).where(or_(*conditions)).distinct()
    ))
    results = []
    for start in range(0, len(ids), 500):
        results.extend(file_letters(session, filing_inputs(session, ids[start:start + 500]), policy))
    return results


def _sender(session: Session, letter_id: int) -> tuple[str, str]:
    row = session.execute(
        select(LetterAddress.name, LetterAddress.email)
        .where(LetterAddress.letter_id == letter_id, LetterAddress.role.in_(("from", "sender")))
        .order_by(LetterAddress.id).limit(1)
    ).first()
    if row is None:
        raise ValidationError(f"letter #{letter_id} has no sender address")
    return row[0], row[1]


def counterparty_from_letter(
    session: Session, user: User, letter_id: int, data: CounterpartyData,
    filing: FilingPolicy, mail: MailPolicy,
) -> tuple[Counterparty, list[FilingResult]]:
    """Create a counterparty from an unfiled letter (its sender's company domain becomes the
    counterparty's unless public), then file every letter from that address or domain."""
    if session.scalar(select(Letter.id).where(Letter.id == letter_id,
                                              visible_letters_clause(session, user, mail))) is None:
        raise NotFound(f"no letter #{letter_id}")
    name, email = _sender(session, letter_id)
    domain = domain_of(email)
    domains = list(data.domains)
    if domain not in filing.public_domains and domain not in filing.internal_domains:
        domains.append(domain)
    counterparty = create_counterparty(session, CounterpartyData(
        **{**data.__dict__, "domains": tuple(dict.fromkeys(normalise_domain(d) for d in domains)),
           "emails": tuple(data.emails) or (email,),
           "manager_id": data.manager_id or user.id}))
    create_contact(session, name=name or email.split("@")[0], counterparty_id=counterparty.id,
                   emails=[email], created_from_mail=True)
    results = refile_from(session, filing, emails=[email],
                          domains=[d.domain for d in counterparty.domains])
    return counterparty, results


def contact_from_letter(
    session: Session, user: User, letter_id: int, counterparty_id: int, filing: FilingPolicy,
    mail: MailPolicy, *, name: str | None = None,
) -> tuple[ContactPerson, list[FilingResult]]:
    """Add the letter's sender as a contact person of a counterparty and file their letters."""
    if session.scalar(select(Letter.id).where(Letter.id == letter_id,
                                              visible_letters_clause(session, user, mail))) is None:
        raise NotFound(f"no letter #{letter_id}")
    if session.get(Counterparty, counterparty_id) is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    sender_name, email = _sender(session, letter_id)
    person = create_contact(session, name=name or sender_name or email.split("@")[0],
                            counterparty_id=counterparty_id, emails=[email], created_from_mail=True)
    return person, refile_from(session, filing, emails=[email])


def resolve_ambiguity(session: Session, user: User, ambiguity_id: int, counterparty_id: int,
                      mail: MailPolicy) -> None:
    """A human picks the counterparty for an ambiguous address: the letter is linked to it."""
    item = session.get(AmbiguousMatch, ambiguity_id)
    if item is None or session.scalar(
        select(Letter.id).where(Letter.id == item.letter_id, visible_letters_clause(session, user, mail))
    ) is None:
        raise NotFound(f"no ambiguous match #{ambiguity_id}")
    if str(counterparty_id) not in item.candidate_ids.split(","):
        raise PermissionDenied("that counterparty is not among the candidates")
    session.execute(update(AmbiguousMatch).where(AmbiguousMatch.id == item.id).values(resolved=True))
    if session.scalar(select(LetterLink.id).where(LetterLink.letter_id == item.letter_id,
                                                  LetterLink.counterparty_id == counterparty_id)):
        return
    (letter,) = filing_inputs(session, [item.letter_id])
    record_links(session, [(letter, counterparty_id, "manual",
                            f"{item.email}: chosen by {user.login} among several counterparties",
                            None)])
