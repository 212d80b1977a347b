"""The demo's letters: mbox archives it writes, filed by the real pipeline, and what filing made.

One build per backend and module: the full demo on SQLite, a smaller one on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from letterpress.cli import main
from letterpress.config import DEFAULT_PUBLIC_MAIL_DOMAINS, Settings
from letterpress.crm.channels import domain_of
from letterpress.crm.model import (
    AmbiguousMatch,
    Attachment,
    ContactEmail,
    ContactPerson,
    Counterparty,
    CounterpartyDomain,
    Event,
    Letter,
    LetterAddress,
    LetterLink,
    LetterLocation,
    LetterOrder,
    Mailbox,
    MailFolder,
    Order,
    User,
)
from letterpress.db.session import session_factory
from letterpress.demo import STEPS, DemoSummary, build_demo
from letterpress.demo.mail import MAIL_DIR, MAILBOX_ORDER, mail_step, mailbox_name
from letterpress.demo.names import COMPANY_DOMAIN
from letterpress.testing.database import fresh_engine, sqlite_url
from tests.demo.conftest import ANCHOR, SEED, TODAY, demo_url

PUBLIC = frozenset(DEFAULT_PUBLIC_MAIL_DOMAINS)
SCALES = {"sqlite": 1.0, "postgres": 0.3}
DAMAGED = b"\x1f\x8b\x08\x00"  # how the demo's damaged archive entries start


@dataclass
class MailDemo:
    engine: Engine
    summary: DemoSummary
    settings: Settings
    url: str
    full: bool

    def session(self) -> Session:
        return session_factory(self.engine)()

    @property
    def counts(self) -> dict[str, int]:
        return self.summary.counts

    def archives(self) -> dict[str, list[bytes]]:
        """Each mailbox's mbox entries, as the archive holds them."""
        out = {}
        for login in MAILBOX_ORDER:
            box = mailbox.mbox(str(self.settings.data_dir / MAIL_DIR / f"{login}.mbox"),
                               create=False)
            try:
                out[login] = [box.get_bytes(key) for key in box.iterkeys()]
            finally:
                box.close()
        return out


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def mail_demo(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailDemo]:
    directory = tmp_path_factory.mktemp("mail-demo")
    url = demo_url(request, directory)
    settings = Settings(data_dir=directory)
    with fresh_engine(url) as engine:
        with session_factory(engine)() as session:
            summary = build_demo(session, seed=SEED, today=TODAY, scale=SCALES[request.param],
                                 steps=(*STEPS, mail_step(settings)))
            session.commit()
        yield MailDemo(engine, summary, settings, url, request.param == "sqlite")


def _linked(session: Session) -> dict[int, set[int]]:
    links: dict[int, set[int]] = defaultdict(set)
    for letter_id, cp_id in session.execute(select(LetterLink.letter_id,
                                                   LetterLink.counterparty_id)):
        links[letter_id].add(cp_id)
    return links


def _contact_emails(session: Session) -> set[str]:
    return set(session.scalars(
        select(ContactEmail.email).join(ContactPerson, ContactPerson.id == ContactEmail.contact_id)
        .where(ContactPerson.counterparty_id.is_not(None))))


