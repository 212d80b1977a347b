"""Fixtures for the ERP import tests: CSV files written on the fly, users and counterparties."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from letterpress.crm import users
from letterpress.crm.erp_import import import_file
from letterpress.crm.inn import make_inn

WriteCsv = Callable[..., Path]

COUNTERPARTIES = [
    ["external_id", "kind", "name", "inn", "phones", "emails", "domains", "address", "manager"],
    ["CP-1", "customer", "Alpha LLC", make_inn("770100001"), "+7 495 111-11-11|+7 900 111 11 11",
     "info@alpha.ru", "alpha.ru", "Moscow, Tverskaya 1", "manager1"],
    ["CP-2", "supplier", "Paper Mill", "", "", "sales@paper.ru|boss@paper.ru", "paper.ru", "",
     "manager2"],
    ["CP-3", "person", "Ivan Petrov", "", "+7 916 000 00 00", "", "", "", ""],
]


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write rows to a CSV file; ``encoding`` and ``delimiter`` as a real export would have them."""
    counter = iter(range(1_000_000))

    def write(rows: Sequence[Sequence[object]], *, delimiter: str = ",",
              encoding: str = "utf-8", name: str | None = None) -> Path:
        path = tmp_path / (name or f"file{next(counter)}.csv")
        lines = []
        for row in rows:
            cells = []
            for cell in row:
                text = "" if cell is None else str(cell)
                if any(ch in text for ch in (delimiter, '"', "\n")):
                    text = '"' + text.replace('"', '""') + '"'
                cells.append(text)
            lines.append(delimiter.join(cells))
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path

    return write


@pytest.fixture
def crm(session: Session, write_csv: WriteCsv) -> Session:
    """Users manager1, manager2 and the counterparties CP-1 .. CP-3, committed."""
    users.add_user(session, "manager1")
    users.add_user(session, "manager2")
    result = import_file(session, "counterparties", write_csv(COUNTERPARTIES))
    assert result.created == 3 and not result.rejected
    session.commit()
    return session
