"""Case-insensitive matching of Cyrillic and Latin text, the same on SQLite and PostgreSQL.

SQLite's own ``lower()`` and ``LIKE`` fold ASCII letters only, so "ромашка" would never find
"ООО Ромашка". :func:`casefold` compiles to PostgreSQL's Unicode-aware ``lower()`` and to a Python
function registered on every SQLite connection (see :mod:`letterpress.db.session`). Both also fold
"ё" to "е", as Russian writers use the two interchangeably. :func:`fold` does the same to a Python
string, for the value a column is compared with.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

SQLITE_FUNCTION = "lp_casefold"


def fold(value: str) -> str:
    """Lower-case ``value`` and write "ё" as "е"."""
    return value.lower().replace("ё", "е")


def _sqlite_fold(value: str | None) -> str | None:
    return fold(value) if isinstance(value, str) else value


def register_sqlite(dbapi_conn: sqlite3.Connection) -> None:
    dbapi_conn.create_function(SQLITE_FUNCTION, 1, _sqlite_fold, deterministic=True)


class casefold(GenericFunction[str]):  # an SQL function, so named like one
    """``casefold(column)``: the column's text as :func:`fold` would write it."""

    type = String()
    inherit_cache = True


@compiles(casefold, "sqlite")
def _compile_sqlite(element: casefold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(casefold)
def _compile_default(element: casefold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"replace(lower({compiler.process(element.clauses, **kw)}), 'ё', 'е')"
