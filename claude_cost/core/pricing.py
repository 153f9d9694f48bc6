"""The pricing engine: usage + model price + scenario in, itemized exact Decimal lines out.

Pure: no I/O, no floats, no rounding. Every billing rule lives here once; the section numbers
cite `shared/reference/anthropic-api-facts.md` (the fact sheet).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from datetime import date
from decimal import Decimal

from claude_cost.core.errors import ScenarioError
from claude_cost.core.models import (
    TOKEN_CLASSES,
    Breakdown,
    CostLine,
    Fees,
    ModelPrice,
    Rates,
    Scenario,
    Usage,
)

__all__ = ["effective_model", "tier_of", "period_bounds", "price_period", "token_rates", "price", "price_requests", "cache_split", "check_context_window", "LABELS"]

MILLION = Decimal(1_000_000)
THOUSAND = Decimal(1000)

LABELS = {
    "input": "Input (uncached)",
    "cache_write_5m": "Cache write 5m",
    "cache_write_1h": "Cache write 1h",
    "cache_read": "Cache read",
    "output": "Output",
    "web_searches": "Web searches",
    "code_execution": "Code execution",
    "session": "Session runtime",
}


def effective_model(model: ModelPrice, day: date) -> ModelPrice:
    """The model as it was on `day`: every `history` entry whose `until` is after `day` applies.

    Entries are applied from the latest to the earliest, so on a day before several changes
    the oldest value wins. Example: Opus 4.7's minimum cacheable prompt was 4,096 tokens until
    2026-05-28 and 2,048 after (fact sheet §2).
    """
    if not model.history:
        return model
    key = (id(model), day)
    hit = _EFFECTIVE.get(key)
    if hit is not None and hit[0] is model:
        return hit[1]
    applicable = sorted((h for h in model.history if day < h.until), key=lambda h: h.until, reverse=True)
    effective = model
    for entry in applicable:
        effective = replace(effective, **entry.values)  # type: ignore[arg-type]
    _remember(_EFFECTIVE, key, (model, effective))
    return effective


# Memos of pure results, for runs that price thousands of requests. Keys hold `id()`s of the
# frozen inputs; each entry keeps a reference to those inputs, so an id cannot be reused by a
# different object while its entry exists, and a hit is checked by identity.
_EFFECTIVE: dict[tuple[int, date], tuple[ModelPrice, ModelPrice]] = {}
_RATES: dict[tuple[int, int, int | None, Scenario], tuple[ModelPrice, Fees, Rates, tuple[str, ...]]] = {}
_MEMO_SIZE = 512


def _remember(memo: dict, key: tuple, value: tuple) -> None:  # type: ignore[type-arg]
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


def price_period(model: ModelPrice, day: date) -> date | None:
    """The first day of the period `day` falls in, within which every rule of `model` prices
    alike: the table's dated boundaries (history, fast mode, long-context tiers, deprecation and
    retirement) split time into such periods. None: before the first boundary. Lets a caller
    price many days of one period once."""
    bounds = period_bounds(model)
    i = bisect_right(bounds, day)
    return bounds[i - 1] if i else None


def period_bounds(model: ModelPrice) -> list[date]:
    """The dated boundaries of `model`'s price periods, sorted: history, fast mode and
    long-context periods, deprecation and retirement."""
    found = _BOUNDS.get(id(model))
    if found is None or found[0] is not model:
        bounds = [h.until for h in model.history]
        for p in (*model.fast, *model.long_context):
            bounds += [d for d in (p.start, p.until) if d is not None]
        bounds += [d for d in (model.retired, model.deprecated) if isinstance(d, date)]
        found = (model, sorted(set(bounds)))
        _remember(_BOUNDS, id(model), found)  # type: ignore[arg-type]
    return found[1]


_BOUNDS: dict[int, tuple[ModelPrice, list[date]]] = {}  # per model: its dated boundaries, sorted


def tier_of(model: ModelPrice, prompt_tokens: int, day: date) -> int | None:
    """The threshold of the long-context tier a request of `prompt_tokens` falls in on `day`, or None."""
    above = [t.threshold for t in model.long_context if t.active(day) and prompt_tokens > t.threshold]
    return max(above) if above else None


def token_rates(model: ModelPrice, prompt_tokens: int, scenario: Scenario, fees: Fees) -> tuple[Rates, list[str]]:
    """Per-MTok rates for every token class of one request, and the rules that were applied.

    Stacking order, each step on the result of the one before:

    1. Base rates of the model at `scenario.day` (explicit per model, because cache-read
       multipliers differ: 0.1x on most models, 0.05x / 0.025x on some 5.x models, §2).
    2. Long-context tier: chosen by the request's *total* input (uncached + cache writes +
       cache reads; output does not count), strictly above the threshold, and then applied to
       *every* token of the request, output included (§7).
    3. Fast mode: the fast input/output rates replace the base (and tier) rates across the whole
       context window; cache writes/reads keep the model's multipliers on top of the fast input
       rate (§6). Not available with batch, nor on Bedrock / Google Cloud / Foundry (§3, §6).
    4. Batch: 50% of every class — the model's batch_input/input ratio on input and cache
       classes, batch_output/output on output — stacking with caching (§3).
    5. Data residency `inference_geo: "us"`: 1.1x on every token class including cache writes
       and reads, Claude 4.6+ only; older models reject it with a 400 (§5).
    6. Bedrock / Google Cloud regional endpoint: +10% for Sonnet 4.5 / Haiku 4.5 / Opus 4.5 and
       later (§11).
    """
    model = effective_model(model, scenario.day)
    threshold = tier_of(model, prompt_tokens, scenario.day) if model.long_context else None
    key = (id(model), id(fees), threshold, scenario)
    hit = _RATES.get(key)
    if hit is not None and hit[0] is model and hit[1] is fees:
        return hit[2], list(hit[3])
    rates, applied = _stacked_rates(model, threshold, scenario, fees)
    _remember(_RATES, key, (model, fees, rates, tuple(applied)))
    return rates, applied


def _percent(factor: Decimal) -> str:
    """0.5 → "50%" (exact, no exponent, no trailing zeros)."""
    text = format(factor * 100, "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _stacked_rates(model: ModelPrice, threshold: int | None, scenario: Scenario, fees: Fees) -> tuple[Rates, list[str]]:
    """`token_rates` for the effective `model` and the request's tier threshold (None: no tier)."""
    rates = model.rates
    applied: list[str] = []
    fast_rates = False

    if scenario.speed == "fast":
        fast = next((p for p in model.fast if p.active(scenario.day)), None)
        if scenario.batch:
            raise ScenarioError(
                "fast mode is not available with the Batch API", hint="drop --speed fast or --batch"
            )
        if scenario.platform != "api":
            raise ScenarioError(
                f"fast mode is not available on {scenario.platform}", hint="fast mode is a Claude API feature"
            )
        if fast is None:
            removed = [p for p in model.fast if p.until is not None and scenario.day >= p.until]
            if removed and model.fast_after_removal == "standard":
                applied.append(f"fast mode was removed on {removed[-1].until}: billed at standard speed and price")
            else:
                when = f" (removed {removed[-1].until})" if removed else ""
                raise ScenarioError(
                    f"fast mode is not available for {model.id} on {scenario.day}{when}",
                    hint="drop --speed fast, or add a [[models.ID.fast]] period with --prices FILE",
                )
        else:
            # Cache classes keep the model's own multiplier of its base input (§6: caching stacks).
            ratio = fast.input / rates.input if rates.input else Decimal(0)
            rates = Rates(
                input=fast.input,
                output=fast.output,
                cache_write_5m=rates.cache_write_5m * ratio,
                cache_write_1h=rates.cache_write_1h * ratio,
                cache_read=rates.cache_read * ratio,
            )
            applied.append(f"fast mode ${fast.input}/${fast.output} per MTok")
            fast_rates = True
    if not fast_rates:
        if threshold is not None:
            tier = next(t for t in model.long_context if t.active(scenario.day) and t.threshold == threshold)
            rates = tier.rates
            applied.append(f"long-context tier: input above {tier.threshold:,} tokens")

    if scenario.batch:
        in_factor = model.batch_input / model.rates.input if model.rates.input else Decimal(0)
        out_factor = model.batch_output / model.rates.output if model.rates.output else Decimal(0)
        rates = rates.scaled(in_factor, ("input", "cache_write_5m", "cache_write_1h", "cache_read"))
        rates = rates.scaled(out_factor, ("output",))
        applied.append(f"batch {_percent(in_factor)}")

    if scenario.geo == "us":
        if scenario.platform not in ("api", "foundry"):
            raise ScenarioError(
                f"inference_geo is a Claude API setting; {scenario.platform} has its own regional pricing",
                hint="use --endpoint regional for a regional endpoint",
            )
        if not model.us_residency:
            raise ScenarioError(
                f'{model.id} does not accept inference_geo "us" (the API returns 400; Claude 4.6 and later only)',
                hint="drop --geo us or pick a 4.6+ model",
            )
        rates = rates.scaled(fees.us_residency_multiplier)
        applied.append(f"US data residency x{fees.us_residency_multiplier}")

    if scenario.platform in ("bedrock", "vertex") and scenario.endpoint == "regional" and model.regional_premium:
        rates = rates.scaled(fees.regional_endpoint_multiplier)
        applied.append(f"{scenario.platform} regional endpoint x{fees.regional_endpoint_multiplier}")
    return rates, applied


