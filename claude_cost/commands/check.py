"""`claude-cost check`: every budget of a claude-cost.toml (or [tool.claude-cost])."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import (
    ConcurrencyOpt,
    DebugOpt,
    Format,
    FormatOpt,
    JsonOpt,
    NoCacheOpt,
    PricesOpt,
    boundary,
    err,
    gate,
    history,
    output,
    price_table,
)  # fmt: skip

ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="claude-cost.toml or pyproject.toml (default: found from the current directory up).")]


def check(
    config: ConfigOpt = None, prices: PricesOpt = None, concurrency: ConcurrencyOpt = 8, no_cache: NoCacheOpt = False,
    fmt: FormatOpt = Format.table, json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Check every budget of the config: exit 1 if any is broken, 2 if a request cannot be estimated."""
    with boundary(debug):
        from claude_cost.core.errors import EXIT_BAD_INPUT
        from claude_cost.estimating.check import check_budgets
        from claude_cost.render import formats as render
        from claude_cost.sources.config import load_config, locate_config

        path = locate_config(config, Path.cwd())
        table = price_table(prices)
        read: dict[tuple[str, ...], object] = {}  # budgets that name the same history read it once

        def recorded(paths: list[str]) -> object:
            if tuple(paths) not in read:
                read[tuple(paths)] = history(paths, table)
            return read[tuple(paths)]

        results = check_budgets(table, load_config(path), path.parent, use_cache=not no_cache, concurrency=concurrency, recorded=recorded)
        doc = render.check_json(results)
        output(Format.json if json_ else fmt, json_doc=lambda: doc, csv=lambda: render.check_csv(doc),
               markdown=lambda: render.check_markdown(doc), table=lambda t: t.check_table(doc))  # fmt: skip
        errors = [e for r in doc["budgets"] for e in r["errors"]]
        for e in errors:
            err(f"error: {e['error']}")
        if errors:
            raise typer.Exit(EXIT_BAD_INPUT)
        gate([x for r in results for x in r.breaches])
