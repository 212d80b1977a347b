"""Who finds what on the search page: the permission matrix (manager, another manager, head,
administrator, signed out) over letters in personal and shared mailboxes, counterparties of two
managers, a personal contact person and a task. The rules are crm.permissions', applied by the
search seam; this checks that the page asks with the viewer's rights and the configured policy."""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from letterpress.config import Settings
from letterpress.testing.web import login_as
from letterpress.web.app import create_app
from tests.web.conftest import People
from tests.web.search_world import SearchWorld, search_index_fixture, search_world_fixture  # noqa: F401

VIEWERS = ("manager", "other", "head", "admin")


def _targets(w: SearchWorld) -> dict[str, tuple[dict[str, str], str]]:
    """What to search for, and the link that shows it was found."""
    m = w.mail
    return {
        "manager1's letter": ({"q": "макет", "kind": "letter"}, f"/mail/letters/{m.hostile}"),
        "manager1's sent letter": ({"q": "получили"}, f"/mail/letters/{m.reply}"),
        "the shared mailbox's letter": ({"q": "тираж", "kind": "letter"},
                                        f"/mail/letters/{m.shared}"),
        "manager2's letter": ({"q": "секретное"}, f"/mail/letters/{m.secret}"),
        "manager1's counterparty": ({"q": "Ромашка", "kind": "counterparty"},
                                    f"/counterparties/{w.romashka}"),
        "manager2's counterparty": ({"q": "Вектор"}, f"/counterparties/{w.vector}"),
        "the shared contact person": ({"q": "закупкам"}, f"/counterparties/{w.romashka}#contacts"),
        "manager2's personal contact": ({"q": "Борис"}, "<mark>Борис</mark> Личный"),
        "the event": ({"q": "звонок", "kind": "event"}, f"#event-{w.call}"),
        "manager1's task": ({"q": "подготовить", "kind": "task"}, "<mark>Подготовить</mark>"),
    }


# What each viewer finds (by default a head reads no one's mail: [mail] head_sees_team_mail).
EVERYONE = {"manager1's counterparty", "manager2's counterparty", "the shared contact person",
            "the event"}
EXPECTED: dict[str, set[str]] = {
    "manager": EVERYONE | {"manager1's letter", "manager1's sent letter",
                           "the shared mailbox's letter", "manager1's task"},
    "other": EVERYONE | {"manager2's letter", "manager2's personal contact"},
    "head": EVERYONE | {"manager1's task"},
    "admin": EVERYONE | {"manager1's letter", "manager1's sent letter",
                         "the shared mailbox's letter", "manager2's letter", "manager1's task"},
}


def _found(client: FlaskClient, args: dict[str, str], mark: str) -> bool:
    response = client.get("/search/", query_string=args)
    assert response.status_code == 200, args
    html = response.get_data(as_text=True)
    results = html[html.index("<main"):]
    return mark in results.split('class="search-results"', 1)[-1] \
        if 'class="search-results"' in results else False


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_viewer_finds_only_what_they_may_see(
    client: FlaskClient, people: People, search_world: SearchWorld, viewer: str
) -> None:
    login_as(client, getattr(people, viewer))
    found = {name for name, (args, mark) in _targets(search_world).items()
             if _found(client, args, mark)}
    assert found == EXPECTED[viewer]


def test_a_head_reads_the_teams_mail_where_the_policy_says_so(
    web_settings: Settings, engine: Engine, people: People, search_world: SearchWorld
) -> None:
    settings = dataclasses.replace(
        web_settings, mail=dataclasses.replace(web_settings.mail, head_sees_team_mail=True))
    client = create_app(settings, engine=engine).test_client()
    login_as(client, people.head)
    targets = _targets(search_world)
    for name in ("manager1's letter", "manager2's letter"):
        assert _found(client, *targets[name]), name
    assert not _found(client, *targets["the shared mailbox's letter"])  # not granted to the head
    html = client.get("/search/").get_data(as_text=True)
    assert '<option value="m1-box">' in html and '<option value="m2-box">' in html


def test_the_mailbox_filter_offers_only_readable_mailboxes(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    offered = {}
    for viewer in VIEWERS:
        login_as(client, getattr(people, viewer))
        html = client.get("/search/").get_data(as_text=True)
        offered[viewer] = {box for box in ("m1-box", "m2-box", "sales")
                           if f'<option value="{box}">' in html}
    assert offered == {"manager": {"m1-box", "sales"}, "other": {"m2-box"}, "head": set(),
                       "admin": {"m1-box", "m2-box", "sales"}}


def test_filters_do_not_widen_rights(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    login_as(client, people.other)
    hostile = f"/mail/letters/{search_world.mail.hostile}"
    for args in ({"q": "макет", "mailbox": "m1-box"}, {"q": "макет ящик:m1-box"},
                 {"counterparty": "Ромашка", "kind": "letter"}, {"sender": "anna@romashka.ru"}):
        assert not _found(client, args, hostile), args


@pytest.mark.parametrize("path", ["/search/", "/search/?q=договор"])
def test_signed_out_visitors_are_sent_to_sign_in(
    client: FlaskClient, search_world: SearchWorld, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_an_inactive_user_is_signed_out(
    client: FlaskClient, people: People, search_world: SearchWorld
) -> None:
    login_as(client, people.inactive)
    response = client.get("/search/?q=договор")
    assert response.status_code == 302
