"""text/calendar parts of letters (RFC 5546 iTIP) -> :class:`letterpress.crm.invitations.Invitation`."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import vobject

from letterpress.crm.invitations import Invitation

log = logging.getLogger(__name__)


def _aware(value: dt.date | dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0), tzinfo=tz)
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


def _email(value: str) -> str:
    return value.split(":", 1)[1].strip().lower() if value.lower().startswith("mailto:") else value.lower()


def parse_invitations(data: bytes, *, default_tz: dt.tzinfo | None = None) -> list[Invitation]:
    """Every VEVENT of an iTIP message; an unreadable part gives an empty list (logged)."""
    tz = default_tz or zoneinfo.ZoneInfo("UTC")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1251", errors="replace")
    try:
        cal = vobject.readOne(text, ignoreUnreadable=True)
    except Exception as exc:  # noqa: BLE001 - vobject raises many unrelated types on bad input
        log.info("unreadable calendar part: %s", exc)
        return []
    method = str(getattr(getattr(cal, "method", None), "value", "") or "").upper()
    out: list[Invitation] = []
    for vevent in getattr(cal, "vevent_list", []):
        try:
            uid = str(vevent.uid.value)
            start = _aware(vevent.dtstart.value, tz)
            end = _aware(vevent.dtend.value, tz) if hasattr(vevent, "dtend") else None
        except (AttributeError, TypeError, ValueError) as exc:
            log.info("calendar part without UID or DTSTART: %s", exc)
            continue
        attendees = tuple(_email(str(a.value)) for a in getattr(vevent, "attendee_list", []))
        organizer = _email(str(vevent.organizer.value)) if hasattr(vevent, "organizer") else None
        seq_raw = getattr(getattr(vevent, "sequence", None), "value", 0)
        try:
            sequence = int(seq_raw or 0)
        except (TypeError, ValueError):
            sequence = 0
        out.append(Invitation(
            uid=uid, method=method, sequence=sequence,
            summary=str(getattr(getattr(vevent, "summary", None), "value", "") or ""),
            description=str(getattr(getattr(vevent, "description", None), "value", "") or ""),
            location=str(getattr(getattr(vevent, "location", None), "value", "") or ""),
            start=start, end=end, attendees=attendees, organizer=organizer,
        ))
    return out