def price(usage: Usage, model: ModelPrice, scenario: Scenario, fees: Fees, tier_prompt_tokens: int | None = None) -> Breakdown:
    """Itemized cost of `usage` on `model` under `scenario`.

    The long-context tier is chosen by `usage.prompt_tokens` — one request's input. When `usage`
    sums many requests that all fall on the same side of the threshold, pass one of their sizes
    as `tier_prompt_tokens` so the sum does not pick a tier none of them was billed at.

    Token lines: tokens x rate / 1,000,000, for uncached input and output always, and for each
    cache class that has tokens. Non-token lines (§9): web searches at $10 per 1,000 (not
    discounted in batch: no batch rate is published; not multiplied by residency, which is
    documented for token categories only), code-execution container-hours, and Managed Agents
    session-hours. The total is the exact sum of unrounded lines.
    """
    prompt = usage.prompt_tokens if tier_prompt_tokens is None else tier_prompt_tokens
    rates, applied = token_rates(model, prompt, scenario, fees)
    lines: list[CostLine] = []
    counts = (usage.input, usage.cache_write_5m, usage.cache_write_1h, usage.cache_read, usage.output)  # TOKEN_CLASSES order
    for cls, tokens in zip(TOKEN_CLASSES, counts):
        if tokens or cls in ("input", "output"):
            rate = getattr(rates, cls)
            n = Decimal(tokens)
            lines.append(CostLine(cls, LABELS[cls], n, "MTok", rate, n * rate / MILLION))
    if usage.web_searches:
        rate = fees.web_search_per_1000
        n = Decimal(usage.web_searches)
        lines.append(CostLine("web_searches", LABELS["web_searches"], n, "1K searches", rate, n * rate / THOUSAND))
    if usage.code_execution_hours:
        rate = fees.code_execution_per_hour
        h = usage.code_execution_hours
        lines.append(CostLine("code_execution", LABELS["code_execution"], h, "hour", rate, h * rate))
    if usage.session_hours:
        rate = fees.session_per_hour
        h = usage.session_hours
        lines.append(CostLine("session", LABELS["session"], h, "hour", rate, h * rate))
    total = sum([line.usd for line in lines], Decimal(0))
    eff = effective_model(model, scenario.day)
    notes = (f"{model.id} was retired on {eff.retired}: the API no longer serves it",) if eff.is_retired(scenario.day) else ()
    return Breakdown(model.id, tuple(lines), total, rates, tuple(applied), notes)


