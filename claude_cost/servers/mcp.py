"""`claude-cost mcp`: a Model Context Protocol server over stdio, so that agents can ask what a
request will cost before they send it. Built on the official `mcp` SDK (the `mcp` extra,
imported only here). A front end beside the commands: each tool parses its arguments, calls the
same function of the layers below as the command does, and answers the command's `--json`
document as structured output.

Tools: estimate, compare, usage, prices, budget_status. Errors are tool errors carrying the CLI's
one-line message (and hint); the server never stops on one. Paths are read only inside the
folders given with --root (default: the working directory), after symbolic links are resolved.
No tool writes a file or sends a request to the Messages API (an `api` count asks
count_tokens, which is free and bills nothing).
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any, Literal, Optional

import typer

from claude_cost.core import clock
from claude_cost.commands._shared import DebugOpt, boundary
from claude_cost.core.errors import ClaudeCostError, InputError

__all__ = ["Roots", "make_server", "serve", "command", "TOOLS", "MAX_PAYLOAD_BYTES", "MAX_PATHS"]

MAX_PAYLOAD_BYTES = 32 * 1024 * 1024  # the API's own request limit (fact sheet §1)
MAX_PATHS = 1000
TOOLS = ("estimate", "compare", "usage", "prices", "budget_status")


class Roots:
    """The folders the server reads in, and the one ledger given at start-up (which may be a URL)."""

    def __init__(self, roots: list[str], ledger: str | None = None) -> None:
        self.roots = [os.path.realpath(r) for r in roots or [os.getcwd()]]
        for r in self.roots:
            if not os.path.isdir(r):
                raise InputError(f"--root {r}: not a folder")
        self.ledger = ledger

    def inside(self, path: str) -> str:
        """`path` (relative to the first root) as a real path inside a root, else an error."""
        if not isinstance(path, str) or not path or "\x00" in path or path == "-":
            raise InputError(f"{path!r} is not a file path (stdin is this server's protocol)")
        full = path if os.path.isabs(path) else os.path.join(self.roots[0], path)
        real = os.path.realpath(full)
        if not any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots):
            raise InputError(f"{path}: outside the folders this server reads", hint="start it with --root FOLDER for that folder")
        return real

    def files(self, paths: list[str]) -> list[str]:
        """Files, folders and globs as the files they name, every one (links resolved) inside a root."""
        from claude_cost.sources.payload import expand_paths
        from claude_cost.sources.usage import USAGE_SUFFIXES

        if not isinstance(paths, list) or not paths or len(paths) > MAX_PATHS:
            raise InputError(f"paths: give 1 to {MAX_PATHS:,} files, folders or globs")
        named = [self.inside(p) if not any(c in p for c in "*?[") else os.path.join(self.roots[0], p) for p in paths]
        for pattern in (p for p in named if any(c in p for c in "*?[")):
            self.inside(os.path.dirname(pattern.split("*")[0].split("?")[0].split("[")[0]) or self.roots[0])
        return [self.shown(self.inside(f)) for f in expand_paths(named, USAGE_SUFFIXES)]

    def shown(self, real: str) -> str:
        """A checked path as the CLI would name it: relative to the first root (the server's
        working folder), else whole."""
        first = self.roots[0].rstrip(os.sep) + os.sep
        return real[len(first):] if real.startswith(first) else real

    def ledger_path(self, ledger: str | None) -> str:
        if ledger is None:
            if self.ledger is None:
                raise InputError("no ledger given", hint="pass ledger, or start the server with --ledger")
            return self.ledger
        if ledger == self.ledger:
            return ledger
        if "://" in ledger:
            raise InputError("a ledger URL is read only when the server was started with it (--ledger URL)")
        return self.shown(self.inside(ledger))


def _call(fn: Any) -> dict[str, Any]:
    """Run a tool body: a ClaudeCostError becomes the tool error the CLI would print as one line."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return fn()  # type: ignore[no-any-return]
    except ClaudeCostError as exc:
        raise ToolError(exc.message + (f" (hint: {exc.hint})" if exc.hint else "")) from None
    except MemoryError:
        raise ToolError("out of memory: an input is too large to hold") from None
    except RecursionError:
        raise ToolError("the input is nested too deeply") from None


