"""Machine renderers: estimates → JSON-ready dicts, CSV and Markdown (no rich: kept light for pipes).

Renderers never compute prices; they only round and format what the core produced.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from claude_cost.core.models import CostLine, Estimate

__all__ = ["SCHEMA_VERSION", "shown", "money", "dec", "qty", "rate", "source_text", "estimate_json", "estimate_csv", "estimate_markdown"]

SCHEMA_VERSION = 1

#: What a terminal would act on rather than show: C0 controls but tab and newline, DEL, C1
#: controls (ESC starts colour, cursor and title sequences), and the bidirectional overrides
#: and isolates that make text read in another order than it is stored.
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """`text` safe for a terminal: what a file name, model name or message from the user's data
    could use to move the cursor, recolour or rewrite the screen, or reorder a line is written
    as an escape (`\\x1b`, `\\u202e`) instead. Machine formats keep the text as it is."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSHOWN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def md(text: object) -> str:
    """Text from the user's data (a file, model, budget or location name) as one Markdown
    table cell: a `|` or a line break would end the cell or the row, `<` would open HTML in a
    pull-request comment, `*_[]` and a backslash would format it."""
    out = shown(str(text)).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    out = out.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "|*_[]`":
        out = out.replace(ch, "\\" + ch)
    return out


def md_code(text: object) -> str:
    """Text as an inline code span in a Markdown table cell: fenced by more backticks than it
    holds, its `|` escaped (GFM splits cells before it reads code spans), lines joined."""
    out = shown(str(text)).replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", out)), default=0) + 1)
    pad = " " if out.startswith("`") or out.endswith("`") else ""
    return f"{fence}{pad}{out}{pad}{fence}"


def dec(value: Decimal) -> str:
    """An exact decimal as a plain string (no exponent, no trailing zeros)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def money(value: Decimal, places: int = 6) -> str:
    """Dollars for display: at least cents, at most `places` decimals (rounded half up)."""
    with localcontext() as ctx:  # enough digits for any amount: quantize never overflows
        ctx.prec = max(28, value.adjusted() + places + 3)
        q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, frac = format(abs(q), "f").split(".")
    return f"{sign}${int(whole):,}.{frac.rstrip('0').ljust(2, '0')}"


def qty(line: CostLine) -> str:
    if line.unit == "MTok":
        return f"{int(line.quantity):,}"
    if line.unit == "1K searches":
        return f"{int(line.quantity):,} searches"
    return f"{dec(line.quantity)} h"


def rate(line: CostLine) -> str:
    return f"${dec(line.rate)} / {line.unit}"


def _line_json(line: CostLine) -> dict[str, Any]:
    token = line.unit == "MTok"
    return {
        "item": line.item,
        "label": line.label,
        "tokens": int(line.quantity) if token else None,
        "quantity": dec(line.quantity),
        "unit": line.unit,
        "rate_usd": dec(line.rate),
        "usd": dec(line.usd),
    }


def estimate_json(est: Estimate) -> dict[str, Any]:
    """The JSON document of one estimate (schema documented in README.md)."""
    sc = est.scenario
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "model": est.model.id,
        "model_name": est.model.name,
        "token_source": est.token_source,
        "count_method": est.count_method,
        "method": est.method,
        "price_date": sc.day.isoformat(),
        "scenario": {
            "batch": sc.batch,
            "inference_geo": sc.geo,
            "speed": sc.speed,
            "platform": sc.platform,
            "endpoint": sc.endpoint,
        },
        "requests": est.requests,
        "prompt_tokens": est.prompt.tokens,
        "output_tokens": est.output_tokens,
        "output_tokens_upper_bound": est.output_upper_bound,
        "output_basis": basis_json(est),
        "price_table": table_json(est.price_table),
        "lines": [_line_json(line) for line in est.breakdown.lines],
        "total_usd": dec(est.breakdown.total),
        "applied": list(est.breakdown.applied),
        "notes": list(est.notes),
        "not_countable": list(est.left_out),
    }
    if est.low is not None and est.high is not None:
        doc["prompt_tokens_low"] = est.prompt.low
        doc["prompt_tokens_high"] = est.prompt.high
        doc["total_usd_low"] = dec(est.low.total)
        doc["total_usd_high"] = dec(est.high.total)
    if est.output_band is not None:
        lo, hi, usd_lo, usd_hi = est.output_band
        doc["output_band"] = {"calls": est.requests, "output_tokens_p5": lo, "output_tokens_p95": hi,
                              "total_usd_p5": dec(usd_lo), "total_usd_p95": dec(usd_hi)}  # fmt: skip
    if est.per is not None:
        doc["per"] = est.per
        doc["projection_usd"] = {period: dec(total) for period, total, _ in est.projection}
        if any(high is not None for _, _, high in est.projection):
            doc["projection_usd_high"] = {period: dec(high) for period, _, high in est.projection if high is not None}
    return doc


def table_json(ref: tuple[str, Any] | None) -> dict[str, Any] | None:
    """`price_table`: where the table that priced it came from, and its date."""
    return None if ref is None else {"source": ref[0], "as_of": ref[1].isoformat()}


def basis_json(est: Estimate) -> dict[str, Any]:
    """Where an estimate's output_tokens came from: kind (given | history | pooled | max_tokens
    | none), stat, calls, model, and for history/pooled the time span and any max_tokens cap."""
    if est.output_basis is None:
        return {"kind": "max_tokens" if est.output_upper_bound else "given", "stat": None, "calls": 0, "model": None}
    return est.output_basis.json()  # type: ignore[no-any-return]


def band_text(est: Estimate) -> str | None:
    """The p5–p95 line of a workload priced at the mean output, or None."""
    if est.output_band is None:
        return None
    lo, hi, usd_lo, usd_hi = est.output_band
    return (f"{est.requests:,} calls at the mean output: p5–p95 of their total output {lo:,}–{hi:,} tokens, "
            f"total {money(usd_lo)}–{money(usd_hi)}")


#: How a projection period is labelled wherever it is shown (a month is 30 days, a year 365).
PERIOD_LABELS = {"hour": "per hour", "day": "per day", "week": "per week", "month": "per month (30 days)", "year": "per year (365 days)"}


def projection_rows(est: Estimate) -> list[tuple[str, str]]:
    """(label, amount) for each projected period, the range's high end beside an estimate."""
    return [
        (PERIOD_LABELS[p], money(t) + (f" (up to {money(h)})" if h is not None and h != t else ""))
        for p, t, h in est.projection
    ]