def test_thousands_of_letters_in_one_archive_per_manager(mail_demo: MailDemo) -> None:
    counts = mail_demo.counts
    archives = mail_demo.archives()
    entries = sum(len(e) for e in archives.values())
    assert counts["letters"] >= (3000 if mail_demo.full else 800)
    assert counts["letters"] <= 6000 * (1 if mail_demo.full else 0.5)
    assert counts["mailboxes"] == len(MAILBOX_ORDER)
    # A letter several people received (the head's circulars, newsletters) is stored once.
    assert counts["letters"] < entries
    with mail_demo.session() as session:
        assert session.scalar(select(func.count()).select_from(LetterLocation)) == entries
        boxes = {m.name: m for m in session.scalars(select(Mailbox))}
        owners = {u.id: u.login for u in session.scalars(select(User))}
        for login in MAILBOX_ORDER:
            box = boxes[mailbox_name(login)]
            assert box.is_archive and owners[box.owner_id or 0] == login
            [folder] = session.scalars(select(MailFolder).where(MailFolder.mailbox_id == box.id))
            assert folder.last_uid == len(archives[login]) > 0
        letters = session.execute(select(Letter.sent_at, Letter.has_attachments)).all()
        dates = [d for d, _ in letters if d is not None]
        # The mail follows the ledger's last months and ends where the history ends.
        assert max(dates) < dt.datetime.combine(ANCHOR, dt.time(0), tzinfo=dt.UTC)
        assert min(dates) > dt.datetime.combine(ANCHOR - dt.timedelta(days=200), dt.time(0),
                                                tzinfo=dt.UTC)
        assert sum(1 for _, has in letters if has) > 0.3 * len(letters)
        kinds = Counter(session.scalars(select(Attachment.content_type)))
        assert kinds["application/pdf"] > 100 * (1 if mail_demo.full else 0.2)
        assert kinds["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] > 10
        subjects = session.scalars(select(Letter.subject)).all()
        assert sum(1 for s in subjects if re.search("[а-яё]", s)) > 0.8 * len(subjects)
        english = [s for s in subjects if s.startswith(("Request for", "Order confirmation",
                                                         "Price update", "RE: "))]
        assert len(english) >= 5


def test_most_letters_are_filed_with_a_reason(mail_demo: MailDemo) -> None:
    counts = mail_demo.counts
    assert counts["letters_filed"] + counts["letters_unfiled"] == counts["letters"]
    assert counts["letters_filed"] > 0.9 * counts["letters"]
    with mail_demo.session() as session:
        rules = Counter(session.scalars(select(LetterLink.rule)))
        assert set(rules) <= {"contact", "thread", "domain"}
        assert rules["contact"] > 0.9 * sum(rules.values()) and rules["domain"] > 0
        for rule, reason, contact_id in session.execute(
                select(LetterLink.rule, LetterLink.reason, LetterLink.contact_person_id)):
            assert reason
            if rule == "contact":
                assert contact_id is not None and "is the contact person" in reason
        # The English-speaking partners' letters are theirs.
        foreign = session.scalars(select(Counterparty.id).where(
            Counterparty.name.in_(("Nordic Board Oy", "Baltic Books OÜ",
                                   "PressTech Service GmbH")))).all()
        assert len(foreign) == 3
        per_partner = Counter(session.scalars(
            select(LetterLink.counterparty_id).where(LetterLink.counterparty_id.in_(foreign))))
        assert all(per_partner[cp] >= 3 for cp in foreign)


def test_unknown_senders_at_public_domains_stay_unfiled(mail_demo: MailDemo) -> None:
    with mail_demo.session() as session:
        links = _linked(session)
        known = _contact_emails(session)
        strangers = [
            (letter_id, email) for letter_id, email in session.execute(
                select(Letter.id, Letter.from_email).where(Letter.from_email.is_not(None)))
            if email and domain_of(email) in PUBLIC and email not in known
        ]
        assert len(strangers) >= (40 if mail_demo.full else 10)
        by_rule = dict(session.execute(select(LetterLink.letter_id, LetterLink.rule)).all())
        for letter_id, email in strangers:
            # Nothing but the thread it answers may file such a letter; never a "company".
            assert letter_id not in links or by_rule[letter_id] == "thread", email
        # A customer's own person at a public domain (sole traders) is filed by the contact.
        contacts_public = [e for e in known if domain_of(e) in PUBLIC]
        assert contacts_public
        from_them = session.scalars(select(Letter.id).where(
            Letter.from_email.in_(contacts_public))).all()
        assert from_them and all(letter_id in links for letter_id in from_them)
        # And no contact person was ever made from a public address.
        made = session.scalars(
            select(ContactEmail.email).join(ContactPerson).where(ContactPerson.created_from_mail)
        ).all()
        assert not [e for e in made if domain_of(e) in PUBLIC]


def test_new_people_at_known_domains_become_contacts(mail_demo: MailDemo) -> None:
    counts = mail_demo.counts
    assert counts["contacts_from_mail"] >= (30 if mail_demo.full else 5)
    with mail_demo.session() as session:
        domains: dict[int, set[str]] = defaultdict(set)
        for cp_id, domain in session.execute(select(CounterpartyDomain.counterparty_id,
                                                    CounterpartyDomain.domain)):
            domains[cp_id].add(domain)
        made = session.execute(
            select(ContactPerson.id, ContactPerson.counterparty_id, ContactPerson.name,
                   ContactEmail.email)
            .join(ContactEmail, ContactEmail.contact_id == ContactPerson.id)
            .where(ContactPerson.created_from_mail)
        ).all()
        assert len(made) == counts["contacts_from_mail"]
        bulk_senders = set(session.scalars(select(Letter.from_email).where(Letter.is_bulk)))
        links = _linked(session)
        letters_of: dict[str, set[int]] = defaultdict(set)
        for address_of, email in session.execute(select(LetterAddress.letter_id,
                                                        LetterAddress.email)):
            letters_of[email].add(address_of)
        for _contact_id, company_id, name, email in made:
            assert company_id is not None and domain_of(email) in domains[company_id], email
            assert not email.endswith("@" + COMPANY_DOMAIN) and email not in bulk_senders
            assert re.fullmatch(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+", name), name  # from the From name
            # ... and the letters that brought them in are filed to their company.
            assert any(company_id in links[lid] for lid in letters_of[email]), email
        # Bulk mail from a known company's domain is filed there, but creates nobody.
        bulk = session.execute(select(Letter.id, Letter.from_email).where(Letter.is_bulk)).all()
        assert bulk and any(letter_id in links for letter_id, _ in bulk)
        assert any(letter_id not in links for letter_id, _ in bulk)  # the industry digests


def test_a_shared_domain_waits_in_the_ambiguous_queue(mail_demo: MailDemo) -> None:
    with mail_demo.session() as session:
        owners: dict[str, list[int]] = defaultdict(list)
        for domain, cp_id in session.execute(select(CounterpartyDomain.domain,
                                                    CounterpartyDomain.counterparty_id)):
            owners[domain].append(cp_id)
        shared = {d: ids for d, ids in owners.items() if len(ids) > 1}
        assert len(shared) == 1
        [(domain, candidates)] = shared.items()
        queue = session.scalars(select(AmbiguousMatch)).all()
        assert len({q.letter_id for q in queue}) == mail_demo.counts["letters_ambiguous"] > 0
        links = _linked(session)
        for match in queue:
            assert domain_of(match.email) == domain and not match.resolved
            assert sorted(map(int, match.candidate_ids.split(","))) == sorted(candidates)
            assert match.letter_id not in links
        made = session.scalars(select(ContactEmail.email).join(ContactPerson).where(
            ContactPerson.created_from_mail)).all()
        assert not [e for e in made if domain_of(e) == domain]
        # People the CRM knows at that domain are filed by their contact, to their company.
        sister = max(candidates)
        rows = session.execute(
            select(LetterLink.rule, LetterLink.counterparty_id)
            .join(Letter, Letter.id == LetterLink.letter_id)
            .where(Letter.from_email.like(f"%@{domain}"))).all()
        assert ("contact", sister) in rows and {rule for rule, _ in rows} == {"contact"}


def test_invitations_became_planned_meetings(mail_demo: MailDemo) -> None:
    with mail_demo.session() as session:
        meetings = session.execute(
            select(Event, Letter).join(Letter, Letter.id == Event.letter_id)
            .where(Event.kind == "meeting")).all()
        states = Counter(event.state for event, _ in meetings)
        assert states["planned"] >= (30 if mail_demo.full else 8)
        if mail_demo.full:
            assert states["cancelled"] >= 1
        assert set(states) <= {"planned", "cancelled"}
        owners = {u.id: u.login for u in session.scalars(select(User))}
        anchor = dt.datetime.combine(ANCHOR, dt.time(0), tzinfo=dt.UTC)
        for event, letter in meetings:
            assert event.start_at > anchor and event.end_at is not None
            assert event.counterparty_id is not None and event.contact_person_id is not None
            assert owners[event.responsible_id or 0].startswith("manager")
            assert letter.has_attachments
        calendars = session.scalars(select(Attachment.letter_id).where(
            Attachment.filename == "invite.ics")).all()
        assert {letter.id for _, letter in meetings} <= set(calendars)


def test_malformed_letters_are_stored_raw(mail_demo: MailDemo) -> None:
    damaged = [raw for entries in mail_demo.archives().values() for raw in entries
               if raw.startswith(DAMAGED)]
    assert len(damaged) >= 6
    assert mail_demo.counts["letters_unparsed"] == len(damaged)
    with mail_demo.session() as session:
        links = _linked(session)
        unparsed = session.scalars(select(Letter).where(Letter.parse_error.is_not(None))).all()
        assert len(unparsed) == len(damaged)
        for letter in unparsed:
            assert letter.size > 0 and letter.message_id is None and letter.subject == ""
            assert letter.id not in links and letter.locations
        # Letters from old clients with raw windows-1251 headers parse, with a warning, and file.
        warned = session.execute(select(Letter.id, Letter.subject).where(
            Letter.parse_warnings.like("%raw 8-bit%"))).all()
        assert warned
        for letter_id, subject in warned:
            assert re.search("[а-яё]", subject) and letter_id in links


def test_replies_join_their_threads(mail_demo: MailDemo) -> None:
    with mail_demo.session() as session:
        rows = session.execute(select(Letter.id, Letter.message_id, Letter.in_reply_to,
                                      Letter.thread_id, Letter.subject)).all()
        by_mid = {r.message_id: r for r in rows if r.message_id}
        replies = [r for r in rows if r.in_reply_to]
        assert len(replies) > 0.4 * len(rows)
        for reply in replies:
            parent = by_mid.get(reply.in_reply_to)
            assert parent is not None, reply.subject  # every parent is in the archives
            assert reply.thread_id == parent.thread_id, reply.subject
        sizes = Counter(r.thread_id for r in rows)
        assert max(sizes.values()) >= 4
        # An order's invoice letter continues the conversation that led to the order.
        first: dict[int, Any] = {}
        for row in sorted(rows, key=lambda r: r.id):
            first.setdefault(row.thread_id, row)
        invoices = [r for r in replies if re.match(r"Заказ ЗП-\d+: счёт", r.subject)]
        assert invoices
        for letter in invoices:
            opening = first[letter.thread_id]
            assert opening.id != letter.id and "Заказ" not in opening.subject


def test_order_numbers_in_subjects_link_the_orders(mail_demo: MailDemo) -> None:
    with mail_demo.session() as session:
        rows = session.execute(
            select(Letter.id, Letter.subject, Order.number, Order.counterparty_id)
            .join(LetterOrder, LetterOrder.letter_id == Letter.id)
            .join(Order, Order.id == LetterOrder.order_id)).all()
        assert len(rows) >= (500 if mail_demo.full else 100)
        links = _linked(session)
        orders_mentioned = {r.number for r in rows}
        assert any(n.startswith("ЗПС-") for n in orders_mentioned)  # supplier orders too
        for letter_id, subject, number, cp_id in rows:
            assert number in subject
            if letter_id in links:
                assert cp_id in links[letter_id], subject


def test_outgoing_letters_are_outgoing_email_events(mail_demo: MailDemo) -> None:
    with mail_demo.session() as session:
        staff = {u.email: u.id for u in session.scalars(select(User))}
        letters = {letter.id: letter for letter in session.scalars(
            select(Letter).where(Letter.parse_error.is_(None)))}
        events = session.execute(
            select(Event.letter_id, Event.counterparty_id, Event.kind, Event.responsible_id,
                   Event.start_at).where(Event.letter_id.is_not(None), Event.kind != "meeting")
        ).all()
        links = session.execute(select(LetterLink.letter_id, LetterLink.counterparty_id)).all()
        assert sorted((e.letter_id, e.counterparty_id) for e in events) == sorted(links)
        kinds = Counter(e.kind for e in events)
        assert kinds["outgoing_email"] > 0.3 * len(events)
        assert kinds["incoming_email"] > 0.3 * len(events)
        for event in events:
            letter = letters[event.letter_id]
            expected = "outgoing_email" if letter.is_outgoing else "incoming_email"
            assert event.kind == expected and event.start_at == letter.sent_at
            if letter.is_outgoing:  # the manager's own letter, in the manager's own archive
                assert staff[letter.from_email or ""] == event.responsible_id
        # Letters between the printing house's own people are filed nowhere.
        internal = [letter for letter in letters.values()
                    if letter.from_email and letter.from_email.endswith("@" + COMPANY_DOMAIN)
                    and letter.subject.startswith(("План продаж", "Итоги месяца", "Отчёт за"))]
        assert internal and not {letter.id for letter in internal} & {lid for lid, _ in links}


def test_stats_command_counts_the_same(mail_demo: MailDemo, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LETTERPRESS_CONFIG", "LETTERPRESS_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LETTERPRESS_DATABASE_URL", mail_demo.url)
    monkeypatch.chdir(mail_demo.settings.data_dir)
    code = main(["--data-dir", str(mail_demo.settings.data_dir), "stats", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    stats = json.loads(out)
    for key in ("letters", "letters_unparsed", "letters_filed", "letters_unfiled",
                "contacts_from_mail", "mailboxes", "counterparties", "contact_persons",
                "events"):
        assert stats[key] == mail_demo.counts[key], key


def test_a_reply_from_a_private_address_follows_its_thread(mail_demo: MailDemo) -> None:
    with mail_demo.session() as session:
        links = _linked(session)
        rows = session.execute(select(Letter.id, Letter.in_reply_to).where(
            Letter.text_plain.like("%Пишу с личной почты%"))).all()
        assert rows
        parents = dict(session.execute(select(Letter.message_id, Letter.id).where(
            Letter.message_id.in_([r.in_reply_to for r in rows]))).all())
        for letter_id, parent in rows:
            assert links.get(letter_id) == links[parents[parent]]


def test_the_same_seed_writes_the_same_archives(tmp_path: Path) -> None:
    """Built twice on the same day: the same letters, byte for byte, filed the same way."""

    def build(directory: Path, today: dt.date) -> tuple[dict[str, bytes], list[tuple[str, ...]]]:
        settings = Settings(data_dir=directory)
        with fresh_engine(sqlite_url(directory)) as engine, \
                session_factory(engine)() as session:
            build_demo(session, seed=SEED, today=today, scale=0.15,
                       steps=(*STEPS, mail_step(settings)))
            session.commit()
            filed = session.execute(
                select(Letter.message_id, Letter.subject, Letter.raw_sha256, Counterparty.name,
                       LetterLink.rule)
                .join(LetterLink, LetterLink.letter_id == Letter.id, isouter=True)
                .join(Counterparty, Counterparty.id == LetterLink.counterparty_id, isouter=True)
                .order_by(Letter.id, Counterparty.name)).all()
        files = {p.name: p.read_bytes() for p in sorted((directory / MAIL_DIR).iterdir())}
        return files, [tuple(str(v) for v in row) for row in filed]

    one = build(tmp_path / "one", TODAY)
    two = build(tmp_path / "two", TODAY)
    assert one == two
    assert len(one[1]) > 200
