"""For other WSGI servers: ``gunicorn letterpress.web.wsgi:app``.

Settings come from the environment as for the ``letterpress`` command (``$LETTERPRESS_CONFIG``,
``$LETTERPRESS_DATA_DIR``, ``$LETTERPRESS_DATABASE_URL``). Run ``letterpress db upgrade`` first;
``letterpress serve`` does that by itself.
"""

from __future__ import annotations

from letterpress.config import load_settings
from letterpress.web.app import create_app

app = create_app(load_settings())
