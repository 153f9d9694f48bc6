"""Orchestration shared by the CLI and library users: payload or manual counts → priced estimate.

Never prints: notes for the user are returned on the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost import payload as pl
from claude_cost import pricing
from claude_cost.counting import ApiCounter, Count, OfflineCounter, TokenCounter, has_credentials
from claude_cost.errors import InputError
from claude_cost.models import Breakdown, Fees, ModelPrice, PriceTable, Scenario, Usage
from claude_cost.prices import Resolved, resolve

__all__ = ["Options", "Estimate", "make_scenario", "make_counter", "estimate_manual", "estimate_payload"]


@dataclass
class Options:
    """Everything the user can set about one estimate (None: take it from the payload / default)."""

    model: str | None = None
    count: str = "auto"  # api | offline | auto
    cache: str = "cold"  # cold | warm | off
    repeat: int = 1
    output_tokens: int | None = None
    web_searches: int | None = None
    code_execution_hours: Decimal = Decimal(0)
    session_hours: Decimal = Decimal(0)
    batch: bool | None = None
    geo: str | None = None
    speed: str | None = None
    platform: str | None = None
    endpoint: str | None = None
    day: date | None = None
    timeout: float | None = None
    max_retries: int | None = None
    count_cache: bool = True  # keep API counts in the on-disk cache (hashes and counts only)
    per: str | None = None  # the `repeat` calls are made once per hour | day | week | month


@dataclass
class Estimate:
    """A priced estimate: the point breakdown, and low/high breakdowns when counts are estimated."""

    model: ModelPrice
    scenario: Scenario
    token_source: str
    method: str
    prompt: Count  # input tokens of one request (what count_tokens returns)
    output_tokens: int  # per request
    usage: Usage  # all requests together
    breakdown: Breakdown
    requests: int = 1
    low: Breakdown | None = None
    high: Breakdown | None = None
    output_upper_bound: bool = False
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)  # how it was counted, for stderr
    # the costliest single call among `requests` (the cold one, with --repeat and a cold cache)
    costliest_call: Decimal = Decimal(0)
    costliest_call_high: Decimal | None = None
    per: str | None = None  # `requests` calls per this period (see PERIOD_DAYS)
    projection: tuple[tuple[str, Decimal, Decimal | None], ...] = ()  # (period, total, high total)


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


def make_scenario(resolved: Resolved, opts: Options, request: dict[str, Any] | None = None) -> Scenario:
    """Scenario from flags, then the payload (`inference_geo`, `speed`), then the model id's platform."""
    request = request or {}
    geo = opts.geo or request.get("inference_geo")
    speed = opts.speed or request.get("speed") or "standard"
    for name, value, allowed in (("inference_geo", geo, ("us", "global", None)), ("speed", speed, ("standard", "fast"))):
        if value not in allowed:
            raise InputError(f"{name} {value!r} is not one of {', '.join(a for a in allowed if a)}")
    return Scenario(
        day=opts.day or date.today(),
        batch=bool(opts.batch),
        geo=geo,
        speed=speed,
        platform=opts.platform or resolved.platform or "api",
        endpoint=opts.endpoint or resolved.endpoint or "global",
    )


def api_counter(opts: Options) -> ApiCounter:
    cache = None
    if opts.count_cache:
        from claude_cost.countcache import CountCache

        try:
            cache = CountCache()
        except OSError:
            cache = None  # an unwritable cache directory only costs speed
    return ApiCounter(timeout=opts.timeout, max_retries=opts.max_retries, cache=cache)


def make_counter(opts: Options, model: ModelPrice) -> tuple[TokenCounter, str | None]:
    """The counter `--count` asks for, and a line saying which one `auto` chose."""
    mode = opts.count
    if mode not in ("api", "offline", "auto"):
        raise InputError(f"--count must be api, offline or auto, not {mode!r}")
    if mode == "auto":
        if has_credentials():
            return api_counter(opts), "counting with the count_tokens API (credentials found)"
        mode = "offline"
        chosen = "no API credentials found: counting offline (an estimate with a range); set ANTHROPIC_API_KEY for exact counts"
    else:
        chosen = None
    if mode == "api":
        return api_counter(opts), chosen
    return OfflineCounter(model.tokenizer, (model.tool_prompt_auto, model.tool_prompt_any)), chosen


def _output(opts: Options, request: dict[str, Any] | None) -> tuple[int, bool, list[str]]:
    if opts.output_tokens is not None:
        return opts.output_tokens, False, []
    if request is not None and isinstance(request.get("max_tokens"), int):
        n = request["max_tokens"]
        return n, True, [f"output billed at max_tokens ({n:,}), an upper bound; pass --output-tokens for a typical reply"]
    return 0, False, ["no output tokens given (no --output-tokens, no max_tokens): output billed as 0"]


def _web_searches(opts: Options, request: dict[str, Any]) -> tuple[int, list[str]]:
    if opts.web_searches is not None:
        return opts.web_searches, []
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


def _repeat_note(opts: Options) -> list[str]:
    if opts.repeat <= 1:
        return []
    per = f" per {opts.per}" if opts.per else ""
    if opts.cache == "cold":
        return [f"{opts.repeat:,} identical calls{per} within the cache TTL: 1 cold + {opts.repeat - 1:,} warm"]
    return [f"{opts.repeat:,} identical calls{per}, cache {opts.cache}"]


