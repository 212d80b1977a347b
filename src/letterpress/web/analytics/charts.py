"""The data each chart is drawn from, shaped from report rows the page already holds.

Every function returns plain JSON-ready values; ``static/js/charts.js`` draws them into SVG in
the browser, and the page's tables stay the accessible fallback. Labels come translated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

MAX_POINTS = 200


def pareto(rows: Sequence[dict[str, Any]], thresholds: tuple[float, float], *,
           x_label: str, y_label: str) -> dict[str, Any]:
    """The Pareto curve of the rows as ranked (largest first): share of customers (x) against
    the cumulative share of the value (y), with the extent of each class along x.

    Computed over the rows shown, so a manager sees the curve of their own customers; the classes
    (and thus the bands) are the company's. At most :data:`MAX_POINTS` points are sent.
    """
    values = [max(float(r.get("value") or 0), 0.0) for r in rows]
    n, total = len(values), sum(values)
    points: list[list[float]] = [[0.0, 0.0]]
    bands: list[dict[str, Any]] = []
    step = max(1, n // MAX_POINTS)
    running = 0.0
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        running += value
        if (i + 1) % step == 0 or i == n - 1:
            points.append([round((i + 1) / n, 5), round(running / total, 5) if total else 0.0])
        klass = row.get("class") or ""
        if bands and bands[-1]["label"] == klass:
            bands[-1]["to"] = round((i + 1) / n, 5)
            bands[-1]["count"] += 1
        else:
            bands.append({"label": klass, "from": round(i / n, 5), "to": round((i + 1) / n, 5),
                          "count": 1})
    return {"points": points, "bands": bands,
            "thresholds": [thresholds[0] / 100, thresholds[1] / 100],
            "xLabel": x_label, "yLabel": y_label, "empty": n == 0}


def bars(items: Iterable[tuple[str, float | int | None, str]], *, fmt: str = "number",
         ) -> dict[str, Any]:
    """Horizontal bars: (label, value, tone) each; ``fmt`` is number, money or percent."""
    data = [{"label": label, "value": float(value or 0), "tone": tone}
            for label, value, tone in items]
    return {"bars": data, "format": fmt, "empty": not any(d["value"] for d in data)}


def funnel(steps: Iterable[tuple[str, int, str]]) -> dict[str, Any]:
    data = [{"label": label, "value": int(value), "tone": tone} for label, value, tone in steps]
    return {"steps": data, "empty": not any(d["value"] for d in data)}


def sparkline(values: Sequence[float]) -> str:
    """The values for a ``data-values`` attribute."""
    return " ".join(f"{v:.2f}".rstrip("0").rstrip(".") or "0" for v in values)
