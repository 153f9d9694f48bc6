"""One self-contained HTML page of spend: the numbers engines/report.py aggregated, drawn by
plotly.js inlined from the `plotly` Python package (the `html` extra) — no CDN, no request: the
page opens offline. Renders only: every figure on the page was computed before it got here.

Everything that comes from the user's files (model names, paths, projects, sessions, reasons) is
escaped by construction: text goes through `_t` (HTML-escaped, in a <bdi> so right-to-left marks
cannot reorder the page) and data for the charts through `_data` (JSON with <, >, & and the
line separators escaped, inside a non-executed <script type="application/json">). Chart labels
are HTML-escaped too, since plotly reads a few tags in them.
"""

from __future__ import annotations

import html
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from claude_cost.core import clock
from claude_cost.core.errors import InputError
from claude_cost.render.formats import dec, money, pct

#: The x axis of a chart over days (weeks, months): ISO dates as categories, the margin grown to
#: hold them whole (a fixed margin cut 56 rotated labels to "2026-1"), at most ~16 labels shown.
DAYS_AXIS: dict[str, Any] = {"type": "category", "automargin": True, "tickangle": -45, "nticks": 16}


def headline(total: Decimal) -> str:
    """The page's big figure: money to the cent (the exact amount is shown beside it); an amount
    under a cent keeps the digits that make it more than $0.00."""
    return money(total, 2) if total == 0 or abs(total) >= Decimal("0.01") else money(total, 6)

__all__ = ["usage_page", "admin_page", "plotly_js"]

#: Model colours: distinguishable in light and dark mode, and for most colour-blind readers.
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
CLASS_LABELS = {"input": "Input (uncached)", "cache_write_5m": "Cache writes 5m", "cache_write_1h": "Cache writes 1h",
                "cache_read": "Cache reads", "output": "Output", "web_searches": "Web searches"}  # fmt: skip
MAX_MODELS = 9  # beyond these, the rest of the models are one "other" series


