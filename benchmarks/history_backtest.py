"""How honest is a history? `claude-cost history --backtest` on a generated, realistic history:
three models over 60 days, output counts lognormal per use (short classifications, chat replies,
long code edits) with a slow drift (answers grow 20% over the period, as prompts change) and 2%
of calls cut at max_tokens. Prints the backtest table (learned from the first 80% by time,
tested on the last 20%).

Run: python benchmarks/history_backtest.py [--calls N]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

USES = {  # model: (median output, sigma, max_tokens, share of calls)
    "claude-haiku-4-5": (60, 0.5, 512, 0.5),
    "claude-sonnet-4-6": (420, 0.7, 4096, 0.4),
    "claude-opus-4-7": (1800, 0.6, 16000, 0.1),
}


def write(path: Path, calls: int) -> None:
    rng = random.Random(21)
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    models = list(USES)
    weights = [USES[m][3] for m in models]
    with path.open("w") as fh:
        for i in range(calls):
            t = start + timedelta(seconds=i * 60 * 86400 / calls)
            model = rng.choices(models, weights)[0]
            median, sigma, cap, _ = USES[model]
            drift = 1 + 0.2 * i / calls
            out = max(1, int(rng.lognormvariate(math.log(median * drift), sigma)))
            stop = "end_turn"
            if out >= cap or rng.random() < 0.02:
                out, stop = cap, "max_tokens"
            usage = {"input_tokens": rng.randint(200, 4000), "cache_read_input_tokens": rng.choice([0, 0, 20_000]), "output_tokens": out}
            fh.write(json.dumps({"type": "message", "model": model, "stop_reason": stop, "usage": usage,
                                 "timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ")}) + "\n")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50_000)
    args = parser.parse_args()
    exe = shutil.which("claude-cost", path=str(Path(sys.executable).parent)) or "claude-cost"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calls.jsonl"
        write(path, args.calls)
        env = {"COLUMNS": "120", "PATH": "/usr/bin:/bin"}
        print(subprocess.run([exe, "history", str(path)], check=True, capture_output=True, text=True, env=env).stdout)
        print(subprocess.run([exe, "history", str(path), "--backtest"], check=True, capture_output=True, text=True, env=env).stdout)


if __name__ == "__main__":
    main()
