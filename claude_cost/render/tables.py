"""Terminal renderers: estimates and the price table as rich tables. Never compute prices."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from rich import box as rbox
from rich.console import Group
from rich.markup import escape
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from claude_cost.core.models import Estimate, ModelPrice, PriceTable
from claude_cost.render.fit import SECTION, Col, FitTable
from claude_cost.render.formats import (
    check_total_text,
    dec,
    history_span,
    money,
    qty,
    rate,
    shown,
    source_text,
)

__all__ = ["estimate_table", "prices_table", "model_detail", "progress_bar", "Shown"]


class Shown:
    """A renderable printed with what a terminal would act on (an escape sequence in a file
    name, a bidirectional override in a model name) written as escapes: every table and line
    passes through it on the way to the terminal. Rich's own styling is not in the text."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Segment]:
        for seg in console.render(self.inner, options):
            yield seg if seg.control else Segment(shown(seg.text), seg.style)


@contextmanager
def progress_bar(total: int, console: Any) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on `console` (stderr) for a long run; yields the `progress(done, total)`
    callback, safe to call from worker threads. The bar is removed when the run ends."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("estimating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("estimating", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def estimate_table(est: Estimate) -> Group:
    """The itemized rich table of one estimate, with header facts and notes."""
    sc = est.scenario
    scenario = [f"price date {sc.day.isoformat()}"]
    if sc.batch:
        scenario.append("batch")
    if sc.geo:
        scenario.append(f"inference_geo {sc.geo}")
    if sc.speed == "fast":
        scenario.append("fast mode")
    if sc.platform != "api":
        scenario.append(f"{sc.platform} {sc.endpoint} endpoint")
    if est.requests > 1 or est.per:
        scenario.append(f"{est.requests:,} request{'s' if est.requests > 1 else ''}" + (f" per {est.per}" if est.per else ""))
    header = Text.assemble((est.model.name, "bold"), f" ({est.model.id})\n", f"tokens: {source_text(est)}\n", " · ".join(scenario))
    rows: list[Any] = []
    for line in est.breakdown.lines:
        amount = ("≤ " if line.item == "output" and est.output_upper_bound else "") + qty(line)
        rows.append([escape(line.label), amount, escape(rate(line)), money(line.usd)])
    rows.append(SECTION)
    label = "Total (upper bound)" if est.output_upper_bound else "Total"
    rows.append([Text(label, style="bold"), "", "", Text(money(est.breakdown.total), style="bold")])
    if est.low is not None and est.high is not None:
        tokens = f"{est.prompt.low:,}–{est.prompt.high:,}" if not est.prompt.exact else ""
        rows.append(["Estimate range", tokens, "", f"{money(est.low.total)}–{money(est.high.total)}"])
    from claude_cost.render.formats import band_text

    band = band_text(est)
    if band is not None:
        rows.append(["Workload p5–p95", f"{est.output_band[0]:,}–{est.output_band[1]:,}", "",  # type: ignore[index]
                     f"{money(est.output_band[2])}–{money(est.output_band[3])}"])  # type: ignore[index]
    from claude_cost.render.formats import projection_rows

    projected = projection_rows(est)
    if projected:
        rows.append(SECTION)
        rows += [[label.capitalize(), "", "", amount] for label, amount in projected]
    cols = [Col("Item", "left", fold=True), Col("Tokens", priority=1), Col("Rate", priority=2), Col("Cost")]
    table = FitTable(cols, rows, box=rbox.HEAVY_HEAD, pad_edge=True)
    footer = [Text(f"applied: {rule}", style="dim") for rule in est.breakdown.applied]
    footer += [Text(f"note: {note}", style="yellow") for note in est.notes]
    return Group(header, table, *footer)


def _opt(value: Any) -> str:
    return "—" if value is None else (f"{value:,}" if isinstance(value, int) else str(value))


def prices_table(models: list[ModelPrice], as_of: date, day: date) -> Group:
    """Every model (as on `day`: history applied): input, output, cache writes, cache read, batch, context."""
    cols = [Col("Model", "left"), Col("Input"), Col("Output"), Col("5m write", priority=2), Col("1h write", priority=3),
            Col("Read", priority=1), Col("Batch in/out", priority=4), Col("Context", priority=5)]  # fmt: skip
    rows = []
    for m in models:
        r = m.rates
        name = m.id + (" †" if m.is_retired(day) else "")
        rows.append([escape(name), dec(r.input), dec(r.output), dec(r.cache_write_5m), dec(r.cache_write_1h), dec(r.cache_read),
                     f"{dec(m.batch_input)}/{dec(m.batch_output)}", _tokens_short(m.context_window)])  # fmt: skip
    title = f"USD per million tokens, as on {day.isoformat()} (table as of {as_of})"
    return Group(FitTable(cols, rows, title=title), Text("† retired on that date", style="dim"))


def budget_table(st: Any) -> Table:
    """`budget status`: the window's figures (formats.budget_rows)."""
    from claude_cost.render.formats import budget_rows, budget_title

    out = Table(title=escape(budget_title(st)), show_header=False, title_justify="left", box=rbox.SIMPLE)
    out.add_column("what")
    out.add_column("value", justify="right")
    for label, value in budget_rows(st):
        out.add_row(label, value)
    return out


def _tokens_short(n: int | None) -> str:
    if n is None:
        return "—"
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}K" if n % 1000 == 0 else f"{n:,}"


