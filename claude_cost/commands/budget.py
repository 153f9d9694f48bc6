"""`claude-cost budget`: the ledger a guarded client spends through (status, a kept limit, and
whether a payload would fit, for shell scripts)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import DebugOpt, Format, FormatOpt, JsonOpt, PricesOpt, boundary, output

app = typer.Typer(help="Budgets in production: the ledger a guarded client (claude_cost.Budget) reserves and settles in.", no_args_is_help=True)

LedgerOpt = Annotated[str, typer.Option("--ledger", help="The ledger: an SQLite file or a postgresql:// URL.")]
ScopeOpt = Annotated[str, typer.Option("--scope", help="The budget's scope (an app, a team, an agent).")]
WindowOpt = Annotated[Optional[str], typer.Option("--window", help="day | week | month | total (calendar periods in UTC; default: the kept one, else month).")]


@app.command("status")
def status(ledger: LedgerOpt, scope: ScopeOpt = "default", window: WindowOpt = None, fmt: FormatOpt = Format.table,
           json_: JsonOpt = False, debug: DebugOpt = False) -> None:  # fmt: skip
    """Spent, reserved and remaining in the current window, calls and refusals, the burn rate and the spend projected to the window's end."""
    with boundary(debug):
        from claude_cost.guard.budget import ledger_status
        from claude_cost.render import formats as render

        st = ledger_status(ledger, scope, window)
        output(Format.json if json_ else fmt, json_doc=st.json, csv=lambda: render.budget_csv(st), markdown=lambda: render.budget_markdown(st),
               table=lambda t: t.budget_table(st))  # fmt: skip


@app.command("set")
def set_(ledger: LedgerOpt, limit_usd: Annotated[str, typer.Option("--limit-usd", help="The limit per window, in USD.")],
         scope: ScopeOpt = "default", window: Annotated[str, typer.Option("--window", help="day | week | month | total.")] = "month",
         debug: DebugOpt = False) -> None:  # fmt: skip
    """Keep a limit in the ledger: a Budget that gives no limit_usd uses it."""
    with boundary(debug):
        from claude_cost.guard.budget import set_limit, usd

        limit = set_limit(ledger, scope, limit_usd, window)
        typer.echo(f"budget {scope!r}: ${usd(limit)} per {window}" if window != "total" else f"budget {scope!r}: ${usd(limit)} in total")


@app.command("check")
def check(payload: Annotated[str, typer.Argument(help="A Messages API request JSON file, or - for stdin.")], ledger: LedgerOpt,
          scope: ScopeOpt = "default", window: WindowOpt = None, prices: PricesOpt = None, json_: JsonOpt = False,
          debug: DebugOpt = False) -> None:  # fmt: skip
    """Exit 1 if the request's upper bound (counted offline) would not fit what remains of the budget."""
    with boundary(debug):
        from claude_cost.core.errors import EXIT_OVER_BUDGET
        from claude_cost.guard.budget import check_request, usd
        from claude_cost.sources.payload import read_payload

        result = check_request(ledger, read_payload(payload), scope, window, prices)
        if json_:
            output(Format.json, json_doc=result.json, csv=str, markdown=str, table=str)
        else:
            verdict = "fits" if result.fits else "does not fit"
            typer.echo(f"this request may cost up to ${usd(result.request_usd)}: it {verdict} the ${usd(result.status.remaining_usd or 0)} "
                       f"that remains of budget {scope!r} ({result.status.window} from {result.status.window_start})")  # fmt: skip
        if not result.fits:
            raise typer.Exit(EXIT_OVER_BUDGET)