def _payload(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InputError("payload: expected a Messages API request object")
    if len(json.dumps(payload, default=str)) > MAX_PAYLOAD_BYTES:
        raise InputError("payload: more than the API's 32 MB request limit")
    return payload


Choice = Literal["auto", "api", "offline"]


def make_server(roots: Roots) -> Any:
    """The MCPServer with the five tools."""
    from mcp.server.mcpserver import MCPServer

    from claude_cost import __version__
    from claude_cost.commands._shared import assumptions, counting, history, manual_usage
    from claude_cost.core.prices import load_table
    from claude_cost.render import formats as render

    server = MCPServer("claude-cost", log_level="WARNING", instructions=(
        "Prices Claude API requests exactly from a dated, sourced price table, before they are sent (estimate, compare) and after "
        f"(usage, budget_status). claude-cost {__version__}. Money is exact decimal strings in USD."))  # fmt: skip
    table = load_table(None)

    def recorded(paths: list[str] | None) -> Any:
        return history(roots.files(paths), table) if paths else None

    @server.tool(structured_output=True)
    def estimate(payload: dict[str, Any] | None = None, model: str | None = None, input_tokens: int | None = None,
                 output_tokens: int | str | None = None, cache_write_tokens: int = 0, cache_write_1h_tokens: int = 0,
                 cache_read_tokens: int = 0, count: Choice = "auto", cache: Literal["cold", "warm", "off"] = "cold", repeat: int = 1,
                 batch: bool | None = None, geo: Literal["us", "global"] | None = None, speed: Literal["standard", "fast"] | None = None,
                 web_searches: int | None = None, at: str | None = None, history_paths: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        """What one request will cost: a Messages API request object (`payload`, counted exactly offline where the
        tokenizer is known, or by count_tokens with count=api), or token counts you know (`model`, `input_tokens`: the
        uncached input, `output_tokens`, cache writes and reads). output_tokens may be p50|p90|p95|p99|mean of the
        recorded calls in `history_paths`. The same document as `claude-cost estimate --json`."""

        def run() -> dict[str, Any]:
            from claude_cost.estimating.estimate import estimate_input

            for name, n in (("input_tokens", input_tokens), ("repeat", repeat), ("web_searches", web_searches)):
                if n is not None and (n < 0 or n > 10**10):
                    raise InputError(f"{name} must be from 0 to 10,000,000,000")
            assume = assumptions(cache=cache, repeat=repeat, output_tokens=output_tokens, web_searches=web_searches, batch=batch, geo=geo,
                                 speed=speed, at=at, recorded=recorded(history_paths))  # fmt: skip
            usage = manual_usage(assume, input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens)
            request = _payload(payload) if payload is not None else None
            est = estimate_input(table, request=request, usage=usage, assume=assume, counting=counting(count), model=model, where="payload")
            return render.estimate_json(est)

        return _call(run)

    @server.tool(structured_output=True)
    def compare(payload: dict[str, Any] | None = None, models: list[str] | None = None, input_tokens: int | None = None,
                output_tokens: int | str | None = None, count: Choice = "auto", baseline: str | None = None, batch: bool | None = None,
                at: str | None = None, history_paths: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        """The same request (a payload, or input/output token counts) on several models, each counted for its own
        tokenizer, sorted by cost; models default to the payload's and each family's current one. The same document as
        `claude-cost compare --json`."""

        def run() -> dict[str, Any]:
            from claude_cost.estimating.compare import compare as compare_payload
            from claude_cost.estimating.compare import compare_manual

            if models is not None and (not isinstance(models, list) or len(models) > 100):
                raise InputError("models: a list of up to 100 model ids or aliases")
            chosen = ",".join(models) if models else None
            assume = assumptions(output_tokens=output_tokens, batch=batch, at=at, recorded=recorded(history_paths))
            if payload is not None:
                result = compare_payload(table, _payload(payload), assume, counting(count), chosen, baseline)
            else:
                usage = manual_usage(assume, input_tokens, 0, 0, 0)
                if usage is None:
                    raise InputError("give a payload, or input_tokens")
                result = compare_manual(table, usage, assume, chosen, None, baseline)
            return render.compare_json(result, [])

        return _call(run)

    @server.tool(structured_output=True)
    def usage(paths: list[str], group_by: str = "model", since: str | None = None, until: str | None = None,
              model: str | None = None) -> dict[str, Any]:  # fmt: skip
        """What recorded traffic cost: responses, JSONL logs, SSE streams, Batch results, OpenTelemetry exports, Claude
        Code transcripts, budget ledgers — files, folders or globs inside the server's roots. group_by: a comma list of
        model, day, hour, month, session, project, service, file. The same document as `claude-cost usage --json`."""

        def run() -> dict[str, Any]:
            from claude_cost.engines.python import summarize, time_bound
            from claude_cost.sources.usage import usage_records

            files = roots.files(paths)
            summary = summarize(table, usage_records(files, model), group_by, clock.today(),
                                since=time_bound(since, "since", end=False), until=time_bound(until, "until", end=True))  # fmt: skip
            return render.usage_json(summary, False, None)

        return _call(run)

    @server.tool(structured_output=True)
    def prices(model: str | None = None, at: str | None = None) -> dict[str, Any]:
        """The price table (USD per million tokens), or one model by id or alias, as on a date (YYYY-MM-DD; default
        today). The same document as `claude-cost prices --json`."""

        def run() -> dict[str, Any]:
            from claude_cost.commands._shared import day
            from claude_cost.core.prices import models_on

            on = day(at) or clock.today()
            return render.prices_json(models_on(table, model, on), table.as_of, on)

        return _call(run)

    @server.tool(structured_output=True)
    def budget_status(ledger: str | None = None, scope: str = "default") -> dict[str, Any]:
        """A budget's current window from its ledger (read, never written): limit, spent, reserved, remaining, calls,
        refusals, stale reservations, burn rate and projection. The same document as `claude-cost budget status --json`."""

        def run() -> dict[str, Any]:
            from claude_cost.guard.budget import ledger_status

            return ledger_status(roots.ledger_path(ledger), scope, read_only=True).json()

        return _call(run)

    return server


def serve(roots: list[str], ledger: str | None = None) -> None:
    """Run the server on stdin/stdout until the client closes it."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise InputError("the MCP server needs the mcp SDK", hint="pip install 'claude-cost[mcp]'") from None
    allowed = Roots(roots, ledger)
    os.chdir(allowed.roots[0])  # relative paths in arguments and answers are relative to the first root
    make_server(allowed).run("stdio")


def command(
    root: Annotated[Optional[list[str]], typer.Option("--root", help="A folder whose files the tools may read (repeatable; default: the working directory).")] = None,
    ledger: Annotated[Optional[str], typer.Option("--ledger", help="The budget ledger budget_status reads by default (an SQLite file or a postgresql:// URL).")] = None,
    debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Serve estimate, compare, usage, prices and budget_status to agents over the Model Context Protocol (stdio)."""
    with boundary(debug):
        serve(root or [], ledger)