def source_text(est: Estimate) -> str:
    if est.token_source == "offline":
        how = "ctok, the reconstructed tokenizer" if est.count_method == "ctok" else "fitted estimate"
        if est.prompt.low == est.prompt.high:
            return f"offline ({how}): {est.prompt.tokens:,} input tokens"
        return f"offline ({how}) ≈{est.prompt.tokens:,} input tokens (range {est.prompt.low:,}–{est.prompt.high:,})"
    if est.token_source == "api":
        return f"count_tokens API: {est.prompt.tokens:,} input tokens"
    return f"manual: {est.prompt.tokens:,} input tokens"


CSV_FIELDS = ["model", "token_source", "item", "tokens", "quantity", "unit", "rate_usd", "usd"]


def estimate_csv(est: Estimate) -> str:
    """One CSV row per line item, plus a total row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for line in est.breakdown.lines:
        row = _line_json(line)
        writer.writerow({"model": est.model.id, "token_source": est.token_source, **{k: row[k] for k in CSV_FIELDS[2:]}})
    writer.writerow({"model": est.model.id, "token_source": est.token_source, "item": "total", "usd": dec(est.breakdown.total)})
    return out.getvalue()


def estimate_markdown(est: Estimate) -> str:
    """A Markdown table of one estimate (for PR comments and $GITHUB_STEP_SUMMARY)."""
    rows = [
        f"**{est.model.name}** (`{est.model.id}`) · {source_text(est)} · price date {est.scenario.day.isoformat()}",
        "",
        "| Item | Tokens | Rate | Cost |",
        "| --- | ---: | ---: | ---: |",
    ]
    for line in est.breakdown.lines:
        amount = ("≤ " if line.item == "output" and est.output_upper_bound else "") + qty(line)
        rows.append(f"| {line.label} | {amount} | {rate(line)} | {money(line.usd)} |")
    total = money(est.breakdown.total)
    if est.low is not None and est.high is not None:
        total += f" ({money(est.low.total)}–{money(est.high.total)})"
    rows.append(f"| **Total** | | | **{total}** |")
    rows += [f"| {label} | | | {amount} |" for label, amount in projection_rows(est)]
    band = band_text(est)
    rows += [f"\n> {note}" for note in [*est.notes, *([band] if band else [])]]
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------- compare

COST_COLUMNS = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "other")


def row_costs(est: Estimate) -> dict[str, Decimal]:
    """A row's cost per class; web search, code execution and session fees are "other"."""
    out = {c: Decimal(0) for c in COST_COLUMNS}
    for line in est.breakdown.lines:
        out[line.item if line.item in out else "other"] += line.usd
    return out


def pct(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")


def compare_json(cmp: Any, what_ifs: list[Any]) -> dict[str, Any]:
    """The JSON document of a comparison (schema documented in README.md)."""
    base = cmp.baseline
    rows = []
    for r in cmp.rows:
        row: dict[str, Any] = {"model": r.model.id, "model_name": r.model.name, "priced": r.estimate is not None}
        if r.estimate is None:
            row["reason"] = r.reason
        else:
            e = r.estimate
            row.update(
                token_source=e.token_source,
                count_method=e.count_method,
                method=e.method,
                prompt_tokens=e.prompt.tokens,
                prompt_tokens_low=e.prompt.low,
                prompt_tokens_high=e.prompt.high,
                output_tokens=e.output_tokens,
                output_basis=basis_json(e),
                costs_usd={k: dec(v) for k, v in row_costs(e).items()},
                total_usd=dec(e.breakdown.total),
                total_usd_low=dec(e.low.total) if e.low else dec(e.breakdown.total),
                total_usd_high=dec(e.high.total) if e.high else dec(e.breakdown.total),
                diff_usd=dec(r.diff_usd) if r.diff_usd is not None else None,
                diff_pct=pct(r.diff_pct),
                notes=list(e.notes),
            )
        rows.append(row)
    scenario = base.estimate.scenario if base.estimate else None
    priced = next((r.estimate for r in cmp.rows if r.estimate is not None), None)
    return {
        "schema_version": SCHEMA_VERSION,
        "baseline": base.model.id,
        "price_date": scenario.day.isoformat() if scenario else None,
        "price_table": table_json(priced.price_table) if priced else None,
        "rows": rows,
        "what_if": [
            {"change": w.change, "total_usd": dec(w.total), "saving_usd": dec(w.saving_usd), "saving_pct": pct(w.saving_pct)}
            for w in what_ifs
        ],
    }


COMPARE_CSV = ["model", "prompt_tokens", "prompt_tokens_low", "prompt_tokens_high", *[f"{c}_usd" for c in COST_COLUMNS],
               "total_usd", "diff_usd", "diff_pct", "reason"]  # fmt: skip


def compare_csv(cmp: Any) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COMPARE_CSV, lineterminator="\n")
    writer.writeheader()
    for r in cmp.rows:
        if r.estimate is None:
            writer.writerow({"model": r.model.id, "reason": r.reason})
            continue
        e = r.estimate
        writer.writerow({
            "model": r.model.id, "prompt_tokens": e.prompt.tokens, "prompt_tokens_low": e.prompt.low,
            "prompt_tokens_high": e.prompt.high, **{f"{k}_usd": dec(v) for k, v in row_costs(e).items()},
            "total_usd": dec(e.breakdown.total), "diff_usd": dec(r.diff_usd) if r.diff_usd is not None else "",
            "diff_pct": pct(r.diff_pct) or "",
        })  # fmt: skip
    return out.getvalue()


