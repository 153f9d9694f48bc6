"""`claude-cost mcp`: the Model Context Protocol server over stdio (servers/mcp.py)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import DebugOpt, boundary

RootOpt = Annotated[Optional[list[str]], typer.Option("--root", help="A folder whose files the tools may read (repeatable; default: the working directory).")]
LedgerOpt = Annotated[Optional[str], typer.Option("--ledger", help="The budget ledger budget_status reads by default (an SQLite file or a postgresql:// URL).")]


def mcp(root: RootOpt = None, ledger: LedgerOpt = None, debug: DebugOpt = False) -> None:
    """Serve estimate, compare, usage, prices and budget_status to agents over the Model Context Protocol (stdio)."""
    with boundary(debug):
        from claude_cost.servers.mcp import serve

        serve(root or [], ledger)
