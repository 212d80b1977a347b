"""``/search/``: one box over letters, counterparties, contact persons, events and tasks.

The page only translates: its form into the search language of :mod:`letterpress.search`
(:mod:`.querytext`), the seam's hits into rows with links and escaped, highlighted HTML
(:mod:`.results`), and the seam's English messages into the reader's language (:mod:`.messages`).
Searching, filtering and the permission checks are the seam's.
"""
