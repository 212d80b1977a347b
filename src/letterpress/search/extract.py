"""Plain text out of what letters carry: HTML bodies and text-like attachments.

Indexed attachment kinds: plain text, CSV, HTML (any charset: UTF-8, else Windows-1251), PDF
(pypdf, pure Python) and DOCX (the document's XML read with the standard library through
defusedxml). Everything is capped (bytes read, pages, characters returned) and every failure of
a broken or hostile file gives an empty string: a bad attachment never stops indexing. Other
kinds (images, archives, spreadsheets) are indexed by file name only.
"""

from __future__ import annotations

import html
import io
import logging
import re
import warnings
import zipfile
from html.parser import HTMLParser

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 100_000
MAX_PDF_PAGES = 50

_BLOCK_TAGS = frozenset(
    ["p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre", "hr", "section", "article"]
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and self._size < MAX_TEXT_CHARS * 2:
            self.parts.append(data)
            self._size += len(data)


def html_to_text(markup: str) -> str:
    """The readable text of an HTML document: no tags, scripts or styles; entities decoded."""
    if not markup:
        return ""
    parser = _TextParser()
    try:
        parser.feed(markup[: MAX_TEXT_CHARS * 4])
        parser.close()
    except Exception:  # HTMLParser is lenient; this is a last resort for hostile input
        log.debug("HTML parse failed", exc_info=True)
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))[:MAX_TEXT_CHARS]
    text = _SPACES.sub(" ", "".join(parser.parts))
    return _BLANK_LINES.sub("\n\n", text).strip()[:MAX_TEXT_CHARS]


def decode_text(data: bytes) -> str:
    """Bytes of a text file: UTF-8 (with or without BOM), else Windows-1251 (1C, old Outlook)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _kind(filename: str, content_type: str) -> str | None:
    name = filename.lower()
    ctype = content_type.lower().split(";", 1)[0].strip()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if ext in ("txt", "text", "log", "md") or ctype == "text/plain":
        return "text"
    if ext == "csv" or ctype in ("text/csv", "text/comma-separated-values"):
        return "text"
    if ext in ("html", "htm") or ctype == "text/html":
        return "html"
    if ext == "pdf" or ctype == "application/pdf":
        return "pdf"
    if ext == "docx" or ctype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ):
        return "docx"
    return None


def is_text_like(filename: str, content_type: str) -> bool:
    """Whether :func:`attachment_text` would read anything from such a file."""
    return _kind(filename, content_type) is not None


def attachment_text(filename: str, content_type: str, data: bytes) -> str:
    """The text of an attachment, or "" (not text-like, too large, broken)."""
    kind = _kind(filename, content_type)
    if kind is None or not data or len(data) > MAX_ATTACHMENT_BYTES:
        return ""
    try:
        if kind == "text":
            return decode_text(data)[:MAX_TEXT_CHARS]
        if kind == "html":
            return html_to_text(decode_text(data))
        if kind == "pdf":
            return _pdf_text(data)
        return _docx_text(data)
    except Exception:  # broken or hostile files are many; none may stop indexing
        log.debug("cannot extract text from %r", filename, exc_info=True)
        return ""


def _pdf_text(data: bytes) -> str:
    try:
        import pypdf
    except ImportError:  # pragma: no cover - pypdf is a dependency; be kind to trimmed installs
        return ""
    out: list[str] = []
    size = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pypdf warns about every small defect of real PDFs
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = pypdf.PdfReader(io.BytesIO(data))
        for page in reader.pages[:MAX_PDF_PAGES]:
            text = page.extract_text() or ""
            out.append(text)
            size += len(text)
            if size >= MAX_TEXT_CHARS:
                break
    return "\n".join(out)[:MAX_TEXT_CHARS]


_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_text(data: bytes) -> str:
    from defusedxml import ElementTree  # type: ignore[import-untyped]

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
        if info.file_size > MAX_ATTACHMENT_BYTES * 5:  # a zip bomb is not a document
            return ""
        root = ElementTree.fromstring(archive.read(info))
    paragraphs: list[str] = []
    size = 0
    for para in root.iter(f"{_W_NS}p"):
        text = "".join(node.text or "" for node in para.iter(f"{_W_NS}t"))
        if text:
            paragraphs.append(text)
            size += len(text)
            if size >= MAX_TEXT_CHARS:
                break
    return "\n".join(paragraphs)[:MAX_TEXT_CHARS]
