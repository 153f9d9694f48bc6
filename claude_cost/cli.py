"""The command line: parse options, call the core, render, map errors to exit codes (in one place)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from claude_cost import __version__
from claude_cost.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OVER_BUDGET, ClaudeCostError, InputError

app = typer.Typer(
    name="claude-cost",
    help="What a Claude API request will cost before you send it, and what your traffic cost after.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals could hold an API key
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)



def _print_rich(renderable: object) -> None:
    """Print a rich renderable to stdout: 120 columns when not a terminal, no colour with
    NO_COLOR or when piped. rich is imported only here (machine formats never load it)."""
    from rich.console import Console

    Console(file=sys.stdout, highlight=False, width=_width(), no_color=bool(os.environ.get("NO_COLOR"))).print(renderable)


def _width() -> int | None:
    """The terminal's width on a terminal; piped, $COLUMNS when set, else 120 columns."""
    if sys.stdout.isatty():
        return None
    try:
        return max(20, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 120


def _err(text: str) -> None:
    """One line for the user on stderr (errors, warnings, which counter was used)."""
    sys.stderr.write(text.rstrip("\n") + "\n")


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claude-cost {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """What a Claude API request will cost before you send it, and what your traffic cost after."""


@contextlib.contextmanager
def _errors(debug: bool) -> Iterator[None]:
    """The one error boundary: a ClaudeCostError becomes one line on stderr and its exit code."""
    from claude_cost.counting import redact

    try:
        yield
    except ClaudeCostError as exc:
        if debug:
            _err(redact(traceback.format_exc()))
        _err(f"error: {redact(exc.message)}")
        if exc.hint:
            _err(f"  hint: {redact(exc.hint)}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        _err("interrupted")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as exc:  # a bug: one line, never a traceback unless --debug
        if debug:
            _err(redact(traceback.format_exc()))
        _err(f"error: internal error ({type(exc).__name__}): {redact(str(exc))}")
        _err("  hint: this is a bug in claude-cost; rerun with --debug and report the traceback")
        raise typer.Exit(EXIT_INTERNAL) from None


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date", hint="use YYYY-MM-DD, e.g. 2026-02-01") from None


def _hours(value: str | None, flag: str) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise InputError(f"{flag} {value!r} is not a number of hours") from None
    if not d.is_finite() or d < 0:
        raise InputError(f"{flag} must be a number of hours >= 0")
    return d


def _output(
    fmt: Format,
    *,
    json_doc: Callable[[], Any],
    csv: Callable[[], str],
    markdown: Callable[[], str],
    table: Callable[[Any], Any],
    indent: int | None = 2,
) -> None:
    """Write one result in the chosen format: machine formats as plain text on stdout, the
    table through rich. `table` gets the lazily imported tables module (rich is loaded only here)."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(json_doc(), indent=indent, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(csv())
    elif fmt is Format.markdown:
        sys.stdout.write(markdown())
    else:
        from claude_cost import tables

        _print_rich(table(tables))


PricesOpt = Annotated[
    Optional[Path],
    typer.Option("--prices", help="A prices file merged over the bundled table (also $CLAUDE_COST_PRICES).", show_default=False),
]
AtOpt = Annotated[Optional[str], typer.Option("--at", help="Price as billed on this date (YYYY-MM-DD). Default: today.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors (the API key is never shown).")]
# Options shared by estimate and compare (declared once).
PayloadArg = Annotated[Optional[str], typer.Argument(help="Messages API request JSON file, or - for stdin.", show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Model id or alias (overrides the payload's).")]
OutputOpt = Annotated[Optional[int], typer.Option("--output-tokens", min=0, help="Output tokens (default: the payload's max_tokens, as an upper bound).")]
CountOpt = Annotated[str, typer.Option("--count", help="api | offline | auto (API when credentials exist).")]
CacheOpt = Annotated[str, typer.Option("--cache", help="cold (first call writes) | warm (prefix read) | off.")]
RepeatOpt = Annotated[int, typer.Option("--repeat", min=1, max=1_000_000_000, help="N identical calls within the TTL: 1 cold + N-1 warm (manual counts too).")]
PerOpt = Annotated[Optional[str], typer.Option("--per", help="The --repeat calls are made once per hour | day | week | month: adds projections over longer periods (month = 30 days, year = 365).")]
BatchOpt = Annotated[Optional[bool], typer.Option("--batch/--no-batch", help="Price at Batch API rates (50%). Batch API lines (custom_id + params) default to --batch.", show_default=False)]
GeoOpt = Annotated[Optional[str], typer.Option("--geo", help="inference_geo: us (1.1x, Claude 4.6+) or global.")]
SpeedOpt = Annotated[Optional[str], typer.Option("--speed", help="standard or fast (fast mode).")]
PlatformOpt = Annotated[Optional[str], typer.Option("--platform", help="api | bedrock | vertex | foundry.")]
EndpointOpt = Annotated[Optional[str], typer.Option("--endpoint", help="global | regional (Bedrock / Google Cloud: +10% on 4.5+ models).")]
SearchesOpt = Annotated[Optional[int], typer.Option("--web-searches", min=0, max=1_000_000_000, help="Web searches ($10 per 1,000).")]
CodeHoursOpt = Annotated[Optional[str], typer.Option("--code-exec-hours", help="Billable code-execution container-hours.")]
SessionOpt = Annotated[Optional[str], typer.Option("--session-hours", help="Managed Agents session-hours ($0.08/h).")]
TimeoutOpt = Annotated[Optional[float], typer.Option("--timeout", help="count_tokens timeout in seconds (SDK).")]
RetriesOpt = Annotated[Optional[int], typer.Option("--max-retries", min=0, help="count_tokens retries (SDK default 2).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
BudgetOpt = Annotated[Optional[str], typer.Option("--budget", help="Exit 1 when the total is over this many USD (the output is still printed).")]
BudgetOnOpt = Annotated[str, typer.Option("--budget-on", help="For offline estimates: compare the range's high end (default) or the point estimate.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the total in USD.")]


InputTokensOpt = Annotated[Optional[int], typer.Option("--input-tokens", min=0, help="Uncached input tokens (as usage.input_tokens); skips counting.")]
CacheWriteOpt = Annotated[int, typer.Option("--cache-write-tokens", min=0, help="5-minute cache write tokens (manual counts).")]
CacheWrite1hOpt = Annotated[int, typer.Option("--cache-write-1h-tokens", min=0, help="1-hour cache write tokens (manual counts).")]
CacheReadOpt = Annotated[int, typer.Option("--cache-read-tokens", min=0, help="Cache read tokens (manual counts).")]


def _money_arg(value: str | None, flag: str) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(value.lstrip("$"))
    except InvalidOperation:
        raise InputError(f"{flag} {value!r} is not an amount in USD") from None
    if not d.is_finite() or d < 0:
        raise InputError(f"{flag} must be an amount >= 0")
    return d


#: Per-request breaches listed on stderr before the rest are summed up in one line.
MAX_BREACH_LINES = 20


def _gate(breaches: list[Any]) -> None:
    """Budget gate: one stderr line per breach, then exit 1 (the output is already printed)."""
    if not breaches:
        return
    from claude_cost.render import breach_text

    for b in breaches[:MAX_BREACH_LINES]:
        _err(breach_text(b))
    if len(breaches) > MAX_BREACH_LINES:
        _err(f"… and {len(breaches) - MAX_BREACH_LINES} more over budget (--json lists every request's cost)")
    raise typer.Exit(EXIT_OVER_BUDGET)


JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]


def _options(
    *, model: str | None, count: str, cache: str, repeat: int, output_tokens: int | None, web_searches: int | None,
    code_exec_hours: str | None, session_hours: str | None, batch: bool | None, geo: str | None, speed: str | None,
    platform: str | None, endpoint: str | None, at: str | None, timeout: float | None, max_retries: int | None,
    per: str | None = None,
) -> Any:  # fmt: skip
    """Validate the shared flags and build the core's Options."""
    from claude_cost.estimate import Options

    for name, value, allowed in (
        ("--count", count, ("api", "offline", "auto")),
        ("--cache", cache, ("cold", "warm", "off")),
        ("--geo", geo, ("us", "global")),
        ("--speed", speed, ("standard", "fast")),
        ("--platform", platform, ("api", "bedrock", "vertex", "foundry")),
        ("--endpoint", endpoint, ("global", "regional")),
        ("--per", per, ("hour", "day", "week", "month")),
    ):
        if value is not None and value not in allowed:
            raise InputError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return Options(
        model=model, count=count, cache=cache, repeat=repeat, output_tokens=output_tokens,
        web_searches=web_searches, code_execution_hours=_hours(code_exec_hours, "--code-exec-hours"),
        session_hours=_hours(session_hours, "--session-hours"), batch=batch, geo=geo, speed=speed,
        platform=platform, endpoint=endpoint, day=_day(at), timeout=timeout, max_retries=max_retries, per=per,
    )  # fmt: skip


@app.command()
def estimate(
    payloads: Annotated[Optional[list[str]], typer.Argument(help="Request JSON files, JSONL files (one request or Batch line each), globs, directories, or - for stdin.", show_default=False)] = None,
    model: ModelOpt = None,
    input_tokens: InputTokensOpt = None,
    output_tokens: OutputOpt = None,
    cache_write_tokens: CacheWriteOpt = 0,
    cache_write_1h_tokens: CacheWrite1hOpt = 0,
    cache_read_tokens: CacheReadOpt = 0,
    count: CountOpt = "auto",
    cache: CacheOpt = "cold",
    repeat: RepeatOpt = 1,
    per: PerOpt = None,
    batch: BatchOpt = None,
    geo: GeoOpt = None,
    speed: SpeedOpt = None,
    platform: PlatformOpt = None,
    endpoint: EndpointOpt = None,
    web_searches: SearchesOpt = None,
    code_exec_hours: CodeHoursOpt = None,
    session_hours: SessionOpt = None,
    at: AtOpt = None,
    prices: PricesOpt = None,
    timeout: TimeoutOpt = None,
    max_retries: RetriesOpt = None,
    fmt: FormatOpt = Format.table,
    json_: JsonOpt = False,
    quiet: QuietOpt = False,
    budget: BudgetOpt = None,
    budget_on: BudgetOnOpt = "high",
    budget_per_request: Annotated[Optional[str], typer.Option("--budget-per-request", help="Exit 1 when any single request is over this many USD.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Parallel count_tokens calls for many requests.")] = 8,
    keep_going: Annotated[bool, typer.Option("--keep-going", help="With many requests: exit 0 even if some could not be estimated (they are still reported).")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the on-disk count cache.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Estimate the cost of requests: from payload files, or from token counts you give."""
    with _errors(debug):
        from claude_cost import budgets
        from claude_cost.estimate import estimate_manual, estimate_payload
        from claude_cost.models import Usage
        from claude_cost.prices import load_table

        opts = _options(
            model=model, count=count, cache=cache, repeat=repeat, output_tokens=output_tokens, web_searches=web_searches,
            code_exec_hours=code_exec_hours, session_hours=session_hours, batch=batch, geo=geo, speed=speed,
            platform=platform, endpoint=endpoint, at=at, timeout=timeout, max_retries=max_retries, per=per,
        )  # fmt: skip
        opts.count_cache = not no_cache
        table = load_table(prices)
        manual = input_tokens is not None or cache_write_tokens or cache_write_1h_tokens or cache_read_tokens
        limit = _money_arg(budget, "--budget")
        per_request = _money_arg(budget_per_request, "--budget-per-request")
        budgets.check_on(budget_on)
        request = None
        payload = payloads[0] if payloads and len(payloads) == 1 else None
        if payloads and (len(payloads) > 1 or _is_many(payloads[0])):
            if manual:
                raise InputError("manual token counts apply to one request; give a single payload")
            _estimate_many(table, payloads, opts, Format.json if json_ else fmt, quiet, limit, budget_on,
                           per_request, concurrency, keep_going)  # fmt: skip
            return
        if payload is not None:
            from claude_cost.payload import read_payload

            request = read_payload(payload)
        if manual:
            name = model or (request or {}).get("model")
            if not isinstance(name, str):
                raise InputError("manual counts need a model", hint="pass --model, e.g. --model opus-4.7")
            usage = Usage(
                input=input_tokens or 0,
                cache_write_5m=cache_write_tokens,
                cache_write_1h=cache_write_1h_tokens,
                cache_read=cache_read_tokens,
                output=output_tokens or 0,
                web_searches=web_searches or 0,
                code_execution_hours=opts.code_execution_hours,
                session_hours=opts.session_hours,
            )
            result = estimate_manual(table, name, usage, opts, request)
        elif request is not None:
            result = estimate_payload(table, request, opts, where="stdin" if payload == "-" else payload)
        else:
            raise InputError("nothing to estimate", hint="give a payload file (or - for stdin), or --model M --input-tokens N")
        for line in result.info:
            _err(line)
        if quiet:
            from claude_cost.render import dec

            typer.echo(dec(result.breakdown.total))
        else:
            from claude_cost import render

            _output(
                Format.json if json_ else fmt,
                json_doc=lambda: render.estimate_json(result),
                csv=lambda: render.estimate_csv(result),
                markdown=lambda: render.estimate_markdown(result),
                table=lambda t: t.estimate_table(result),
            )
        _gate(budgets.estimate_breaches(result, limit, per_request, budget_on))


def _shown_path(path: Path) -> str:
    """`path` relative to the current directory when it is below it (shorter locations in output)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _is_many(arg: str) -> bool:
    return arg.endswith(".jsonl") or any(ch in arg for ch in "*?[") or Path(arg).is_dir()


def _estimate_many(table: Any, args: list[str], opts: Any, fmt: Format, quiet: bool, limit: Decimal | None, budget_on: str,
                   per_request: Decimal | None, concurrency: int, keep_going: bool) -> None:  # fmt: skip
    """Many requests: one row each and the total; failures reported by location."""
    from claude_cost import budgets, render
    from claude_cost.many import estimate_many
    from claude_cost.payload import iter_requests

    sources = list(iter_requests(args))
    bar: Any = contextlib.nullcontext(None)
    if sys.stderr.isatty() and len(sources) > 20:  # a bar for a person watching a long run, never in logs
        from rich.console import Console

        from claude_cost.tables import progress_bar

        bar = progress_bar(len(sources), Console(file=sys.stderr, no_color=bool(os.environ.get("NO_COLOR"))))
    with bar as progress:
        run = estimate_many(table, sources, opts, concurrency=concurrency, progress=progress)
    for line in run.info:
        _err(line)
    if quiet:
        typer.echo(render.dec(run.total))
    else:
        # JSON is compact unless a person is reading: the C encoder is only used without indent
        _output(fmt, json_doc=lambda: render.many_json(run), csv=lambda: render.many_csv(run),
                markdown=lambda: render.many_markdown(run), table=lambda t: t.many_table(run),
                indent=2 if sys.stdout.isatty() else None)  # fmt: skip
    for item in run.errors:
        _err(f"error: {item.error}")
    if run.errors and not keep_going:
        _err(f"{len(run.errors)} of {len(run.items)} request(s) could not be estimated (--keep-going exits 0 anyway)")
        raise typer.Exit(EXIT_BAD_INPUT)
    _gate(budgets.run_breaches(run, limit, per_request, budget_on))


@app.command()
def compare(
    payload: PayloadArg = None,
    models: Annotated[Optional[str], typer.Option("--models", help="Comma list of ids/aliases, 'all', or a family (opus, sonnet, haiku). Default: the payload's model and the current model of each family.")] = None,
    baseline: Annotated[Optional[str], typer.Option("--baseline", help="Model the differences are against (default: the payload's).")] = None,
    what_if: Annotated[bool, typer.Option("--what-if", help="Show what the cheapest changes would save on the baseline.")] = False,
    model: ModelOpt = None,
    input_tokens: InputTokensOpt = None,
    output_tokens: OutputOpt = None,
    cache_write_tokens: CacheWriteOpt = 0,
    cache_write_1h_tokens: CacheWrite1hOpt = 0,
    cache_read_tokens: CacheReadOpt = 0,
    counted_on: Annotated[Optional[str], typer.Option("--counted-on", help="With token counts: the model whose tokenizer made them (default: the first of --models). Other tokenizer families get converted counts with a range.")] = None,
    count: CountOpt = "auto",
    cache: CacheOpt = "cold",
    repeat: RepeatOpt = 1,
    per: PerOpt = None,
    batch: BatchOpt = None,
    geo: GeoOpt = None,
    speed: SpeedOpt = None,
    platform: PlatformOpt = None,
    endpoint: EndpointOpt = None,
    web_searches: SearchesOpt = None,
    at: AtOpt = None,
    prices: PricesOpt = None,
    timeout: TimeoutOpt = None,
    max_retries: RetriesOpt = None,
    fmt: FormatOpt = Format.table,
    json_: JsonOpt = False,
    quiet: QuietOpt = False,
    budget: BudgetOpt = None,
    budget_on: BudgetOnOpt = "high",
    debug: DebugOpt = False,
) -> None:
    """The same request on several models, each counted for its own tokenizer, sorted by cost.

    --budget gates the baseline model's total (the model you would run)."""
    with _errors(debug):
        from claude_cost import budgets, render
        from claude_cost import compare as cmp_mod
        from claude_cost.payload import read_payload
        from claude_cost.prices import load_table

        manual = input_tokens is not None or cache_write_tokens or cache_write_1h_tokens or cache_read_tokens
        if payload is None and not manual:
            raise InputError("compare needs a payload file (or - for stdin), or token counts", hint="e.g. compare --models opus-4.7,sonnet-4.6 --input-tokens 20000 --output-tokens 1000")
        if payload is not None and manual:
            raise InputError("give a payload or token counts, not both")
        limit = _money_arg(budget, "--budget")
        budgets.check_on(budget_on)
        opts = _options(
            model=model, count=count, cache=cache, repeat=repeat, output_tokens=output_tokens, web_searches=web_searches,
            code_exec_hours=None, session_hours=None, batch=batch, geo=geo, speed=speed,
            platform=platform, endpoint=endpoint, at=at, timeout=timeout, max_retries=max_retries, per=per,
        )  # fmt: skip
        table = load_table(prices)
        if manual:
            from claude_cost.models import Usage

            usage = Usage(input=input_tokens or 0, cache_write_5m=cache_write_tokens, cache_write_1h=cache_write_1h_tokens,
                          cache_read=cache_read_tokens, output=output_tokens or 0, web_searches=web_searches or 0)  # fmt: skip
            result = cmp_mod.compare_manual(table, usage, opts, models or model, counted_on, baseline)
            if what_if:
                raise InputError("--what-if needs a payload (it re-counts the request)")
            request = None
        else:
            request = read_payload(payload)  # type: ignore[arg-type]
            result = cmp_mod.compare(table, request, opts, models, baseline)
        for line in result.info:
            _err(line)
        ifs = cmp_mod.what_if(table, request, opts, result) if what_if and request is not None else []
        fmt = Format.json if json_ else fmt
        base = result.baseline.estimate
        if quiet:
            typer.echo(render.dec(base.breakdown.total) if base else "")
        else:
            _output(fmt, json_doc=lambda: render.compare_json(result, ifs), csv=lambda: render.compare_csv(result),
                    markdown=lambda: render.compare_markdown(result, ifs), table=lambda t: t.compare_table(result, ifs))  # fmt: skip
        if base is not None:
            _gate(budgets.estimate_breaches(base, limit, None, budget_on, what=result.baseline.model.id))


@app.command()
def usage(
    files: Annotated[list[str], typer.Argument(help="Response JSON, JSONL logs, SSE captures or Batch results (- for stdin).", show_default=False)],
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model for records without one.")] = None,
    group_by: Annotated[str, typer.Option("--group-by", help="model | day | model,day")] = "model",
    at: Annotated[Optional[str], typer.Option("--at", help="Price date for records without a timestamp (default: today).")] = None,
    prices: PricesOpt = None,
    fmt: FormatOpt = Format.table,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Price recorded usage: what your traffic actually cost, by model and by day."""
    with _errors(debug):
        from claude_cost import render
        from claude_cost.prices import load_table
        from claude_cost.usage import records, summarize

        table = load_table(prices)
        summary = summarize(table, records(files, model), group_by, _day(at) or date.today())
        fmt = Format.json if json_ else fmt
        _output(fmt, json_doc=lambda: render.usage_json(summary, group_by), csv=lambda: render.usage_csv(summary, group_by),
                markdown=lambda: render.usage_markdown(summary, group_by), table=lambda t: t.usage_table(summary, group_by))  # fmt: skip
        if summary.problem_count and fmt is not Format.table:
            _err(f"warning: {summary.problem_count} record(s) could not be priced (first: {summary.problems[0].location}: {summary.problems[0].reason})")


@app.command()
def report(
    from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), UTC.")],
    to: Annotated[Optional[str], typer.Option("--to", help="Last day, inclusive (default: --from).")] = None,
    prices: PricesOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per Admin API request.")] = 60.0,
    fmt: FormatOpt = Format.table,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Price the organization's usage report with our table, next to the billed cost report
    (Usage & Cost Admin API; needs ANTHROPIC_ADMIN_KEY)."""
    with _errors(debug):
        from claude_cost import render
        from claude_cost.admin import build_report
        from claude_cost.prices import load_table

        start = _day(from_)
        end = _day(to) if to else start
        assert start is not None and end is not None
        result = build_report(load_table(prices), start, end, timeout=timeout)
        fmt = Format.json if json_ else fmt
        _output(fmt, json_doc=lambda: render.report_json(result), csv=lambda: render.report_csv(result),
                markdown=lambda: render.report_markdown(result), table=lambda t: t.report_table(result))  # fmt: skip


@app.command("diff")
def diff_cmd(
    base: Annotated[str, typer.Argument(help="The payload before the change (or the only payload, with --rev).", show_default=False)],
    new: Annotated[Optional[str], typer.Argument(help="The payload after the change.", show_default=False)] = None,
    rev: Annotated[Optional[str], typer.Option("--rev", help="Compare BASE as it was at this git revision (e.g. origin/main) with the working copy.")] = None,
    max_increase: Annotated[Optional[str], typer.Option("--max-increase", help="Exit 1 when the total rises by more than this, e.g. 10% or 0.002 (USD).")] = None,
    model: ModelOpt = None,
    output_tokens: OutputOpt = None,
    count: CountOpt = "auto",
    cache: CacheOpt = "cold",
    repeat: RepeatOpt = 1,
    batch: BatchOpt = None,
    geo: GeoOpt = None,
    speed: SpeedOpt = None,
    at: AtOpt = None,
    prices: PricesOpt = None,
    timeout: TimeoutOpt = None,
    max_retries: RetriesOpt = None,
    fmt: FormatOpt = Format.table,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Cost of a request before and after a change: per line item and total, in $ and %."""
    with _errors(debug):
        from claude_cost import budgets, render
        from claude_cost.diffing import diff, load_pair
        from claude_cost.prices import load_table

        opts = _options(
            model=model, count=count, cache=cache, repeat=repeat, output_tokens=output_tokens, web_searches=None,
            code_exec_hours=None, session_hours=None, batch=batch, geo=geo, speed=speed,
            platform=None, endpoint=None, at=at, timeout=timeout, max_retries=max_retries,
        )  # fmt: skip
        limit_pct = limit_usd = None
        if max_increase is not None:
            text = max_increase.strip()
            if text.endswith("%"):
                limit_pct = _money_arg(text[:-1], "--max-increase")
            else:
                limit_usd = _money_arg(text, "--max-increase")
        a, b, labels = load_pair(base, new, rev)
        result = diff(load_table(prices), a, b, opts, labels)
        fmt = Format.json if json_ else fmt
        _output(fmt, json_doc=lambda: render.diff_json(result), csv=lambda: render.diff_csv(result),
                markdown=lambda: render.diff_markdown(result), table=lambda t: t.diff_table(result))  # fmt: skip
        over = budgets.rise_over(result.total.change, result.total.pct, limit_usd, limit_pct)
        if over is not None:
            _err(render.rise_text(over))
            raise typer.Exit(EXIT_OVER_BUDGET)


cache_app = typer.Typer(help="The on-disk count_tokens cache (hashes and counts only, never keys or text).", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how many counts it holds and its size."""
    with _errors(False):
        from claude_cost.countcache import CountCache, default_path

        path = default_path()
        if not path.exists():
            typer.echo(f"{path}: empty (no cache file yet)")
            return
        rows, size = CountCache(path).info()
        typer.echo(f"{path}: {rows:,} counts, {size / 1024:.0f} KiB")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached count."""
    with _errors(False):
        from claude_cost.countcache import CountCache, default_path

        path = default_path()
        n = CountCache(path).clear() if path.exists() else 0
        typer.echo(f"{path}: {n:,} counts removed")


@app.command()
def check(
    config: Annotated[Optional[Path], typer.Option("--config", help="claude-cost.toml or pyproject.toml (default: found from the current directory up).")] = None,
    prices: PricesOpt = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Parallel count_tokens calls.")] = 8,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the on-disk count cache.")] = False,
    fmt: FormatOpt = Format.table,
    json_: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Check every budget of the config: exit 1 if any is broken, 2 if a request cannot be estimated."""
    with _errors(debug):
        from claude_cost import budgets, render
        from claude_cost.config import find_config, load_config
        from claude_cost.estimate import Options
        from claude_cost.many import estimate_many
        from claude_cost.payload import iter_requests
        from claude_cost.prices import load_table

        path = config or find_config(Path.cwd())
        if path is None:
            raise InputError("no claude-cost.toml or [tool.claude-cost] in pyproject.toml found here or above", hint="pass --config FILE")
        cfg = load_config(path)
        table = load_table(prices)
        base = path.parent
        results = []
        for b in cfg.budgets:
            s = b.settings
            opts = Options(model=s.get("model"), count=s.get("count", "auto"), cache=s.get("cache", "cold"), repeat=s.get("repeat", 1),
                           output_tokens=s.get("output-tokens"), batch=s.get("batch"), geo=s.get("geo"), speed=s.get("speed"),
                           day=s.get("at"), count_cache=not no_cache)  # fmt: skip
            globs = [f if Path(f).is_absolute() else _shown_path(base / f) for f in b.files]
            run = estimate_many(table, list(iter_requests(globs)), opts, concurrency=concurrency)
            results.append(budgets.evaluate(b, run, s.get("budget-on", "high")))
        doc = render.check_json(results)
        fmt = Format.json if json_ else fmt
        _output(fmt, json_doc=lambda: doc, csv=lambda: render.check_csv(doc),
                markdown=lambda: render.check_markdown(doc), table=lambda t: t.check_table(doc))  # fmt: skip
        errors = [e for r in doc["budgets"] for e in r["errors"]]
        for e in errors:
            _err(f"error: {e['error']}")
        if errors:
            raise typer.Exit(EXIT_BAD_INPUT)
        _gate([x for r in results for x in r.breaches])


@app.command("prices")
def prices_cmd(
    model: Annotated[Optional[str], typer.Argument(help="Show one model with every rule.", show_default=False)] = None,
    check: Annotated[Optional[Path], typer.Option("--check", help="Validate a prices file and exit.")] = None,
    at: AtOpt = None,
    prices: PricesOpt = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    debug: DebugOpt = False,
) -> None:
    """List the price table, show one model, or validate a prices file."""
    with _errors(debug):
        from claude_cost import pricing, render, tables
        from claude_cost.prices import check_file, load_table, resolve

        if check is not None:
            checked = check_file(check)
            typer.echo(f"{check}: ok ({len(checked.models)} models after merging over the bundled table)")
            return
        table = load_table(prices)
        day = _day(at) or date.today()
        chosen = [resolve(table, model).model] if model is not None else list(table.models.values())
        as_on_day = [pricing.effective_model(m, day) for m in chosen]  # history applied: the model as on `day`
        if json_:
            sys.stdout.write(json.dumps(render.prices_json(as_on_day, table.as_of, day), indent=2) + "\n")
        elif model is not None:
            _print_rich(tables.model_detail(as_on_day[0], table, day))
        else:
            _print_rich(tables.prices_table(as_on_day, table.as_of, day))


def main() -> None:
    """Console-script entry point."""
    # A run over thousands of requests keeps every estimate alive until the total is rendered;
    # with the default thresholds the cyclic GC rescans that growing heap again and again
    # (~15% of a cached 10,000-request run). Nothing here builds garbage cycles in bulk, and the
    # process is short-lived, so collections are made rarer. Library users are not affected.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    app()


if __name__ == "__main__":
    main()
