"""The command line: builds the Typer app from `commands/` (one module per subcommand). Each
command parses, calls one function of the layers below, renders, and leaves errors to the one
boundary in `commands/_shared.py`."""

from __future__ import annotations

import gc
from typing import Annotated

import typer

from claude_cost import __version__
from claude_cost.commands import (
    cache,
    check,
    compare,
    diff,
    estimate,
    history,
    prices,
    report,
    sql,
    usage,
)

app = typer.Typer(
    name="claude-cost",
    help="What a Claude API request will cost before you send it, and what your traffic cost after.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals could hold an API key
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claude-cost {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """What a Claude API request will cost before you send it, and what your traffic cost after."""


app.command()(estimate.estimate)
app.command()(compare.compare)
app.command()(usage.usage)
app.command("history")(history.history)
app.command()(report.report)
app.command("diff")(diff.diff)
app.add_typer(cache.app, name="cache")
app.command()(check.check)
app.add_typer(prices.app, name="prices")
app.command("sql")(sql.sql)


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
