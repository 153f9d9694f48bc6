"""`claude-cost sql`: the pricing rules as a query for your own warehouse."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from claude_cost.core import clock
from claude_cost.commands._shared import AtOpt, DebugOpt, PricesOpt, boundary, day, price_table

DialectOpt = Annotated[str, typer.Option("--dialect", help="duckdb | clickhouse | spark | bigquery | snowflake | postgres.")]
TableOpt = Annotated[str, typer.Option("--table", help="Your usage table (one row per request).")]
ColumnOpt = Annotated[Optional[list[str]], typer.Option("--column", help="NAME=COLUMN (or an expression, or NULL) for a usage column; repeatable. See --list-columns.")]
PresetOpt = Annotated[str, typer.Option("--preset", help="Default column names: messages (Messages API usage fields) | admin (Admin API usage report).")]
SqlGroupOpt = Annotated[Optional[str], typer.Option("--group-by", help="Print a grouped summary instead of per-row costs: a comma list of model, day, month.")]
ViewOpt = Annotated[Optional[str], typer.Option("--view", help="Wrap the query in CREATE VIEW NAME AS ….")]
ListOpt = Annotated[bool, typer.Option("--list-columns", help="List the usage columns the query reads, with the preset's names, and exit.")]
KeepOpt = Annotated[Optional[list[str]], typer.Option("--keep", help="Carry this column of your table through to every row (an id, a user, a team); repeatable; allowed in --group-by.")]


def sql(
    dialect: DialectOpt = "duckdb", table: TableOpt = "usage", column: ColumnOpt = None, preset: PresetOpt = "messages",
    group_by: SqlGroupOpt = None, view: ViewOpt = None, at: AtOpt = None, list_columns: ListOpt = False, keep: KeepOpt = None,
    prices: PricesOpt = None, debug: DebugOpt = False,
) -> None:  # fmt: skip
    """Print a self-contained SQL query (or view) that prices every row of your usage table exactly."""
    with boundary(debug):
        from claude_cost.engines import sql as gen

        mapping = gen.column_mapping(preset, column)
        if list_columns:
            sys.stdout.write("".join(f"{name:<22} {mapping[name]:<28} {what}\n" for name, what in gen.COLUMNS.items()))
            return
        groups = tuple(g.strip() for g in group_by.split(",")) if group_by else None
        query = gen.priced_sql(price_table(prices), gen.source_table(table, dialect), mapping, day(at) or clock.today(), group_by=groups,
                               extra=gen.kept_columns(keep))  # fmt: skip
        sys.stdout.write(gen.render(query.sql, dialect, view))