def _short(n: int, places: int) -> str:
    for size, unit in ((1_000_000, "M"), (1000, "K")):
        if n >= size:
            return f"{n / size:.{places}f}{unit}"
    return str(n)


def span_text(low: int, high: int) -> str:
    """A token range: in full below 10,000, else short with the fewest digits that keep its two
    ends different (never `1.4K–1.4K`); one number when they are equal.

    >>> span_text(1372, 1375), span_text(13720, 13750), span_text(1_371_000, 1_372_000), span_text(8, 8)
    ('1,372–1,375', '13.7K–13.8K', '1.371M–1.372M', '8')
    """
    if low == high:
        return f"{low:,}"
    if high >= 10_000:
        for places in (1, 2, 3):
            a, b = _short(low, places), _short(high, places)
            if a != b:
                return f"{a}–{b}"
    return f"{low:,}–{high:,}"


def tokens_text(e: Estimate) -> str:
    """Input tokens of a row: exact, or ≈point (low–high) for an estimate."""
    if e.prompt.exact:
        return f"{e.prompt.tokens:,}"
    return f"≈{e.prompt.tokens:,} ({span_text(e.prompt.low, e.prompt.high)})"


def diff_text(r: Any, baseline: Any, places: int = 6) -> str:
    """Difference from the baseline in $ and %."""
    if r is baseline:
        return "baseline"
    if r.diff_usd is None:
        return ""
    if r.diff_usd == 0:
        return "same"
    sign = "+" if r.diff_usd > 0 else "-"
    p = f" ({sign}{pct(abs(r.diff_pct))}%)" if r.diff_pct is not None else ""
    return f"{sign}{money(abs(r.diff_usd), places)}{p}"


def compare_markdown(cmp: Any, what_ifs: list[Any]) -> str:
    rows = ["| Model | Input tokens | Total | vs baseline |", "| --- | ---: | ---: | ---: |"]
    for r in cmp.rows:
        if r.estimate is None:
            rows.append(f"| {r.model.id} | | not priced: {md(r.reason)} | |")
        else:
            mark = " (baseline)" if r is cmp.baseline else ""
            rows.append(f"| {r.model.id}{mark} | {tokens_text(r.estimate)} | {money(r.estimate.breakdown.total)} | {diff_text(r, cmp.baseline)} |")
    if what_ifs:
        rows += ["", f"**What if** ({cmp.baseline.model.id}):", ""]
        rows += [f"- {w.change}: {money(w.total)}, saves {money(w.saving_usd)} ({pct(w.saving_pct)}%)" for w in what_ifs]
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------- usage (actual cost)

USAGE_COSTS = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_searches")


def what_if_json(items: list[Any]) -> list[dict[str, Any]]:
    """`what_if[]`: change, total_usd, saving_usd, saving_pct (and _low / _high where tokens were converted), notes."""
    out = []
    for w in items:
        doc: dict[str, Any] = {"change": w.change, "total_usd": dec(w.total), "saving_usd": dec(w.saving_usd), "saving_pct": pct(w.saving_pct)}
        if w.low is not None and w.high is not None:
            base = w.total + w.saving_usd
            doc.update(total_usd_low=dec(w.low), total_usd_high=dec(w.high), saving_usd_low=dec(base - w.high),
                       saving_usd_high=dec(base - w.low), saving_pct_low=pct((base - w.high) / base * 100) if base else None,
                       saving_pct_high=pct((base - w.low) / base * 100) if base else None)  # fmt: skip
        doc["notes"] = list(w.notes)
        out.append(doc)
    return out


def what_if_lines(items: list[Any]) -> list[str]:
    """One line per what-if: the change, its total (with the range) and its saving."""
    lines = []
    for w in items:
        rng = f" ({money(w.low)}–{money(w.high)})" if w.low is not None and w.high is not None else ""
        saving = f"saves {money(w.saving_usd)}" if w.saving_usd >= 0 else f"costs {money(-w.saving_usd)} more"
        lines.append(f"{w.change}: {money(w.total)}{rng}, {saving}" + (f" ({pct(abs(w.saving_pct))}%)" if w.saving_pct is not None else ""))
    return lines


