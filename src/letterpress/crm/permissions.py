"""The permission function: one place that decides who may see and change what.

Every view, search, DAV collection, export and report asks here. Rules (see DESIGN, "Access
rights"): counterparties, their contact persons, orders and the event history are shared by all
active users; personal contacts belong to their owner; changing a counterparty is for its
responsible manager, that manager's heads, and administrators; letters are decided by the mail
layer's grants (added with mail ingestion) and exposed here as SQL filters so that searches and
lists page correctly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, or_, select, true, union
from sqlalchemy.orm import Session

from letterpress.crm.model import ContactPerson, Counterparty, Event, Role, Task, User
from letterpress.crm.supervision import is_below, subordinate_ids


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN.value


def is_head_of(session: Session, head: User, user_id: int | None) -> bool:
    """True when ``head`` is somewhere above ``user_id`` in the supervision chain."""
    return is_below(session, head.id, user_id)


def can_view_counterparty(user: User, counterparty: Counterparty) -> bool:
    return user.active


def visible_counterparties_clause(user: User) -> ColumnElement[bool]:
    """SQL filter for lists and searches: the counterparties ``user`` may see."""
    return true() if user.active else false()


def can_add_event(user: User, counterparty: Counterparty) -> bool:
    """Whoever sees a counterparty may record a contact with it or plan one (shared history)."""
    return can_view_counterparty(user, counterparty)


def can_administer(user: User) -> bool:
    return user.active and is_admin(user)


def can_manage_app_passwords(user: User, owner_id: int) -> bool:
    """Listing, making and revoking the DAV app passwords of ``owner_id``: the owner, and an
    administrator (who sees labels and dates, never a password but the one they just made)."""
    return user.active and (user.id == owner_id or is_admin(user))


def can_edit_counterparty(session: Session, user: User, counterparty: Counterparty) -> bool:
    if not user.active:
        return False
    if is_admin(user) or counterparty.manager_id in (None, user.id):
        return True
    return is_head_of(session, user, counterparty.manager_id)


def can_merge_counterparties(
    session: Session, user: User, a: Counterparty, b: Counterparty | None = None
) -> bool:
    """Merging ``b`` into ``a`` (or, without ``b``, merging ``a`` with some duplicate: the card's
    link). A merge deletes a record, so it asks more than an edit: an administrator; else each
    side is the user's own, a subordinate's (for a head), or unassigned — but two unassigned
    ones only for a head, as a manager owns neither."""
    if not user.active or (b is not None and a.id == b.id):
        return False
    if is_admin(user):
        return True
    sides = [a] if b is None else [a, b]
    managers = [c.manager_id for c in sides]
    if b is not None and managers == [None, None] and user.role != Role.HEAD.value:
        return False
    return all(m is None or m == user.id or is_head_of(session, user, m) for m in managers)


def visible_contacts_clause(user: User) -> ColumnElement[bool]:
    """SQL filter: contact persons ``user`` may see (shared ones and their own personal ones)."""
    if not user.active:
        return false()
    return or_(ContactPerson.owner_id.is_(None), ContactPerson.owner_id == user.id)


def can_view_contact(user: User, contact: ContactPerson) -> bool:
    return user.active and (contact.owner_id is None or contact.owner_id == user.id)


def visible_events_clause(user: User) -> ColumnElement[bool]:
    """Events are part of the shared history; letters' content is guarded by the mail rules."""
    return true() if user.active else false()


def can_edit_event(session: Session, user: User, event: Event) -> bool:
    if not user.active:
        return False
    if is_admin(user) or user.id in (event.author_id, event.responsible_id):
        return True
    return is_head_of(session, user, event.responsible_id)


def event_editor(session: Session, user: User) -> Callable[[Event], bool]:
    """:func:`can_edit_event` for a whole page of events: the viewer's subordinates are read
    once, where asking per event walks the supervision chain again for each one."""
    if not user.active:
        return lambda _event: False
    if is_admin(user):
        return lambda _event: True
    below: frozenset[int] | None = None  # read at the first event that is not the viewer's own

    def can_edit(event: Event) -> bool:
        nonlocal below
        if user.id in (event.author_id, event.responsible_id):
            return True
        if below is None:
            below = subordinate_ids(session, user.id)
        return event.responsible_id in below

    return can_edit


