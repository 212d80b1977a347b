"""The web UI: a Flask app factory (:func:`letterpress.web.app.create_app`), one blueprint per area.

Importing this package pulls in nothing heavy; Flask is imported by :mod:`letterpress.web.app`.
"""
