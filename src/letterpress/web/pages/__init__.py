"""The home page, placeholders for sections not built yet, and the health check."""
