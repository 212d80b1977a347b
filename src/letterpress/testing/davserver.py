"""A real DAV server on a free loopback port for tests: werkzeug's threaded server in a thread,
serving ``mount(placeholder, create_dav_app(settings, engine))`` exactly as production mounts it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from werkzeug.serving import make_server

from letterpress.config import Settings
from letterpress.dav.app import create_dav_app, mount


def placeholder_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Stands in for the web UI: answers everything outside /dav/ with a plain page."""
    body = b"web ui placeholder\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@dataclass
class RunningServer:
    url: str          # e.g. http://127.0.0.1:54321
    dav_url: str      # url + "/dav/"
    app: Any


@contextmanager
def dav_server(settings: Settings, engine: Engine) -> Iterator[RunningServer]:
    dav_app = create_dav_app(settings, engine)
    wsgi = mount(placeholder_app, dav_app)
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dav-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield RunningServer(url, url + "/dav/", dav_app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class DavWorld:
    """Users with app passwords and a running server, for DAV tests.

    ``head`` supervises ``ivan``; ``olga`` is a manager elsewhere. Every user's web password is
    :data:`WEB_PASSWORD`; ``passwords[login]`` is their app password.
    """

    engine: Engine
    settings: Settings
    server: RunningServer
    passwords: dict[str, str]
    user_ids: dict[str, int]

    def request(self, method: str, path: str, login: str = "ivan", *, body: str | bytes = b"",
                headers: dict[str, str] | None = None, password: str | None = None) -> Any:
        import requests

        url = path if path.startswith("http") else self.server.url + path
        data = body.encode("utf-8") if isinstance(body, str) else body
        return requests.request(
            method, url, data=data, headers=headers or {}, allow_redirects=False,
            auth=(login, password if password is not None else self.passwords[login]), timeout=30,
        )


WEB_PASSWORD = "web-password-1"


@contextmanager
def dav_world(engine: Engine, settings: Settings | None = None) -> Iterator[DavWorld]:
    from letterpress.crm.model import AppPassword
    from letterpress.db.session import session_factory
    from letterpress.testing.factories import make_user, password_hash

    settings = settings or Settings()
    passwords: dict[str, str] = {}
    ids: dict[str, int] = {}
    with session_factory(engine)() as session:
        head = make_user(session, "head", role="head", name="Анна Head",
                         email="head@print.example", password=WEB_PASSWORD)
        ivan = make_user(session, "ivan", name="Иван Петров", email="ivan@print.example",
                         supervisor=head, password=WEB_PASSWORD)
        olga = make_user(session, "olga", name="Ольга", email="olga@print.example",
                         password=WEB_PASSWORD)
        for user in (head, ivan, olga):
            # A fixed secret per login: its argon2 hash is made once per test process.
            passwords[user.login] = f"app-{user.login}-secret"
            session.add(AppPassword(user_id=user.id, label="test",
                                    password_hash=password_hash(passwords[user.login])))
            ids[user.login] = user.id
        session.commit()
    with dav_server(settings, engine) as server:
        yield DavWorld(engine, settings, server, passwords, ids)
