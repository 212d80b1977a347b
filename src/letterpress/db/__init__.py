"""Database access: the declarative base, column types, engines and sessions, migrations."""
