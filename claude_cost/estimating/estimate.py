"""One request to a priced estimate: from a payload (counted by a TokenCounter) or from counts
the user gives. Used by the commands and by library users. Never prints: notes for the user are
returned on the result."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from claude_cost.core import clock, pricing
from claude_cost.core.errors import InputError
from claude_cost.core.models import (
    Assumptions,
    Breakdown,
    Count,
    Estimate,
    Fees,
    ModelPrice,
    OutputBasis,
    PriceTable,
    Scenario,
    Usage,
)
from claude_cost.core.prices import Resolved, resolve
from claude_cost.counting.base import CountSettings, TokenCounter, make_counter

if TYPE_CHECKING:
    from claude_cost.sources import payload as pl

__all__ = ["make_scenario", "estimate", "estimate_input", "estimate_manual", "estimate_payload", "repeat_calls", "project", "PERIOD_DAYS"]

#: Workload periods in days: a "month" is 30 days and a "year" 365, said wherever shown.
PERIOD_DAYS: dict[str, Decimal] = {
    "hour": Decimal(1) / 24,
    "day": Decimal(1),
    "week": Decimal(7),
    "month": Decimal(30),
    "year": Decimal(365),
}


def project(total: Decimal, high: Decimal | None, per: str | None) -> tuple[tuple[str, Decimal, Decimal | None], ...]:
    """`total` spent once per `per`, projected over that period and every longer one.

    >>> [(p, str(t)) for p, t, _ in project(Decimal("37"), None, "day")]
    [('day', '37'), ('week', '259'), ('month', '1110'), ('year', '13505')]
    """
    if per is None:
        return ()
    if per not in PERIOD_DAYS:
        raise InputError(f"--per must be one of {', '.join(PERIOD_DAYS)}, not {per!r}")
    base = PERIOD_DAYS[per]
    out = []
    for name, days in PERIOD_DAYS.items():
        if days >= base:
            factor = days / base
            out.append((name, total * factor, None if high is None else high * factor))
    return tuple(out)


def make_scenario(resolved: Resolved, assume: Assumptions, request: dict[str, Any] | None = None) -> Scenario:
    """Scenario from the assumptions, then the payload (`inference_geo`, `speed`), then the model
    id's platform (a Bedrock regional prefix prices the regional endpoint)."""
    request = request or {}
    geo = assume.geo or request.get("inference_geo")
    speed = assume.speed or request.get("speed") or "standard"
    for name, value, allowed in (("inference_geo", geo, ("us", "global", None)), ("speed", speed, ("standard", "fast"))):
        if value not in allowed:
            raise InputError(f"{name} {value!r} is not one of {', '.join(a for a in allowed if a)}")
    return Scenario(
        day=assume.day or clock.today(),
        batch=bool(assume.batch),
        geo=geo,
        speed=speed,
        platform=assume.platform or resolved.platform or "api",
        endpoint=assume.endpoint or resolved.endpoint or "global",
    )


def _output(model: ModelPrice, assume: Assumptions, request: dict[str, Any] | None) -> tuple[OutputBasis, list[str]]:
    """Output tokens per call and where they came from (estimating.output), with its note."""
    from claude_cost.estimating.output import choose_output

    basis = choose_output(model, assume, request)
    return basis, [basis.note] if basis.note else []


def _band(basis: OutputBasis, assume: Assumptions, breakdown: Breakdown, model: ModelPrice, scenario: Scenario, fees: Fees,
          prompt: int) -> tuple[int, int, Decimal, Decimal] | None:  # fmt: skip
    """With `mean` from a history: the p5–p95 band of the total output of the `repeat` calls
    (core.history.Distribution.sum_band) and the totals it gives: the mean's output cost
    replaced by the band's, priced by the core at this request's rates."""
    if basis.kind != "history" or basis.stat != "mean" or assume.history is None or basis.capped_at is not None:
        return None
    dist = assume.history.models[model.id].dist
    n = assume.repeat
    lo, hi = dist.sum_band(n)
    at = n * basis.tokens

    def output_cost(tokens: int) -> Decimal:
        return pricing.price(Usage(output=tokens), model, scenario, fees, tier_prompt_tokens=prompt).total

    base = breakdown.total - output_cost(at)
    return lo, hi, base + output_cost(lo), base + output_cost(hi)


