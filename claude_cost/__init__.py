"""claude-cost: what a Claude API request will cost before you send it, and what your traffic
cost after. The names below are the library API (README: "Use it from Python"); each is
imported on first use, so `import claude_cost` stays cheap."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name → the module that defines it.
_API = {
    "load_table": "claude_cost.core.prices",
    "resolve": "claude_cost.core.prices",
    "price": "claude_cost.core.pricing",
    "Assumptions": "claude_cost.core.models",
    "Usage": "claude_cost.core.models",
    "Scenario": "claude_cost.core.models",
    "Estimate": "claude_cost.core.models",
    "ClaudeCostError": "claude_cost.core.errors",
    "CountSettings": "claude_cost.counting.base",
    "estimate": "claude_cost.estimating.estimate",
    "estimate_manual": "claude_cost.estimating.estimate",
    "estimate_many": "claude_cost.estimating.many",
    "compare": "claude_cost.estimating.compare",
    "compare_manual": "claude_cost.estimating.compare",
    "records": "claude_cost.sources.usage",
    "read_payload": "claude_cost.sources.payload",
    "summarize": "claude_cost.engines.python",
    "Budget": "claude_cost.guard.budget",
    "BudgetExceeded": "claude_cost.guard.budget",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'claude_cost' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
