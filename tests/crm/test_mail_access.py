"""Who sees which letters: a visibility matrix over personal and shared mailboxes, heads and
grants; the history's redaction policy; hand-over to a successor."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm import users
from letterpress.crm.counterparties import CounterpartyData, create_counterparty
from letterpress.crm.handover import hand_over
from letterpress.crm.model import Counterparty, Event, Letter
from letterpress.crm.permissions import (
    MailPolicy,
    history_events_clause,
    readable_letter_ids,
    visible_letters_clause,
)
from letterpress.errors import PermissionDenied
from letterpress.testing import letters, mailstore


def _world(session: Session) -> dict[str, int]:
    users.add_user(session, "head", role="head", team="north")
    users.add_user(session, "m1", team="north", supervisor="head")
    users.add_user(session, "m2", team="north", supervisor="head")
    users.add_user(session, "m3", team="south")
    users.add_user(session, "root", role="admin")
    create_counterparty(session, CounterpartyData(name="Строймаш", domains=["stroymash.ru"]))
    ids = {}
    for name, owner, grants in (
        ("m1-box", "m1", ()), ("m2-box", "m2", ()),
        ("sales", None, (("user:m3", "read"),)), ("north-box", None, (("team:north", "read"),)),
        ("send-only", None, (("user:m1", "send_as"),)),
    ):
        box = mailstore.mailbox(session, name, owner=owner, grants=grants)
        mailstore.deliver(session, box, [letters.letter(message_id=f"{name}@stroymash.ru")])
        ids[name] = session.scalar(select(Letter.id).where(Letter.message_id == f"{name}@stroymash.ru"))
    session.commit()
    return ids


MATRIX = {
    #        m1-box m2-box sales north-box send-only
    "m1":   (True, False, False, True, False),
    "m2":   (False, True, False, True, False),
    "m3":   (False, False, True, False, False),
    "head": (False, False, False, True, False),
    "root": (True, True, True, True, True),
}


@pytest.mark.parametrize("head_sees_team_mail", [False, True])
def test_visibility_matrix(session: Session, head_sees_team_mail: bool) -> None:
    ids = _world(session)
    policy = MailPolicy(head_sees_team_mail=head_sees_team_mail)
    order = ["m1-box", "m2-box", "sales", "north-box", "send-only"]
    for login, expected in MATRIX.items():
        user = users.get_user(session, login)
        seen = set(session.scalars(select(Letter.id).where(visible_letters_clause(session, user, policy))))
        want = {ids[name] for name, ok in zip(order, expected, strict=True) if ok}
        if login == "head" and head_sees_team_mail:
            want |= {ids["m1-box"], ids["m2-box"]}
        assert seen == want, login
        assert readable_letter_ids(session, user, set(ids.values()), policy) == want
    outsider = users.get_user(session, "m1")
    outsider.active = False
    assert session.scalars(select(Letter.id).where(
        visible_letters_clause(session, outsider, MailPolicy()))).all() == []


def test_history_hides_or_redacts_letters_without_rights(session: Session) -> None:
    ids = _world(session)
    m3 = users.get_user(session, "m3")
    cp = session.scalar(select(Counterparty))
    assert cp is not None
    all_events = session.scalars(select(Event.letter_id).where(Event.counterparty_id == cp.id)).all()
    assert sorted(all_events) == sorted(ids.values())
    exists = MailPolicy(history_visible_without_rights="exists")
    nothing = MailPolicy(history_visible_without_rights="nothing")
    shown = session.scalars(select(Event.letter_id).where(
        Event.counterparty_id == cp.id, history_events_clause(session, m3, exists))).all()
    assert sorted(shown) == sorted(ids.values())  # listed, but the view redacts these:
    assert readable_letter_ids(session, m3, set(shown), exists) == {ids["sales"]}
    shown = session.scalars(select(Event.letter_id).where(
        Event.counterparty_id == cp.id, history_events_clause(session, m3, nothing))).all()
    assert shown == [ids["sales"]]


def test_hand_over_passes_work_and_correspondence(session: Session) -> None:
    ids = _world(session)
    m1, m2 = users.get_user(session, "m1"), users.get_user(session, "m2")
    cp = session.scalar(select(Counterparty))
    assert cp is not None
    cp.manager_id = m1.id
    with pytest.raises(PermissionDenied):
        hand_over(session, m2, "m1", "m2")
    result = hand_over(session, users.get_user(session, "head"), "m1", "m2")
    session.commit()
    assert (result.counterparties, result.mailboxes) == (1, 1)
    assert cp.manager_id == m2.id and not m1.active
    seen = set(session.scalars(select(Letter.id).where(visible_letters_clause(session, m2, MailPolicy()))))
    assert ids["m1-box"] in seen
