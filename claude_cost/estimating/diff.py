"""diff: the same request before and after a change, per line item and total. Never prints."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from claude_cost.core.models import TOKEN_CLASSES, Assumptions, Estimate, PriceTable
from claude_cost.counting.base import CountSettings, api_counter
from claude_cost.estimating.estimate import estimate, estimate_payload

__all__ = ["DiffRow", "Diff", "diff"]

ORDER = (*TOKEN_CLASSES, "web_searches", "code_execution", "session")


@dataclass
class DiffRow:
    item: str
    label: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    @property
    def pct(self) -> Decimal | None:
        return None if self.before == 0 else self.change / self.before * 100


@dataclass
class Diff:
    base_label: str
    new_label: str
    base: Estimate
    new: Estimate
    rows: list[DiffRow]
    total: DiffRow


def diff(
    table: PriceTable, base: dict[str, Any], new: dict[str, Any], assume: Assumptions, counting: CountSettings,
    labels: tuple[str, str], *, model: str | None = None,
) -> Diff:  # fmt: skip
    """Estimate both under the same assumptions and compare line items. One API counter serves
    both sides (one client, shared memo); offline counters stay per side, since the two sides
    may name different models (a model change is a diff too)."""
    shared = None
    name = model or new.get("model")
    if isinstance(name, str) and counting.uses_api:
        shared = api_counter(counting)

    def one(request: dict[str, Any], where: str) -> Estimate:
        if shared is None:
            return estimate(table, request, assume, counting, model=model, where=where)
        return estimate_payload(table, request, assume, shared, model=model, where=where)

    a = one(base, labels[0])
    b = one(new, labels[1])
    before = {line.item: line for line in a.breakdown.lines}
    after = {line.item: line for line in b.breakdown.lines}
    rows = []
    for item in ORDER:
        if item in before or item in after:
            label = (after.get(item) or before[item]).label
            rows.append(DiffRow(item, label, before[item].usd if item in before else Decimal(0), after[item].usd if item in after else Decimal(0)))
    total = DiffRow("total", "Total", a.breakdown.total, b.breakdown.total)
    return Diff(labels[0], labels[1], a, b, rows, total)