def can_view_calendar_of(session: Session, user: User, owner_id: int) -> bool:
    """A user sees their own calendar; a head sees their subordinates' (read-only)."""
    if not user.active:
        return False
    return user.id == owner_id or is_admin(user) or is_head_of(session, user, owner_id)


def calendar_access(session: Session, user: User, owner_id: int) -> str:
    """``"write"`` for one's own calendars, ``"read"`` for a head (or an administrator) looking
    at someone else's, ``"none"`` otherwise. DAV collections ask here."""
    if not user.active:
        return "none"
    if user.id == owner_id:
        return "write"
    return "read" if can_view_calendar_of(session, user, owner_id) else "none"


def task_watcher_ids(session: Session, user: User) -> set[int] | None:
    """Whose tasks ``user`` sees (as assignee or curator): their own and, for a head, their
    subordinates'; ``None`` for an administrator, who sees all tasks."""
    if not user.active:
        return set()
    if is_admin(user):
        return None
    return {user.id} | subordinate_ids(session, user.id)


def visible_tasks_clause(session: Session, user: User) -> ColumnElement[bool]:
    """SQL filter on ``Task``: the tasks of :func:`task_watcher_ids` (workload is not shared)."""
    ids = task_watcher_ids(session, user)
    if ids is None:
        return true()
    if not ids:
        return false()
    return or_(Task.assignee_id.in_(ids), Task.curator_id.in_(ids))


def can_set_task(session: Session, curator: User, assignee_id: int) -> bool:
    """Setting a task: to oneself (a to-do), by a head to a subordinate, by an administrator to
    anyone. A manager does not give tasks to a colleague (the seed's curator is a supervisor)."""
    if not curator.active:
        return False
    watched = task_watcher_ids(session, curator)
    return watched is None or assignee_id in watched


def can_edit_task(session: Session, user: User, task: Task) -> bool:
    if not user.active:
        return False
    if is_admin(user) or user.id in (task.assignee_id, task.curator_id):
        return True
    return is_head_of(session, user, task.assignee_id)


# --- letters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailPolicy:
    """The configurable parts of mail visibility (``[mail]`` in the config)."""

    head_sees_team_mail: bool = False
    history_visible_without_rights: str = "exists"  # or "nothing"


def readable_mailbox_ids(session: Session, user: User, policy: MailPolicy) -> set[int]:
    """Mailboxes whose letters ``user`` may read: own personal ones, granted shared ones,
    and, where the policy allows, those of the people the user heads. Admins read all."""
    from letterpress.crm.model import Mailbox, MailboxGrant

    if not user.active:
        return set()
    if is_admin(user):
        return set(session.scalars(select(Mailbox.id)))
    grant_filter = MailboxGrant.user_id == user.id
    if user.team_id is not None:
        grant_filter = or_(grant_filter, MailboxGrant.team_id == user.team_id)
    # one statement: every page that shows letters asks this
    ids = set(session.scalars(union(
        select(Mailbox.id).where(Mailbox.owner_id == user.id),
        select(MailboxGrant.mailbox_id).where(grant_filter, MailboxGrant.can_read.is_(True)),
    )))
    if policy.head_sees_team_mail and user.role in (Role.HEAD.value, Role.ADMIN.value):
        team = sorted(subordinate_ids(session, user.id))
        if team:
            ids |= set(session.scalars(select(Mailbox.id).where(Mailbox.owner_id.in_(team))))
    return ids


def visible_letters_clause(
    session: Session, user: User, policy: MailPolicy, *, mailbox_ids: set[int] | None = None,
) -> ColumnElement[bool]:
    """SQL filter on ``Letter``: letters sitting in at least one mailbox the user may read.
    ``mailbox_ids``: :func:`readable_mailbox_ids` when the caller has asked already."""
    from letterpress.crm.model import Letter, LetterLocation, MailFolder

    ids = readable_mailbox_ids(session, user, policy) if mailbox_ids is None else mailbox_ids
    if not ids:
        return false()
    return Letter.id.in_(
        select(LetterLocation.letter_id)
        .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
        .where(MailFolder.mailbox_id.in_(ids))
    )