def model_detail(m: ModelPrice, table: PriceTable, day: date) -> Table:
    """One model (as on `day`: history applied) with every rule: rates, batch, tiers, fast mode,
    residency, limits, history."""
    out = Table(title=f"{m.name} ({m.id}) — as on {day.isoformat()}", show_header=False, title_justify="left")
    out.add_column("key")
    out.add_column("value")
    r = m.rates

    def row(k: str, v: Any) -> None:
        out.add_row(k, escape(str(v)))

    row("aliases", ", ".join(m.aliases) or "—")
    row("input / output", f"${dec(r.input)} / ${dec(r.output)} per MTok")
    row("cache write 5m / 1h", f"${dec(r.cache_write_5m)} / ${dec(r.cache_write_1h)} per MTok")
    row("cache read", f"${dec(r.cache_read)} per MTok ({dec(r.cache_read / r.input) if r.input else '—'}x input)")
    row("batch input / output", f"${dec(m.batch_input)} / ${dec(m.batch_output)} per MTok")
    row("context window", _opt(m.context_window))
    row("min cacheable prompt", _opt(m.min_cacheable))
    row("tokenizer", m.tokenizer or "unknown")
    row("tool-use system prompt", f"auto/none {_opt(m.tool_prompt_auto)}, any/tool {_opt(m.tool_prompt_any)}")
    row("inference_geo \"us\"", f"accepted, x{dec(table.fees.us_residency_multiplier)}" if m.us_residency else "rejected (400)")
    row("regional endpoint premium", f"x{dec(table.fees.regional_endpoint_multiplier)} on Bedrock / Google Cloud" if m.regional_premium else "none")
    for p in m.fast:
        span = f"{p.start or '…'} → {p.until or 'now'}"
        row("fast mode", f"${dec(p.input)} / ${dec(p.output)} per MTok ({span})")
    if not m.fast:
        row("fast mode", "not available")
    for t in m.long_context:
        span = f"{t.start or '…'} → {t.until or 'now'}"
        row(f"> {t.threshold:,} input tokens", f"${dec(t.rates.input)} / ${dec(t.rates.output)}, read ${dec(t.rates.cache_read)} ({span})")
    for h in m.history:  # the effective model keeps the full history
        row(f"before {h.until}", ", ".join(f"{k}={v}" for k, v in h.values.items() if k != "rates") or "rates changed")
    if m.deprecated:
        row("deprecated", m.deprecated if m.deprecated is not True else "yes")
    if m.retired:
        row("retired", m.retired)
    row("source", m.source or "—")
    return out


