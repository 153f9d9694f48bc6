"""Run the fuzz properties of tests/test_fuzz.py on many fresh random cases (default 2,000 per
property, 5 properties: 10,000 cases) and print how many ran and how long they took.

    python benchmarks/fuzz.py [CASES_PER_PROPERTY]

A failure prints hypothesis' smallest failing input; fix the bug, add the input to a unit test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    env = {**os.environ, "CLAUDE_COST_FUZZ_CASES": str(cases), "CLAUDE_COST_FUZZ_RANDOM": "1"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py",
                           "--hypothesis-show-statistics"], cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    took = time.perf_counter() - start
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    properties = proc.stdout.count("test_fuzz.py::")
    print(proc.stdout[-6000:] if proc.returncode else "")
    print(f"fuzz: {cases:,} cases per property, {properties} properties, ~{cases * max(properties, 5):,} cases, {took:.0f} s: {tail}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
