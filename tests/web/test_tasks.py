"""The task pages: the lists by tab and filter, one task, completing it, and who sees what."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from letterpress.crm.model import Counterparty, Task, User
from letterpress.crm.tasks import set_task
from letterpress.testing import factories
from letterpress.testing.web import csrf_token, login_as
from tests.web.conftest import People

UTC = dt.UTC


@dataclass
class TaskWorld:
    romashka: Counterparty
    overdue: Task  # head -> manager1, due yesterday, about Ромашка
    later: Task  # head -> manager1, due in two days
    undated: Task  # head -> manager1, no deadline
    done: Task  # head -> manager1, completed with a result
    others: Task  # head -> manager2, due tomorrow
    by_admin: Task  # admin -> head


@pytest.fixture
def world(session: Session, people: People) -> TaskWorld:
    now = dt.datetime.now(UTC)
    romashka = factories.make_counterparty(session, "ООО Ромашка", manager=people.manager)

    def task(curator: User, assignee: User, subject: str, due: dt.datetime | None,
             **extra: Any) -> Task:
        return set_task(session, curator=curator, assignee_id=assignee.id, subject=subject,
                        due_at=due, **extra)

    found = TaskWorld(
        romashka=romashka,
        overdue=task(people.head, people.manager, "Позвонить в Ромашку", now - dt.timedelta(days=1),
                     counterparty_id=romashka.id, description="Уточнить тираж\nи сроки"),
        later=task(people.head, people.manager, "Подготовить КП", now + dt.timedelta(days=2)),
        undated=task(people.head, people.manager, "Разобрать архив", None),
        done=task(people.head, people.manager, "Сдать отчёт", now - dt.timedelta(days=3)),
        others=task(people.head, people.other, "Задача Петра", now + dt.timedelta(days=1)),
        by_admin=task(people.admin, people.head, "Задача руководителю", now + dt.timedelta(days=5)),
    )
    found.done.state, found.done.result = "done", "Отчёт сдан"
    found.done.completed_at = now - dt.timedelta(days=2)
    session.commit()
    return found


def reread(session: Session) -> None:
    """End the test's read transaction and forget the rows it loaded, to see what the app
    committed meanwhile."""
    session.rollback()
    session.expire_all()


def get(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def all_subjects(client: FlaskClient, path: str) -> list[str]:
    """The subjects of every page of a list (the web tests show five rows a page)."""
    found = subjects(get(client, path))
    found += subjects(get(client, f"{path}&page=2"))
    return found


def subjects(page: str) -> list[str]:
    """The task subjects of a list page, in order."""
    return re.findall(r'<a href="/tasks/\d+">([^<]+)</a>', page)


# --- the list ----------------------------------------------------------------------------------


def test_assigned_to_me_lists_open_tasks_by_deadline_with_the_overdue_highlighted(
    client: FlaskClient, people: People, world: TaskWorld
) -> None:
    login_as(client, people.manager)
    page = get(client, "/tasks/")
    assert subjects(page) == ["Позвонить в Ромашку", "Подготовить КП", "Разобрать архив"]
    assert "Задача Петра" not in page and "Задача руководителю" not in page
    overdue_row = page.split('class="task--overdue"')[1].split("</tr>")[0]
    assert "Позвонить в Ромашку" in overdue_row and "просрочено" in overdue_row
    assert f'href="/counterparties/{world.romashka.id}">ООО Ромашка</a>' in overdue_row
    assert page.count('class="task--overdue"') == 1
    assert "Ольга Руководитель" in page  # who set them
    assert 'href="/tasks/new"' not in page  # a manager sets no tasks
    assert "Whose tasks" not in page and "Чьи задания" not in page  # one tab only: no tab bar


@pytest.mark.parametrize(("show", "expected"), [
    ("overdue", ["Позвонить в Ромашку"]),
    ("done", ["Сдать отчёт"]),
    ("all", ["Сдать отчёт", "Позвонить в Ромашку", "Подготовить КП", "Разобрать архив"]),
    ("nonsense", ["Позвонить в Ромашку", "Подготовить КП", "Разобрать архив"]),
])
def test_filters(client: FlaskClient, people: People, world: TaskWorld, show: str,
                 expected: list[str]) -> None:
    login_as(client, people.manager)
    assert subjects(get(client, f"/tasks/?show={show}")) == expected


def test_a_head_has_the_set_by_me_and_team_tabs(
    client: FlaskClient, people: People, world: TaskWorld
) -> None:
    login_as(client, people.head)
    page = get(client, "/tasks/")
    assert subjects(page) == ["Задача руководителю"]  # assigned to the head
    assert 'href="/tasks/?tab=set"' in page and 'href="/tasks/?tab=team"' in page
    assert 'href="/tasks/new"' in page
    set_by_me = get(client, "/tasks/?tab=set")
    assert subjects(set_by_me) == ["Позвонить в Ромашку", "Задача Петра", "Подготовить КП",
                                   "Разобрать архив"]
    assert "Иван Петров" in set_by_me and "Пётр Сидоров" in set_by_me  # the assignees
    assert set(all_subjects(client, "/tasks/?tab=team&show=all")) == {
        "Позвонить в Ромашку", "Задача Петра", "Подготовить КП", "Разобрать архив",
        "Сдать отчёт", "Задача руководителю"}
    assert "Задача руководителю" not in subjects(get(client, "/tasks/?tab=set"))


def test_a_manager_cannot_open_the_team_tab(
    client: FlaskClient, people: People, world: TaskWorld
) -> None:
    login_as(client, people.other)
    page = get(client, "/tasks/?tab=team&show=all")
    assert subjects(page) == ["Задача Петра"]  # falls back to their own


def test_the_list_pages(client: FlaskClient, people: People, session: Session) -> None:
    for n in range(7):  # page_size is 5 in the web tests
        set_task(session, curator=people.head, assignee_id=people.manager.id,
                 subject=f"Задание {n}",
                 due_at=dt.datetime(2030, 1, 1 + n, 9, tzinfo=UTC))
    session.commit()
    login_as(client, people.manager)
    first, second = get(client, "/tasks/"), get(client, "/tasks/?page=2")
    assert subjects(first) == [f"Задание {n}" for n in range(5)]
    assert subjects(second) == ["Задание 5", "Задание 6"]


def test_the_admin_sees_every_task_in_the_team_tab(
    client: FlaskClient, people: People, world: TaskWorld
) -> None:
    login_as(client, people.admin)
    assert len(all_subjects(client, "/tasks/?tab=team&show=all")) == 6
    assert subjects(get(client, "/tasks/?tab=set")) == ["Задача руководителю"]


# --- one task: who sees it ---------------------------------------------------------------------


@pytest.mark.parametrize(("viewer", "status"), [
    ("manager", 200), ("other", 404), ("head", 200), ("admin", 200), (None, 302),
])
def test_task_page_permission_matrix(
    client: FlaskClient, people: People, world: TaskWorld, viewer: str | None, status: int
) -> None:
    if viewer is not None:
        login_as(client, getattr(people, viewer))
    response = client.get(f"/tasks/{world.overdue.id}")
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]
    if status == 200:
        page = response.get_data(as_text=True)
        for text in ("Позвонить в Ромашку", "Уточнить тираж\nи сроки", "Иван Петров",
                     "Ольга Руководитель", "просрочено", "ООО Ромашка"):
            assert text in page, text


@pytest.mark.parametrize(("viewer", "status"), [
    ("manager", 200), ("other", 404), ("head", 200), ("admin", 200), (None, 302),
])
def test_task_list_permission_matrix(
    client: FlaskClient, people: People, world: TaskWorld, viewer: str | None, status: int
) -> None:
    if viewer is not None:
        login_as(client, getattr(people, viewer))
    response = client.get("/tasks/?tab=team&show=all")
    if viewer is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    seen = set(all_subjects(client, "/tasks/?tab=team&show=all"))
    assert ("Позвонить в Ромашку" in seen) == (status == 200)
    assert ("Задача Петра" in seen) == (viewer in ("other", "head", "admin"))


def test_an_unknown_task_is_404(client: FlaskClient, people: People, world: TaskWorld) -> None:
    login_as(client, people.admin)
    assert client.get("/tasks/999999").status_code == 404


def test_the_task_page_shows_the_result_of_a_done_task(
    client: FlaskClient, people: People, world: TaskWorld
) -> None:
    login_as(client, people.manager)
    page = get(client, f"/tasks/{world.done.id}")
    assert "Отчёт сдан" in page and "Выполнено" in page
    assert 'name="result"' not in page  # nothing left to complete


# --- completing --------------------------------------------------------------------------------


def complete(client: FlaskClient, task: Task, result: str = "Дозвонился, тираж 5000",
             token: str | None = "") -> int:
    data = {"result": result}
    if token == "":
        token = csrf_token(client, f"/tasks/{task.id}")
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/tasks/{task.id}/complete", data=data).status_code


def test_the_assignee_completes_a_task_with_its_result(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.manager)
    response = client.post(f"/tasks/{world.overdue.id}/complete", data={
        "result": "Дозвонился, тираж 5000",
        "csrf_token": csrf_token(client, f"/tasks/{world.overdue.id}"),
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tasks/{world.overdue.id}")
    reread(session)
    task = session.get(Task, world.overdue.id)
    assert task is not None
    assert (task.state, task.result) == ("done", "Дозвонился, тираж 5000")
    assert task.completed_at is not None
    page = get(client, f"/tasks/{world.overdue.id}")
    assert "Дозвонился, тираж 5000" in page and "Задание выполнено." in page
    assert "Позвонить в Ромашку" not in subjects(get(client, "/tasks/"))
    assert complete(client, world.overdue) == 409  # a second click


def test_completing_needs_the_csrf_token(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.manager)
    assert complete(client, world.later, token=None) == 400
    assert complete(client, world.later, token="forged") == 400
    reread(session)
    assert session.get(Task, world.later.id).state == "open"  # type: ignore[union-attr]


def test_completing_needs_a_result(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.manager)
    response = client.post(f"/tasks/{world.later.id}/complete", data={
        "result": "  ", "csrf_token": csrf_token(client, f"/tasks/{world.later.id}")})
    assert response.status_code == 400
    assert "Опишите результат." in response.get_data(as_text=True)


@pytest.mark.parametrize(("actor", "status"), [
    ("other", 404), ("head", 302), ("admin", 302),
])
def test_who_may_complete_someone_elses_task(
    client: FlaskClient, people: People, world: TaskWorld, session: Session, actor: str,
    status: int,
) -> None:
    """As crm.permissions.can_edit_task says: the assignee, the curator, the assignee's heads
    and administrators; another manager does not even see it."""
    login_as(client, getattr(people, actor))
    token = csrf_token(client, "/tasks/")
    assert complete(client, world.later, token=token) == status
    reread(session)
    state = session.get(Task, world.later.id).state  # type: ignore[union-attr]
    assert state == ("done" if status == 302 else "open")


def test_completing_while_signed_out_goes_to_the_login(
    client: FlaskClient, world: TaskWorld
) -> None:
    response = client.post(f"/tasks/{world.later.id}/complete", data={"result": "x"})
    assert response.status_code in (302, 400)  # the CSRF check may answer first


# --- setting a task ----------------------------------------------------------------------------


def new_task_data(client: FlaskClient, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_token(client, "/tasks/new"), "assignee": "",
        "subject": "Съездить к клиенту",
        "description": "Отвезти образцы", "due_at": "2030-05-06T18:30", "counterparty": "",
        "counterparty_id": "",
    }
    data.update(changes)
    return data


def test_a_head_sets_a_task_to_a_subordinate(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.head)
    page = get(client, "/tasks/new")
    options = {int(v): n for v, n in re.findall(r'<option value="([1-9]\d*)">([^<]+)<', page)}
    assert options == {people.manager.id: "Иван Петров", people.other.id: "Пётр Сидоров"}
    response = client.post("/tasks/new", data=new_task_data(
        client, assignee=str(people.other.id), counterparty="ромашка"))
    assert response.status_code == 302, response.get_data(as_text=True)
    reread(session)
    task = session.query(Task).filter_by(subject="Съездить к клиенту").one()
    assert (task.curator_id, task.assignee_id, task.counterparty_id, task.description) == (
        people.head.id, people.other.id, world.romashka.id, "Отвезти образцы")
    # entered as Moscow time
    assert task.due_at == dt.datetime(2030, 5, 6, 15, 30, tzinfo=UTC)
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")
    login_as(client, people.other)
    assert "Съездить к клиенту" in subjects(get(client, "/tasks/"))


def test_a_manager_is_refused_with_a_clear_message(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.manager)
    page = get(client, "/tasks/new", 403)
    assert "Вы не можете ставить задания" in page
    token = csrf_token(client, "/tasks/")
    response = client.post("/tasks/new", data={
        "csrf_token": token, "assignee": str(people.other.id), "subject": "Сам себе",
        "due_at": "2030-05-06T18:30"})
    assert response.status_code == 403
    assert session.query(Task).filter_by(subject="Сам себе").count() == 0


def test_a_head_cannot_set_a_task_outside_the_team(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.head)
    response = client.post("/tasks/new", data=new_task_data(client, assignee=str(people.admin.id)))
    assert response.status_code == 400
    assert session.query(Task).filter_by(subject="Съездить к клиенту").count() == 0


def test_the_admin_may_set_a_task_to_anyone(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.admin)
    page = get(client, "/tasks/new")
    for name in ("Иван Петров", "Пётр Сидоров", "Ольга Руководитель"):
        assert f">{name}<" in page
    assert ">Уволенный<" not in page  # inactive users get no tasks
    response = client.post("/tasks/new", data=new_task_data(client, assignee=str(people.head.id)))
    assert response.status_code == 302


def test_setting_a_task_needs_the_csrf_token(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    login_as(client, people.head)
    data = new_task_data(client, assignee=str(people.manager.id))
    del data["csrf_token"]
    assert client.post("/tasks/new", data=data).status_code == 400
    assert session.query(Task).filter_by(subject="Съездить к клиенту").count() == 0


@pytest.mark.parametrize(("changes", "message"), [
    ({"subject": ""}, "Введите задание."),
    ({"due_at": ""}, "Укажите дату и время."),
    ({"assignee": "0"}, "Выберите исполнителя."),
    ({"counterparty": "нет такого"}, "Нет подходящего контрагента."),
    ({"counterparty": "ооо"}, "Подходят несколько контрагентов: ООО Ромашка, ООО Ромашка-2"),
])
def test_a_task_form_with_mistakes_is_shown_again(
    client: FlaskClient, people: People, world: TaskWorld, session: Session,
    changes: dict[str, str], message: str,
) -> None:
    factories.make_counterparty(session, "ООО Ромашка-2")
    session.commit()
    login_as(client, people.head)
    data = new_task_data(client, assignee=str(people.manager.id))
    data.update(changes)
    response = client.post("/tasks/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Отвезти образцы"' in page or "Отвезти образцы" in page  # kept
    assert session.query(Task).filter_by(subject="Съездить к клиенту").count() == 0


def test_a_counterparty_and_an_assignee_can_be_prefilled(
    client: FlaskClient, people: People, world: TaskWorld, session: Session
) -> None:
    twin = factories.make_counterparty(session, "ООО Ромашка")  # the same name twice
    session.commit()
    login_as(client, people.head)
    page = get(client, f"/tasks/new?counterparty={twin.id}&assignee={people.other.id}")
    assert 'value="ООО Ромашка"' in page and f'value="{twin.id}"' in page
    assert f'<option selected value="{people.other.id}">' in page
    response = client.post("/tasks/new", data=new_task_data(
        client, assignee=str(people.other.id), counterparty="ООО Ромашка",
        counterparty_id=str(twin.id)))
    assert response.status_code == 302
    reread(session)
    task = session.query(Task).filter_by(subject="Съездить к клиенту").one()
    assert task.counterparty_id == twin.id


def test_signed_out_visitors_go_to_the_login(client: FlaskClient, world: TaskWorld) -> None:
    for path in ("/tasks/", "/tasks/new", f"/tasks/{world.later.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
