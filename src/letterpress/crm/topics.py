"""Topic (предмет) tags on letters set by hand; rule tags come from filing (crm.filing).

Whoever may read a letter may tag it or take a tag off; a tag is one short phrase, stored as
typed (trimmed, inner spaces collapsed) and unique per letter whatever its case.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from letterpress.crm.model import LetterTopic, User
from letterpress.crm.permissions import MailPolicy, can_read_letter
from letterpress.db.casefold import casefold, fold
from letterpress.errors import NotFound, ValidationError

MAX_TOPIC = 100


def normalise_topic(text: str) -> str:
    topic = " ".join(text.split())
    if not topic:
        raise ValidationError("the topic is empty", field="topic")
    if len(topic) > MAX_TOPIC:
        raise ValidationError(f"a topic has at most {MAX_TOPIC} characters", field="topic")
    return topic


def letter_topics(session: Session, letter_ids: set[int]) -> dict[int, list[LetterTopic]]:
    """The tags of these letters, in a stable order (by name)."""
    found: dict[int, list[LetterTopic]] = {i: [] for i in letter_ids}
    if letter_ids:
        for row in session.scalars(select(LetterTopic).where(LetterTopic.letter_id.in_(letter_ids))
                                   .order_by(casefold(LetterTopic.topic), LetterTopic.id)):
            found[row.letter_id].append(row)
    return found


def add_manual_topic(session: Session, user: User, letter_id: int, text: str,
                     policy: MailPolicy) -> LetterTopic:
    """Tag a letter by hand (``source='manual'``); an existing tag of that name is returned."""
    if not can_read_letter(session, user, letter_id, policy):
        raise NotFound(f"no letter #{letter_id}")
    topic = normalise_topic(text)
    existing = session.scalar(select(LetterTopic).where(
        LetterTopic.letter_id == letter_id, casefold(LetterTopic.topic) == fold(topic)))
    if existing is not None:
        return existing
    row = LetterTopic(letter_id=letter_id, topic=topic, source="manual", user_id=user.id)
    session.add(row)
    session.flush()
    return row


def remove_topic(session: Session, user: User, letter_id: int, topic_id: int,
                 policy: MailPolicy) -> None:
    """Take a tag off a letter (a rule's tag too: the reader knows better than the rule)."""
    if not can_read_letter(session, user, letter_id, policy):
        raise NotFound(f"no letter #{letter_id}")
    row = session.get(LetterTopic, topic_id)
    if row is None or row.letter_id != letter_id:
        raise NotFound(f"no topic #{topic_id} on letter #{letter_id}")
    session.delete(row)
    session.flush()
