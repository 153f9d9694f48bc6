"""The Python engine: price a stream of usage records, aggregated per billing bucket (model, day,
batch, residency, speed, long-context tier) before pricing, so memory stays flat however many
records and each bucket is priced once. Never prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost.core import pricing
from claude_cost.core.errors import ClaudeCostError, InputError
from claude_cost.core.models import (
    TOKEN_CLASSES,
    Breakdown,
    ModelPrice,
    PriceTable,
    Scenario,
    Usage,
)
from claude_cost.core.prices import resolve
from claude_cost.sources.usage import NotBilled, Problem, Record

__all__ = ["Group", "Summary", "summarize", "GROUPINGS", "MAX_PROBLEMS_KEPT"]

GROUPINGS = ("model", "day", "model,day")
MAX_PROBLEMS_KEPT = 200


@dataclass
class Group:
    """Priced totals of one group (a model, a day, or both)."""

    key: tuple[str, ...]
    requests: int = 0
    usage: Usage = field(default_factory=Usage)
    costs: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)

    def cost(self, item: str) -> Decimal:
        """The cost of one item (0 when absent); "cache_writes" is the 5-minute and 1-hour writes together."""
        if item == "cache_writes":
            return self.cost("cache_write_5m") + self.cost("cache_write_1h")
        return self.costs.get(item, Decimal(0))


@dataclass
class Summary:
    groups: list[Group]
    total: Decimal
    requests: int
    not_billed: dict[str, int]
    problems: list[Problem]
    problem_count: int
    notes: list[str]


def summarize(table: PriceTable, items: Iterable[Record | Problem | NotBilled], group_by: str, default_day: date) -> Summary:
    """Aggregate per billing bucket, price each bucket once, and total per group."""
    if group_by not in GROUPINGS:
        raise InputError(f"--group-by must be one of {', '.join(GROUPINGS)}, not {group_by!r}")
    buckets: dict[tuple[Any, ...], list[Any]] = {}  # key -> [requests, Usage, locations sample]
    resolved: dict[str, ModelPrice | Exception] = {}
    problems: list[Problem] = []
    problem_count = 0
    not_billed: dict[str, int] = {}
    assumed = 0

    def problem(p: Problem) -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < MAX_PROBLEMS_KEPT:
            problems.append(p)

    for item in items:
        if isinstance(item, Problem):
            problem(item)
            continue
        if isinstance(item, NotBilled):
            not_billed[item.kind] = not_billed.get(item.kind, 0) + 1
            continue
        model = resolved.get(item.model)
        if model is None:
            try:
                model = resolved[item.model] = resolve(table, item.model).model
            except ClaudeCostError as exc:
                model = resolved[item.model] = exc
        if isinstance(model, Exception):
            problem(Problem(item.location, str(model)))
            continue
        day = item.day or default_day
        geo_us = item.geo == "us" and model.us_residency
        c = item.counts
        tier = pricing.tier_of(model, c[0] + c[1] + c[2] + c[3], day) if model.long_context else None
        key = (model.id, day, item.batch, geo_us, item.speed, tier)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = [0, [0, 0, 0, 0, 0, 0], item.location]
        bucket[0] += 1
        sums = bucket[1]
        for i in range(6):
            sums[i] += c[i]
        assumed += item.assumed_5m

    groups: dict[tuple[str, ...], Group] = {}
    total = Decimal(0)
    requests = 0
    for (model_id, day, batch, geo_us, speed, tier), (count, sums, where) in buckets.items():
        model = table.models[model_id]
        usage = Usage(*sums[:5], web_searches=sums[5])
        scenario = Scenario(day=day, batch=batch, geo="us" if geo_us else None, speed=speed)
        try:
            b: Breakdown = pricing.price(usage, model, scenario, table.fees, tier_prompt_tokens=(tier + 1) if tier is not None else 0)
        except ClaudeCostError as exc:
            problem(Problem(where, f"{count} record(s) of {model_id} on {day}: {exc.message}"))
            problem_count += count - 1
            continue
        gkey = {"model": (model_id,), "day": (day.isoformat(),), "model,day": (model_id, day.isoformat())}[group_by]
        g = groups.get(gkey)
        if g is None:
            g = groups[gkey] = Group(gkey, costs={c: Decimal(0) for c in (*TOKEN_CLASSES, "web_searches")})
        g.requests += count
        g.usage = g.usage + usage
        for line in b.lines:
            g.costs[line.item] = g.costs.get(line.item, Decimal(0)) + line.usd
        g.total += b.total
        total += b.total
        requests += count
    notes = []
    if assumed:
        notes.append(f"{assumed} record(s) had cache_creation_input_tokens without the 5m/1h split: billed as 5-minute writes")
    return Summary(sorted(groups.values(), key=lambda g: g.key), total, requests, not_billed, problems, problem_count, notes)
