"""The counterparty list's rows as HTML, written in Python once per row.

The list is the most visited page and its rows are most of it (fifty, each with ten cells and a
menu of four actions). Through Jinja a row cost some 55 µs of CPU (a lookup, an escape and a
generator step per value, a call per filter or method); written here, about a third of that.
The markup is the template's own, moved: ``list.html`` keeps the table, its header and the pager
and calls :func:`rows_html` with the words it has translated;
``static/css/counterparties.css`` styles the rows and ``static/js/counterparties.js`` drives
the menus (each one a ``<details>``: it opens by mouse, finger or keyboard without a script).

Every value from the database goes through :func:`markupsafe.escape` (as
:func:`~letterpress.web.templating.escape_text`, without a Markup of each). A cell with nothing
to show is written empty, with no whitespace: on narrow screens ``td:empty`` hides it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from letterpress.web.counterparties.queries import ListRow
from letterpress.web.templating import escape_text, formats, tel_filter


def rows_html(
    rows: Sequence[ListRow], card_prefix: str, column: Mapping[str, str],
    action: Mapping[str, str], kinds: Mapping[str, str], stages: Mapping[str, str],
) -> Markup:
    """The ``<tr>`` of each row. ``card_prefix``: a card's address without its id; ``column``
    and ``action``: the translated column names (by their English msgids) and the menu's words
    (``open``, ``done``, ``plan``, ``write``); ``kinds`` and ``stages``: the display names."""
    label = {key: escape(text) for key, text in column.items()}
    words = {key: escape(text) for key, text in action.items()}
    (name_label, kind_label, inn_label, city_label, manager_label, abc_label, stage_label,
     contacts_label, last_label) = (
        label["Name"], label["Kind"], label["INN"], label["City"], label["Responsible"],
        label["ABC class"], label["Stage"], label["Contacts"], label["Last contact"])
    menu_head = (f'<td class="row-actions"><details class="row-menu">\n'
                 f'<summary class="row-menu__toggle"><span class="row-menu__label">'
                 f'{label["Actions"]}<span class="visually-hidden">: ')
    open_card, done, plan, write = words["open"], words["done"], words["plan"], words["write"]
    date = formats().date
    prefix = escape(card_prefix)
    out: list[str] = []
    for row in rows:
        url = f"{prefix}{row.id}"
        name = escape_text(row.name)
        legal = (f'\n<span class="cell-sub">{escape_text(row.legal_name)}</span>'
                 if row.legal_name and row.legal_name != row.name else "")
        contacts = ""
        if row.phone:
            contacts = (f'<a class="contacts__phone" href="{escape_text(tel_filter(row.phone))}">'
                        f'{escape_text(row.phone)}</a>')
        email = ""
        if row.email:
            email = escape_text(row.email)
            local, _at, domain = row.email.partition("@")
            contacts += (f'<a class="contacts__email" href="mailto:{email}">{escape_text(local)}@'
                         f'<wbr>{escape_text(domain)}</a>')
        menu = f'<li><a href="{url}">{open_card}</a></li>\n'
        if row.can_add_event:
            menu += (f'<li><a href="{url}?new_event=done#new-event">{done}</a></li>\n'
                     f'<li><a href="{url}?new_event=planned#new-event">{plan}</a></li>\n')
        if email:
            menu += f'<li><a href="mailto:{email}">{write}</a></li>\n'
        stage = stages.get(row.stage, row.stage) if row.stage else ""
        out.append(
            f'<tr>\n'
            f'<td data-label="{name_label}" class="cell-main">\n'
            f'<a class="counterparty-link" href="{url}">{name}</a>{legal}\n</td>\n'
            f'<td data-label="{kind_label}">{escape_text(kinds.get(row.kind, row.kind))}</td>\n'
            f'<td data-label="{inn_label}" class="mono">{escape_text(row.inn or "")}</td>\n'
            f'<td data-label="{city_label}">{escape_text(row.city or "")}</td>\n'
            f'<td data-label="{manager_label}">{escape_text(row.manager or "")}</td>\n'
            f'<td data-label="{abc_label}" class="abc">{escape_text(row.abc_class or "")}</td>\n'
            f'<td data-label="{stage_label}">{escape_text(stage)}</td>\n'
            f'<td data-label="{contacts_label}" class="contacts">{contacts}</td>\n'
            f'<td data-label="{last_label}" class="num">{escape_text(date(row.last_event_at))}</td>\n'
            f'{menu_head}{name}</span></span></summary>\n'
            f'<ul class="row-menu__list">\n{menu}</ul>\n</details></td>\n'
            f'</tr>\n'
        )
    return Markup("".join(out))
