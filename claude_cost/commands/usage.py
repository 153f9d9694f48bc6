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

FilesArg = Annotated[Optional[list[str]], typer.Argument(help="Response JSON, JSONL logs, SSE captures, Batch results, OTLP span exports, Claude Code transcripts or folders (- for stdin).", show_default=False)]
DefaultModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Model for records without one.")]
GroupByOpt = Annotated[str, typer.Option("--group-by", help="A comma list of model, day, hour, month, session, project, service.")]
PriceDayOpt = Annotated[Optional[str], typer.Option("--at", help="Price date for records without a timestamp (default: today).")]
ClaudeCodeOpt = Annotated[bool, typer.Option("--claude-code", help="Read Claude Code transcripts: the given folders/files, else $CLAUDE_CONFIG_DIR or ~/.config/claude/projects and ~/.claude/projects.")]
SinceOpt = Annotated[Optional[str], typer.Option("--since", help="Only records at or after this date or ISO time (UTC when no zone).")]
UntilOpt = Annotated[Optional[str], typer.Option("--until", help="Only records before the end of this date, or before this ISO time.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 5 when any record could not be priced.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Say on stderr how many lines were skipped as not model responses.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="auto | python | duckdb | spark. auto: DuckDB for CSV, Parquet and JSONL over 64 MB when grouping by model/day/month; else Python.")]
SparkMasterOpt = Annotated[Optional[str], typer.Option("--spark-master", help="Spark master for --engine spark (default local[*]; Spark Connect via $SPARK_REMOTE).")]
LoggedOpt = Annotated[bool, typer.Option("--show-logged-cost", help="Show the logs' own cost figure (Claude Code costUSD) beside ours; never used to price.")]


def usage(
    files: FilesArg = None, model: DefaultModelOpt = None, group_by: GroupByOpt = "model", at: PriceDayOpt = None,
    claude_code: ClaudeCodeOpt = False, since: SinceOpt = None, until: UntilOpt = None, strict: StrictOpt = False,
    verbose: VerboseOpt = False, show_logged_cost: LoggedOpt = False, engine: EngineOpt = "auto", spark_master: SparkMasterOpt = None, prices: PricesOpt = None,
    fmt: FormatOpt = Format.table, json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Price recorded usage: what your traffic actually cost, by model, day, session, project or service."""
    with boundary(debug):
        from claude_cost.core.errors import EXIT_UNPRICED
        from claude_cost.core.prices import load_table
        from claude_cost.engines.python import time_bound
        from claude_cost.engines.select import summarize_usage
        from claude_cost.render import formats as render
        from claude_cost.sources.usage import usage_records

        window = time_bound(since, "--since", end=False), time_bound(until, "--until", end=True)
        summary, used = summarize_usage(load_table(prices), files or [], group_by, day(at) or date.today(), engine=engine, default_model=model,
                                        claude_code=claude_code, since=window[0], until=window[1], spark_master=spark_master,
                                        python_items=lambda: usage_records(files or [], model, claude_code=claude_code))  # fmt: skip
        output(Format.json if json_ else fmt, json_doc=lambda: render.usage_json(summary, show_logged_cost),
               csv=lambda: render.usage_csv(summary, show_logged_cost), markdown=lambda: render.usage_markdown(summary, show_logged_cost),
               table=lambda t: t.usage_table(summary, show_logged_cost))  # fmt: skip
        for what, n in summary.skipped.items():
            if verbose or what in summary.said:
                err(f"skipped {n:,} {what}")
        if verbose:
            err(f"engine: {used}")
        for warning in render.unpriced_warnings(summary):
            err(warning)
        if strict and (summary.problem_count or summary.skipped_claude):
            raise typer.Exit(EXIT_UNPRICED)
