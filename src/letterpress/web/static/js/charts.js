/* Letterpress charts: small SVG charts drawn from data the page already holds.
 *
 * A chart is an element with data-chart="pareto|bar|funnel" and data-source="<id>", the id of a
 * <script type="application/json"> block holding its data (see web/analytics/charts.py), or an
 * <svg data-chart="sparkline" data-values="1 2 3">. Nothing here is inline in the page: the
 * Content-Security-Policy allows scripts from this origin only, so pages carry data and this file
 * draws it on DOMContentLoaded and again when the width changes. Colours come from classes
 * (static/css/analytics.css); the tables beside each chart are the accessible version.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var lang = document.documentElement.lang || "ru";
  var numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  var compactFormat = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
  var percentFormat = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var percentExact = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function label(parent, x, y, content, cls, anchor) {
    var node = el("text", { x: x, y: y, "class": cls || "chart-text", "text-anchor": anchor || "start" }, parent);
    node.textContent = content;
    return node;
  }

  function tip(node, content) {
    el("title", {}, node).textContent = content;
    return node;
  }

  function shorten(content, chars) {
    return content.length > chars ? content.slice(0, Math.max(chars - 1, 1)) + "…" : content;
  }

  function formatter(kind, compact) {
    if (kind === "percent") { return function (v) { return percentExact.format(v); }; }
    return function (v) { return (compact ? compactFormat : numberFormat).format(v); };
  }

  /* A fresh <svg> filling the container's width; the container keeps role="img" and its label. */
  function canvas(container, width, height) {
    while (container.firstChild) { container.removeChild(container.firstChild); }
    return el("svg", {
      "class": "chart__svg", viewBox: "0 0 " + width + " " + height, width: "100%",
      height: height, "aria-hidden": "true", focusable: "false"
    }, container);
  }

  function widthOf(container) {
    return Math.max(Math.floor(container.clientWidth || 0), 280);
  }

  function empty(container, width) {
    var svg = canvas(container, width, 60);
    label(svg, width / 2, 34, container.getAttribute("data-empty") || "—", "chart-text chart-text--muted", "middle");
  }

  /* The Pareto curve: share of customers (x) against cumulative share of the value (y), the
     classes as bands, the thresholds as dashed lines, the even distribution as a diagonal. */
  function pareto(container, data) {
    var width = widthOf(container);
    if (data.empty) { return empty(container, width); }
    var height = Math.round(Math.min(Math.max(width * 0.55, 220), 360));
    var m = { left: 46, right: 14, top: 26, bottom: 42 };
    var w = width - m.left - m.right, h = height - m.top - m.bottom;
    var svg = canvas(container, width, height);
    var plot = el("g", { transform: "translate(" + m.left + "," + m.top + ")" }, svg);
    function x(v) { return v * w; }
    function y(v) { return h - v * h; }

    (data.bands || []).forEach(function (band) {
      var cls = (band.label || "none").toLowerCase();
      var rect = el("rect", {
        x: x(band.from), y: 0, width: Math.max(x(band.to) - x(band.from), 0.5), height: h,
        "class": "band band--" + cls
      }, plot);
      tip(rect, band.label + ": " + numberFormat.format(band.count));
      if (x(band.to) - x(band.from) > 18) {
        label(plot, (x(band.from) + x(band.to)) / 2, h - 8, band.label, "chart-text chart-text--band", "middle");
      }
    });
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      el("line", { x1: 0, x2: w, y1: y(v), y2: y(v), "class": "grid" }, plot);
      label(plot, -6, y(v) + 4, percentFormat.format(v), "chart-text chart-text--axis", "end");
    });
    [0, 0.2, 0.4, 0.6, 0.8, 1].forEach(function (v) {
      el("line", { x1: x(v), x2: x(v), y1: h, y2: h + 4, "class": "axis" }, plot);
      label(plot, x(v), h + 16, percentFormat.format(v), "chart-text chart-text--axis", "middle");
    });
    (data.thresholds || []).forEach(function (v) {
      tip(el("line", { x1: 0, x2: w, y1: y(v), y2: y(v), "class": "threshold" }, plot), percentFormat.format(v));
    });
    el("line", { x1: x(0), y1: y(0), x2: x(1), y2: y(1), "class": "reference" }, plot);
    el("line", { x1: 0, x2: w, y1: h, y2: h, "class": "axis" }, plot);
    el("line", { x1: 0, x2: 0, y1: 0, y2: h, "class": "axis" }, plot);

    var points = data.points || [];
    var d = points.map(function (p, i) {
      return (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1);
    }).join(" ");
    var area = d + " L" + x(points[points.length - 1][0]).toFixed(1) + " " + h + " L0 " + h + " Z";
    el("path", { d: area, "class": "curve-area" }, plot);
    el("path", { d: d, "class": "curve" }, plot);
    /* Hover targets on a few points: "20 % of customers give 80 % of the value". */
    var step = Math.max(1, Math.floor(points.length / 20));
    points.forEach(function (p, i) {
      if (i === 0 || (i % step && i !== points.length - 1)) { return; }
      tip(el("circle", { cx: x(p[0]), cy: y(p[1]), r: 3, "class": "curve-point" }, plot),
          percentExact.format(p[0]) + " → " + percentExact.format(p[1]));
    });
    label(svg, m.left + w / 2, height - 6, data.xLabel || "", "chart-text chart-text--title", "middle");
    label(svg, 4, 13, data.yLabel || "", "chart-text chart-text--title", "start");
  }

  /* Horizontal bars with the label on the left and the value at the bar's end. */
  function bar(container, data) {
    var width = widthOf(container);
    var bars = data.bars || [];
    if (data.empty || !bars.length) { return empty(container, width); }
    var row = 28, gap = 8;
    var labelWidth = Math.min(Math.round(width * 0.38), 200);
    var valueWidth = 64;
    var height = bars.length * (row + gap) + gap;
    var svg = canvas(container, width, height);
    var max = Math.max.apply(null, bars.map(function (b) { return Math.abs(b.value); })) || 1;
    var span = width - labelWidth - valueWidth - 8;
    var compact = formatter(data.format, true), exact = formatter(data.format, false);
    bars.forEach(function (b, i) {
      var top = gap + i * (row + gap);
      var length = Math.max(span * Math.abs(b.value) / max, b.value ? 2 : 0);
      label(svg, labelWidth - 8, top + row / 2 + 4, shorten(String(b.label), Math.floor(labelWidth / 7.5)),
            "chart-text", "end");
      var path = "M" + labelWidth + " " + top + " h" + length.toFixed(1) + " v" + row + " h" + (-length).toFixed(1) + " Z";
      tip(el("path", { d: path, "class": "bar bar--" + (b.tone || "a") + (b.value < 0 ? " bar--negative" : "") }, svg),
          b.label + ": " + exact(b.value));
      label(svg, labelWidth + length + 6, top + row / 2 + 4, compact(b.value), "chart-text chart-text--value", "start");
    });
  }

  /* The customer funnel: one centred band per stage, its width the stage's share of the largest. */
  function funnel(container, data) {
    var width = widthOf(container);
    var steps = data.steps || [];
    if (data.empty || !steps.length) { return empty(container, width); }
    // On a phone the stage names go above their bands, at full width, rather than being cut.
    var narrow = width < 480;
    var row = 34, gap = 6, caption = narrow ? 18 : 0;
    var labelWidth = narrow ? 0 : Math.min(Math.round(width * 0.36), 190);
    var height = steps.length * (row + gap + caption) + gap;
    var svg = canvas(container, width, height);
    var max = Math.max.apply(null, steps.map(function (s) { return s.value; })) || 1;
    var span = width - labelWidth - 8, middle = labelWidth + span / 2;
    var total = steps.reduce(function (sum, s) { return sum + s.value; }, 0) || 1;
    steps.forEach(function (s, i) {
      var top = gap + caption + i * (row + gap + caption);
      var half = Math.max(span * s.value / max, s.value ? 3 : 0) / 2;
      var next = steps[i + 1] ? Math.max(span * steps[i + 1].value / max, 3) / 2 : half;
      var inset = Math.min(Math.max(half - next, 0), half) * 0.35;
      var d = "M" + (middle - half).toFixed(1) + " " + top + " H" + (middle + half).toFixed(1) +
        " L" + (middle + half - inset).toFixed(1) + " " + (top + row) +
        " H" + (middle - half + inset).toFixed(1) + " Z";
      tip(el("path", { d: d, "class": "funnel-step funnel-step--" + (s.tone || "a") }, svg),
          s.label + ": " + numberFormat.format(s.value) + " (" + percentExact.format(s.value / total) + ")");
      if (narrow) {
        label(svg, 4, top - 5, shorten(String(s.label), Math.floor(width / 7)), "chart-text", "start");
      } else {
        label(svg, labelWidth - 8, top + row / 2 + 4, shorten(String(s.label), Math.floor(labelWidth / 7.5)), "chart-text", "end");
      }
      label(svg, middle, top + row / 2 + 5, numberFormat.format(s.value), "chart-text chart-text--on-bar", "middle");
    });
  }

  /* A sparkline into an existing <svg viewBox="0 0 100 24" data-values="...">. */
  function sparkline(svg) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var values = (svg.getAttribute("data-values") || "").trim().split(/\s+/).map(Number)
      .filter(function (v) { return isFinite(v); });
    if (!values.length) { return; }
    var box = (svg.getAttribute("viewBox") || "0 0 100 24").split(/\s+/).map(Number);
    var w = box[2], h = box[3], pad = 2;
    var lo = Math.min(0, Math.min.apply(null, values)), hi = Math.max.apply(null, values);
    var range = hi - lo || 1;
    var stepX = values.length > 1 ? w / (values.length - 1) : 0;
    var points = values.map(function (v, i) {
      return [values.length > 1 ? i * stepX : w / 2, h - pad - (v - lo) / range * (h - 2 * pad)];
    });
    var d = points.map(function (p, i) { return (i ? "L" : "M") + p[0].toFixed(2) + " " + p[1].toFixed(2); }).join(" ");
    el("path", { d: d + " L" + points[points.length - 1][0].toFixed(2) + " " + h + " L" + points[0][0].toFixed(2) + " " + h + " Z",
                 "class": "spark-area" }, svg);
    el("path", { d: d, "class": "spark-line", "vector-effect": "non-scaling-stroke" }, svg);
  }

  var DRAW = { pareto: pareto, bar: bar, funnel: funnel };

  function draw(node) {
    var kind = node.getAttribute("data-chart");
    if (kind === "sparkline") { return sparkline(node); }
    var source = document.getElementById(node.getAttribute("data-source") || "");
    if (!DRAW[kind] || !source) { return; }
    var data;
    try {
      data = JSON.parse(source.textContent || "{}");
    } catch (error) {
      return;  /* the table beside the chart still says it all */
    }
    DRAW[kind](node, data);
    node.setAttribute("data-drawn", String(widthOf(node)));
  }

  function drawAll(onlyResized) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (node) {
      if (onlyResized && (node.getAttribute("data-chart") === "sparkline" ||
                          node.getAttribute("data-drawn") === String(widthOf(node)))) {
        return;
      }
      draw(node);
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () { pending = null; drawAll(true); }, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(false); });
  } else {
    drawAll(false);
  }
  window.LetterpressCharts = { draw: drawAll };
}());
