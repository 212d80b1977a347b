"""The machine a benchmark ran on: its CPU and interpreter, and a fixed pure-Python workload's
time, so that figures from different machines of the same "2 cores" can be told apart.

Machines of one kind differ: the same code measured 1.5-2x apart in CPU per request from one
session's machine to the next. ``reference_ms`` is the best of five runs of the same work
(integer arithmetic, dict and str operations, a little like a web request's Python); at the
start of a run, before the benchmark loads the machine.
"""

from __future__ import annotations

import platform
import sys
import time
from typing import Any


def _workload() -> int:
    total = 0
    table: dict[str, int] = {}
    for i in range(200_000):
        key = f"k{i % 512}"
        table[key] = table.get(key, 0) + i
        total += len(key) * (i & 7)
    return total + sum(table.values())


def reference_ms(runs: int = 5) -> float:
    """The fastest of ``runs`` runs of the fixed workload, in CPU milliseconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        _workload()
        best = min(best, time.process_time() - start)
    return round(best * 1000, 1)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> dict[str, Any]:
    return {"cpu": _cpu_model(), "python": sys.version.split()[0],
            "python_executable": sys.executable, "reference_ms": reference_ms()}
