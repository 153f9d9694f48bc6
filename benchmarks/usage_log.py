"""Price big JSONL usage logs with each engine: wall time and peak memory.

Goals: Python engine 1M records <= 10 s; DuckDB engine 1M <= 1 s and 10M <= 8 s, memory flat;
Spark local beside them for scale.

Run: python benchmarks/usage_log.py [--records 1000000,10000000] [--engines python,duckdb,spark] [--runs 3]
Writes each log once to a temporary folder, runs `claude-cost usage LOG --json --group-by
model,day --engine E` in a subprocess, and prints the median wall time and the child's peak RSS.
The totals of all engines are compared: they must be equal to the last digit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = ["claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-haiku-5-5", "claude-opus-4-6"]


def write_log(path: Path, n: int) -> None:
    rng = random.Random(7)
    with open(path, "w") as fh:
        for i in range(n):
            usage = {
                "input_tokens": rng.randint(10, 150_000),
                "output_tokens": rng.randint(1, 4000),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": rng.choice([0, 0, 5000, 40_000]),
            }
            if i % 7 == 0:
                usage["cache_creation"] = {"ephemeral_5m_input_tokens": 3000, "ephemeral_1h_input_tokens": 1000}
                usage["cache_creation_input_tokens"] = 4000
            rec = {"timestamp": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}T12:00:00Z",
                   "model": rng.choice(MODELS), "usage": usage}  # fmt: skip
            fh.write(json.dumps(rec) + "\n")


def run(exe: str, path: Path, engine: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the child (and its JVM for Spark: children of children), total."""
    t = time.perf_counter()
    proc = subprocess.Popen([exe, "usage", str(path), "--json", "--group-by", "model,day", "--engine", engine],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    out = proc.stdout.read()  # type: ignore[union-attr]
    _, _, usage = os.wait4(proc.pid, 0)  # this child's own peak (Spark's JVM is its child: not included)
    wall = time.perf_counter() - t
    return wall, usage.ru_maxrss / 1024, json.loads(out)["total_usd"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", default="1000000,10000000")
    parser.add_argument("--engines", default="python,duckdb,spark")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python-max", type=int, default=1_000_000, help="skip the Python engine above this many records")
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.records.split(",")):
            path = Path(tmp) / f"log-{n}.jsonl"
            write_log(path, n)
            size = os.path.getsize(path) / 1e6
            totals = {}
            for engine in args.engines.split(","):
                if engine == "python" and n > args.python_max:
                    continue
                runs = [run(exe, path, engine) for _ in range(1 if engine == "spark" else args.runs)]
                walls = sorted(r[0] for r in runs)
                totals[engine] = runs[0][2]
                print(f"{n:>11,} records ({size:,.0f} MB) {engine:<7} median {statistics.median(walls):6.2f} s "
                      f"(min {walls[0]:.2f}), {n / statistics.median(walls):>12,.0f} records/s, peak RSS {max(r[1] for r in runs):,.0f} MB",
                      flush=True)  # fmt: skip
            print(f"{'':>11} totals: {totals} -> {'equal' if len(set(totals.values())) == 1 else 'DIFFERENT'}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
