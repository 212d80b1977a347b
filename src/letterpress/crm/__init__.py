"""The domain: models, services and analytics. Everything else calls in here; this imports none of them."""
