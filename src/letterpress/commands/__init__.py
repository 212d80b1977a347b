"""Command groups of the ``letterpress`` command, one module each.

Every module exposes ``register(subparsers)`` which adds its sub-parser and sets ``handler``.
"""

from __future__ import annotations

import argparse
import importlib

COMMAND_MODULES = (
    "db", "serve", "stats", "imports", "user", "demo", "mail", "reminders",
    "report", "analytics", "search",
)


def register_all(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"letterpress.commands.{name}")
        module.register(subparsers)
