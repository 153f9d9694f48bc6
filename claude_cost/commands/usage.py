"""`claude-cost usage`: what recorded traffic actually cost."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer

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
)

FilesArg = Annotated[list[str], typer.Argument(help="Response JSON, JSONL logs, SSE captures or Batch results (- for stdin).", show_default=False)]
DefaultModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Model for records without one.")]
GroupByOpt = Annotated[str, typer.Option("--group-by", help="model | day | model,day")]
PriceDayOpt = Annotated[Optional[str], typer.Option("--at", help="Price date for records without a timestamp (default: today).")]


def usage(
    files: FilesArg, model: DefaultModelOpt = None, group_by: GroupByOpt = "model", at: PriceDayOpt = None,
    prices: PricesOpt = None, fmt: FormatOpt = Format.table, json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Price recorded usage: what your traffic actually cost, by model and by day."""
    with boundary(debug):
        from claude_cost.core.prices import load_table
        from claude_cost.engines.python import summarize
        from claude_cost.render import formats as render
        from claude_cost.sources.usage import records

        summary = summarize(load_table(prices), records(files, model), group_by, day(at) or date.today())
        fmt = Format.json if json_ else fmt
        output(fmt, json_doc=lambda: render.usage_json(summary, group_by), csv=lambda: render.usage_csv(summary, group_by),
               markdown=lambda: render.usage_markdown(summary, group_by), table=lambda t: t.usage_table(summary, group_by))  # fmt: skip
        if summary.problem_count and fmt is not Format.table:
            first = summary.problems[0]
            err(f"warning: {summary.problem_count} record(s) could not be priced (first: {first.location}: {first.reason})")
