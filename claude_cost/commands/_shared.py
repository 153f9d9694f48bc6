"""What every command shares: the option declarations (each declared once), turning flags into
the core's Assumptions and CountSettings, the one error boundary (error → one stderr line and its
exit code), and writing a result in the chosen format. Imports nothing heavy at start-up."""

from __future__ import annotations

import contextlib
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

from claude_cost.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_OVER_BUDGET,
    ClaudeCostError,
    InputError,
    redact,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


# ---------------------------------------------------------------- options, declared once

PricesOpt = Annotated[Optional[Path], typer.Option("--prices", help="A prices file merged over the bundled table (also $CLAUDE_COST_PRICES).", show_default=False)]
AtOpt = Annotated[Optional[str], typer.Option("--at", help="Price as billed on this date (YYYY-MM-DD). Default: today.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors (the API key is never shown).")]
PayloadArg = Annotated[Optional[str], typer.Argument(help="Messages API request JSON file, or - for stdin.", show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Model id or alias (overrides the payload's).")]
InputTokensOpt = Annotated[Optional[int], typer.Option("--input-tokens", min=0, help="Uncached input tokens (as usage.input_tokens); skips counting.")]
OutputOpt = Annotated[Optional[str], typer.Option("--output-tokens", help="Output tokens per call: a number, or p50 | p90 | p95 | p99 | mean of the recorded calls in --history (default: the payload's max_tokens, as an upper bound).")]
HistoryOpt = Annotated[Optional[list[str]], typer.Option("--history", help="Recorded calls for --output-tokens p50|p90|…: a profile (claude-cost history -o) or usage logs, files, folders or globs. Repeatable.")]
CacheWriteOpt = Annotated[int, typer.Option("--cache-write-tokens", min=0, help="5-minute cache write tokens (manual counts).")]
CacheWrite1hOpt = Annotated[int, typer.Option("--cache-write-1h-tokens", min=0, help="1-hour cache write tokens (manual counts).")]
CacheReadOpt = Annotated[int, typer.Option("--cache-read-tokens", min=0, help="Cache read tokens (manual counts).")]
CountOpt = Annotated[str, typer.Option("--count", help="api | offline | auto (API when credentials exist).")]
OfflineMethodOpt = Annotated[str, typer.Option("--offline-method", help="How to count offline: ctok (exact, the reconstructed tokenizer) | fitted (estimate with a range) | auto (ctok when installed and it knows the model).")]
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
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the on-disk count cache.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
BudgetOpt = Annotated[Optional[str], typer.Option("--budget", help="Exit 1 when the total is over this many USD (the output is still printed).")]
class BudgetOn(str, Enum):
    high = "high"
    point = "point"


BudgetOnOpt = Annotated[BudgetOn, typer.Option("--budget-on", help="For offline estimates: compare the range's high end (default) or the point estimate.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the total in USD.")]
ConcurrencyOpt = Annotated[int, typer.Option("--concurrency", min=1, help="Parallel count_tokens calls.")]


# ---------------------------------------------------------------- flags → the core's inputs


def day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date", hint="use YYYY-MM-DD, e.g. 2026-02-01") from None


def hours(value: str | None, flag: str) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise InputError(f"{flag} {value!r} is not a number of hours") from None
    if not d.is_finite() or d < 0 or d > 10**9:
        raise InputError(f"{flag} must be a number of hours from 0 to 1,000,000,000")
    return d


def money(value: str | None, flag: str) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(value.strip().lstrip("$"))
    except InvalidOperation:
        raise InputError(f"{flag} {value!r} is not an amount in USD") from None
    if not d.is_finite() or d < 0:
        raise InputError(f"{flag} must be an amount >= 0")
    return d


def output_choice(value: str | int | None) -> tuple[int | None, str | None]:
    """`--output-tokens`: (a number of tokens, None) or (None, a statistic of the history)."""
    if value is None:
        return None, None
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = str(value).strip().lower()
    if text.isdigit() and text.isascii():
        n = int(text)
        if n > 1_000_000_000:
            raise InputError(f"--output-tokens {value!r} is more than any model writes")
        return n, None
    from claude_cost.core.history import STATS

    if text in STATS:
        return None, text
    raise InputError(f"--output-tokens {value!r}: give a number of tokens, or one of {', '.join(STATS)} (with --history)")


def history(paths: list[str] | None, table: Any) -> Any:
    """`--history PATH…` read (profiles and usage logs), or None; nothing is imported without it."""
    if not paths:
        return None
    from claude_cost.engines.history import load_history

    return load_history(table, paths)


def assumptions(
    *, cache: str = "cold", repeat: int = 1, per: str | None = None, output_tokens: str | int | None = None,
    web_searches: int | None = None, code_exec_hours: str | None = None, session_hours: str | None = None,
    batch: bool | None = None, geo: str | None = None, speed: str | None = None, platform: str | None = None,
    endpoint: str | None = None, at: str | None = None, recorded: Any = None,
) -> Any:  # fmt: skip
    """The pricing scenario from the flags (validated by the core's Assumptions). `recorded`:
    the loaded --history, for an --output-tokens statistic."""
    from claude_cost.core.models import Assumptions

    tokens, stat = output_choice(output_tokens)
    return Assumptions(
        cache=cache, repeat=repeat, per=per, output_tokens=tokens, web_searches=web_searches,
        code_execution_hours=hours(code_exec_hours, "--code-exec-hours"), session_hours=hours(session_hours, "--session-hours"),
        batch=batch, geo=geo, speed=speed, platform=platform, endpoint=endpoint, day=day(at), output_stat=stat, history=recorded,
    )  # fmt: skip


def counting(count: str, timeout: float | None = None, max_retries: int | None = None, no_cache: bool = False, offline_method: str = "auto") -> Any:
    """How to count, from the flags."""
    from claude_cost.counting.base import CountSettings

    return CountSettings(mode=count, timeout=timeout, max_retries=max_retries, cache=not no_cache, offline_method=offline_method)


def manual_usage(assume: Any, input_tokens: int | None, cache_write: int, cache_write_1h: int, cache_read: int) -> Any:
    """The Usage of one call from counts given on the command line, or None when none were."""
    if input_tokens is None and not (cache_write or cache_write_1h or cache_read):
        return None
    from claude_cost.core.models import Usage

    return Usage(input=input_tokens or 0, cache_write_5m=cache_write, cache_write_1h=cache_write_1h, cache_read=cache_read,
                 output=assume.output_tokens or 0, web_searches=assume.web_searches or 0,
                 code_execution_hours=assume.code_execution_hours, session_hours=assume.session_hours)  # fmt: skip


def shown_path(path: Path) -> str:
    """`path` relative to the current directory when it is below it (shorter locations in output)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def price_table(prices: Path | None, quiet: bool = False) -> Any:
    """The price table in use (`--prices` merged over the installed or bundled one), its notes
    (an ignored update, its age) said once on stderr unless --quiet."""
    from claude_cost.core.prices import load_table

    table = load_table(prices)
    if not quiet:
        for note in table.notes:
            err(f"note: {note}")
    return table


# ---------------------------------------------------------------- the error boundary


def err(text: str) -> None:
    """One line for the user on stderr (errors, warnings, which counter was used), with what a
    terminal would act on written as escapes (file and model names come from the user's data)."""
    from claude_cost.render.formats import shown

    sys.stderr.write(shown(text.rstrip("\n")) + "\n")


@contextlib.contextmanager
def boundary(debug: bool) -> Iterator[None]:
    """The one place errors become exit codes: a ClaudeCostError is one stderr line (+ hint) and
    its code; anything else is a bug (exit 4), still one line unless --debug."""
    try:
        yield
    except ClaudeCostError as exc:
        if debug:
            err(redact(traceback.format_exc()))
        err(f"error: {redact(exc.message)}")
        if exc.hint:
            err(f"  hint: {redact(exc.hint)}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(130) from None
    except MemoryError:
        err("error: out of memory: an input is too large to hold (a file with no line breaks, or the wrong file?)")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: a bug after all
            _internal(exc, debug)
        # a file the system refused where no reader caught it (a name too long for the file
        # system, a device that fails): the user's input or machine, said in one line
        if debug:
            err(redact(traceback.format_exc()))
        err(f"error: {_short(str(exc.filename))}: {exc.strerror or type(exc).__name__}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as exc:  # a bug: one line, never a traceback unless --debug
        _internal(exc, debug)


def _internal(exc: BaseException, debug: bool) -> None:
    """A bug: one line (and the traceback with --debug), exit 4."""
    if debug:
        err(redact(traceback.format_exc()))
    err(f"error: internal error ({type(exc).__name__}): {redact(_short(str(exc)))}")
    err("  hint: this is a bug in claude-cost; rerun with --debug and report the traceback")
    raise typer.Exit(EXIT_INTERNAL) from None


def _short(text: str, most: int = 300) -> str:
    """A name or message cut to `most` characters for a one-line error."""
    return text if len(text) <= most else text[: most - 1] + "…"


#: Per-request breaches listed on stderr before the rest are summed up in one line.
MAX_BREACH_LINES = 20


def gate(breaches: list[Any]) -> None:
    """Budget gate: one stderr line per breach, then exit 1 (the output is already printed)."""
    if not breaches:
        return
    from claude_cost.render.formats import breach_text

    for b in breaches[:MAX_BREACH_LINES]:
        err(breach_text(b))
    if len(breaches) > MAX_BREACH_LINES:
        err(f"… and {len(breaches) - MAX_BREACH_LINES} more over budget (--json lists every request's cost)")
    raise typer.Exit(EXIT_OVER_BUDGET)


# ---------------------------------------------------------------- output


def utf_stream(stream: object) -> bool:
    """Whether a text stream writes UTF-8 (an unknown encoding is taken as UTF-8)."""
    return "utf" in (getattr(stream, "encoding", None) or "utf-8").lower()


def width() -> int | None:
    """The terminal's width on a terminal; piped, $COLUMNS when set, else 120 columns."""
    if sys.stdout.isatty():
        return None
    try:
        return max(20, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 120


def print_rich(renderable: object) -> None:
    """Print a rich renderable to stdout (no colour with NO_COLOR or when piped). rich is
    imported only here: machine formats never load it."""
    from rich.console import Console

    from claude_cost.render.tables import Shown

    Console(file=sys.stdout, highlight=False, width=width(), no_color=bool(os.environ.get("NO_COLOR"))).print(Shown(renderable))


def output(
    fmt: Format, *, json_doc: Callable[[], Any], csv: Callable[[], str], markdown: Callable[[], str],
    table: Callable[[Any], Any], indent: int | None = 2, html: Callable[[], str] | None = None, to: Path | None = None,
) -> None:  # fmt: skip
    """Write one result in the chosen format: machine formats as plain text on stdout, the
    table through rich. `table` gets the lazily imported tables module. `to`: a file instead of
    stdout, written whole or not at all (a temporary file, then renamed)."""
    if fmt is Format.html and html is None:
        raise InputError("--format html is for `usage` and `report`", hint="use table, json, csv or markdown here")
    if fmt is Format.json:
        # UTF-8 as it is; escaped to ASCII for a stream that is not UTF-8 (still the same JSON)
        text = json.dumps(json_doc(), indent=indent, ensure_ascii=not utf_stream(sys.stdout)) + "\n"
    elif fmt is Format.csv:
        text = csv()
    elif fmt is Format.markdown:
        text = markdown()
    elif fmt is Format.html:
        text = html()  # type: ignore[misc]
    else:
        from claude_cost.render import tables

        if to is None:
            print_rich(table(tables))
            return
        import io

        from rich.console import Console

        buffer = io.StringIO()
        Console(file=buffer, highlight=False, width=120, no_color=True).print(tables.Shown(table(tables)))
        text = buffer.getvalue()
    if to is None:
        sys.stdout.write(text)
        return
    from claude_cost.sources.files import write_atomic

    write_atomic(to, text.encode("utf-8"))
    err(f"wrote {to}")


def notes(lines: list[str]) -> None:
    for line in lines:
        err(line)
