"""Requests and responses of the DAV server: a thin layer over WSGI, with body limits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from letterpress.dav.errors import DavError, status_line

READ_CHUNK = 65536


class Request:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        raw = environ.get("PATH_INFO", "") or "/"
        try:
            self.path = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            self.path = raw
        self.script_name: str = environ.get("SCRIPT_NAME", "").rstrip("/")
        self._body: bytes | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() == "content-type":
            key = "CONTENT_TYPE"
        elif name.lower() == "content-length":
            key = "CONTENT_LENGTH"
        value = self.environ.get(key)
        return default if value in (None, "") else str(value)

    def depth(self, default: str) -> str:
        value = (self.header("Depth") or default).strip().lower()
        if value not in ("0", "1", "infinity"):
            raise DavError(400, f"bad Depth header {value!r}")
        return value

    def body(self, limit: int) -> bytes:
        """The request body; 413 beyond ``limit`` bytes (checked before reading when declared)."""
        if self._body is None:
            self._body = self._read(limit)
        return self._body

    def _read(self, limit: int) -> bytes:
        length_header = self.header("Content-Length")
        stream = self.environ.get("wsgi.input")
        if stream is None:
            return b""
        if length_header is not None:
            try:
                length = int(length_header)
            except ValueError:
                raise DavError(400, "bad Content-Length") from None
            if length > limit:
                raise DavError(413, f"request body larger than {limit} bytes")
            return stream.read(length) if length > 0 else b""
        if "chunked" not in (self.header("Transfer-Encoding") or "").lower() \
                and not self.environ.get("wsgi.input_terminated"):
            return b""
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = stream.read(READ_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise DavError(413, f"request body larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def path_of(self, href_value: str) -> str:
        """A client's href (absolute URL or path, percent-encoded) as our decoded path."""
        parts = urlsplit(href_value.strip())
        return unquote(parts.path)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)

    def wsgi(self, start_response: Any, method: str) -> Iterable[bytes]:
        headers = list(self.headers)
        if self.content_type:
            headers.append(("Content-Type", self.content_type))
        headers.append(("Content-Length", str(len(self.body))))
        start_response(status_line(self.status), headers)
        return [] if method == "HEAD" else [self.body]


def xml_response(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, text.encode("utf-8"), "application/xml; charset=utf-8", headers or [])
