"""The calendar's pages: ``/calendar/`` (to the week), ``day``, ``week``, ``month`` and
``workload``, each with ``?date=YYYY-MM-DD`` (default: today in the company's time zone) and, but
the workload, ``?user=<id>`` (default: the viewer); and the counterparty names the new-event
form suggests.

A page costs the login's user query, the switcher's people, and one query each for events and
tasks (:func:`.queries.items`); rendering is the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from letterpress.crm.calendar_data import CALENDAR_EVENT_KINDS
from letterpress.crm.model import User
from letterpress.db.types import utcnow
from letterpress.web.auth.identity import current_account
from letterpress.web.calendar import bp, display, queries
from letterpress.web.calendar.forms import NewEventForm
from letterpress.web.calendar.periods import (
    VIEWS,
    BadDate,
    Span,
    day_bounds,
    parse_date,
    span,
)
from letterpress.web.calendar.workload import workload as team_workload
from letterpress.web.context import db, web_context
from letterpress.web.labels import label

NEW_EVENT_PREFIX = "new"


@dataclass(frozen=True)
class Failed:
    """A day page's item form that did not validate: which item, which action, the form."""

    anchor: str
    action: str
    form: Any


def user_arg() -> int | None:
    raw = request.args.get("user", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def date_arg(today: dt.date) -> dt.date:
    try:
        return parse_date(request.args.get("date"), today)
    except BadDate:
        abort(400)


def local_now() -> tuple[dt.datetime, dt.date]:
    """Now (UTC) and today's date in the company's time zone."""
    now = utcnow()
    return now, now.astimezone(web_context().settings.company.tz).date()


def calendar_url(view: str, day: dt.date, owner_id: int | None = None, anchor: str | None = None,
                 ) -> str:
    """A calendar page's address; ``owner_id`` only for someone else's calendar."""
    viewer = current_account()
    user = owner_id if owner_id is not None and owner_id != viewer.id else None
    return url_for(f"calendar.{view}", date=day.isoformat(), user=user, _anchor=anchor)


def _new_event_form(anchor: dt.date, today: dt.date, view: str) -> NewEventForm:
    form = NewEventForm(formdata=None, prefix=NEW_EVENT_PREFIX)
    tz = web_context().settings.company.tz
    if anchor == today:
        start = (dt.datetime.now(tz) + dt.timedelta(hours=1)).replace(
            minute=0, second=0, microsecond=0, tzinfo=None)
    else:
        start = dt.datetime.combine(anchor, dt.time(10, 0))
    form.start_at.data = start
    form.view.data = view
    return form


def _people(viewer: User, owner: User) -> list[queries.Person]:
    people = queries.viewable_people(db(), viewer)
    if all(p.id != owner.id for p in people):
        people.append(queries.Person.of(owner))  # e.g. one who has left: reachable by link
    return people


def render_view(
    view: str,
    *,
    anchor: dt.date | None = None,
    owner: queries.Owner | None = None,
    failed: Failed | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The day, week or month page (also for a day's form that failed, with ``status`` 400)."""
    session = db()
    viewer = current_account()
    tz = web_context().settings.company.tz
    now, today = local_now()
    if anchor is None:
        anchor = date_arg(today)
    if owner is None:
        owner = queries.calendar_owner(session, viewer, user_arg())
    shown = span(view, anchor)
    days = shown.grid_days if view == "month" else shown.days
    bounds = day_bounds(days, tz)
    start, end = bounds[0], bounds[-1]
    found = queries.items(session, viewer, owner.user.id, start, end, tz, now)
    return render_template(
        f"calendar/{view}.html", view=view, span=shown, today=today, owner=owner,
        viewer=viewer, people=_people(viewer, owner.user), items=found,
        days=queries.by_day(found), grid=days, failed=failed,
        title=display.span_title(shown), **_helpers(owner.user.id, view),
    ), status


def card_prefix() -> str:
    """A counterparty card's address without the id: ``card_prefix() + str(id)`` is
    ``url_for("counterparties.card", counterparty_id=id)``, without building each one."""
    return url_for("counterparties.card", counterparty_id=0)[:-1]


def _helpers(owner_id: int, view: str) -> dict[str, Any]:
    """Template helpers; ``link`` builds many addresses a page, so it builds each view's path
    once and adds the query by hand (the same result as :func:`calendar_url`); the items' card
    links are ``card_prefix`` and the id, their kinds' names looked up once a page."""
    user = "" if owner_id == current_account().id else f"&user={owner_id}"
    paths: dict[str, str] = {}

    def link(view: str, day: dt.date, anchor: str | None = None) -> str:
        if view not in paths:
            paths[view] = url_for(f"calendar.{view}")
        return f"{paths[view]}?date={day.isoformat()}{user}" + (f"#{anchor}" if anchor else "")

    def plan(day: dt.date) -> str:
        """The new-event page for ``day``, coming back to this view."""
        if "new_event" not in paths:
            paths["new_event"] = url_for("calendar.new_event")
        return f"{paths['new_event']}?date={day.isoformat()}&view={view}"

    return {"link": link, "plan": plan, "day_heading": display.day_heading,
            "day_short": display.day_short,
            "clock": display.clock, "weekday_short": display.weekday_short,
            "card_prefix": card_prefix(),
            "kind_labels": {kind: label(kind, "event_kind") for kind in CALENDAR_EVENT_KINDS}}


@bp.get("/")
def index() -> BaseResponse:
    target = url_for(".week")
    query = request.query_string.decode("ascii", "replace")
    return redirect(f"{target}?{query}" if query else target)


@bp.get("/day")
def day() -> tuple[str, int]:
    return render_view("day")


@bp.get("/week")
def week() -> tuple[str, int]:
    return render_view("week")


@bp.get("/month")
def month() -> tuple[str, int]:
    return render_view("month")


@bp.get("/workload")
def workload() -> str:
    """Per person the viewer may see (a head: the team; an administrator: everyone) and day of
    the week: events, tasks, overdue; and each person's overdue total."""
    session = db()
    viewer = current_account()
    tz = web_context().settings.company.tz
    now, today = local_now()
    shown: Span = span("week", date_arg(today))
    people = queries.viewable_people(session, viewer)
    rows = team_workload(session, viewer, people, day_bounds(shown.days, tz), now)
    return render_template(
        "calendar/workload.html", view="workload", span=shown, today=today, rows=rows,
        owner=queries.Owner(viewer, "write"), viewer=viewer, people=people,
        title=display.span_title(shown), **_helpers(viewer.id, "week"),
    )


def render_new_event(form: NewEventForm, status: int = 200) -> tuple[str, int]:
    """The page with the new-event form (also when it came back with errors)."""
    anchor = form.start_at.data.date() if isinstance(form.start_at.data, dt.datetime) else None
    return render_template(
        "calendar/new_event.html", form=form, view=form.back_view(),
        back=calendar_url(form.back_view(), anchor or local_now()[1]),
    ), status


@bp.get("/events/new")
def new_event() -> tuple[str, int]:
    """Plan an event on one's own calendar: ``?date=`` the day, ``?view=`` where to go back."""
    _now, today = local_now()
    view = request.args.get("view", "week")
    return render_new_event(_new_event_form(date_arg(today), today,
                                            view if view in VIEWS else "week"))


@bp.get("/counterparty-names")
def counterparty_names() -> Response:
    """Up to ten names of visible counterparties containing ``?q=`` (the form's datalist)."""
    query = request.args.get("q", "")[:200]
    return jsonify(queries.suggest_counterparties(db(), current_account(), query))
