"""Merging a counterparty with its duplicate: nothing lost, repeats folded, rules kept, the ERP
import and the search index following the survivor (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.config import AnalyticsSettings
from letterpress.crm.analytics.register import ensure_fresh, refresh
from letterpress.crm.counterparty_merge import (
    count_records,
    find_duplicates,
    merge_counterparties,
    plan_merge,
)
from letterpress.crm.duplicates import name_key, search_counterparties
from letterpress.crm.erp_import import import_file
from letterpress.crm.model import (
    AmbiguousMatch,
    CampaignParticipant,
    ContactPerson,
    Counterparty,
    CounterpartyAlias,
    CustomerMonth,
    Event,
    LetterLink,
    Order,
    User,
)
from letterpress.crm.permissions import MailPolicy, can_merge_counterparties
from letterpress.errors import Conflict, NotFound, PermissionDenied, ValidationError
from letterpress.testing import factories
from tests.crm.merge_world import MergeWorld, build, counts

TODAY = dt.date(2025, 6, 15)


class People:
    def __init__(self, session: Session) -> None:
        self.head = factories.make_user(session, "head", role="head")
        self.manager = factories.make_user(session, "manager1", supervisor=self.head)
        self.other = factories.make_user(session, "manager2", supervisor=self.head)
        self.admin = factories.make_user(session, "admin", role="admin")
        self.inactive = factories.make_user(session, "gone", active=False)
        self.lone_head = factories.make_user(session, "head2", role="head")


@pytest.fixture
def people(session: Session) -> People:
    found = People(session)
    session.commit()
    return found


@pytest.fixture
def world(session: Session, people: People) -> MergeWorld:
    return build(session, people.manager, people.other, people.head)


def _survivor(session: Session, world: MergeWorld) -> Counterparty:
    session.expire_all()
    survivor = session.get(Counterparty, world.survivor)
    assert survivor is not None
    return survivor


# --- nothing lost ---------------------------------------------------------------------------


def test_everything_moves_and_nothing_is_lost(session: Session, people: People,
                                              world: MergeWorld) -> None:
    before_s, before_d = counts(session, world.survivor), counts(session, world.duplicate)
    result = merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()

    after = counts(session, world.survivor)
    assert counts(session, world.duplicate) == dict.fromkeys(before_d, 0)
    assert session.get(Counterparty, world.duplicate) is None
    # one letter was filed to both: its link (and its e-mail event) is kept once; the campaign
    # both took part in counts once; the ambiguous letter is filed to the survivor (one more
    # link and e-mail event); the merge adds an event of its own
    expected = {k: before_s[k] + before_d[k] for k in before_s}
    expected["letter_links"] += -1 + 1
    expected["events"] += -1 + 1 + 1
    expected["campaign_participants"] -= 1
    assert after == expected
    assert result.moved["contacts"] == 1 and result.moved["orders"] == 1
    assert result.folded["letters"] == 1 and result.folded["events"] == 1
    assert result.folded["campaigns"] == 1
    # the shipment, payment and invoice still hang off the same order
    order = session.scalars(select(Order).where(Order.number == "B-1")).one()
    assert order.counterparty_id == world.survivor
    anna = session.get(ContactPerson, world.anna)
    assert anna is not None and anna.counterparty_id == world.survivor


def test_empty_fields_are_filled_and_filled_ones_kept(session: Session, people: People,
                                                      world: MergeWorld) -> None:
    inn = factories.valid_inn(1)
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    cp = _survivor(session, world)
    assert cp.name == "ООО «Ромашка»"  # never overwritten
    assert cp.inn == inn and cp.external_id == "cp-A"
    assert cp.legal_name == 'Общество с ограниченной ответственностью "Ромашка"'
    assert cp.kpp == "770101001" and cp.city == "Москва"
    assert cp.source == "выставка"  # the survivor's, the duplicate's "сайт" is in the notes
    assert cp.notes is not None
    assert "Также известен как: Ромашка, ООО" in cp.notes
    assert "Источник — сайт" in cp.notes and "Заведена по звонку" in cp.notes


def test_repeated_channels_are_kept_once(session: Session, people: People,
                                         world: MergeWorld) -> None:
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    cp = _survivor(session, world)
    # "8 (495) 111-22-33" is "+7 495 111-22-33"; "INFO@romashka.ru" is "info@romashka.ru"
    assert [p.value for p in cp.phones] == ["+7 495 111-22-33", "+7 900 000-00-00"]
    assert [e.email for e in cp.emails] == ["info@romashka.ru", "sales@romashka.com"]
    assert [a.value for a in cp.addresses] == ["Москва, Тверская 1", "Склад: Химки"]
    assert sorted(d.domain for d in cp.domains) == ["romashka.com", "romashka.ru"]
    assert [p.position for p in cp.phones] == [0, 1]


def test_a_letter_filed_to_both_stays_filed_once(session: Session, people: People,
                                                 world: MergeWorld) -> None:
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    links = session.execute(select(LetterLink.counterparty_id, LetterLink.contact_person_id)
                            .where(LetterLink.letter_id == world.both_letter)).all()
    assert links == [(world.survivor, world.boris)]
    events = session.scalars(select(Event.counterparty_id)
                             .where(Event.letter_id == world.both_letter)).all()
    assert events == [world.survivor]


def test_no_letter_loses_its_contact_person(session: Session, people: People,
                                            world: MergeWorld) -> None:
    """Contacts move with the duplicate, so its links keep theirs; a letter filed to both keeps
    the survivor's link and contact (one link per letter and counterparty)."""
    def links() -> list[tuple[int, int, int | None]]:
        session.expire_all()
        return sorted((letter, cp, person) for letter, cp, person in session.execute(
            select(LetterLink.letter_id, LetterLink.counterparty_id, LetterLink.contact_person_id)
        ).all())

    before = links()
    assert (world.dup_letter, world.duplicate, world.anna) in before
    assert (world.both_letter, world.duplicate, world.anna) in before
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    assert links() == sorted([(world.both_letter, world.survivor, world.boris),
                              (world.dup_letter, world.survivor, world.anna),
                              (world.ambiguous_letter, world.survivor, None)])  # resolved
    anna = session.get(ContactPerson, world.anna)
    assert anna is not None and anna.counterparty_id == world.survivor


