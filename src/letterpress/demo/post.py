"""Writing the demo's letters: people, threads, office hours, RFC 5322 bytes and mbox files.

:class:`Post` renders each letter at once with the builders of :mod:`letterpress.testing.letters`
(which need only the standard library) and files it under every mailbox that holds it (the
sender's and the recipients' among the printing house's people). :func:`write_mbox` writes one
mailbox as an mbox archive, oldest letter first, as Thunderbird or The Bat! export it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from letterpress.demo import mailtexts
from letterpress.demo.timeline import TZ
from letterpress.demo.world import Company
from letterpress.testing.letters import Attachment, encoded_words, icalendar, letter

MAILERS = (("Microsoft Outlook 16.0", 45), ("Mozilla Thunderbird", 15), ("Mail.Ru", 12),
           ("Yandex.Mail", 12), ("The Bat! (v10.4.0) Professional", 10), ("Apple Mail", 6))


@dataclass(frozen=True)
class Person:
    """Somebody who writes or receives letters."""

    name: str  # as in the From header
    email: str
    address_as: str  # how letters greet them
    signature: str
    login: str | None = None  # the printing house's people: whose mailbox
    company: Company | None = None
    position: str | None = None
    english: bool = False
    mailer: str = "Microsoft Outlook 16.0"
    raw_headers: bool = False  # an old client writing raw windows-1251 headers
    utc_offset: int = 3

    @property
    def address(self) -> tuple[str, str]:
        return (self.name, self.email)


@dataclass
class Thread:
    """A conversation: each letter answers the previous one (In-Reply-To, References)."""

    subject: str
    ids: list[str] = field(default_factory=list)
    last_at: dt.datetime | None = None
    last_author: str = ""
    last_body: str = ""

    def reply_subject(self, english: bool = False) -> str:
        base = self.subject
        prefix = "RE: " if english else "Re: "
        return base if base.lower().startswith(("re:", "отв:")) else prefix + base


class ThreadClosed(Exception):
    """The next letter of a thread would fall after the demo's history: the thread stops."""


def office_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment of a working day (a weekend day moves to Monday), Moscow time."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    minute = rng.randint(9 * 60, 18 * 60 + 30)
    return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                       rng.randint(0, 59), tzinfo=TZ)


def later(rng: random.Random, at: dt.datetime, low_minutes: int = 15,
          high_hours: float = 26) -> dt.datetime:
    """An answer to a letter sent ``at``: minutes to a day later, in office hours."""
    moment = at + dt.timedelta(minutes=rng.randint(low_minutes, max(low_minutes + 1,
                                                                    int(high_hours * 60))))
    if moment.weekday() >= 5 or not 8 <= moment.hour < 20:
        day = moment.date() + dt.timedelta(days=1 if moment.hour >= 20 else 0)
        moment = office_time(rng, day)
        if moment <= at:
            moment = at + dt.timedelta(minutes=rng.randint(low_minutes, low_minutes + 60))
    return moment


def _cp1251(text: str) -> str:
    """What an old windows-1251 mail client can write of ``text``."""
    text = text.replace("×", "x").replace("²", "2")
    return text.encode("cp1251", "replace").decode("cp1251")


def _html(text: str) -> str:
    from html import escape

    parts = []
    quote: list[str] = []
    for line in text.split("\n"):
        if line.startswith("> "):
            quote.append(escape(line[2:]))
            continue
        if quote:
            parts.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
            quote = []
        parts.append(f"<div>{escape(line) or '<br>'}</div>")
    if quote:
        parts.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
    return ("<html><head><meta charset=\"utf-8\"></head><body style=\"font-family: Calibri, "
            "sans-serif\">" + "".join(parts) + "</body></html>")


@dataclass(frozen=True)
class Invite:
    uid: str
    summary: str
    start: dt.datetime
    organizer: Person
    attendees: tuple[Person, ...]
    location: str
    method: str = "REQUEST"
    sequence: int = 0
    minutes: int = 60


