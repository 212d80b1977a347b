"""The Dovecot fixtures, for the tests of the test helpers themselves."""

from letterpress.testing.fixtures import (  # noqa: F401 - pytest finds fixtures by name
    dovecot,
    dovecot_factory,
    dovecot_module,
    dovecot_user,
)
