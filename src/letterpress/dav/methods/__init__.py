"""One module per HTTP method (Radicale's layout); each exposes ``handle(ctx, req, app)``."""
