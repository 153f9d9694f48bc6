"""What recorded traffic would have cost with one change at a time: every bucket the usage
engine priced (engines.python.Bucket) priced again by the pricing core under the changed
scenario or model. Never prints.

The changes:
- the Batch API for all of it: unbatched buckets at batch rates (what was batched stays); fast
  mode is not available in batch (fact sheet §3, §6), so fast requests are batched at standard
  speed;
- without US-only inference: `inference_geo` "us" buckets at global prices (§5);
- without fast mode: fast buckets at standard speed (§6);
- on each other current model (the newest model of each family that is not deprecated): every
  bucket on that model, its tokens converted to that model's tokenizer family with the ratio
  and range `compare` uses (counting.convert), residency and fast mode kept where that model
  offers them. The long-context tier is chosen per bucket from its converted prompt sizes: the
  point from the mean prompt, the low end from the smallest, the high end from the largest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from claude_cost.core import pricing
from claude_cost.core.errors import ClaudeCostError
from claude_cost.core.models import TOKEN_CLASSES, ModelPrice, PriceTable, Scenario, Usage
from claude_cost.counting.convert import convert, ratio
from claude_cost.engines.python import Bucket, Summary

__all__ = ["WhatIf", "what_ifs", "current_models"]


@dataclass
class WhatIf:
    """The recorded traffic's total with one change, and what it saves (negative: costs more)."""

    change: str
    total: Decimal
    saving_usd: Decimal
    saving_pct: Decimal | None
    low: Decimal | None = None  # with converted tokens: the range's ends
    high: Decimal | None = None
    notes: list[str] = field(default_factory=list)


def current_models(table: PriceTable, day: date) -> list[ModelPrice]:
    """The newest model of each family that is neither retired nor deprecated on `day` (the
    table lists models newest first)."""
    seen: dict[str, ModelPrice] = {}
    for m in table.models.values():
        eff = pricing.effective_model(m, day)
        if m.family not in seen and not eff.is_retired(day) and not eff.deprecated:
            seen[m.family] = m
    return list(seen.values())


def _priced(table: PriceTable, b: Bucket, model: ModelPrice, scenario: Scenario, usage: Usage, prompt: int) -> Decimal:
    return pricing.price(usage, model, scenario, table.fees, tier_prompt_tokens=prompt).total


def _change(name: str, base: Decimal, total: Decimal, low: Decimal | None = None, high: Decimal | None = None,
            notes: list[str] | None = None) -> WhatIf:  # fmt: skip
    saving = base - total
    return WhatIf(name, total, saving, saving / base * 100 if base else None, low, high, notes or [])


def _scenario_change(table: PriceTable, summary: Summary, name: str, alter: object) -> WhatIf | None:
    """Every bucket re-priced with `alter(bucket) -> Scenario | None` (None: unchanged)."""
    total = Decimal(0)
    changed = 0
    refused = 0
    for b in summary.buckets:
        sc = alter(b)  # type: ignore[operator]
        if sc is None:
            total += b.total
            continue
        try:
            total += _priced(table, b, b.model, sc, b.usage, b.tier_prompt)
            changed += b.requests
        except ClaudeCostError:
            total += b.total
            refused += b.requests
    if not changed:
        return None
    notes = [f"{refused:,} request(s) where the change is not available kept as they were"] if refused else []
    return _change(name, summary.total, total, notes=notes)


def _scaled(usage: Usage, factor: Decimal) -> Usage:
    return replace(usage, **{c: convert(usage.tokens(c), factor) for c in TOKEN_CLASSES})


def _on_model(table: PriceTable, summary: Summary, target: ModelPrice) -> WhatIf | None:
    totals = {"point": Decimal(0), "low": Decimal(0), "high": Decimal(0)}
    notes: list[str] = []
    dropped = {"residency": 0, "fast": 0}
    for b in summary.buckets:
        r = ratio(b.model.tokenizer, target.tokenizer)
        sc = b.scenario
        if sc.geo == "us" and not target.us_residency:
            sc = replace(sc, geo=None)
            dropped["residency"] += b.requests
        if sc.speed == "fast" and not any(p.active(sc.day) for p in pricing.effective_model(target, sc.day).fast):
            sc = replace(sc, speed="standard")
            dropped["fast"] += b.requests
        mean = (b.usage.prompt_tokens // b.requests) if b.requests else 0
        for end, factor, prompt in (("point", r.point, mean), ("low", r.low, b.prompt_min), ("high", r.high, b.prompt_max)):
            try:
                totals[end] += _priced(table, b, target, sc, _scaled(b.usage, factor), convert(prompt, factor))
            except ClaudeCostError:
                return None  # a rule of the target refuses part of the traffic: no honest total
    if dropped["residency"]:
        notes.append(f"{dropped['residency']:,} request(s) with inference_geo us at global prices: {target.id} has no US-only inference")
    if dropped["fast"]:
        notes.append(f"{dropped['fast']:,} fast-mode request(s) at standard speed: {target.id} has no fast mode then")
    same = all(ratio(b.model.tokenizer, target.tokenizer).identity for b in summary.buckets)
    if same:
        return _change(f"on {target.name} ({target.id})", summary.total, totals["point"], notes=notes)
    return _change(f"on {target.name} ({target.id})", summary.total, totals["point"], totals["low"], totals["high"], notes)


def what_ifs(table: PriceTable, summary: Summary, day: date) -> list[WhatIf]:
    """The recorded traffic re-priced one change at a time (module docstring), cheapest first.
    `summary` must come from `engines.python.summarize(..., detail=True)`."""
    out: list[WhatIf] = []
    if not summary.buckets:
        return out
    batch = _scenario_change(table, summary, "all on the Batch API (what was batched stays)",
                             lambda b: None if b.scenario.batch else replace(b.scenario, batch=True, speed="standard"))  # fmt: skip
    if batch is not None:
        fast = sum(b.requests for b in summary.buckets if b.scenario.speed == "fast" and not b.scenario.batch)
        if fast:
            batch.notes.append(f"{fast:,} fast-mode request(s) batched at standard speed (fast mode is not available in batch)")
        out.append(batch)
    geo = _scenario_change(table, summary, "without US-only inference (inference_geo global)",
                           lambda b: replace(b.scenario, geo=None) if b.scenario.geo == "us" else None)  # fmt: skip
    fast = _scenario_change(table, summary, "without fast mode", lambda b: replace(b.scenario, speed="standard") if b.scenario.speed == "fast" else None)
    out += [w for w in (geo, fast) if w is not None]
    used = {b.model.id for b in summary.buckets}
    for m in current_models(table, day):
        if used == {m.id}:
            continue  # it is all on this model already
        w = _on_model(table, summary, m)
        if w is not None:
            out.append(w)
    out.sort(key=lambda w: w.total)
    return out
