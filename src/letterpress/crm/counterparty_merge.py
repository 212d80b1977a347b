"""Merging a counterparty with its duplicate (объединение с дубликатом), in one transaction.

:func:`merge_counterparties` moves everything that points at the duplicate onto the survivor and
deletes the duplicate; :func:`plan_merge` says beforehand what will happen (the confirmation
page); :func:`find_duplicates` (from :mod:`letterpress.crm.duplicates`) finds candidates.

The rules:

* **Two different INNs are refused** (:class:`~letterpress.errors.Conflict`, reason
  ``different_inn``), with no way to force it: two INNs are two taxpayers, and merging them would
  book one company's orders, payments and invoices to the other. When one INN is a typo it is
  corrected on the card first (a deliberate, visible change), and then the two merge. The same
  INN with two KPPs (a branch) may merge; the KPP is reported as a conflict.
* The survivor's filled fields are never overwritten; its empty ones take the duplicate's. Where
  both hold different values the survivor's stays and the duplicate's is written into the
  survivor's notes. Kinds customer and supplier together become "both"; the earlier creation
  time is kept (the company was known since then).
* Phones, e-mails, addresses and mail domains are added unless the survivor has them already
  (phones compared by digits, addresses by folded text). A letter filed to both stays linked
  once; the duplicate's e-mail event of such a letter goes. Campaign participations are kept once.
* The duplicate's name, legal name, INN, KPP and ERP code stay in a
  :class:`~letterpress.crm.model.CounterpartyAlias` row, and the notes get "Также известен как:
  <old name>" (the search index reads the notes, so the survivor is found by the old name). A
  survivor without an ERP code takes the duplicate's; otherwise the alias maps the old code to
  the survivor for the ERP import (:mod:`letterpress.crm.erp_import.lookups`).
* An ambiguous address whose candidates were just these two is resolved: its letter is filed to
  the survivor.
* A done event of kind "other" in the survivor's history records who merged what and when, and
  what moved (responsible: nobody, so it stays out of calendars).
* Contacts, tasks, events other than filed e-mails, and letter links change through the ORM, so
  the session hooks of the search index and of the DAV calendars see them; the ledger, filed
  e-mail events (neither indexed nor in calendars), campaign participants and aliases move by
  Core statements. The duplicate's analytics rows (register, stage changes, stored ABC/XYZ)
  go; the register's last build is marked stale, so the next report rebuilds it with the moved
  shipments.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from letterpress.crm.channels import phone_digits
from letterpress.crm.contacts import move_campaign_participations
from letterpress.crm.duplicates import Duplicate, find_duplicates, search_counterparties
from letterpress.crm.model import (
    AbcResult,
    AmbiguousMatch,
    AnalyticsRun,
    CampaignParticipant,
    ContactPerson,
    Counterparty,
    CounterpartyAddress,
    CounterpartyAlias,
    CounterpartyDomain,
    CounterpartyEmail,
    CounterpartyKind,
    CounterpartyPhone,
    CustomerMonth,
    Event,
    EventKind,
    EventState,
    Invoice,
    LetterLink,
    Order,
    Payment,
    Shipment,
    StageChange,
    Task,
    User,
    XyzResult,
)
from letterpress.crm.permissions import (
    MailPolicy,
    can_merge_counterparties,
    can_view_counterparty,
    history_events_clause,
    letter_readable_clause,
    visible_contacts_clause,
    visible_tasks_clause,
)
from letterpress.db.casefold import fold
from letterpress.db.types import utcnow
from letterpress.errors import Conflict, NotFound, PermissionDenied, ValidationError

__all__ = ["Duplicate", "FieldChange", "MergePlan", "MergeResult", "count_records",
           "different_inns", "find_duplicates", "merge_counterparties", "plan_merge",
           "search_counterparties"]

#: Scalar fields filled from the duplicate when the survivor's are empty, with their Russian
#: names for the notes and the history (the stored text is read by Russian-speaking people).
FIELDS: dict[str, str] = {
    "legal_name": "Полное наименование", "inn": "ИНН", "kpp": "КПП", "website": "Сайт",
    "city": "Город", "source": "Источник", "manager_id": "Ответственный",
    "external_id": "Код в ERP",
}
#: What :func:`count_records` counts, in this order, with the Russian words for the history.
RECORDS: dict[str, str] = {
    "contacts": "контактных лиц", "letters": "писем", "events": "событий", "tasks": "задач",
    "orders": "заказов", "shipments": "отгрузок", "payments": "платежей",
    "invoices": "счетов", "campaigns": "мероприятий",
}
KIND_NAMES = {"customer": "покупатель", "supplier": "поставщик",
              "both": "покупатель и поставщик", "person": "частное лицо"}
EMAIL_EVENTS = (EventKind.INCOMING_EMAIL.value, EventKind.OUTGOING_EMAIL.value)
TRADING_KINDS = {CounterpartyKind.CUSTOMER.value, CounterpartyKind.SUPPLIER.value,
                 CounterpartyKind.BOTH.value}


@dataclass(frozen=True)
class FieldChange:
    """A field of both counterparties: ``survivor`` and ``duplicate`` as shown to people."""

    field: str
    survivor: str | None
    duplicate: str | None


@dataclass(frozen=True)
class MergePlan:
    """What merging ``duplicate`` into ``survivor`` does; ``refusal`` set means it cannot."""

    survivor: Counterparty
    duplicate: Counterparty
    kind: str
    filled: tuple[FieldChange, ...]
    conflicts: tuple[FieldChange, ...]
    new_channels: dict[str, list[str]]
    refusal: Conflict | None = None


@dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    duplicate_id: int
    duplicate_name: str
    moved: dict[str, int]
    folded: dict[str, int]
    filled: tuple[FieldChange, ...]
    conflicts: tuple[FieldChange, ...]
    event_id: int
    alias_id: int
    resolved_ambiguities: int = 0
    notes: list[str] = field(default_factory=list)


# --- the plan ------------------------------------------------------------------------------


def _shown(session: Session, name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if name == "manager_id":
        user = session.get(User, value)
        return user.display_name if user is not None else f"#{value}"
    return str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(fold(a).split()) == " ".join(fold(b).split())
    return bool(a == b)


def merged_kind(survivor: str, duplicate: str) -> str:
    """Customer and supplier make "both"; a private person and a company stay the survivor's."""
    if survivor == duplicate:
        return survivor
    if {survivor, duplicate} <= TRADING_KINDS:
        return CounterpartyKind.BOTH.value
    return survivor


