"""The search seam's messages in the reader's language.

:mod:`letterpress.search` speaks English to every caller (the command line prints it as is) and
puts the details into the sentence: the term, the position of a quote, the limit. Here each
sentence is recognised and said again through gettext with the same details. A sentence not
listed (a newer one) is shown in English rather than hidden; ``tests/web/test_search_messages``
runs the seam's real messages through this table, so a reworded one is noticed.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

_TABLE: tuple[tuple[re.Pattern[str], LazyString], ...] = tuple(
    (re.compile(pattern + r"\Z", re.DOTALL), message) for pattern, message in (
        ((r"a quote opened at character (?P<pos>\d+) is not closed: close it with "
          r"(?P<close>.), or remove it"),
         _l("The quote at character %(pos)s is not closed: close it with %(close)s or remove it.")),
        (r"(?P<name>.+?): expects a date such as .*; got (?P<value>.*)",
         _l("%(name)s: expects a date such as 2025-03-31, 31.03.2025, 2025-03 or 2025, "
            "not %(value)s.")),
        (r"the search is too long \((?P<num>[\d,]+) characters; at most (?P<max>\d+)\)",
         _l("The search is too long: %(num)s characters, at most %(max)s.")),
        (r"the search contains a NUL character",
         _l("The search contains a character that cannot be searched for.")),
        (r"the search has (?P<num>\d+) terms; at most (?P<max>\d+) are allowed",
         _l("The search has %(num)s terms; at most %(max)s are allowed.")),
        (r"OR needs a word or phrase on each side: a OR b",
         _l("OR needs a word or a phrase on each side: a OR b.")),
        (r"OR joins words and phrases, not filters such as (?P<name>.+):",
         _l("OR joins words and phrases, not filters such as %(name)s:.")),
        (r"(?P<name>.+?): needs a value, e\.g\. .*",
         _l("%(name)s: needs a value after the colon.")),
        (r"-(?P<name>.+?): is not supported; only from: and to: can be excluded",
         _l("-%(name)s: cannot be excluded; only from: and to: can.")),
        (r"(?P<term>.+) is unknown; write has:attachment",
         _l("%(term)s is unknown; write has:attachment.")),
        (r"(?P<term>.+) is unknown; write one of kind:letter, .*",
         _l("%(term)s is unknown; write one of kind:letter, kind:counterparty, kind:contact, "
            "kind:event, kind:task.")),
        (r"OR cannot join an excluded term; write -a -b to exclude both",
         _l("OR cannot join an excluded term; write -a -b to exclude both.")),
        (r"after:(?P<after>\S+) is not earlier than before:(?P<before>\S+): nothing can match",
         _l("The start date %(after)s is not earlier than the end %(before)s: nothing can "
            "match.")),
        ((r"from:, to:, mailbox:, topic: and has:attachment apply to letters only, but kind: "
          r"excludes letters"),
         _l("Sender, recipient, mailbox, topic and attachments apply to letters only, but the "
            "kind chosen excludes letters.")),
        (r"a prefix needs at least (?P<num>\d+) letters before \*: (?P<term>.+)",
         _l("A prefix needs at least %(num)s letters before *: %(term)s")),
        (r"from: and to: need a name or an address with letters or digits",
         _l("Sender and recipient need a name or an address with letters or digits.")),
        (r"add a word to search for: excluded words alone cannot be searched",
         _l("Add a word to search for: excluded words alone cannot be searched.")),
        (r"nothing to search for(: the search has no words \(letters or digits\))?",
         _l("Nothing to search for: the search has no words (letters or digits).")),
        (r"no mailbox is called (?P<names>.+)",
         _l("There is no mailbox called %(names)s.")),
        (r"ranked by relevance among the (?P<num>[\d,]+) most recent matches",
         _l("Ranked by relevance among the %(num)s most recent matches.")),
        (r"the search index is not complete: .*",
         _l("The search index is not complete yet: older records may be missing until an "
            "administrator runs letterpress reindex.")),
        (r"there is no search index yet: .*",
         _l("There is no search index yet: an administrator must run letterpress reindex.")),
        (r"the search index (was built with|is kept by) .*",
         _l("The search index was built with other settings: an administrator must run "
            "letterpress reindex.")),
    )
)


def translate(message: str) -> str:
    """``message`` from the search seam in the reader's language (English when not listed)."""
    for pattern, template in _TABLE:
        found = pattern.match(message)
        if found is not None:
            values = {k: v for k, v in found.groupdict().items() if v is not None}
            if "value" in values:  # the seam shows what was typed as a Python literal
                values["value"] = f"«{values['value'][1:-1]}»"
            # gettext's own formatting: the translated template, then the details
            return str(template) % values if values else str(template)
    return message
