"""Wall time of one manual estimate: claude-cost vs `genai-prices calc`, same usage.

Run: python benchmarks/startup.py [--runs N]
genai-prices is installed on demand into benchmarks/.venv-genai-prices (only for this benchmark).
Goal: claude-cost takes 0.35x of genai-prices' wall time or less, and never imports the SDK here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from _timing import timed

HERE = Path(__file__).resolve().parent
GP_VENV = HERE / ".venv-genai-prices"


def claude_cost_cmd() -> list[str]:
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or shutil.which("claude-cost")
    if exe is None:
        sys.exit("claude-cost is not installed in this environment (pip install -e .)")
    return [exe]


def genai_prices_cmd() -> list[str]:
    exe = GP_VENV / "bin" / "genai-prices"
    if not exe.exists():
        print("installing genai-prices[cli]==0.2.3 into", GP_VENV, file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(GP_VENV)], check=True)
        subprocess.run([str(GP_VENV / "bin" / "pip"), "install", "-q", "genai-prices[cli]==0.2.3"], check=True)
    return [str(exe)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ours = claude_cost_cmd() + ["estimate", "--model", "opus-4.7", "--input-tokens", "200000", "--output-tokens", "20000", "--json"]
    theirs = genai_prices_cmd() + ["calc", "--input-tokens", "200000", "--output-tokens", "20000", "claude-opus-4-7"]
    probe = (
        "import sys; from claude_cost.cli import main; "
        "sys.argv=['claude-cost','estimate','--model','opus-4.7','--input-tokens','200000','--json']\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print('anthropic imported:', 'anthropic' in sys.modules, file=sys.stderr)"
    )
    sdk = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stderr.strip()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # byte code as a pip install leaves it
    a, b = timed([ours, theirs], args.runs, env=env)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"claude-cost estimate (manual): median {ma * 1000:.0f} ms  min {min(a) * 1000:.0f} ms  ({args.runs} runs)")
    print(f"genai-prices calc:             median {mb * 1000:.0f} ms  min {min(b) * 1000:.0f} ms  ({args.runs} runs)")
    print(f"ratio: {ma / mb:.2f} (goal <= 0.35)   {sdk}")


if __name__ == "__main__":
    main()
