"""The WebDAV core (RFC 4918, 3744 privileges, 5397 current-user-principal, 6578 sync).

Layered as Xandikos and Radicale do it: :mod:`http` (requests and responses), :mod:`xml` (safe
parsing, serialising), :mod:`errors` (every status code and precondition in one place),
:mod:`resource` (the node interface a storage implements), :mod:`props` (live properties),
one module per method under :mod:`methods`, :mod:`sync` (sync-collection), :mod:`auth` (app
passwords with a short in-memory cache) and :mod:`app` (the WSGI application and its mount).
CalDAV (``letterpress.calendar``) and later CardDAV plug in as extensions; nothing here knows
about calendars or the ORM.
"""
