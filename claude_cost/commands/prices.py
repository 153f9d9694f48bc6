"""`claude-cost prices`: the price table, one model in full, or a prices file checked; and
`prices update | rollback | info | audit` to keep it current."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from claude_cost.core import clock
from claude_cost.commands._shared import (
    AtOpt,
    DebugOpt,
    PricesOpt,
    boundary,
    day,
    err,
    print_rich,
)

CheckOpt = Annotated[Optional[Path], typer.Option("--check", help="Validate a prices file and exit.")]
PricesJsonOpt = Annotated[bool, typer.Option("--json", help="Print the table as JSON.")]
ModelNameOpt = Annotated[Optional[str], typer.Option("--model", hidden=True, help="One model with every rule (also: prices MODEL).")]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="litellm | genai-prices (merge from that list alone), or a URL (https) or file of a whole prices.toml. Default: $CLAUDE_COST_PRICES_URL or the config's prices-url if set, else a merge of both published lists.")]
WriteOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the new table to this file (whole or not at all) instead of installing it: for a job that opens a pull request.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Install without asking.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Only show what would change: exit 0 if nothing would, 1 if something would.")]
RemovalsOpt = Annotated[bool, typer.Option("--allow-removals", help="Accept a table that drops models that are still served.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]
AgainstOpt = Annotated[str, typer.Option("--against", help="genai-prices | litellm | models-api.")]
SourceArg = Annotated[Optional[str], typer.Argument(help="Their list: a file or an https URL (default: where they publish it).", show_default=False)]
TimeoutOpt = Annotated[Optional[float], typer.Option("--timeout", help="Seconds for GET /v1/models (models-api).")]
FetchTimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds to wait for the download.")]

_VALUE_OPTIONS = {"--at", "--prices", "--check", "--model"}


class _ModelOrCommand(TyperGroup):
    """`prices MODEL` shows one model, `prices update` … runs a subcommand: a first word that is
    not a subcommand's name is the model."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in _VALUE_OPTIONS:
                i += 2
                continue
            if arg.startswith("-"):
                i += 1
                continue
            if arg not in self.commands:
                args = [*args[:i], "--model", arg, *args[i + 1:]]
            break
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_ModelOrCommand, invoke_without_command=True, no_args_is_help=False,
                  context_settings={"help_option_names": ["-h", "--help"]})  # fmt: skip


