"""The DuckDB engine: usage files read and priced inside embedded DuckDB with the generated SQL.

JSONL is read with `read_json` (explicit columns, one pass); CSV and Parquet with
`read_csv` / `read_parquet` and the column mapping. The query is `engines.sql.priced_sql`, the
same one `claude-cost sql` prints, so the money is whole picodollars until one exact
conversion to Decimal here.

What SQL does not read, Python does, and the results are merged: a JSONL file with any line
that is not a plain `{model, usage, timestamp}` record of the shape the SQL checks (stream
events, Batch results, OTLP exports, nested or malformed usage, non-UTF-8 bytes, odd dates) is
priced by the Python engine as a whole, and so are Claude Code transcripts (their dedup rules
live in Python). Whatever the mix, the totals equal the Python engine's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from claude_cost.core import pricing
from claude_cost.core.errors import ClaudeCostError, InputError
from claude_cost.core.models import TOKEN_CLASSES, PriceTable, Scenario, Usage
from claude_cost.core.prices import resolve
from claude_cost.core.rate_rows import platform_key, split_key
from claude_cost.engines import sql as gen
from claude_cost.engines.python import MAX_PROBLEMS_KEPT, Group, Summary, usage_notes, group_fields, merge, summarize
from claude_cost.sources.records import Problem
from claude_cost.sources.usage import TIMESTAMP_KEYS, USAGE_SUFFIXES  # the Python reader's keys, in its order

__all__ = ["summarize_files", "run_buckets", "SQL_GROUPS", "TABULAR", "JSONL", "unsupported"]

SQL_GROUPS = ("model", "day", "month")
TABULAR = (".csv", ".parquet")
JSONL = (".jsonl", ".ndjson")


def unsupported(group_by: str, since: str | None, until: str | None, claude_code: bool) -> str | None:
    """Why the DuckDB engine cannot run these options (None: it can)."""
    fields = group_fields(group_by)
    other = [f for f in fields if f not in SQL_GROUPS]
    if other:
        return f"--group-by {','.join(other)}"
    if since or until:
        return "--since/--until"
    if claude_code:
        return "--claude-code"
    return None


def _jsonl_source(files: list[str], default_model: str | None) -> str:
    """A subquery with the generated query's column names (messages preset) plus `filename`,
    `ok` (the line is a plain record SQL prices exactly as Python would) and `assumed`.

    DuckDB parses each line once into typed columns whose leaves are JSON text, and a line is
    `ok` only when that text proves the Python reader would read the same: a count is absent,
    null or the digits of a whole number that fits BIGINT — its text equals the text of its
    value (no sign, point, exponent, quote or letter: checked by a round trip through UBIGINT,
    the cheapest exact test measured) — and the model a non-empty string (the day text is
    checked per bucket, in Python: 'YYYY-MM-DD'). Doubt is never priced here: a file with any
    line that is not `ok` goes to Python whole. (A key present with a null value reads as absent:
    `{"event": null}` beside a usage object is priced as a record.)"""
    counts = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")
    usage_type = ("STRUCT(" + ", ".join(f"{c} JSON" for c in counts) + ", cache_creation STRUCT(ephemeral_5m_input_tokens JSON, "
                  "ephemeral_1h_input_tokens JSON), server_tool_use STRUCT(web_search_requests JSON), service_tier JSON, inference_geo JSON, speed JSON)")  # fmt: skip
    cols = {"model": "JSON", "usage": usage_type, "type": "JSON", "event": "JSON", "resourceSpans": "JSON", "custom_id": "JSON",
            **{k: "VARCHAR" for k in TIMESTAMP_KEYS}}  # fmt: skip
    columns = ", ".join(f"'{k}': '{v}'" for k, v in cols.items())
    listing = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    first_ts = " ".join(f'WHEN length("{k}") >= 10 THEN "{k}"' for k in TIMESTAMP_KEYS)
    leaves = {"input": "usage.input_tokens", "cci": "usage.cache_creation_input_tokens", "read": "usage.cache_read_input_tokens",
              "output": "usage.output_tokens", "w5": "usage.cache_creation.ephemeral_5m_input_tokens",
              "w1": "usage.cache_creation.ephemeral_1h_input_tokens", "web": "usage.server_tool_use.web_search_requests"}  # fmt: skip
    # each leaf's text and value computed once (an inner projection), then checked and used
    texts = ", ".join(f"CAST({leaf} AS VARCHAR) AS t_{name}" for name, leaf in leaves.items())
    values = ", ".join(f"TRY_CAST(CAST({leaf} AS VARCHAR) AS UBIGINT) AS v_{name}" for name, leaf in leaves.items())
    exact = " AND ".join(f"(t_{name} IS NULL OR (CAST(v_{name} AS VARCHAR) = t_{name} AND length(t_{name}) <= 18))" for name in leaves)
    n = lambda name: f"COALESCE(TRY_CAST(v_{name} AS BIGINT), 0)"  # noqa: E731
    # the model stays JSON text ('"claude-opus-4-7"'): matched against JSON-quoted names, decoded only per bucket
    default = "NULL" if default_model is None else gen.literal(json.dumps(default_model, ensure_ascii=False))
    model_ok = "(starts_with(model, '\"') AND model <> '\"\"')" + ("" if default_model is None else " OR model IS NULL")
    split = "has_split"
    flag = lambda key, value: f"CASE WHEN {key} = '\"{value}\"' THEN '{value}' END"  # noqa: E731
    return f"""(
  SELECT filename,
    COALESCE(has_usage AND (t_input IS NOT NULL OR t_output IS NOT NULL)
      AND resourceSpans IS NULL AND event IS NULL AND custom_id IS NULL AND ("type" IS NULL OR "type" = '"message"')
      AND ({model_ok})
      AND NOT ({split} AND t_w5 IS NULL AND t_w1 IS NULL)
      AND {exact}, FALSE) AS ok,
    COALESCE(model, {default}) AS model,
    when_text AS "timestamp",
    {n('input')} AS input_tokens,
    CASE WHEN {split} THEN {n('w5')} ELSE {n('cci')} END AS ephemeral_5m_input_tokens,
    CASE WHEN {split} THEN {n('w1')} ELSE 0 END AS ephemeral_1h_input_tokens,
    {n('read')} AS cache_read_input_tokens,
    {n('output')} AS output_tokens,
    {n('web')} AS web_search_requests,
    {flag('service_tier', 'batch')} AS service_tier,
    {flag('inference_geo', 'us')} AS inference_geo,
    {flag('speed', 'fast')} AS speed,
    CASE WHEN NOT {split} AND {n('cci')} > 0 THEN 1 ELSE 0 END AS assumed
  FROM (
    SELECT filename, model, resourceSpans, event, custom_id, "type", usage IS NOT NULL AS has_usage,
      usage.cache_creation IS NOT NULL AS has_split, usage.service_tier AS service_tier, usage.inference_geo AS inference_geo,
      usage.speed AS speed, CASE {first_ts} END AS when_text, {texts}, {values}
    FROM read_json({listing}, format = 'newline_delimited', ignore_errors = true, filename = true, columns = {{{columns}}})
  )
)"""


def _tabular_source(con: Any, files: list[str], mapping: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A CSV/Parquet reader subquery and the mapping with absent columns set to NULL."""
    listing = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    reader = f"read_parquet({listing}, filename = true)" if files[0].endswith(".parquet") else f"read_csv({listing}, filename = true, union_by_name = true)"
    present = {row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {reader}").fetchall()}
    def column(expr: str) -> str:
        """A plain column name that the file lacks becomes NULL; expressions are kept as written."""
        name = expr.strip('"')
        return "NULL" if name.replace("_", "").isalnum() and name not in present else expr

    mapped = {k: column(v) for k, v in mapping.items()}
    for need in ("model", "input_tokens", "output_tokens"):
        if mapped.get(need) == "NULL" and mapping.get(need, "NULL").upper() != "NULL":
            raise InputError(f"{files[0]}: no column {mapping[need]!r} for {need}", hint=f"map it with --column {need}=COLUMN")
    source = f"(SELECT *, TRUE AS ok, 0 AS assumed FROM {reader})"
    return source, mapped


def _connect() -> Any:
    try:
        import duckdb
    except ImportError:
        raise InputError("the duckdb engine needs the duckdb package", hint="pip install duckdb, or use --engine python") from None
    con = duckdb.connect(config={"preserve_insertion_order": False})  # order is never needed: less memory, faster scans
    # DuckDB's progress bar, drawn for any query over 2 s, goes to stdout and would corrupt --json
    # output (a session setting: it cannot be given at connect)
    con.execute("SET enable_progress_bar = false")
    return con


def _pico(value: Any) -> Decimal:
    """Whole picodollars (a SQL DECIMAL(38,0) or int) as exact dollars."""
    return Decimal(int(value)).scaleb(-12) if value else Decimal(0)


def summarize_files(
    table: PriceTable, paths: list[str], group_by: str, default_day: date, *, default_model: str | None = None,
    mapping: dict[str, str] | None = None, python_records: Callable[[list[str]], Any] | None = None,
) -> Summary:  # fmt: skip
    """`python.summarize`'s answer for these usage files, computed in DuckDB where it can be.

    `python_records(paths)` yields the records of the files handed to Python (default: the usage
    readers)."""
    from claude_cost.sources.claude_code import is_transcript
    from claude_cost.sources.payload import expand_paths

    fields = group_fields(group_by)
    if any(f not in SQL_GROUPS for f in fields):
        raise InputError(f"--engine duckdb groups by {', '.join(SQL_GROUPS)}", hint="use --engine python for the other groupings")
    files = expand_paths(paths, USAGE_SUFFIXES)  # a folder gives what it gives the Python engine; CSV / Parquet by name or glob
    for f in files:
        if f != "-" and not Path(f).is_file():
            raise InputError(f"{f}: no such file")
    # DuckDB reads a path with * ? [ as a pattern (no escape): such files go to Python
    literal = [f for f in files if not any(ch in f for ch in "*?[")]
    jsonl = [f for f in literal if f.endswith(JSONL) and not is_transcript(f)]
    tabular = [f for f in literal if f.endswith(TABULAR)]
    to_python = [f for f in files if f not in jsonl and f not in tabular]
    con = _connect()
    parts: list[Summary] = []
    if jsonl:
        summary, odd = _run(con, table, _jsonl_source(jsonl, default_model), gen.PRESETS["messages"], fields, default_day, json_names=True,
                            files=jsonl)  # fmt: skip
        to_python += [f for f in jsonl if f in odd]
        parts.append(summary)
    for kind in TABULAR:
        chosen = [f for f in tabular if f.endswith(kind)]
        if chosen:
            source, mapped = _tabular_source(con, chosen, mapping or gen.PRESETS["messages"])
            parts.append(_run(con, table, source, mapped, fields, default_day, tabular=True, files=chosen)[0])
    if to_python:
        if python_records is None:
            from claude_cost.sources.usage import records

            python_records = lambda ps: records(ps, default_model)  # noqa: E731
        parts.append(summarize(table, python_records(to_python), group_by, default_day))
    if not parts:
        return summarize(table, [], group_by, default_day)
    out = parts[0]
    for part in parts[1:]:
        out = merge(out, part)
    return out


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _valid_day(text: str) -> bool:
    """The Python reader's test of a record's day: 'YYYY-MM-DD' that is a real date."""
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _run(con: Any, table: PriceTable, source: str, mapping: dict[str, str], fields: tuple[str, ...], default_day: date,
         json_names: bool = False, tabular: bool = False, files: list[str] | None = None) -> tuple[Summary, set[str]]:  # fmt: skip
    """Price one source in buckets, inside DuckDB: the buckets go to a temporary table, and only
    their sums per group come back to Python (never one row per bucket). Returns the summary of
    the files SQL kept and the "odd" files (a line not `ok`, or a day that is not 'YYYY-MM-DD'),
    which JSONL hands to Python; in CSV and Parquet an odd day is an unpriced row instead.
    `json_names`: the source's model column is JSON text (a quoted string). `files`: what the
    source reads; one file is not grouped by its name (a constant key costs ~5% of the scan)."""
    quote = (lambda name: json.dumps(name, ensure_ascii=False)) if json_names else (lambda name: name)  # noqa: E731
    names = {quote(alias): model_id for alias, model_id in table.aliases.items()}
    platforms: tuple[tuple[str, str], ...] = ()
    for attempt in (1, 2):
        tables = _load(con, table, names, platforms)
        single = files[0] if files is not None and len(files) == 1 else None
        query = gen.bucketed_sql(table, source, mapping, default_day, names=names, keys=() if single else ("filename",), tables=tables,
                                 platforms=platforms, aggregates={"ok": "bool_and", "assumed": "SUM"})  # fmt: skip
        if single is None:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {BUCKETS} AS {query.sql}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {BUCKETS} AS SELECT *, CAST($file AS VARCHAR) AS filename FROM ({query.sql})", {"file": single})
        unknown = [r[0] for r in con.sql(f"SELECT DISTINCT model_name FROM {BUCKETS} WHERE model_id IS NULL AND model_name IS NOT NULL AND ok").fetchall()]
        more, seen = _platform_names(table, unknown, json_names, platforms)
        if not more or attempt == 2:
            break
        names.update(more)  # platform ids and names Python alone resolves: priced in SQL on a second pass
        platforms = tuple(sorted(seen))
    bad_days = [d for (d,) in con.sql(f"SELECT DISTINCT day FROM {BUCKETS}").fetchall() if not _valid_day(d)]
    odd_clause = "NOT ok" if tabular else "NOT ok OR list_contains($bad, day)"
    odd = {r[0] for r in con.execute(f"SELECT DISTINCT filename FROM {BUCKETS} WHERE {odd_clause}", {"bad": bad_days} if not tabular else None).fetchall()}
    return _summary_in_db(con, table, fields, sorted(odd), bad_days if tabular else [], json_names), odd


BUCKETS = "claude_cost_buckets"


def _platform_names(table: PriceTable, unknown: list[str], json_names: bool, platforms: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Names the SQL did not match that Python resolves: name -> the model id (or platform key)
    to price them at, and the (platform, endpoint) pairs their rate rows need."""
    more: dict[str, str] = {}
    seen = set(platforms)
    for name in unknown:
        try:
            found = resolve(table, json.loads(name) if json_names else name)
        except (ClaudeCostError, ValueError):
            continue
        if found.platform is None:
            more[name.strip().lower()] = found.model.id
        else:  # a Bedrock / Vertex id prices as that platform (a regional endpoint +10%, fact sheet §11)
            endpoint = found.endpoint if found.platform in ("bedrock", "vertex") and found.endpoint else "global"
            more[name.strip().lower()] = platform_key(found.model.id, found.platform, endpoint)
            seen.add((found.platform, endpoint))
    return more, seen


def _summary_in_db(con: Any, table: PriceTable, fields: tuple[str, ...], odd: list[str], bad_days: list[str], json_names: bool) -> Summary:
    """`python.summarize`'s summary of the buckets left after `odd` files, summed in SQL per group;
    unknown models, refused combinations and (CSV / Parquet) odd days as problems."""
    keep = "NOT list_contains($odd, filename)"
    values = {"odd": odd, "bad": bad_days}

    def query(sql: str) -> list[tuple[Any, ...]]:
        return con.execute(sql, {k: v for k, v in values.items() if f"${k}" in sql}).fetchall()  # type: ignore[no-any-return]

    tokens = [*gen.TOKEN_COLUMNS, "web_search_requests"]
    costs = [f"{c}_pico" for c in gen.COST_ITEMS]
    parts = {"model": "split_part(model_id, '|', 1)", "day": "day", "month": "SUBSTRING(day, 1, 7)"}
    keys = [parts[f] for f in fields]
    sums = ", ".join(f"SUM({c})" for c in ("requests", *tokens, *costs))
    priced = f"{keep} AND priced = 1 AND NOT list_contains($bad, day)"
    groups: list[Group] = []
    total = Decimal(0)
    requests = 0
    items = (*TOKEN_CLASSES, "web_searches")
    for row in query(f"SELECT {', '.join(keys)}, {sums} FROM {BUCKETS} WHERE {priced} GROUP BY ALL ORDER BY ALL"):
        key, (count, *rest) = tuple(row[: len(keys)]), row[len(keys):]
        tok, pico = [int(x or 0) for x in rest[: len(tokens)]], [int(x or 0) for x in rest[len(tokens):]]
        g = Group(key, count, Usage(*tok[:5], web_searches=tok[5]), {i: _pico(p) for i, p in zip(items, pico)}, _pico(sum(pico)))
        groups.append(g)
        total += g.total
        requests += count
    assumed = int(query(f"SELECT COALESCE(SUM(assumed), 0) FROM {BUCKETS} WHERE {keep} AND model_id IS NOT NULL")[0][0])
    problems: list[Problem] = []
    problem_count = problem_tokens = 0
    five = " + ".join(gen.TOKEN_COLUMNS[:5])
    for filename, day, count, toks in query(f"SELECT filename, day, SUM(requests), SUM({five}) FROM {BUCKETS} WHERE {keep} AND list_contains($bad, day) "
                                            "GROUP BY ALL ORDER BY ALL"):  # fmt: skip
        problems.append(Problem(filename, f"{count} record(s) whose time {day!r}… is not an ISO date", int(toks or 0)))
        problem_count += count
        problem_tokens += int(toks or 0)
    for filename, name, count, toks in query(f"SELECT filename, model_name, SUM(requests), SUM({five}) FROM {BUCKETS} WHERE {keep} AND model_id IS NULL "
                                             "AND NOT list_contains($bad, day) GROUP BY ALL ORDER BY ALL"):  # fmt: skip
        problems.append(Problem(filename, f"{count} record(s): {_unknown_reason(table, _decoded(name) if json_names else name)}", int(toks or 0)))
        problem_count += count
        problem_tokens += int(toks or 0)
    for key, day, batch, geo_us, fast, filename, count, toks in query(
        f"SELECT model_id, day, batch, geo_us, fast, filename, SUM(requests), SUM({five}) FROM {BUCKETS} WHERE {keep} AND model_id IS NOT NULL "
        "AND priced = 0 AND NOT list_contains($bad, day) GROUP BY ALL ORDER BY ALL"):  # fmt: skip
        problems.append(Problem(filename, f"{count} record(s) of {split_key(key)[0]} on {day}: {_refused_reason(table, key, day, batch, geo_us, fast)}",
                                int(toks or 0)))  # fmt: skip
        problem_count += count
        problem_tokens += int(toks or 0)
    return Summary(groups, total, requests, {}, problems[:MAX_PROBLEMS_KEPT], problem_count, usage_notes(assumed, 0), problem_tokens, {}, fields,
                   None, assumed, 0, price_table=(table.source, table.as_of))  # fmt: skip


def _load(con: Any, table: PriceTable, names: dict[str, str], platforms: tuple[tuple[str, str], ...] = ()) -> tuple[str, str]:
    """The rate rows and model names as DuckDB temp tables, passed as parameter lists: planning
    ~200 literal rows costs ~50 ms, loading them this way ~4 ms."""
    from claude_cost.core.rate_rows import rate_rows

    columns = gen.price_columns(rate_rows(table, platforms))
    kinds = {c: ("VARCHAR" if c in ("model", "valid_from", "valid_until") else "BIGINT") for c in gen.PRICE_COLUMNS}
    select = ", ".join(f"CAST(unnest(${i}) AS {kinds[c]}) AS {c}" for i, c in enumerate(gen.PRICE_COLUMNS, 1))
    con.execute(f"CREATE OR REPLACE TEMP TABLE claude_cost_prices AS SELECT {select}", [columns[c] for c in gen.PRICE_COLUMNS])
    pairs = sorted(names.items())
    con.execute("CREATE OR REPLACE TEMP TABLE claude_cost_names AS SELECT CAST(unnest($1) AS VARCHAR) AS name, CAST(unnest($2) AS VARCHAR) AS model_id",
                [[a for a, _ in pairs], [b for _, b in pairs]])  # fmt: skip
    return "claude_cost_prices", "claude_cost_names"


def run_buckets(execute: Callable[[str], list[tuple[Any, ...]]], table: PriceTable, source: str, mapping: dict[str, str],
                fields: tuple[str, ...], default_day: date, *, json_names: bool = False, odd_days: str = "odd",
                load: Callable[[dict[str, str], tuple[tuple[str, str], ...]], tuple[str, str]] | None = None) -> tuple[Summary, set[str]]:  # fmt: skip
    """`bucketed_sql` over `source`, run by `execute` (DuckDB SQL in, rows out), as a summary.
    A file with a line whose day is not 'YYYY-MM-DD' is "odd" (left out, for Python to read);
    with odd_days="problems" (an engine with no Python to hand it to) its rows are unpriced.
    `load(names)`: the engine's own (prices, names) tables, when it can load data cheaply."""
    quote = (lambda name: json.dumps(name, ensure_ascii=False)) if json_names else (lambda name: name)  # noqa: E731
    names = {quote(alias): model_id for alias, model_id in table.aliases.items()}
    platforms: tuple[tuple[str, str], ...] = ()
    for attempt in (1, 2):
        tables = load(names, platforms) if load else None
        query = gen.bucketed_sql(table, source, mapping, default_day, names=names, keys=("filename", "ok", "assumed"), tables=tables,
                                 platforms=platforms)  # fmt: skip
        at = {c: i for i, c in enumerate(query.columns)}
        rows = execute(query.sql)
        odd = {r[at["filename"]] for r in rows if not r[at["ok"]] or (odd_days == "odd" and not _valid_day(r[at["day"]]))}
        unknown = sorted({r[at["model_name"]] for r in rows if r[at["ok"]] and r[at["model_id"]] is None and r[at["model_name"]] is not None})
        more, seen = _platform_names(table, unknown, json_names, platforms)
        if not more or attempt == 2:
            break
        names.update(more)  # platform ids and names Python alone resolves: priced in SQL on a second pass
        platforms = tuple(sorted(seen))
    if json_names:  # model names as the user wrote them, for the problems
        i = at["model_name"]
        rows = [(*r[:i], _decoded(r[i]), *r[i + 1:]) for r in rows]
    return _summary(table, rows, at, fields, odd), odd


def _unknown_reason(table: PriceTable, name: str | None) -> str:
    """Why records of a model name SQL did not match are unpriced: the resolver's own error
    (with its "did you mean"), or plainly unknown."""
    try:
        resolve(table, name)  # type: ignore[arg-type]
    except ClaudeCostError as exc:
        return str(exc)
    return f"unknown model {name!r}"


def _refused_reason(table: PriceTable, key: str, day: str, batch: Any, geo_us: Any, fast: Any) -> str:
    """Why a bucket of a known model has no rate row: the pricing core's refusal for that
    scenario (fast mode with batch, outside its period), asked of the core itself."""
    model_id, platform, endpoint = split_key(key)
    model = table.models[model_id]
    scenario = Scenario(day=date.fromisoformat(day), batch=bool(batch), geo="us" if geo_us and model.us_residency else None,
                        speed="fast" if fast else "standard", platform=platform, endpoint=endpoint)  # fmt: skip
    try:
        pricing.price(Usage(), model, scenario, table.fees)
    except ClaudeCostError as exc:
        return exc.message
    return "no price for this combination"


def _decoded(text: str | None) -> str | None:
    try:
        return None if text is None else json.loads(text)  # type: ignore[no-any-return]
    except ValueError:
        return text


def _summary(table: PriceTable, rows: list[tuple[Any, ...]], at: dict[str, int], fields: tuple[str, ...], odd: set[str]) -> Summary:
    """The buckets of the files SQL kept, as `python.summarize` would report them."""
    groups: dict[tuple[str, ...], Group] = {}
    problems: list[Problem] = []
    problem_count = problem_tokens = requests = assumed = 0
    total = Decimal(0)
    refused: dict[tuple[str, str, int, int, int, str], list[int]] = {}
    unknown: dict[tuple[str, str], list[int]] = {}
    items = (*TOKEN_CLASSES, "web_searches")
    for row in rows:
        filename, model_id, count = row[at["filename"]], row[at["model_id"]], row[at["requests"]]
        if filename in odd:
            continue
        tokens = [int(row[at[c]] or 0) for c in (*gen.TOKEN_COLUMNS, "web_search_requests")]
        if not _valid_day(row[at["day"]]):  # only where odd days are problems (Spark): DuckDB hands such files to Python
            problems.append(Problem(filename, f"{count} record(s) whose time {row[at['day']]!r}… is not an ISO date", sum(tokens[:5])))
            problem_count += count
            problem_tokens += sum(tokens[:5])
            continue
        if model_id is None:
            u = unknown.setdefault((filename, row[at["model_name"]]), [0, 0])
            u[0] += count
            u[1] += sum(tokens[:5])
            continue
        if row[at["assumed"]]:
            assumed += count  # as the Python engine: every record of a known model, priced or refused
        if not row[at["priced"]]:
            r = refused.setdefault((model_id, row[at["day"]], row[at["batch"]], row[at["geo_us"]], row[at["fast"]], filename), [0, 0])
            r[0] += count
            r[1] += sum(tokens[:5])
            continue
        day = row[at["day"]]
        parts = {"model": split_key(model_id)[0], "day": day, "month": day[:7]}
        key = tuple(parts[f] for f in fields)
        g = groups.get(key)
        if g is None:
            g = groups[key] = Group(key, costs=dict.fromkeys(items, Decimal(0)))
        g.requests += count
        requests += count
        g.usage = g.usage + Usage(*tokens[:5], web_searches=tokens[5])
        cost = 0
        for item, col in zip(items, gen.COST_ITEMS):
            pico = int(row[at[f"{col}_pico"]] or 0)
            cost += pico
            g.costs[item] += _pico(pico)
        g.total += _pico(cost)
        total += _pico(cost)
    for (filename, name), (count, tokens) in sorted(unknown.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        problems.append(Problem(filename, f"{count} record(s): {_unknown_reason(table, name)}", tokens))
        problem_count += count
        problem_tokens += tokens
    for (key, day, batch, geo_us, fast, filename), (count, tokens) in sorted(refused.items()):
        problems.append(Problem(filename, f"{count} record(s) of {split_key(key)[0]} on {day}: {_refused_reason(table, key, day, batch, geo_us, fast)}", tokens))
        problem_count += count
        problem_tokens += tokens
    return Summary(sorted(groups.values(), key=lambda g: g.key), total, requests, {}, problems[:MAX_PROBLEMS_KEPT], problem_count,
                   usage_notes(assumed, 0), problem_tokens, {}, fields, None, assumed, 0, price_table=(table.source, table.as_of))  # fmt: skip
