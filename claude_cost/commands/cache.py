"""`claude-cost cache`: the on-disk count_tokens cache (hashes and counts only)."""

from __future__ import annotations

import typer

from claude_cost.commands._shared import boundary

app = typer.Typer(help="The on-disk count_tokens cache (hashes and counts only, never keys or text).", no_args_is_help=True)


@app.command("info")
def info() -> None:
    """Where the cache is, how many counts it holds and its size."""
    with boundary(False):
        from claude_cost.counting.cache import CountCache, default_path

        path = default_path()
        if not path.exists():
            typer.echo(f"{path}: empty (no cache file yet)")
            return
        rows, size = CountCache(path).info()
        typer.echo(f"{path}: {rows:,} counts, {size / 1024:.0f} KiB")


@app.command("clear")
def clear() -> None:
    """Delete every cached count."""
    with boundary(False):
        from claude_cost.counting.cache import CountCache, default_path

        path = default_path()
        n = CountCache(path).clear() if path.exists() else 0
        typer.echo(f"{path}: {n:,} counts removed")