def plotly_js() -> str:
    """plotly.min.js as the `plotly` package ships it."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise InputError("--format html needs the plotly package (its chart library is inlined in the page)",
                         hint="pip install 'claude-cost[html]'  (or pip install plotly)")  # fmt: skip
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise InputError(f"the plotly package has no {path.name}", hint="reinstall it: pip install --force-reinstall plotly") from None


def _t(text: Any) -> str:
    """User text, escaped and isolated (bidi)."""
    return f"<bdi>{html.escape(str(text), quote=True)}</bdi>"


def _data(doc: Any) -> str:
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    for a, b in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(a, b)
    return text


def _label(text: str) -> str:
    """A name for a chart (plotly reads <b>, <a href> … in labels: escape them away)."""
    return html.escape(text, quote=False)


def _num(value: Decimal) -> float:
    """A dollar amount for drawing only (the page's figures are the exact strings)."""
    return float(round(value, 9))


CSS = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2330; --muted: #5d6778; --line: #d9dde5; --card: #f5f7fa;
        --accent: #4e79a7; --warn: #9a5b00; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171c; --fg: #e6e9ef; --muted: #9aa4b5; --line: #2c323c; --card: #1c2027; --accent: #8cb4e0; --warn: #f0b35e; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 16px 48px; }
h1 { font-size: 1.35rem; margin: 0 0 2px; } h2 { font-size: 1.05rem; margin: 28px 0 8px; }
.muted { color: var(--muted); } .warn { color: var(--warn); }
.total { font-size: 2.2rem; font-weight: 700; margin: 10px 0 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; margin-top: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card b { display: block; font-size: 1.15rem; }
.chart { width: 100%; height: 360px; } .chart.small { height: 280px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td, bdi { overflow-wrap: anywhere; word-break: break-word; }
td.n, td.n * { overflow-wrap: normal; word-break: keep-all; }
td .range { white-space: normal; font-size: 0.85em; }
@media (max-width: 480px) { td.n { white-space: normal; } th, td { padding: 4px 5px; } }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 18px; }
footer { margin-top: 36px; font-size: 0.85rem; }
@media (max-width: 480px) { body { font-size: 14px; } .total { font-size: 1.8rem; } .chart { height: 300px; } }
@media print { body { background: #fff; color: #000; } .card { break-inside: avoid; } h2 { break-after: avoid; }
  .chart { break-inside: avoid; } }
"""

SCRIPT = """
(function () {
  var doc = JSON.parse(document.getElementById("report-data").textContent);
  var charts = doc.charts || [];
  function theme() {
    var s = getComputedStyle(document.documentElement);
    return { fg: s.getPropertyValue("--fg").trim(), line: s.getPropertyValue("--line").trim() };
  }
  function layout(base) {
    var t = theme();
    var l = Object.assign({ paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font: { color: t.fg, size: 12 },
      margin: { l: 56, r: 16, t: 36, b: 44 }, legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      hoverlabel: { namelength: 60 } }, base);
    l.margin = Object.assign({ l: 56, r: 16, t: 36, b: 44 }, base.margin || {});
    ["xaxis", "yaxis", "yaxis2"].forEach(function (k) { if (l[k]) { l[k].gridcolor = t.line; l[k].zerolinecolor = t.line; } });
    return l;
  }
  var config = { responsive: true, displaylogo: false, displayModeBar: false };
  var drawn = charts.map(function (c) {
    return Plotly.newPlot(document.getElementById(c.id), c.data, layout(c.layout), config);
  });
  Promise.all(drawn).then(function () { document.body.setAttribute("data-drawn", String(performance.now())); });
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      charts.forEach(function (c) { Plotly.relayout(document.getElementById(c.id), layout(c.layout)); });
    });
  }
})();
"""


def _page(title: str, subtitle: str, body: str, charts: list[dict[str, Any]], extra: dict[str, Any]) -> str:
    generated = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    scripts = ""
    if charts:
        scripts = f"<script>{plotly_js()}</script>\n<script>{SCRIPT}</script>"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:\">"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body><main>\n"
        f"<h1>{html.escape(title)}</h1><div class=\"muted\">{subtitle}</div>\n{body}\n"
        f"<footer class=\"muted\">Made by claude-cost on {generated}. Prices from its price table; "
        "amounts are exact, shown rounded (the exact total is above).</footer>\n</main>\n"
        f"<script type=\"application/json\" id=\"report-data\">{_data({'charts': charts, **extra})}</script>\n{scripts}\n</body></html>\n"
    )


def _table(head: list[tuple[str, bool]], rows: list[list[str]]) -> str:
    th = "".join(f"<th class=\"n\">{h}</th>" if n else f"<th>{h}</th>" for h, n in head)
    trs = "".join("<tr>" + "".join(f"<td class=\"n\">{c}</td>" if n else f"<td>{c}</td>" for c, (_, n) in zip(r, head)) + "</tr>" for r in rows)
    return f"<div class=\"scroll\"><table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table></div>"


def _what_if_rows(items: list[Any]) -> list[list[str]]:
    rows = []
    for w in items:
        total = money(w.total, 4)
        share = f" ({pct(abs(w.saving_pct))}%)" if w.saving_pct is not None else ""
        saving = f"{money(w.saving_usd, 4)}{share}" if w.saving_usd >= 0 else f"<span class=\"warn\">costs {money(-w.saving_usd, 4)} more{share}</span>"
        if w.low is not None and w.high is not None:
            total += f"<div class=\"muted range\">{money(w.low, 4)} – {money(w.high, 4)}</div>"
        notes = "; ".join(w.notes)
        rows.append([_t(w.change) + (f"<div class=\"muted\">{_t(notes)}</div>" if notes else ""), total, saving])
    return rows


def usage_page(data: Any, title: str = "Claude API spend") -> str:
    """The report page of `engines.report.report_data`."""
    span = f"{data.first} … {data.last}" if data.first else "no priced traffic"
    body = [f"<div class=\"total\" id=\"total\" data-total-usd=\"{dec(data.total)}\">{headline(data.total)}</div>",
            f"<div class=\"muted\">exact: <span id=\"total-exact\">${dec(data.total)}</span> over {data.requests:,} priced requests, {span}</div>"]  # fmt: skip
    cards = [("Cache reads saved", headline(data.saved_total), "against the same tokens as uncached input")]
    if data.unpriced_count:
        cards.append(("Not priced", f"{data.unpriced_count:,} records", f"{data.unpriced_tokens:,} tokens: see below"))
    if data.not_billed:
        cards.append(("Not billed (Batch)", f"{sum(data.not_billed.values()):,}", ", ".join(f"{n} {k}" for k, n in sorted(data.not_billed.items()))))
    body.append("<div class=\"cards\">" + "".join(f"<div class=\"card\"><span class=\"muted\">{a}</span><b>{b}</b><span class=\"muted\">{_t(c)}</span></div>"
                                                   for a, b, c in cards) + "</div>")  # fmt: skip
    charts: list[dict[str, Any]] = []
    if not data.requests:
        body.append("<h2>Nothing priced</h2><p class=\"warn\">No record in these files could be priced, so there is nothing to draw. "
                    "What could not be priced, and why, is listed below.</p>")  # fmt: skip
    else:
        shown = data.models[:MAX_MODELS]
        series = [(m, data.spend[m]) for m in shown]
        if len(data.models) > MAX_MODELS:
            rest = [sum(vals, Decimal(0)) for vals in zip(*(data.spend[m] for m in data.models[MAX_MODELS:]))]
            series.append(("other models", rest))
        charts.append({"id": "chart-spend", "data": [
            {"type": "bar", "name": _label(name), "x": data.periods, "y": [_num(v) for v in vals],
             "marker": {"color": PALETTE[i % len(PALETTE)]}, "hovertemplate": "%{x}: $%{y:.4f}<extra>%{fullData.name}</extra>"}
            for i, (name, vals) in enumerate(series)],
            "layout": {"barmode": "stack", "yaxis": {"tickprefix": "$", "rangemode": "tozero"}, "xaxis": DAYS_AXIS}})  # fmt: skip
        classes = [(CLASS_LABELS[c], v) for c, v in data.classes.items()]
        charts.append({"id": "chart-classes", "data": [
            {"type": "bar", "orientation": "h", "y": [c for c, _ in classes], "x": [_num(v) for _, v in classes],
             "marker": {"color": "#4e79a7"}, "hovertemplate": "%{y}: $%{x:.4f}<extra></extra>"}],
            "layout": {"xaxis": {"tickprefix": "$", "rangemode": "tozero"}, "yaxis": {"autorange": "reversed"}, "margin": {"l": 120, "t": 10}}})  # fmt: skip
        charts.append({"id": "chart-cache", "data": [
            {"type": "bar", "name": "saved by cache reads", "x": data.periods, "y": [_num(v) for v in data.cache_saved],
             "marker": {"color": "#59a14f"}, "hovertemplate": "%{x}: $%{y:.4f} saved<extra></extra>"},
            {"type": "scatter", "mode": "lines+markers", "name": "cache-read share of input tokens", "x": data.periods, "yaxis": "y2",
             "y": [None if s is None else round(float(s) * 100, 2) for s in data.cache_share], "line": {"color": "#f28e2b"},
             "hovertemplate": "%{x}: %{y:.1f}% of input read from cache<extra></extra>"}],
            "layout": {"xaxis": DAYS_AXIS, "yaxis": {"tickprefix": "$", "rangemode": "tozero"},
                       "yaxis2": {"overlaying": "y", "side": "right", "ticksuffix": "%", "range": [0, 100], "dtick": 25, "showgrid": False}, "margin": {"r": 48}}})  # fmt: skip
        per = {"day": "day", "week": "week (from Monday)", "month": "month"}[data.period]
        body.append(f"<h2>Spend per {per}, by model</h2><div class=\"chart\" id=\"chart-spend\"></div>")
        body.append("<div class=\"grid2\"><div><h2>Cost per class</h2><div class=\"chart small\" id=\"chart-classes\"></div>"
                    + _table([("Class", False), ("Cost", True)], [[CLASS_LABELS[c], money(v, 4)] for c, v in data.classes.items()])
                    + f"</div><div><h2>Cache efficiency per {data.period}</h2><div class=\"chart small\" id=\"chart-cache\"></div></div></div>")  # fmt: skip
        for kind, label, column in (("projects", "Top projects", "Project"), ("sessions", "Top sessions", "Session"), ("files", "Top files", "File")):
            rows = data.tops[kind]
            if rows:
                body.append(f"<h2>{label}</h2>" + _table([(column, False), ("Requests", True), ("Cost", True)],
                                                         [[_t(r.name), f"{r.requests:,}", money(r.total, 4)] for r in rows]))  # fmt: skip
    if data.what_if:
        body.append("<h2>What if</h2><p class=\"muted\">The same recorded traffic priced with one change at a time; a range where "
                    "tokens were converted to another model's tokenizer family, as compare converts input.</p>"
                    + _table([("Change", False), ("Total", True), ("Saving", True)], _what_if_rows(data.what_if)))  # fmt: skip
    if data.unpriced_count:
        body.append(f"<h2 class=\"warn\">Not priced: {data.unpriced_count:,} records, {data.unpriced_tokens:,} tokens</h2>"
                    + _table([("Where", False), ("Why", False), ("Tokens", True)],
                             [[_t(p.location), _t(p.reason), f"{p.tokens:,}"] for p in data.unpriced])
                    + (f"<p class=\"muted\">The first {len(data.unpriced):,} are listed.</p>" if data.unpriced_count > len(data.unpriced) else ""))  # fmt: skip
    if data.notes or data.skipped:
        notes = [_t(n) for n in data.notes] + [_t(f"skipped {n:,} {what}") for what, n in data.skipped.items()]
        body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>")
    return _page(title, f"{span} · prices per claude-cost's table", "\n".join(body), charts, {"total_usd": dec(data.total)})


def admin_page(report: Any) -> str:
    """`claude-cost report --format html`: our pricing of the Admin usage report beside the bill."""
    days = sorted({r.day for r in report.rows})
    labels = [d.isoformat() for d in days]
    at = {d: i for i, d in enumerate(days)}
    models: dict[str, list[Decimal]] = {}
    billed = [Decimal(0)] * len(days)
    for r in report.rows:
        models.setdefault(r.model, [Decimal(0)] * len(days))[at[r.day]] += r.ours
        if r.reported is not None:
            billed[at[r.day]] += r.reported
    order = sorted(models, key=lambda m: (-sum(models[m]), m))
    span = f"{labels[0]} … {labels[-1]}" if labels else "no rows"
    body = [f"<div class=\"total\" id=\"total\" data-total-usd=\"{dec(report.ours_total)}\">{headline(report.ours_total)}</div>",
            f"<div class=\"muted\">our pricing (exact <span id=\"total-exact\">${dec(report.ours_total)}</span>); billed "
            f"{money(report.reported_total)}; difference {money(report.diff_total)}</div>"]  # fmt: skip
    charts: list[dict[str, Any]] = []
    if days:
        data = [{"type": "bar", "name": _label(m), "x": labels, "y": [_num(v) for v in models[m]], "marker": {"color": PALETTE[i % len(PALETTE)]}}
                for i, m in enumerate(order)]  # fmt: skip
        data.append({"type": "scatter", "mode": "lines+markers", "name": "billed (cost report)", "x": labels, "y": [_num(v) for v in billed],
                     "line": {"color": "#e15759"}})  # fmt: skip
        charts.append({"id": "chart-spend", "data": data, "layout": {"barmode": "stack", "yaxis": {"tickprefix": "$"}, "xaxis": DAYS_AXIS}})
        body.append("<h2>Our pricing per day, by model, and the bill</h2><div class=\"chart\" id=\"chart-spend\"></div>")
    rows = [[r.day.isoformat(), _t(r.model), money(r.ours, 4), "—" if r.reported is None else money(r.reported, 4),
             "—" if r.diff is None else money(r.diff, 4)] for r in report.rows]  # fmt: skip
    body.append("<h2>Per day and model</h2>" + _table([("Day", False), ("Model", False), ("Ours", True), ("Billed", True), ("Difference", True)], rows))
    if report.notes or report.unpriced:
        body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_t(n)}</li>" for n in [*report.notes, *(f"not priced: {u}" for u in report.unpriced)]) + "</ul>")
    return _page("Claude API spend: our pricing and the bill", span, "\n".join(body), charts, {"total_usd": dec(report.ours_total)})
