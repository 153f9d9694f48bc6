"""`claude-cost usage`: what recorded traffic actually cost."""

from __future__ import annotations

from datetime import date
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
WhatIfOpt = Annotated[bool, typer.Option("--what-if", help="Also price the same traffic with one change at a time: all on the Batch API, without US-only inference, without fast mode, on each other current model.")]
OutOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the output to this file (whole or not at all) instead of stdout; --format html makes a self-contained page.")]


def usage(
    files: FilesArg = None, model: DefaultModelOpt = None, group_by: GroupByOpt = "model", at: PriceDayOpt = None,
    claude_code: ClaudeCodeOpt = False, since: SinceOpt = None, until: UntilOpt = None, strict: StrictOpt = False,
    verbose: VerboseOpt = False, show_logged_cost: LoggedOpt = False, engine: EngineOpt = "auto", spark_master: SparkMasterOpt = None, prices: PricesOpt = None,
    what_if: WhatIfOpt = False, out: OutOpt = None, fmt: FormatOpt = Format.table, json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Price recorded usage: what your traffic actually cost, by model, day, session, project or service."""
    with boundary(debug):
        from claude_cost.core.errors import EXIT_UNPRICED
        from claude_cost.engines.python import time_bound
        from claude_cost.engines.report import REPORT_FIELDS
        from claude_cost.engines.select import summarize_usage
        from claude_cost.render import formats as render
        from claude_cost.sources.usage import usage_records

        fmt, table, when = Format.json if json_ else fmt, price_table(prices), day(at) or clock.today()
        window = time_bound(since, "--since", end=False), time_bound(until, "--until", end=True)
        summary, used = summarize_usage(table, files or [], REPORT_FIELDS if fmt is Format.html else group_by, when, engine=engine,
                                        default_model=model, claude_code=claude_code, since=window[0], until=window[1], spark_master=spark_master,
                                        python_items=lambda: usage_records(files or [], model, claude_code=claude_code),
                                        detail=what_if or fmt is Format.html)  # fmt: skip
        _show(summary, _what_ifs(table, summary, when) if what_if or fmt is Format.html else None, fmt, show_logged_cost, out)
        for what, n in summary.skipped.items():
            if verbose or what in summary.said:
                err(f"skipped {what}: {n:,}")  # "skipped spans of …: 1" reads right for any count
        if verbose:
            err(f"engine: {used}")
        for warning in render.unpriced_warnings(summary):
            err(warning)
        if strict and (summary.problem_count or summary.skipped_claude):
            raise typer.Exit(EXIT_UNPRICED)


def _what_ifs(table: Any, summary: Any, when: date) -> list[Any]:
    from claude_cost.engines.what_if import what_ifs

    return what_ifs(table, summary, when)


def _show(summary: Any, ifs: list[Any] | None, fmt: Format, logged: bool, to: Path | None) -> None:
    """The summary (and what-ifs) in the chosen format; --format html: the report page."""
    from claude_cost.render import formats as render

    def page() -> str:
        from claude_cost.engines.report import report_data
        from claude_cost.render.html import usage_page

        return usage_page(report_data(summary, ifs))

    output(fmt, json_doc=lambda: render.usage_json(summary, logged, ifs), csv=lambda: render.usage_csv(summary, logged),
           markdown=lambda: render.usage_markdown(summary, logged, ifs), table=lambda t: t.usage_table(summary, logged, ifs),
           html=page, to=to)  # fmt: skip
