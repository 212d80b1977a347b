"""Text from HTML bodies and attachments; broken files give "" and never an exception."""

from __future__ import annotations

import io
import zipfile

import pytest

from letterpress.search.extract import (
    MAX_ATTACHMENT_BYTES,
    attachment_text,
    html_to_text,
    is_text_like,
)
from letterpress.testing.letters import invoice_pdf, layout_pdf, price_list_xlsx
from tests.search.conftest import simple_docx, simple_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_html_to_text() -> None:
    html = ("<html><head><title>T</title><style>p{color:red}</style></head><body>"
            "<p>Каталог&nbsp;<b>календарей</b> &laquo;2026&raquo;</p><script>alert(1)</script>"
            "<div>вторая строка</div></body></html>")
    text = html_to_text(html)
    assert "Каталог календарей «2026»" in text and "вторая строка" in text
    assert "alert" not in text and "color" not in text and "T" not in text.split()
    assert html_to_text("") == ""
    assert html_to_text("<p>незакрытый <b>тег") == "незакрытый тег"


@pytest.mark.parametrize(("name", "ctype", "data", "expected"), [
    ("a.txt", "text/plain", "счёт на оплату".encode(), "счёт на оплату"),
    ("a.txt", "application/octet-stream", "счёт".encode("cp1251"), "счёт"),
    ("a.csv", "text/csv", "номер;сумма\nД-1;100".encode("utf-8-sig"), "номер;сумма\nД-1;100"),
    ("a.htm", "application/octet-stream", b"<p>hello <i>world</i></p>", "hello world"),
    ("quote.pdf", "application/pdf", simple_pdf("Quotation for glossy brochures"),
     "Quotation for glossy brochures"),
    ("spec.docx", DOCX, simple_docx("Первый абзац", "Второй"), "Первый абзац\nВторой"),
    ("spec.DOCX", "application/octet-stream", simple_docx("x"), "x"),
])
def test_text_like_attachments(name: str, ctype: str, data: bytes, expected: str) -> None:
    assert is_text_like(name, ctype)
    assert attachment_text(name, ctype, data).strip() == expected


@pytest.mark.parametrize(("name", "ctype", "data"), [
    ("layout.pdf", "application/pdf", layout_pdf(5_000)),  # PDF-looking random bytes
    ("invoice.pdf", "application/pdf", invoice_pdf()),  # no fonts, no xref
    ("bad.pdf", "application/pdf", b"%PDF-1.4 garbage"),
    ("bad.docx", DOCX, b"PK\x03\x04 not a zip"),
    ("nodoc.docx", DOCX, price_list_xlsx(3)),  # a zip without word/document.xml
    ("empty.txt", "text/plain", b""),
])
def test_broken_files_give_nothing(name: str, ctype: str, data: bytes) -> None:
    assert attachment_text(name, ctype, data) == ""


def test_other_kinds_and_huge_files_are_not_read() -> None:
    assert not is_text_like("photo.jpg", "image/jpeg")
    assert attachment_text("photo.jpg", "image/jpeg", b"\xff\xd8 text") == ""
    assert attachment_text("prices.xlsx", "application/vnd.ms-excel", price_list_xlsx(3)) == ""
    assert attachment_text("big.txt", "text/plain", b"a" * (MAX_ATTACHMENT_BYTES + 1)) == ""


def test_docx_entity_bombs_are_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", bomb)
    assert attachment_text("b.docx", DOCX, buf.getvalue()) == ""
