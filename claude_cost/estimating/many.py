"""Many requests in one run (files, globs, directories, JSONL, Batch API lines): estimate each,
concurrently when counting with the API, and total them. Never prints."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from claude_cost.core.errors import ApiError, ClaudeCostError
from claude_cost.core.models import Assumptions, Count, Estimate, PriceTable
from claude_cost.core.prices import resolve
from claude_cost.counting.api import ApiCounter
from claude_cost.counting.base import CountSettings, TokenCounter, api_counter
from claude_cost.estimating.estimate import estimate, estimate_payload
from claude_cost.sources.payload import CountableRequest, Source, countable

__all__ = ["Item", "Run", "estimate_many"]



@dataclass
class Item:
    location: str
    estimate: Estimate | None = None
    error: str | None = None


@dataclass
class Run:
    items: list[Item]
    total: Decimal
    total_high: Decimal | None
    info: list[str] = field(default_factory=list)
    api_calls: int = 0
    cache_hits: int = 0

    @property
    def errors(self) -> list[Item]:
        return [i for i in self.items if i.error is not None]

    @property
    def estimated(self) -> list[Item]:
        """The items that were estimated (each has its `estimate`)."""
        return [i for i in self.items if i.estimate is not None]


def estimate_many(
    table: PriceTable,
    sources: list[Source],
    assume: Assumptions,
    counting: CountSettings,
    *,
    model: str | None = None,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Estimate every request; a request that fails is reported with its location, the rest go on.

    An API failure (exit 3 class) stops the run: it would fail every other request too.
    """
    info: list[str] = []
    use_api = counting.uses_api
    shared: ApiCounter | None = None
    if use_api:
        # default to more retries in a long run: the SDK waits as retry-after asks on 429
        # the client (and the SDK import) is made on the first cache miss: a run served from
        # the cache never pays for it
        shared = api_counter(counting if counting.max_retries is not None else replace(counting, max_retries=4))
        shared.rate_retries = 20  # a long run waits out rate limits instead of failing
        if counting.mode == "auto":
            info.append("counting with the count_tokens API (credentials found)")
    elif counting.mode == "auto":
        info.append("no API credentials found: counting offline (estimates with ranges); set ANTHROPIC_API_KEY for exact counts")
    done = 0
    batch_opts = replace(assume, batch=True) if assume.batch is None else assume
    offline = replace(counting, mode="offline")

    def attempt(src: Source, counter: TokenCounter | None = None, pre: CountableRequest | None = None) -> Item:
        if src.error is not None:
            return Item(src.location, error=src.error.message)
        assert src.request is not None
        o = batch_opts if src.batch else assume
        try:
            if shared is None:
                est = estimate(table, src.request, o, offline, model=model, where=src.location)
            else:
                est = estimate_payload(table, src.request, o, counter or shared, model=model, where=src.location, countable=pre)
            return Item(src.location, est)
        except ClaudeCostError as exc:
            if isinstance(exc, ApiError):
                raise  # it would fail every other request too
            return Item(src.location, error=exc.message if exc.message.startswith(src.location) else f"{src.location}: {exc.message}")

    def one(src: Source, counter: TokenCounter | None = None, pre: CountableRequest | None = None) -> Item:
        nonlocal done
        item = attempt(src, counter, pre)
        done += 1
        if progress is not None:
            progress(done, len(sources))
        return item

    if shared is not None and concurrency > 1:
        # Requests whose counts are already known (this run or the on-disk cache, looked up in
        # bulk) are priced right here; only the rest go to the thread pool, to wait on the network.
        results: dict[int, Item] = {}
        pending = []
        pres = [_countable(table, src, model) for src in sources]
        valid = [n for n, pre in enumerate(pres) if pre is not None]
        known = dict(zip(valid, shared.cached_many([pres[n].body for n in valid])))  # type: ignore[union-attr]
        for n, src in enumerate(sources):
            pre, count = pres[n], known.get(n)
            if pre is None:
                results[n] = one(src)  # invalid: estimate_payload reports it, without the network
            elif count is None:
                pending.append(n)
            else:
                try:
                    results[n] = one(src, _Known(shared, pre.body, count), pre)
                except _NotCached:  # a cache-breakpoint prefix still needs counting
                    pending.append(n)
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for n, item in zip(pending, pool.map(one, [sources[n] for n in pending])):
                results[n] = item
        items = [results[n] for n in range(len(sources))]
    else:
        items = [one(s) for s in sources]
    ok = [i.estimate for i in items if i.estimate is not None]
    total = sum((e.breakdown.total for e in ok), Decimal(0))
    any_range = any(e.high is not None for e in ok)
    high = sum(((e.high or e.breakdown).total for e in ok), Decimal(0)) if any_range else None
    return Run(items, total, high, info, shared.api_calls if shared else 0, shared.cache_hits if shared else 0)


class _NotCached(Exception):
    """A body of the request is not counted yet: the request goes to the thread pool."""


class _Known:
    """The counter for a request whose full body is already counted: that count, and the shared
    counter's known counts for its cache prefixes; anything else is _NotCached (never sent)."""

    def __init__(self, shared: ApiCounter, body: dict[str, Any], count: Count) -> None:
        self.shared, self.body, self.known = shared, body, count
        self.source, self.method, self.count_method = shared.source, shared.method, shared.count_method

    def count(self, body: dict[str, Any]) -> Count:
        if body is self.body:
            return self.known
        found = self.shared.cached(body)
        if found is None:
            raise _NotCached
        return found


def _countable(table: PriceTable, src: Source, model: str | None) -> CountableRequest | None:
    """What count_tokens would be sent for the request, or None if the request is invalid."""
    if src.request is None:
        return None
    try:
        return countable(src.request, resolve(table, model or src.request["model"]).model.id)
    except (ClaudeCostError, KeyError, TypeError, AttributeError):
        return None
