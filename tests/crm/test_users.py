from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from letterpress.crm import users
from letterpress.errors import NotFound, ValidationError


def test_add_authenticate_and_supervision(session: Session) -> None:
    head = users.add_user(session, "head", role="head", team="north", password="demo")
    m1 = users.add_user(session, "manager1", team="north", supervisor="head", password="pw1")
    users.add_user(session, "manager2", supervisor="manager1")
    session.commit()
    assert m1.team is not None and m1.team.name == "north" and head.team is m1.team
    assert users.authenticate(session, "manager1", "pw1") is m1
    assert users.authenticate(session, "manager1", "wrong") is None
    assert users.authenticate(session, "manager2", "") is None
    assert m1.password_hash is not None and m1.password_hash.startswith("$argon2")
    assert [u.login for u in users.subordinates(session, head)] == ["manager1", "manager2"]
    m1.active = False
    assert users.authenticate(session, "manager1", "pw1") is None


def test_bad_input_is_named(session: Session) -> None:
    users.add_user(session, "a")
    with pytest.raises(ValidationError, match="taken"):
        users.add_user(session, "a")
    with pytest.raises(ValidationError, match="role"):
        users.add_user(session, "b", role="king")
    with pytest.raises(ValidationError, match="login"):
        users.add_user(session, "Bad Login")
    with pytest.raises(NotFound, match="nobody"):
        users.add_user(session, "c", supervisor="nobody")
