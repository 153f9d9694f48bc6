"""Token counts carried from one tokenizer family to another, with a measured ratio and range.

Counts made for one model are never silently reused for a model of another tokenizer family:
the same text is more tokens on the newer vocabulary (v4.7 / v5) than on v3.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["Ratio", "ratio", "convert"]


@dataclass(frozen=True)
class Ratio:
    """Tokens on the target family per token on the source family: a point and a range."""

    point: Decimal
    low: Decimal
    high: Decimal
    source: str

    @property
    def identity(self) -> bool:
        return self.point == self.low == self.high == 1


#: v3 → the newer vocabulary (v4.7, and v5 which shares it with a smaller frame).
#: point 1.30: the token-counting docs ("approximately 30 percent more tokens").
#: low 1.00: non-Latin scripts (CJK, Cyrillic, Arabic, Devanagari) and numbers do not change.
#: high 1.47: English prose, the largest measured class (UDHR 1.46; sol.ava.dev 1.45).
#: Code sits inside: Rosetta Code (1,561 docs, recorded counts in shared/data) median 1.198,
#: p5 1.073, p95 1.383. See offline-token-estimation.md §3.3.
V3_TO_NEW = Ratio(Decimal("1.30"), Decimal("1.00"), Decimal("1.47"), "v3 → v4.7/v5 (docs ≈1.30; measured 1.00–1.47 by content)")
#: v4.7 ↔ v5: the same vocabulary; recorded Rosetta counts differ by under 1% (frames 11 vs 6).
SAME_VOCAB = Ratio(Decimal(1), Decimal("0.99"), Decimal("1.01"), "v4.7 ↔ v5 (same vocabulary, frame differs)")
IDENTITY = Ratio(Decimal(1), Decimal(1), Decimal(1), "same tokenizer")
NEW = ("v4.7", "v5")


def ratio(source: str | None, target: str | None) -> Ratio:
    """The ratio from `source` family counts to `target` family counts; an unknown family on
    either side gets the widest range of both directions."""
    if source == target and source is not None:
        return IDENTITY
    if source in NEW and target in NEW:
        return SAME_VOCAB
    if source == "v3" and target in NEW:
        return V3_TO_NEW
    if source in NEW and target == "v3":
        r = V3_TO_NEW
        return Ratio(1 / r.point, 1 / r.high, 1 / r.low, f"{source} → v3 (inverse of {r.source})")
    r = V3_TO_NEW
    return Ratio(Decimal(1), 1 / r.high, r.high, f"{source or 'unknown'} → {target or 'unknown'}: family unknown, widest range")


def convert(tokens: int, factor: Decimal) -> int:
    """`tokens` scaled by `factor`, to the nearest whole token."""
    return int((Decimal(tokens) * factor).to_integral_value(rounding=ROUND_HALF_UP))
