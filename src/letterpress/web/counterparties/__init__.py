"""The counterparty list (контрагенты) and the counterparty card."""

# The merge pages register on routes.bp, before any app registers the blueprint.
from letterpress.web.counterparties import merge_routes as _merge_routes  # noqa: F401
