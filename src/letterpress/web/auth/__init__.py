"""Signing in and out, the login wall, and the language switch."""
