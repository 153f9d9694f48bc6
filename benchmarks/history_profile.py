"""Output-token history (issue 21): a profile from a 1,000,000-line Claude Code projects folder,
loading that profile, and what an estimate pays for --history.

Run: python benchmarks/history_profile.py [--lines N]
Goals: the profile in <= 6 s; loading it <= 20 ms; a manual estimate without --history as fast
as before (the same command, side by side, with and without a profile).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import timed  # noqa: E402
from claude_code_log import write_projects  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "projects"
        lines, _, distinct = write_projects(folder, args.lines)
        prof = Path(tmp) / "profile.json"
        walls = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([exe, "history", "--claude-code", str(folder), "-o", str(prof)], check=True, capture_output=True)
            walls.append(time.perf_counter() - t)
        doc = json.loads(prof.read_text())
        calls = sum(m["calls"] for m in doc["models"].values())
        print(f"profile of {lines:,} lines ({distinct:,} responses, {calls:,} calls): median {statistics.median(walls):.2f} s "
              f"(min {min(walls):.2f}), {prof.stat().st_size:,} bytes")  # fmt: skip
        from claude_cost.sources.profile import load_profile

        loads = []
        for _ in range(20):
            t = time.perf_counter()
            load_profile(str(prof))
            loads.append(time.perf_counter() - t)
        print(f"loading the profile: median {statistics.median(loads) * 1000:.1f} ms")
        base = [exe, "estimate", "--model", "sonnet-4.6", "--input-tokens", "3000"]
        cmds = [base + ["--output-tokens", "500"], base + ["--output-tokens", "p90", "--history", str(prof)]]
        plain, hist = timed(cmds, args.runs)
        print(f"manual estimate: {statistics.median(plain) * 1000:.0f} ms; with --history profile --output-tokens p90: "
              f"{statistics.median(hist) * 1000:.0f} ms (median of {args.runs}, taking turns)")  # fmt: skip


if __name__ == "__main__":
    main()