def _web_searches(assume: Assumptions, request: dict[str, Any]) -> tuple[int, list[str]]:
    if assume.web_searches is not None:
        return assume.web_searches, []
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and str(tool.get("type", "")).startswith("web_search_"):
            uses = tool.get("max_uses")
            if isinstance(uses, int):
                return uses, [f"web searches billed at the tool's max_uses ({uses}), an upper bound; pass --web-searches N"]
            return 0, ["the web search tool has no max_uses: searches are not billed; pass --web-searches N"]
    return 0, []


def repeat_calls(usage: Usage, repeat: int, cache: str) -> list[tuple[Usage, int]]:
    """One call's usage (as given) made `repeat` times: `(usage, times)` per kind of call.

    cold: the first call as given, every later one reads what the first wrote (cache writes
    become cache reads, fact sheet §2 "Lifetime"); warm: every call reads; off: nothing is
    cached, every prompt token is uncached input. Non-token hours are billed once per run.
    """
    if repeat < 1:
        raise InputError("--repeat must be at least 1")
    if cache not in ("cold", "warm", "off"):
        raise InputError(f"--cache must be cold, warm or off, not {cache!r}")
    written = usage.cache_write_5m + usage.cache_write_1h
    warm = replace(usage, cache_write_5m=0, cache_write_1h=0, cache_read=usage.cache_read + written)
    if cache == "off":
        plain = replace(usage, input=usage.prompt_tokens, cache_write_5m=0, cache_write_1h=0, cache_read=0)
        calls = [(plain, 1), (replace(plain, code_execution_hours=Decimal(0), session_hours=Decimal(0)), repeat - 1)]
    elif cache == "warm":
        calls = [(warm, 1), (replace(warm, code_execution_hours=Decimal(0), session_hours=Decimal(0)), repeat - 1)]
    else:
        calls = [(usage, 1), (replace(warm, code_execution_hours=Decimal(0), session_hours=Decimal(0)), repeat - 1)]
    return [(u, n) for u, n in calls if n > 0]


def _repeat_note(assume: Assumptions) -> list[str]:
    if assume.repeat <= 1:
        return []
    per = f" per {assume.per}" if assume.per else ""
    if assume.cache == "cold":
        return [f"{assume.repeat:,} identical calls{per} within the cache TTL: 1 cold + {assume.repeat - 1:,} warm"]
    return [f"{assume.repeat:,} identical calls{per}, cache {assume.cache}"]


def estimate_manual(table: PriceTable, model_name: str, usage: Usage, assume: Assumptions, request: dict[str, Any] | None = None) -> Estimate:
    """Price counts given by the user (`usage.input` is the uncached input, as in the API's
    usage) for `assume.repeat` calls, as `repeat_calls` splits them."""
    resolved = resolve(table, model_name)
    scenario = make_scenario(resolved, assume, request)
    if assume.output_tokens is None and (assume.output_stat is not None or request is not None):
        basis, notes = _output(resolved.model, assume, request)
    else:  # the counts as given (their output too; none given: 0)
        kind = "given" if assume.output_tokens is not None or usage.output else "none"
        basis, notes = OutputBasis(kind, usage.output, usage.output, usage.output), []
    usage = replace(usage, output=basis.tokens)
    pricing.check_context_window(resolved.model, usage.prompt_tokens, scenario.day, basis.high)
    calls = repeat_calls(usage, assume.repeat, assume.cache)
    breakdown = pricing.price_requests(calls, resolved.model, scenario, table.fees)
    total_usage = sum((u.times(n) for u, n in calls[1:]), calls[0][0].times(calls[0][1]))
    low = high = None
    costliest_high = None
    if basis.ranged:  # a pooled figure: the range's ends priced too
        low = pricing.price_requests(repeat_calls(replace(usage, output=basis.low), assume.repeat, assume.cache), resolved.model, scenario, table.fees)
        high_calls = repeat_calls(replace(usage, output=basis.high), assume.repeat, assume.cache)
        high = pricing.price_requests(high_calls, resolved.model, scenario, table.fees)
        costliest_high = _costliest_call(high_calls, high, resolved.model, scenario, table.fees)
    return Estimate(
        model=resolved.model,
        scenario=scenario,
        token_source="manual",
        method="given on the command line",
        prompt=Count.of(usage.prompt_tokens),
        output_tokens=basis.tokens,
        usage=total_usage,
        breakdown=breakdown,
        requests=assume.repeat,
        low=low,
        high=high,
        output_upper_bound=basis.kind == "max_tokens",
        notes=[*notes, *_repeat_note(assume), *breakdown.notes],
        costliest_call=_costliest_call(calls, breakdown, resolved.model, scenario, table.fees),
        costliest_call_high=costliest_high,
        per=assume.per,
        projection=project(breakdown.total, high.total if high is not None else None, assume.per),
        output_basis=basis,
        output_band=_band(basis, assume, breakdown, resolved.model, scenario, table.fees, usage.prompt_tokens),
        price_table=(table.source, table.as_of),
    )


