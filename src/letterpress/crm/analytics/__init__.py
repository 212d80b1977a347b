"""The analytical CRM (slides 13-17): ABC and XYZ, relationship stages, manager performance,
information sources and campaigns, event reports - computed in SQL, alike on SQLite and
PostgreSQL, every threshold a setting (``[analytics]``) that each report names.

Modules: ``periods`` (months and periods), ``expressions`` (portable SQL pieces), ``register``
(the monthly customer register and the stages), ``abc``, ``xyz``, ``stages``, ``managers`` with
``drilldown`` (the rows behind each figure) and ``completeness``, ``sources`` (sources and
campaigns), ``events``, ``runs`` (stored results, the nightly run), ``catalog`` (reports by
name), ``export`` (table, CSV, JSON, XLSX).
"""

from __future__ import annotations

from letterpress.crm.analytics.catalog import REPORTS, build_report
from letterpress.crm.analytics.periods import Period, parse_period
from letterpress.crm.analytics.report import Report, ReportRequest
from letterpress.crm.analytics.runs import run, run_nightly

__all__ = ["REPORTS", "Period", "Report", "ReportRequest", "build_report", "parse_period", "run",
           "run_nightly"]
