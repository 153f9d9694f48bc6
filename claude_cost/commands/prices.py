"""`claude-cost prices`: the price table, one model in full, or a prices file checked."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import (
    AtOpt,
    DebugOpt,
    PricesOpt,
    boundary,
    day,
    print_rich,
)

ModelArg = Annotated[Optional[str], typer.Argument(help="Show one model with every rule.", show_default=False)]
CheckOpt = Annotated[Optional[Path], typer.Option("--check", help="Validate a prices file and exit.")]
PricesJsonOpt = Annotated[bool, typer.Option("--json", help="Print the table as JSON.")]


def prices(
    model: ModelArg = None, check: CheckOpt = None, at: AtOpt = None, prices: PricesOpt = None,
    json_: PricesJsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """List the price table, show one model, or validate a prices file."""
    with boundary(debug):
        from claude_cost.core.prices import check_file, load_table, models_on
        from claude_cost.render import formats as render

        if check is not None:
            typer.echo(f"{check}: ok ({len(check_file(check).models)} models after merging over the bundled table)")
            return
        table = load_table(prices)
        on = day(at) or date.today()
        chosen = models_on(table, model, on)
        if json_:
            sys.stdout.write(json.dumps(render.prices_json(chosen, table.as_of, on), indent=2) + "\n")
            return
        from claude_cost.render import tables

        print_rich(tables.model_detail(chosen[0], table, on) if model is not None else tables.prices_table(chosen, table.as_of, on))