def _costliest_call(requests: list[tuple[Usage, int]], whole: Breakdown, model: ModelPrice, scenario: Scenario, fees: Fees) -> Decimal:
    """The cost of the costliest single call among `requests` (`(usage, times)`, priced together as `whole`)."""
    live = [(u, t) for u, t in requests if t > 0]
    if len(live) == 1:
        return whole.total / live[0][1]  # identical calls: exact
    return max(pricing.price(u, model, scenario, fees).total for u, _ in live)


def _prefix_counts(
    counter: TokenCounter, body: dict[str, Any], bps: list[pl.Breakpoint], family: str | None
) -> tuple[list[Count], bool]:
    """The token count of the prefix ending at each breakpoint (tools → system → messages), and
    whether a placeholder turn had to be used for any of them."""
    from claude_cost.sources import payload as pl

    placeholder_cost: int | None = None
    counts = []
    used = False
    for bp in bps:
        cut, with_placeholder = pl.cut_after(body, bp.position)
        count = counter.count(cut)
        if with_placeholder:
            used = True
            if placeholder_cost is None:
                from claude_cost.counting.offline import (
                    FRAME,  # the per-family frame (stdlib-only module)
                )

                alone = counter.count({"model": body["model"], "messages": [dict(pl.PLACEHOLDER)]})
                placeholder_cost = max(alone.tokens - FRAME.get(family or "", 7), 0)
            count = count.minus(placeholder_cost)
        counts.append(count)
    return counts, used


def estimate_payload(
    table: PriceTable,
    request: dict[str, Any],
    assume: Assumptions,
    counter: TokenCounter,
    *,
    model: str | None = None,
    where: str = "payload",
    countable: pl.CountableRequest | None = None,
) -> Estimate:
    """Count a Messages request with `counter`, bill its cache breakpoints, and price it under
    the assumptions. `model` overrides the payload's model.

    `countable` may pass in `payload.countable(request, model id)` when the caller already made it.
    """
    from claude_cost.sources import payload as pl

    pl.validate_request(request, where, model_given=model is not None)
    resolved = resolve(table, model or request["model"])
    model_price = resolved.model
    scenario = make_scenario(resolved, assume, request)
    return _price_payload(table, request, assume, counter, model_price, scenario, countable)