def letter_readable_clause(
    session: Session, user: User, policy: MailPolicy, letter_id: ColumnElement[int],
    *, mailbox_ids: set[int] | None = None,
) -> ColumnElement[bool]:
    """:func:`visible_letters_clause` for a letter id column of another table (a search index,
    an event): a correlated EXISTS, so a query that stops at its page probes only the rows it
    reads, where the IN list of :func:`visible_letters_clause` is built whole first.
    ``mailbox_ids``: :func:`readable_mailbox_ids` when the caller has asked already."""
    from letterpress.crm.model import LetterLocation, MailFolder

    ids = readable_mailbox_ids(session, user, policy) if mailbox_ids is None else mailbox_ids
    if not ids:
        return false()
    # the folders as values, not a subquery: PostgreSQL then estimates the probe from its
    # statistics and keeps it per row instead of hashing every readable letter first
    folders = sorted(session.scalars(select(MailFolder.id).where(MailFolder.mailbox_id.in_(ids))))
    if not folders:
        return false()
    return exists().where(LetterLocation.letter_id == letter_id,
                          LetterLocation.folder_id.in_(folders))


def can_read_letter(session: Session, user: User, letter_id: int, policy: MailPolicy) -> bool:
    from letterpress.crm.model import Letter

    return session.scalar(
        select(Letter.id).where(Letter.id == letter_id, visible_letters_clause(session, user, policy))
    ) is not None


def history_events_clause(session: Session, user: User, policy: MailPolicy) -> ColumnElement[bool]:
    """SQL filter on ``Event`` for a counterparty's history: events of letters the user cannot
    read are left out when the policy says "nothing"; with "exists" they stay, and views show
    them with subject and content hidden where :func:`readable_letter_ids` lacks the letter."""
    from letterpress.crm.model import Letter

    if policy.history_visible_without_rights == "exists":
        return visible_events_clause(user)
    return or_(
        Event.letter_id.is_(None),
        Event.letter_id.in_(select(Letter.id).where(visible_letters_clause(session, user, policy))),
    )


def readable_letter_ids(
    session: Session, user: User, letter_ids: set[int], policy: MailPolicy, *,
    mailbox_ids: set[int] | None = None,
) -> set[int]:
    """Which of ``letter_ids`` the user may read (for redacting a page of history at once):
    those with a location in a mailbox of :func:`readable_mailbox_ids` (``mailbox_ids``, when the
    caller has asked already). Asked of the locations of these letters only, where
    :func:`visible_letters_clause` would have SQLite list every readable letter first."""
    from letterpress.crm.model import LetterLocation, MailFolder

    if not letter_ids:
        return set()
    ids = readable_mailbox_ids(session, user, policy) if mailbox_ids is None else mailbox_ids
    if not ids:
        return set()
    return set(session.scalars(
        select(LetterLocation.letter_id).distinct()
        .join(MailFolder, MailFolder.id == LetterLocation.folder_id)
        .where(LetterLocation.letter_id.in_(letter_ids), MailFolder.mailbox_id.in_(ids))
    ))


# --- analytics -----------------------------------------------------------------------------


def report_manager_ids(session: Session, user: User | None) -> frozenset[int] | None:
    """Whose data ``user`` may see in reports and analytics, as a set of manager ids.

    ``None`` means everyone's, unassigned counterparties included: administrators, and the
    command line run without ``--as`` (the operator of the server). A head of sales sees their
    own and their subordinates' (at any depth); a manager their own; an inactive user nothing.
    """
    if user is None or (user.active and is_admin(user)):
        return None
    if not user.active:
        return frozenset()
    return frozenset({user.id, *subordinate_ids(session, user.id)})


def can_view_manager_report(session: Session, user: User | None, manager_id: int | None) -> bool:
    """May ``user`` see the figures (and the rows behind them) of ``manager_id``?"""
    scope = report_manager_ids(session, user)
    return scope is None or (manager_id is not None and manager_id in scope)
