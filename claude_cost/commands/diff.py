"""`claude-cost diff`: the cost of requests before and after a change — two payloads, one payload
against a git revision, or every payload of the repository changed since a revision."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from claude_cost.commands._shared import (
    AtOpt,
    BatchOpt,
    CacheOpt,
    CountOpt,
    DebugOpt,
    Format,
    FormatOpt,
    GeoOpt,
    HistoryOpt,
    JsonOpt,
    ModelOpt,
    OfflineMethodOpt,
    OutputOpt,
    PricesOpt,
    RepeatOpt,
    RetriesOpt,
    SpeedOpt,
    TimeoutOpt,
    assumptions,
    boundary,
    counting,
    err,
    history,
    output,
    price_table,
)

PathsArg = Annotated[Optional[list[str]], typer.Argument(help="BASE NEW: two payloads. With --rev: one payload, or payload files, folders and globs (default: the request paths of claude-cost.toml / [tool.claude-cost]).", show_default=False)]
RevOpt = Annotated[Optional[str], typer.Option("--rev", help="Compare with this git revision (e.g. origin/main, or the merge base in CI).")]
MaxIncreaseOpt = Annotated[Optional[str], typer.Option("--max-increase", help="Exit 1 when the total rises by more than this, e.g. 10% or 0.002 (USD).")]
MaxEachOpt = Annotated[Optional[str], typer.Option("--max-increase-per-request", help="With --rev over many payloads: exit 1 when any one rises by more than this (10% or USD).")]
DiffConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="With --rev and no paths: the claude-cost.toml or pyproject.toml whose request paths to diff.")]
KeepGoingOpt = Annotated[bool, typer.Option("--keep-going", help="With many payloads: exit 0 even if some could not be estimated (they are still reported).")]


def diff(
    paths: PathsArg = None, rev: RevOpt = None, max_increase: MaxIncreaseOpt = None, max_increase_per_request: MaxEachOpt = None,
    model: ModelOpt = None, output_tokens: OutputOpt = None, count: CountOpt = "auto", offline_method: OfflineMethodOpt = "auto",
    cache: CacheOpt = "cold", repeat: RepeatOpt = 1, batch: BatchOpt = None, geo: GeoOpt = None, speed: SpeedOpt = None,
    at: AtOpt = None, prices: PricesOpt = None, timeout: TimeoutOpt = None, max_retries: RetriesOpt = None,
    keep_going: KeepGoingOpt = False, config: DiffConfigOpt = None, history_paths: HistoryOpt = None, fmt: FormatOpt = Format.table,
    json_: JsonOpt = False, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Cost before and after a change: per line item for one request, or per payload for every
    payload changed, added or removed since a git revision; in $ and %."""
    with boundary(debug):
        from claude_cost.core import budgets

        table = price_table(prices)
        assume = assumptions(cache=cache, repeat=repeat, output_tokens=output_tokens, batch=batch, geo=geo, speed=speed, at=at,
                             recorded=history(history_paths, table))  # fmt: skip
        how = counting(count, timeout, max_retries, offline_method=offline_method)
        limits = budgets.parse_increase(max_increase), budgets.parse_increase(max_increase_per_request)
        fmt = Format.json if json_ else fmt
        if rev is not None and not _one_file(paths):
            return _repo(table, rev, paths or _configured(config), assume, how, model, fmt, limits, keep_going)
        from claude_cost.estimating.diff import diff as diff_requests
        from claude_cost.render import formats as render
        from claude_cost.sources.git import load_pair

        if len(paths or []) != (1 if rev else 2):
            raise _usage_error(rev)
        a, b, labels = load_pair(paths[0], paths[1] if len(paths) > 1 else None, rev)  # type: ignore[index]
        result = diff_requests(table, a, b, assume, how, labels, model=model)
        output(fmt, json_doc=lambda: render.diff_json(result), csv=lambda: render.diff_csv(result),
               markdown=lambda: render.diff_markdown(result), table=lambda t: t.diff_table(result))  # fmt: skip
        _fail(budgets.rise_over(result.total.change, result.total.pct, *limits[0]), [])


def _usage_error(rev: str | None) -> Exception:
    from claude_cost.core.errors import InputError

    if rev:
        return InputError("give one payload, or payload files, folders and globs, with --rev")
    return InputError("diff needs BASE and NEW payloads, or --rev REV with payloads", hint="e.g. diff a.json b.json, or diff --rev origin/main prompts/")


def _one_file(paths: list[str] | None) -> bool:
    return bool(paths) and len(paths) == 1 and not any(ch in paths[0] for ch in "*?[") and not Path(paths[0]).is_dir()  # type: ignore[index]


def _configured(config: Path | None) -> list[str]:
    """The request paths of the config given, or the nearest one, as seen from here."""
    import os

    from claude_cost.sources.config import load_config, locate_config

    path = locate_config(config, Path.cwd())
    files = [f for b in load_config(path).budgets for f in b.files]
    return sorted({os.path.relpath(path.parent / f) for f in files})


def _repo(table: Any, rev: str, paths: list[str], assume: Any, how: Any, model: str | None, fmt: Format,
          limits: tuple[Any, Any], keep_going: bool) -> None:  # fmt: skip
    from claude_cost.core import budgets
    from claude_cost.core.errors import EXIT_BAD_INPUT
    from claude_cost.estimating.diff import diff_changes
    from claude_cost.render import formats as render
    from claude_cost.sources.git import changes

    result = diff_changes(table, changes(rev, paths), rev, assume, how, model=model)
    total, each = budgets.repo_rises(result, *limits)
    problems = [render.rise_text(total)] if total else []
    problems += [render.file_rise_text(f) for f in each] + [f"{f.path}: {f.error}" for f in result.errors]
    output(fmt, json_doc=lambda: render.repo_diff_json(result), csv=lambda: render.repo_diff_csv(result),
           markdown=lambda: render.repo_diff_markdown(result, problems), table=lambda t: t.repo_diff_table(result))  # fmt: skip
    for f in result.errors:
        err(f"error: {f.path}: {f.error}")
    if result.errors and not keep_going:
        raise typer.Exit(EXIT_BAD_INPUT)
    _fail(total, each)


def _fail(total: Any, each: list[Any]) -> None:
    """Exit 1 with one stderr line per broken budget, if any."""
    from claude_cost.core.errors import EXIT_OVER_BUDGET
    from claude_cost.render import formats as render

    if total is None and not each:
        return
    if total is not None:
        err(render.rise_text(total))
    for f in each:
        err(render.file_rise_text(f))
    raise typer.Exit(EXIT_OVER_BUDGET)
