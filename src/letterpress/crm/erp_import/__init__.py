"""Import of the ERP's CSV exports: counterparties, contacts, orders, shipments, payments,
invoices and campaigns (``letterpress import KIND FILE``).

Rows are matched by external id, so importing a file again changes nothing and an edited row
updates its record. Each file goes through: :mod:`.csvfile` (bytes to chunks of records, as
columns when it can) -> :mod:`.rows` with the converters of :mod:`.values` (applied a column at a
time by :mod:`.vectors`) and the columns of :mod:`.kinds` (records to checked values, bad rows to
rejections) -> :mod:`.staging` (temporary tables, filled through :mod:`.sinks`: executemany on
SQLite, COPY on PostgreSQL) -> :mod:`.writer` (set-based merge); the first big load of an empty
ledger table skips staging (:mod:`.directload`). :mod:`.runner` ties them together. Row numbers
in reports count the header as row 1, as a spreadsheet does, or as the line it is on when a 1C
report's title lines come before it.
"""

from letterpress.crm.erp_import.csvfile import CsvFile, read_csv
from letterpress.crm.erp_import.kinds import KINDS
from letterpress.crm.erp_import.rows import Rejection
from letterpress.crm.erp_import.runner import ImportResult, import_csv, import_file
from letterpress.crm.erp_import.schema import map_header

__all__ = ["KINDS", "CsvFile", "ImportResult", "Rejection", "import_csv", "import_file",
           "map_header", "read_csv"]
