"""Files out of the mail store: attachments and original ``.eml`` letters, as downloads.

Every download is ``Content-Disposition: attachment`` (RFC 6266) with an ASCII ``filename`` for
old clients and ``filename*`` (RFC 8187, UTF-8) for the real, often Cyrillic, name, and
``X-Content-Type-Options: nosniff``: a browser saves the bytes and never renders them as a page
of this site, whatever the letter claims they are.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')
_TOKEN_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
MAX_NAME = 150


def safe_filename(name: str, default: str = "file") -> str:
    """A name with no path, quotes or control characters, not too long, never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 10:
            name = stem[: MAX_NAME - len(ext) - 1] + dot + ext
        else:
            name = name[:MAX_NAME]
    return name or default


def ascii_fallback(name: str) -> str:
    """The name for clients that ignore ``filename*``: ASCII letters kept, the rest ``_``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^A-Za-z0-9._ ()\[\]-]", "_", folded).strip()
    stem, dot, ext = name.rpartition(".")
    if len(folded) - len(ext) < len(stem) / 2:  # mostly Cyrillic: "file.pdf" says more than "_.pdf"
        safe_ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10] if dot else ""
        return "file" + ("." + safe_ext if safe_ext else "")
    return folded or "file"


def content_disposition(filename: str) -> str:
    """``attachment; filename="..."; filename*=UTF-8''...`` for any name (RFC 6266, 8187)."""
    name = safe_filename(filename)
    value = f'attachment; filename="{ascii_fallback(name)}"'
    if not name.isascii() or ascii_fallback(name) != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def download(data: bytes, filename: str, content_type: str) -> Response:
    """A response that makes the browser save ``data`` as ``filename``."""
    ctype = content_type.strip().lower()
    if not _TOKEN_TYPE.match(ctype):
        ctype = "application/octet-stream"
    response = Response(data, content_type=ctype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it after all, it gets no script and no origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
