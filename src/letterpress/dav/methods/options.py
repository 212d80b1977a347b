"""OPTIONS: which DAV features and methods this server offers (RFC 4918, 10.1; RFC 4791, 5.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from letterpress.dav.http import Response

METHODS = ("OPTIONS", "GET", "HEAD", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "REPORT",
           "MKCOL", "MKCALENDAR")


def dav_header(extensions: Sequence[Any]) -> str:
    features = ["1", "3", "access-control", "extended-mkcol"]
    for ext in extensions:
        features.extend(ext.features)
    return ", ".join(features)


def handle(extensions: Sequence[Any]) -> Response:
    return Response(200, b"", None, [("DAV", dav_header(extensions)),
                                     ("Allow", ", ".join(METHODS))])
