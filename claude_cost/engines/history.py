"""Recorded output counts: the records `usage` reads, gathered per model into output-token
distributions (core.history), and the backtest of what such a history would have predicted.
Never prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from claude_cost.core import pricing
from claude_cost.core.errors import ClaudeCostError
from claude_cost.core.history import Distribution, History, ModelHistory
from claude_cost.core.models import TOKEN_CLASSES, PriceTable, Scenario
from claude_cost.core.prices import resolve
from claude_cost.engines.python import MAX_PROBLEMS_KEPT, utc_time
from claude_cost.sources.records import NotBilled, Problem, Record, Skipped

__all__ = ["Gathered", "gather", "load_history", "Backtest", "BacktestRow", "backtest", "MAX_OUTPUT"]

#: No model writes more than its context window; with none known, more than this is absurd.
MAX_OUTPUT = 1_000_000


@dataclass
class Gathered:
    """A history and what reading it met: problems (counted, the first kept), skipped lines."""

    history: History
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    not_billed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    said: tuple[str, ...] = ()
    untimed: int = 0  # records left out by --since/--until for having no time
    calls: list[tuple[str, str, Record]] = field(default_factory=list)  # (time, model id, record), kept for a backtest


def _absurd(record: Record, window: int | None) -> str | None:
    out = record.counts[4]
    limit = window or MAX_OUTPUT
    if out > limit:
        return f"output_tokens {out:,} is more than the model can write ({limit:,}): left out of the history"
    return None


def gather(table: PriceTable, items: Iterable[Record | Problem | NotBilled | Skipped], sources: list[str], *,
           since: str | None = None, until: str | None = None, keep_calls: bool = False) -> Gathered:  # fmt: skip
    """Output counts per model (canonical ids) of every billed record in `items`; records of an
    unknown model, or with an output count no model could write, are problems. `since` /
    `until` as `engines.python.time_bound` gives them. `keep_calls`: keep each timed record."""
    tallies: dict[str, dict[int, int]] = {}
    meta: dict[str, list[Any]] = {}  # model id -> [stop recorded, stopped at max, first, last]
    resolved: dict[str, Any] = {}
    out = Gathered(History({}, list(sources)))
    said: list[str] = []

    def problem(p: Problem) -> None:
        out.problem_count += 1
        if len(out.problems) < MAX_PROBLEMS_KEPT:
            out.problems.append(p)

    for item in items:
        if isinstance(item, Problem):
            problem(item)
            continue
        if isinstance(item, NotBilled):
            out.not_billed += 1
            continue
        if isinstance(item, Skipped):
            out.skipped[item.what] = out.skipped.get(item.what, 0) + item.count
            if item.said and item.what not in said:
                said.append(item.what)
            continue
        when = utc_time(item.when) if item.when else (item.day.isoformat() if item.day else None)
        if since is not None or until is not None:
            if when is None:
                out.untimed += 1
                continue
            if (since is not None and when < since) or (until is not None and when >= until):
                continue
        model = resolved.get(item.model)
        if model is None:
            try:
                model = resolved[item.model] = resolve(table, item.model).model
            except ClaudeCostError as exc:
                model = resolved[item.model] = exc
        if isinstance(model, Exception):
            problem(Problem(item.location, str(model), sum(item.counts[:5])))
            continue
        bad = _absurd(item, model.context_window)
        if bad:
            problem(Problem(item.location, bad, sum(item.counts[:5])))
            continue
        tally = tallies.setdefault(model.id, {})
        n = item.counts[4]
        tally[n] = tally.get(n, 0) + 1
        m = meta.get(model.id)
        if m is None:
            m = meta[model.id] = [0, 0, None, None, model.tokenizer]
        if item.stop is not None:
            m[0] += 1
            m[1] += item.stop == "max_tokens"
        if when is None:
            out.untimed += keep_calls  # a backtest cannot place it in time
        else:
            if m[2] is None or when < m[2]:
                m[2] = when
            if m[3] is None or when > m[3]:
                m[3] = when
            if keep_calls:
                out.calls.append((when, model.id, item))
    out.history = History({k: ModelHistory(k, Distribution.of(t), meta[k][4], meta[k][0], meta[k][1], meta[k][2], meta[k][3])
                           for k, t in sorted(tallies.items())}, list(sources))  # fmt: skip
    out.said = tuple(said)
    return out


def load_history(table: PriceTable, paths: list[str]) -> History:
    """`--history PATH…`: profile files, and usage sources (files, folders, globs) read on the
    fly, merged into one history."""
    from claude_cost.sources.profile import is_profile, load_profile
    from claude_cost.sources.usage import usage_records

    history = History({})
    logs = []
    for path in paths:
        if is_profile(path):
            history = history.merged(load_profile(path))
        else:
            logs.append(path)
    if logs:
        history = history.merged(gather(table, usage_records(logs), logs).history)
    return history


# ---------------------------------------------------------------- backtest


@dataclass
class BacktestRow:
    model: str
    train_calls: int
    test_calls: int
    p90: int | None  # learned from the training calls (None: the model had none)
    p50: int | None
    p90_covered: Decimal | None  # share of test calls whose output was at most the learned p90
    p50_cost_error: Decimal | None  # median |cost with p50 output - actual cost| / actual cost, per test call


@dataclass
class Backtest:
    rows: list[BacktestRow]
    split_at: str | None  # the time the training calls end
    untimed: int  # records without a time, left out (they cannot be ordered)
    total: BacktestRow | None = None


def _median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    values.sort()
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def backtest(table: PriceTable, gathered: Gathered, default_day: date, train_share: Decimal = Decimal("0.8")) -> Backtest:
    """Learn from the earlier `train_share` of the timed records and test on the rest: per model,
    how often the learned p90 covered the actual output, and the median relative error of a
    call's cost priced with the learned p50 instead of its actual output (its input as
    recorded, at the rates of its own day and choices: pricing.token_rates)."""
    calls = sorted(gathered.calls, key=lambda c: c[0])
    cut = int(len(calls) * train_share)
    train, test = calls[:cut], calls[cut:]
    learned: dict[str, Distribution] = {}
    for model_id, group in _by_model(train).items():
        learned[model_id] = Distribution.from_values(r.counts[4] for _, r in group)
    rows = []
    all_cov: list[bool] = []
    all_err: list[Decimal] = []
    for model_id, group in sorted(_by_model(test).items()):
        dist = learned.get(model_id)
        if dist is None:
            rows.append(BacktestRow(model_id, 0, len(group), None, None, None, None))
            continue
        p90, p50 = dist.percentile(90), dist.percentile(50)
        covered = [r.counts[4] <= p90 for _, r in group]
        errors = [e for e in (_cost_error(table, model_id, r, p50, default_day) for _, r in group) if e is not None]
        all_cov += covered
        all_err += errors
        rows.append(BacktestRow(model_id, dist.calls, len(group), p90, p50, Decimal(sum(covered)) / len(covered), _median(errors)))
    total = None
    if all_cov:
        total = BacktestRow("all", len(train), len(test), None, None, Decimal(sum(all_cov)) / len(all_cov), _median(all_err))
    return Backtest(rows, train[-1][0] if train else None, gathered.untimed, total)


def _by_model(calls: list[tuple[str, str, Record]]) -> dict[str, list[tuple[str, Record]]]:
    out: dict[str, list[tuple[str, Record]]] = {}
    for when, model_id, r in calls:
        out.setdefault(model_id, []).append((when, r))
    return out


def _cost_error(table: PriceTable, model_id: str, r: Record, predicted: int, default_day: date) -> Decimal | None:
    model = table.models[model_id]
    platform = r.platform or resolve(table, r.model).platform or "api"
    scenario = Scenario(day=r.day or default_day, batch=r.batch, geo="us" if r.geo == "us" and model.us_residency else None,
                        speed=r.speed, platform=platform)  # fmt: skip
    try:
        rates, _ = pricing.token_rates(model, sum(r.counts[:4]), scenario, table.fees)
    except ClaudeCostError:
        return None
    fixed = sum(Decimal(n) * rates.get(c) for c, n in zip(TOKEN_CLASSES[:4], r.counts[:4]))
    actual = fixed + Decimal(r.counts[4]) * rates.output
    if not actual:
        return None
    return abs(Decimal(predicted - r.counts[4]) * rates.output) / actual
