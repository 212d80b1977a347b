"""The merge pages: from the card's "Объединить с дубликатом" to the survivor's card, with the
permission matrix, CSRF, and the refusal of two different INNs (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty, Event
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from tests.crm.merge_world import MergeWorld, build, counts
from tests.web.conftest import People

LINK = "Объединить с дубликатом"
VIEWERS = [("manager", 200), ("other", 403), ("head", 200), ("admin", 200), ("inactive", 302),
           (None, 302)]


@pytest.fixture
def world(session: Session, people: People) -> MergeWorld:
    return build(session, people.manager, people.other, people.head)


def _as(client: FlaskClient, people: People, viewer: str | None) -> None:
    if viewer is not None:
        login_as(client, getattr(people, viewer))


def _confirm(world: MergeWorld) -> str:
    return f"/counterparties/{world.survivor}/merge/{world.duplicate}"


@pytest.mark.parametrize(("viewer", "shown"), [
    ("manager", True), ("other", False), ("head", True), ("admin", True),
])
def test_the_card_links_to_the_merge_when_the_permission_allows(
    client: FlaskClient, people: People, world: MergeWorld, viewer: str, shown: bool
) -> None:
    _as(client, people, viewer)
    page = client.get(f"/counterparties/{world.survivor}").get_data(as_text=True)
    assert (LINK in page) is shown
    assert (f'href="/counterparties/{world.survivor}/merge"' in page) is shown


@pytest.mark.parametrize(("viewer", "status"), VIEWERS)
def test_the_duplicates_page_permission_matrix(
    client: FlaskClient, people: People, world: MergeWorld, viewer: str | None, status: int
) -> None:
    _as(client, people, viewer)
    response = client.get(f"/counterparties/{world.survivor}/merge")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    if status == 302:
        assert "/login" in response.headers["Location"]
    if status == 200:
        assert "Вероятные дубликаты" in page
        assert f'href="{_confirm(world)}"' in page
        assert "Ромашка, ООО" in page and "общий почтовый домен (romashka.ru)" in page
    else:
        assert "Ромашка, ООО" not in page


def test_the_search_box_finds_others_and_marks_what_cannot_be_merged(
    client: FlaskClient, people: People, world: MergeWorld
) -> None:
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{world.survivor}/merge",
                      query_string={"q": "юг"}).get_data(as_text=True)
    assert "Ромашка-Юг" in page and "другой ИНН" in page
    assert f"/merge/{world.stranger}" not in page
    page = client.get(f"/counterparties/{world.survivor}/merge",
                      query_string={"q": "нет такого"}).get_data(as_text=True)
    assert "Ничего не найдено" in page


def test_a_colleagues_counterparty_is_listed_but_not_offered(
    client: FlaskClient, session: Session, people: People, world: MergeWorld
) -> None:
    theirs = factories.make_counterparty(session, "Ромашка ООО", manager=people.other)
    session.commit()
    login_as(client, people.manager)
    page = client.get(f"/counterparties/{world.survivor}/merge").get_data(as_text=True)
    assert "Ромашка ООО" in page and f"/merge/{theirs.id}" not in page
    assert "обратитесь к руководителю" in page
    assert client.get(f"/counterparties/{world.survivor}/merge/{theirs.id}").status_code == 403
    login_as(client, people.head)
    page = client.get(f"/counterparties/{world.survivor}/merge").get_data(as_text=True)
    assert f"/merge/{theirs.id}" in page


@pytest.mark.parametrize(("viewer", "status"), VIEWERS)
def test_the_confirmation_permission_matrix(
    client: FlaskClient, people: People, world: MergeWorld, viewer: str | None, status: int
) -> None:
    _as(client, people, viewer)
    response = client.get(_confirm(world))
    assert response.status_code == status
    if status != 200:
        assert "770101001" not in response.get_data(as_text=True)
        return
    page = response.get_data(as_text=True)
    for text in ("Объединение: «Ромашка, ООО» → «ООО «Ромашка»»", "Остаётся: ООО «Ромашка»",
                 "770101001", "берётся из дубликата", "Химки", "+7 900 000-00-00",
                 "Мероприятия", 'name="csrf_token"', "Объединить и удалить"):
        assert text in page, text


def test_the_confirmation_counts_what_moves(client: FlaskClient, people: People,
                                            world: MergeWorld) -> None:
    login_as(client, people.manager)
    page = client.get(_confirm(world)).get_data(as_text=True)
    counts_table = page[page.index("Что переносится"):]
    # letters: 1 of the survivor's, 2 of the duplicate's; orders 1 and 1
    assert '<th scope="row">Письма</th>\n        <td class="num">1</td>\n' \
           '        <td class="num">2</td>' in counts_table
    assert '<th scope="row">Контактные лица</th>\n        <td class="num">1</td>\n' \
           '        <td class="num">1</td>' in counts_table


def test_merging_through_the_page(client: FlaskClient, session: Session, people: People,
                                  world: MergeWorld) -> None:
    before = counts(session, world.duplicate)
    login_as(client, people.manager)
    token = csrf_token(client, _confirm(world))
    response = client.post(_confirm(world), data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/counterparties/{world.survivor}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "«Ромашка, ООО» объединён с этой карточкой" in page
    assert "Объединение с дубликатом «Ромашка, ООО»" in page  # the history's record
    assert "Анна Смирнова" in page  # the duplicate's contact
    session.rollback()  # a new transaction: the app's writes show
    assert session.get(Counterparty, world.duplicate) is None
    assert sum(counts(session, world.duplicate).values()) == 0
    assert sum(before.values()) > 0
    assert client.get(f"/counterparties/{world.duplicate}").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient, session: Session,
                                                  people: People, world: MergeWorld) -> None:
    login_as(client, people.manager)
    response = client.post(_confirm(world), data={})
    assert response.status_code == 400
    response = client.post(_confirm(world), data={"csrf_token": "forged"})
    assert response.status_code == 400
    session.rollback()  # a new transaction: the app's writes show
    assert session.get(Counterparty, world.duplicate) is not None


@pytest.mark.parametrize("viewer", ["other", "inactive", None])
def test_a_post_by_someone_not_allowed_changes_nothing(
    app: Flask, session: Session, people: People, world: MergeWorld, viewer: str | None
) -> None:
    client = app.test_client()
    _as(client, people, viewer)
    token = csrf_token(client, "/counterparties/" if viewer == "other" else "/login")
    response = client.post(_confirm(world), data={"csrf_token": token})
    if viewer == "other":
        assert response.status_code == 403
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    session.rollback()
    assert session.get(Counterparty, world.duplicate) is not None


def test_two_different_inns_are_refused_with_a_clear_message(
    client: FlaskClient, session: Session, people: People, world: MergeWorld
) -> None:
    other_inn = factories.make_counterparty(session, "Ромашка", inn=factories.valid_inn(5),
                                            manager=people.manager)
    session.commit()
    login_as(client, people.manager)
    url = f"/counterparties/{world.survivor}/merge/{other_inn.id}"
    page = client.get(url).get_data(as_text=True)
    assert "У контрагентов разные ИНН" in page and factories.valid_inn(5) in page
    assert "Объединить и удалить" not in page
    token = csrf_token(client, f"/counterparties/{world.survivor}")
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 409
    assert "два налогоплательщика — это два контрагента" in response.get_data(as_text=True)
    session.rollback()  # a new transaction: the app's writes show
    assert session.get(Counterparty, other_inn.id) is not None
    assert not session.scalars(select(Event).where(Event.subject.startswith("Объединение"))).all()


def test_keeping_the_other_one_instead(client: FlaskClient, people: People,
                                       world: MergeWorld) -> None:
    login_as(client, people.manager)
    page = client.get(_confirm(world)).get_data(as_text=True)
    swapped = f"/counterparties/{world.duplicate}/merge/{world.survivor}"
    assert f'href="{swapped}"' in page
    page = client.get(swapped).get_data(as_text=True)
    assert "Остаётся: Ромашка, ООО" in page
    assert "другой ИНН" not in page


def test_merging_with_itself_or_a_missing_one(client: FlaskClient, people: People,
                                              world: MergeWorld) -> None:
    login_as(client, people.admin)
    assert client.get(f"/counterparties/{world.survivor}/merge/{world.survivor}"
                      ).status_code == 400
    assert client.get(f"/counterparties/{world.survivor}/merge/999999").status_code == 404
    assert client.get("/counterparties/999999/merge").status_code == 404


def test_the_pages_in_english(client: FlaskClient, session: Session, people: People,
                              world: MergeWorld) -> None:
    people.manager.language = "en"
    session.commit()
    login_as(client, people.manager)
    assert "Merge with a duplicate" in client.get(
        f"/counterparties/{world.survivor}").get_data(as_text=True)
    page = client.get(_confirm(world)).get_data(as_text=True)
    assert "What moves" in page and "taken from the duplicate" in page
