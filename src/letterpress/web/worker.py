"""gunicorn's threaded worker, but one that accepts a connection only while it has a free thread.

The stock ``gthread`` worker accepts connections while it holds fewer than
``worker_connections`` (1,000), whatever its threads are doing, and a kept-alive connection stays
with the worker that accepted it. Twenty browsers' connections then split unevenly between
the workers — 14 and 6 were measured under ``bench.web`` — and the requests on the busier worker
wait more than twice as long. This worker stops accepting while all its threads are busy, so a
new connection goes to a worker that can answer it now (as with gunicorn's sync workers), and
the connections spread over the workers as they free up.
"""

from __future__ import annotations

from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.busy = 0  # requests handed to the thread pool and not finished

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)

    def enqueue_req(self, conn: Any) -> None:
        self.busy += 1
        super().enqueue_req(conn)
        if self.busy >= self.cfg.threads:
            self.set_accept_enabled(False)

    def finish_request(self, conn: Any, fs: Any) -> None:
        # On the worker's main thread (gunicorn's method queue), as enqueue_req: no lock needed.
        # The worker's loop enables accepting again on its next turn.
        self.busy -= 1
        super().finish_request(conn, fs)
