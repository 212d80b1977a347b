"""The mail service: IMAP sync, parsing (pure), the ingest pipeline, sending."""