def estimate_manual(table: PriceTable, model_name: str, usage: Usage, opts: Options, request: dict[str, Any] | None = None) -> Estimate:
    """Price counts given by the user (`usage.input` is the uncached input, as in the API's
    usage) for `opts.repeat` calls, as `repeat_calls` splits them."""
    resolved = resolve(table, model_name)
    scenario = make_scenario(resolved, opts, request)
    out, upper, notes = (usage.output, False, []) if opts.output_tokens is not None or request is None else _output(opts, request)
    usage = replace(usage, output=out)
    pricing.check_context_window(resolved.model, usage.prompt_tokens, scenario.day, usage.output)
    calls = repeat_calls(usage, opts.repeat, opts.cache)
    breakdown = pricing.price_requests(calls, resolved.model, scenario, table.fees)
    total_usage = sum((u.times(n) for u, n in calls[1:]), calls[0][0].times(calls[0][1]))
    return Estimate(
        model=resolved.model,
        scenario=scenario,
        token_source="manual",
        method="given on the command line",
        prompt=Count.of(usage.prompt_tokens),
        output_tokens=out,
        usage=total_usage,
        breakdown=breakdown,
        requests=opts.repeat,
        output_upper_bound=upper,
        notes=[*notes, *_repeat_note(opts), *breakdown.notes],
        costliest_call=_costliest_call(calls, breakdown, resolved.model, scenario, table.fees),
        per=opts.per,
        projection=project(breakdown.total, None, opts.per),
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
    placeholder_cost: int | None = None
    counts = []
    used = False
    for bp in bps:
        cut, with_placeholder = pl.cut_after(body, bp.position)
        count = counter.count(cut)
        if with_placeholder:
            used = True
            if placeholder_cost is None:
                from claude_cost.offline import FRAME  # the per-family frame (stdlib-only module)

                alone = counter.count({"model": body["model"], "messages": [dict(pl.PLACEHOLDER)]})
                placeholder_cost = max(alone.tokens - FRAME.get(family or "", 7), 0)
            count = count.minus(placeholder_cost)
        counts.append(count)
    return counts, used


def estimate_payload(
    table: PriceTable,
    request: dict[str, Any],
    opts: Options,
    *,
    where: str = "payload",
    counter: TokenCounter | None = None,
    countable: pl.CountableRequest | None = None,
) -> Estimate:
    """Count a Messages request (API or offline), bill its cache breakpoints, and price it.

    `countable` may pass in `payload.countable(request, model id)` when the caller already made it.
    """
    pl.validate_request(request, where, model_given=opts.model is not None)
    resolved = resolve(table, opts.model or request["model"])
    model = resolved.model
    scenario = make_scenario(resolved, opts, request)
    info: list[str] = []
    if counter is None:
        counter, chosen = make_counter(opts, model)
        if chosen:
            info.append(chosen)
    if opts.repeat < 1:
        raise InputError("--repeat must be at least 1")

    if opts.cache not in ("cold", "warm", "off"):
        raise InputError(f"--cache must be cold, warm or off, not {opts.cache!r}")
    if countable is None or countable.body.get("model") != model.id:
        countable = pl.countable(request, model.id)
    bps = pl.breakpoints(countable.body)
    total = counter.count(countable.body)
    prefixes: list[Count] = []
    if bps and opts.cache != "off":
        prefixes, used_placeholder = _prefix_counts(counter, countable.body, bps, model.tokenizer)
        if used_placeholder and total.exact:
            notes_pre = ["prefix counts measured with a one-character placeholder turn: a few tokens either way"]
        else:
            notes_pre = []
    else:
        notes_pre = []

    min_cacheable = pricing.effective_model(model, scenario.day).min_cacheable
    out, upper, notes = _output(opts, request)
    searches, search_notes = _web_searches(opts, request)
    notes += search_notes + notes_pre
    if countable.left_out:
        notes.append("not countable by count_tokens, left out of the input count: " + "; ".join(countable.left_out))
    if prefixes and min_cacheable is None:
        notes.append(f"{model.id} has no known minimum cacheable length: every breakpoint is assumed to cache")
    if prefixes and any(bp.automatic for bp in bps):
        notes.append("automatic caching (top-level cache_control): breakpoint on the last block")
    modes = [("cold", 1), ("warm", opts.repeat - 1)] if opts.cache == "cold" else [(opts.cache, opts.repeat)]

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
            extra = (opts.code_execution_hours, opts.session_hours) if i == 0 else (Decimal(0), Decimal(0))
            u = Usage(**classes, output=out, web_searches=searches, code_execution_hours=extra[0], session_hours=extra[1])
            per_request.append((u, times))
            summed = u.times(times) if summed is None else summed + u.times(times)
        return per_request, summed or Usage(), split_notes

    pricing.check_context_window(model, total.tokens, scenario.day, out)
    point_requests, usage, split_notes = usages("tokens")
    notes += split_notes
    breakdown = pricing.price_requests(point_requests, model, scenario, table.fees)
    costliest = _costliest_call(point_requests, breakdown, model, scenario, table.fees)
    low = high = None
    costliest_high = None
    if not total.exact:
        low = pricing.price_requests(usages("low")[0], model, scenario, table.fees)
        high_requests = usages("high")[0]
        high = pricing.price_requests(high_requests, model, scenario, table.fees)
        costliest_high = _costliest_call(high_requests, high, model, scenario, table.fees)
    notes += _repeat_note(opts)
    return Estimate(
        model=model,
        scenario=scenario,
        token_source=counter.source,
        method=counter.method,
        prompt=total,
        output_tokens=out,
        usage=usage,
        breakdown=breakdown,
        requests=opts.repeat,
        low=low,
        high=high,
        output_upper_bound=upper,
        notes=[*notes, *breakdown.notes],
        left_out=countable.left_out,
        info=info,
        costliest_call=costliest,
        costliest_call_high=costliest_high,
        per=opts.per,
        projection=project(breakdown.total, high.total if high is not None else None, opts.per),
    )