def check_context_window(model: ModelPrice, prompt_tokens: int, day: date, output_tokens: int = 0) -> None:
    """Raise when the prompt alone, or the output alone, does not fit the model's context window
    on `day` (either is a request the API rejects)."""
    window = effective_model(model, day).context_window
    if window is not None and prompt_tokens > window:
        raise ScenarioError(
            f"{prompt_tokens:,} input tokens do not fit {model.id}'s {window:,}-token context window on {day}",
            hint="the API would reject this request",
        )
    if window is not None and output_tokens > window:
        raise ScenarioError(
            f"{output_tokens:,} output tokens do not fit {model.id}'s {window:,}-token context window on {day}",
            hint="use a realistic --output-tokens or max_tokens",
        )


def price_requests(requests: list[tuple[Usage, int]], model: ModelPrice, scenario: Scenario, fees: Fees) -> Breakdown:
    """Price several requests, each `(usage, how_many_times)`, and merge their lines.

    Each distinct usage is priced on its own (a long-context tier is chosen per request, never
    on a sum), multiplied by its count; lines with the same item and rate are merged.
    """
    if len(requests) == 1 and requests[0][1] == 1:
        return price(requests[0][0], model, scenario, fees)  # the common case: nothing to merge
    merged: dict[tuple[str, Decimal], CostLine] = {}
    applied: list[str] = []
    notes: list[str] = []
    rates = None
    for usage, times in requests:
        if times <= 0:
            continue
        part = price(usage, model, scenario, fees)
        rates = rates or part.rates
        applied += [a for a in part.applied if a not in applied]
        notes += [n for n in part.notes if n not in notes]
        k = Decimal(times)
        for line in part.lines:
            key = (line.item, line.rate)
            prev = merged.get(key)
            quantity, usd = line.quantity * k, line.usd * k
            if prev is not None:
                quantity, usd = quantity + prev.quantity, usd + prev.usd
            merged[key] = CostLine(line.item, line.label, quantity, line.unit, line.rate, usd)
    if rates is None:
        raise ValueError("price_requests needs at least one request")
    order = {item: i for i, item in enumerate((*TOKEN_CLASSES, "web_searches", "code_execution", "session"))}
    lines = tuple(sorted(merged.values(), key=lambda line: (order.get(line.item, 99), line.rate)))
    total = sum((line.usd for line in lines), Decimal(0))
    return Breakdown(model=model.id, lines=lines, total=total, rates=rates, applied=tuple(applied), notes=tuple(notes))


