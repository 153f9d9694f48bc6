"""Budget rules, written once for `--budget`, `--budget-per-request` and `claude-cost check`.

- The amount compared is the point estimate, or — by default — the high end of an estimate's
  range (`on="high"`); exact counts have no range, so both are the same there.
- A total budget is compared with the sum over every request estimated.
- A per-request budget is compared with each request's costliest single call: with `--repeat`
  and a cold cache that is the first (cold) call, not the average of all calls.
- Over means strictly above: an estimate exactly at the budget passes.
- `diff --max-increase`: a rise in USD above the limit, or in % above the limit; a rise from $0
  breaks any percentage limit. A fall never breaks anything.

Pure: estimates in, breaches out. Never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from claude_cost.core.errors import InputError

__all__ = ["ON", "Breach", "check_on", "breach", "estimate_breaches", "run_breaches", "BudgetResult", "evaluate", "Rise", "rise_over"]

ON = ("point", "high")


@dataclass(frozen=True)
class Breach:
    """One broken budget: `what` (e.g. "the estimate", a request's location) cost `amount`."""

    what: str
    amount: Decimal
    limit: Decimal
    per_request: bool
    high_end: bool  # `amount` is the high end of an estimate range, above its point estimate

    @property
    def over(self) -> Decimal:
        return self.amount - self.limit

    @property
    def pct(self) -> Decimal | None:
        return self.over / self.limit * 100 if self.limit else None


def check_on(on: str) -> str:
    if on not in ON:
        raise InputError(f"--budget-on must be point or high, not {on!r}")
    return on


def breach(what: str, point: Decimal, high: Decimal | None, limit: Decimal | None, on: str, *, per_request: bool = False) -> Breach | None:
    """The breach of `limit` by an amount (point estimate and, for estimates, its high end), if any."""
    check_on(on)
    if limit is None:
        return None
    use_high = on == "high" and high is not None
    amount = high if use_high else point
    assert amount is not None
    if amount <= limit:
        return None
    return Breach(what, amount, limit, per_request, bool(use_high and high != point))


def _costliest(est: Any) -> tuple[Decimal, Decimal | None]:
    return est.costliest_call, est.costliest_call_high


def estimate_breaches(est: Any, total: Decimal | None, per_request: Decimal | None, on: str, what: str = "the estimate") -> list[Breach]:
    """Breaches of one estimate (`Estimate`, named `what`): its total, and its costliest single call."""
    found = [breach(what, est.breakdown.total, est.high.total if est.high else None, total, on),
             breach("one request", *_costliest(est), per_request, on, per_request=True)]  # fmt: skip
    return [b for b in found if b is not None]


def run_breaches(run: Any, total: Decimal | None, per_request: Decimal | None, on: str, label: str = "") -> list[Breach]:
    """Breaches of a many-request run (`many.Run`): the total of what was estimated, then each
    request; `label` (a check budget's name) prefixes what each breach names."""
    prefix = f"{label}: " if label else ""
    estimated = run.estimated
    found = [breach(f"{prefix}the total of {len(estimated)} requests", run.total, run.total_high, total, on)]
    if per_request is not None:
        found += [breach(prefix + i.location, *_costliest(i.estimate), per_request, on, per_request=True) for i in estimated]
    return [b for b in found if b is not None]


@dataclass
class BudgetResult:
    """A `check` budget after estimating its files."""

    budget: Any  # config.Budget
    run: Any  # many.Run
    breaches: list[Breach]
    largest: Any  # many.Item of the costliest request, or None

    @property
    def ok(self) -> bool:
        return not self.breaches and not self.run.errors


def evaluate(budget: Any, run: Any, on: str = "high") -> BudgetResult:
    """A `check` budget (total and per-request limits) against the run over its files."""
    largest = max(run.estimated, key=lambda i: i.estimate.costliest_call, default=None)
    return BudgetResult(budget, run, run_breaches(run, budget.total, budget.per_request, on, label=budget.name), largest)


@dataclass(frozen=True)
class Rise:
    """A diff's total rising more than `--max-increase` allows (`limit_usd` or `limit_pct`)."""

    change: Decimal
    pct: Decimal | None  # None: the total was $0 before
    limit_usd: Decimal | None = None
    limit_pct: Decimal | None = None


def rise_over(change: Decimal, pct: Decimal | None, limit_usd: Decimal | None, limit_pct: Decimal | None) -> Rise | None:
    """The diff's rise, when it is over the USD limit or the percentage limit."""
    if change <= 0:
        return None
    if limit_usd is not None and change > limit_usd:
        return Rise(change, pct, limit_usd=limit_usd)
    if limit_pct is not None and (pct is None or pct > limit_pct):
        return Rise(change, pct, limit_pct=limit_pct)
    return None


def parse_increase(text: str | None) -> tuple[Decimal | None, Decimal | None]:
    """`--max-increase` as (USD limit, percentage limit): "10%" is a percentage, "0.002" USD."""
    if text is None:
        return None, None
    value = text.strip()
    pct = value.endswith("%")
    number = value[:-1] if pct else value.lstrip("$")
    try:
        amount = Decimal(number)
    except ArithmeticError:
        raise InputError(f"--max-increase {text!r} is not an amount in USD or a percentage", hint="e.g. 10% or 0.002") from None
    if not amount.is_finite() or amount < 0:
        raise InputError("--max-increase must be >= 0")
    return (None, amount) if pct else (amount, None)


@dataclass(frozen=True)
class FileRise:
    """One payload whose cost rises more than `--max-increase-per-request` allows."""

    path: str
    rise: Rise


def repo_rises(diff: Any, total: tuple[Decimal | None, Decimal | None], per_request: tuple[Decimal | None, Decimal | None]) -> tuple[Rise | None, list[FileRise]]:
    """The repository diff's total rise over `--max-increase`, and every payload's rise over
    `--max-increase-per-request` (each a (USD, percent) limit; an added payload rises from $0)."""
    each = []
    for f in diff.shown:
        r = rise_over(f.change, f.pct, *per_request)
        if r is not None:
            each.append(FileRise(f.path, r))
    return rise_over(diff.change, diff.pct, *total), each
