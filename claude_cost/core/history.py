"""How long Claude answers, from recorded calls: output-token distributions per model.

Pure: no I/O. A distribution is a histogram — each distinct output count and how many calls had
it — so every statistic is exact however many calls were recorded (distinct counts are bounded
by the model's maximum output, tens of thousands at most). Percentiles are nearest-rank: sort
the N values and take the one at 1-based rank ⌈p/100 · N⌉.

Only a histogram with more than `MAX_DISTINCT` distinct values (a pathological history) is
reduced when written to a profile: values are rounded to a geometric grid with ratio
(1 + `SKETCH_ALPHA`) / (1 - `SKETCH_ALPHA`), so every stored value, and so every percentile, is
within SKETCH_ALPHA (0.5%) of the exact one. The reduced distribution says so (`exact` False).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["STATS", "PERCENTILES", "Distribution", "ModelHistory", "History", "MAX_DISTINCT", "SKETCH_ALPHA", "nearest_rank"]

#: The statistics `--output-tokens` accepts (a number still works).
STATS = ("p50", "p90", "p95", "p99", "mean")
#: The percentiles a history reports.
PERCENTILES = (10, 50, 90, 95, 99)
MAX_DISTINCT = 100_000
SKETCH_ALPHA = Decimal("0.005")


def nearest_rank(p: int, n: int) -> int:
    """The 1-based rank of the p-th percentile among n sorted values: ⌈p/100 · n⌉ (at least 1)."""
    return max(1, -(-p * n // 100))


@dataclass(eq=False)
class Distribution:
    """Output counts of recorded calls: sorted distinct `values` and how many calls had each."""

    values: list[int]
    counts: list[int]
    exact: bool = True

    @classmethod
    def of(cls, counts: Mapping[int, int]) -> Distribution:
        keys = sorted(k for k, c in counts.items() if c > 0)
        return cls(keys, [counts[k] for k in keys])

    @classmethod
    def from_values(cls, values: Iterable[int]) -> Distribution:
        tally: dict[int, int] = {}
        for v in values:
            tally[v] = tally.get(v, 0) + 1
        return cls.of(tally)

    @property
    def calls(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        return sum(v * c for v, c in zip(self.values, self.counts))

    @property
    def max(self) -> int:
        return self.values[-1] if self.values else 0

    def percentile(self, p: int) -> int:
        """The nearest-rank p-th percentile."""
        if not self.values:
            raise ValueError("no calls")
        rank = nearest_rank(p, self.calls)
        seen = 0
        for v, c in zip(self.values, self.counts):
            seen += c
            if seen >= rank:
                return v
        return self.values[-1]  # pragma: no cover - rank <= calls

    def mean(self) -> Decimal:
        return Decimal(self.total) / Decimal(self.calls)

    def stat(self, name: str) -> int:
        """`p50` … `p99` (nearest rank) or `mean` (rounded half up to a whole token)."""
        if name == "mean":
            return int(self.mean().to_integral_value(rounding=ROUND_HALF_UP))
        return self.percentile(int(name[1:]))

    def scaled(self, factor: Decimal) -> Distribution:
        """Every value times `factor`, to the nearest whole token (a tokenizer conversion)."""
        tally: dict[int, int] = {}
        for v, c in zip(self.values, self.counts):
            w = int((Decimal(v) * factor).to_integral_value(rounding=ROUND_HALF_UP))
            tally[w] = tally.get(w, 0) + c
        out = Distribution.of(tally)
        out.exact = self.exact
        return out

    def merged(self, other: Distribution) -> Distribution:
        tally = dict(zip(self.values, self.counts))
        for v, c in zip(other.values, other.counts):
            tally[v] = tally.get(v, 0) + c
        out = Distribution.of(tally)
        out.exact = self.exact and other.exact
        return out

    def reduced(self) -> Distribution:
        """This distribution, or (beyond MAX_DISTINCT distinct values) its values rounded to the
        geometric grid of SKETCH_ALPHA (module docstring)."""
        if len(self.values) <= MAX_DISTINCT:
            return self
        gamma = (1 + float(SKETCH_ALPHA)) / (1 - float(SKETCH_ALPHA))
        tally: dict[int, int] = {}
        for v, c in zip(self.values, self.counts):
            if v <= 100:  # small counts kept exact (the grid is finer than a token there)
                w = v
            else:
                i = math.ceil(math.log(v, gamma))
                w = round(2 * gamma**i / (gamma + 1))
            tally[w] = tally.get(w, 0) + c
        out = Distribution.of(tally)
        out.exact = False
        return out

    def sum_band(self, n: int, low: int = 5, high: int = 95) -> tuple[int, int]:
        """The `low`-th and `high`-th percentiles of the total output of n calls drawn from this
        distribution. From 30 calls on, the normal approximation (central limit theorem): n·μ ±
        z·σ·√n, with z = 1.6449 for 5/95, kept within n·min … n·max. Below 30, 4,000 resampled
        workloads of n calls (a fixed seed, so the band is the same every run), nearest rank."""
        if n < 30:
            import random

            rng = random.Random(0x5EED)
            population = self.values
            weights = self.counts
            sums = sorted(sum(rng.choices(population, weights, k=n)) for _ in range(4000))
            return sums[nearest_rank(low, len(sums)) - 1], sums[nearest_rank(high, len(sums)) - 1]
        calls = self.calls
        mu = self.total / calls
        var = sum(c * (v - mu) ** 2 for v, c in zip(self.values, self.counts)) / calls
        spread = _Z[(low, high)] * math.sqrt(var * n)
        lo = max(n * self.values[0], round(n * mu - spread))
        hi = min(n * self.values[-1], round(n * mu + spread))
        return lo, hi


_Z = {(5, 95): 1.6449, (10, 90): 1.2816}


@dataclass(eq=False)
class ModelHistory:
    """The recorded calls of one model."""

    model: str
    dist: Distribution
    tokenizer: str | None = None  # the model's tokenizer family (v3 | v4.7 | v5), for pooled conversions
    stop_recorded: int = 0  # calls whose stop_reason was recorded
    stopped_at_max: int = 0  # … and it was max_tokens
    first: str | None = None  # the earliest and latest time recorded (ISO text)
    last: str | None = None

    @property
    def calls(self) -> int:
        return self.dist.calls

    def output_stats(self) -> dict[str, Any]:
        """p10 … p99 (nearest rank, whole tokens), mean (exact Decimal) and max."""
        stats: dict[str, Any] = {f"p{p}": self.dist.percentile(p) for p in PERCENTILES}
        stats["mean"] = self.dist.mean()
        stats["max"] = self.dist.max
        return stats

    def merged(self, other: ModelHistory) -> ModelHistory:
        times = [t for t in (self.first, self.last, other.first, other.last) if t]
        return ModelHistory(self.model, self.dist.merged(other.dist), self.tokenizer or other.tokenizer, self.stop_recorded + other.stop_recorded,
                            self.stopped_at_max + other.stopped_at_max, min(times, default=None), max(times, default=None))  # fmt: skip


@dataclass(eq=False)
class History:
    """Recorded output counts per model (canonical ids), and where they were read."""

    models: dict[str, ModelHistory]
    sources: list[str] = field(default_factory=list)

    @property
    def first(self) -> str | None:
        return min((m.first for m in self.models.values() if m.first), default=None)

    @property
    def last(self) -> str | None:
        return max((m.last for m in self.models.values() if m.last), default=None)

    def merged(self, other: History) -> History:
        models = dict(self.models)
        for key, m in other.models.items():
            models[key] = models[key].merged(m) if key in models else m
        return History(models, self.sources + [s for s in other.sources if s not in self.sources])