_CHANNELS: dict[str, tuple[str, str, Callable[[str], str]]] = {
    "phones": ("phones", "value", phone_digits),
    "emails": ("emails", "email", str.lower),
    "addresses": ("addresses", "value", lambda v: " ".join(fold(v).split())),
    "domains": ("domains", "domain", str.lower),
}


def _new_channels(survivor: Counterparty, duplicate: Counterparty) -> dict[str, list[Any]]:
    """The duplicate's channel rows whose value the survivor lacks, per list."""
    out: dict[str, list[Any]] = {}
    for name, (attr, column, key) in _CHANNELS.items():
        known = {key(getattr(row, column)) for row in getattr(survivor, attr)}
        fresh = []
        for row in getattr(duplicate, attr):
            k = key(getattr(row, column))
            if k not in known:
                known.add(k)
                fresh.append(row)
        out[name] = fresh
    return out


def different_inns(a: Counterparty, b: Counterparty) -> bool:
    """Both have an INN and they differ: two taxpayers, never merged (see the module's rules)."""
    return bool(a.inn and b.inn and a.inn != b.inn)


def _load_pair(
    session: Session, user: User, survivor_id: int, duplicate_id: int
) -> tuple[Counterparty, Counterparty]:
    if survivor_id == duplicate_id:
        raise ValidationError("a counterparty cannot be merged with itself")
    survivor = session.get(Counterparty, survivor_id)
    duplicate = session.get(Counterparty, duplicate_id)
    for wanted, found in ((survivor_id, survivor), (duplicate_id, duplicate)):
        if found is None or not can_view_counterparty(user, found):
            raise NotFound(f"no counterparty #{wanted}")
    assert survivor is not None and duplicate is not None
    if not can_merge_counterparties(session, user, survivor, duplicate):
        raise PermissionDenied(
            f"{user.login} may not merge {duplicate.name!r} into {survivor.name!r}")
    return survivor, duplicate


