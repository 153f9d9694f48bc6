"""The pricing rules as SQL: a query over a usage table, generated from the price table.

The rules are not written again here. `core.rate_rows` asks the pricing core for the rates of
every model, price period, batch / residency / speed choice and long-context band, as whole
picodollars; the query only looks each usage row's rates up (a range join on the day and the
prompt size, no ASOF join; one join per step, which ClickHouse needs) and multiplies whole numbers. It is written once, in DuckDB's
dialect, and transpiled by sqlglot for the others. Dates are compared as 'YYYY-MM-DD' text, so no
engine's date range or type rules matter (ClickHouse's Date stops at 2149).

Exactness, engine by engine (issue #16): token x price is computed as DECIMAL(38,0) x BIGINT
(DuckDB HUGEINT-backed, ClickHouse Decimal128, Spark DECIMAL(38,0), BigQuery BIGNUMERIC), sums
stay DECIMAL(38,0), and dollars come from one multiplication by 1e-12 of a DECIMAL(24,0) (at
most 1e12 USD per row or group) — never a decimal division, never a float.
"""

from __future__ import annotations

import re

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from claude_cost.core.errors import InputError
from claude_cost.core.models import TOKEN_CLASSES, PriceTable
from claude_cost.core.rate_rows import RateRow, rate_rows

__all__ = ["COLUMNS", "PRESETS", "DIALECTS", "COST_ITEMS", "Query", "bucketed_sql", "column_mapping", "literal", "priced_sql", "render", "source_table"]

DIALECTS = ("duckdb", "clickhouse", "spark", "bigquery", "snowflake", "postgres")

#: The usage columns the query reads, and what each means.
COLUMNS = {
    "model": "model id, snapshot or alias as in the price table (`claude-cost prices`); others stay unpriced",
    "timestamp": "when the request ran: a date, timestamp or ISO text; its first 10 characters pick the price period",
    "input_tokens": "uncached input tokens",
    "cache_write_5m_tokens": "5-minute cache writes",
    "cache_write_1h_tokens": "1-hour cache writes",
    "cache_read_tokens": "cache reads",
    "output_tokens": "output tokens",
    "web_search_requests": "server-side web searches",
    "service_tier": "'batch' for Batch API requests",
    "inference_geo": "'us' for US-only inference (1.1x on 4.6+ models)",
    "speed": "'fast' for fast mode",
}

#: Default column names: the Messages API `usage` fields, flattened; and the Admin API usage report's.
PRESETS: dict[str, dict[str, str]] = {
    "messages": {
        "model": "model", "timestamp": '"timestamp"', "input_tokens": "input_tokens",
        "cache_write_5m_tokens": "ephemeral_5m_input_tokens", "cache_write_1h_tokens": "ephemeral_1h_input_tokens",
        "cache_read_tokens": "cache_read_input_tokens", "output_tokens": "output_tokens",
        "web_search_requests": "web_search_requests", "service_tier": "service_tier", "inference_geo": "inference_geo", "speed": "speed",
    },
    "admin": {
        "model": "model", "timestamp": "starting_at", "input_tokens": "uncached_input_tokens",
        "cache_write_5m_tokens": "ephemeral_5m_input_tokens", "cache_write_1h_tokens": "ephemeral_1h_input_tokens",
        "cache_read_tokens": "cache_read_input_tokens", "output_tokens": "output_tokens",
        "web_search_requests": "web_search_requests", "service_tier": "service_tier", "inference_geo": "inference_geo", "speed": "speed",
    },
}  # fmt: skip

