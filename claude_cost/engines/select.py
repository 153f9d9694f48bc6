"""Which engine prices `usage` files, and the call into it.

auto: DuckDB (embedded) when it is installed and the input is CSV or Parquet, or JSONL of at
least AUTO_JSONL_BYTES in total, with options the SQL engines support (grouping by model, day
or month; no --since/--until, no --claude-code, no stdin). Otherwise the Python engine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from claude_cost.core.errors import InputError
from claude_cost.core.models import PriceTable
from claude_cost.engines.python import Summary

__all__ = ["ENGINES", "AUTO_JSONL_BYTES", "choose", "summarize_usage"]

ENGINES = ("auto", "python", "duckdb", "spark")
AUTO_JSONL_BYTES = 64 * 1024 * 1024  # below this, starting DuckDB costs more than it saves


def _sizes(paths: list[str]) -> tuple[int, bool]:
    """Total bytes of JSONL among `paths` (files or folders), and whether any is CSV / Parquet."""
    from claude_cost.engines.duckdb import JSONL, TABULAR
    from claude_cost.sources.payload import expand_paths
    from claude_cost.sources.usage import USAGE_SUFFIXES

    total, tabular = 0, False
    for f in expand_paths(paths, USAGE_SUFFIXES):
        if f.endswith(TABULAR):
            tabular = True
        elif f.endswith(JSONL):
            try:
                total += os.path.getsize(f)
            except OSError:
                pass
    return total, tabular


def choose(engine: str, paths: list[str], group_by: str, since: str | None, until: str | None, claude_code: bool,
           detail: bool = False) -> str:  # fmt: skip
    """The engine that will run: `engine` itself, or for auto the one the rules above pick.
    `detail` (the HTML report, what-ifs) needs the Python engine's billing buckets."""
    if engine not in ENGINES:
        raise InputError(f"--engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "python":
        return engine
    if detail:
        if engine != "auto":
            raise InputError(f"--engine {engine} cannot be used with --what-if or --format html", hint="use --engine python (or auto)")
        return "python"
    from claude_cost.engines.duckdb import unsupported

    from claude_cost.sources.ledger import is_ledger

    why = unsupported(group_by, since, until, claude_code) or ("stdin" if "-" in paths or not paths else None) \
        or ("a budget ledger" if any(is_ledger(p) for p in paths) else None)  # fmt: skip
    if engine != "auto":
        if why:
            raise InputError(f"--engine {engine} cannot be used with {why}", hint="use --engine python")
        return engine
    if why:
        return "python"
    total, tabular = _sizes(paths)
    if not tabular and total < AUTO_JSONL_BYTES:
        return "python"
    import importlib.util

    return "duckdb" if importlib.util.find_spec("duckdb") else "python"


def summarize_usage(
    table: PriceTable, paths: list[str], group_by: str, default_day: date, *, engine: str = "auto", default_model: str | None = None,
    claude_code: bool = False, since: str | None = None, until: str | None = None, spark_master: str | None = None,
    python_items: Callable[[], Iterable[Any]], detail: bool = False,
) -> tuple[Summary, str]:  # fmt: skip
    """The summary of `paths` and the engine that made it. `python_items()` gives the records the
    Python engine reads (the command's own reader, with its options)."""
    chosen = choose(engine, paths, group_by, since, until, claude_code, detail)
    if chosen == "python":
        from claude_cost.engines.duckdb import TABULAR

        tabular = [p for p in paths if p.endswith(TABULAR)]
        if tabular:
            raise InputError(f"{tabular[0]}: the python engine reads JSON, JSONL and SSE", hint="use --engine duckdb (or auto) for CSV and Parquet")
        from claude_cost.engines.python import summarize

        return summarize(table, python_items(), group_by, default_day, since=since, until=until, detail=detail), chosen
    if chosen == "duckdb":
        from claude_cost.engines.duckdb import summarize_files

        return summarize_files(table, paths, group_by, default_day, default_model=default_model), chosen
    from claude_cost.engines.spark import summarize_files as spark_files

    return spark_files(table, paths, group_by, default_day, default_model=default_model, master=spark_master), chosen
