"""Filing a letter by hand: a new counterparty from an unfiled letter's sender, or the sender as
a contact person of a counterparty; either way every letter from that address (and, for a new
company, that domain) is filed at once (:mod:`letterpress.crm.refiling`)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from letterpress.crm.channels import domain_of
from letterpress.crm.counterparties import CounterpartyData
from letterpress.crm.filing import FilingPolicy, FilingResult
from letterpress.crm.model import CounterpartyKind
from letterpress.crm.refiling import contact_from_letter, counterparty_from_letter
from letterpress.errors import NotFound, ValidationError
from letterpress.mailsvc.folder_state import filing_policy
from letterpress.web.auth.identity import current_account
from letterpress.web.context import db, web_context
from letterpress.web.mail import bp, letters, queries
from letterpress.web.mail.common import policy
from letterpress.web.mail.forms import ContactFromLetterForm, CounterpartyFromLetterForm


def _filing() -> FilingPolicy:
    return filing_policy(web_context().settings)


def _company_label(domain: str) -> str:
    """``mail.newprint.ru`` -> ``Newprint``: a first guess at a company's name."""
    parts = [p for p in domain.split(".") if p]
    label = parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")
    return label[:1].upper() + label[1:]


def _render(letter_id: int, new_form: CounterpartyFromLetterForm | None = None,
            contact_form: ContactFromLetterForm | None = None,
            status: int = 200) -> tuple[str, int]:
    session = db()
    view = letters.letter_view(session, current_account(), letter_id, policy())
    email = view.sender.email if view.sender else ""
    domain = domain_of(email) if "@" in email else ""
    filing = _filing()
    company = bool(domain) and domain not in filing.public_domains \
        and domain not in filing.internal_domains
    sender_name = view.sender.name if view.sender else ""
    if new_form is None:
        new_form = CounterpartyFromLetterForm(formdata=None, prefix="new")
        new_form.name.data = _company_label(domain) if company else (sender_name or email)
        new_form.kind.data = (CounterpartyKind.CUSTOMER if company
                              else CounterpartyKind.PERSON).value
    if contact_form is None:
        contact_form = ContactFromLetterForm(formdata=None, prefix="contact")
        contact_form.name.data = sender_name
    q = request.args.get("q", _company_label(domain) if company else "")[:200]
    return render_template(
        "mail/refile.html", letter=view, new_form=new_form, contact_form=contact_form,
        q=q, found=queries.find_counterparties(session, q), domain=domain, company=company,
        filed=queries.has_links(session, letter_id),
    ), status


@bp.get("/unfiled/<int:letter_id>")
def refile(letter_id: int) -> tuple[str, int]:
    return _render(letter_id)


def _filed_message(results: Sequence[FilingResult]) -> str:
    count = sum(1 for result in results if result.links)
    return str(ngettext("%(num)d letter filed.", "%(num)d letters filed.", count))


@bp.post("/unfiled/<int:letter_id>/counterparty")
def new_counterparty(letter_id: int) -> Response | tuple[str, int]:
    session = db()
    user = current_account()
    form = CounterpartyFromLetterForm(prefix="new")
    if form.validate_on_submit():
        try:
            counterparty, results = counterparty_from_letter(
                session, user, letter_id,
                CounterpartyData(name=form.name.data.strip(), kind=form.kind.data),
                _filing(), policy())
        except ValidationError as exc:
            session.rollback()
            if exc.field == "name":
                form.name.errors = [_("Enter the name.")]
            else:
                form.form_errors.append(_("The counterparty could not be created: %(reason)s",
                                          reason=str(exc)))
        else:
            session.commit()
            flash(_("The counterparty is created.") + " " + _filed_message(results),
                  "success")
            return redirect(url_for("counterparties.card", counterparty_id=counterparty.id))
    return _render(letter_id, new_form=form, status=400)


@bp.post("/unfiled/<int:letter_id>/contact")
def new_contact(letter_id: int) -> Response | tuple[str, int]:
    session = db()
    user = current_account()
    form = ContactFromLetterForm(prefix="contact")
    if form.validate_on_submit():
        try:
            person, results = contact_from_letter(
                session, user, letter_id, form.counterparty.data, _filing(), policy(),
                name=(form.name.data or "").strip() or None)
        except NotFound:
            session.rollback()
            # The letter was checked by the page; what is missing is the counterparty.
            letters.readable_letter(session, user, letter_id, policy())
            form.counterparty.errors = [_("Choose the counterparty.")]
        except ValidationError as exc:
            session.rollback()
            form.form_errors.append(_("The contact person could not be added: %(reason)s",
                                      reason=str(exc)))
        else:
            session.commit()
            flash(_("The contact person is added.") + " " + _filed_message(results),
                  "success")
            return redirect(url_for("counterparties.card",
                                    counterparty_id=person.counterparty_id))
    return _render(letter_id, contact_form=form, status=400)
