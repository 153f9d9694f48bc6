"""compare across 8 models against the stand-in server with 50 ms latency per request.

Run: python benchmarks/compare_latency.py
Goal: about one round trip (~50 ms plus overhead), not eight (~400 ms): counts run in parallel.
The SDK import and client creation are done first and not timed (they are the same either way).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from standin import KEY, StandIn  # noqa: E402

MODELS = "sonnet-4.6,haiku-4.5,opus-4.6,opus-4.5,sonnet-4.5,opus-4.7,opus-4.8,opus-5"


def main() -> None:
    from claude_cost.core.models import Assumptions
    from claude_cost.core.prices import load_table
    from claude_cost.counting.api import ApiCounter
    from claude_cost.counting.base import CountSettings
    from claude_cost.estimating.compare import compare
    from claude_cost.estimating.estimate import estimate
    from claude_cost.sources.payload import read_payload

    with StandIn() as server:
        os.environ.update(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=server.url)
        server.delay = 0.05
        table = load_table(use_env=False)
        request = read_payload(str(ROOT / "examples" / "image.json"))
        assume = Assumptions(output_tokens=100)
        how = CountSettings(mode="api", cache=False)  # measure the network, not the cache
        ApiCounter().prepare()  # import the SDK outside the timing
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            result = compare(table, request, assume, how, MODELS)
            runs.append(time.perf_counter() - t)
        n = len(result.rows)
        seq = []
        for _ in range(2):
            t = time.perf_counter()
            for row in result.rows:
                estimate(table, request, assume, how, model=row.model.id)
            seq.append(time.perf_counter() - t)
    print(f"compare, {n} models, 50 ms per request: median {statistics.median(runs) * 1000:.0f} ms "
          f"({statistics.median(runs) / 0.05:.1f} round trips)")  # fmt: skip
    print(f"the same {n} estimates one after another: median {statistics.median(seq) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