def test_the_ambiguity_between_the_two_is_resolved(session: Session, people: People,
                                                   world: MergeWorld) -> None:
    result = merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    ambiguity = session.scalars(select(AmbiguousMatch)).one()
    assert ambiguity.candidate_ids == str(world.survivor) and ambiguity.resolved
    assert result.resolved_ambiguities == 1
    link = session.scalars(select(LetterLink)
                           .where(LetterLink.letter_id == world.ambiguous_letter)).one()
    assert link.counterparty_id == world.survivor and link.rule == "domain"


def test_the_merge_is_recorded(session: Session, people: People, world: MergeWorld) -> None:
    result = merge_counterparties(session, people.head, world.survivor, world.duplicate)
    session.commit()
    alias = session.get(CounterpartyAlias, result.alias_id)
    assert alias is not None
    assert (alias.counterparty_id, alias.merged_id, alias.name, alias.external_id, alias.kpp) == (
        world.survivor, world.duplicate, "Ромашка, ООО", "cp-B", "770101001")
    assert alias.merged_by_id == people.head.id
    event = session.get(Event, result.event_id)
    assert event is not None
    assert event.counterparty_id == world.survivor and event.author_id == people.head.id
    assert event.kind == "other" and event.state == "done" and event.responsible_id is None
    assert event.subject == "Объединение с дубликатом «Ромашка, ООО»"
    assert "cp-B" in event.content and "head" in event.content
    assert "контактных лиц — 1" in event.content


def test_customer_and_supplier_become_both(session: Session, people: People) -> None:
    a = factories.make_counterparty(session, "Бумага", kind="customer", manager=people.manager)
    b = factories.make_counterparty(session, "Бумага", kind="supplier", manager=people.manager)
    merge_counterparties(session, people.manager, a.id, b.id)
    session.commit()
    assert session.get(Counterparty, a.id).kind == "both"  # type: ignore[union-attr]


