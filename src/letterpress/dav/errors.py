"""Every status code the DAV server answers with, and how errors become responses.

:class:`DavError` carries a status, a message and optionally a precondition element
(RFC 4918, 16: ``<D:error><C:no-uid-conflict/></D:error>``). :func:`from_domain` is the one
place where the CRM's exceptions become DAV answers.
"""

from __future__ import annotations

from letterpress.errors import (
    Conflict,
    LetterpressError,
    NotFound,
    PermissionDenied,
    ValidationError,
)

REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 207: "Multi-Status",
    301: "Moved Permanently", 302: "Found", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 409: "Conflict", 411: "Length Required",
    412: "Precondition Failed", 413: "Payload Too Large", 415: "Unsupported Media Type",
    423: "Locked", 424: "Failed Dependency", 500: "Internal Server Error",
    501: "Not Implemented", 507: "Insufficient Storage",
}

DAV_NS = "DAV:"
CALDAV_NS = "urn:ietf:params:xml:ns:caldav"

# ValidationError.field values that name a precondition of a DAV extension.
FIELD_PRECONDITIONS: dict[str, tuple[int, str, str]] = {
    "valid-calendar-data": (403, CALDAV_NS, "valid-calendar-data"),
    "supported-calendar-component": (403, CALDAV_NS, "supported-calendar-component"),
    "supported-calendar-data": (403, CALDAV_NS, "supported-calendar-data"),
    "max-resource-size": (403, CALDAV_NS, "max-resource-size"),
}
CONFLICT_PRECONDITIONS: dict[str, tuple[int, str, str]] = {
    "uid": (403, CALDAV_NS, "no-uid-conflict"),
    "exists": (405, DAV_NS, "resource-must-be-null"),
}


def status_line(code: int) -> str:
    return f"{code} {REASONS.get(code, 'Unknown')}"


def http_status(code: int) -> str:
    return f"HTTP/1.1 {status_line(code)}"


class DavError(Exception):
    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        precondition: tuple[str, str] | None = None,
        detail_xml: str = "",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message or status_line(status))
        self.status = status
        self.message = message or status_line(status)
        self.precondition = precondition
        self.detail_xml = detail_xml
        self.headers = headers

    def body(self) -> tuple[bytes, str]:
        if self.precondition is None:
            return (self.message + "\n").encode("utf-8"), "text/plain; charset=utf-8"
        from letterpress.dav.xml import NAMESPACE_DECLS, element

        ns, local = self.precondition
        xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<D:error {NAMESPACE_DECLS}>'
               f"{element('{' + ns + '}' + local, self.detail_xml)}</D:error>")
        return xml.encode("utf-8"), "application/xml; charset=utf-8"


def need_privileges(message: str = "") -> DavError:
    return DavError(403, message or "not allowed", precondition=(DAV_NS, "need-privileges"))


def from_domain(exc: LetterpressError) -> DavError:
    """The DAV answer to a CRM error."""
    if isinstance(exc, NotFound):
        return DavError(404, str(exc))
    if isinstance(exc, PermissionDenied):
        return need_privileges(str(exc))
    if isinstance(exc, Conflict):
        status, ns, local = CONFLICT_PRECONDITIONS.get(exc.reason, (409, "", ""))
        detail = ""
        if exc.existing:
            from letterpress.dav.xml import esc

            detail = f"<D:href>{esc(exc.existing)}</D:href>"
        return DavError(status, str(exc), precondition=(ns, local) if ns else None,
                        detail_xml=detail)
    if isinstance(exc, ValidationError):
        if exc.field in FIELD_PRECONDITIONS:
            status, ns, local = FIELD_PRECONDITIONS[exc.field]
            return DavError(status, str(exc), precondition=(ns, local))
        return DavError(400, str(exc))
    return DavError(500, "internal error")
