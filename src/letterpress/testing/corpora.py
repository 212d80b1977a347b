"""Corpora of test letters: the benchmark mix and the hostile one. Deterministic by seed.

:func:`mixed_corpus` is what a Russian sales mailbox receives (for the parse and ingest
benchmarks); :func:`malformed_samples` / :func:`malformed_corpus` are letters damaged in the ways
real mail is (for "a bad letter never stops ingestion"). Both are re-exported by
:mod:`letterpress.testing.letters`.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import NamedTuple

from letterpress.testing.letters import (
    DEFAULT_DATE,
    Address,
    Attachment,
    bulk_letter,
    invoice_pdf,
    layout_pdf,
    letter,
    price_list_xlsx,
)

NAMES = [
    "Иван Петров",
    "Мария Сидорова",
    "Алексей Смирнов",
    "Ольга Кузнецова",
    "Дмитрий Волков",
    "Наталья Морозова",
    "Сергей Лебедев",
    "Елена Новикова",
    "Андрей Соколов",
    "Татьяна Козлова",
]
DOMAINS = ["stroymash.ru", "teplocom.ru", "promsnab.ru", "mail.ru", "yandex.ru", "metallurg.com"]
SUBJECTS = [
    "Прайс-лист на июнь",
    "Счёт на оплату N 1234",
    "Поставка труб Ду50",
    "Коммерческое предложение",
    "Согласование макета",
    "Акт сверки за второй квартал",
    "Отгрузка задерживается",
    "Договор поставки",
]
PHRASES = [
    "Добрый день!",
    "Прошу подтвердить получение.",
    "Направляем счёт на оплату.",
    "Отгрузка запланирована на следующую неделю.",
    "Цены указаны с НДС.",
    "Просим согласовать макет до пятницы.",
    "Спасибо за сотрудничество.",
    "Во вложении актуальный прайс-лист.",
    "Перезвоните, пожалуйста, менеджеру.",
]
TRANSLIT = {
    "Иван": "ivan",
    "Мария": "maria",
    "Алексей": "alexey",
    "Ольга": "olga",
    "Дмитрий": "dmitry",
    "Наталья": "natalia",
    "Сергей": "sergey",
    "Елена": "elena",
    "Андрей": "andrey",
    "Татьяна": "tatiana",
}


def _person(rng: random.Random) -> Address:
    name = rng.choice(NAMES)
    return name, f"{TRANSLIT[name.split()[0]]}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"


def _body(rng: random.Random, paragraphs: int) -> str:
    return "\n\n".join(
        " ".join(rng.choices(PHRASES, k=rng.randint(2, 6))) for _ in range(paragraphs)
    )


def mixed_corpus(n: int, seed: int = 0) -> Iterator[bytes]:
    """``n`` ordinary letters in the proportions of a Russian sales mailbox, for benchmarks.

    35% UTF-8 plain (QP or base64), 20% windows-1251, 10% KOI8-R, 15% UTF-8 HTML alternative,
    20% multipart with attachments (price list .xlsx, layout .pdf of 20-120 KB, invoice) —
    headers in B or Q words, replies threaded, a few newsletters.
    """
    rng = random.Random(seed)
    kinds = ["utf8", "cp1251", "koi8", "html", "attach"]
    weights = [35, 20, 10, 15, 20]
    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        sender, to = _person(rng), _person(rng)
        subject = rng.choice(SUBJECTS)
        body = _body(rng, rng.randint(1, 5))
        kw: dict[str, object] = {
            "sender": sender,
            "to": (to,),
            "subject": subject,
            "body": body,
            "message_id": f"m{seed}.{i}@{sender[1].split('@')[1]}",
            "date": DEFAULT_DATE + timedelta(minutes=17 * i),
            "header_mode": rng.choice(["B", "Q"]),
        }
        if rng.random() < 0.3:
            parent = f"m{seed}.{rng.randrange(max(i, 1))}@{to[1].split('@')[1]}"
            kw.update(in_reply_to=parent, references=(parent,), subject="Re: " + subject)
        if rng.random() < 0.15:
            kw["cc"] = (_person(rng),)
        if kind == "utf8":
            kw["body_encoding"] = rng.choice(["quoted-printable", "base64", "8bit"])
        elif kind == "cp1251":
            kw.update(
                charset="windows-1251",
                body_encoding=rng.choice(["8bit", "quoted-printable", "base64"]),
            )
        elif kind == "koi8":
            kw.update(charset="koi8-r", body_encoding=rng.choice(["8bit", "base64"]))
        elif kind == "html":
            kw["html"] = (
                "<html><body>"
                + "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
                + "</body></html>"
            )
            if rng.random() < 0.2:
                yield bulk_letter(**kw)  # type: ignore[arg-type]
                continue
        else:
            atts = [
                Attachment(
                    f"Прайс-лист {rng.randint(1, 12):02d}.2024.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    price_list_xlsx(rng.randint(10, 60), seed=i),
                    rng.choice(["rfc2231", "rfc2047"]),
                )
            ]
            if rng.random() < 0.5:
                atts.append(
                    Attachment(
                        "Макет.pdf",
                        "application/pdf",
                        layout_pdf(rng.randint(20_000, 120_000), seed=i),
                        rng.choice(["rfc2231", "rfc2047"]),
                    )
                )
            if rng.random() < 0.4:
                atts.append(
                    Attachment(
                        f"Счёт {1000 + i}.pdf", "application/pdf", invoice_pdf(str(1000 + i))
                    )
                )
            kw["attachments"] = atts
        yield letter(**kw)  # type: ignore[arg-type]


class Sample(NamedTuple):
    """One malformed letter and the kind of damage done to it."""

    kind: str
    raw: bytes


def _hdrs(subject: bytes, extra: bytes = b"") -> bytes:
    return (
        b"From: =?utf-8?B?0JjQstCw0L0=?= <ivan@stroymash.ru>\r\nTo: maria@letterpress.test\r\n"
        b"Subject: " + subject + b"\r\nDate: Wed, 05 Jun 2024 10:30:00 +0300\r\n"
        b"Message-ID: <broken@letterpress.test>\r\nMIME-Version: 1.0\r\n" + extra
    )


def nested(depth: int) -> bytes:
    out = _hdrs(b"Deep nesting")
    for level in range(depth):
        out += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
    out += b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "Самое дно".encode() + b"\r\n"
    for level in reversed(range(depth)):
        out += f"--b{level}--\r\n".encode()
    return out


def _malformed(kind: str, rng: random.Random, i: int) -> bytes:
    subject = rng.choice(SUBJECTS)
    body = _body(rng, rng.randint(1, 3))
    if kind == "broken_boundary":
        variant = rng.randrange(3)
        good = letter(
            subject=subject,
            body=body,
            attachments=[Attachment("a.pdf", "application/pdf", invoice_pdf())],
        )
        if variant == 0:  # parts use a boundary other than the declared one
            return good.replace(b'boundary="----=_Mix', b'boundary="----=_Other', 1)
        if variant == 1:  # closing boundary missing, letter ends mid-part
            return good[: good.rfind(b"--\r\n") - 10]
        return good.replace(b';\r\n boundary="', b';\r\n nothing="', 1)  # no boundary parameter
    if kind == "wrong_charset":
        declared = rng.choice(["koi8-r", "utf-8", "us-ascii", "iso-8859-1"])
        return letter(
            subject=subject,
            body=body,
            charset="windows-1251",
            declared_charset=declared,
            body_encoding="8bit",
            header_mode="raw",
        )
    if kind == "unknown_charset":
        name = rng.choice(
            ["cp-1251", "x-unknown", "win-1251", "cp_1251", "utf-88", "base64", "undefined"]
        )
        raw = letter(
            subject=subject,
            body=body,
            charset="windows-1251",
            declared_charset=name,
            body_encoding="8bit",
        )
        word = "=?" + name + "?B?" + base64.b64encode(subject.encode("cp1251")).decode() + "?="
        head, sep, rest = raw.partition(b"\r\nSubject: ")
        rest = rest[rest.index(b"\r\nDate: ") :]
        return head + sep + word.encode() + rest
    if kind == "raw_8bit_headers":
        cs = rng.choice(["windows-1251", "koi8-r", "utf-8"])
        return letter(
            subject=subject,
            body=body,
            charset=cs,
            header_mode="raw",
            body_encoding="8bit",
            sender=_person(rng),
            attachments=[Attachment("Счёт.pdf", "application/pdf", invoice_pdf(), "raw")],
        )
    if kind == "huge_attachment":
        blob = random.Random(i).randbytes(10 * 1024 * 1024)
        return letter(
            subject=subject,
            body=body,
            attachments=[Attachment("Макет.pdf", "application/pdf", blob)],
        )
    if kind == "deep_nesting":
        return nested(rng.choice([60, 100, 150]))
    if kind == "header_injection":
        evil = base64.b64encode("Счёт\r\nBcc: victim@evil.example\r\n\r\nтело".encode()).decode()
        variants = [
            b"Subject: Invoice\rBcc: victim@evil.example\r\n",
            b"Subject: =?utf-8?B?" + evil.encode() + b"?=\r\n",
            b"Subject: Hello\nBcc: victim@evil.example\nX-Injected: yes\r\n",
            b'From: "Ivan\r\nBcc: x@evil.example" <ivan@stroymash.ru>\r\n',
        ]
        head = rng.choice(variants)
        return head + b"To: maria@letterpress.test\r\nMessage-ID: <inj@x>\r\n\r\n" + body.encode()
    if kind == "nul_bytes":
        raw = letter(subject=subject, body=body, body_encoding="8bit")
        pos = rng.randrange(len(raw))
        return raw.replace(b"Subject: ", b"Subject: \x00", 1)[:pos] + b"\x00\x00" + raw[pos:]
    if kind == "truncated":
        raw = letter(
            subject=subject,
            body=body,
            attachments=[Attachment("price.xlsx", "application/octet-stream", price_list_xlsx(5))],
        )
        return raw[: rng.randrange(1, len(raw))]
    if kind == "empty":
        return rng.choice([b"", b"\r\n", b"\r\n\r\n", b"Subject: \r\n\r\n", b" ", b"From: \r\n"])
    if kind == "garbage":
        return random.Random(i).randbytes(rng.randint(1, 4000))
    if kind == "bad_transfer_encoding":
        raw = letter(
            subject=subject, body=body, body_encoding=rng.choice(["base64", "quoted-printable"])
        )
        head, sep, text = raw.partition(b"\r\n\r\n")
        text = text.replace(b"=\r\n", b"=\r\n=Z", 3).replace(b"==\r\n", b"\r\n!!!\r\n", 1)
        return head + sep + text + b"===@@@"
    if kind == "bad_headers":
        return (
            b'From: Ivan <ivan@stroymash.ru\r\nTo: , ,<>, @, maria@, "unterminated <x@y>\r\n'
            b"Date: 31 Feb 2024 25:61:00 +9999\r\nSubject: "
            + subject.encode("koi8-r", "replace")
            + b"\r\n"
            b"Message-ID: no angle brackets here\r\nReferences: <a@b> garbage <c@d\r\n"
            b"Content-Type: text/plain; charset=\r\nContent-Transfer-Encoding: base-64\r\n"
            + b"X-Long: "
            + b"x" * 20000
            + b"\r\n\r\n"
            + body.encode("cp1251", "replace")
        )
    if kind == "bare_lf":
        return letter(
            subject=subject, body=body, header_mode="raw", charset="koi8-r", body_encoding="8bit"
        ).replace(b"\r\n", b"\n")
    if kind == "forwarded_broken":
        inner = (
            b"Subject: \xcf\xf0\xe0\xe9\xf1\r\n"  # raw windows-1251
            b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nbroken"
        )
        return (
            _hdrs(
                b"Fwd: " + subject.encode("cp1251", "replace"),
                b'Content-Type: multipart/mixed; boundary="f"\r\n',
            )
            + b"\r\n--f\r\nContent-Type: text/plain\r\n\r\n"
            + body.encode("cp1251", "replace")
            + b"\r\n--f\r\nContent-Type: message/rfc822\r\n\r\n"
            + inner
            + b"\r\n--f--\r\n"
        )
    if kind == "hostile_filenames":
        return letter(
            subject=subject,
            body=body,
            attachments=[
                Attachment("../../etc/passwd", "text/plain", b"root:x:0:0", "plain"),
                Attachment(
                    "C:\\Windows\\evil.exe", "application/octet-stream", b"MZ\x00\x00", "plain"
                ),
                Attachment("name\x00with\x07controls.txt", "text/plain", b"x", "plain"),
            ],
        )
    raise AssertionError(kind)


MALFORMED_KINDS = (
    "broken_boundary",
    "wrong_charset",
    "unknown_charset",
    "raw_8bit_headers",
    "deep_nesting",
    "header_injection",
    "nul_bytes",
    "truncated",
    "empty",
    "garbage",
    "bad_transfer_encoding",
    "bad_headers",
    "bare_lf",
    "forwarded_broken",
    "hostile_filenames",
)


def malformed_samples(n: int, seed: int = 0, *, huge: int = 1) -> Iterator[Sample]:
    """``n`` hostile letters, cycling through :data:`MALFORMED_KINDS` with random variation.

    ``huge`` of them (at seed-chosen positions) carry a 10 MB attachment; keep it small, each
    one costs a fraction of a second to build and to parse.
    """
    rng = random.Random(seed)
    huge_at = set(rng.sample(range(n), min(huge, n))) if n else set()
    for i in range(n):
        kind = "huge_attachment" if i in huge_at else MALFORMED_KINDS[i % len(MALFORMED_KINDS)]
        yield Sample(kind, _malformed(kind, rng, seed * 1_000_003 + i))


def malformed_corpus(n: int, seed: int = 0, *, huge: int = 1) -> Iterator[bytes]:
    """``n`` hostile letters as raw bytes (see :func:`malformed_samples`)."""
    for sample in malformed_samples(n, seed, huge=huge):
        yield sample.raw