def test_a_survivor_without_an_erp_code_takes_the_duplicates(session: Session,
                                                             people: People) -> None:
    a = factories.make_counterparty(session, "Из письма", manager=people.manager)
    a.external_id = None
    b = factories.make_counterparty(session, "Из ERP", manager=people.manager,
                                    external_id="ERP-9")
    session.flush()
    result = merge_counterparties(session, people.manager, a.id, b.id)
    session.commit()
    assert session.get(Counterparty, a.id).external_id == "ERP-9"  # type: ignore[union-attr]
    alias = session.get(CounterpartyAlias, result.alias_id)
    assert alias is not None and alias.external_id is None


# --- refusals ---------------------------------------------------------------------------------


def test_two_different_inns_are_refused(session: Session, people: People,
                                        world: MergeWorld) -> None:
    other = factories.make_counterparty(session, "Ромашка", inn=factories.valid_inn(3),
                                        manager=people.manager)
    session.commit()
    plan = plan_merge(session, people.manager, world.survivor, other.id)
    assert plan.refusal is not None and plan.refusal.reason == "different_inn"
    with pytest.raises(Conflict, match="two taxpayers are two counterparties") as caught:
        merge_counterparties(session, people.manager, world.survivor, other.id)
    assert caught.value.reason == "different_inn"
    assert factories.valid_inn(1) in str(caught.value)
    session.rollback()
    assert session.get(Counterparty, other.id) is not None


def test_merging_with_itself_or_a_missing_one(session: Session, people: People,
                                              world: MergeWorld) -> None:
    with pytest.raises(ValidationError):
        merge_counterparties(session, people.admin, world.survivor, world.survivor)
    with pytest.raises(NotFound):
        merge_counterparties(session, people.admin, world.survivor, 999_999)


@pytest.mark.parametrize(("who", "pair", "allowed"), [
    ("manager", "own", True),
    ("manager", "colleague", False),  # the duplicate is manager2's
    ("other", "own", False),  # both are manager1's
    ("head", "own", True),
    ("head", "colleague", True),  # the head of both managers
    ("lone_head", "own", False),  # a head, but not theirs
    ("admin", "colleague", True),
    ("inactive", "own", False),
])
def test_permission_matrix(session: Session, people: People, world: MergeWorld, who: str,
                           pair: str, allowed: bool) -> None:
    user: User = getattr(people, who)
    duplicate = world.duplicate if pair == "own" else factories.make_counterparty(
        session, "Ромашка (Петра)", manager=people.other).id
    session.commit()
    a, b = session.get(Counterparty, world.survivor), session.get(Counterparty, duplicate)
    assert a is not None and b is not None
    assert can_merge_counterparties(session, user, a, b) is allowed
    if allowed:
        merge_counterparties(session, user, world.survivor, duplicate)
    else:
        with pytest.raises((PermissionDenied, NotFound)):
            merge_counterparties(session, user, world.survivor, duplicate)


def test_unassigned_counterparties(session: Session, people: People) -> None:
    mine = factories.make_counterparty(session, "Моя", manager=people.manager)
    loose = factories.make_counterparty(session, "Ничья")
    loose2 = factories.make_counterparty(session, "Ничья 2")
    assert can_merge_counterparties(session, people.manager, mine, loose)
    assert not can_merge_counterparties(session, people.manager, loose, loose2)
    assert can_merge_counterparties(session, people.head, loose, loose2)
    assert can_merge_counterparties(session, people.manager, mine)  # the card's link
    assert not can_merge_counterparties(session, people.other, mine)


# --- finding duplicates ------------------------------------------------------------------------


def test_name_key_strips_legal_forms_and_quotes() -> None:
    assert name_key("ООО «Ромашка»") == name_key("Ромашка, ООО") == "ромашка"
    assert name_key('Общество с ограниченной ответственностью "Ромашка"') == "ромашка"
    assert name_key("ЗАО Типография №1") == "типография 1"
    assert name_key("Ёлка LLC") == "елка"


def test_find_duplicates_ranks_by_inn_domain_and_name(session: Session, people: People,
                                                      world: MergeWorld) -> None:
    same_inn = factories.make_counterparty(session, "Совсем другое имя",
                                           inn=factories.valid_inn(1))
    typo = factories.make_counterparty(session, "Ромащка")
    factories.make_counterparty(session, "Вектор", domains=["gmail.com"])
    session.commit()
    survivor = session.get(Counterparty, world.survivor)
    assert survivor is not None
    found = find_duplicates(session, people.manager, survivor)
    by_id = {d.counterparty.id: d for d in found}
    assert found[0].counterparty.id == same_inn.id and found[0].reasons == ["inn"]
    assert by_id[world.duplicate].reasons == ["domain", "name"]
    assert by_id[world.duplicate].domains == ["romashka.ru"]
    assert by_id[typo.id].reasons == ["similar_name"]
    assert by_id[world.stranger].reasons == ["similar_name"]  # «Ромашка-Юг»
    assert world.survivor not in by_id
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)
    # a public mail domain is no sign of anything
    assert all("gmail.com" not in d.domains for d in found)


