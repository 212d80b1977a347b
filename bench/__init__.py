"""Benchmarks, one module each: ``python -m bench.NAME`` prints its figures as JSON, last."""
