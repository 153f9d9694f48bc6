"""`claude-cost cache`: the on-disk count_tokens cache (hashes and counts only)."""

from __future__ import annotations

from typing import Any

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
        cache = _open(CountCache, path)
        rows, size = cache.info()
        typer.echo(f"{path}: {rows:,} counts, {size / 1024:.0f} KiB")


@app.command("clear")
def clear() -> None:
    """Delete every cached count."""
    with boundary(False):
        from claude_cost.counting.cache import CountCache, default_path

        path = default_path()
        n = _open(CountCache, path).clear() if path.exists() else 0
        typer.echo(f"{path}: {n:,} counts removed")


def _open(kind: Any, path: Any) -> Any:
    """The cache at `path`; a damaged file is set aside (and said), an unusable place an error."""
    from claude_cost.commands._shared import err
    from claude_cost.core.errors import InputError

    try:
        cache = kind(path)
    except OSError as exc:
        raise InputError(f"the count cache cannot be used: {exc}", hint=f"set {CACHE_ENV_HINT} to a file in a writable folder") from None
    if cache.moved_aside is not None:
        err(f"warning: {path} was not a readable count cache: moved aside to {cache.moved_aside}; a new one was started")
    return cache


CACHE_ENV_HINT = "CLAUDE_COST_CACHE"
