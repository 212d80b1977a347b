"""Contact persons: create, find by e-mail, and merge two duplicates keeping everything of both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from letterpress.crm.channels import normalise_email, normalise_phone, phone_digits
from letterpress.crm.model import (
    Anniversary,
    BirthdayCall,
    CampaignParticipant,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Counterparty,
    Event,
    LetterLink,
    User,
)
from letterpress.errors import NotFound, ValidationError


def create_contact(
    session: Session,
    *,
    name: str,
    counterparty_id: int | None = None,
    owner_id: int | None = None,
    position: str | None = None,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    birthday: dt.date | None = None,
    anniversaries: Sequence[tuple[str, dt.date]] = (),
    external_id: str | None = None,
    created_from_mail: bool = False,
) -> ContactPerson:
    """A contact of a counterparty, a personal one (``owner_id``), or another shared contact."""
    if not name.strip():
        raise ValidationError("a contact person needs a name", field="name")
    if counterparty_id is not None and session.get(Counterparty, counterparty_id) is None:
        raise NotFound(f"no counterparty #{counterparty_id}")
    if owner_id is not None and session.get(User, owner_id) is None:
        raise NotFound(f"no user #{owner_id}")
    person = ContactPerson(
        name=" ".join(name.split()), counterparty_id=counterparty_id, owner_id=owner_id,
        position=(position or "").strip() or None, birthday=birthday, external_id=external_id,
        created_from_mail=created_from_mail,
        phones=[ContactPhone(value=normalise_phone(p), position=i) for i, p in enumerate(phones)],
        emails=[ContactEmail(email=normalise_email(e, field="emails"), position=i)
                for i, e in enumerate(dict.fromkeys(e.strip().lower() for e in emails))],
        anniversaries=[Anniversary(label=label, date=date) for label, date in anniversaries],
    )
    session.add(person)
    session.flush()
    return person


def by_email(session: Session, email: str) -> list[ContactPerson]:
    return list(
        session.scalars(
            select(ContactPerson)
            .join(ContactEmail)
            .where(ContactEmail.email == email.lower())
            .order_by(ContactPerson.id)
        )
    )


def merge_contacts(session: Session, keep_id: int, duplicate_id: int) -> ContactPerson:
    """Fold ``duplicate`` into ``keep``: every phone, e-mail, date, note and reference survives.

    Scalar fields empty on ``keep`` are taken from the duplicate; where both hold different
    values, the duplicate's goes into the notes so nothing is lost. Events, campaign
    participations, records of birthday and anniversary calls and the contact person of letter
    links move to ``keep`` (a participation or a call ``keep`` has already is kept once); the
    duplicate is deleted.
    """
    if keep_id == duplicate_id:
        raise ValidationError("a contact cannot be merged with itself")
    keep = session.get(ContactPerson, keep_id)
    dup = session.get(ContactPerson, duplicate_id)
    if keep is None or dup is None:
        raise NotFound(f"no contact person #{keep_id if keep is None else duplicate_id}")
    if (keep.counterparty_id and dup.counterparty_id and keep.counterparty_id != dup.counterparty_id):
        raise ValidationError("the two contacts belong to different counterparties")
    notes: list[str] = [keep.notes] if keep.notes else []
    for attr, label in (("position", "position"), ("birthday", "birthday"),
                        ("external_id", "external id")):
        mine, theirs = getattr(keep, attr), getattr(dup, attr)
        if mine is None and theirs is not None:
            if attr == "external_id":
                dup.external_id = None
                session.flush()
            setattr(keep, attr, theirs)
        elif theirs is not None and theirs != mine:
            notes.append(f"{label} from merged duplicate: {theirs}")
    if dup.name != keep.name:
        notes.append(f"also known as: {dup.name}")
    if dup.notes:
        notes.append(dup.notes)
    keep.notes = "\n".join(notes) or None
    keep.counterparty_id = keep.counterparty_id or dup.counterparty_id
    keep.created_from_mail = keep.created_from_mail and dup.created_from_mail
    known_emails = {e.email for e in keep.emails}
    for email in dup.emails:
        if email.email not in known_emails:
            keep.emails.append(ContactEmail(email=email.email, position=len(keep.emails)))
            known_emails.add(email.email)
    known_phones = {phone_digits(p.value) for p in keep.phones}
    for phone in dup.phones:
        if phone_digits(phone.value) not in known_phones:
            keep.phones.append(ContactPhone(value=phone.value, label=phone.label,
                                            position=len(keep.phones)))
            known_phones.add(phone_digits(phone.value))
    known_dates = {(a.label, a.date): a for a in keep.anniversaries}
    anniversary_of: dict[int, Anniversary] = {}  # the duplicate's anniversary -> keep's
    for ann in dup.anniversaries:
        if (ann.label, ann.date) not in known_dates:
            known_dates[ann.label, ann.date] = Anniversary(label=ann.label, date=ann.date)
            keep.anniversaries.append(known_dates[ann.label, ann.date])
        anniversary_of[ann.id] = known_dates[ann.label, ann.date]
    session.flush()
    _move_birthday_calls(session, dup.id, keep.id,
                         {f"anniversary:{old}": f"anniversary:{new.id}"
                          for old, new in anniversary_of.items()})
    session.execute(update(Event).where(Event.contact_person_id == dup.id)
                    .values(contact_person_id=keep.id))
    move_campaign_participations(session, "contact_person_id", dup.id, keep.id)
    # A letter has one link per counterparty (uq_letter_links_letter_counterparty), and the
    # contact person is a column of it: relinking cannot repeat a link. The search index
    # reads only the letter and counterparty of a link, so a Core statement is enough.
    session.execute(update(LetterLink).where(LetterLink.contact_person_id == dup.id)
                    .values(contact_person_id=keep.id))
    session.delete(dup)
    session.flush()
    return keep


def _move_birthday_calls(session: Session, dup_id: int, keep_id: int,
                         occasions: dict[str, str]) -> None:
    """The duplicate's records of birthday and anniversary calls become ``keep_id``'s (with
    ``occasions`` renaming its anniversaries to keep's), so the reminders do not plan a second
    call for an occasion of a year already called; a year ``keep_id`` has a record of already
    keeps that one."""
    calls = session.scalars(select(BirthdayCall).where(BirthdayCall.contact_id == dup_id)).all()
    if not calls:
        return
    taken = {(occasion, year) for occasion, year in session.execute(
        select(BirthdayCall.occasion, BirthdayCall.year).where(BirthdayCall.contact_id == keep_id))}
    for call in calls:
        occasion = occasions.get(call.occasion, call.occasion)
        if (occasion, call.year) in taken:
            session.delete(call)
        else:
            call.contact_id, call.occasion = keep_id, occasion
            taken.add((occasion, call.year))
    session.flush()


def move_campaign_participations(
    session: Session, column: Literal["counterparty_id", "contact_person_id"], dup_id: int,
    keep_id: int,
) -> tuple[int, int]:
    """Campaign participations whose ``column`` is ``dup_id`` become ``keep_id``'s, by Core
    statements; one ``keep_id`` has already (same campaign, same other party) goes instead.
    Returns (moved, dropped as repeats). Used by both merges, of contacts and of counterparties."""
    other = "contact_person_id" if column == "counterparty_id" else "counterparty_id"
    mine, theirs = CampaignParticipant, aliased(CampaignParticipant)
    repeated = session.execute(
        delete(mine).where(
            getattr(mine, column) == dup_id,
            exists().where(getattr(theirs, column) == keep_id,
                           theirs.campaign_id == mine.campaign_id,
                           getattr(theirs, other).is_not_distinct_from(getattr(mine, other))))
        .execution_options(synchronize_session=False)
    )
    moved = session.execute(
        update(mine).where(getattr(mine, column) == dup_id).values({column: keep_id})
        .execution_options(synchronize_session=False)
    )
    return (int(getattr(moved, "rowcount", 0) or 0), int(getattr(repeated, "rowcount", 0) or 0))
