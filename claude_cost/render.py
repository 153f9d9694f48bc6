"""Machine renderers: estimates → JSON-ready dicts, CSV and Markdown (no rich: kept light for pipes).

Renderers never compute prices; they only round and format what the core produced.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from claude_cost.estimate import Estimate
from claude_cost.models import CostLine

__all__ = ["SCHEMA_VERSION", "money", "dec", "qty", "rate", "source_text", "estimate_json", "estimate_csv", "estimate_markdown"]

SCHEMA_VERSION = 1
_MICRO = Decimal("0.000001")


def dec(value: Decimal) -> str:
    """An exact decimal as a plain string (no exponent, no trailing zeros)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def money(value: Decimal) -> str:
    """Dollars for display: at least cents, at most six decimals (rounded half up)."""
    q = value.quantize(_MICRO, rounding=ROUND_HALF_UP)
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
        "lines": [_line_json(line) for line in est.breakdown.lines],
        "total_usd": dec(est.breakdown.total),
        "applied": list(est.breakdown.applied),
        "notes": list(est.notes),
        "not_countable": list(est.left_out),
    }
    if not est.prompt.exact and est.low is not None and est.high is not None:
        doc["prompt_tokens_low"] = est.prompt.low
        doc["prompt_tokens_high"] = est.prompt.high
        doc["total_usd_low"] = dec(est.low.total)
        doc["total_usd_high"] = dec(est.high.total)
    return doc


def source_text(est: Estimate) -> str:
    if est.token_source == "offline":
        return f"offline estimate ≈{est.prompt.tokens:,} input tokens (range {est.prompt.low:,}–{est.prompt.high:,})"
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
    rows += [f"\n> {note}" for note in est.notes]
    return "\n".join(rows) + "\n"
