"""Importable test helpers: databases, factories, server fixtures, letter builders."""