def _price_payload(
    table: PriceTable, request: dict[str, Any], assume: Assumptions, counter: TokenCounter, model: ModelPrice,
    scenario: Scenario, countable: pl.CountableRequest | None,
) -> Estimate:  # fmt: skip
    from claude_cost.sources import payload as pl

    info: list[str] = []
    if countable is None or countable.body.get("model") != model.id:
        countable = pl.countable(request, model.id)
    bps = pl.breakpoints(countable.body)
    total = counter.count(countable.body)
    prefixes: list[Count] = []
    if bps and assume.cache != "off":
        prefixes, used_placeholder = _prefix_counts(counter, countable.body, bps, model.tokenizer)
        if used_placeholder and total.exact:
            notes_pre = ["prefix counts measured with a one-character placeholder turn: a few tokens either way"]
        else:
            notes_pre = []
    else:
        notes_pre = []

    min_cacheable = pricing.effective_model(model, scenario.day).min_cacheable
    basis, notes = _output(model, assume, request)
    outs = {"tokens": basis.tokens, "low": basis.low, "high": basis.high}
    searches, search_notes = _web_searches(assume, request)
    notes += search_notes + notes_pre
    if total.low_confidence:
        from claude_cost.counting.offline import CTOK_INSTALL

        notes.append("low confidence: some of the text is spelled unlike the languages the offline estimate was fitted on (a language or "
                     f"script it has not seen), so its range is widened to what such texts measured; for exact counts: {CTOK_INSTALL}")  # fmt: skip
    if countable.left_out:
        notes.append("not countable by count_tokens, left out of the input count: " + "; ".join(countable.left_out))
    if prefixes and min_cacheable is None:
        notes.append(f"{model.id} has no known minimum cacheable length: every breakpoint is assumed to cache")
    if prefixes and any(bp.automatic for bp in bps):
        notes.append("automatic caching (top-level cache_control): breakpoint on the last block")
    modes = [("cold", 1), ("warm", assume.repeat - 1)] if assume.cache == "cold" else [(assume.cache, assume.repeat)]

    def usages(pick: str) -> tuple[list[tuple[Usage, int]], Usage, list[str]]:
        tot = getattr(total, pick)
        pre = [(getattr(c, pick), bp.ttl, bp.where) for c, bp in zip(prefixes, bps)]
        per_request: list[tuple[Usage, int]] = []
        split_notes: list[str] = []
        summed: Usage | None = None
        for i, (mode, times) in enumerate(modes):
            if times <= 0:
                continue
            classes, n = pricing.cache_split(tot, pre, mode, min_cacheable)
            split_notes += [x for x in n if x not in split_notes]
            extra = (assume.code_execution_hours, assume.session_hours) if i == 0 else (Decimal(0), Decimal(0))
            u = Usage(**classes, output=outs[pick], web_searches=searches, code_execution_hours=extra[0], session_hours=extra[1])
            per_request.append((u, times))
            summed = u.times(times) if summed is None else summed + u.times(times)
        return per_request, summed or Usage(), split_notes

    pricing.check_context_window(model, total.tokens, scenario.day, basis.high)
    point_requests, usage, split_notes = usages("tokens")
    notes += split_notes
    breakdown = pricing.price_requests(point_requests, model, scenario, table.fees)
    costliest = _costliest_call(point_requests, breakdown, model, scenario, table.fees)
    low = high = None
    costliest_high = None
    if not total.exact or basis.ranged:
        low = pricing.price_requests(usages("low")[0], model, scenario, table.fees)
        high_requests = usages("high")[0]
        high = pricing.price_requests(high_requests, model, scenario, table.fees)
        costliest_high = _costliest_call(high_requests, high, model, scenario, table.fees)
    notes += _repeat_note(assume)
    return Estimate(
        model=model,
        scenario=scenario,
        token_source=counter.source,
        method=counter.method,
        count_method=getattr(counter, "count_method", counter.source),
        prompt=total,
        output_tokens=basis.tokens,
        usage=usage,
        breakdown=breakdown,
        requests=assume.repeat,
        low=low,
        high=high,
        output_upper_bound=basis.kind == "max_tokens",
        notes=[*notes, *breakdown.notes],
        left_out=countable.left_out,
        info=info,
        costliest_call=costliest,
        costliest_call_high=costliest_high,
        per=assume.per,
        projection=project(breakdown.total, high.total if high is not None else None, assume.per),
        output_basis=basis,
        output_band=_band(basis, assume, breakdown, model, scenario, table.fees, total.tokens),
        price_table=(table.source, table.as_of),
    )


def estimate(
    table: PriceTable, request: dict[str, Any], assume: Assumptions, counting: CountSettings, *, model: str | None = None, where: str = "payload"
) -> Estimate:
    """The one call for a payload: pick the counter the settings ask for, then estimate. The
    estimate's `info` says which counter `auto` chose."""
    from claude_cost.sources import payload as pl

    pl.validate_request(request, where, model_given=model is not None)
    counter, chosen = make_counter(counting, resolve(table, model or request["model"]).model)
    result = estimate_payload(table, request, assume, counter, model=model, where=where)
    if chosen:
        result.info.insert(0, chosen)
    return result


def estimate_input(
    table: PriceTable, *, request: dict[str, Any] | None, usage: Usage | None, assume: Assumptions, counting: CountSettings,
    model: str | None = None, where: str = "payload",
) -> Estimate:  # fmt: skip
    """What `estimate` prices for one request: counts given by the user (for `model` or the
    payload's model), else the payload, counted as the settings say."""
    if usage is not None:
        name = model or (request or {}).get("model")
        if not isinstance(name, str):
            raise InputError("manual counts need a model", hint="pass --model, e.g. --model opus-4.7")
        return estimate_manual(table, name, usage, assume, request)
    if request is None:
        raise InputError("nothing to estimate", hint="give a payload file (or - for stdin), or --model M --input-tokens N")
    return estimate(table, request, assume, counting, model=model, where=where)