def compare_table(cmp: Any, what_ifs: list[Any]) -> Group:
    """Models sorted by total, each cost class, difference from the baseline and a bar."""
    from claude_cost.render.formats import (
        COST_COLUMNS,
        diff_text,
        row_costs,
        tokens_text,
    )

    priced = [r for r in cmp.rows if r.estimate is not None]
    top = max((r.estimate.breakdown.total for r in priced), default=Decimal(0))
    labels = {"input": "Input", "cache_write_5m": "5m write", "cache_write_1h": "1h write", "cache_read": "Read", "output": "Output", "other": "Other"}
    used = [c for c in COST_COLUMNS if any(row_costs(r.estimate)[c] for r in priced)] or ["input", "output"]
    cols = [Col("Model", "left"), Col("Input tokens", priority=2), *[Col(labels[c], priority=3) for c in used],
            Col("Total"), Col("vs baseline"), Col("", "left", priority=5, label="bar")]  # fmt: skip
    rows: list[Any] = []
    unpriced = []
    for r in cmp.rows:
        name = r.model.id + (" *" if r is cmp.baseline else "")
        if r.estimate is None:
            rows.append([escape(name), "", *[""] * len(used), "—", "not priced", ""])
            unpriced.append(Text(f"not priced: {r.model.id}: {r.reason}", style="yellow"))
            continue
        costs = row_costs(r.estimate)
        width = int(12 * r.estimate.breakdown.total / top) if top else 0
        rows.append([
            escape(name), tokens_text(r.estimate), *[money(costs[c], 5) for c in used],
            Text(money(r.estimate.breakdown.total, 5), style="bold"), diff_text(r, cmp.baseline, 5), "█" * max(width, 1),
        ])  # fmt: skip
    table = FitTable(cols, rows)
    methods = sorted({r.estimate.method for r in priced if r.estimate.token_source == "converted"})
    parts: list[Any] = [table, Text("* baseline", style="dim"), *unpriced]
    parts += [Text(f"≈ tokens {m}", style="dim") for m in methods]
    if what_ifs:
        parts.append(Text(f"What if ({cmp.baseline.model.id}):", style="bold"))
        for w in what_ifs:
            parts.append(Text(f"  {w.change}: {money(w.total)}, saves {money(w.saving_usd)} ({w.saving_pct.quantize(Decimal('0.1'))}%)"))
    return Group(*parts)


def usage_table(summary: Any, show_logged: bool = False, what_ifs: list[Any] | None = None) -> Group:
    """Priced usage per group: requests, cost per class, total, and a bar per period when grouped
    by day, hour or month; then what was not billed or priced."""
    from claude_cost.render.formats import USAGE_COSTS

    labels = {"input": "Input", "cache_write_5m": "5m write", "cache_write_1h": "1h write", "cache_read": "Read", "output": "Output", "web_searches": "Web search"}
    used = [c for c in USAGE_COSTS if any(g.costs.get(c) for g in summary.groups)] or ["input", "output"]
    keys = list(summary.fields)
    chart = any(k in ("day", "hour", "month") for k in keys)
    top = max((g.total for g in summary.groups), default=Decimal(0))
    cols = [*[Col(k.capitalize(), "left") for k in keys], Col("Requests", priority=2), *[Col(labels[c], priority=3) for c in used], Col("Total"),
            *([Col("Logged cost", priority=1)] if show_logged else []), *([Col("", "left", priority=4, label="bar")] if chart else [])]  # fmt: skip
    rows = []
    for g in summary.groups:
        logged = ["—" if g.logged is None else money(g.logged, 4)] if show_logged else []
        bar = ["█" * max(int(24 * g.total / top), 1) if top and g.total else ""] if chart else []
        rows.append([*[escape(k) for k in g.key], f"{g.requests:,}", *[money(g.cost(c), 4) for c in used], Text(money(g.total, 4), style="bold"), *logged, *bar])
    table = FitTable(cols, rows)
    parts: list[Any] = [table, Text(f"Total: {money(summary.total)} over {summary.requests:,} requests", style="bold")]
    if summary.not_billed:
        parts.append(Text("not billed (batch): " + ", ".join(f"{n} {k}" for k, n in sorted(summary.not_billed.items())), style="dim"))
    if summary.problem_count:
        parts.append(Text(f"{summary.problem_count} record(s) could not be priced:", style="yellow"))
        parts += [Text(f"  {p.location}: {p.reason}", style="yellow") for p in summary.problems[:20]]
        if summary.problem_count > 20:
            parts.append(Text(f"  … and {summary.problem_count - 20} more (--json lists up to 200)", style="yellow"))
    parts += [Text(f"note: {n}", style="dim") for n in summary.notes]
    if what_ifs:
        parts.append(what_if_table(what_ifs))
    return Group(*parts)


def what_if_table(items: list[Any]) -> Any:
    """What the same recorded traffic would have cost with one change at a time."""
    from claude_cost.render.formats import pct

    cols = [Col("What if", "left", fold=True), Col("Total"), Col("Range", priority=2), Col("Saving"), Col("%", priority=1)]
    rows = []
    for w in items:
        rng = f"{money(w.low, 4)}–{money(w.high, 4)}" if w.low is not None and w.high is not None else ""
        saving = money(w.saving_usd, 4) if w.saving_usd >= 0 else "+" + money(-w.saving_usd, 4) + " more"
        rows.append([escape(w.change) + "".join(f"\n  {escape(n)}" for n in w.notes), money(w.total, 4), rng, saving,
                     "" if w.saving_pct is None else f"{pct(w.saving_pct)}%"])  # fmt: skip
    table = FitTable(cols, rows, title="What if (the same recorded traffic, one change at a time)")
    if any(w.low is not None for w in items):
        return Group(table, Text("range: tokens converted to the other model's tokenizer family, as compare converts input", style="dim"))
    return table


