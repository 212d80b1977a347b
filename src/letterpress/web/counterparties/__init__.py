"""The counterparty list (контрагенты) and the counterparty card."""
