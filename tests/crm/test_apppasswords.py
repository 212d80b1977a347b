"""App passwords in the domain layer: at most ``dav.max_app_passwords`` active per user."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from letterpress.config import DavSettings
from letterpress.crm import apppasswords
from letterpress.crm.apppasswords import TooManyAppPasswords, create_app_password
from letterpress.crm.model import AppPassword, User
from letterpress.db.types import utcnow
from letterpress.errors import ValidationError
from letterpress.testing import factories


def _seed(session: Session, user: User, count: int, *, revoked: bool = False) -> None:
    """Rows with one cached hash: argon2 is slow on purpose, and the cap needs no real ones."""
    session.add_all([AppPassword(user_id=user.id, label=f"seed {i}",
                                 password_hash=factories.password_hash("seeded"),
                                 revoked_at=utcnow() if revoked else None)
                     for i in range(count)])
    session.flush()


def test_the_default_cap_is_the_settings_default() -> None:
    assert DavSettings().max_app_passwords == apppasswords.MAX_ACTIVE == 10


def test_a_user_at_the_cap_gets_no_more_until_one_is_revoked(session: Session) -> None:
    ivan = factories.make_user(session, "ivan")
    olga = factories.make_user(session, "olga")
    _seed(session, ivan, 2)
    _seed(session, ivan, 5, revoked=True)  # revoked ones cost nothing at a login: not counted
    session.commit()
    row, _secret = create_app_password(session, "ivan", "phone", limit=3)
    session.commit()
    with pytest.raises(TooManyAppPasswords) as refused:
        create_app_password(session, "ivan", "laptop", limit=3)
    assert isinstance(refused.value, ValidationError)
    assert refused.value.limit == 3 and refused.value.login == "ivan"
    assert "3 active app passwords" in str(refused.value)
    session.rollback()
    assert apppasswords.active_count(session, ivan.id) == 3
    assert apppasswords.active_count(session, olga.id) == 0  # the cap is per user
    apppasswords.revoke_app_passwords(session, "ivan", password_id=row.id)
    create_app_password(session, "ivan", "laptop", limit=3)
    session.commit()
    assert apppasswords.active_count(session, ivan.id) == 3


def test_the_default_cap_applies_without_a_limit(session: Session) -> None:
    ivan = factories.make_user(session, "ivan")
    _seed(session, ivan, apppasswords.MAX_ACTIVE)
    session.commit()
    with pytest.raises(TooManyAppPasswords):
        create_app_password(session, "ivan", "one too many")
