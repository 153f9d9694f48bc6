"""How many output tokens an estimate bills per call, and where that number came from.

In order (issue 21): a number the user gives (`given`); a statistic of the recorded calls of the
model itself (`history`); with none of the model's own calls, the same statistic over every other
model's calls, converted to this model's tokenizer family with the ratios and range `compare`
uses (`pooled`: a point and a range); else the payload's `max_tokens`, an upper bound
(`max_tokens`); with no payload either, nothing (`none`, billed as 0). A payload's `max_tokens`
caps a history or pooled figure: no answer is longer. Never prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from claude_cost.core.models import Assumptions, ModelPrice, OutputBasis
from claude_cost.counting.convert import ratio

if TYPE_CHECKING:
    from claude_cost.core.history import History

__all__ = ["OutputBasis", "choose_output"]


def _day(text: str | None) -> str:
    return text[:10] if text else "?"


def _max_tokens(request: dict[str, Any] | None) -> int | None:
    value = (request or {}).get("max_tokens")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def choose_output(model: ModelPrice, assume: Assumptions, request: dict[str, Any] | None) -> OutputBasis:
    """The output tokens per call for `model` under `assume`, capped by the payload's max_tokens."""
    if assume.output_tokens is not None:
        n = assume.output_tokens
        return OutputBasis("given", n, n, n)
    cap = _max_tokens(request)
    if assume.output_stat is not None and assume.history is not None:
        found = _from_history(model, assume.output_stat, assume.history, cap)
        if found is not None:
            return found
        fallback = f"the history has no usable calls for output {assume.output_stat}: "
    else:
        fallback = ""
    if cap is not None:
        note = f"{fallback}output billed at max_tokens ({cap:,}), an upper bound; pass --output-tokens N, or p50/p90 with --history"
        return OutputBasis("max_tokens", cap, cap, cap, note=note)
    return OutputBasis("none", 0, 0, 0, note=f"{fallback}no output tokens given (no --output-tokens, no max_tokens): output billed as 0")


def _from_history(model: ModelPrice, stat: str, history: History, cap: int | None) -> OutputBasis | None:
    own = history.models.get(model.id)
    if own is not None and own.calls:
        n = own.dist.stat(stat)
        capped = cap if cap is not None and n > cap else None
        n = min(n, cap) if cap is not None else n
        note = (f"output {stat} = {n:,} tokens, from {own.calls:,} recorded calls of {model.id}, {_day(own.first)} … {_day(own.last)}"
                + (f" (capped at max_tokens {cap:,})" if capped else "") + ("" if own.dist.exact else " (a sketch: within 0.5%)"))  # fmt: skip
        return OutputBasis("history", n, n, n, stat, own.calls, model.id, own.first, own.last, capped, note)
    others = [m for key, m in sorted(history.models.items()) if key != model.id and m.calls]
    if not others:
        return None
    points, lows, highs = [], [], []
    for m in others:
        r = ratio(m.tokenizer, model.tokenizer)
        points.append(m.dist.scaled(r.point))
        lows.append(m.dist.scaled(r.low))
        highs.append(m.dist.scaled(r.high))
    point, low, high = _merge(points), _merge(lows), _merge(highs)
    n, lo, hi = point.stat(stat), low.stat(stat), high.stat(stat)
    capped = cap if cap is not None and hi > cap else None
    if cap is not None:
        n, lo, hi = min(n, cap), min(lo, cap), min(hi, cap)
    calls = sum(m.calls for m in others)
    names = ", ".join(m.model for m in others)
    first = min((m.first for m in others if m.first), default=None)
    last = max((m.last for m in others if m.last), default=None)
    note = (f"output {stat} ≈ {n:,} tokens (range {lo:,}–{hi:,}), pooled from {calls:,} recorded calls of {names} "
            f"(none of {model.id}), converted to its {model.tokenizer or 'unknown'} tokenizer, {_day(first)} … {_day(last)}"
            + (f" (capped at max_tokens {cap:,})" if capped else ""))  # fmt: skip
    return OutputBasis("pooled", n, lo, hi, stat, calls, names, first, last, capped, note)


def _merge(dists: list[Any]) -> Any:
    out = dists[0]
    for d in dists[1:]:
        out = out.merged(d)
    return out

