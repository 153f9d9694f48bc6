"""A 10,000-request Batch JSONL file against the stand-in server limited to N requests/second
(429 with retry-after above it). Goal: throughput >= 90% of N, every count right; the second
run, served from the count cache, under 1 s (median of --repeat runs).

Run: python benchmarks/batch_file.py [--requests 10000] [--rate 400] [--concurrency 16]
Uses a throwaway cache file; prints both runs' figures.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from standin import KEY, StandIn, count  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5, help="cached runs to time (median reported)")
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with tempfile.TemporaryDirectory() as tmp, StandIn() as server:
        server.rate_limit_per_s = args.rate
        path = Path(tmp) / "batch.jsonl"
        expected = {}
        with open(path, "w") as fh:
            for i in range(args.requests):
                params = {"model": "claude-sonnet-4-6", "max_tokens": 50,
                          "messages": [{"role": "user", "content": f"request {i}: " + "word " * (i % 97)}]}  # fmt: skip
                expected[f"{path}:{i + 1} (r{i})"] = count({k: v for k, v in params.items() if k != "max_tokens"})
                fh.write(json.dumps({"custom_id": f"r{i}", "params": params}) + "\n")
        env = {**os.environ, "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": server.url, "CLAUDE_COST_CACHE": str(Path(tmp) / "c.sqlite3")}
        cmd = [exe, "estimate", str(path), "--count", "api", "--json", "--concurrency", str(args.concurrency)]
        def run() -> tuple[float, int, int]:
            before = len(server.requests)
            t = time.perf_counter()
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            wall = time.perf_counter() - t
            doc = json.loads(out.stdout)
            got = {r["location"]: r["prompt_tokens"] for r in doc["requests"]}
            wrong = sum(1 for k, v in expected.items() if got.get(k) != v)
            return wall, len(server.requests) - before, wrong

        wall, accepted, wrong = run()
        rate = args.requests / wall
        print(f"first: {args.requests:,} requests in {wall:.2f} s = {rate:,.0f}/s "
              f"({rate / args.rate * 100:.0f}% of the {args.rate:.0f}/s limit); "
              f"{accepted:,} counted by the server; wrong counts: {wrong}")  # fmt: skip
        cached = [run() for _ in range(args.repeat)]
        walls = sorted(c[0] for c in cached)
        print(f"from the cache, {args.repeat} runs: median {statistics.median(walls):.2f} s "
              f"(min {walls[0]:.2f}, max {walls[-1]:.2f}; goal < 1 s); "
              f"{sum(c[1] for c in cached):,} counted by the server; wrong counts: {sum(c[2] for c in cached)}")  # fmt: skip

if __name__ == "__main__":
    main()
