"""compare: one request across models, counted per model (in parallel), same scenario for all.

Never prints; rows that cannot be priced carry the reason instead of a price.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost.core import clock
from claude_cost.core.errors import (
    ClaudeCostError,
    InputError,
    ScenarioError,
    TokenCountError,
)
from claude_cost.core.models import (
    Assumptions,
    Count,
    Estimate,
    ModelPrice,
    PriceTable,
    Usage,
)
from claude_cost.core.prices import family_of, resolve
from claude_cost.counting.api import ApiCounter
from claude_cost.counting.base import CountSettings, TokenCounter, make_counter
from claude_cost.estimating.estimate import estimate_manual, estimate_payload
from claude_cost.sources import payload as pl

__all__ = ["Row", "WhatIf", "Comparison", "select_models", "compare", "compare_manual"]

FAMILIES = ("opus", "sonnet", "haiku")


@dataclass
class Row:
    """One model's result: an estimate, or the reason it cannot be priced."""

    model: ModelPrice
    estimate: Estimate | None = None
    reason: str | None = None
    diff_usd: Decimal | None = None
    diff_pct: Decimal | None = None


@dataclass
class WhatIf:
    """A change to the baseline request and what it would save."""

    change: str
    total: Decimal
    saving_usd: Decimal
    saving_pct: Decimal


@dataclass
class Comparison:
    rows: list[Row]
    baseline: Row
    info: list[str] = field(default_factory=list)
    counter: TokenCounter | None = None  # the shared API counter, reused by what_if
    offline_method: str = "auto"


def _current(table: PriceTable, family: str, day: date) -> ModelPrice | None:
    """The newest model of a family in force on `day` (the table lists newest first)."""
    for model in table.models.values():
        if model.family == family and not model.is_retired(day) and not model.deprecated:
            return model
    return None


def select_models(table: PriceTable, spec: str | None, payload_model: ModelPrice | None, day: date) -> list[ModelPrice]:
    """`--models`: ids/aliases, `all`, or family names; default: the payload's model and the
    current model of each family."""
    chosen: list[ModelPrice] = []

    def add(m: ModelPrice | None) -> None:
        if m is not None and m.id not in {c.id for c in chosen}:
            chosen.append(m)

    if not spec:
        add(payload_model)
        for fam in FAMILIES:
            add(_current(table, fam, day))
        return chosen
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part == "all":
            for m in table.models.values():
                if not m.is_retired(day):
                    add(m)
        elif part in ("opus", "sonnet", "haiku", "fable", "mythos"):
            for m in table.models.values():
                if m.family == part and not m.is_retired(day):
                    add(m)
        else:
            add(resolve(table, part).model)
    if not chosen:
        raise InputError("--models selected no model", hint="e.g. --models opus-4.7,sonnet-4.6 or --models all")
    return chosen


def _offline(model: ModelPrice, method: str) -> TokenCounter:
    from claude_cost.counting.offline import offline_counter

    return offline_counter(model, method)


def _row(table: PriceTable, request: dict[str, Any], assume: Assumptions, model: ModelPrice, counter: TokenCounter | None,
         offline_method: str = "auto") -> Row:  # fmt: skip
    try:
        est = estimate_payload(table, request, assume, counter or _offline(model, offline_method), model=model.id)
        return Row(model, est)
    except ScenarioError as exc:
        return Row(model, reason=exc.message)


def _differences(rows: list[Row], base: Row) -> None:
    """Each row's difference from the baseline, then the rows sorted by total (unpriced last)."""
    for row in rows:
        if row.estimate is not None and base.estimate is not None:
            row.diff_usd = row.estimate.breakdown.total - base.estimate.breakdown.total
            bt = base.estimate.breakdown.total
            row.diff_pct = (row.diff_usd / bt * 100) if bt else None
    rows.sort(key=lambda r: (r.estimate is None, r.estimate.breakdown.total if r.estimate else Decimal(0), r.model.id))


