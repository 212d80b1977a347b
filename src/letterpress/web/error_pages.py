"""Domain errors and HTTP errors to status codes and pages, in one place.

``NotFound`` -> 404, ``PermissionDenied`` -> 403, ``ValidationError`` (one that no form caught)
-> 400, a refused CSRF token -> 400 with a hint to reload. The domain's own message is English and
may name internals, so the page shows a translated explanation and the log keeps the message.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from letterpress.errors import NotFound, PermissionDenied, ValidationError

log = logging.getLogger(__name__)

TITLES: dict[int, tuple[LazyString, LazyString]] = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Access denied"), _l("You have no right to open this page.")),
    404: (_l("Not found"), _l("There is no such page, or the record was deleted.")),
    405: (_l("Method not allowed"), _l("This address does not accept such a request.")),
    409: (_l("Already changed"), _l("Someone changed this record meanwhile; reload the page.")),
    413: (_l("Too large"), _l("The request is too large.")),
    429: (_l("Too many requests"), _l("Wait a minute and try again.")),
    500: (_l("Server error"), _l("Something went wrong on our side; the error was logged.")),
}

CSRF_HINT = _l("The form has expired or did not come from this site. Reload the page and send "
               "it again.")


def render_error(status: int, explanation: LazyString | str | None = None) -> tuple[str, int]:
    title, default = TITLES.get(status, (_l("Error"), _l("The request failed.")))
    return render_template(
        "errors/error.html", status=status, title=title, explanation=explanation or default,
    ), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[str, int]:
        log.info("CSRF check refused a request: %s", exc.description)
        return render_error(400, CSRF_HINT)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> BaseResponse | HTTPException:
        if exc.code is None or exc.code < 400:
            return exc
        # The exception's own response keeps its headers (Allow, Retry-After); only the body
        # becomes our page.
        response = exc.get_response()
        body, _status = render_error(exc.code)
        response.set_data(body)
        response.mimetype = "text/html"
        return response

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> tuple[str, int]:
        log.info("not found: %s", exc)
        return render_error(404)

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied) -> tuple[str, int]:
        log.info("permission denied: %s", exc)
        return render_error(403)

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> tuple[str, int]:
        return render_error(400, str(exc))

    @app.errorhandler(500)
    def _server_error(exc: Exception) -> tuple[str, int]:
        return render_error(500)