def report_table(report: Any) -> Group:
    """Our pricing next to the billed cost, per day and model."""
    cols = [Col("Day", "left"), Col("Model", "left", fold=True), Col("Our pricing"), Col("Billed"), Col("Difference")]
    rows: list[Any] = []
    for r in report.rows:
        diff = "—" if r.diff is None else money(r.diff, 4)
        style = "yellow" if r.far_off else ""
        rows.append([str(r.day), escape(r.model), money(r.ours, 4), "—" if r.reported is None else money(r.reported, 4), Text(diff, style=style)])
    rows += [SECTION, ["Total", "", money(report.ours_total, 4), money(report.reported_total, 4), money(report.diff_total, 4)]]
    table = FitTable(cols, rows)
    parts: list[Any] = [table]
    parts += [Text(f"note: {n}", style="dim") for n in report.notes]
    parts += [Text(f"not priced: {u}", style="yellow") for u in report.unpriced]
    return Group(*parts)


def many_table(run: Any) -> Group:
    """One row per request (file:line or custom_id) and the total."""
    from claude_cost.render.formats import tokens_text

    cols = [Col("Request", "left", fold=True), Col("Model", "left", priority=1), Col("Input tokens", priority=2),
            Col("Output", priority=3), Col("Total")]  # fmt: skip
    rows: list[Any] = []
    for i in run.items:
        e = i.estimate
        if e is None:
            rows.append([escape(i.location), "", "", "", Text("error", style="red")])
            continue
        out = ("≤ " if e.output_upper_bound else "") + f"{e.output_tokens:,}"
        batch = " (batch)" if e.scenario.batch else ""
        rows.append([escape(i.location), escape(e.model.id + batch), tokens_text(e), out, money(e.breakdown.total)])
    total = money(run.total) + (f" (up to {money(run.total_high)})" if run.total_high is not None and run.total_high != run.total else "")
    rows += [SECTION, [Text(f"Total ({len(run.items) - len(run.errors):,} requests)", style="bold"), "", "", "", Text(total, style="bold")]]
    table = FitTable(cols, rows)
    parts: list[Any] = [table]
    if run.api_calls or run.cache_hits:
        parts.append(Text(f"count_tokens: {run.api_calls:,} calls, {run.cache_hits:,} from the cache", style="dim"))
    return Group(*parts)


def diff_table(d: Any) -> FitTable:
    from claude_cost.render.formats import pct

    title = f"{d.base_label} → {d.new_label} ({d.new.model.id}; input {d.base.prompt.tokens:,} → {d.new.prompt.tokens:,})"
    cols = [Col("Item", "left", fold=True), Col("Before", priority=1), Col("After", priority=1), Col("Change"), Col("%", priority=2)]
    rows: list[Any] = []
    for r in [*d.rows, d.total]:
        if r.item == "total":
            rows.append(SECTION)
        style = "red" if r.change > 0 else "green" if r.change < 0 else ""
        sign = "+" if r.change > 0 else "-" if r.change < 0 else ""
        rows.append([r.label, money(r.before), money(r.after), Text(sign + money(abs(r.change)), style=style),
                     (pct(r.pct) or "—") + ("%" if r.pct is not None else "")])  # fmt: skip
    return FitTable(cols, rows, title=title)


def repo_diff_table(d: Any) -> Group:
    """One row per changed, added or removed payload, and the total."""
    from claude_cost.render.formats import pct, repo_diff_summary

    cols = [Col("Payload", "left", fold=True), Col("Status", "left", priority=2), Col("Before", priority=1), Col("After", priority=1),
            Col("Change"), Col("%", priority=3)]  # fmt: skip
    rows: list[Any] = []
    for f in [*d.shown, None]:
        if f is None:
            rows.append(SECTION)
            change, p, label, status, before, after = d.change, d.pct, "Total", "", d.before_usd, d.after_usd
        else:
            change, p, label, status, before, after = f.change, f.pct, escape(f.path), f.status, f.before_usd, f.after_usd
        style = "red" if change > 0 else "green" if change < 0 else ""
        sign = "+" if change > 0 else "-" if change < 0 else ""
        shown_after = Text("error", style="red") if f is not None and f.error else money(after)
        rows.append([label, status, money(before), shown_after, Text(sign + money(abs(change)), style=style), (pct(p) + "%") if p is not None else "—"])
    parts: list[Any] = [Text(repo_diff_summary(d), style="bold"), FitTable(cols, rows)]
    if d.unchanged:
        parts.append(Text(f"{d.unchanged} payload(s) unchanged", style="dim"))
    return Group(*parts)


