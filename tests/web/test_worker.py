"""The gunicorn worker that accepts connections only while it has a free thread.

Serving with it is covered by every test that runs ``letterpress serve`` (test_server.py, the
browser tests); here, its bookkeeping: a worker whose threads are all busy stops listening, and
listens again once one is free.
"""

from __future__ import annotations

import selectors
import socket
from collections.abc import Iterator
from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

import pytest

from letterpress.web.worker import BalancedThreadWorker


class _Pool:
    def __init__(self) -> None:
        self.futures: list[Future[Any]] = []

    def submit(self, _fn: Any, _conn: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.futures.append(future)
        return future


@pytest.fixture
def worker() -> Iterator[BalancedThreadWorker]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    made = BalancedThreadWorker.__new__(BalancedThreadWorker)
    made.cfg = SimpleNamespace(threads=2)
    made.busy = 0
    made._accepting = False
    made.sockets = [listener]
    made.poller = selectors.DefaultSelector()
    made.tpool = _Pool()
    made.method_queue = SimpleNamespace(defer=lambda *args: None)
    made.nr_conns = 2
    made.worker_connections = 1000
    yield made
    made.poller.close()
    listener.close()


def _listening(worker: BalancedThreadWorker) -> bool:
    return any(key.fileobj in worker.sockets for key in worker.poller.get_map().values())


def test_a_worker_with_every_thread_busy_stops_accepting(worker: BalancedThreadWorker) -> None:
    worker.set_accept_enabled(True)
    assert _listening(worker)
    worker.enqueue_req(SimpleNamespace())
    assert worker.busy == 1 and _listening(worker)
    worker.enqueue_req(SimpleNamespace())
    assert worker.busy == 2 and not _listening(worker)
    worker.set_accept_enabled(True)  # what gunicorn's loop asks on every turn
    assert not _listening(worker)

    done = worker.tpool.futures[0]
    done.set_result(False)  # the response closed its connection
    worker.finish_request(SimpleNamespace(close=lambda **kwargs: None), done)
    assert worker.busy == 1
    worker.set_accept_enabled(True)
    assert _listening(worker)
