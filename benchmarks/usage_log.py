"""Price big JSONL usage logs with each engine: wall time and peak memory, and the DuckDB engine
side by side with DuckDB's own floor.

Goals: Python engine 1M records <= 10 s; DuckDB engine <= 1.3x a raw DuckDB scan of the same
file (read_json with an explicit schema, integer sums grouped by model, day, tier and geo: the
least any engine built on DuckDB could do), at 1M and 10M records; Spark local beside them.

Run: python benchmarks/usage_log.py [--records 1000000,10000000] [--engines floor,python,duckdb,spark] [--runs 3]
The records are shaped like real API responses (`rich_records.py`: ids, stop reasons, the cache
split, server tool use, tier and geo; ~500 bytes a line): small synthetic records flatter an
engine. Each log is written once; the commands take turns run after run; printed: the median
wall time, the child's peak RSS, and the DuckDB engine's ratio to the floor, pair by pair. The
totals of all engines are compared: they must be equal to the last digit.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rich_records import write_rich  # noqa: E402

FLOOR = r"""import sys, duckdb
duckdb.execute("SET enable_progress_bar = false")  # it draws on stdout after 2 s
cols = ("{'model': 'VARCHAR', 'timestamp': 'VARCHAR', 'usage': 'STRUCT(input_tokens BIGINT, cache_creation_input_tokens BIGINT, "
        "cache_read_input_tokens BIGINT, output_tokens BIGINT, cache_creation STRUCT(ephemeral_5m_input_tokens BIGINT, "
        "ephemeral_1h_input_tokens BIGINT), server_tool_use STRUCT(web_search_requests BIGINT), service_tier VARCHAR, inference_geo VARCHAR)'}")
sums = ", ".join(f"SUM(usage.{c})" for c in ("input_tokens", "cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens",
                                             "cache_read_input_tokens", "output_tokens", "server_tool_use.web_search_requests"))
rows = duckdb.sql("SELECT model, SUBSTRING(\"timestamp\", 1, 10), usage.service_tier, usage.inference_geo, COUNT(*), " + sums
                  + f" FROM read_json('{sys.argv[1]}', format='newline_delimited', columns={cols}) GROUP BY ALL").fetchall()
print('{"total_usd": "floor"}')
"""


def run(exe: str, path: Path, engine: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the child (and its JVM for Spark: children of children), total."""
    t = time.perf_counter()
    cmd = [sys.executable, "-c", FLOOR, str(path)] if engine == "floor" else [exe, "usage", str(path), "--json", "--group-by", "model,day", "--engine", engine]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()  # type: ignore[union-attr]
    _, _, usage = os.wait4(proc.pid, 0)  # this child's own peak (Spark's JVM is its child: not included)
    wall = time.perf_counter() - t
    return wall, usage.ru_maxrss / 1024, json.loads(out)["total_usd"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", default="1000000,10000000")
    parser.add_argument("--engines", default="floor,python,duckdb,spark")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python-max", type=int, default=1_000_000, help="skip the Python engine above this many records")
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.records.split(",")):
            path = Path(tmp) / f"log-{n}.jsonl"
            write_rich(path, n)
            size = os.path.getsize(path) / 1e6
            engines = [e for e in args.engines.split(",") if not (e == "python" and n > args.python_max)]
            runs: dict[str, list[tuple[float, float, str]]] = {e: [] for e in engines}
            for i in range(args.runs):  # taking turns: a slower moment of the machine falls on all alike
                for engine in engines:
                    if engine not in ("spark", "python") or i == 0:
                        runs[engine].append(run(exe, path, engine))
            for engine in engines:
                walls = sorted(r[0] for r in runs[engine])
                print(f"{n:>11,} records ({size:,.0f} MB) {engine:<7} median {statistics.median(walls):6.2f} s "
                      f"(min {walls[0]:.2f}), {n / statistics.median(walls):>12,.0f} records/s, peak RSS {max(r[1] for r in runs[engine]):,.0f} MB",
                      flush=True)  # fmt: skip
            if "floor" in runs and "duckdb" in runs:
                ratios = sorted(a[0] / b[0] for a, b in zip(runs["duckdb"], runs["floor"]))
                print(f"{'':>11} duckdb engine / raw DuckDB scan, pair by pair: median {statistics.median(ratios):.2f}x "
                      f"(min {ratios[0]:.2f}, max {ratios[-1]:.2f})", flush=True)  # fmt: skip
            totals = {e: r[0][2] for e, r in runs.items() if e != "floor"}
            print(f"{'':>11} totals: {totals} -> {'equal' if len(set(totals.values())) == 1 else 'DIFFERENT'}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