def check_table(doc: dict[str, Any]) -> Group:
    cols = [Col("Budget", "left", fold=True), Col("Requests", priority=2), Col("Total"), Col("Largest request", priority=1),
            Col("Limit", priority=3), Col("Status", "left")]  # fmt: skip
    rows = []
    for r in doc["budgets"]:
        limit = " / ".join(x for x in (f"total ${r['budget_total_usd']}" if r["budget_total_usd"] else "",
                                       f"per request ${r['budget_per_request_usd']}" if r["budget_per_request_usd"] else "") if x)  # fmt: skip
        status = Text("ok", style="green") if r["ok"] and not r["errors"] else Text("errors" if r["errors"] else "over budget", style="red")
        rows.append([escape(r["name"]), str(r["requests"]), check_total_text(r), f"${r['max_request_usd'] or '0'}", limit, status])
    return Group(FitTable(cols, rows), *[Text(f"  {b}", style="red") for r in doc["budgets"] for b in r["broken"]])


def history_table(gathered: Any) -> Group:
    """Output tokens per call, per model: percentiles, mean, max, and how often max_tokens stopped it."""
    from claude_cost.render.formats import history_json, stop_text

    doc = history_json(gathered)
    cols = [Col("Model", "left"), Col("Calls", priority=1), Col("p10", priority=3), Col("p50"), Col("p90"), Col("p95", priority=2),
            Col("p99", priority=2), Col("Mean", priority=1), Col("Max", priority=3), Col("Stopped at max", priority=2)]  # fmt: skip
    rows = []
    for m in doc["models"]:
        s = m["output_tokens"]
        rows.append([escape(m["model"]), f"{m['calls']:,}", *[f"{s[k]:,}" for k in ("p10", "p50", "p90", "p95", "p99")],
                     f"{s['mean']:,.1f}", f"{s['max']:,}", stop_text(m["stopped_at_max_tokens"])])  # fmt: skip
    parts: list[Any] = [FitTable(cols, rows, title=f"Output tokens per call, {history_span(doc)}")]
    if not rows:
        parts.append(Text("no recorded calls with output counts", style="yellow"))
    if doc["unread_count"]:
        parts.append(Text(f"{doc['unread_count']} record(s) left out:", style="yellow"))
        parts += [Text(f"  {u['location']}: {u['reason']}", style="yellow") for u in doc["unread"][:10]]  # Text: no markup to escape
    return Group(*parts)


def backtest_table(bt: Any) -> Group:
    """Per model: how often the learned p90 covered the actual output, and the p50 cost error."""
    from claude_cost.render.formats import backtest_json

    doc = backtest_json(bt)
    cols = [Col("Model", "left"), Col("Learned from", priority=1), Col("Tested on", priority=1), Col("p50", priority=2),
            Col("p90", priority=2), Col("p90 covered"), Col("p50 cost error (median)")]  # fmt: skip
    pct = lambda v: "—" if v is None else f"{v * 100:.1f}%"  # noqa: E731
    rows = [[escape(r["model"]), f"{r['train_calls']:,}", f"{r['test_calls']:,}", "—" if r["p50"] is None else f"{r['p50']:,}",
             "—" if r["p90"] is None else f"{r['p90']:,}", pct(r["p90_covered"]), pct(r["p50_cost_error_median"])] for r in doc["models"]]  # fmt: skip
    if doc["all"]:
        a = doc["all"]
        rows += [SECTION, ["all", f"{a['train_calls']:,}", f"{a['test_calls']:,}", "", "", pct(a["p90_covered"]), pct(a["p50_cost_error_median"])]]
    title = f"Backtest: learned from the calls up to {(doc['split_at'] or '?')[:16]} (80%), tested on the later 20%"
    parts: list[Any] = [FitTable(cols, rows, title=title)]
    if doc["untimed"]:
        parts.append(Text(f"{doc['untimed']} record(s) without a time left out", style="dim"))
    return Group(*parts)