TOKEN_COLUMNS = ("input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "output_tokens")  # TOKEN_CLASSES order
COST_ITEMS = (*TOKEN_CLASSES, "web_search")
GROUPS = {"model": "model", "day": "day", "month": "SUBSTRING(day, 1, 7)"}


def column_mapping(preset: str = "messages", overrides: list[str] | None = None) -> dict[str, str]:
    """The preset's columns with `NAME=EXPR` overrides (EXPR: a column, an expression, or NULL
    when the table has no such column)."""
    if preset not in PRESETS:
        raise InputError(f"--preset {preset!r}: expected one of {', '.join(PRESETS)}")
    mapping = dict(PRESETS[preset])
    for item in overrides or []:
        name, sep, expr = item.partition("=")
        name = name.strip()
        if not sep or name not in COLUMNS or not expr.strip():
            raise InputError(f"--column {item!r}: expected NAME=COLUMN with NAME one of {', '.join(COLUMNS)}", hint="e.g. --column input_tokens=in_tok")
        mapping[name] = expr.strip()
    return mapping


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _values(cols: tuple[str, ...], rows: list[list[str]]) -> str:
    """A literal table: `SELECT * FROM (VALUES …) AS t(cols)` (sqlglot writes each dialect's form:
    UNION ALL for ClickHouse, UNNEST of STRUCTs for BigQuery). One relation, so Spark reads it as
    one local partition, not one per row."""
    body = ",\n    ".join("(" + ", ".join(r) + ")" for r in rows)
    return f"SELECT * FROM (VALUES\n    {body}\n  ) AS t({', '.join(cols)})"


PRICE_COLUMNS = ("model", "valid_from", "valid_until", "batch", "geo_us", "fast", "tier_above", "tier_upto", *(f"p_{c}" for c in COST_ITEMS))


def price_columns(rows: list[RateRow]) -> dict[str, list[object]]:
    """The rate rows column by column, under PRICE_COLUMNS (dates as text, flags as 0/1)."""
    values = [[r.model, r.valid_from.isoformat(), r.valid_until.isoformat(), int(r.batch), int(r.geo_us), int(r.fast), r.tier_above,
               r.tier_upto, *(r.web_search if c == "web_search" else r.get(c) for c in COST_ITEMS)] for r in rows]  # fmt: skip
    return {name: [v[i] for v in values] for i, name in enumerate(PRICE_COLUMNS)}


def _prices_cte(rows: list[RateRow]) -> str:
    """The rate rows as a literal table. The integer columns are cast to BIGINT in the first row
    only: every engine gives a VALUES / UNION ALL column the common type of its rows, and a cast
    on each of ~200 x 8 values costs DuckDB a tenth of a second to bind."""
    cols = ("model", "valid_from", "valid_until", "batch", "geo_us", "fast", "tier_above", "tier_upto", *(f"p_{c}" for c in COST_ITEMS))

    def big(value: int, first: bool) -> str:
        return f"CAST({value} AS BIGINT)" if first else str(value)

    return _values(cols, [[literal(r.model), literal(r.valid_from.isoformat()), literal(r.valid_until.isoformat()), str(int(r.batch)),
                           str(int(r.geo_us)), str(int(r.fast)), big(r.tier_above, i == 0), big(r.tier_upto, i == 0),
                           *(big(r.web_search if c == "web_search" else r.get(c), i == 0) for c in COST_ITEMS)] for i, r in enumerate(rows)])  # fmt: skip


def _names_cte(names: Mapping[str, str]) -> str:
    return _values(("name", "model_id"), [[literal(a), literal(b)] for a, b in sorted(names.items())])


def _expr(mapping: Mapping[str, str], name: str) -> str:
    expr = mapping.get(name, "NULL")
    return "NULL" if expr.upper() == "NULL" else expr


@dataclass(frozen=True)
class Query:
    """A generated query and what it returns."""

    sql: str
    columns: tuple[str, ...]


def _cost_columns() -> list[str]:
    """Whole picodollars per cost item of a row (or bucket) `u` joined to its rates `p`."""
    return [f"CAST(u.{col} AS DECIMAL(38, 0)) * p.p_{item} AS {item}_pico"
            for col, item in zip((*TOKEN_COLUMNS, "web_search_requests"), COST_ITEMS)]  # fmt: skip


def _head(rows: list[RateRow], table: PriceTable, source: str, mapping: Mapping[str, str], default_day: date,
          names: Mapping[str, str] | None, extra: tuple[str, ...], tables: tuple[str, str] | None = None) -> str:  # fmt: skip
    """The query's first steps: the price rows, the model names, and `usage_rows` (the source
    under canonical names: model_name, day text, BIGINT counts, 0/1 flags, `extra` carried).
    `tables`: (prices, names) tables that already hold `price_columns(table)` / `names` (an
    embedded engine loads them as data, cheaper to plan than a literal table)."""
    names = dict(names) if names is not None else dict(table.aliases)
    if not names:
        names = {"": ""}
    tokens = [f"CAST(COALESCE({_expr(mapping, c)}, 0) AS BIGINT) AS {c}" for c in (*TOKEN_COLUMNS, "web_search_requests")]
    flag = lambda col, value: f"CASE WHEN CAST({_expr(mapping, col)} AS VARCHAR) = {literal(value)} THEN 1 ELSE 0 END"  # noqa: E731
    carried = [f"{e} AS {e}" for e in extra]
    usage = ",\n    ".join([
        f"CAST({_expr(mapping, 'model')} AS VARCHAR) AS model_name",
        f"COALESCE(SUBSTRING(CAST({_expr(mapping, 'timestamp')} AS VARCHAR), 1, 10), {literal(default_day.isoformat())}) AS day",
        *tokens,
        f"{flag('service_tier', 'batch')} AS batch", f"{flag('inference_geo', 'us')} AS geo_us", f"{flag('speed', 'fast')} AS fast",
        *carried,
    ])  # fmt: skip
    prices, model_names = (f"SELECT * FROM {tables[0]}", f"SELECT * FROM {tables[1]}") if tables else (_prices_cte(rows), _names_cte(names))
    return f"""WITH prices AS (
  {prices}
), model_names AS (
  {model_names}
), usage_rows AS (
  SELECT
    {usage}
  FROM {source}"""


def bucketed_sql(table: PriceTable, source: str, mapping: Mapping[str, str], default_day: date, *, names: Mapping[str, str] | None = None,
                 keys: tuple[str, ...] = (), tables: tuple[str, str] | None = None, platforms: tuple[tuple[str, str], ...] = (),
                 aggregates: Mapping[str, str] | None = None) -> Query:  # fmt: skip
    """The same pricing with the rows summed first: per model name, day, batch / residency /
    speed, long-context band and `keys` (source columns), then each bucket joined to its rates
    once. Exact for the same reason as per row (price x sum = sum of price x tokens, in
    integers), and much less work on millions of rows. The band is the position of the prompt
    among every threshold of the table, which is never coarser than one model's bands.

    Returns per bucket: the keys, model_name, model_id, day, `priced`, `requests`, the token
    sums and `<item>_pico`. `platforms`: the (platform, endpoint) rate rows `names` may point
    to (`rate_rows.platform_key`). `aggregates`: more source columns, each summed up per bucket
    by the aggregate function given (column -> "MIN" / "SUM" …)."""
    rows = rate_rows(table, platforms)
    thresholds = sorted({r.tier_above for r in rows if r.tier_above >= 0})
    bounds = list(zip([-1, *thresholds], [*thresholds, None]))
    prompt = " + ".join(TOKEN_COLUMNS[:4])  # BIGINT: DuckDB raises on overflow (never wraps); 4 counts of < 2.3e18 each fit
    # a prompt size inside the band that the join can test against each model's (above, upto]
    rep = "CASE " + " ".join(f"WHEN {prompt} > {lo} THEN {lo + 1}" for lo, _ in reversed(bounds[1:])) + " ELSE 0 END" if thresholds else "0"
    group = ["model_name", "day", "batch", "geo_us", "fast", *keys]
    sums = [f"SUM({c}) AS {c}" for c in (*TOKEN_COLUMNS, "web_search_requests")]
    sums += [f"{fn}({name}) AS {name}" for name, fn in (aggregates or {}).items()]
    costs = _cost_columns()
    carried = (*keys, *(aggregates or {}))
    sql = f"""{_head(rows, table, source, mapping, default_day, names, carried, tables)}
), buckets AS (
  SELECT {", ".join(group)}, {rep} AS band, COUNT(*) AS requests, {", ".join(sums)}
  FROM usage_rows
  GROUP BY {", ".join(group)}, {rep}
), named_buckets AS (
  SELECT b.*, n.model_id
  FROM buckets AS b
  LEFT JOIN model_names AS n ON n.name = LOWER(TRIM(b.model_name))
)
SELECT u.*, CASE WHEN p.model IS NULL THEN 0 ELSE 1 END AS priced,
  {(", ").join(costs)}
FROM named_buckets AS u
LEFT JOIN prices AS p ON p.model = u.model_id AND u.day >= p.valid_from AND u.day < p.valid_until
  AND p.batch = u.batch AND p.geo_us = u.geo_us AND p.fast = u.fast AND u.band > p.tier_above AND u.band <= p.tier_upto"""
    cols = (*group, "band", "requests", *TOKEN_COLUMNS, "web_search_requests", *(aggregates or {}), "model_id", "priced",
            *(f"{i}_pico" for i in COST_ITEMS))  # fmt: skip
    return Query(sql, cols)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def kept_columns(names: list[str] | None) -> tuple[str, ...]:
    """`--keep` columns: plain identifiers only (they are written into the query as they are)."""
    out = []
    for name in names or []:
        if not _IDENTIFIER.fullmatch(name):
            raise InputError(f"--keep {name!r}: give a column name (letters, digits, _)", hint="quote-free names only; map others with --column")
        out.append(name)
    return tuple(out)


def priced_sql(
    table: PriceTable, source: str, mapping: Mapping[str, str], default_day: date, *,
    names: Mapping[str, str] | None = None, group_by: tuple[str, ...] | None = None, extra: tuple[str, ...] = (),
) -> Query:  # fmt: skip
    """The pricing query over `source` (a table name or a parenthesized subquery) in DuckDB SQL.

    Per row (group_by None): the usage columns, `model_id` (NULL: unknown model), `priced`
    (0: no rate row — unknown model, or a combination the rules refuse), `<item>_pico` per cost
    item and `total_pico` (whole picodollars), `<item>_usd` and `total_usd` (exact decimals).
    Grouped: the group columns, `requests` (priced), `unpriced_requests`, token sums of the
    priced rows and the same costs.
    `names` maps lower-case model names to price-table ids (default: the table's ids and aliases).
    `extra` carries more source columns through to the rows (and is allowed in group_by).
    """
    rows = rate_rows(table)
    head = _head(rows, table, source, mapping, default_day, names, extra)
    prompt = f"CAST(u.{TOKEN_COLUMNS[0]} AS DECIMAL(38, 0)) + " + " + ".join(f"u.{c}" for c in TOKEN_COLUMNS[1:4])
    costs = _cost_columns()
    total = " + ".join(f"{item}_pico" for item in COST_ITEMS)
    cost_list = ",\n    ".join(costs)
    sql = f"""{head}
), named_rows AS (
  SELECT r.*, n.model_id
  FROM usage_rows AS r
  LEFT JOIN model_names AS n ON n.name = LOWER(TRIM(r.model_name))
), priced_rows AS (
  SELECT u.*, CASE WHEN p.model IS NULL THEN 0 ELSE 1 END AS priced,
    {cost_list}
  FROM named_rows AS u
  LEFT JOIN prices AS p ON p.model = u.model_id AND u.day >= p.valid_from AND u.day < p.valid_until
    AND p.batch = u.batch AND p.geo_us = u.geo_us AND p.fast = u.fast
    AND {prompt} > p.tier_above AND {prompt} <= p.tier_upto
)"""
    usd = lambda expr: f"CAST({expr} AS DECIMAL(24, 0)) * CAST('0.000000000001' AS DECIMAL(13, 12))"  # noqa: E731
    if group_by is None:
        out = ["model_name", "model_id", "day", *TOKEN_COLUMNS, "web_search_requests", "batch", "geo_us", "fast", *extra, "priced",
               *(f"{i}_pico" for i in COST_ITEMS)]  # fmt: skip
        select = [*out, f"{total} AS total_pico", *(f"{usd(f'{i}_pico')} AS {i}_usd" for i in COST_ITEMS), f"{usd(total)} AS total_usd"]
        sql += "\nSELECT " + ",\n  ".join(select) + "\nFROM priced_rows"
        return Query(sql, (*out, "total_pico", *(f"{i}_usd" for i in COST_ITEMS), "total_usd"))
    keys = []
    for g in group_by:
        if g not in GROUPS and g not in extra:
            raise InputError(f"--group-by {g!r}: the SQL engines group by {', '.join(GROUPS)}")
        expr = GROUPS.get(g, g)
        expr = "COALESCE(model_id, model_name)" if g == "model" else expr
        keys.append((g, expr))
    sums = [f"SUM(CASE WHEN priced = 1 THEN {c} ELSE 0 END) AS {c}" for c in (*TOKEN_COLUMNS, "web_search_requests")]
    picos = [f"SUM({i}_pico) AS {i}_pico" for i in COST_ITEMS]
    select = [f"{e} AS {g}" for g, e in keys] + ["SUM(priced) AS requests", "SUM(1 - priced) AS unpriced_requests", *sums, *picos,
                                                  f"SUM({total}) AS total_pico", f"{usd(f'SUM({total})')} AS total_usd"]  # fmt: skip
    sql += "\nSELECT " + ",\n  ".join(select) + "\nFROM priced_rows\nGROUP BY " + ", ".join(e for _, e in keys)
    sql += "\nORDER BY " + ", ".join(e for _, e in keys)
    cols = (*group_by, "requests", "unpriced_requests", *TOKEN_COLUMNS, "web_search_requests", *(f"{i}_pico" for i in COST_ITEMS), "total_pico", "total_usd")
    return Query(sql, cols)


def source_table(name: str, dialect: str, option: str = "--table") -> str:
    """A user's table (or view) name, optionally schema- or catalog-qualified, checked and written
    in DuckDB SQL so that transpiling to `dialect` quotes it as `dialect` would."""
    import sqlglot
    from sqlglot import exp

    try:
        parsed = sqlglot.parse_one(name, read=dialect if dialect in DIALECTS else None, into=exp.Table)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):  # TokenError: an unclosed quote
        raise InputError(f"{option} {name!r} is not a table name", hint=f"e.g. {option} analytics.claude_usage") from None
    return parsed.sql(dialect="duckdb")


def render(sql: str, dialect: str, view: str | None = None) -> str:
    """`sql` (DuckDB) in `dialect`, pretty-printed; as `CREATE VIEW view AS …` when `view` is set."""
    if dialect not in DIALECTS:
        raise InputError(f"--dialect {dialect!r}: expected one of {', '.join(DIALECTS)}")
    import logging

    import sqlglot

    if view:
        sql = f"CREATE VIEW {source_table(view, dialect, '--view')} AS\n{sql}"
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its warnings would reach stderr before our one line
    try:
        statements = sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as exc:
        raise InputError(f"the usage table or a --column expression is not valid SQL: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:  # a `;` in an expression: what is printed must be the one query
        raise InputError("a --column expression ends the query (a `;`)", hint="give one SQL expression per --column")
    out = statements[0]
    if dialect == "clickhouse":
        # ClickHouse's LEFT JOIN fills a missing row with default values ('' and 0), not NULL:
        # an unpriced row would read as priced at $0 without this
        out += "\nSETTINGS join_use_nulls = 1"
    return out + ";\n"