def usage_json(summary: Any, show_logged: bool = False, what_ifs: list[Any] | None = None) -> dict[str, Any]:
    """The JSON document of `claude-cost usage` (schema documented in README.md)."""
    names = list(summary.fields)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "group_by": names,
        "groups": [
            {
                **dict(zip(names, g.key)),
                "requests": g.requests,
                "tokens": {c: g.usage.tokens(c) for c in ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")},
                "web_searches": g.usage.web_searches,
                "costs_usd": {c: dec(g.cost(c)) for c in USAGE_COSTS},
                "total_usd": dec(g.total),
                **({"logged_cost_usd": dec(g.logged) if g.logged is not None else None} if show_logged else {}),
            }
            for g in summary.groups
        ],
        "requests": summary.requests,
        "total_usd": dec(summary.total),
        "not_billed": summary.not_billed,
        "unpriced_count": summary.problem_count,
        "unpriced_tokens": summary.problem_tokens,
        "unpriced": [{"location": p.location, "reason": p.reason, "tokens": p.tokens} for p in summary.problems],
        "skipped": summary.skipped,
        "skipped_claude": summary.skipped_claude,
        "notes": summary.notes,
        "price_table": table_json(summary.price_table),
    }
    if show_logged:
        doc["logged_cost_usd"] = dec(summary.logged_total) if summary.logged_total is not None else None
    if what_ifs is not None:
        doc["what_if"] = what_if_json(what_ifs)
    return doc


def unpriced_text(summary: Any) -> str | None:
    """The stderr line about records that could not be priced, or None when every one was."""
    if not summary.problem_count:
        return None
    first = summary.problems[0]
    return (f"warning: {summary.problem_count:,} record(s) could not be priced, {summary.problem_tokens:,} tokens "
            f"(first: {first.location}: {first.reason})")  # fmt: skip


def unpriced_warnings(summary: Any) -> list[str]:
    """The stderr lines about what was not priced: records that could not be, and skipped
    records that name a Claude model (both make --strict exit 5)."""
    lines = [t for t in (unpriced_text(summary),) if t]
    if summary.skipped_claude:
        lines.append(f"warning: {summary.skipped_claude:,} skipped record(s) of another provider name a Claude model: not priced "
                     "(that provider bills them; see `skipped` in --json)")  # fmt: skip
    return lines


def usage_csv(summary: Any, show_logged: bool = False) -> str:
    names = list(summary.fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*names, "requests", *[f"{c}_usd" for c in USAGE_COSTS], "total_usd", *(["logged_cost_usd"] if show_logged else [])])
    for g in summary.groups:
        logged = [dec(g.logged) if g.logged is not None else ""] if show_logged else []
        writer.writerow([*g.key, g.requests, *[dec(g.cost(c)) for c in USAGE_COSTS], dec(g.total), *logged])
    return out.getvalue()


def usage_markdown(summary: Any, show_logged: bool = False, what_ifs: list[Any] | None = None) -> str:
    names = list(summary.fields)
    head = [n.capitalize() for n in names] + ["Requests", "Input", "Cache writes", "Cache reads", "Output", "Web search", "Total"]
    rows = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] * len(names) + ["---:"] * 7) + " |"]
    for g in summary.groups:
        cells = [*map(md, g.key), f"{g.requests:,}", *[money(g.cost(c)) for c in ("input", "cache_writes", "cache_read", "output", "web_searches")],
                 f"**{money(g.total)}**"]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    rows.append(f"\n**Total: {money(summary.total)}** over {summary.requests:,} requests")
    if summary.problem_count:
        rows.append(f"\n> {summary.problem_count:,} record(s) could not be priced ({summary.problem_tokens:,} tokens)")
    if show_logged and summary.logged_total is not None:
        rows.append(f"\nThe logs' own cost figure (costUSD): {money(summary.logged_total)}")
    if what_ifs:
        rows += ["", "**What if** (the same traffic, one change at a time):", ""] + [f"- {line}" for line in what_if_lines(what_ifs)]
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------- report (Admin API)


def report_json(report: Any) -> dict[str, Any]:
    """Our pricing of the usage report next to the cost report, per day and model."""
    return {
        "schema_version": SCHEMA_VERSION,
        "rows": [
            {
                "day": r.day.isoformat(),
                "model": r.model,
                "ours_usd": dec(r.ours),
                "reported_usd": dec(r.reported) if r.reported is not None else None,
                "diff_usd": dec(r.diff) if r.diff is not None else None,
                "diff_pct": pct(r.diff_pct),
            }
            for r in report.rows
        ],
        "ours_total_usd": dec(report.ours_total),
        "reported_total_usd": dec(report.reported_total),
        "diff_usd": dec(report.diff_total),
        "notes": report.notes,
        "unpriced": report.unpriced,
    }


def report_csv(report: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "model", "ours_usd", "reported_usd", "diff_usd", "diff_pct"])
    for row in report_json(report)["rows"]:
        writer.writerow([row[k] if row[k] is not None else "" for k in ("day", "model", "ours_usd", "reported_usd", "diff_usd", "diff_pct")])
    return out.getvalue()


def report_markdown(report: Any) -> str:
    rows = ["| Day | Model | Our pricing | Billed | Difference |", "| --- | --- | ---: | ---: | ---: |"]
    for r in report.rows:
        billed = money(r.reported) if r.reported is not None else "—"
        diff = money(r.diff) if r.diff is not None else "—"
        rows.append(f"| {r.day} | {md(r.model)} | {money(r.ours)} | {billed} | {diff} |")
    rows.append(f"| **Total** | | **{money(report.ours_total)}** | **{money(report.reported_total)}** | **{money(report.ours_total - report.reported_total)}** |")
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------- many requests


