"""The one exception tree of Letterpress.

Every error that Letterpress raises on purpose derives from :class:`LetterpressError`, so that the
command line, the web UI and the DAV server can each map them to a message or a status code in one
place. Errors from third-party libraries are translated at the boundary that calls them
(``raise ConfigError(...) from exc``)::

    LetterpressError
    ├── ConfigError            the config file or the environment is wrong; start-up stops
    ├── DatabaseError          the database cannot be reached or is not at the expected revision
    ├── UserError              a user asked for something impossible (unknown login, bad value)
    │   ├── NotFound           the named record does not exist
    │   ├── PermissionDenied   the permission function said no
    │   ├── ValidationError    a value breaks a domain rule (INN checksum, negative amount, ...)
    │   └── Conflict           the write collides with another record (a calendar UID taken, ...)
    ├── ImportRowError         one row of an import is rejected (row, column, reason)
    └── MailError              the mail layer (graded: letter < folder < account < fatal)
        ├── LetterError        one letter cannot be processed; its folder goes on
        │   └── ParseFailure   the raw bytes are not a letter at all; stored raw with the error
        ├── FolderError        one folder cannot be synchronised; its account goes on
        └── AccountError       one account cannot connect or log in; other accounts go on
"""

from __future__ import annotations


class LetterpressError(Exception):
    """Root of every error Letterpress raises on purpose."""


class ConfigError(LetterpressError):
    """The configuration is invalid; the message names the file, the key and what was expected."""


class DatabaseError(LetterpressError):
    """The database cannot be used as configured."""


class UserError(LetterpressError):
    """A request that cannot be carried out as asked; the message is shown to the user as is."""


class NotFound(UserError):
    """The named record does not exist (or is not visible to the asking user)."""


class PermissionDenied(UserError):
    """The permission function refused the action."""


class ValidationError(UserError):
    """A value breaks a domain rule.

    ``field`` names the offending attribute so that forms and importers can point at it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(UserError):
    """The write collides with existing data; ``reason`` says how, ``existing`` names what."""

    def __init__(self, message: str, *, reason: str = "conflict", existing: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.existing = existing


class ImportRowError(LetterpressError):
    """One row of an import file is rejected; the rest of the file goes on."""

    def __init__(self, row: int, column: str, reason: str) -> None:
        super().__init__(f"row {row}, column {column!r}: {reason}")
        self.row = row
        self.column = column
        self.reason = reason


class MailError(LetterpressError):
    """Base of the mail layer's graded errors."""


class LetterError(MailError):
    """One letter cannot be processed; it is kept raw and marked, and its folder goes on."""


class ParseFailure(LetterError):
    """A letter's raw bytes cannot be parsed at all (empty, no header fields, parser crash).

    The caller stores the raw bytes with this message and lists the letter for an administrator.
    """


class FolderError(MailError):
    """One folder cannot be synchronised; the other folders of the account go on."""


class AccountError(MailError):
    """An account cannot connect or authenticate; the other accounts go on."""
