"""What changes between two price tables: models added, removed and newly retired, and every
changed rate, old → new, per model, class and dated period. Pure.

Periods: the dated boundaries of both tables' versions of a model (history, fast-mode and
long-context periods, deprecation, retirement) cut time into periods; each is compared on its
first day (the first, open-ended one on the day before the first boundary), with each table's
rules as they were on that day. Equal neighbouring periods are reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from claude_cost.core import pricing
from claude_cost.core.models import TOKEN_CLASSES, ModelPrice, PriceTable

__all__ = ["Change", "PriceDiff", "diff_tables"]


@dataclass(frozen=True)
class Change:
    model: str
    field: str  # input, output, cache_write_5m, …, batch_input, fast.input, long_context>200000.output, context_window, retired, …
    period: str  # "always", "until 2026-03-13", "from 2026-03-13", "2026-02-07 … 2026-06-29"
    old: Any
    new: Any


@dataclass
class PriceDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[tuple[str, date]] = field(default_factory=list)  # newly retired (or retired earlier than before)
    changes: list[Change] = field(default_factory=list)
    as_of: tuple[date, date] | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.retired or self.changes) and (self.as_of is None or self.as_of[0] == self.as_of[1])


def _values(m: ModelPrice, day: date) -> dict[str, Any]:
    """Every priced value of `m` in force on `day`, flat."""
    eff = pricing.effective_model(m, day)
    out: dict[str, Any] = {c: eff.rates.get(c) for c in TOKEN_CLASSES}
    out["batch_input"], out["batch_output"] = eff.batch_input, eff.batch_output
    fast = next((p for p in eff.fast if p.active(day)), None)
    out["fast.input"], out["fast.output"] = (fast.input, fast.output) if fast else (None, None)
    for tier in (t for t in eff.long_context if t.active(day)):
        for c in TOKEN_CLASSES:
            out[f"long_context>{tier.threshold}.{c}"] = tier.rates.get(c)
    out["context_window"] = eff.context_window
    out["min_cacheable"] = eff.min_cacheable
    out["us_residency"] = eff.us_residency
    out["regional_premium"] = eff.regional_premium
    return out


def _periods(a: ModelPrice, b: ModelPrice) -> list[tuple[date, date | None]]:
    """(first day, first day of the next period or None) over both models' boundaries."""
    bounds = sorted(set(pricing.period_bounds(a)) | set(pricing.period_bounds(b)))
    if not bounds:
        return [(date(2000, 1, 1), None)]
    starts = [bounds[0] - timedelta(days=1), *bounds]
    return [(s, starts[i + 1] if i + 1 < len(starts) else None) for i, s in enumerate(starts)]


def _label(start: date, end: date | None, first: bool) -> str:
    if first and end is None:
        return "always"
    if first:
        return f"until {end}"
    if end is None:
        return f"from {start}"
    return f"{start} … {end}"


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, Decimal) and isinstance(y, Decimal):
        return x == y
    return bool(x == y)


def diff_tables(old: PriceTable, new: PriceTable, today: date) -> PriceDiff:
    """What installing `new` over `old` changes (module docstring)."""
    out = PriceDiff(as_of=(old.as_of, new.as_of))
    out.added = sorted(set(new.models) - set(old.models))
    out.removed = sorted(set(old.models) - set(new.models))
    for mid in sorted(set(old.models) & set(new.models)):
        a, b = old.models[mid], new.models[mid]
        if b.retired is not None and (a.retired is None or b.retired < a.retired):
            out.retired.append((mid, b.retired))
        if a.retired != b.retired:
            out.changes.append(Change(mid, "retired", "always", a.retired, b.retired))
        periods = _periods(a, b)
        pending: dict[str, tuple[int, int, Any, Any]] = {}  # field -> (first period, last period, old, new) of a run of equal changes
        runs: list[tuple[str, int, int, Any, Any]] = []
        for i, (start, _end) in enumerate(periods):
            va, vb = _values(a, start), _values(b, start)
            for key in sorted(set(va) | set(vb)):
                x, y = va.get(key), vb.get(key)
                run = pending.get(key)
                if _same(x, y):
                    if run is not None:
                        runs.append((key, *pending.pop(key)))
                    continue
                if run is not None and run[1] == i - 1 and _same(run[2], x) and _same(run[3], y):
                    pending[key] = (run[0], i, x, y)
                else:
                    if run is not None:
                        runs.append((key, *run))
                    pending[key] = (i, i, x, y)
        runs += [(key, *run) for key, run in pending.items()]
        for key, first, last, x, y in sorted(runs, key=lambda r: (r[1], r[0])):
            start, end = periods[first][0], periods[last][1]
            out.changes.append(Change(mid, key, _label(start, end, first == 0), x, y))
    return out