def cache_split(total: int, prefixes: list[tuple[int, str, str]], mode: str, min_cacheable: int | None) -> tuple[dict[str, int], list[str]]:
    """Split one request's prompt into token classes from its cache breakpoints.

    `prefixes` are `(prefix_tokens, ttl, where)` per breakpoint in prefix order. Rules (fact
    sheet §2): a prefix below the model's minimum cacheable length is silently not cached by the
    API, so it is billed as uncached input (with a note). `cold` is the first call: with A = 0
    (no hit), B = the prefix at the last 1h breakpoint, C = the prefix at the last breakpoint,
    1h write = B − A, 5m write = C − B, uncached input = total − C. `warm` reads the prefix up to
    the last breakpoint (C) and the rest is uncached. `off` bills everything as uncached input.
    """
    notes: list[str] = []
    if mode == "off" or not prefixes:
        return {"input": total}, notes
    valid = []
    for tokens, ttl, where in prefixes:
        tokens = min(tokens, total)
        if min_cacheable is not None and tokens < min_cacheable:
            notes.append(
                f"cache breakpoint at {where}: the prefix ({tokens:,} tokens) is below this model's minimum of "
                f"{min_cacheable:,}, so the API does not cache it; billed as uncached input"
            )
        else:
            valid.append((tokens, ttl))
    if not valid:
        return {"input": total}, notes
    last = valid[-1][0]
    if mode == "warm":
        return {"cache_read": last, "input": total - last}, notes
    one_hour = max((t for t, ttl in valid if ttl == "1h"), default=0)
    return {"cache_write_1h": one_hour, "cache_write_5m": last - one_hour, "input": total - last}, notes
