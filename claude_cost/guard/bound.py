"""What a guarded request may cost before it is sent, and what it did cost after: the first
priced by the estimate core, the second exactly as `claude-cost usage` prices a response."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost.core.errors import InputError
from claude_cost.core.models import Assumptions, Count, Usage

__all__ = ["request_body", "request_bound", "actual_cost", "ClientCounter", "UnboundedRequest", "SDK_ONLY"]

#: Parameters the SDK takes that are not part of the request body.
SDK_ONLY = ("extra_headers", "extra_query", "extra_body", "timeout", "betas", "output_format")


class UnboundedRequest(InputError):
    """A request whose cost cannot be bounded before it is sent: it is refused, never reserved at $0."""


def request_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The Messages request among an SDK call's keyword arguments (SDK-only options and the
    SDK's omitted-value markers left out)."""
    body = {}
    for key, value in kwargs.items():
        if key in SDK_ONLY or type(value).__name__ in ("Omit", "NotGiven"):
            continue
        body[key] = value
    return body


class ClientCounter:
    """count_tokens through the wrapped client itself (its key, base URL and options)."""

    source = "api"
    method = "count_tokens API (through the guarded client)"
    count_method = "count_tokens"

    def __init__(self, count: Any) -> None:
        self._count = count  # a callable: body -> input tokens

    def count(self, body: dict[str, Any]) -> Count:
        return Count.of(int(self._count(body)))


def _counter(budget: Any, model: Any, client_count: Any) -> Any:
    """Offline and exact where ctok knows the model's tokenizer (count=auto/offline), else
    count_tokens through the client (auto/api); offline without ctok: the fitted range's high end."""
    from claude_cost.counting.offline import ctok_available, offline_counter

    if budget.count == "api" or (budget.count == "auto" and (model.ctok is None or not ctok_available()) and client_count is not None):
        if client_count is None:
            raise UnboundedRequest("count='api' needs a client to count with", hint="guard a client with budget.wrap(client)")
        return ClientCounter(client_count)
    counter = budget._counters.get(model.id)
    if counter is None:  # made once per model; threads that race both make one, and one is kept
        counter = budget._counters.setdefault(model.id, offline_counter(model, "auto"))
    return counter


def _history(budget: Any) -> Any:
    """The recorded calls a percentile reservation is taken from, loaded once: `history=` (a
    History, or profile / usage paths), else the ledger's own settled calls."""
    if budget._history is not None and not isinstance(budget._history, (str, list, tuple)) and hasattr(budget._history, "models"):
        return budget._history
    from claude_cost.engines.history import gather, load_history

    if budget._history is not None:
        paths = [budget._history] if isinstance(budget._history, str) else [str(p) for p in budget._history]
        history = load_history(budget.table, paths)
    else:
        from claude_cost.sources.ledger import records

        history = gather(budget.table, records(budget.ledger_target), [budget.ledger_target]).history
    budget._history = history
    return history


def request_bound(budget: Any, request: dict[str, Any], client_count: Any = None) -> tuple[Decimal, Any, Any]:
    """(the most `request` can cost in USD, its estimate, its model). Cache prefixes are billed
    as first writes; a percentile reserve is a soft cap, said once; what cannot be bounded
    (content count_tokens cannot count, a web search tool without max_uses) is refused."""
    from claude_cost.core.prices import resolve
    from claude_cost.estimating.estimate import estimate_payload, make_scenario
    from claude_cost.sources import payload as pl

    pl.validate_request(request, "request")
    model = resolve(budget.table, request["model"]).model
    if not isinstance(request.get("max_tokens"), int) or isinstance(request.get("max_tokens"), bool):
        raise UnboundedRequest("the request has no max_tokens: its output cannot be bounded", hint="set max_tokens")
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and str(tool.get("type", "")).startswith("web_search_") and not isinstance(tool.get("max_uses"), int):
            raise UnboundedRequest("a web search tool without max_uses: its searches cannot be bounded", hint="set max_uses on the tool")
    stat = None if budget.reserve == "max_tokens" else budget.reserve
    assume = Assumptions(cache="cold", output_stat=stat, history=_history(budget) if stat else None)
    counter = _counter(budget, model, client_count)
    if isinstance(counter, ClientCounter) and pl.breakpoints(pl.countable(request, model.id).body):
        # one count_tokens call, not one per breakpoint: the whole prompt at the dearest write rate it may pay
        est = _one_count_bound(budget, request, model, counter, assume, make_scenario)
    else:
        est = estimate_payload(budget.table, request, assume, counter)
    left = [x for x in est.left_out if not x.startswith("server tool")]
    if left:
        raise UnboundedRequest("the request holds content that cannot be counted before it is sent: " + "; ".join(left),
                               hint="send images and documents as base64, so they can be counted")  # fmt: skip
    if stat is not None and est.output_basis is not None and est.output_basis.kind in ("history", "pooled"):
        budget._say(f"soft:{model.id}", f"budget {budget.scope!r}: output of {model.id} is reserved at its recorded {stat} "
                                        f"({est.output_basis.tokens:,} tokens), a soft cap: a longer answer is settled at what it cost")  # fmt: skip
    high = est.costliest_call_high if est.costliest_call_high is not None else est.costliest_call
    return high, est, model


def _one_count_bound(budget: Any, request: dict[str, Any], model: Any, counter: ClientCounter, assume: Assumptions, make_scenario: Any) -> Any:
    """With count_tokens and cache breakpoints: every prompt token at the dearest rate it may be
    billed at (a 1h write if any breakpoint asks for 1h, else a 5m write): an upper bound from one call."""
    from claude_cost.estimating.estimate import _web_searches, estimate_manual
    from claude_cost.sources import payload as pl

    body = pl.countable(request, model.id)
    total = counter.count(body.body).tokens
    ttls = {bp.ttl for bp in pl.breakpoints(body.body)}
    searches = _web_searches(assume, request)[0]
    usage = Usage(cache_write_1h=total, web_searches=searches) if "1h" in ttls else Usage(cache_write_5m=total, web_searches=searches)
    est = estimate_manual(budget.table, model.id, usage, replace(assume, output_tokens=None), request)
    est.left_out = body.left_out
    return est


def actual_cost(table: Any, usage: dict[str, Any], model: str, hold: Any, day: date) -> tuple[Decimal, tuple[int, ...], str]:
    """A response's cost, priced as `claude-cost usage` prices it (the same reader, the same
    engine); the scenario the request was sent with where the usage does not say it."""
    from claude_cost.engines.python import summarize
    from claude_cost.sources.records import Record, parse_usage

    try:
        counts, _assumed, geo, speed, batch = parse_usage(usage)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    record = Record(model, day, counts, batch or hold.batch, geo or hold.geo, speed if usage.get("speed") else hold.speed, "response")
    summary = summarize(table, [record], "model", day)
    if summary.problem_count:
        raise InputError(summary.problems[0].reason)
    model_id = summary.groups[0].key[0] if summary.groups else model
    return summary.total, counts, model_id
