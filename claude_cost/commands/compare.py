"""`claude-cost compare`: the same request (or the same counts) on several models."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from claude_cost.commands._shared import (
    AtOpt,
    BatchOpt,
    BudgetOn,
    BudgetOnOpt,
    BudgetOpt,
    CacheOpt,
    CacheReadOpt,
    CacheWrite1hOpt,
    CacheWriteOpt,
    CountOpt,
    DebugOpt,
    EndpointOpt,
    Format,
    FormatOpt,
    GeoOpt,
    HistoryOpt,
    InputTokensOpt,
    JsonOpt,
    ModelOpt,
    OfflineMethodOpt,
    OutputOpt,
    PayloadArg,
    PerOpt,
    PlatformOpt,
    PricesOpt,
    QuietOpt,
    RepeatOpt,
    RetriesOpt,
    SearchesOpt,
    SpeedOpt,
    TimeoutOpt,
    assumptions,
    boundary,
    counting,
    gate,
    history,
    manual_usage,
    money,
    notes,
    output,
    price_table,
)  # fmt: skip

ModelsOpt = Annotated[Optional[str], typer.Option("--models", help="Comma list of ids/aliases, 'all', or a family (opus, sonnet, haiku). Default: the payload's model and the current model of each family.")]
BaselineOpt = Annotated[Optional[str], typer.Option("--baseline", help="Model the differences are against (default: the payload's, or --counted-on's).")]
WhatIfOpt = Annotated[bool, typer.Option("--what-if", help="Show what the cheapest changes would save on the baseline (needs a payload).")]
CountedOnOpt = Annotated[Optional[str], typer.Option("--counted-on", help="With token counts: the model whose tokenizer made them (default: the first of --models). Other tokenizer families get converted counts with a range.")]


def compare(
    payload: PayloadArg = None, models: ModelsOpt = None, baseline: BaselineOpt = None, what_if: WhatIfOpt = False,
    model: ModelOpt = None, input_tokens: InputTokensOpt = None, output_tokens: OutputOpt = None,
    cache_write_tokens: CacheWriteOpt = 0, cache_write_1h_tokens: CacheWrite1hOpt = 0, cache_read_tokens: CacheReadOpt = 0,
    counted_on: CountedOnOpt = None, count: CountOpt = "auto", offline_method: OfflineMethodOpt = "auto", cache: CacheOpt = "cold", repeat: RepeatOpt = 1,
    per: PerOpt = None, batch: BatchOpt = None, geo: GeoOpt = None, speed: SpeedOpt = None, platform: PlatformOpt = None,
    endpoint: EndpointOpt = None, web_searches: SearchesOpt = None, at: AtOpt = None, prices: PricesOpt = None,
    timeout: TimeoutOpt = None, max_retries: RetriesOpt = None, fmt: FormatOpt = Format.table, json_: JsonOpt = False,
    quiet: QuietOpt = False, budget: BudgetOpt = None, budget_on: BudgetOnOpt = BudgetOn.high, history_paths: HistoryOpt = None,
    debug: DebugOpt = False,
) -> None:  # fmt: skip
    """The same request on several models, each counted for its own tokenizer, sorted by cost.

    --budget gates the baseline model's total (the model you would run)."""
    with boundary(debug):
        from claude_cost.core import budgets
        from claude_cost.estimating.compare import compare_input
        from claude_cost.render import formats as render

        table = price_table(prices, quiet)
        assume = assumptions(cache=cache, repeat=repeat, per=per, output_tokens=output_tokens, web_searches=web_searches,
                             batch=batch, geo=geo, speed=speed, platform=platform, endpoint=endpoint, at=at,
                             recorded=history(history_paths, table))  # fmt: skip
        usage = manual_usage(assume, input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens)
        limit, on = money(budget, "--budget"), budget_on.value
        result, ifs = compare_input(table, payload=payload, usage=usage, assume=assume, counting=counting(count, timeout, max_retries, offline_method=offline_method),
                                    models=models, baseline=baseline, counted_on=counted_on, model=model, what_if=what_if)  # fmt: skip
        notes(result.info)
        base = result.baseline.estimate
        if quiet:
            typer.echo(render.dec(base.breakdown.total) if base else "")
        else:
            output(Format.json if json_ else fmt, json_doc=lambda: render.compare_json(result, ifs), csv=lambda: render.compare_csv(result),
                   markdown=lambda: render.compare_markdown(result, ifs), table=lambda t: t.compare_table(result, ifs))  # fmt: skip
        if base is not None:
            gate(budgets.estimate_breaches(base, limit, None, on, what=result.baseline.model.id))