def plan_merge(session: Session, user: User, survivor_id: int, duplicate_id: int) -> MergePlan:
    """What merging ``duplicate_id`` into ``survivor_id`` would do (nothing is changed).

    Raises NotFound, PermissionDenied (the permission function said no) or ValidationError."""
    survivor, duplicate = _load_pair(session, user, survivor_id, duplicate_id)
    filled: list[FieldChange] = []
    conflicts: list[FieldChange] = []
    for name in FIELDS:
        mine, theirs = getattr(survivor, name), getattr(duplicate, name)
        change = FieldChange(name, _shown(session, name, mine), _shown(session, name, theirs))
        if theirs is None or theirs == "":
            continue
        if mine is None or mine == "":
            filled.append(change)
        elif not _same(mine, theirs):
            conflicts.append(change)
    kind = merged_kind(survivor.kind, duplicate.kind)
    if kind == survivor.kind and duplicate.kind != survivor.kind:
        conflicts.append(FieldChange("kind", survivor.kind, duplicate.kind))
    refusal = None
    if different_inns(survivor, duplicate):
        refusal = Conflict(
            f"{survivor.name!r} has INN {survivor.inn} and {duplicate.name!r} has INN "
            f"{duplicate.inn}: two taxpayers are two counterparties. If one INN is a mistake, "
            f"correct it first.", reason="different_inn")
    channels = {name: [getattr(row, _CHANNELS[name][1]) for row in rows]
                for name, rows in _new_channels(survivor, duplicate).items()}
    return MergePlan(survivor, duplicate, kind, tuple(filled), tuple(conflicts), channels,
                     refusal)


