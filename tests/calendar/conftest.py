"""A real DAV server on loopback with three users, per database backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from letterpress.testing.davserver import DavWorld, dav_world


@pytest.fixture
def world(engine: Engine) -> Iterator[DavWorld]:
    with dav_world(engine) as w:
        yield w