def many_json(run: Any) -> dict[str, Any]:
    """One document for a multi-request run: each request's estimate with its location, errors, total."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "requests": [{"location": i.location, **estimate_json(i.estimate)} for i in run.estimated],
        "errors": [{"location": i.location, "error": i.error} for i in run.errors],
        "total_usd": dec(run.total),
    }
    if run.total_high is not None:
        doc["total_usd_high"] = dec(run.total_high)
    return doc


def many_csv(run: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["location", "model", "token_source", "prompt_tokens", "output_tokens", "total_usd", "error"])
    for i in run.items:
        e = i.estimate
        if e is None:
            writer.writerow([i.location, "", "", "", "", "", i.error])
        else:
            writer.writerow([i.location, e.model.id, e.token_source, e.prompt.tokens, e.output_tokens, dec(e.breakdown.total), ""])
    writer.writerow(["total", "", "", "", "", dec(run.total), ""])
    return out.getvalue()


def many_markdown(run: Any) -> str:
    rows = ["| Request | Model | Input tokens | Total |", "| --- | --- | ---: | ---: |"]
    for i in run.items:
        if i.estimate is None:
            rows.append(f"| {md(i.location)} | | | error: {md(i.error)} |")
        else:
            rows.append(f"| {md(i.location)} | {i.estimate.model.id} | {tokens_text(i.estimate)} | {money(i.estimate.breakdown.total)} |")
    rows.append(f"| **Total** | | | **{money(run.total)}** |")
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------- diff


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "-" if value < 0 else "±") + money(abs(value))


def diff_json(d: Any) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {"item": r.item, "before_usd": dec(r.before), "after_usd": dec(r.after), "change_usd": dec(r.change), "change_pct": pct(r.pct)}

    return {
        "schema_version": SCHEMA_VERSION,
        "base": d.base_label,
        "new": d.new_label,
        "model": d.new.model.id,
        "prompt_tokens_before": d.base.prompt.tokens,
        "prompt_tokens_after": d.new.prompt.tokens,
        "token_source": d.new.token_source,
        "lines": [row(r) for r in d.rows],
        "total": row(d.total),
    }


def diff_markdown(d: Any) -> str:
    """Ready to post as a pull-request comment."""
    t = d.total
    head = f"### Claude request cost: {money(t.before)} → {money(t.after)} ({_signed(t.change)}" + (f", {pct(t.pct)}%" if t.pct is not None else "") + ")"
    rows = [head, "", f"`{d.base_label}` → `{d.new_label}` on **{d.new.model.name}** "
            f"(input {d.base.prompt.tokens:,} → {d.new.prompt.tokens:,} tokens, {d.new.token_source} count)", "",
            "| Item | Before | After | Change |", "| --- | ---: | ---: | ---: |"]  # fmt: skip
    for r in [*d.rows, d.total]:
        change = _signed(r.change) + (f" ({'+' if r.change > 0 else ''}{pct(r.pct)}%)" if r.pct is not None else "")
        name = f"**{r.label}**" if r.item == "total" else r.label
        rows.append(f"| {name} | {money(r.before)} | {money(r.after)} | {change} |")
    return "\n".join(rows) + "\n"


def diff_csv(d: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["item", "before_usd", "after_usd", "change_usd", "change_pct"])
    for r in [*d.rows, d.total]:
        writer.writerow([r.item, dec(r.before), dec(r.after), dec(r.change), pct(r.pct) or ""])
    return out.getvalue()


# ---------------------------------------------------------------- check


def breach_text(b: Any) -> str:
    """One line for a broken budget (`budgets.Breach`)."""
    basis = " (high end of the estimate range)" if b.high_end else ""
    pct = f" ({b.pct:.1f}%)" if b.pct is not None else ""
    kind = "per-request budget" if b.per_request else "budget"
    return f"over budget: {b.what} {money(b.amount)}{basis} is {money(b.over)}{pct} over the {kind} of {money(b.limit)}"


def rise_text(r: Any) -> str:
    """One line for a diff rising more than --max-increase allows (`budgets.Rise`)."""
    if r.limit_usd is not None:
        return f"over budget: the total rises by {money(r.change)}, more than the allowed {money(r.limit_usd)}"
    rise = f"{pct(r.pct)}%" if r.pct is not None else "from $0"
    return f"over budget: the total rises by {rise} ({money(r.change)}), more than the allowed {dec(r.limit_pct)}%"


def file_rise_text(f: Any) -> str:
    """One line for a payload rising more than --max-increase-per-request allows."""
    return rise_text(f.rise).replace("the total rises", f"{f.path} rises", 1)


#: The hidden marker by which the CI integrations find their one pull-request comment again.
COMMENT_MARKER = "<!-- claude-cost:diff -->"


def _delta(change: Decimal, p: Decimal | None) -> str:
    return _signed(change) + (f" ({'+' if change > 0 else ''}{pct(p)}%)" if p is not None else "")


def repo_diff_summary(d: Any) -> str:
    """The one-line summary of a repository diff."""
    counts = {s: sum(1 for f in d.shown if f.status == s) for s in ("changed", "added", "removed")}
    what = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no payload changed"
    return f"Claude request cost: {money(d.before_usd)} → {money(d.after_usd)}, {_delta(d.change, d.pct)} — {what} since {d.rev}"


def repo_diff_json(d: Any) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "rev": d.rev,
        "files": [
            {"path": f.path, "status": f.status, "model": (f.after or f.before).model.id if (f.after or f.before) else None,
             "before_usd": dec(f.before_usd), "after_usd": dec(f.after_usd), "change_usd": dec(f.change), "change_pct": pct(f.pct),
             "error": f.error}
            for f in d.shown
        ],  # fmt: skip
        "unchanged": d.unchanged,
        "total": {"before_usd": dec(d.before_usd), "after_usd": dec(d.after_usd), "change_usd": dec(d.change), "change_pct": pct(d.pct)},
    }


def repo_diff_csv(d: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["path", "status", "before_usd", "after_usd", "change_usd", "change_pct", "error"])
    for f in d.shown:
        writer.writerow([f.path, f.status, dec(f.before_usd), dec(f.after_usd), dec(f.change), pct(f.pct) or "", f.error or ""])
    writer.writerow(["total", "", dec(d.before_usd), dec(d.after_usd), dec(d.change), pct(d.pct) or "", ""])
    return out.getvalue()


def repo_diff_markdown(d: Any, problems: list[str] | None = None) -> str:
    """A pull-request comment: the hidden marker, the summary line first, then one row per
    payload (plain GitHub/GitLab Markdown: a table, no HTML beyond the marker)."""
    rows = [COMMENT_MARKER, f"**{repo_diff_summary(d)}**", ""]
    for p in problems or []:
        rows.append(f"> :warning: {p}")
    if problems:
        rows.append("")
    if d.shown:
        rows += ["| Payload | Status | Before | After | Change |", "| --- | --- | ---: | ---: | ---: |"]
        for f in d.shown:
            after = f"error: {md(f.error)}" if f.error else money(f.after_usd)
            rows.append(f"| {md_code(f.path)} | {f.status} | {money(f.before_usd)} | {after} | {_delta(f.change, f.pct)} |")
        rows.append(f"| **Total** | | {money(d.before_usd)} | {money(d.after_usd)} | **{_delta(d.change, d.pct)}** |")
    if d.unchanged:
        rows += ["", f"{d.unchanged} payload(s) unchanged."]
    return "\n".join(rows) + "\n"


def check_json(results: list[Any]) -> dict[str, Any]:
    """Each budget (`budgets.BudgetResult`): its requests, total, costliest request, limits, breaches."""
    out = []
    for r in results:
        b, run, big = r.budget, r.run, r.largest
        out.append({
            "name": b.name,
            "requests": len(run.estimated),
            "total_usd": dec(run.total),
            "total_usd_high": dec(run.total_high) if run.total_high is not None else None,
            "max_request_usd": dec(big.estimate.costliest_call) if big else None,
            "max_request": big.location if big else None,
            "budget_total_usd": dec(b.total) if b.total is not None else None,
            "budget_per_request_usd": dec(b.per_request) if b.per_request is not None else None,
            "ok": r.ok,
            "broken": [breach_text(x).removeprefix("over budget: ") for x in r.breaches],
            "errors": [{"location": i.location, "error": i.error} for i in run.errors],
        })  # fmt: skip
    return {"schema_version": SCHEMA_VERSION, "budgets": out, "ok": all(r.ok for r in results)}


def check_total_text(row: dict[str, Any]) -> str:
    """A check budget's total, with the high end of the range when counts are estimated."""
    high = row["total_usd_high"]
    return f"${row['total_usd']}" + (f" (up to ${high})" if high is not None and high != row["total_usd"] else "")


