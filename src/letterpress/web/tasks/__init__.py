"""``/tasks/``: tasks (задания) a curator sets to a manager, with due dates and results.

The lists and the detail read through :func:`letterpress.crm.permissions.visible_tasks_clause`;
setting and completing go through :mod:`letterpress.crm.tasks`.
"""