def test_find_duplicates_shows_nothing_to_an_inactive_user(session: Session, people: People,
                                                           world: MergeWorld) -> None:
    survivor = session.get(Counterparty, world.survivor)
    assert survivor is not None
    assert find_duplicates(session, people.inactive, survivor) == []
    assert search_counterparties(session, people.inactive, "ромашка") == []


def test_search_counterparties(session: Session, people: People, world: MergeWorld) -> None:
    ids = [c.id for c in search_counterparties(session, people.manager, "РОМАШКА",
                                               exclude_id=world.survivor)]
    assert ids == [world.duplicate, world.stranger]
    assert [c.id for c in search_counterparties(session, people.manager, "cp-B")] == [
        world.duplicate]
    assert search_counterparties(session, people.manager, "  ") == []


def test_count_records(session: Session, people: People, world: MergeWorld) -> None:
    got = count_records(session, people.manager, MailPolicy(), [world.survivor, world.duplicate])
    assert got[world.duplicate]["contacts"] == 1
    assert got[world.duplicate]["letters"] == 2
    assert got[world.duplicate]["orders"] == 1
    assert got[world.duplicate]["campaigns"] == 2
    assert got[world.survivor]["letters"] == 1
    # with letters hidden from those who may not read them, manager2 counts none
    hidden = count_records(session, people.other,
                           MailPolicy(history_visible_without_rights="nothing"),
                           [world.duplicate])
    assert hidden[world.duplicate]["letters"] == 0


# --- the ERP import after a merge -----------------------------------------------------------


HEADER = ["external_id", "kind", "name", "phones", "city"]