def check_markdown(doc: dict[str, Any]) -> str:
    rows = ["| Budget | Requests | Total | Largest request | Limit | Status |", "| --- | ---: | ---: | ---: | ---: | --- |"]
    for r in doc["budgets"]:
        limit = " / ".join(x for x in (f"total ${r['budget_total_usd']}" if r["budget_total_usd"] else "",
                                       f"per request ${r['budget_per_request_usd']}" if r["budget_per_request_usd"] else "") if x)  # fmt: skip
        status = "ok" if r["ok"] and not r["errors"] else ("errors" if r["errors"] else "**over budget**")
        rows.append(f"| {md(r['name'])} | {r['requests']} | {check_total_text(r)} | ${r['max_request_usd'] or '0'} | {limit} | {status} |")
    return "\n".join(rows) + "\n"


def check_csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["budget", "requests", "total_usd", "max_request_usd", "budget_total_usd", "budget_per_request_usd", "ok"])
    for r in doc["budgets"]:
        writer.writerow([r["name"], r["requests"], r["total_usd"], r["max_request_usd"] or "", r["budget_total_usd"] or "", r["budget_per_request_usd"] or "", r["ok"]])
    return out.getvalue()


# ---------------------------------------------------------------- prices


def prices_json(models: list[Any], as_of: Any, day: Any) -> dict[str, Any]:
    """The price table as on `day` (`models` with their history applied)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "date": day.isoformat(),
        "models": {
            m.id: {
                "name": m.name,
                **{k: dec(getattr(m.rates, k)) for k in ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")},
                "batch_input": dec(m.batch_input),
                "batch_output": dec(m.batch_output),
                "context_window": m.context_window,
                "retired": m.retired.isoformat() if m.retired else None,
            }
            for m in models
        },
    }


# ---------------------------------------------------------------- history (output tokens)


def _share(part: int, whole: int) -> float | None:
    return None if not whole else round(part / whole, 4)


def history_json(gathered: Any) -> dict[str, Any]:
    """The JSON document of `claude-cost history` (schema documented in README.md)."""
    h = gathered.history
    models = []
    for m in h.models.values():
        stats = m.output_stats()
        stats["mean"] = float(stats["mean"].quantize(Decimal("0.01")))
        models.append({"model": m.model, "calls": m.calls, "output_tokens": stats,
                       "stopped_at_max_tokens": _share(m.stopped_at_max, m.stop_recorded), "stop_reason_recorded": m.stop_recorded,
                       "from": m.first, "to": m.last, "exact": m.dist.exact})  # fmt: skip
    return {"schema_version": SCHEMA_VERSION, "models": models, "from": h.first, "to": h.last, "sources": h.sources,
            "unread_count": gathered.problem_count,
            "unread": [{"location": p.location, "reason": p.reason} for p in gathered.problems],
            "not_billed": gathered.not_billed, "skipped": gathered.skipped}  # fmt: skip


def history_span(doc: dict[str, Any]) -> str:
    """The days the recorded calls span, as the history's title says it."""
    first, last = (doc["from"] or "")[:10], (doc["to"] or "")[:10]
    if not first:
        return "no call times recorded"
    return first if first == last else f"{first} … {last}"


