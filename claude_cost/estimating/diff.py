"""diff: the same request before and after a change, per line item and total. Never prints."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from claude_cost.core.models import TOKEN_CLASSES, Assumptions, Estimate, PriceTable
from claude_cost.counting.base import CountSettings, api_counter
from claude_cost.estimating.estimate import estimate, estimate_payload

__all__ = ["DiffRow", "Diff", "diff", "FileDiff", "RepoDiff", "diff_changes"]

ORDER = (*TOKEN_CLASSES, "web_searches", "code_execution", "session")


class _Delta:
    """The change from `before_usd` to `after_usd`, in $ and % (None: from $0)."""

    before_usd: Decimal
    after_usd: Decimal

    @property
    def change(self) -> Decimal:
        return self.after_usd - self.before_usd

    @property
    def pct(self) -> Decimal | None:
        return self.change / self.before_usd * 100 if self.before_usd else None


@dataclass
class DiffRow(_Delta):
    """One line item before and after."""

    item: str
    label: str
    before: Decimal
    after: Decimal

    @property
    def before_usd(self) -> Decimal:  # type: ignore[override]
        return self.before

    @property
    def after_usd(self) -> Decimal:  # type: ignore[override]
        return self.after


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


@dataclass
class FileDiff(_Delta):
    """One payload between a revision and the working tree: its cost before and after."""

    path: str
    status: str  # changed | added | removed | unchanged
    before: Estimate | None
    after: Estimate | None
    error: str | None = None

    @property
    def before_usd(self) -> Decimal:
        return self.before.breakdown.total if self.before else Decimal(0)

    @property
    def after_usd(self) -> Decimal:
        return self.after.breakdown.total if self.after else Decimal(0)


@dataclass
class RepoDiff(_Delta):
    """Every payload changed, added or removed between `rev` and the working tree."""

    rev: str
    files: list[FileDiff]
    unchanged: int  # payloads found identical on both sides (not estimated, not listed)

    @property
    def shown(self) -> list[FileDiff]:
        return [f for f in self.files if f.status != "unchanged"]

    @property
    def before_usd(self) -> Decimal:
        return sum((f.before_usd for f in self.files), Decimal(0))

    @property
    def after_usd(self) -> Decimal:
        return sum((f.after_usd for f in self.files), Decimal(0))

    @property
    def errors(self) -> list[FileDiff]:
        return [f for f in self.files if f.error]


def diff_changes(
    table: PriceTable, changed: list[Any], rev: str, assume: Assumptions, counting: CountSettings, *, model: str | None = None,
) -> RepoDiff:  # fmt: skip
    """Estimate both sides of every changed, added or removed payload (`sources.git.changes`)
    under the same assumptions; unchanged payloads are counted, not estimated (same cost)."""
    from claude_cost.core.errors import ClaudeCostError
    from claude_cost.sources.payload import parse_payload

    shared = api_counter(counting) if counting.uses_api else None

    def one(text: str | None, where: str) -> Estimate | None:
        if text is None:
            return None
        request = parse_payload(text, where)
        if shared is None:
            return estimate(table, request, assume, counting, model=model, where=where)
        return estimate_payload(table, request, assume, shared, model=model, where=where)

    files = []
    for c in changed:
        if c.status == "unchanged":
            continue
        try:
            files.append(FileDiff(c.path, c.status, one(c.before, f"{c.path}@{rev}"), one(c.after, c.path)))
        except ClaudeCostError as exc:
            from claude_cost.core.errors import ApiError

            if isinstance(exc, ApiError):
                raise  # it would fail every other payload too
            files.append(FileDiff(c.path, c.status, None, None, exc.message))
    return RepoDiff(rev, files, sum(1 for c in changed if c.status == "unchanged"))
