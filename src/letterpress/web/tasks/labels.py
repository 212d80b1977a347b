"""Display names of the task pages' vocabularies: states, tabs, filters (translatable)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from letterpress.crm.model import TaskState

TASK_STATE: Mapping[str, LazyString] = {
    TaskState.OPEN: _l("To do"),
    TaskState.IN_PROGRESS: _l("In progress"),
    TaskState.DONE: _l("Done"),
    TaskState.CANCELLED: _l("Cancelled"),
}

TABS: Mapping[str, LazyString] = {
    "mine": _l("Assigned to me"),
    "set": _l("Set by me"),
    "team": _l("Team"),
}

FILTERS: Mapping[str, LazyString] = {
    "open": _l("Open tasks"),
    "overdue": _l("Overdue tasks"),
    "done": _l("Closed tasks"),
    "all": _l("All tasks"),
}