HISTORY_CSV = ["model", "calls", "p10", "p50", "p90", "p95", "p99", "mean", "max", "stopped_at_max_tokens", "from", "to"]


def history_csv(gathered: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_CSV)
    for m in history_json(gathered)["models"]:
        s = m["output_tokens"]
        writer.writerow([m["model"], m["calls"], *[s[k] for k in ("p10", "p50", "p90", "p95", "p99", "mean", "max")],
                         "" if m["stopped_at_max_tokens"] is None else m["stopped_at_max_tokens"], m["from"] or "", m["to"] or ""])  # fmt: skip
    return out.getvalue()


def stop_text(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def history_markdown(gathered: Any) -> str:
    rows = ["| Model | Calls | p10 | p50 | p90 | p95 | p99 | Mean | Max | Stopped at max_tokens |", "| --- |" + " ---: |" * 9]
    doc = history_json(gathered)
    for m in doc["models"]:
        s = m["output_tokens"]
        cells = [f"{s[k]:,}" for k in ("p10", "p50", "p90", "p95", "p99")]
        rows.append(f"| {md(m['model'])} | {m['calls']:,} | {' | '.join(cells)} | {s['mean']:,.1f} | {s['max']:,} | {stop_text(m['stopped_at_max_tokens'])} |")
    rows.append(f"\nOutput tokens per call, {history_span(doc)} (nearest-rank percentiles).")
    return "\n".join(rows) + "\n"


def backtest_json(bt: Any) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {"model": r.model, "train_calls": r.train_calls, "test_calls": r.test_calls, "p50": r.p50, "p90": r.p90,
                "p90_covered": None if r.p90_covered is None else float(round(r.p90_covered, 4)),
                "p50_cost_error_median": None if r.p50_cost_error is None else float(round(r.p50_cost_error, 4))}  # fmt: skip

    return {"schema_version": SCHEMA_VERSION, "split_at": bt.split_at, "untimed": bt.untimed,
            "models": [row(r) for r in bt.rows], "all": row(bt.total) if bt.total else None}  # fmt: skip


# ---------------------------------------------------------------- keeping prices current


def _plain(value: Any) -> Any:
    """A table value for JSON: Decimals as exact strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return dec(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _shown(value: Any, field: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return ("x" if field.endswith("multiplier") else "$") + dec(value)
    return str(value)


def price_diff_json(upd: Any) -> dict[str, Any]:
    d = upd.diff
    doc = {
        "schema_version": SCHEMA_VERSION,
        "from": {"source": upd.old.source, "as_of": upd.old.as_of.isoformat()},
        "to": {"source": upd.source, "as_of": upd.new.as_of.isoformat()},
        "would_change": not d.empty,
        "added": d.added, "removed": d.removed,
        "retired": [{"model": m, "on": day.isoformat()} for m, day in d.retired],
        "changes": [{"model": c.model, "field": c.field, "period": c.period, "old": _plain(c.old), "new": _plain(c.new)} for c in d.changes],
    }  # fmt: skip
    m = upd.merge
    if m is not None:
        doc["merge"] = {
            "lists": m.lists,
            "changed": [{"model": c.model, "field": c.field, "old": dec(c.old), "new": dec(c.new), "reason": c.reason} for c in m.changes],
            "added": [{"model": a.model, "rates": {k: dec(v) for k, v in a.values.items()}, "stated_by": list(a.stated_by),
                       "by_general_rules": list(a.filled), "reason": a.reason} for a in m.additions],
            "held": [{"kind": h.kind, "model": h.model, "field": h.field, "ours": _plain(h.ours), "theirs": h.theirs, "reason": h.reason}
                     for h in m.held],
            "notes": m.notes,
        }  # fmt: skip
    return doc


def merge_text(m: Any) -> list[str]:
    """A merge's reasons: what changes and why, what was held back and why."""
    lines = [f"merged from: {name} ({where})" for name, where in m.lists.items()]
    lines += [f"change {c.model} {c.field}: {_shown(c.old, c.field)} → {_shown(c.new, c.field)} from today: {c.reason}" for c in m.changes]
    for a in m.additions:
        rules = f"; by the general rules: {', '.join(a.filled)}" if a.filled else ""
        lines.append(f"add {a.model}: {a.reason} (unconfirmed{rules})")
    for h in m.held:
        what = f"{h.model} {h.field}" if h.field else h.model
        if h.kind == "conflict":
            theirs = ", ".join(f"{n} states {_shown(Decimal(v), h.field or '')}" for n, v in h.theirs.items())
            lines.append(f"kept {what} at {_shown(h.ours, h.field or '')}: {theirs} ({h.reason})")
        else:
            lines.append(f"{'refused' if h.kind == 'refused' else 'not added'} {what} ({', '.join(h.theirs)}): {h.reason}")
    return lines


def price_diff_text(upd: Any) -> str:
    d = upd.diff
    lines = [f"price table in use: {upd.old.source} (as of {upd.old.as_of})"]
    lines += merge_text(upd.merge) if upd.merge is not None else [f"fetched:            {upd.source} (as of {upd.new.as_of})"]
    if d.empty:
        return "\n".join([*lines, "nothing would change: the table in use is current"])
    names = upd.new.models
    lines += [f"added:   {m} ({names[m].name})" for m in d.added]
    lines += [f"removed: {m}" for m in d.removed]
    lines += [f"retired: {m} on {day}" for m, day in d.retired]
    if d.changes:
        lines.append(f"changed ({len(d.changes)}):")
        width = max(len(c.model) for c in d.changes)
        lines += [f"  {c.model:<{width}}  {c.field}  {c.period}: {_shown(c.old, c.field)} → {_shown(c.new, c.field)}" for c in d.changes]
    if not (d.added or d.removed or d.retired or d.changes):
        lines.append(f"only the table's date changes ({d.as_of[0]} → {d.as_of[1]})")
    return "\n".join(lines)


def price_info_json(table: Any, installed: Any, previous: Any, bundled_sha: str, today: Any, overlay: str | None) -> dict[str, Any]:
    from claude_cost.core.prices import bundled_path

    current = installed if table.source != "bundled" and installed is not None else None
    return {
        "schema_version": SCHEMA_VERSION,
        "source": table.source,
        "path": str(current.path) if current else str(bundled_path()),
        "as_of": table.as_of.isoformat(),
        "age_days": (today - table.as_of).days,
        "sha256": current.sha256 if current else bundled_sha,
        "fetched": current.fetched if current else None,
        "previous": None if previous is None else {"source": previous.source, "as_of": previous.as_of, "path": str(previous.path), "sha256": previous.sha256},
        "overlay": overlay,
    }  # fmt: skip


def price_info_text(doc: dict[str, Any]) -> str:
    lines = [f"price table: {doc['source']}", f"  file:     {doc['path']}", f"  as of:    {doc['as_of']} ({doc['age_days']} days ago)",
             f"  sha256:   {doc['sha256']}"]  # fmt: skip
    if doc["fetched"]:
        lines.append(f"  fetched:  {doc['fetched']}")
    prev = doc["previous"]
    lines.append(f"kept for rollback: {prev['source']} (as of {prev['as_of']})" if prev else "kept for rollback: none (rollback goes to the bundled table)")
    if doc["overlay"]:
        lines.append(f"merged over it: {doc['overlay']} ($CLAUDE_COST_PRICES)")
    return "\n".join(lines)


def audit_json(a: Any) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "against": a.against, "source": a.source, "compared": a.compared, "agree": a.agree,
        "differences": [{"model": d.model, "field": d.field, "period": d.period, "ours": _plain(d.ours), "theirs": _plain(d.theirs),
                         **({"their_model": d.their_model} if d.their_model else {})} for d in a.differences],
        "missing_here": a.missing_here, "missing_there": a.missing_there,
        "not_expressed_there": a.unexpressed, "notes": a.notes,
    }  # fmt: skip