class Post:
    """Renders letters and keeps, for each mailbox (a login), what it holds."""

    def __init__(self, rng: random.Random, *, end: dt.datetime) -> None:
        self.rng = rng
        self.end = end  # nothing is sent at or after this moment
        self.boxes: dict[str, list[tuple[dt.datetime, int, bytes]]] = defaultdict(list)
        self.count = 0
        self.kinds: dict[str, int] = defaultdict(int)

    def message_id(self, domain: str) -> str:
        self.count += 1
        return f"{self.rng.getrandbits(64):016x}.{self.count:05d}@{domain}"

    def file(self, boxes: Iterable[str], at: dt.datetime, raw: bytes) -> None:
        self.count += 1
        for box in dict.fromkeys(boxes):
            self.boxes[box].append((at, self.count, raw))

    def send(
        self,
        kind: str,
        sender: Person,
        to: Sequence[Person],
        *,
        subject: str | None = None,
        body: str,
        at: dt.datetime,
        thread: Thread | None = None,
        cc: Sequence[Person] = (),
        attachments: Sequence[Attachment] = (),
        invite: Invite | None = None,
        list_id: str | None = None,
        to_address: tuple[str, str] | None = None,
        greet: bool = True,
        boxes: Sequence[str] = (),
    ) -> str:
        """Write one letter; with ``thread`` it answers the thread's last letter."""
        if at >= self.end:
            raise ThreadClosed(subject or (thread.subject if thread else ""))
        english = sender.english or any(p.english for p in to)
        if thread is not None and subject is None:
            subject = thread.reply_subject(english) if thread.ids else thread.subject
        assert subject is not None
        text = body
        if greet and to and not list_id and not english:
            text = f"{mailtexts.greeting(self.rng, to[0].address_as)}\n\n{body}"
        text += "\n\n" + sender.signature
        local = at.astimezone(dt.timezone(dt.timedelta(hours=sender.utc_offset)))
        in_reply_to = None
        references: list[str] = []
        if thread is not None and thread.ids:
            in_reply_to = thread.ids[-1]
            references = thread.ids[-12:]
            if thread.last_at is not None and self.rng.random() < 0.6:
                text += "\n\n" + mailtexts.quoted(thread.last_author, thread.last_at,
                                                   thread.last_body, english=english)
        domain = sender.email.rsplit("@", 1)[1]
        mid = self.message_id(domain)
        extra: list[tuple[str, str | bytes]] = []
        if list_id:
            title, _, rest = list_id.partition(" <")
            if not title.isascii():
                list_id = f"{encoded_words(title)} <{rest}"
            extra += [("List-Id", list_id), ("List-Unsubscribe",
                                                f"<mailto:unsubscribe@{domain}?subject=unsubscribe>"),
                      ("Precedence", "bulk")]
        calendar = None
        if invite is not None:
            calendar = icalendar(
                invite.method, uid=invite.uid, summary=invite.summary, start=invite.start,
                minutes=invite.minutes, organizer=invite.organizer.address,
                attendees=[p.address for p in invite.attendees], sequence=invite.sequence,
                location=invite.location)
        outlook = "Outlook" in sender.mailer or "Mail.Ru" in sender.mailer or list_id is not None
        options: dict[str, object] = {"body_encoding": "base64"}  # Outlook, Mail.Ru
        if sender.raw_headers:
            options = {"charset": "windows-1251", "header_mode": "raw", "body_encoding": "8bit"}
        elif "Yandex" in sender.mailer or "The Bat!" in sender.mailer:
            options = {"body_encoding": "quoted-printable", "header_mode": "Q"}
        elif "Thunderbird" in sender.mailer or "Apple" in sender.mailer:
            options = {"body_encoding": "8bit"}
        if sender.raw_headers:
            subject, text = _cp1251(subject), _cp1251(text)
        raw = letter(
            subject=subject,
            sender=sender.address,
            to=[to_address] if to_address else [p.address for p in to],
            cc=[p.address for p in cc],
            body=text,
            html=_html(text) if outlook and not sender.raw_headers else None,
            attachments=attachments,
            calendar=calendar,
            calendar_method=invite.method if invite else None,
            message_id=mid,
            in_reply_to=in_reply_to,
            references=references,
            date=local,
            extra_headers=extra,
            **options,  # type: ignore[arg-type]
        )
        raw = raw.replace(b"X-Mailer: Letterpress test builder", b"X-Mailer: " + sender.mailer.encode())
        holders = [p.login for p in (sender, *to, *cc) if p.login] + list(boxes)
        self.file(holders, at, raw)
        self.kinds[kind] += 1
        if thread is not None:
            thread.ids.append(mid)
            thread.last_at, thread.last_author, thread.last_body = local, sender.name, body
        return mid

    def damaged(self, box: str, at: dt.datetime, size: int) -> None:
        """A damaged archive entry (a fragment of binary data): stored raw, never parsed."""
        data = self.rng.randbytes(size).replace(b":", b".")
        self.file([box], at, b"\x1f\x8b\x08\x00" + data)
        self.kinds["damaged"] += 1


def write_mbox(path: Path, entries: Sequence[tuple[dt.datetime, int, bytes]]) -> int:
    """Write ``entries`` (oldest first) as an mboxo file; returns the number of letters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for at, _n, raw in sorted(entries, key=lambda e: (e[0], e[1])):
            stamp = at.astimezone(dt.UTC).strftime("%a %b %d %H:%M:%S %Y")
            out.write(f"From MAILER-DAEMON {stamp}\n".encode())
            body = raw.replace(b"\nFrom ", b"\n>From ")
            out.write(body)
            if not body.endswith(b"\n"):
                out.write(b"\n")
            out.write(b"\n")
    return len(entries)
