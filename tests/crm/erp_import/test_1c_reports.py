"""Files saved from a 1C report: title lines above the header, a totals line below the table.

Rows are reported by the file's own line numbers, so that a user can go to the line named.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from letterpress.config import ImportSettings, Settings
from letterpress.crm.erp_import import import_file
from letterpress.crm.inn import make_inn
from letterpress.crm.model import Counterparty, Order
from letterpress.errors import UserError
from tests.crm.erp_import.conftest import WriteCsv

TITLE = [["Контрагенты", "", "", "", ""], ["", "", "", "", ""],
         ["Сформирован: 27.11.2026 10:00", "", "", "", ""], []]  # lines 1-4; the header is line 5


def test_a_1c_report_with_title_lines_imports_and_names_the_real_line_of_a_bad_row(
    crm: Session, write_csv: WriteCsv
) -> None:
    rows = [*TITLE,
            ["Код", "Наименование", "Вид контрагента", "ИНН", "Телефоны"],
            ["К-001", "ООО Ромашка", "Покупатель", make_inn("770100005"), "+7 495 123-45-67"],
            ["К-002", "ИП Сидоров", "Физлицо", "1234567890", ""],       # line 7: a bad INN
            ["", "", "", "", ""],
            ["К-003", "ООО Поставка", "Поставщик", "", ""],
            ["К-004", "ООО Четвёртая", "партнёр", "", ""]]             # line 10: a bad kind
    path = write_csv(rows, delimiter=";", encoding="cp1251")
    assert path.read_bytes().startswith("Контрагенты;;;;\r\n;;;;\r\n".encode("cp1251"))
    result = import_file(crm, "counterparties", path,
                         settings=Settings(imports=ImportSettings(batch_size=2)))
    crm.commit()
    assert result.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "rejected": [
        {"row": 7, "column": "ИНН", "reason": "INN '1234567890' is not valid (10 or 12 digits "
                                              "with correct check digits)"},
        {"row": 10, "column": "Вид контрагента",
         "reason": "expected one of customer, supplier, both, person, got 'партнёр'"},
    ]}
    names = dict(crm.execute(select(Counterparty.external_id, Counterparty.name)
                             .where(Counterparty.external_id.like("К-%"))).all())
    assert names == {"К-001": "ООО Ромашка", "К-003": "ООО Поставка"}
    again = import_file(crm, "counterparties", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert [r.row for r in again.rejected] == [7, 10]


def test_quoted_values_after_title_lines_keep_their_row_numbers(
    crm: Session, write_csv: WriteCsv
) -> None:
    """Quotes take the csv module's road through the rows; their numbers are the same."""
    path = write_csv([*TITLE, ["Код", "Наименование", "Адрес"],
                      ["К-1", "Альфа", 'г. Москва; "центр"'],
                      ["К-2", "", ""]], delimiter=";", encoding="cp1251")
    result = import_file(crm, "counterparties", path)
    assert (result.created, [(r.row, r.column) for r in result.rejected]) == (
        1, [(7, "Наименование")])


@pytest.mark.parametrize("threshold", [1, 1_000_000], ids=["direct", "staged"])
def test_a_totals_line_at_the_end_is_skipped(crm: Session, write_csv: WriteCsv,
                                             threshold: int) -> None:
    header = ["Номер", "Код", "Вид заказа", "Дата", "Контрагент", "Сумма"]
    rows = [["Заказы покупателей"], [], header,
            ["1", "З-1", "продажа", "01.02.2024", "CP-1", "1 000,00"],
            ["2", "З-2", "продажа", "02.02.2024", "CP-404", "500,00"],   # line 5
            ["Итого", "", "", "", "", "1 500,00"], ["", "", "", "", "", ""]]
    result = import_file(crm, "orders", write_csv(rows, delimiter=";", encoding="cp1251"),
                         bulk_threshold=threshold)
    crm.commit()
    assert result.as_dict() == {"created": 1, "updated": 0, "unchanged": 0, "rejected": [
        {"row": 5, "column": "Контрагент", "reason": "unknown counterparty 'CP-404'"}]}
    # A totals line with something in the external id column is a row as any other.
    rows[5] = ["Итого", "ИТ", "", "", "", "1 500,00"]
    result = import_file(crm, "orders", write_csv(rows, delimiter=";", encoding="cp1251"))
    assert [(r.row, r.column) for r in result.rejected] == [(5, "Контрагент"), (6, "Вид заказа")]
    assert crm.scalar(select(func.count()).select_from(Order)) == 1


def test_a_file_without_a_header_is_refused(crm: Session, write_csv: WriteCsv) -> None:
    path = write_csv([["Контрагенты"], [], ["К-1", "Альфа"], ["К-2", "Бета"]], delimiter=";",
                     name="report.csv")
    with pytest.raises(UserError) as caught:
        import_file(crm, "counterparties", path)
    assert str(caught.value) == (
        f"{path}: no header found in the first 20 lines; expected a line with the columns "
        "external_id, name for counterparties (see docs/import.md)")
    assert crm.scalar(select(func.count()).select_from(Counterparty)) == 3  # the fixture's