def _converted(table: PriceTable, usage: Usage, assume: Assumptions, source: ModelPrice, model: ModelPrice) -> Row:
    """A row priced from counts made on `source`'s tokenizer, carried to `model`'s family."""
    from claude_cost.counting.convert import convert, ratio

    r = ratio(source.tokenizer, model.tokenizer)
    o = replace(assume, output_tokens=None)

    def scaled(f: Decimal) -> Usage:
        return replace(usage, **{c: convert(usage.tokens(c), f) for c in ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")})

    try:
        point = estimate_manual(table, model.id, scaled(r.point), o)
        if r.identity:
            how = "given" if source.id == model.id else f"counted on {source.id} (same tokenizer)"
            point.method = how
            return Row(model, point)
        low = estimate_manual(table, model.id, scaled(r.low), o)
        high = estimate_manual(table, model.id, scaled(r.high), o)
    except ScenarioError as exc:
        return Row(model, reason=exc.message)
    point.token_source = point.count_method = "converted"
    point.method = f"converted from {source.id} counts: x{r.point:.2f} (range x{r.low:.2f}–x{r.high:.2f}; {r.source})"
    point.prompt = Count(point.prompt.tokens, low.prompt.tokens, high.prompt.tokens, exact=False)
    point.low, point.high = low.breakdown, high.breakdown
    point.costliest_call_high = high.costliest_call
    point.notes = [f"tokens {point.method}", *point.notes]
    return Row(model, point)


def compare_manual(
    table: PriceTable, usage: Usage, assume: Assumptions, spec: str | None, counted_on: str | None = None, baseline: str | None = None
) -> Comparison:
    """Counts the user already has (made on `counted_on`'s tokenizer, default the first model
    listed) priced on every selected model; another tokenizer family gets converted counts with
    a range (`tokconvert`), never the same count reused."""
    day = assume.day or clock.today()
    if not spec and counted_on is None:
        raise InputError("compare with token counts needs --models (or --counted-on)", hint="e.g. --models opus-4.7,sonnet-4.6")
    first = resolve(table, counted_on).model if counted_on else select_models(table, spec, None, day)[0]
    models = select_models(table, spec, first, day)
    base_model = resolve(table, baseline).model if baseline else first
    if base_model.id not in {m.id for m in models}:
        models.insert(0, base_model)
    rows = [_converted(table, usage, assume, first, m) for m in models]
    base = next(r for r in rows if r.model.id == base_model.id)
    _differences(rows, base)
    info = [f"token counts as measured on {first.id} ({first.tokenizer or 'unknown'} tokenizer); other families converted with a range"]
    return Comparison(rows=rows, baseline=base, info=info)


def compare(
    table: PriceTable, request: dict[str, Any], assume: Assumptions, counting: CountSettings, spec: str | None,
    baseline: str | None = None, *, model: str | None = None,
) -> Comparison:  # fmt: skip
    """Estimate `request` on every selected model under the same scenario, sorted by total.
    `model` replaces the payload's model (the default baseline)."""
    pl.validate_request(request, "payload", model_given=model is not None)
    payload_model = resolve(table, model or request["model"]).model
    day = assume.day or clock.today()
    models = select_models(table, spec, payload_model, day)
    base_model = resolve(table, baseline).model if baseline else payload_model
    if base_model.id not in {m.id for m in models}:
        models.insert(0, base_model)

    counter, chosen = make_counter(counting, payload_model)
    info = [chosen] if chosen else []
    shared = counter if isinstance(counter, ApiCounter) else None
    if shared is not None:
        shared.prepare()  # create the client (and import the SDK) once, before the threads start

    # One count per model, never reused across models: tokenizers differ between families.
    with ThreadPoolExecutor(max_workers=min(16, len(models))) as pool:
        rows = list(pool.map(lambda m: _row(table, copy.deepcopy(request), assume, m, shared, counting.offline_method), models))

    base = next(r for r in rows if r.model.id == base_model.id)
    _differences(rows, base)
    return Comparison(rows=rows, baseline=base, info=info, counter=shared, offline_method=counting.offline_method)


def what_if_changes(table: PriceTable, request: dict[str, Any], assume: Assumptions, comparison: Comparison) -> list[WhatIf]:
    """The cheapest changes to the baseline request: batch, warm cache, a cheaper model of its family."""
    counter = comparison.counter
    base = comparison.baseline
    if base.estimate is None:
        return []
    total = base.estimate.breakdown.total
    model = base.model
    out: list[WhatIf] = []

    def add(change: str, new_total: Decimal) -> None:
        if new_total < total:
            saving = total - new_total
            out.append(WhatIf(change, new_total, saving, saving / total * 100 if total else Decimal(0)))

    def rerun(**changes: Any) -> Estimate | None:
        try:
            req = changes.pop("request", request)
            return estimate_payload(table, copy.deepcopy(req), replace(assume, **changes), counter or _offline(model, comparison.offline_method), model=model.id)
        except (ScenarioError, TokenCountError, ClaudeCostError):
            return None

    if not assume.batch and base.estimate.scenario.speed != "fast":
        est = rerun(batch=True)
        if est is not None:
            add("Batch API (50% off; results within 24 h)", est.breakdown.total)
    repeat = max(assume.repeat, 10)
    # Warm cache: the payload's own breakpoints, else automatic caching (top-level cache_control).
    explicit = len(pl.breakpoints(pl.countable(request, model.id).body))
    candidates = [("prompt caching", request)] if explicit else []
    if explicit < 4 and "cache_control" not in request:
        candidates.append(("automatic prompt caching (top-level cache_control)", {**request, "cache_control": {"type": "ephemeral"}}))
    for how, req in candidates:
        cold = rerun(repeat=repeat, cache="off", request=req)
        warm = rerun(repeat=repeat, cache="cold", request=req)
        if cold is not None and warm is not None and warm.breakdown.total < cold.breakdown.total:
            saving = cold.breakdown.total - warm.breakdown.total
            out.append(WhatIf(f"{how} over {repeat} calls: 1 cold + {repeat - 1} warm (vs {repeat} uncached)",
                              warm.breakdown.total, saving, saving / cold.breakdown.total * 100))  # fmt: skip
            break
    cheaper = [
        r for r in comparison.rows
        if r.estimate is not None and r.model.family == model.family and r.model.id != model.id and r.estimate.breakdown.total < total
    ]
    if not cheaper:
        day = assume.day or clock.today()
        for m in table.models.values():
            if m.family == family_of(model.id) and m.id != model.id and not m.is_retired(day):
                row = _row(table, copy.deepcopy(request), assume, m, counter, comparison.offline_method)
                if row.estimate is not None and row.estimate.breakdown.total < total:
                    cheaper.append(row)
    if cheaper:
        best = min(cheaper, key=lambda r: r.estimate.breakdown.total)  # type: ignore[union-attr]
        add(f"{best.model.name} instead of {model.name} (same family)", best.estimate.breakdown.total)  # type: ignore[union-attr]
    out.sort(key=lambda w: w.total)
    return out


def compare_input(
    table: PriceTable, *, payload: str | None, usage: Usage | None, assume: Assumptions, counting: CountSettings,
    models: str | None, baseline: str | None, counted_on: str | None, model: str | None, what_if: bool,
) -> tuple[Comparison, list[WhatIf]]:  # fmt: skip
    """What `compare` prices: a payload file on every model (and, on request, what-ifs), or
    token counts the user has, carried across tokenizer families."""
    if payload is None and usage is None:
        raise InputError("compare needs a payload file (or - for stdin), or token counts",
                         hint="e.g. compare --models opus-4.7,sonnet-4.6 --input-tokens 20000 --output-tokens 1000")  # fmt: skip
    if payload is not None and usage is not None:
        raise InputError("give a payload or token counts, not both")
    if usage is not None:
        if what_if:
            raise InputError("--what-if needs a payload (it re-counts the request)")
        return compare_manual(table, usage, assume, models or model, counted_on, baseline), []
    from claude_cost.sources.payload import read_payload

    request = read_payload(payload)  # type: ignore[arg-type]
    result = compare(table, request, assume, counting, models, baseline, model=model)
    return result, (what_if_changes(table, request, assume, result) if what_if else [])
