"""`check`: every budget of a claude-cost.toml, each over its own requests and settings. Never prints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_cost.core import budgets
from claude_cost.core.models import Assumptions, PriceTable
from claude_cost.counting.base import CountSettings
from claude_cost.estimating.many import estimate_many
from claude_cost.sources.payload import iter_requests

__all__ = ["check_budgets"]


def _shown(path: Path) -> str:
    """`path` relative to the current directory when it is below it (shorter locations in output)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check_budgets(table: PriceTable, config: Any, base: Path, *, use_cache: bool = True, concurrency: int = 8,
                  recorded: Callable[[list[str]], Any] | None = None) -> list[Any]:  # fmt: skip
    """Estimate each budget's requests (paths relative to the config's folder) under that
    budget's settings, and evaluate it. `recorded(paths)`: the history read from a budget's
    `history` paths (relative to the config's folder), for an `output-tokens` statistic."""
    results = []
    for b in config.budgets:
        s = b.settings
        out = s.get("output-tokens")
        stat = out if isinstance(out, str) else None
        paths = [p if Path(p).is_absolute() else _shown(base / p) for p in s.get("history", [])]
        past = recorded(paths) if paths and recorded is not None else None
        assume = Assumptions(cache=s.get("cache", "cold"), repeat=s.get("repeat", 1), output_tokens=None if stat else out,
                             batch=s.get("batch"), geo=s.get("geo"), speed=s.get("speed"), day=s.get("at"), output_stat=stat,
                             history=past)  # fmt: skip
        how = CountSettings(mode=s.get("count", "auto"), cache=use_cache, offline_method=s.get("offline-method", "auto"))
        files = [f if Path(f).is_absolute() else _shown(base / f) for f in b.files]
        run = estimate_many(table, list(iter_requests(files)), assume, how, model=s.get("model"), concurrency=concurrency)
        results.append(budgets.evaluate(b, run, s.get("budget-on", "high")))
    return results
