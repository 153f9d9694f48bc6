"""`claude-cost estimate`: one request, many requests, or counts you give → an itemized bill."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from claude_cost.commands._shared import (
    AtOpt,
    BatchOpt,
    BudgetOn,
    BudgetOnOpt,
    BudgetOpt,
    CacheOpt,
    CacheReadOpt,
    CacheWrite1hOpt,
    CacheWriteOpt,
    CodeHoursOpt,
    ConcurrencyOpt,
    CountOpt,
    DebugOpt,
    EndpointOpt,
    Format,
    FormatOpt,
    GeoOpt,
    HistoryOpt,
    InputTokensOpt,
    JsonOpt,
    ModelOpt,
    NoCacheOpt,
    OfflineMethodOpt,
    OutputOpt,
    PerOpt,
    PlatformOpt,
    PricesOpt,
    QuietOpt,
    RepeatOpt,
    RetriesOpt,
    SearchesOpt,
    SessionOpt,
    SpeedOpt,
    TimeoutOpt,
    assumptions,
    boundary,
    counting,
    err,
    gate,
    history,
    manual_usage,
    money,
    notes,
    output,
    price_table,
)  # fmt: skip

PayloadsArg = Annotated[Optional[list[str]], typer.Argument(help="Request JSON files, JSONL files (one request or Batch line each), globs, directories, or - for stdin.", show_default=False)]
PerRequestOpt = Annotated[Optional[str], typer.Option("--budget-per-request", help="Exit 1 when any single request is over this many USD.")]
KeepGoingOpt = Annotated[bool, typer.Option("--keep-going", help="With many requests: exit 0 even if some could not be estimated (they are still reported).")]


def estimate(
    payloads: PayloadsArg = None, model: ModelOpt = None, input_tokens: InputTokensOpt = None, output_tokens: OutputOpt = None,
    cache_write_tokens: CacheWriteOpt = 0, cache_write_1h_tokens: CacheWrite1hOpt = 0, cache_read_tokens: CacheReadOpt = 0,
    count: CountOpt = "auto", offline_method: OfflineMethodOpt = "auto", cache: CacheOpt = "cold", repeat: RepeatOpt = 1, per: PerOpt = None, batch: BatchOpt = None,
    geo: GeoOpt = None, speed: SpeedOpt = None, platform: PlatformOpt = None, endpoint: EndpointOpt = None,
    web_searches: SearchesOpt = None, code_exec_hours: CodeHoursOpt = None, session_hours: SessionOpt = None, at: AtOpt = None,
    prices: PricesOpt = None, timeout: TimeoutOpt = None, max_retries: RetriesOpt = None, fmt: FormatOpt = Format.table,
    json_: JsonOpt = False, quiet: QuietOpt = False, budget: BudgetOpt = None, budget_on: BudgetOnOpt = BudgetOn.high,
    budget_per_request: PerRequestOpt = None, concurrency: ConcurrencyOpt = 8, keep_going: KeepGoingOpt = False,
    no_cache: NoCacheOpt = False, history_paths: HistoryOpt = None, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Estimate the cost of requests: from payload files, or from token counts you give."""
    with boundary(debug):
        from claude_cost.estimating.estimate import estimate_input

        table = price_table(prices, quiet)
        assume = assumptions(cache=cache, repeat=repeat, per=per, output_tokens=output_tokens, web_searches=web_searches,
                             code_exec_hours=code_exec_hours, session_hours=session_hours, batch=batch, geo=geo, speed=speed,
                             platform=platform, endpoint=endpoint, at=at, recorded=history(history_paths, table))  # fmt: skip
        how = counting(count, timeout, max_retries, no_cache, offline_method)
        usage = manual_usage(assume, input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens)
        limits = (money(budget, "--budget"), money(budget_per_request, "--budget-per-request"), budget_on.value)
        fmt = Format.json if json_ else fmt
        if payloads and (len(payloads) > 1 or _is_many(payloads[0])):
            return _many(table, payloads, usage, model, assume, how, fmt, quiet, limits, concurrency, keep_going)
        request, where = _read(payloads[0] if payloads else None)
        result = estimate_input(table, request=request, usage=usage, assume=assume, counting=how, model=model, where=where)
        notes(result.info)
        _show(result, fmt, quiet)
        if limits[0] is not None or limits[1] is not None:
            from claude_cost.core import budgets

            gate(budgets.estimate_breaches(result, *limits))


def _read(payload: str | None) -> tuple[dict[str, Any] | None, str]:
    if payload is None:
        return None, "payload"
    from claude_cost.sources.payload import read_payload

    return read_payload(payload), "stdin" if payload == "-" else payload


def _show(result: Any, fmt: Format, quiet: bool) -> None:
    from claude_cost.render import formats as render

    if quiet:
        typer.echo(render.dec(result.breakdown.total))
        return
    output(fmt, json_doc=lambda: render.estimate_json(result), csv=lambda: render.estimate_csv(result),
           markdown=lambda: render.estimate_markdown(result), table=lambda t: t.estimate_table(result))  # fmt: skip


def _is_many(arg: str) -> bool:
    """A Batch JSONL file, a pattern or a folder; a file whose name has a glob character is
    taken as named (as `expand_paths` does)."""
    if arg.endswith(".jsonl") or Path(arg).is_dir():
        return True
    return any(ch in arg for ch in "*?[") and not Path(arg).is_file()


def _many(table: Any, args: list[str], usage: Any, model: str | None, assume: Any, how: Any, fmt: Format, quiet: bool,
          limits: tuple[Any, ...], concurrency: int, keep_going: bool) -> None:  # fmt: skip
    """Many requests: one row each and the total; failures reported by location."""
    import sys

    from claude_cost.core import budgets
    from claude_cost.core.errors import EXIT_BAD_INPUT, InputError
    from claude_cost.estimating.many import estimate_many
    from claude_cost.render import formats as render
    from claude_cost.sources.payload import iter_requests

    if usage is not None:
        from claude_cost.sources.payload import expand_paths

        expand_paths(args)  # a pattern that finds nothing is the error to report first
        raise InputError("manual token counts apply to one request; give a single payload")
    sources = list(iter_requests(args))
    with _progress(len(sources)) as progress:
        run = estimate_many(table, sources, assume, how, model=model, concurrency=concurrency, progress=progress)
    notes(run.info)
    if quiet:
        typer.echo(render.dec(run.total))
    else:  # JSON is compact unless a person is reading: the C encoder is only used without indent
        output(fmt, json_doc=lambda: render.many_json(run), csv=lambda: render.many_csv(run), markdown=lambda: render.many_markdown(run),
               table=lambda t: t.many_table(run), indent=2 if sys.stdout.isatty() else None)  # fmt: skip
    for item in run.errors:
        err(f"error: {item.error}")
    if run.errors and not keep_going:
        err(f"{len(run.errors)} of {len(run.items)} request(s) could not be estimated (--keep-going exits 0 anyway)")
        raise typer.Exit(EXIT_BAD_INPUT)
    gate(budgets.run_breaches(run, limits[0], limits[1], limits[2]))


def _progress(total: int) -> Any:
    """A progress bar on a terminal stderr for a long run, else nothing."""
    import contextlib
    import os
    import sys

    if not (sys.stderr.isatty() and total > 20):
        return contextlib.nullcontext(None)
    from rich.console import Console

    from claude_cost.render.tables import progress_bar

    return progress_bar(total, Console(file=sys.stderr, no_color=bool(os.environ.get("NO_COLOR"))))