def count_records(
    session: Session, user: User, policy: MailPolicy, ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Per counterparty, how many of each :data:`RECORDS` the user can see (for the
    confirmation page): contacts, letters, events and tasks through the permission function."""
    out = {i: dict.fromkeys(RECORDS, 0) for i in ids}
    wanted = list(ids)
    link = LetterLink.counterparty_id
    sources: dict[str, tuple[Any, Any, list[ColumnElement[bool]]]] = {
        "contacts": (ContactPerson.counterparty_id, func.count(), [visible_contacts_clause(user)]),
        "letters": (link, func.count(), [] if policy.history_visible_without_rights == "exists"
                    else [letter_readable_clause(session, user, policy,
                                                  LetterLink.letter_id.expression)]),
        "events": (Event.counterparty_id, func.count(),
                   [history_events_clause(session, user, policy)]),
        "tasks": (Task.counterparty_id, func.count(), [visible_tasks_clause(session, user)]),
        "orders": (Order.counterparty_id, func.count(), []),
        "shipments": (Shipment.counterparty_id, func.count(), []),
        "payments": (Payment.counterparty_id, func.count(), []),
        "invoices": (Invoice.counterparty_id, func.count(), []),
        "campaigns": (CampaignParticipant.counterparty_id,
                      func.count(CampaignParticipant.campaign_id.distinct()), []),
    }
    for name, (column, counter, filters) in sources.items():
        for cp_id, n in session.execute(
            select(column, counter).where(column.in_(wanted), *filters).group_by(column)
        ).all():
            out[cp_id][name] = int(n)
    return out


# --- the merge -----------------------------------------------------------------------------


def merge_counterparties(
    session: Session, user: User, survivor_id: int, duplicate_id: int
) -> MergeResult:
    """Merge ``duplicate_id`` into ``survivor_id`` (see the module's rules); the caller commits.

    Raises NotFound, PermissionDenied, ValidationError, or Conflict (``different_inn``)."""
    # Both rows locked, in id order, for the transaction (PostgreSQL; SQLite has one writer):
    # two people merging the same pair, one each way, wait for each other instead of deadlocking,
    # and nothing can file a letter to the duplicate between moving its links and deleting it.
    session.execute(select(Counterparty.id).where(Counterparty.id.in_([survivor_id, duplicate_id]))
                    .order_by(Counterparty.id).with_for_update())
    plan = plan_merge(session, user, survivor_id, duplicate_id)
    if plan.refusal is not None:
        raise plan.refusal
    survivor, dup = plan.survivor, plan.duplicate
    moved: dict[str, int] = {}
    folded: dict[str, int] = {}
    notes = _fill_fields(session, plan)
    alias = _record_alias(session, user, survivor, dup)
    folded.update(_add_channels(survivor, dup))
    moved["contacts"] = _move_orm(session, ContactPerson, dup.id, survivor.id)
    moved["tasks"] = _move_orm(session, Task, dup.id, survivor.id)
    moved["events"], folded["events"] = _move_events(session, dup.id, survivor.id)
    moved["letters"], folded["letters"] = _move_links(session, dup.id, survivor.id)
    moved["campaigns"], folded["campaigns"] = move_campaign_participations(
        session, "counterparty_id", dup.id, survivor.id)
    for name, model in (("orders", Order), ("shipments", Shipment), ("payments", Payment),
                        ("invoices", Invoice)):
        moved[name] = _move_core(session, model, dup.id, survivor.id)
    _move_core(session, CounterpartyAlias, dup.id, survivor.id)
    resolved = _resolve_ambiguities(session, dup.id, survivor.id)
    _drop_analytics(session, dup.id)
    event = _audit_event(session, user, plan, moved, folded, alias)
    survivor_id_, dup_id, dup_name = survivor.id, dup.id, dup.name
    session.delete(dup)
    session.flush()
    return MergeResult(survivor_id_, dup_id, dup_name, moved, folded, plan.filled,
                       plan.conflicts, event.id, alias.id, resolved, notes)


def _fill_fields(session: Session, plan: MergePlan) -> list[str]:
    """Empty fields from the duplicate; the duplicate's other values into the notes."""
    survivor, dup = plan.survivor, plan.duplicate
    for change in plan.filled:
        value = getattr(dup, change.field)
        if change.field == "external_id":  # unique: free it on the duplicate first
            dup.external_id = None
            session.flush()
        setattr(survivor, change.field, value)
    survivor.kind = plan.kind
    survivor.created_at = min(survivor.created_at, dup.created_at)
    added: list[str] = []
    if name_differs(survivor.name, dup.name):
        added.append(f"Также известен как: {dup.name}")
    if (dup.legal_name and not any(c.field == "legal_name" for c in plan.filled)
            and name_differs(survivor.legal_name, dup.legal_name)
            and name_differs(survivor.name, dup.legal_name)):
        added.append(f"Также известен как: {dup.legal_name}")
    for change in plan.conflicts:
        if change.field in ("legal_name", "external_id"):
            continue  # above, and in the alias
        added.append(f"Из дубликата «{dup.name}»: {_label(change)} — {_text(change, 'duplicate')}")
    if dup.notes:
        added.append(dup.notes)
    if added:
        survivor.notes = "\n".join([*([survivor.notes] if survivor.notes else []), *added])
    return added


def _label(change: FieldChange) -> str:
    return FIELDS.get(change.field, "Вид")


def _text(change: FieldChange, side: str) -> str:
    value = getattr(change, side) or "—"
    return KIND_NAMES.get(value, value) if change.field == "kind" else value


def name_differs(a: str | None, b: str | None) -> bool:
    return " ".join(fold(a or "").split()) != " ".join(fold(b or "").split())


def _record_alias(
    session: Session, user: User, survivor: Counterparty, dup: Counterparty
) -> CounterpartyAlias:
    """The merge record; it carries the old ERP code only while the survivor has its own (a
    survivor without one took it over in :func:`_fill_fields`)."""
    code = dup.external_id
    if code is not None and session.scalar(
            select(CounterpartyAlias.id).where(CounterpartyAlias.external_id == code)):
        code = None  # already an alias (of this duplicate's own merges): it moves along
    alias = CounterpartyAlias(
        counterparty_id=survivor.id, merged_id=dup.id, external_id=code, name=dup.name,
        legal_name=dup.legal_name, inn=dup.inn, kpp=dup.kpp, merged_by_id=user.id,
    )
    session.add(alias)
    session.flush()
    return alias


def _add_channels(survivor: Counterparty, dup: Counterparty) -> dict[str, int]:
    fresh = _new_channels(survivor, dup)
    for row in fresh["phones"]:
        survivor.phones.append(CounterpartyPhone(value=row.value, label=row.label,
                                                 position=len(survivor.phones)))
    for row in fresh["emails"]:
        survivor.emails.append(CounterpartyEmail(email=row.email, position=len(survivor.emails)))
    for row in fresh["addresses"]:
        survivor.addresses.append(CounterpartyAddress(value=row.value, label=row.label,
                                                      position=len(survivor.addresses)))
    for row in fresh["domains"]:
        survivor.domains.append(CounterpartyDomain(domain=row.domain))
    return {name: len(getattr(dup, attr)) - len(fresh[name])
            for name, (attr, _column, _key) in _CHANNELS.items()}


def _move_orm(session: Session, model: Any, dup_id: int, survivor_id: int) -> int:
    """Through the ORM, so that the search and calendar hooks see each row change."""
    rows = list(session.scalars(select(model).where(model.counterparty_id == dup_id)))
    for row in rows:
        row.counterparty_id = survivor_id
    session.flush()
    return len(rows)


def _move_core(session: Session, model: Any, dup_id: int, survivor_id: int) -> int:
    result = session.execute(
        update(model).where(model.counterparty_id == dup_id).values(counterparty_id=survivor_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _move_events(session: Session, dup_id: int, survivor_id: int) -> tuple[int, int]:
    """Filed e-mail events by Core (a letter filed to both keeps the survivor's); the rest
    through the ORM. Returns (moved, dropped as repeats)."""
    theirs = aliased(Event)
    filed = (Event.counterparty_id == dup_id, Event.letter_id.is_not(None),
             Event.kind.in_(EMAIL_EVENTS))
    repeated = session.execute(
        delete(Event).where(*filed, exists().where(
            theirs.counterparty_id == survivor_id, theirs.letter_id == Event.letter_id,
            theirs.kind == Event.kind))
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        update(Event).where(*filed).values(counterparty_id=survivor_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    moved = int(getattr(result, "rowcount", 0) or 0)
    moved += _move_orm(session, Event, dup_id, survivor_id)
    return moved, int(getattr(repeated, "rowcount", 0) or 0)


def _move_links(session: Session, dup_id: int, survivor_id: int) -> tuple[int, int]:
    """Letter links (through the ORM: an index outside the database keeps them as facets); a
    letter filed to both keeps the survivor's link, with the duplicate's contact person if the
    survivor's has none."""
    both = select(LetterLink.letter_id).where(LetterLink.counterparty_id == survivor_id)
    mine = {link.letter_id: link for link in session.scalars(
        select(LetterLink).where(LetterLink.counterparty_id == survivor_id,
                                 LetterLink.letter_id.in_(
                                     select(LetterLink.letter_id)
                                     .where(LetterLink.counterparty_id == dup_id))))}
    repeats = list(session.scalars(select(LetterLink).where(
        LetterLink.counterparty_id == dup_id, LetterLink.letter_id.in_(both))))
    for link in repeats:
        kept = mine.get(link.letter_id)
        if kept is not None and kept.contact_person_id is None:
            kept.contact_person_id = link.contact_person_id
        session.delete(link)
    session.flush()
    return _move_orm(session, LetterLink, dup_id, survivor_id), len(repeats)


def _resolve_ambiguities(session: Session, dup_id: int, survivor_id: int) -> int:
    """The duplicate becomes the survivor among the candidates of ambiguous addresses; where
    the survivor is then the only one, the letter is filed to it (as a human would have)."""
    from letterpress.crm.filing import record_links
    from letterpress.crm.refiling import filing_inputs

    pending: dict[int, str] = {}
    for item in session.scalars(select(AmbiguousMatch).where(
            AmbiguousMatch.candidate_ids.contains(str(dup_id)))):
        ids = [int(i) for i in item.candidate_ids.split(",") if i.strip().isdigit()]
        if dup_id not in ids:
            continue
        ids = list(dict.fromkeys(survivor_id if i == dup_id else i for i in ids))
        item.candidate_ids = ",".join(map(str, ids))
        if len(ids) == 1 and not item.resolved:
            item.resolved = True
            pending.setdefault(item.letter_id, item.email)
    session.flush()
    linked = set(session.scalars(select(LetterLink.letter_id).where(
        LetterLink.counterparty_id == survivor_id, LetterLink.letter_id.in_(list(pending)))))
    todo = filing_inputs(session, sorted(set(pending) - linked))
    record_links(session, [
        (letter, survivor_id, "domain",
         f"{pending[letter.letter_id]}: the only candidate left after a merge of duplicates",
         None) for letter in todo])
    return len(pending)


def _drop_analytics(session: Session, dup_id: int) -> None:
    """The duplicate's derived rows go; the register is rebuilt by the next report."""
    for model in (CustomerMonth, StageChange, AbcResult, XyzResult):
        session.execute(delete(model).where(model.counterparty_id == dup_id)
                        .execution_options(synchronize_session=False))
    last = session.scalar(
        select(AnalyticsRun).where(AnalyticsRun.kind == "totals")
        .order_by(AnalyticsRun.finished_at.desc(), AnalyticsRun.id.desc()).limit(1))
    if last is not None and not last.fingerprint.endswith(":stale"):
        # analytics.register.ensure_fresh rebuilds when the fingerprint differs
        last.fingerprint = f"{last.fingerprint}:stale"[:200]


def _audit_event(
    session: Session, user: User, plan: MergePlan, moved: dict[str, int], folded: dict[str, int],
    alias: CounterpartyAlias,
) -> Event:
    dup = plan.duplicate
    who = user.display_name
    ids = [f"#{dup.id}"]
    if alias.inn:
        ids.append(f"ИНН {alias.inn}")
    code = alias.external_id or (plan.survivor.external_id if any(
        c.field == "external_id" for c in plan.filled) else None)
    if code:
        ids.append(f"код в ERP {code}")
    lines = [
        f"Дубликат «{dup.name}» ({', '.join(ids)}) объединён с этой карточкой; объединил(а): {who}.",
        "Перенесено: " + ", ".join(f"{RECORDS[k]} — {moved.get(k, 0)}" for k in RECORDS) + ".",
    ]
    if plan.filled:
        lines.append("Заполнено из дубликата: " + "; ".join(
            f"{FIELDS[c.field]}: {c.duplicate}" for c in plan.filled) + ".")
    if plan.conflicts:
        lines.append("Оставлено значение этой карточки: " + "; ".join(
            f"{_label(c)}: {_text(c, 'survivor')} (у дубликата: {_text(c, 'duplicate')})"
            for c in plan.conflicts) + ".")
    repeats = {k: v for k, v in folded.items() if v}
    if repeats:
        lines.append("Совпадали и не повторены: " + ", ".join(
            f"{_FOLDED.get(k, k)} — {v}" for k, v in repeats.items()) + ".")
    event = Event(
        kind=EventKind.OTHER.value, state=EventState.DONE.value, start_at=utcnow(),
        counterparty_id=plan.survivor.id, author_id=user.id, responsible_id=None,
        subject=f"Объединение с дубликатом «{dup.name}»"[:500], content="\n".join(lines),
        uid=f"{uuid.uuid4()}@letterpress",
    )
    session.add(event)
    session.flush()
    return event


_FOLDED = {"phones": "телефонов", "emails": "e-mail", "addresses": "адресов",
           "domains": "доменов", "letters": "писем", "events": "событий писем",
           "campaigns": "участий в мероприятиях"}
