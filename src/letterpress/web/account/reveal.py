"""A new app password is shown once: carried from the POST that made it to the next page.

Only the argon2 hash reaches the database. Between the POST and the GET that follows its
redirect the plain password rides in the session (a signed, HttpOnly cookie of the browser that
asked for it); the first page of that owner that renders takes it out, so the cookie sent with
that response no longer holds it, and a reload shows nothing. It also expires unseen after
:data:`TTL`, and signing out clears the session.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from flask import session

from letterpress.crm.model import AppPassword, User

SESSION_KEY = "new_app_password"
TTL = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Revealed:
    password_id: int
    owner_id: int
    login: str
    label: str
    password: str


def keep(owner: User, row: AppPassword, password: str) -> None:
    session[SESSION_KEY] = {
        "password_id": row.id, "owner_id": owner.id, "login": owner.login, "label": row.label,
        "password": password, "made": time.time(),
    }


def take(owner_id: int) -> Revealed | None:
    """The password just made for ``owner_id``, once; whatever else was kept is dropped."""
    data = session.pop(SESSION_KEY, None)
    if not isinstance(data, dict) or data.get("owner_id") != owner_id:
        return None
    if time.time() - float(data.get("made", 0)) > TTL.total_seconds():
        return None
    return Revealed(int(data["password_id"]), owner_id, str(data["login"]), str(data["label"]),
                    str(data["password"]))
