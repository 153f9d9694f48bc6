"""Budget rules (claude_cost.budgets): which amount is compared, what "over" means, diff rises."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from claude_cost.core import budgets
from claude_cost.core.errors import InputError


def test_at_the_budget_passes_and_a_cent_above_breaks():
    assert budgets.breach("x", D("1.00"), None, D("1.00"), "high") is None
    b = budgets.breach("x", D("1.01"), None, D("1.00"), "high")
    assert b is not None and b.over == D("0.01") and b.pct == D("1") and not b.high_end


def test_high_end_is_used_by_default_and_named():
    b = budgets.breach("x", D("0.8"), D("1.2"), D("1.0"), "high")
    assert b is not None and b.amount == D("1.2") and b.high_end
    assert budgets.breach("x", D("0.8"), D("1.2"), D("1.0"), "point") is None
    with pytest.raises(InputError):
        budgets.breach("x", D("0.8"), None, None, "middle")


def test_zero_budget_has_no_percentage():
    b = budgets.breach("x", D("0.5"), None, D("0"), "point")
    assert b is not None and b.pct is None


@pytest.mark.parametrize(
    ("change", "pct", "usd", "pct_limit", "over"),
    [
        (D("0.002"), D("20"), None, D("10"), True),
        (D("0.002"), D("10"), None, D("10"), False),  # at the limit
        (D("0.001"), None, None, D("10"), True),  # from $0: any percentage limit breaks
        (D("-0.5"), D("-50"), D("0"), D("0"), False),  # a fall never breaks
        (D("0.002"), D("1"), D("0.001"), None, True),
        (D("0.001"), D("1"), D("0.001"), None, False),
    ],
)
def test_diff_rise_limits(change, pct, usd, pct_limit, over):
    assert (budgets.rise_over(change, pct, usd, pct_limit) is not None) is over
