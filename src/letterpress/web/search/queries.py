"""What the search form offers: the mailboxes the reader may read (through crm.permissions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import Mailbox, User
from letterpress.crm.permissions import MailPolicy, readable_mailbox_ids
from letterpress.db.casefold import fold


def mailbox_names(session: Session, user: User, policy: MailPolicy) -> list[str]:
    """Names of the mailboxes ``user`` may read, in alphabetical order."""
    ids = readable_mailbox_ids(session, user, policy)
    if not ids:
        return []
    names = session.scalars(select(Mailbox.name).where(Mailbox.id.in_(ids)))
    return sorted(names, key=fold)