@app.callback()
def prices(
    ctx: typer.Context, model: ModelNameOpt = None, check: CheckOpt = None, at: AtOpt = None, prices: PricesOpt = None,
    json_: PricesJsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """List the price table, show one model (prices MODEL), or validate a prices file; and keep it
    current: update, rollback, info, audit."""
    if ctx.invoked_subcommand is not None:
        return
    with boundary(debug):
        from claude_cost.commands._shared import price_table
        from claude_cost.core.prices import check_file, models_on
        from claude_cost.render import formats as render

        if check is not None:
            typer.echo(f"{check}: ok ({len(check_file(check).models)} models after merging over the bundled table)")
            return
        table = price_table(prices)
        on = day(at) or clock.today()
        chosen = models_on(table, model, on)
        if json_:
            sys.stdout.write(json.dumps(render.prices_json(chosen, table.as_of, on), indent=2) + "\n")
            return
        from claude_cost.render import tables

        print_rich(tables.model_detail(chosen[0], table, on) if model is not None else tables.prices_table(chosen, table.as_of, on))


@app.command()
def update(
    source: FromOpt = None, yes: YesOpt = False, dry_run: DryRunOpt = False, allow_removals: RemovalsOpt = False,
    timeout: FetchTimeoutOpt = 20.0, out: WriteOpt = None, json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Keep the price table current: merge the lists the world keeps current (LiteLLM's, genai-prices') into ours, each change with its reason, or fetch a whole table; show what changes, and install it (keeping the one it replaces)."""
    with boundary(debug):
        from claude_cost.render import formats as render
        from claude_cost.sources import price_store

        upd = _prepare(source, allow_removals, timeout)
        if json_:
            sys.stdout.write(json.dumps(render.price_diff_json(upd), indent=2) + "\n")
        else:
            typer.echo(render.price_diff_text(upd))
        for note in upd.merge.notes if upd.merge is not None else []:
            err(f"note: {note}")
        if dry_run or upd.diff.empty:
            raise typer.Exit(1 if dry_run and not upd.diff.empty else 0)
        if out is not None:
            from claude_cost.sources.files import write_atomic

            write_atomic(out, upd.data)
            err(f"wrote {out} (as of {upd.new.as_of}): nothing was installed")
            return
        if not yes and not _confirm():
            err("not installed: nothing was changed (--yes installs without asking)")
            raise typer.Exit(0 if sys.stdin.isatty() else 2)
        path = price_store.install(upd.data, upd.source, upd.new.as_of)
        err(f"installed {path} (as of {upd.new.as_of}); `claude-cost prices rollback` puts the previous table back")


def _prepare(source: str | None, allow_removals: bool, timeout: float | None) -> Any:
    """A merge of the published lists (both, or the one --from names), or a whole table (--from
    URL|FILE, $CLAUDE_COST_PRICES_URL, the config's prices-url)."""
    from claude_cost.sources import price_store

    lists = ("litellm", "genai-prices")
    whole = source if source is not None and source not in lists else (price_store.prices_url(Path.cwd()) if source is None else None)
    if whole is not None:
        return price_store.prepare_update(whole, clock.today(), allow_removals=allow_removals, timeout=timeout)
    return price_store.prepare_merge([source] if source else list(lists), clock.today(), timeout=timeout)


def _confirm() -> bool:
    """Ask on a terminal; elsewhere the answer is no (say --yes)."""
    if not sys.stdin.isatty():
        err("not a terminal: pass --yes to install")
        return False
    return typer.confirm("Install this table?", default=False, err=True)


@app.command()
def rollback(debug: DebugOpt = False) -> None:
    """Put back the price table the last update replaced (or the bundled one)."""
    with boundary(debug):
        from claude_cost.sources import price_store

        err(price_store.rollback())


@app.command()
def info(json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """The price table in use: where it came from, its date and age, its sha256, and the one kept for rollback."""
    with boundary(debug):
        from claude_cost.core.prices import load_table
        from claude_cost.render import formats as render
        from claude_cost.sources import price_store

        table = load_table(None, use_env=False)
        doc = render.price_info_json(table, price_store.describe(), price_store.describe(_previous()), price_store.bundled_sha(),
                                     clock.today(), _overlay())  # fmt: skip
        typer.echo(json.dumps(doc, indent=2) if json_ else render.price_info_text(doc))
        for note in table.notes:
            err(f"note: {note}")


def _previous() -> Path:
    from claude_cost.core.prices import data_dir

    return data_dir() / "prices.previous.toml"


def _overlay() -> str | None:
    import os

    from claude_cost.core.prices import PRICES_ENV

    return os.environ.get(PRICES_ENV) or None


@app.command()
def audit(
    against: AgainstOpt, source: SourceArg = None, json_: JsonOpt = False, timeout: TimeoutOpt = None, prices: PricesOpt = None,
    debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Hold our price table against genai-prices', LiteLLM's, or the model ids the API lists: exit 1 if anything differs."""
    with boundary(debug):
        from claude_cost.commands._shared import price_table
        from claude_cost.render import formats as render

        result = _audit(price_table(prices, quiet=json_), against, source, timeout)
        if json_:
            sys.stdout.write(json.dumps(render.audit_json(result), indent=2) + "\n")
        else:
            typer.echo(render.audit_text(result))
        if result.failed:
            raise typer.Exit(1)


def _audit(table: Any, against: str, source: str | None, timeout: float | None) -> Any:
    from claude_cost.core import audit as core_audit
    from claude_cost.core.errors import InputError
    from claude_cost.sources import price_lists

    if against == "models-api":
        if source is not None:
            raise InputError("--against models-api lists the API's models: it takes no FILE or URL")
        from claude_cost.sources.models_api import list_model_ids

        return core_audit.audit_ids(table, list_model_ids(timeout), clock.today())
    if against not in price_lists.SOURCES:
        raise InputError(f"--against {against!r}: one of genai-prices, litellm, models-api")
    from claude_cost.sources.fetch import fetch

    where = source or price_lists.SOURCES[against]
    data = fetch(where)
    reader = price_lists.read_genai_prices if against == "genai-prices" else price_lists.read_litellm
    result = core_audit.audit(table, reader(data, where), against, clock.today(), first_match=against == "genai-prices")
    result.source = where
    return result
