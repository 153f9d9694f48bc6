"""Wall time of one API-counted estimate vs a bare script that imports the SDK and calls
count_tokens once, both against the stand-in server on 127.0.0.1.

Run: python benchmarks/api_estimate.py [--runs N]
Goal: claude-cost estimate <= 1.1x the bare script (uncached: --no-cache; for a payload without cache breakpoints;
each breakpoint costs one more count_tokens call, also shown).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _timing import timed  # noqa: E402
from standin import KEY, StandIn  # noqa: E402

BARE = """
import json, sys
import anthropic
body = json.load(open(sys.argv[1]))
keep = {"model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "cache_control", "speed"}
print(anthropic.Anthropic().messages.count_tokens(**{k: v for k, v in body.items() if k in keep}).input_tokens)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with StandIn() as server:
        env = {**os.environ, "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": server.url}
        plain = ROOT / "examples" / "image.json"
        cached = ROOT / "examples" / "long-system-prompt.json"
        bare, ours, with_bp = timed([
            [sys.executable, "-c", BARE, str(plain)],
            [exe, "estimate", str(plain), "--count", "api", "--json", "--no-cache"],
            [exe, "estimate", str(cached), "--count", "api", "--json", "--no-cache"],
        ], args.runs, env)  # fmt: skip
    mb, mo, mc = statistics.median(bare), statistics.median(ours), statistics.median(with_bp)
    print(f"bare SDK script, 1 count_tokens call:       median {mb * 1000:.0f} ms")
    print(f"claude-cost estimate (no breakpoints):      median {mo * 1000:.0f} ms  ratio {mo / mb:.2f} (goal <= 1.10)")
    print(f"claude-cost estimate (1 breakpoint, 3 calls): median {mc * 1000:.0f} ms  ratio {mc / mb:.2f}")


if __name__ == "__main__":
    main()
