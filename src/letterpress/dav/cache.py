"""Rendered item texts by (item, ETag), kept by the application between requests.

A generated item (a CRM event as iCalendar, later a contact as vCard) gets a new ETag whenever
anything it shows changes: that is the contract of the storage below. So an entry is never
stale; entries of old ETags simply age out of the LRU. One cache per application instance (and
so per database): two databases never share one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

DEFAULT_SIZE = 50_000


class ContentCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._texts: OrderedDict[tuple[int, str], str] = OrderedDict()

    def get(self, item_id: int, etag: str) -> str | None:
        with self._lock:
            text = self._texts.get((item_id, etag))
            if text is not None:
                self._texts.move_to_end((item_id, etag))
            return text

    def put(self, item_id: int, etag: str, text: str) -> None:
        with self._lock:
            self._texts[(item_id, etag)] = text
            self._texts.move_to_end((item_id, etag))
            while len(self._texts) > self.size:
                self._texts.popitem(last=False)
