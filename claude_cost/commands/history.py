"""`claude-cost history`: how long Claude answers, per model, from recorded traffic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from claude_cost.core import clock
from claude_cost.commands._shared import (
    DebugOpt,
    Format,
    FormatOpt,
    JsonOpt,
    PricesOpt,
    boundary,
    day,
    err,
    output,
    price_table,
)
from claude_cost.commands.usage import ClaudeCodeOpt, DefaultModelOpt, FilesArg, PriceDayOpt, SinceOpt, UntilOpt

ProfileOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Also write a profile (JSON) of these calls, for --history in estimates and CI.")]
BacktestOpt = Annotated[bool, typer.Option("--backtest", help="Learn from the earlier 80% of the calls (by time), test on the later 20%: how often p90 covered the output, and the p50-based cost error.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="auto | python (history is read by the Python engine).")]


def history(
    files: FilesArg = None, model: DefaultModelOpt = None, claude_code: ClaudeCodeOpt = False, since: SinceOpt = None,
    until: UntilOpt = None, out: ProfileOpt = None, backtest: BacktestOpt = False, at: PriceDayOpt = None,
    engine: EngineOpt = "auto", prices: PricesOpt = None, fmt: FormatOpt = Format.table, json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Output tokens per call, per model, from recorded traffic: percentiles, mean, max, and how often max_tokens cut it."""
    with boundary(debug):
        from claude_cost.core.errors import InputError
        from claude_cost.engines import history as engine_history
        from claude_cost.engines.python import time_bound
        from claude_cost.render import formats as render
        from claude_cost.sources.usage import usage_records

        if engine not in ("auto", "python"):
            raise InputError(f"--engine {engine!r}: history reads with the Python engine", hint="use --engine python (or auto)")
        table = price_table(prices)
        items = usage_records(files or [], model, claude_code=claude_code)
        got = engine_history.gather(table, items, files or (["Claude Code projects"] if claude_code else []), keep_calls=backtest,
                                    since=time_bound(since, "--since", end=False), until=time_bound(until, "--until", end=True))  # fmt: skip
        result = engine_history.backtest(table, got, day(at) or clock.today()) if backtest else None
        output(Format.json if json_ else fmt, json_doc=lambda: render.backtest_json(result) if result else render.history_json(got),
               csv=lambda: render.history_csv(got), markdown=lambda: render.history_markdown(got),
               table=lambda t: t.backtest_table(result) if result else t.history_table(got))  # fmt: skip
        _said(got)
        if out is not None:
            _write(out, got.history)


def _said(got: Any) -> None:
    """Skipped records with token counts, and records left out, on stderr."""
    for what in got.said:
        err(f"skipped {what}: {got.skipped[what]:,}")
    if got.problem_count:
        first = got.problems[0]
        err(f"warning: {got.problem_count:,} record(s) left out of the history (first: {first.location}: {first.reason})")


def _write(path: Path, history: Any) -> None:
    """The profile, written atomically, and a line on stderr saying so."""
    from claude_cost.sources.files import write_atomic
    from claude_cost.sources.profile import profile_json

    write_atomic(path, profile_json(history))
    calls = sum(m.calls for m in history.models.values())
    err(f"wrote {path}: {len(history.models)} model(s), {calls:,} calls")