def _csv(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_the_erp_import_updates_the_survivor_for_the_old_code(
    session: Session, people: People, world: MergeWorld, tmp_path: Path
) -> None:
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    total = session.scalar(select(func.count()).select_from(Counterparty))
    result = import_file(session, "counterparties", _csv(tmp_path, "cp.csv", [
        HEADER, ["cp-B", "customer", "Ромашка, ООО", "+7 900 000-00-00", "Химки"]]))
    session.commit()
    assert (result.created, result.updated, result.rejected) == (0, 1, [])
    assert result.changed_ids == [world.survivor]
    assert session.scalar(select(func.count()).select_from(Counterparty)) == total
    cp = _survivor(session, world)
    assert cp.city == "Химки" and cp.external_id == "cp-A"  # the ERP is master of its fields
    # documents and contacts naming the old code land on the survivor
    orders = import_file(session, "orders", _csv(tmp_path, "orders.csv", [
        ["external_id", "direction", "number", "date", "counterparty", "amount"],
        ["ORD-NEW", "customer", "B-2", "2025-04-01", "cp-B", "1200"]]))
    contacts = import_file(session, "contacts", _csv(tmp_path, "contacts.csv", [
        ["external_id", "counterparty", "name"], ["CN-NEW", "cp-B", "Вера"]]))
    session.commit()
    assert orders.created == 1 and contacts.created == 1
    new_order = session.scalars(select(Order).where(Order.external_id == "ORD-NEW")).one()
    assert new_order.counterparty_id == world.survivor
    vera = session.scalars(select(ContactPerson).where(ContactPerson.external_id == "CN-NEW")).one()
    assert vera.counterparty_id == world.survivor


def test_a_file_with_both_codes_updates_the_survivor_once(
    session: Session, people: People, world: MergeWorld, tmp_path: Path
) -> None:
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    result = import_file(session, "counterparties", _csv(tmp_path, "cp.csv", [
        HEADER, ["cp-A", "customer", "ООО «Ромашка»", "", "Москва"],
        ["cp-B", "customer", "Ромашка, ООО", "", "Химки"]]))
    session.commit()
    assert result.created == 0
    assert [(r.row, r.column) for r in result.rejected] == [(3, "external_id")]
    assert _survivor(session, world).city == "Москва"


def test_a_merged_survivor_merged_again_keeps_the_first_code(
    session: Session, people: People, world: MergeWorld, tmp_path: Path
) -> None:
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    third = factories.make_counterparty(session, "Ромашка-Холдинг", manager=people.manager,
                                        external_id="cp-H")
    session.flush()
    merge_counterparties(session, people.manager, third.id, world.survivor)
    session.commit()
    aliases = {a.external_id: a.counterparty_id for a in session.scalars(select(CounterpartyAlias))}
    assert aliases == {"cp-B": third.id, "cp-A": third.id}
    result = import_file(session, "counterparties", _csv(tmp_path, "cp.csv", [
        HEADER, ["cp-B", "customer", "Ромашка, ООО", "", "Химки"]]))
    assert (result.created, result.changed_ids) == (0, [third.id])


# --- search and analytics follow --------------------------------------------------------------


@pytest.fixture
def indexed_world(engine: Engine, session: Session, people: People) -> MergeWorld:
    """The world built with a search index present, so the ORM hooks index it as it is made."""
    from letterpress.search import create_schema, install_hooks
    from letterpress.search.meta import forget

    install_hooks()
    forget(engine)
    with engine.begin() as conn:
        create_schema(conn)
    return build(session, people.manager, people.other, people.head)


def test_search_finds_the_survivor_by_the_old_name(session: Session, people: People,
                                                   indexed_world: MergeWorld) -> None:
    from letterpress.search import query

    world = indexed_world

    def found(text: str) -> list[tuple[str, int]]:
        return [(h.kind, h.id) for h in query(session, people.manager, text, limit=50).hits]

    assert found("Заведена") == [("counterparty", world.duplicate)]
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    assert found("Заведена") == [("counterparty", world.survivor)]  # the duplicate's notes
    by_name = found("kind:counterparty Ромашка, ООО")
    assert ("counterparty", world.survivor) in by_name
    assert ("counterparty", world.duplicate) not in by_name
    # the moved contact and events are still found, under their own ids
    assert ("contact", world.anna) in found("Анна Смирнова")
    assert found("Встреча по каталогу")[0][0] == "event"


def test_analytics_follow_the_survivor(session: Session, people: People,
                                       world: MergeWorld) -> None:
    settings = AnalyticsSettings()
    refresh(session, settings, TODAY)
    session.commit()
    assert session.scalar(select(func.count()).where(
        CustomerMonth.counterparty_id == world.duplicate))
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    assert not session.scalar(select(func.count()).where(
        CustomerMonth.counterparty_id == world.duplicate))
    ensure_fresh(session, settings, TODAY)  # the merge marked the build stale: rebuilt
    session.commit()
    revenue = session.scalar(select(func.max(CustomerMonth.cum_revenue)).where(
        CustomerMonth.counterparty_id == world.survivor))
    assert revenue == 50_000_00


def test_calendar_items_of_moved_events_change(session: Session, people: People,
                                               world: MergeWorld) -> None:
    """A DAV client sees the moved meeting change (its text names the counterparty) at its next
    sync; the merge's own record stays out of calendars."""
    from letterpress.crm.calendar_feed import ensure_collections
    from letterpress.crm.model import DavItem

    ensure_collections(session, people.manager.id)
    session.commit()
    meeting = session.scalars(select(Event).where(Event.subject == "Встреча по каталогу")).one()
    before = session.scalars(select(DavItem.etag).where(DavItem.event_id == meeting.id)).one()
    result = merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    after = session.scalars(select(DavItem.etag).where(DavItem.event_id == meeting.id)).one()
    assert after != before
    assert not session.scalars(select(DavItem).where(DavItem.event_id == result.event_id)).all()


def test_the_campaign_keeps_one_participation(session: Session, people: People,
                                              world: MergeWorld) -> None:
    merge_counterparties(session, people.manager, world.survivor, world.duplicate)
    session.commit()
    rows = session.execute(select(CampaignParticipant.campaign_id).where(
        CampaignParticipant.counterparty_id == world.survivor)).scalars().all()
    assert sorted(rows).count(world.campaign) == 1 and len(rows) == 2
