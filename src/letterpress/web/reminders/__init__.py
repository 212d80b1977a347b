"""``/reminders/``: the reminders panel (Напоминания) and the due count in every page's header.

Reminders are written by the reminder engine (:mod:`letterpress.crm.reminders`); here a user
sees their own, snoozes or dismisses them, and sets their own lead times.
"""
