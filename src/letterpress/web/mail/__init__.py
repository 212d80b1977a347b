"""``/mail/``: mailboxes and their state, letters, unfiled letters, the ambiguous queue.

The blueprint is defined here and its views live in three modules by subject (the lists, one
letter and its files, filing by hand); importing the package registers them all.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/mail")

from letterpress.web.mail import letter_routes, refile_routes, routes  # noqa: F401
