"""The Spark engine: the generated pricing query, transpiled to Spark SQL, run by `pyspark`.

For usage that already lives in a cluster. `--spark-master` (default `local[*]`) picks the
master; with $SPARK_REMOTE set, pyspark connects through Spark Connect instead. JSONL is read
with an explicit schema (the Messages API usage fields), CSV with a header, Parquet as is.

The query is the DuckDB engine's (rows summed into buckets, then priced), transpiled to Spark
SQL, and its buckets are summarised by the same code. Spark's JSON reader is lenient (it turns
1.5 into null and a malformed line into a row of nulls), so unlike the DuckDB engine it does not
hand doubtful lines to Python: a line without a model, of a model not in the price table, or with
a time that is not an ISO date is counted as not priced, with its tokens. Money is exact: whole
picodollars in DECIMAL(38,0) (Spark's precision-loss rule never applies to integer-scale
decimals), converted to Decimal here.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from claude_cost.core.errors import InputError
from claude_cost.core.models import PriceTable
from claude_cost.engines import sql as gen
from claude_cost.engines.duckdb import run_buckets
from claude_cost.engines.python import Summary, group_fields

__all__ = ["session", "summarize_files", "JSONL_SCHEMA", "USAGE_VIEW"]

USAGE_VIEW = "claude_cost_usage"
JSONL_SCHEMA = (
    "model STRING, `timestamp` STRING, usage STRUCT<input_tokens: BIGINT, cache_creation_input_tokens: BIGINT, "
    "cache_read_input_tokens: BIGINT, output_tokens: BIGINT, cache_creation: STRUCT<ephemeral_5m_input_tokens: BIGINT, "
    "ephemeral_1h_input_tokens: BIGINT>, server_tool_use: STRUCT<web_search_requests: BIGINT>, service_tier: STRING, "
    "inference_geo: STRING, speed: STRING>"
)
_FLAT = """SELECT model, `timestamp`, usage.input_tokens AS input_tokens,
  CASE WHEN usage.cache_creation IS NOT NULL THEN usage.cache_creation.ephemeral_5m_input_tokens ELSE usage.cache_creation_input_tokens END
    AS ephemeral_5m_input_tokens,
  usage.cache_creation.ephemeral_1h_input_tokens AS ephemeral_1h_input_tokens, usage.cache_read_input_tokens AS cache_read_input_tokens,
  usage.output_tokens AS output_tokens, usage.server_tool_use.web_search_requests AS web_search_requests,
  usage.service_tier AS service_tier, usage.inference_geo AS inference_geo, usage.speed AS speed,
  CASE WHEN usage.cache_creation IS NULL AND usage.cache_creation_input_tokens > 0 THEN 1 ELSE 0 END AS assumed
FROM {raw}"""


def _reachable(remote: str) -> None:
    """Fail in one line, and at once, when nothing listens at $SPARK_REMOTE (the client would
    otherwise retry for minutes)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(remote.split(";")[0])
    host, port = parts.hostname, parts.port or 15002
    if parts.scheme != "sc" or not host:
        raise InputError(f"SPARK_REMOTE={remote!r} is not a Spark Connect address", hint="e.g. sc://localhost:15002")
    try:
        with socket.create_connection((host, port), timeout=5):
            pass
    except OSError as exc:
        raise InputError(f"cannot reach Spark Connect at {remote}: {exc.strerror or exc}",
                         hint="start the server (sbin/start-connect-server.sh) or unset SPARK_REMOTE for local Spark") from None  # fmt: skip


def session(master: str | None = None) -> Any:
    """A Spark session: Spark Connect when $SPARK_REMOTE is set, else `master` (local[*])."""
    import warnings

    # pyspark warns on every start that it "does not yet fully support pandas >= 3": not the user's concern here
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("the spark engine needs pyspark", hint="pip install 'claude-cost[spark]'") from None
    builder = SparkSession.builder.appName("claude-cost")
    remote = os.environ.get("SPARK_REMOTE")
    if remote and master is None:
        _reachable(remote)
        try:
            return builder.remote(remote).getOrCreate()
        except ImportError as exc:  # the Spark Connect client's own dependencies (pandas, pyarrow, grpcio)
            raise InputError(f"Spark Connect needs more packages: {str(exc).splitlines()[0]}",
                             hint="pip install 'claude-cost[spark]' (it brings pyspark[connect])") from None  # fmt: skip
    builder = builder.master(master or "local[*]").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4")
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing or the JVM failed to start: say so in one line
        raise InputError(f"could not start Spark: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                         hint="Spark needs Java 17+ (JAVA_HOME); or use --engine duckdb") from None  # fmt: skip
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _load(spark: Any, files: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Register the files as USAGE_VIEW; the mapping to use over it."""
    other = [f for f in files if not f.endswith((".jsonl", ".ndjson", ".json", ".parquet", ".csv"))]
    if other:
        raise InputError(f"{other[0]}: --engine spark reads JSONL, Parquet or CSV", hint="use --engine python for SSE captures")
    jsonl = [f for f in files if f.endswith((".jsonl", ".ndjson", ".json"))]
    parquet = [f for f in files if f.endswith(".parquet")]
    csv = [f for f in files if f.endswith(".csv")]
    if sum(map(bool, (jsonl, parquet, csv))) != 1:
        raise InputError("--engine spark reads one kind of file per run: JSONL, Parquet or CSV")
    if jsonl:
        spark.read.schema(JSONL_SCHEMA).json(jsonl).createOrReplaceTempView(f"{USAGE_VIEW}_raw")
        spark.sql(_FLAT.format(raw=f"{USAGE_VIEW}_raw")).createOrReplaceTempView(USAGE_VIEW)
        return dict(gen.PRESETS["messages"])
    frame = spark.read.parquet(*parquet) if parquet else spark.read.option("header", True).option("inferSchema", True).csv(csv)
    frame.createOrReplaceTempView(USAGE_VIEW)
    present = set(frame.columns)
    return {k: (v if v.strip('"`') in present or v.upper() == "NULL" else "NULL") for k, v in mapping.items()}


def summarize_files(table: PriceTable, paths: list[str], group_by: str, default_day: date, *, default_model: str | None = None,
                    master: str | None = None, mapping: dict[str, str] | None = None) -> Summary:  # fmt: skip
    """The usage summary of `paths`, computed on Spark."""
    from claude_cost.sources.payload import expand_paths
    from claude_cost.sources.usage import USAGE_SUFFIXES

    fields = group_fields(group_by)
    files = [os.path.abspath(f) for f in expand_paths(paths, USAGE_SUFFIXES)]
    for f in files:
        if not os.path.isfile(f):
            raise InputError(f"{f}: no such file")
    spark = session(master)
    mapped = _load(spark, files, mapping or dict(gen.PRESETS["messages"]))
    if default_model is not None:
        mapped["model"] = f"COALESCE({mapped['model']}, {gen.literal(default_model)})"
    tabular = any(f.endswith((".parquet", ".csv")) for f in files)
    spark.sql(f"SELECT *, input_file_name() AS filename, TRUE AS ok{', 0 AS assumed' if tabular else ''} FROM {USAGE_VIEW}") \
        .createOrReplaceTempView(f"{USAGE_VIEW}_files")

    def execute(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in spark.sql(gen.render(sql, "spark").rstrip().rstrip(";")).collect()]

    summary, _ = run_buckets(execute, table, f"{USAGE_VIEW}_files", mapped, fields, default_day, odd_days="problems")
    return summary
