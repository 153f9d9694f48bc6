"""`claude-cost diff`: the cost of a request before and after a change."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import (
    AtOpt,
    BatchOpt,
    CacheOpt,
    CountOpt,
    OfflineMethodOpt,
    DebugOpt,
    Format,
    FormatOpt,
    GeoOpt,
    JsonOpt,
    ModelOpt,
    OutputOpt,
    PricesOpt,
    RepeatOpt,
    RetriesOpt,
    SpeedOpt,
    TimeoutOpt,
    assumptions,
    boundary,
    counting,
    err,
    output,
)  # fmt: skip

BaseArg = Annotated[str, typer.Argument(help="The payload before the change (or the only payload, with --rev).", show_default=False)]
NewArg = Annotated[Optional[str], typer.Argument(help="The payload after the change.", show_default=False)]
RevOpt = Annotated[Optional[str], typer.Option("--rev", help="Compare BASE as it was at this git revision (e.g. origin/main) with the working copy.")]
MaxIncreaseOpt = Annotated[Optional[str], typer.Option("--max-increase", help="Exit 1 when the total rises by more than this, e.g. 10% or 0.002 (USD).")]


def diff(
    base: BaseArg, new: NewArg = None, rev: RevOpt = None, max_increase: MaxIncreaseOpt = None, model: ModelOpt = None,
    output_tokens: OutputOpt = None, count: CountOpt = "auto", offline_method: OfflineMethodOpt = "auto", cache: CacheOpt = "cold", repeat: RepeatOpt = 1,
    batch: BatchOpt = None, geo: GeoOpt = None, speed: SpeedOpt = None, at: AtOpt = None, prices: PricesOpt = None,
    timeout: TimeoutOpt = None, max_retries: RetriesOpt = None, fmt: FormatOpt = Format.table, json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Cost of a request before and after a change: per line item and total, in $ and %."""
    with boundary(debug):
        from claude_cost.core import budgets
        from claude_cost.core.errors import EXIT_OVER_BUDGET
        from claude_cost.core.prices import load_table
        from claude_cost.estimating.diff import diff as diff_requests
        from claude_cost.render import formats as render
        from claude_cost.sources.git import load_pair

        limit = budgets.parse_increase(max_increase)
        assume = assumptions(cache=cache, repeat=repeat, output_tokens=output_tokens, batch=batch, geo=geo, speed=speed, at=at)
        a, b, labels = load_pair(base, new, rev)
        result = diff_requests(load_table(prices), a, b, assume, counting(count, timeout, max_retries, offline_method=offline_method), labels, model=model)
        output(Format.json if json_ else fmt, json_doc=lambda: render.diff_json(result), csv=lambda: render.diff_csv(result),
               markdown=lambda: render.diff_markdown(result), table=lambda t: t.diff_table(result))  # fmt: skip
        over = budgets.rise_over(result.total.change, result.total.pct, *limit)
        if over is not None:
            err(render.rise_text(over))
            raise typer.Exit(EXIT_OVER_BUDGET)
