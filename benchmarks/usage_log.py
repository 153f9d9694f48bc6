"""Price a 1,000,000-record JSONL usage log: wall time and peak memory (goal <= 10 s, flat memory).

Run: python benchmarks/usage_log.py [--records N]
Writes the log to a temporary file, runs `claude-cost usage LOG --json` in a subprocess, and
prints wall time and the child's peak RSS for N/10 and N records (memory should not grow).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
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


def run(exe: str, path: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([exe, "usage", str(path), "--json", "--group-by", "model,day"], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.records // 10, args.records):
            path = Path(tmp) / f"log-{n}.jsonl"
            write_log(path, n)
            wall, peak = run(exe, path)
            size = os.path.getsize(path) / 1e6
            print(f"{n:>9,} records ({size:.0f} MB): {wall:.2f} s, {n / wall:,.0f} records/s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