def audit_text(a: Any) -> str:
    lines = [f"audit against {a.against}{f' ({a.source})' if a.source else ''}: {a.agree:,} of {a.compared:,} values agree"]
    if a.differences:
        lines.append(f"differ ({len(a.differences)}): model, field, period: ours vs theirs")
        width = max(len(d.model) for d in a.differences)
        for d in a.differences:
            via = f"  (their {d.their_model} entry)" if d.their_model else ""
            lines.append(f"  {d.model:<{width}}  {d.field}  {d.period}: {_shown(d.ours, d.field)} vs {_shown(d.theirs, d.field)}{via}")
    if a.missing_here:
        lines.append("theirs, not in our table: " + ", ".join(m["id"] + ("" if m["current"] else " (deprecated)") for m in a.missing_here))
    if a.missing_there:
        lines.append("ours, not in their list: " + ", ".join(a.missing_there))
    if a.unexpressed:
        lines.append("not stated in their list (not compared): " + ", ".join(f"{k} ({n} models)" for k, n in sorted(a.unexpressed.items())))
    lines += [f"note: {n}" for n in a.notes[:20]]
    if not a.failed:
        lines.append("everything agrees")
    return "\n".join(lines)


# ---------------------------------------------------------------- budget status

BUDGET_ROWS = (("Limit", "limit_usd"), ("Spent", "spent_usd"), ("Reserved (in flight)", "reserved_usd"), ("Remaining", "remaining_usd"),
               ("Burn rate per hour", "burn_usd_per_hour"), ("Projected to the window's end", "projected_usd"))  # fmt: skip


def budget_rows(st: Any) -> list[tuple[str, str]]:
    """`budget status` as (label, text) rows, money to the cent and beyond as needed."""
    rows = [(label, "—" if getattr(st, key) is None else money(getattr(st, key))) for label, key in BUDGET_ROWS]
    rows += [("Calls settled", f"{st.calls:,}"), ("Refused", f"{st.refused:,}"), ("Released (errors)", f"{st.released:,}"),
             ("Stale reservations (expired)", f"{st.stale_reservations:,}")]  # fmt: skip
    return rows


def budget_title(st: Any) -> str:
    span = "all time" if st.window == "total" else f"{st.window} from {st.window_start} (UTC)"
    return f"Budget {st.scope!r}, {span}"


def budget_csv(st: Any) -> str:
    doc = st.json()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(doc))
    writer.writerow(["" if v is None else v for v in doc.values()])
    return out.getvalue()


def budget_markdown(st: Any) -> str:
    lines = [f"**{md(budget_title(st))}**", "", "| | |", "| --- | ---: |"]
    lines += [f"| {label} | {value} |" for label, value in budget_rows(st)]
    return "\n".join(lines) + "\n"
