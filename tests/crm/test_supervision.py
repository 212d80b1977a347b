from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from letterpress.crm import supervision, users
from letterpress.crm.model import User
from letterpress.crm.permissions import is_head_of


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _team(session: Session) -> dict[str, User]:
    made = {
        "head": users.add_user(session, "head", role="head"),
        "lead": users.add_user(session, "lead", supervisor="head"),
        "m1": users.add_user(session, "m1", supervisor="lead"),
        "m2": users.add_user(session, "m2", supervisor="head"),
        "other": users.add_user(session, "other"),
    }
    session.commit()
    return made


def test_chain_at_any_depth(session: Session) -> None:
    team = _team(session)
    ids = {name: user.id for name, user in team.items()}
    assert supervision.subordinate_ids(session, ids["head"]) == {ids["lead"], ids["m1"], ids["m2"]}
    assert supervision.subordinate_ids(session, ids["lead"]) == {ids["m1"]}
    assert supervision.subordinate_ids(session, ids["m1"]) == frozenset()
    assert supervision.is_below(session, ids["head"], ids["m1"])
    assert not supervision.is_below(session, ids["m1"], ids["head"])
    assert not supervision.is_below(session, ids["head"], ids["other"])
    assert not supervision.is_below(session, ids["head"], None)
    assert [u.login for u in users.subordinates(session, team["head"])] == ["lead", "m1", "m2"]


def test_read_once_per_transaction(session: Session) -> None:
    team = _team(session)
    with counted(session) as statements:
        for name in ("lead", "m1", "m2", "other"):
            is_head_of(session, team["head"], team[name].id)
        supervision.subordinate_ids(session, team["lead"].id)
    assert len([s for s in statements if s.startswith("SELECT")]) == 1


def test_a_change_is_seen_after_flush_and_commit(session: Session) -> None:
    team = _team(session)
    assert not is_head_of(session, team["head"], team["other"].id)
    team["other"].supervisor = team["m2"]
    session.flush()
    assert is_head_of(session, team["head"], team["other"].id)
    session.rollback()
    assert not is_head_of(session, team["head"], team["other"].id)
    # a change committed by someone else: the next transaction reads the links anew
    session.execute(update(User).where(User.id == team["other"].id)
                    .values(supervisor_id=team["lead"].id))
    session.commit()
    assert supervision.subordinate_ids(session, team["lead"].id) == {team["m1"].id,
                                                                      team["other"].id}


def test_a_circle_ends(session: Session) -> None:
    team = _team(session)
    session.execute(update(User).where(User.id == team["head"].id)
                    .values(supervisor_id=team["m1"].id))
    session.commit()
    assert supervision.is_below(session, team["lead"].id, team["head"].id)
    assert not supervision.is_below(session, team["other"].id, team["head"].id)
    assert team["head"].id in supervision.subordinate_ids(session, team["lead"].id)
    assert team["lead"].id not in supervision.subordinate_ids(session, team["lead"].id)
