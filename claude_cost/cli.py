"""The command line: builds the Typer app from `commands/` (one module per subcommand). Each
command parses, calls one function of the layers below, renders, and leaves errors to the one
boundary in `commands/_shared.py`."""

from __future__ import annotations

import gc
import sys
from typing import Annotated

import typer

from claude_cost import __version__
#: The subcommands in help order → (module, attribute): a command function, or a Typer group of its
#: own. A run imports only the module of the command it was asked for.
COMMANDS = {
    "estimate": ("estimate", "estimate"),
    "compare": ("compare", "compare"),
    "usage": ("usage", "usage"),
    "history": ("history", "history"),
    "report": ("report", "report"),
    "diff": ("diff", "diff"),
    "cache": ("cache", "app"),
    "check": ("check", "check"),
    "prices": ("prices", "app"),
    "sql": ("sql", "sql"),
    "budget": ("budget", "app"),
    "mcp": ("claude_cost.servers.mcp", "command"),  # a front end of its own (servers/), not a command module
    "schema": ("schema", "schema"),
}


def _command(name: str) -> object:
    import importlib

    module, attr = COMMANDS[name]
    return getattr(importlib.import_module(module if "." in module else f"claude_cost.commands.{module}"), attr)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claude-cost {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """What a Claude API request will cost before you send it, and what your traffic cost after."""


def build(only: str | None = None) -> typer.Typer:
    """The Typer app with every subcommand, or with `only` that one: Typer builds the options of
    every registered command before it runs one (~25 ms for all of them), so a run registers just
    the command it was asked for."""
    built = typer.Typer(
        name="claude-cost",
        help="What a Claude API request will cost before you send it, and what your traffic cost after.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,  # locals could hold an API key
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    built.callback()(_root)
    for name in COMMANDS:
        if only is not None and name != only:
            continue
        target = _command(name)
        if isinstance(target, typer.Typer):
            built.add_typer(target, name=name)
        else:
            built.command(name)(target)
    return built


def __getattr__(name: str) -> typer.Typer:
    """`claude_cost.cli.app`: the whole app (every command), built on first use — a run of the
    console script builds only the command it was asked for."""
    if name == "app":
        built = globals()["app"] = build()
        return built
    raise AttributeError(f"module 'claude_cost.cli' has no attribute {name!r}")


def _asked(argv: list[str]) -> str | None:
    """The subcommand named on the command line, when it is one (the first non-option word:
    the root takes no option with a value)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def _plain_terminals() -> None:
    """A terminal or pipe that is not UTF-8 (PYTHONIOENCODING=ascii, a legacy console) gets what
    it cannot show as escapes (≤ → \\u2264) instead of a crash; JSON is then written as ASCII."""
    from claude_cost.commands._shared import utf_stream

    for stream in (sys.stdout, sys.stderr):
        if not utf_stream(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main() -> None:
    """Console-script entry point."""
    # A run over thousands of requests keeps every estimate alive until the total is rendered;
    # with the default thresholds the cyclic GC rescans that growing heap again and again
    # (~15% of a cached 10,000-request run). Nothing here builds garbage cycles in bulk, and the
    # process is short-lived, so collections are made rarer. Library users are not affected.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    _plain_terminals()
    name = _asked(sys.argv[1:])
    (build(name) if name else build())()


if __name__ == "__main__":
    main()
