"""`claude-cost report`: the organization's usage priced by our table, beside the billed cost."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import (
    DebugOpt,
    Format,
    FormatOpt,
    JsonOpt,
    PricesOpt,
    boundary,
    day,
    output,
    price_table,
)

FromOpt = Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), UTC.")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Last day, inclusive (default: --from).")]
AdminTimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds per Admin API request.")]
OutOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the output to this file (whole or not at all); --format html makes a self-contained page.")]


def report(
    from_: FromOpt, to: ToOpt = None, prices: PricesOpt = None, timeout: AdminTimeoutOpt = 60.0, out: OutOpt = None,
    fmt: FormatOpt = Format.table, json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Price the organization's usage report with our table, next to the billed cost report
    (Usage & Cost Admin API; needs ANTHROPIC_ADMIN_KEY)."""
    with boundary(debug):
        from claude_cost.render import formats as render
        from claude_cost.sources.admin import build_report

        start = day(from_)
        result = build_report(price_table(prices), start, day(to) or start, timeout=timeout)  # type: ignore[arg-type]
        output(Format.json if json_ else fmt, json_doc=lambda: render.report_json(result), csv=lambda: render.report_csv(result),
               markdown=lambda: render.report_markdown(result), table=lambda t: t.report_table(result), html=lambda: _page(result), to=out)  # fmt: skip


def _page(result: object) -> str:
    from claude_cost.render.html import admin_page

    return admin_page(result)
